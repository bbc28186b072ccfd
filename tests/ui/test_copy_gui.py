"""Drag a version from one registry onto another: the copy dialog, the copy, the new version
selected in the target's tree (two real servers; the target with basic auth)."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from modelyard.core.actions.copy_plan import SOURCE_TAG
from modelyard.core.profiles.profile import ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from modelyard.ui.tree.tree_node import NodeKind
from tests.conftest import save_artifact
from tests.helpers.registry import add_server_profile, admin_store, new_version
from tests.helpers.window import open_window, select_model
from tests.support.servers import ADMIN_PASSWORD, ADMIN_USER, MlflowServer


def test_drag_a_version_onto_another_registry_copies_and_selects_it(
    qtbot: QtBot,
    mlflow_server: MlflowServer,
    auth_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
) -> None:
    name = f"gui-copy-{uuid.uuid4().hex[:6]}"
    version = new_version(mlflow_server, name)
    add_server_profile(store, secrets, mlflow_server, "dev")
    add_server_profile(store, secrets, auth_server, "prod", ADMIN_USER, ADMIN_PASSWORD)
    window = open_window(qtbot, store)
    select_model(qtbot, window, "dev", name)
    tm = window.tree_model
    dev = store.get("dev")
    source = tm.find_version(dev.id, name, version)
    assert source.isValid()
    data = tm.mimeData([source])
    prod_index = tm.profile_index("prod")
    assert not tm.canDropMimeData(data, Qt.DropAction.CopyAction, -1, 0, source.parent())
    assert tm.canDropMimeData(data, Qt.DropAction.CopyAction, -1, 0, prod_index)
    tm.dropMimeData(data, Qt.DropAction.CopyAction, -1, 0, prod_index)
    dialog = window.across.copy_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.state == "ready", timeout=60_000)
    assert "To prod" in dialog.lines.text() and "new model" in dialog.lines.text()
    dialog.then.setCurrentIndex(dialog.then.findData("stage:Production"))
    assert dialog.go.text() == "Copy and promote" and dialog.go.isEnabled()
    dialog.grab().save(str(save_artifact("copy-dialog.png")))
    dialog.go.click()
    qtbot.waitUntil(lambda: dialog.state in ("done", "failed"), timeout=120_000)
    assert dialog.state == "done", dialog.status.text()
    assert "Copied" in dialog.status.text() and "Now Production" in dialog.status.text()
    dialog.grab().save(str(save_artifact("copy-dialog-done.png")))
    copied = admin_store(auth_server).search_model_versions(f"name='{name}'")
    assert [v.current_stage for v in copied] == ["Production"]
    assert copied[0].tags[SOURCE_TAG].endswith(f"#{name}/{version}")

    def selected_in_prod() -> bool:
        node = window.node_at(window.tree.currentIndex())
        return (
            node is not None
            and node.kind is NodeKind.VERSION
            and node.profile.name == "prod"
            and node.version_summary.model == name
        )

    qtbot.waitUntil(selected_in_prod, timeout=60_000)
    window.grab().save(str(save_artifact("copy-selected-in-target.png")))
    # The same version dropped again is found there: nothing to copy unless promoted.
    tm.dropMimeData(data, Qt.DropAction.CopyAction, -1, 0, prod_index)
    again = window.across.copy_dialog
    assert again is not None and again is not dialog
    qtbot.waitUntil(lambda: again.state == "ready", timeout=60_000)
    assert "already has this version" in again.lines.text()
    assert not again.go.isEnabled()
    again.reject()
    qtbot.waitUntil(window.workers.is_idle, timeout=30_000)
    window.close()
