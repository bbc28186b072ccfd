"""Pinned models (#29): pinned from a model's menu (or the CLI), shown first in their registry
with a mark, kept in the profile so they come back first after a restart; unpinned again."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from modelyard.core.profiles.profile import Profile, ProfileStore
from modelyard.ui.shell.main_window import MainWindow
from tests.helpers.cli import run
from tests.helpers.window import open_window, select_model

LAST = "support-ticket-router"  # the last of the demo's models by name


def _models(window: MainWindow) -> list[str]:
    tm = window.tree_model
    root = tm.profile_index("demo")
    return [str(tm.index(r, 0, root).data()) for r in range(tm.rowCount(root))]


def _pin_from_the_menu(qtbot: QtBot, window: MainWindow, model: str, text: str) -> None:
    select_model(qtbot, window, "demo", model)
    node = window.node_at(window.tree.currentIndex())
    assert node is not None
    menu = window.tree_menus.model_menu(node)
    next(a for a in menu.actions() if a.text() == text).trigger()


def test_a_pinned_model_comes_first_and_stays_first_after_a_restart(
    qtbot: QtBot, demo_profile: Profile, store: ProfileStore
) -> None:
    window = open_window(qtbot, store)
    select_model(qtbot, window, "demo", LAST)
    assert _models(window)[-1] == LAST
    _pin_from_the_menu(qtbot, window, LAST, "Pin to the top")
    qtbot.waitUntil(lambda: store.get("demo").pinned == (LAST,), timeout=10_000)
    qtbot.waitUntil(lambda: _models(window)[:1] == [LAST], timeout=30_000)
    tm = window.tree_model
    info = tm.index(0, 3, tm.profile_index("demo")).data()
    assert str(info).startswith("★ pinned")
    window.close()

    again = open_window(qtbot, store)  # a restart: the profile file says so
    again.open_profile("demo")
    qtbot.waitUntil(lambda: _models(again)[:1] == [LAST], timeout=30_000)
    code, out, err = run("profiles", "edit", "demo", "--pin", "fraud-detector")
    assert code == 0 and "pinned: support-ticket-router, fraud-detector" in out, err
    _pin_from_the_menu(qtbot, again, LAST, "Unpin")
    qtbot.waitUntil(lambda: store.get("demo").pinned == ("fraud-detector",), timeout=10_000)
    qtbot.waitUntil(lambda: _models(again)[0] == "fraud-detector", timeout=30_000)
    qtbot.waitUntil(lambda: _models(again)[-1] == LAST, timeout=30_000)
    qtbot.waitUntil(again.workers.is_idle, timeout=60_000)
    again.close()
