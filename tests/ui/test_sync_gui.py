"""Sync from the tree: a model row's "Sync to ▸ prod", the plan as a table whose rows can be
unticked, the sync with its progress, the report, and the plan again (two real servers; the
target with basic auth)."""

from __future__ import annotations

import uuid

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from modelyard.core.actions.copy_plan import SOURCE_TAG
from modelyard.core.profiles.profile import ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from modelyard.ui.compare.sync_dialog import SyncDialog
from modelyard.ui.shell.main_window import MainWindow
from tests.conftest import save_artifact
from tests.helpers.menus import submenu_of
from tests.helpers.registry import add_server_profile, admin_store, new_version
from tests.helpers.window import open_window, select_model
from tests.support.servers import ADMIN_PASSWORD, ADMIN_USER, MlflowServer


def _three_versions_dev_and_prod(
    prefix: str,
    source: MlflowServer,
    target: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
) -> str:
    """A new model of three versions on ``source`` (profile dev); ``target`` is prod (admin)."""
    name = f"{prefix}-{uuid.uuid4().hex[:6]}"
    for _ in range(3):
        new_version(source, name)
    add_server_profile(store, secrets, source, "dev")
    add_server_profile(store, secrets, target, "prod", ADMIN_USER, ADMIN_PASSWORD)
    return name


def _sync_to_prod(qtbot: QtBot, window: MainWindow, menu: QMenu | None, item: str) -> SyncDialog:
    """The menu's "<item> ▸ prod", chosen: its sync dialog, once planned."""
    assert menu is not None
    sync = submenu_of(menu, item)
    assert sync is not None and [a.text() for a in sync.actions()] == ["prod"]
    sync.actions()[0].trigger()
    menu.close()
    dialog = window.across.sync_dialog
    assert isinstance(dialog, SyncDialog)
    qtbot.waitUntil(lambda: dialog.state == "ready", timeout=60_000)
    return dialog


def test_sync_a_model_from_its_menu_with_a_row_unticked(
    qtbot: QtBot,
    mlflow_server: MlflowServer,
    auth_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
) -> None:
    name = _three_versions_dev_and_prod("gui-sync", mlflow_server, auth_server, store, secrets)
    admin_store(mlflow_server).transition_model_version_stage(name, "3", "Production", False)
    window = open_window(qtbot, store)
    select_model(qtbot, window, "dev", name)
    dialog = _sync_to_prod(qtbot, window, window.tree_menus.open_current(), "Sync to")
    rows = dialog.rows()
    assert [r.text(0) for r in rows] == [f"{name} v1", f"{name} v2", f"{name} v3"]
    assert all(r.checkState(0) == Qt.CheckState.Checked for r in rows)
    dialog.mirror_stages.setChecked(True)  # planned again, with the stage to set
    qtbot.waitUntil(
        lambda: dialog.state == "ready" and bool(dialog.rows()[2].text(3)), timeout=60_000
    )
    assert dialog.rows()[2].text(3) == "Production"
    dialog.rows()[0].setCheckState(0, Qt.CheckState.Unchecked)  # not v1
    assert dialog.go.text() == "Sync 2 version(s)" and dialog.go.isEnabled()
    assert "Ticked: 2 to copy and 1 stage" in dialog.summary.text()
    assert not dialog.retry.isVisible()  # only after a sync where something failed
    dialog.grab().save(str(save_artifact("sync-dialog.png")))
    dialog.go.click()
    qtbot.waitUntil(lambda: dialog.state in ("done", "failed"), timeout=120_000)
    assert dialog.state == "done", dialog.status.text()
    assert "Copied 2" in dialog.status.text() and not dialog.retry.isVisible()
    assert [r.text(2) for r in dialog.rows()] == ["Left out", "Copied", "Copied"]
    assert dialog.mirror_stages.isChecked() and dialog.mirror_stages.isEnabled()
    dialog.grab().save(str(save_artifact("sync-dialog-done.png")))
    copies = admin_store(auth_server).search_model_versions(f"name='{name}'")
    by_source = {v.tags[SOURCE_TAG].rsplit("/", 1)[1]: v for v in copies}
    assert set(by_source) == {"2", "3"} and by_source["3"].current_stage == "Production"
    dialog.reject()
    # The same again: v2 and v3 are there; only v1 is left to copy.
    again = window.across.sync_models(store.get("dev"), store.get("prod"), (name,))
    qtbot.waitUntil(lambda: again.state == "ready", timeout=60_000)
    assert [r.text(2) for r in again.rows()] == ["Copy", "There already", "There already"]
    assert again.go.text() == "Sync 1 version(s)"
    again.reject()
    qtbot.waitUntil(window.workers.is_idle, timeout=30_000)
    window.close()


