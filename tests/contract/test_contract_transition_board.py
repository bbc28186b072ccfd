"""Contract tests: the promotion board on a Databricks workspace registry (through the
stand-in): request by drop, Approve from the card's button, Reject from the menu, withdraw,
read-only and staging-only permission levels shown before any drag."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from modelyard.core.actions.transitions import request_transition
from modelyard.core.connectors import open_registry
from modelyard.core.model.domain import Stage
from modelyard.core.profiles.profile import ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from modelyard.ui.board.cards import CARD_ROLE, Card, CardDelegate
from modelyard.ui.board.promote_board import Lane
from modelyard.ui.board.promote_dialog import PromoteDialog, PromotionChoice, TransitionAsk
from modelyard.ui.shell.main_window import MainWindow
from tests.conftest import save_artifact
from tests.helpers.board import drop, lane_versions, tree_mime
from tests.helpers.contract import ANA, BOB, CAROL, databricks_profile, seeded_model
from tests.helpers.registry import admin_store
from tests.helpers.values import some
from tests.helpers.window import open_window, select_model
from tests.support.contract_server import Contract
from tests.support.servers import MlflowServer


def board_as(
    qtbot: QtBot,
    contract: Contract,
    store: ProfileStore,
    secrets: SecretStore,
    who: str,
    model: str,
) -> MainWindow:
    profile = databricks_profile(contract, secrets, who)
    store.add(profile)
    window = open_window(qtbot, store)
    select_model(qtbot, window, profile.name, model)
    window.details.model_view.tabs.setCurrentWidget(window.details.model_view.board)
    return window


def card(lane: Lane, version: str) -> Card:
    for row in range(lane.count()):
        item = lane.item(row)
        if item.data(Qt.ItemDataRole.UserRole) == version:
            found = item.data(CARD_ROLE)
            assert isinstance(found, Card)
            return found
    raise AssertionError(f"no card v{version} in {lane.target}")


def click_card_button(lane: Lane, version: str, action: str) -> None:
    """A real mouse click on the card's painted button."""
    row = lane_versions(lane).index(version)
    rect = lane.visualItemRect(lane.item(row))
    the_card = card(lane, version)
    delegate = lane.board.delegate
    assert isinstance(delegate, CardDelegate)
    buttons = delegate.button_rects(rect.adjusted(2, 2, -2, -2), lane.font(), the_card)
    (button,) = [b for b, _r, a in buttons if a == action]
    point: QPoint = button.center()
    QTest.mouseClick(
        lane.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point
    )


def test_contract_can_edit_user_requests_by_dropping(
    qtbot: QtBot,
    contract: Contract,
    mlflow_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
) -> None:
    contract.permissions.update({BOB: "CAN_EDIT"})
    name = seeded_model(mlflow_server, 2)
    admin_store(mlflow_server).transition_model_version_stage(name, "1", "Production", False)
    window = board_as(qtbot, contract, store, secrets, BOB, name)
    board = window.details.model_view.board
    assert board.hint.text().startswith("You may request stage transitions (CAN_EDIT)")
    assert board.stage_notes["Production"].text() == "drop to request"
    assert board.stage_lanes["Production"].accepting
    assert not board.alias_title.isVisible() and board.alias_lanes == {}  # no aliases here
    asked: list[TransitionAsk] = []

    typed: list[tuple[str, str]] = []

    def confirm(ask: TransitionAsk) -> PromotionChoice:
        asked.append(ask)
        typed.append(window.details.promotions.typed)  # what the dialog would ask typed
        return PromotionChoice(False, "beats v1 on the holdout")

    window.details.promotions.confirm_transition = confirm
    window.details.promotions.confirm_promotion = lambda *a: (_ for _ in ()).throw(
        AssertionError(a)
    )
    with qtbot.waitSignal(window.details.loaded, timeout=60_000):
        drop(board.stage_lanes["Production"], tree_mime(window, "2"))
    assert [(a.action, a.version, a.stage) for a in asked] == [("request", "2", Stage.PRODUCTION)]
    assert typed == [("", "")]  # protection none: nothing to type
    assert admin_store(mlflow_server).get_model_version(name, "2").current_stage == "None"
    (open_request,) = contract.requests_by_version[(name, "2")]
    assert (open_request["user_id"], open_request["comment"]) == (BOB, "beats v1 on the holdout")
    shown = card(board.stage_lanes["None"], "2")
    assert [r.to_stage for r in shown.requests] == [Stage.PRODUCTION]
    assert shown.actions == (("withdraw",),)  # Bob may withdraw, not decide
    assert "Requested v2 → Production" in window.details.model_view.banner.label.text()
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    window.grab().save(str(save_artifact("promote-request.png")))
    # the registry set to Confirm: withdrawing asks for the model's name typed
    profile = store.get(some(window.details.current).profile.name)
    store.replace(profile.model_copy(update={"protection": "confirm"}))
    qtbot.waitUntil(
        lambda: [p.protection for p in window.tree_model.profiles()] == ["confirm"],
        timeout=10_000,
    )  # the window reads the changed profile file
    select_model(qtbot, window, profile.name, name)
    window.details.model_view.tabs.setCurrentWidget(board)
    qtbot.waitUntil(lambda: bool(card(board.stage_lanes["None"], "2").requests), timeout=30_000)
    with qtbot.waitSignal(window.details.loaded, timeout=60_000):
        click_card_button(board.stage_lanes["None"], "2", "withdraw")
    assert asked[-1].action == "withdraw"
    assert typed[-1][0] == name and "confirmed" in typed[-1][1]
    assert contract.requests_by_version[(name, "2")] == []
    assert card(board.stage_lanes["None"], "2").requests == ()
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    window.close()


