"""The model's timeline in the History tab against a real server (#28): lanes of what held each
stage and alias, a moment picked from an event, and "Restore to this point" as a promotion that
meets a change made meanwhile (the dialog says so and plans from the registry as it is now)."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from modelyard.core.model.domain import EventKind, StageEvent
from modelyard.core.profiles.profile import ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from modelyard.ui.board.promote_dialog import PromoteDialog
from tests.conftest import save_artifact
from tests.helpers.board import fresh_model
from tests.helpers.cli import run
from tests.helpers.registry import add_server_profile, admin_store
from tests.helpers.values import some
from tests.helpers.window import open_window, select_model
from tests.support.servers import MlflowServer


def _promote(model: str, *args: str) -> None:
    code, _out, err = run("promote", "tlg", model, *args, "--yes")
    assert code == 0, err


def test_timeline_lanes_a_moment_and_a_restore_that_meets_a_change_meanwhile(
    qtbot: QtBot, mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    model = f"tl-gui-{uuid.uuid4().hex[:6]}"
    fresh_model(mlflow_server, model, 3)
    add_server_profile(store, secrets, mlflow_server, "tlg")
    _promote(model, "1", "--stage", "production")
    _promote(model, "1", "--alias", "champion")
    _promote(model, "2", "--stage", "production", "--archive-existing")
    _promote(model, "2", "--alias", "champion")
    window = open_window(qtbot, store)
    select_model(qtbot, window, "tlg", model)
    view = window.details.model_view
    qtbot.waitUntil(lambda: "@champion" in view.timeline.chart.lanes, timeout=30_000)
    view.tabs.setCurrentIndex(view.tabs.count() - 1)
    assert view.tabs.tabText(view.tabs.currentIndex()) == "History"
    chart = view.timeline.chart
    assert chart.lanes[:1] == ("Production",) and "@champion" in chart.lanes
    production = [(s.version, s.end is None) for s in chart.spans if s.what == "Production"]
    assert production == [("1", False), ("2", True)]
    # now: nothing differs from now, so there is nothing to restore
    assert not view.timeline.restore_button.isEnabled()
    # pick the moment @champion went to v1, from the list of events
    history = view.history
    row = next(
        i
        for i in range(history.topLevelItemCount())
        if _event(history.topLevelItem(i)).kind is EventKind.ALIAS_SET
        and _event(history.topLevelItem(i)).version == "1"
    )
    history.setCurrentItem(some(history.topLevelItem(row)))
    then = view.timeline.moment
    assert then is not None
    assert {h.what: h.version for h in then.held} == {"Production": "1", "@champion": "1"}
    assert "Production: v1" in view.timeline.then.text()
    actions = {a.text(): a for a in view.timeline.restore_menu.actions()}
    assert "@champion → v1 (now on v2)" in actions
    assert "Production → v1, archiving what holds it now" in actions
    assert view.timeline.restore_button.isEnabled()
    # the arrow keys on the chart step from one change to the next, End goes back to now
    chart.setFocus()
    QTest.keyClick(chart, Qt.Key.Key_Right)
    assert chart.moment is not None and chart.moment > then.at
    assert view.timeline.moment is not None and view.timeline.moment.of("Production")
    QTest.keyClick(chart, Qt.Key.Key_Left)
    assert chart.moment == then.at
    QTest.keyClick(chart, Qt.Key.Key_End)
    assert not view.timeline.restore_button.isEnabled()  # now: all is as it is
    history.clearSelection()
    history.setCurrentItem(some(history.topLevelItem(row)))
    actions = {a.text(): a for a in view.timeline.restore_menu.actions()}
    window.grab().save(str(save_artifact("timeline.png")))
    # meanwhile someone else moves @champion to v3
    admin = admin_store(mlflow_server)
    admin.set_registered_model_alias(model, "champion", "3")
    seen: list[tuple[str, str, bool]] = []

    def accept_dialog() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, PromoteDialog):
            QTimer.singleShot(20, accept_dialog)
            return
        warning = dialog.findChild(QLabel, "conflictText")
        seen.append((dialog.comment.text(), dialog.plan.text(), warning is not None))
        dialog.ok_button.click()
        if len(seen) < 2:
            QTimer.singleShot(20, accept_dialog)

    QTimer.singleShot(0, accept_dialog)
    actions["@champion → v1 (now on v2)"].trigger()
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=60_000)
    qtbot.waitUntil(
        lambda: str(admin.get_registered_model(model).aliases["champion"]) == "1", timeout=60_000
    )
    first, second = seen
    assert first[0].startswith("restored to ") and not first[2]
    assert second[2], "the re-ask names the change made meanwhile"
    assert second[0].startswith("restored to ")  # the restore's comment is kept on the re-ask
    assert "v3" in second[1]  # planned from the registry as it is now: @champion leaves v3
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    # the timeline is the server's truth again: @champion back on v1 since just now
    champion = [s for s in view.timeline.chart.spans if s.what == "@champion" and s.end is None]
    assert [s.version for s in champion] == ["1"]
    # End: now, read from the model as it is after the restore
    chart.setFocus()
    QTest.keyClick(chart, Qt.Key.Key_End)
    assert view.timeline.picked is None and "@champion: v1" in view.timeline.then.text()
    window.close()


def _event(item: object) -> StageEvent:
    event = item.data(0, Qt.ItemDataRole.UserRole)  # type: ignore[attr-defined]
    assert isinstance(event, StageEvent)
    return event