def test_pause_holds_the_sync_before_its_next_version_and_resume_finishes_it(
    qtbot: QtBot,
    mlflow_server: MlflowServer,
    auth_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
) -> None:
    name = _three_versions_dev_and_prod("gui-pause", mlflow_server, auth_server, store, secrets)
    window = open_window(qtbot, store)
    dialog = window.across.sync_models(store.get("dev"), store.get("prod"), (name,))
    qtbot.waitUntil(lambda: dialog.state == "ready", timeout=60_000)
    assert not dialog.pause.isVisible()  # only while syncing
    dialog.go.click()
    assert dialog.pause.isVisible() and dialog.pause.text() == "&Pause"
    dialog.pause.click()  # before the lane starts its first version: it waits for Resume
    assert dialog.pause.text() == "&Resume"
    qtbot.waitUntil(lambda: dialog._pause.waiting == 1, timeout=60_000)
    assert dialog.status.text().startswith("Paused"), dialog.status.text()
    assert admin_store(auth_server).search_model_versions(f"name='{name}'") == []
    dialog.grab().save(str(save_artifact("sync-dialog-paused.png")))
    dialog.pause.click()
    assert dialog.pause.text() == "&Pause"
    qtbot.waitUntil(lambda: dialog.state in ("done", "failed"), timeout=120_000)
    assert dialog.state == "done" and "Copied 3" in dialog.status.text(), dialog.status.text()
    assert not dialog.pause.isVisible()
    assert len(admin_store(auth_server).search_model_versions(f"name='{name}'")) == 3
    dialog.reject()
    qtbot.waitUntil(window.workers.is_idle, timeout=30_000)
    window.close()


def _row_of(window: MainWindow, profile: str, model: str) -> QModelIndex:
    tm = window.tree_model
    root = tm.profile_index(profile)
    row = next(r for r in range(tm.rowCount(root)) if tm.index(r, 0, root).data() == model)
    return window.proxy.mapFromSource(tm.index(row, 0, root))


def _click(window: MainWindow, index: QModelIndex, *, ctrl: bool = False) -> None:
    window.tree.scrollTo(index)
    modifier = Qt.KeyboardModifier.ControlModifier if ctrl else Qt.KeyboardModifier.NoModifier
    at = window.tree.visualRect(index).center()
    QTest.mouseClick(window.tree.viewport(), Qt.MouseButton.LeftButton, modifier, at)


def test_models_chosen_by_ctrl_click_sync_together_from_their_menu_and_by_a_drop(
    qtbot: QtBot,
    mlflow_server: MlflowServer,
    auth_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
) -> None:
    prefix = f"gui-many-{uuid.uuid4().hex[:6]}"
    first, second, left_alone = f"{prefix}-a", f"{prefix}-b", f"{prefix}-c"
    for name, versions in ((first, 2), (second, 1), (left_alone, 1)):
        for _ in range(versions):
            new_version(mlflow_server, name)
    add_server_profile(store, secrets, mlflow_server, "dev")
    add_server_profile(store, secrets, auth_server, "prod", ADMIN_USER, ADMIN_PASSWORD)
    window = open_window(qtbot, store)
    select_model(qtbot, window, "dev", left_alone)
    _click(window, _row_of(window, "dev", first))
    _click(window, _row_of(window, "dev", second), ctrl=True)
    assert [n.name for n in window.selected_nodes()] == [first, second]
    assert window.details.current is not None and window.details.current.name == second

    # The menu of one of the selected rows acts on both.
    at = window.tree.visualRect(_row_of(window, "dev", second)).center()
    menu = window.tree_menus.open_at(at)
    assert menu is not None
    assert menu.actions()[0].text() == "2 models of dev" and not menu.actions()[0].isEnabled()
    dialog = _sync_to_prod(qtbot, window, menu, "Sync 2 models to")
    assert [r.text(0) for r in dialog.rows()] == [f"{first} v1", f"{first} v2", f"{second} v1"]
    dialog.reject()

    # The menu of a row outside the selection acts on that row alone, selected first.
    menu = window.tree_menus.open_at(
        window.tree.visualRect(_row_of(window, "dev", left_alone)).center()
    )
    assert menu is not None and [n.name for n in window.selected_nodes()] == [left_alone]
    assert submenu_of(menu, "Sync to") is not None
    menu.close()

    # Dragged onto prod's row, the two models are planned for a sync there.
    _click(window, _row_of(window, "dev", first))
    _click(window, _row_of(window, "dev", second), ctrl=True)
    tm, proxy = window.tree_model, window.proxy
    dragged = [proxy.mapToSource(i) for i in window.tree.selectionModel().selectedIndexes()]
    data = tm.mimeData(dragged)
    copy = Qt.DropAction.CopyAction
    prod, dev = tm.profile_index("prod"), tm.profile_index("dev")
    assert not tm.canDropMimeData(data, copy, -1, -1, dev)  # its own registry: no sync
    assert tm.canDropMimeData(data, copy, -1, -1, prod)
    assert not tm.dropMimeData(data, copy, -1, -1, prod)  # no row inserted
    dropped = window.across.sync_dialog
    assert isinstance(dropped, SyncDialog) and dropped is not dialog
    assert dropped.models == (first, second) and dropped.target.name == "prod"
    qtbot.waitUntil(lambda: dropped.state == "ready", timeout=60_000)
    dropped.go.click()
    qtbot.waitUntil(lambda: dropped.state in ("done", "failed"), timeout=120_000)
    assert dropped.state == "done" and "Copied 3" in dropped.status.text(), dropped.status.text()
    there = admin_store(auth_server)
    assert len(there.search_model_versions(f"name='{first}'")) == 2
    assert len(there.search_model_versions(f"name='{second}'")) == 1
    assert there.search_model_versions(f"name='{left_alone}'") == []
    dropped.reject()
    qtbot.waitUntil(window.workers.is_idle, timeout=30_000)
    window.close()
