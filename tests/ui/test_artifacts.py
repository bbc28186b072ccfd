"""The Artifacts tab: lazy file tree, queued downloads with progress and cancel, URIs, snippet."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from modelyard.core.kinds import MlflowServerSettings
from modelyard.core.profiles.profile import Profile, ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from tests.conftest import save_artifact
from tests.helpers.files import files_in
from tests.helpers.registry import UPLOADED, add_server_profile, admin_store, new_version
from tests.helpers.values import some
from tests.helpers.window import artifact_names, open_window, select_model, select_version
from tests.support.servers import MlflowServer
from tests.support.slow_proxy import slow_proxy

BIG = os.urandom(20 * 1024 * 1024)


def test_file_tree_download_and_remembered_folder(
    qtbot: QtBot,
    mlflow_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
    tmp_path: Path,
) -> None:
    version = new_version(mlflow_server, "ui-artifacts", {"data/weights.bin": b"w" * 5000})
    add_server_profile(store, secrets, mlflow_server, "srv")
    window = open_window(qtbot, store)
    select_model(qtbot, window, "srv", "ui-artifacts")
    select_version(qtbot, window, version)
    panel = window.details.version_view.artifacts
    qtbot.waitUntil(lambda: panel.tree.topLevelItemCount() > 0, timeout=30_000)
    names = artifact_names(window)
    assert names[0] == "data" and "MLmodel" in names  # folders first
    data = some(panel.tree.topLevelItem(0))
    data.setExpanded(True)
    qtbot.waitUntil(lambda: some(data.child(0)).text(0) == "weights.bin", timeout=30_000)
    assert some(data.child(0)).text(1) == "5.0 kB"
    window.files.choose_folder = lambda start: str(tmp_path)
    panel.download_all.click()
    task = window.files.downloads.tasks[-1]
    qtbot.waitUntil(lambda: task.state == "done", timeout=60_000)
    target = tmp_path / f"ui-artifacts-v{version}"
    run_id = admin_store(mlflow_server).get_model_version("ui-artifacts", version).run_id
    expected = {k.removeprefix("model/"): v for k, v in UPLOADED[run_id].items()}
    assert files_in(target) == expected
    assert QSettings().value(f"downloads/{store.get('srv').id}") == str(tmp_path)
    row = some(window.files.downloads_dialog).rows[task.id]
    assert row.bar.value() == 1000 and row.open_button.isVisible()
    assert "Downloaded" in row.status.text()
    qtbot.waitUntil(window.workers.is_idle, timeout=30_000)
    window.close()


def test_cancel_from_the_dialog_leaves_no_partial_file(
    qtbot: QtBot,
    mlflow_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
    tmp_path: Path,
) -> None:
    version = new_version(mlflow_server, "ui-big", {"weights.bin": BIG})
    with slow_proxy(mlflow_server.url) as url:
        store.add(Profile(name="srv", settings=MlflowServerSettings(url=url)))
        _cancel_in_the_dialog(qtbot, store, tmp_path, version)


def _cancel_in_the_dialog(qtbot: QtBot, store: ProfileStore, tmp_path: Path, version: str) -> None:
    window = open_window(qtbot, store)
    select_model(qtbot, window, "srv", "ui-big")
    select_version(qtbot, window, version)
    window.files.choose_folder = lambda start: str(tmp_path)
    window.details.version_view.artifacts.download_all.click()
    task = window.files.downloads.tasks[-1]
    row = some(window.files.downloads_dialog).rows[task.id]
    qtbot.waitUntil(
        lambda: (
            task.progress is not None
            and task.progress.current == "weights.bin"
            and task.progress.done_bytes > 0
        ),
        timeout=60_000,
    )
    assert "of" in row.status.text() and "/s" in row.status.text()
    some(window.files.downloads_dialog).grab().save(str(save_artifact("downloads-dialog.png")))
    row.cancel_button.click()
    qtbot.waitUntil(lambda: task.state == "cancelled", timeout=60_000)
    target = tmp_path / f"ui-big-v{version}"
    for path in target.rglob("*"):
        assert not path.name.startswith(".modelyard-download-")
        assert path.name != "weights.bin" and not path.name.endswith(".part")
    assert "cancelled" in row.status.text().lower()
    # A stopped bar is greyed and says so; Retry queues it again; Clear finished empties.
    assert row.bar.property("stopped") is True and row.bar.format().startswith("Cancelled")
    assert row.bar.isEnabled()  # readable words, not the disabled grey on grey
    assert row.retry_button.isVisible() and not row.cancel_button.isVisible()
    row.retry_button.click()
    again = window.files.downloads.tasks[-1]
    assert again is not task and (again.model, again.destination) == (task.model, task.destination)
    window.files.downloads.cancel(again)
    qtbot.waitUntil(lambda: again.state == "cancelled", timeout=60_000)
    some(window.files.downloads_dialog).clear_finished()
    assert some(window.files.downloads_dialog).rows == {} and window.files.downloads.tasks == []
    qtbot.waitUntil(window.workers.is_idle, timeout=30_000)
    window.close()


def test_copy_uri_and_snippet(qtbot: QtBot, demo_profile: Profile, store: ProfileStore) -> None:
    window = open_window(qtbot, store)
    select_model(qtbot, window, "demo", "churn-classifier")
    select_version(qtbot, window, "4")
    panel = window.details.version_view.artifacts
    texts = [a.text() for a in panel.uri_menu.actions()]
    assert any("models:/churn-classifier@champion" in t for t in texts)
    assert any("models:/churn-classifier/Production" in t for t in texts)
    panel.copy_uri.click()
    assert QGuiApplication.clipboard().text() == "models:/churn-classifier/4"
    panel.copy_snippet.click()
    snippet = QGuiApplication.clipboard().text()
    assert "mlflow.sklearn.load_model('models:/churn-classifier/4')" in snippet
    assert "sqlite:///" in snippet
    assert panel.serve.isEnabled()
    window.details.version_view.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.tree.topLevelItemCount() > 0, timeout=30_000)
    window.grab().save(str(save_artifact("artifacts-tab.png")))
    qtbot.waitUntil(window.workers.is_idle, timeout=30_000)
    window.close()


def test_serve_locally_from_the_app_and_stop(
    qtbot: QtBot, mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    import requests

    version = new_version(mlflow_server, "ui-served")
    add_server_profile(store, secrets, mlflow_server, "srv")
    window = open_window(qtbot, store)
    select_model(qtbot, window, "srv", "ui-served")
    select_version(qtbot, window, version)
    panel = window.details.version_view.artifacts
    assert panel.serve.isEnabled()
    panel.serve.click()
    qtbot.waitUntil(
        lambda: bool(window.files.serve_dialogs) or "Could not" in panel.serve_status.text(),
        timeout=40_000,
    )
    assert window.files.serve_dialogs, panel.serve_status.text()
    dialog = window.files.serve_dialogs[-1]
    server = dialog.server
    assert server.url in dialog.url.text()
    answer = requests.post(
        f"{server.url}/invocations",
        json={"dataframe_split": {"columns": ["a", "b", "c"], "data": [[1, 0, 0]]}},
        timeout=30,
    )
    assert answer.status_code == 200 and len(answer.json()["predictions"]) == 1
    qtbot.waitUntil(
        lambda: (
            "Listening" in dialog.log.toPlainText()
            or "Uvicorn running" in dialog.log.toPlainText()
            or "$ " in dialog.log.toPlainText()
        ),
        timeout=10_000,
    )
    dialog.stop_button.click()
    assert not server.is_running
    assert dialog.state.text() == "Stopped."  # asked for: no exit code to puzzle over
    dialog.close()
    qtbot.waitUntil(window.workers.is_idle, timeout=30_000)
    window.close()
