"""Previews in the Artifacts tab on a real server: MLmodel as highlighted text, a CSV head as a
table, an image, a binary named plainly; the version's total size; Open with app."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QTreeWidgetItem
from pytestqt.qtbot import QtBot

from modelyard.core.profiles.profile import ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from modelyard.core.reads.download import human_bytes
from modelyard.ui.details.artifacts import ArtifactsPanel
from tests.conftest import save_artifact
from tests.helpers.files import CSV, WEIGHTS, png
from tests.helpers.registry import UPLOADED, add_server_profile, admin_store, new_version
from tests.helpers.values import some
from tests.helpers.window import open_window, select_model, select_version
from tests.support.servers import MlflowServer


def item_named(qtbot: QtBot, panel: ArtifactsPanel, *names: str) -> QTreeWidgetItem:
    """Expand folders down to ``names`` (waiting for each listing) and return the item."""
    items = [some(panel.tree.topLevelItem(i)) for i in range(panel.tree.topLevelItemCount())]
    found: QTreeWidgetItem | None = None
    for depth, name in enumerate(names):
        found = next(i for i in items if i.text(0) == name)
        if depth < len(names) - 1:
            found.setExpanded(True)
            qtbot.waitUntil(partial(listed, found))
            items = [some(found.child(i)) for i in range(found.childCount())]
    assert found is not None
    return found


def listed(folder: QTreeWidgetItem) -> bool:
    """A folder's listing has arrived (its first child is no longer the placeholder)."""
    return folder.childCount() > 0 and some(folder.child(0)).text(0) != "loading…"


def test_previews_total_size_and_open_with_app(
    qtbot: QtBot,
    mlflow_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    version = new_version(
        mlflow_server,
        "ui-preview",
        {"data/head.csv": CSV, "plots/roc.png": png(40, 30), "weights.bin": WEIGHTS},
    )
    add_server_profile(store, secrets, mlflow_server, "srv")
    window = open_window(qtbot, store)
    select_model(qtbot, window, "srv", "ui-preview")
    select_version(qtbot, window, version)
    view = window.details.version_view
    view.tabs.setCurrentWidget(view.artifacts)
    panel = view.artifacts
    preview = panel.preview
    qtbot.waitUntil(lambda: panel.tree.topLevelItemCount() > 0, timeout=30_000)
    run_id = admin_store(mlflow_server).get_model_version("ui-preview", version).run_id
    every = UPLOADED[run_id]
    total = f"{len(every)} files · {human_bytes(sum(len(v) for v in every.values()))} in total"
    qtbot.waitUntil(lambda: panel.total.text() == total, timeout=30_000)

    panel.tree.setCurrentItem(item_named(qtbot, panel, "MLmodel"))
    qtbot.waitUntil(lambda: preview.shown is not None and preview.shown.path == "MLmodel")
    assert preview.stack.currentWidget() is preview.text
    assert "flavors:" in preview.text.toPlainText()
    assert preview.highlighter.rules  # YAML keys, comments and strings coloured
    window.grab().save(str(save_artifact("artifact-preview.png")))

    panel.tree.setCurrentItem(item_named(qtbot, panel, "data", "head.csv"))
    qtbot.waitUntil(lambda: preview.shown is not None and preview.shown.path == "data/head.csv")
    assert preview.stack.currentWidget() is preview.table
    assert some(preview.table.horizontalHeaderItem(0)).text() == "id"
    assert some(preview.table.item(0, 2)).text() == "a, b"
    assert "First 50 rows shown." in preview.caption.text()

    panel.tree.setCurrentItem(item_named(qtbot, panel, "plots", "roc.png"))
    qtbot.waitUntil(lambda: preview.shown is not None and preview.shown.kind == "image")
    assert preview.image.pixmap().width() == 40

    panel.tree.setCurrentItem(item_named(qtbot, panel, "weights.bin"))
    qtbot.waitUntil(lambda: preview.shown is not None and preview.shown.path == "weights.bin")
    assert preview.empty.text().startswith("Binary file")

    opened: list[Path] = []
    window.details.artifacts.opener = opened.append
    QTest.keyClick(panel.tree, Qt.Key.Key_Return)  # Enter on a file opens it with its app
    qtbot.waitUntil(lambda: bool(opened), timeout=30_000)
    assert opened[0].read_bytes() == WEIGHTS
    assert panel.serve_status.text().startswith("Opened weights.bin")
    qtbot.waitUntil(window.workers.is_idle, timeout=30_000)
    window.close()
