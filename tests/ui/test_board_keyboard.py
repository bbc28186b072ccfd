"""The promotion board by keyboard and the drag highlight: focus ring, arrows between cards and
lanes, Enter / Menu key open the card's menu, and a lane lights up with what a drop would do."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPoint, Qt
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from modelyard.core.actions.promote import Target
from modelyard.core.profiles.profile import Profile, ProfileStore
from modelyard.ui.board.lanes import Lane
from modelyard.ui.board.promote_board import PromoteBoard
from modelyard.ui.board.promote_dialog import PromotionChoice
from tests.conftest import save_artifact
from tests.helpers.board import open_board
from tests.helpers.menus import submenu, submenu_of


def drag_enter(lane: Lane, mime: QMimeData) -> None:
    lane.dragEnterEvent(
        QDragEnterEvent(
            QPoint(10, 10),
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
    )


def focused_lane(board: PromoteBoard) -> Lane | None:
    lanes = [*board.stage_lanes.values(), *board.alias_lanes.values()]
    return next((lane for lane in lanes if lane.hasFocus()), None)


def test_board_arrows_menu_key_and_enter_promote(
    qtbot: QtBot, demo_profile: Profile, store: ProfileStore
) -> None:
    window = open_board(qtbot, store, "demo", "churn-classifier")
    board = window.details.model_view.board
    qtbot.waitUntil(lambda: board.metric_box.count() > 0, timeout=60_000)
    staging, production = board.stage_lanes["Staging"], board.stage_lanes["Production"]
    none_lane = board.stage_lanes["None"]
    assert production.count() and none_lane.count()
    none_lane.setFocus()
    qtbot.waitUntil(none_lane.hasFocus)
    assert none_lane.currentRow() == 0  # coming in, a card is current: the ring shows where
    first = none_lane.currentItem().data(Qt.ItemDataRole.UserRole)
    if none_lane.count() > 1:
        QTest.keyClick(none_lane, Qt.Key.Key_Down)
        assert none_lane.currentRow() == 1
    QTest.keyClick(none_lane, Qt.Key.Key_Right)  # to the next lane that has cards
    expected = staging if staging.count() else production
    assert focused_lane(board) is expected
    QTest.keyClick(expected, Qt.Key.Key_Left)
    assert focused_lane(board) is none_lane
    none_lane.setCurrentRow(0)

    # The Menu key opens the card's menu; its items come from the core's rules.
    QTest.keyClick(none_lane, Qt.Key.Key_Menu)
    menu = board.menu
    assert menu is not None and menu.isVisible()
    promote = submenu_of(menu, "Promote to")
    stages = {a.text(): a.isEnabled() for a in promote.actions()}
    assert stages == {"None": False, "Staging": True, "Production": True, "Archived": True}
    menu.close()
    # Shift+F10 and Enter open it too.
    QTest.keyClick(none_lane, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
    assert board.menu is not None and board.menu.isVisible()
    board.menu.close()
    asked: list[tuple[str, str]] = []

    def confirm(model: str, version: str, target: Target, *rest: object) -> None:
        asked.append((version, target.describe()))  # and choose nothing

    window.details.promotions.confirm_promotion = confirm
    QTest.keyClick(none_lane, Qt.Key.Key_Return)
    menu = board.menu
    assert menu is not None and menu.isVisible()
    # Keyboard only: down to "Promote to", right into it, down to Production, Enter.
    QTest.keyClick(menu, Qt.Key.Key_Down)
    assert menu.activeAction() is not None and menu.activeAction().text() == "Promote to"
    QTest.keyClick(menu, Qt.Key.Key_Right)
    targets = submenu(menu.activeAction())
    qtbot.waitUntil(targets.isVisible)
    while targets.activeAction() is None or targets.activeAction().text() != "Production":
        QTest.keyClick(targets, Qt.Key.Key_Down)
    QTest.keyClick(targets, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: asked == [(str(first), "Production")])

    window.grab().save(str(save_artifact("board-keyboard.png")))
    window.close()


def test_a_dragged_card_lights_up_what_a_drop_would_do(
    qtbot: QtBot, demo_profile: Profile, store: ProfileStore
) -> None:
    window = open_board(qtbot, store, "demo", "churn-classifier")
    board = window.details.model_view.board
    qtbot.waitUntil(lambda: board.metric_box.count() > 0, timeout=60_000)
    production = board.stage_lanes["Production"]
    holder = production.item(0)
    mime = production.mimeData([holder])
    archived = board.stage_lanes["Archived"]
    drag_enter(archived, mime)
    assert archived.property("drop") == "move"
    assert board.stage_notes["Archived"].text() == "Drop here: moves to Archived"
    archived.dragLeaveEvent(QDragLeaveEvent())
    assert archived.property("drop") == ""
    assert board.stage_notes["Archived"].text() == ""
    drag_enter(production, mime)  # onto its own stage: nothing to do there
    assert production.property("drop") == "refused"
    assert board.stage_notes["Production"].text() == "Drop here: not allowed"
    production.dragLeaveEvent(QDragLeaveEvent())
    champion = board.alias_lanes["champion"]
    drag_enter(champion, mime)
    assert champion.property("drop") == "move"
    assert board.alias_titles["champion"].text() == "@champion — moves to @champion"
    champion.dragLeaveEvent(QDragLeaveEvent())
    assert board.alias_titles["champion"].text() == "@champion"
    # A drop on a refused lane changes nothing and asks nothing.
    window.details.promotions.confirm_promotion = lambda *a: PromotionChoice(False, "")
    board.refuse("PERMISSION_DENIED: read only (127.0.0.1)")
    archived = board.stage_lanes["Archived"]
    drag_enter(
        archived,
        board.stage_lanes["Production"].mimeData([board.stage_lanes["Production"].item(0)]),
    )
    assert archived.property("drop") == "refused"
    assert "PERMISSION_DENIED" not in board.stage_notes["Archived"].text()
    window.close()