def test_contract_manager_approves_from_the_card_and_rejects_from_the_menu(
    qtbot: QtBot,
    contract: Contract,
    mlflow_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
) -> None:
    contract.permissions.update({ANA: "CAN_MANAGE", BOB: "CAN_EDIT"})
    name = seeded_model(mlflow_server, 3)
    admin_store(mlflow_server).transition_model_version_stage(name, "1", "Production", False)
    bob = open_registry(databricks_profile(contract, secrets, BOB), secrets)
    try:
        request_transition(bob, name, "3", Stage.PRODUCTION, comment="AUC +2 points")
        request_transition(bob, name, "2", Stage.STAGING, comment="for the canary")
    finally:
        bob.close()
    window = board_as(qtbot, contract, store, secrets, ANA, name)
    board = window.details.model_view.board
    none_lane = board.stage_lanes["None"]
    assert card(none_lane, "3").actions == (("approve", "reject"),)
    assert "requested → Production by bob@example.com" in none_lane.item(0).text()
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    window.grab().save(str(save_artifact("promote-approve.png")))
    asked: list[TransitionAsk] = []

    def confirm(ask: TransitionAsk) -> PromotionChoice:
        asked.append(ask)
        if ask.action == "approve":  # the real dialog: says who asked and what changes
            dialog = PromoteDialog.for_transition(ask, window)
            dialog.archive.setChecked(True)
            dialog.show()
            qtbot.waitExposed(dialog)
            text = dialog.plan.text()
            assert "v3 (None) → Production" in text and "v1 (Production) → Archived" in text
            dialog.grab().save(str(save_artifact("promote-approve-dialog.png")))
            dialog.close()
            return PromotionChoice(True, "ship it")
        return PromotionChoice(False, "canary is busy this week")

    window.details.promotions.confirm_transition = confirm
    with qtbot.waitSignal(window.details.loaded, timeout=60_000):
        click_card_button(none_lane, "3", "approve")
    admin = admin_store(mlflow_server)
    assert admin.get_model_version(name, "3").current_stage == "Production"
    assert admin.get_model_version(name, "1").current_stage == "Archived"
    assert lane_versions(board.stage_lanes["Production"]) == ["3"]
    assert contract.requests_by_version[(name, "3")] == []
    menu = board.menu_for("2")
    (reject,) = [a for a in menu.actions() if a.text().startswith("Reject")]
    with qtbot.waitSignal(window.details.loaded, timeout=60_000):
        reject.trigger()
    assert [a.action for a in asked] == ["approve", "reject"]
    assert admin.get_model_version(name, "2").current_stage == "None"
    assert contract.requests_by_version[(name, "2")] == []
    assert card(board.stage_lanes["None"], "2").requests == ()
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    window.close()


def test_contract_read_only_and_staging_only_levels_show_before_any_drag(
    qtbot: QtBot,
    contract: Contract,
    mlflow_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
) -> None:
    dave = "dave@example.com"
    contract.permissions.update({CAROL: "CAN_READ", dave: "CAN_MANAGE_STAGING_VERSIONS"})
    name = seeded_model(mlflow_server, 2)
    window = board_as(qtbot, contract, store, secrets, CAROL, name)
    board = window.details.model_view.board
    assert not board.editable
    assert "CAN_READ (may read, not change)" in board.hint.text()
    assert all(not lane.accepting for lane in board.stage_lanes.values())
    assert board.stage_notes["Staging"].text() == "read-only"
    assert card(board.stage_lanes["None"], "2").locked
    window.close()

    window = board_as(qtbot, contract, store, secrets, dave, name)
    board = window.details.model_view.board
    assert board.stage_notes["Staging"].text() == ""  # moves directly
    assert board.stage_notes["Production"].text() == "drop to request"
    assert board.drop_mode("2", board.stage_lanes["Production"].target) == "request"
    assert board.drop_mode("2", board.stage_lanes["Staging"].target) == "move"
    window.close()


def test_contract_unity_catalog_board_has_alias_lanes_only(
    qtbot: QtBot,
    contract: Contract,
    mlflow_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
) -> None:
    import uuid

    from modelyard.core.kinds import DatabricksUCSettings
    from modelyard.core.profiles.profile import Profile
    from tests.helpers.registry import create_version, ensure_model

    catalog = f"uc{uuid.uuid4().hex[:6]}"
    name = f"{catalog}.ml.ranker"
    ensure_model(admin_store(mlflow_server), name)
    for _ in range(2):
        create_version(mlflow_server, name)
    admin_store(mlflow_server).set_registered_model_alias(name, "champion", "1")
    profile = Profile(
        name="uc-board", settings=DatabricksUCSettings(host=contract.url, default_catalog=catalog)
    )
    secrets.set(profile.id, "token", contract.issue(ANA))
    store.add(profile)
    window = open_window(qtbot, store)
    select_model(qtbot, window, "uc-board", name)
    view = window.details.model_view
    view.tabs.setCurrentWidget(view.board)
    board = view.board
    qtbot.waitUntil(lambda: not board.stages_supported, timeout=60_000)
    assert all(not lane.isVisible() for lane in board.stage_lanes.values())
    assert board.hint.text() == "This registry has aliases only: drag a version onto an alias."
    assert lane_versions(board.alias_lanes["champion"]) == ["1"]
    assert [a.text() for a in board.menu_for("2").actions()] == ["Set alias"]
    window.details.promotions.confirm_promotion = lambda *a: PromotionChoice(False, "")
    with qtbot.waitSignal(window.details.loaded, timeout=60_000):
        drop(board.alias_lanes["champion"], tree_mime(window, "2"))
    assert admin_store(mlflow_server).get_registered_model(name).aliases == {"champion": "2"}
    assert lane_versions(board.alias_lanes["champion"]) == ["2"]
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    window.close()
