"""One change to ten selected versions on a real basic-auth server: the plan first (nothing
written), then Apply — one model's versions are refused (403) and one version was deleted
meanwhile, each named — then Retry failed, which reads again and applies only what is left."""

from __future__ import annotations

import uuid

import requests
from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from modelyard.core.profiles.profile import Profile, ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from modelyard.ui.tree.bulk_dialog import BulkDialog
from modelyard.ui.tree.tree_menu import selection_menu
from tests.conftest import save_artifact
from tests.helpers.board import fresh_model
from tests.helpers.menus import submenu_of
from tests.helpers.registry import add_server_profile, admin_store
from tests.helpers.values import some
from tests.helpers.window import open_window, select_model
from tests.support.servers import ADMIN_PASSWORD, ADMIN_USER, MlflowServer, create_user


def _grant(server: MlflowServer, user: str, model: str, permission: str) -> None:
    """``user``'s permission on ``model`` is now ``permission`` (an earlier one revoked)."""
    requests.post(
        f"{server.url}/api/3.0/mlflow/users/permissions/revoke",
        json={"username": user, "resource_type": "registered_model", "resource_id": model},
        auth=(ADMIN_USER, ADMIN_PASSWORD),
        timeout=30,
    )  # none yet: nothing to revoke
    requests.post(
        f"{server.url}/api/3.0/mlflow/users/permissions/grant",
        json={"username": user, "resource_type": "registered_model", "resource_id": model,
              "permission": permission},
        auth=(ADMIN_USER, ADMIN_PASSWORD),
        timeout=30,
    ).raise_for_status()  # fmt: skip


def test_ten_versions_one_refused_model_one_deleted_version_then_retry(
    qtbot: QtBot, auth_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    tag = uuid.uuid4().hex[:6]
    mine, theirs, user = f"bulk-a-{tag}", f"bulk-b-{tag}", f"bulker-{tag}"
    fresh_model(auth_server, mine, 8)
    fresh_model(auth_server, theirs, 2)
    create_user(auth_server, user, "bulker-password-123")
    _grant(auth_server, user, mine, "EDIT")
    _grant(auth_server, user, theirs, "READ")
    add_server_profile(store, secrets, auth_server, "team", user, "bulker-password-123")
    window = open_window(qtbot, store)
    select_model(qtbot, window, "team", theirs)
    select_model(qtbot, window, "team", mine)
    # all ten version rows selected, as Ctrl-clicks would
    tm, proxy = window.tree_model, window.proxy
    root = tm.profile_index("team")
    picked = QItemSelection()
    for r in range(tm.rowCount(root)):
        model_index = tm.index(r, 0, root)
        for v in range(tm.rowCount(model_index)):
            row = proxy.mapFromSource(tm.index(v, 0, model_index))
            picked.select(row, row)
    flags = (
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
    )
    window.tree.selectionModel().select(picked, flags)
    nodes = window.selected_nodes()
    assert len(nodes) == 10
    menus = window.tree_menus
    menu = selection_menu(menus, nodes)
    assert menu.actions()[0].text() == "10 versions of team"
    answers = iter(["reviewed", "yes"])
    menus.bulk.ask = lambda _title, _label: next(answers)
    next(a for a in menu.actions() if a.text() == "Set tag on 10 versions…").trigger()
    dialog = menus.bulk.dialog
    assert isinstance(dialog, BulkDialog)
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=60_000)
    assert dialog.plan is not None and len(dialog.plan.changes) == 10
    assert "modelyard tag team" in dialog.commands.toPlainText()
    admin = admin_store(auth_server)
    assert "reviewed" not in admin.get_model_version(mine, "1").tags  # the plan wrote nothing
    dialog.grab().save(str(save_artifact("bulk-plan.png")))
    admin.delete_model_version(mine, "1")  # someone else, meanwhile
    QTest.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=120_000)
    outcome = dialog.outcome
    assert outcome is not None
    assert sorted(i.version for i in outcome.done) == ["2", "3", "4", "5", "6", "7", "8"]
    failed = {(i.model, i.version): why for i, why in outcome.failed}
    assert set(failed) == {(mine, "1"), (theirs, "1"), (theirs, "2")}
    assert "deleted meanwhile" in failed[(mine, "1")]
    assert "Permission denied" in failed[(theirs, "1")] or "403" in failed[(theirs, "1")]
    assert dialog.retry_button.isVisible()
    dialog.grab().save(str(save_artifact("bulk-result.png")))
    assert all(admin.get_model_version(mine, n).tags.get("reviewed") == "yes" for n in "2345678")
    _grant(auth_server, user, theirs, "EDIT")  # now they may
    QTest.mouseClick(dialog.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.plan is not None and dialog.apply_button.isEnabled(),
                    timeout=60_000)  # fmt: skip
    assert dialog.plan is not None
    assert sorted((i.model, i.version, i.skip[:10]) for i in dialog.plan.items) == [
        (mine, "1", "not there "),
        (theirs, "1", ""),
        (theirs, "2", ""),
    ]
    QTest.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=60_000)
    assert dialog.outcome is not None and len(dialog.outcome.done) == 2
    assert all(admin.get_model_version(theirs, n).tags.get("reviewed") == "yes" for n in "12")
    dialog.close()
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    window.close()


