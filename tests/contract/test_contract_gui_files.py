"""Contract tests: the Artifacts tab and its download for Unity Catalog and AzureML versions
in the real window (the same file tree, progress and atomic placement as an MLflow server's)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from pytestqt.qtbot import QtBot

from modelyard.core.kinds import DatabricksUCSettings
from modelyard.core.profiles.profile import Profile, ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from tests.conftest import save_artifact
from tests.helpers.files import files_in
from tests.helpers.registry import UPLOADED, admin_store, new_version
from tests.helpers.values import some
from tests.helpers.window import artifact_names, open_window, select_model, select_version
from tests.support.contract_server import Contract
from tests.support.servers import MlflowServer


def test_contract_unity_catalog_artifacts_tab_browses_and_downloads(
    qtbot: QtBot,
    contract: Contract,
    mlflow_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
    tmp_path: Path,
) -> None:
    catalog = f"cat{uuid.uuid4().hex[:6]}"
    name = f"{catalog}.ml.churn"
    weights = os.urandom(64_000)
    version = new_version(mlflow_server, name, {"data/weights.bin": weights})
    profile = Profile(
        name="uc", settings=DatabricksUCSettings(host=contract.url, default_catalog=catalog)
    )
    store.add(profile)
    secrets.set(profile.id, "token", contract.issue("ana@example.com"))
    window = open_window(qtbot, store)
    select_model(qtbot, window, "uc", name)
    model_view = window.details.model_view
    assert model_view.table.isColumnHidden(1)  # no Stage column: Unity Catalog has none
    assert "Staging" not in model_view.summary.text()
    select_version(qtbot, window, version)
    assert not window.details.version_view.header.badge.isVisible()  # no "None" stage badge
    current = window.proxy.mapToSource(window.tree.currentIndex())
    assert current.siblingAtColumn(1).data() in (None, "")  # nor in the tree
    view = window.details.version_view
    view.tabs.setCurrentWidget(view.artifacts)
    panel = view.artifacts
    qtbot.waitUntil(lambda: panel.tree.topLevelItemCount() > 0, timeout=30_000)
    names = artifact_names(window)
    assert names[0] == "data" and "MLmodel" in names
    data = some(panel.tree.topLevelItem(0))
    data.setExpanded(True)
    qtbot.waitUntil(lambda: data.childCount() > 0 and some(data.child(0)).text(0) == "weights.bin")
    assert some(data.child(0)).text(1) == "64.0 kB"
    window.grab().save(str(save_artifact("contract-uc-artifacts.png")))
    window.files.choose_folder = lambda start: str(tmp_path)
    panel.download_all.click()
    task = window.files.downloads.tasks[-1]
    qtbot.waitUntil(lambda: task.state == "done", timeout=60_000)
    run_id = admin_store(mlflow_server).get_model_version(name, version).run_id
    expected = {k.removeprefix("model/"): v for k, v in UPLOADED[run_id].items()}
    assert files_in(tmp_path / f"{name}-v{version}") == expected
    assert all("Authorization" not in h for h in contract.storage_requests)
    qtbot.waitUntil(window.workers.is_idle, timeout=30_000)
    window.close()
