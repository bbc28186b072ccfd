"""Three versions archived by the keyboard alone on a real desktop (Xvfb + openbox at 1024×700,
xdotool keys), in a registry whose protection asks for the model's name typed: from the newest
version, Shift+Down twice selects the next two as well, the Menu key opens their menu,
"Archive 3 versions…" plans, the name is typed, Return applies, and the server has them
archived — each read back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from mlflow.tracking import MlflowClient

from modelyard.core.profiles.profile import Profile, ProfileStore
from tests.conftest import save_artifact
from tests.support.desktop import DesktopApp, inside

MODEL = "churn-classifier"


@pytest.fixture()
def app(desktop: str, demo_profile: Profile, store: ProfileStore) -> Iterator[DesktopApp]:
    store.replace(demo_profile.model_copy(update={"protection": "confirm"}))
    driven = DesktopApp(desktop)
    try:
        driven.ask("ready")
        yield driven
    finally:
        driven.close()


def test_three_versions_archived_by_keyboard_with_the_name_typed(
    app: DesktopApp, demo_profile: Profile
) -> None:
    database = demo_profile.settings.path  # type: ignore[union-attr]
    client = MlflowClient(
        tracking_uri=f"sqlite:///{database}", registry_uri=f"sqlite:///{database}"
    )
    newest = sorted(
        (v for v in client.search_model_versions(f"name='{MODEL}'")),
        key=lambda v: int(v.version),
        reverse=True,
    )[:3]
    versions = [str(v.version) for v in newest]
    app.ask("select", profile="demo", model=MODEL, version=versions[0])
    app.key("shift+Down", "shift+Down")
    chosen = app.until(lambda s: len(s["selected"]) == 3)
    assert [row[2] for row in chosen["selected"]] == versions, chosen

    app.key("Menu")
    menu = app.until(lambda s: s["menu_shown"])
    assert menu["menu_items"][:2] == ["3 versions of demo", "Archive 3 versions…"], menu
    app.key("Down", "Return")  # the first item is a heading: Down lands on "Archive…"
    planned = app.until(lambda s: bool(s["bulk"]) and s["bulk"]["planned"], 60)
    planned = app.until(lambda s: s["bulk"]["active"], 10)  # seen, and the keys go to it
    bulk = planned["bulk"]
    assert inside(bulk["rect"], planned["screen"]), planned  # it fits 1024×700
    assert not bulk["apply"], bulk  # not before the name is typed
    # the same from the CLI, with the typed name this registry asks for
    assert f"--stage archived --yes --confirm {MODEL}" in bulk["commands"], bulk
    assert planned["focus"] == ["QLineEdit", "typedConfirmation"], planned
    app.type(MODEL)
    app.until(lambda s: s["bulk"]["apply"])
    app.ask("shot", path=str(save_artifact("desktop-bulk-planned.png")))
    app.key("Return")  # Apply: the default button
    done = app.until(lambda s: s["bulk"]["done"], 120)
    changed = bulk["changes"]
    assert done["bulk"]["said"].startswith(f"{changed} done, 0 failed"), done
    for number in versions:
        assert client.get_model_version(MODEL, number).current_stage == "Archived"


def test_the_menu_key_on_the_versions_table_acts_on_its_selection_as_it_is(app: DesktopApp) -> None:
    """Shift+Down twice in a model's versions table, Ctrl+Down twice and Ctrl+Space (one more
    row, one skipped), then the Menu key: the menu is that of the four selected versions, and
    the key (whose event carries a position that is not the current row's) changed nothing of
    the selection."""
    app.ask("select", profile="demo", model=MODEL)
    opened = app.ask("versions")
    first = opened["table_selected"]
    assert len(first) == 1, opened
    app.key("shift+Down", "shift+Down")
    app.until(lambda s: len(s["table_selected"]) == 3)
    # Ctrl+Down moves on without selecting, Ctrl+Space adds that row: four
    app.key("ctrl+Down", "ctrl+Down", "ctrl+space")
    chosen = app.until(lambda s: len(s["table_selected"]) == 4)
    app.key("Menu")
    menu = app.until(lambda s: s["menu_shown"])
    assert menu["menu_items"][:2] == [f"4 versions of {MODEL}", "Archive 4 versions…"], menu
    assert "Copy 4 versions to" in menu["menu_items"], menu
    assert menu["table_selected"] == chosen["table_selected"], menu
    app.key("Escape")
    closed = app.until(lambda s: not s["menu_shown"])
    assert closed["table_selected"] == chosen["table_selected"], closed
    assert closed["focus"] == ["QTableWidget", "versionsTable"], closed


def test_ctrl_a_on_a_version_selects_the_versions_of_its_model_only(app: DesktopApp) -> None:
    app.ask("select", profile="demo", model=MODEL, version="1")
    app.ask("select", profile="demo", model="fraud-detector")  # another model, expanded too
    app.ask("select", profile="demo", model=MODEL, version="2")
    app.key("ctrl+a")
    chosen = app.until(lambda s: len(s["selected"]) > 1)
    rows = chosen["selected"]
    assert all(len(r) == 3 and r[1] == MODEL for r in rows), rows  # no other model's, no model
    assert sorted(r[2] for r in rows) == ["1", "2", "3", "4", "5"], rows  # all five of it
    app.key("Menu")
    menu = app.until(lambda s: s["menu_shown"])
    assert menu["menu_items"][0] == f"{len(rows)} versions of demo", menu
    app.key("Escape")
