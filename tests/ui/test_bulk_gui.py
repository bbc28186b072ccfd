"""One change to ten selected versions on a real basic-auth server: the plan first (nothing
written), then Apply — one model's versions are refused (403) and one version was deleted
meanwhile, each named — then Retry failed, which reads again and applies only what is left."""

from __future__ import annotations

import uuid

import requests
from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from modelyard.core.profiles.profile import ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from modelyard.ui.tree.bulk_dialog import BulkDialog
from modelyard.ui.tree.tree_menu import selection_menu
from tests.conftest import save_artifact
from tests.helpers.board import fresh_model
from tests.helpers.registry import add_server_profile, admin_store
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