def test_clean_up_from_a_models_menu_archives_what_the_rules_leave(
    qtbot: QtBot, mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    model = f"tidy-{uuid.uuid4().hex[:6]}"
    fresh_model(mlflow_server, model, 5)
    admin = admin_store(mlflow_server)
    admin.transition_model_version_stage(model, "2", "Staging", False)
    add_server_profile(store, secrets, mlflow_server, "tidy")
    window = open_window(qtbot, store)
    select_model(qtbot, window, "tidy", model)
    node = window.node_at(window.tree.currentIndex())
    assert node is not None
    menus = window.tree_menus
    menus.bulk.ask = lambda _title, _label: "2"
    menu = menus.model_menu(node)
    next(a for a in menu.actions() if a.text() == "Clean up old versions…").trigger()
    dialog = menus.bulk.dialog
    assert isinstance(dialog, BulkDialog)
    qtbot.waitUntil(lambda: dialog.plan is not None and not dialog.running, timeout=60_000)
    assert dialog.plan is not None
    assert [(i.version, i.before, i.after) for i in dialog.plan.items] == [
        ("3", "None", "Archived"),
        ("1", "None", "Archived"),
    ]  # v5, v4: the latest two; v2: in Staging
    QTest.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=60_000)
    stages = {n: admin.get_model_version(model, n).current_stage for n in "12345"}
    assert stages == {"1": "Archived", "2": "Staging", "3": "Archived", "4": "None", "5": "None"}
    dialog.close()
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    window.close()


def test_the_versions_table_selects_all_and_offers_description_and_alias_in_one_plan(
    qtbot: QtBot,
    mlflow_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
    demo_profile: Profile,
) -> None:
    model = f"table-{uuid.uuid4().hex[:6]}"
    fresh_model(mlflow_server, model, 4)
    add_server_profile(store, secrets, mlflow_server, "tbl")
    window = open_window(qtbot, store)
    select_model(qtbot, window, "tbl", model)
    view = window.details.model_view
    view.tabs.setCurrentIndex(view.tabs.indexOf(some(view.table.parentWidget())))
    qtbot.waitUntil(lambda: view.table.rowCount() == 4, timeout=30_000)
    table, menus = view.table, window.tree_menus
    table.setFocus()
    QTest.keyClick(table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)  # Ctrl+A: all four
    assert view.selected_versions() == ["1", "2", "3", "4"]
    menu = menus.open_versions_menu(table.visualItemRect(some(table.item(0, 0))).center())
    assert menu is not None
    texts = [a.text() for a in menu.actions()]
    assert texts[0] == f"4 versions of {model}" and "Set description of 4 versions…" in texts
    menus.bulk.ask_long = lambda _title, _label: "Trained on **Q4**."
    next(a for a in menu.actions() if a.text() == "Set description of 4 versions…").trigger()
    dialog = menus.bulk.dialog
    assert isinstance(dialog, BulkDialog)
    described = dialog
    qtbot.waitUntil(lambda: described.plan is not None and not described.running, timeout=60_000)
    QTest.mouseClick(described.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: described.outcome is not None, timeout=60_000)
    admin = admin_store(mlflow_server)
    assert {admin.get_model_version(model, n).description for n in "1234"} == {"Trained on **Q4**."}
    dialog.close()
    # two rows by the keyboard (v2, then Shift+Down to v3): an alias goes to the newest of them
    table.sortItems(0, Qt.SortOrder.AscendingOrder)
    table.setCurrentCell(1, 0)
    QTest.keyClick(table, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert view.selected_versions() == ["2", "3"]
    menu = menus.open_versions_menu(table.visualItemRect(some(table.item(2, 0))).center())
    assert menu is not None and "Compare v2 and v3" in [a.text() for a in menu.actions()]
    menus.bulk.ask = lambda _title, _label: "@candidate"
    next(a for a in menu.actions() if a.text() == "Set alias (one version per model)…").trigger()
    aliased = menus.bulk.dialog
    assert isinstance(aliased, BulkDialog)
    dialog = aliased
    qtbot.waitUntil(lambda: aliased.plan is not None and not aliased.running, timeout=60_000)
    assert dialog.plan is not None
    assert [(i.version, i.skip) for i in dialog.plan.items] == [
        ("2", "one version per model: v3 takes @candidate"),
        ("3", ""),
    ]
    QTest.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: aliased.outcome is not None, timeout=60_000)
    assert str(admin.get_registered_model(model).aliases["candidate"]) == "3"
    dialog.grab().save(str(save_artifact("bulk-alias.png")))
    dialog.close()
    # the same two rows: "Copy 2 versions to ▸ demo" plans a sync of exactly those two, and
    # "Download 2 versions…" asks one folder and queues both
    menu = menus.open_versions_menu(table.visualItemRect(some(table.item(2, 0))).center())
    assert menu is not None
    copy = submenu_of(menu, "Copy 2 versions to")
    assert [a.text() for a in copy.actions()] == ["demo"]
    copy.actions()[0].trigger()
    sync = window.across.sync_dialog
    assert sync is not None and sync.versions == ((model, "2"), (model, "3"))
    assert sync.heading.text() == f"Sync 2 versions of {model} from tbl to demo"
    sync.close()
    queued: list[str] = []

    def choose_folder(start: str) -> str:
        queued.append("asked")
        return ""  # cancelled

    window.files.choose_folder = choose_folder
    next(a for a in menu.actions() if a.text() == "Download 2 versions…").trigger()
    assert queued == ["asked"]  # one folder for both (cancelled here: nothing queued)
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    window.close()
