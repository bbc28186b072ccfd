"""The command palette and Find's results by the keyboard alone on a real desktop (Xvfb +
openbox, xdotool keys): Ctrl+K, a few letters, Enter goes to a model; Ctrl+K runs an action by
name; Ctrl+Shift+F, a query, Enter reads, Down and Enter open a result in the tree."""

from __future__ import annotations

import pytest

from tests.conftest import save_artifact
from tests.support.desktop import DesktopApp


@pytest.fixture()
def app(demo_app: DesktopApp) -> DesktopApp:
    return demo_app


def test_the_palette_goes_to_a_model_and_runs_an_action_by_name(app: DesktopApp) -> None:
    app.ask("select", profile="demo")
    app.key("ctrl+k")
    opened = app.until(lambda s: s["palette"] is not None and s["focus"][1] == "paletteQuery")
    assert opened["palette"]["items"], opened
    app.type("frauddet")
    typed = app.until(lambda s: s["palette"] and s["palette"]["query"] == "frauddet")
    assert "fraud-detector" in typed["palette"]["items"][0], typed
    app.ask("shot", path=str(save_artifact("desktop-palette.png")))
    app.key("Return")
    went = app.until(lambda s: s["palette"] is None and s["current"] == ["demo", "fraud-detector"])
    assert went["current"] == ["demo", "fraud-detector"]
    # an action by name, with its shortcut shown beside it
    app.key("ctrl+k")
    app.until(lambda s: s["palette"] is not None and s["focus"][1] == "paletteQuery")
    app.type("keyboard short")
    listed = app.until(lambda s: s["palette"] and s["palette"]["query"] == "keyboard short")
    assert "Help ▸ Keyboard shortcuts" in listed["palette"]["items"][0], listed
    app.key("Return")
    shown = app.until(lambda s: "Keyboard shortcuts" in s["windows"])
    assert shown["palette"] is None


def test_find_results_by_keyboard_open_a_version_in_the_tree(app: DesktopApp) -> None:
    app.ask("select", profile="demo")
    app.key("ctrl+shift+f")
    app.until(lambda s: s["find"] is not None and s["focus"][1] == "searchQuery")
    app.type("stage:prod @champion fraud")
    app.key("Return")
    done = app.until(lambda s: s["find"] and not s["find"]["reading"] and s["find"]["rows"], 60)
    assert done["find"]["rows"] == [["demo", "fraud-detector", "v2"]], done
    app.key("Down")
    app.until(lambda s: s["find"]["current"] == 0 and s["focus"][1] == "searchResults")
    app.key("Return")
    opened = app.until(lambda s: s["current"] == ["demo", "fraud-detector", "2"], 30)
    assert opened["current"] == ["demo", "fraud-detector", "2"]
