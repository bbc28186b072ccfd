"""The desktop tier: the app under a real X server with a real window manager (openbox), driven by
the X server's keyboard (xdotool), as a user's desktop drives it.

Offscreen Qt and ``QTest.keyClick`` deliver key events straight to a widget; a real key press
goes through the window system, which turns the Menu key into a context-menu event of its own
(with a position). These tests prove what a user gets.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from modelyard.core.profiles import Profile
from tests.support.desktop import DesktopApp


@pytest.fixture()
def app(desktop: str, demo_profile: Profile) -> Iterator[DesktopApp]:
    driven = DesktopApp(desktop)
    try:
        driven.ask("ready")
        yield driven
    finally:
        driven.close()


ROWS = [
    ["demo"],
    ["demo", "churn-classifier"],
    ["demo", "churn-classifier", "5"],
    ["demo", "churn-classifier", "3"],
    ["demo", "fraud-detector", "1"],
]


@pytest.mark.parametrize("keys", [("Menu",), ("shift+F10",)], ids=["Menu", "Shift+F10"])
def test_keyboard_menus_act_on_the_current_row_of_every_kind(
    app: DesktopApp, keys: tuple[str, ...]
) -> None:
    for row in ROWS:
        selected = app.ask(
            "select", profile=row[0], model=(row[1:] or [None])[0], version=(row[2:] or [None])[0]
        )
        assert selected["current"] == row, selected
        app.key(*keys)
        state = app.until(lambda s: s["menu_shown"])
        assert state["menu_for"] == row, state
        assert state["current"] == row, state
        app.key("Escape")
        app.until(lambda s: not s["menu_shown"])
