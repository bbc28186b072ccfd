"""Several models synced into another registry by the keyboard alone, on a real desktop (Xvfb +
openbox at 1024×700, xdotool keys): Shift+Down selects the next model as well, the Menu key
opens the selection's menu, "Sync 2 models to ▸ archive" plans, Return starts, Alt+P pauses
before the next version, Alt+R resumes, and every version arrives once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from modelyard.core.kinds import LocalSettings
from modelyard.core.profiles.profile import Profile, ProfileStore
from tests.conftest import save_artifact
from tests.support.desktop import DesktopApp, inside


@pytest.fixture()
def archive(tmp_path: Path, store: ProfileStore) -> Path:
    """An empty local registry, ``archive``: a new MLflow sqlite database."""
    folder = tmp_path / "archive"
    folder.mkdir()
    database = folder / "registry.db"
    MlflowClient(tracking_uri=f"sqlite:///{database}").search_experiments()  # makes its schema
    settings = LocalSettings(path=str(database), artifacts=str(folder / "artifacts"))
    store.add(Profile(name="archive", settings=settings))
    return database


@pytest.fixture()
def app(desktop: str, demo_profile: Profile, archive: Path) -> Iterator[DesktopApp]:
    driven = DesktopApp(desktop)
    try:
        driven.ask("ready")
        yield driven
    finally:
        driven.close()


def test_two_models_sync_by_keyboard_with_a_pause_and_a_resume(
    app: DesktopApp, archive: Path
) -> None:
    first = app.ask("select", profile="demo", model="churn-classifier")
    assert first["current"] == ["demo", "churn-classifier"] and first["expanded"] == [], first
    app.key("shift+Down")
    chosen = app.until(lambda s: len(s["selected"]) == 2)
    second = chosen["selected"][1]
    assert chosen["selected"][0] == ["demo", "churn-classifier"] and len(second) == 2, chosen
    assert chosen["current"] == second, chosen

    app.key("Menu")
    menu = app.until(lambda s: s["menu_shown"])
    assert menu["menu_items"][:2] == ["2 models of demo", "Sync 2 models to"], menu
    app.key("Down", "Right")  # the first item is a heading: Down lands on "Sync 2 models to"
    submenu = app.until(lambda s: s["menu_items"] == ["archive"])
    assert submenu["active_item"] == "archive", submenu
    app.key("Return")
    planned = app.until(lambda s: bool(s["sync"]) and s["sync"]["state"] == "ready", 120)
    planned = app.until(lambda s: s["sync"]["active"], 10)  # seen, and the keys go to it
    sync = planned["sync"]
    total = len(sync["results"])
    assert total > 4, sync  # more versions than lanes: a pause holds some of them back
    assert inside(sync["rect"], planned["screen"]), planned  # the dialog fits 1024×700
    app.ask("shot", path=str(save_artifact("desktop-sync-planned.png")))

    app.key("Return", "alt+p")  # Sync (the default button), then Pause at once
    held = app.until(
        lambda s: (
            s["sync"]["state"] != "ready"
            and (s["sync"]["held"] > 0 or s["sync"]["state"] != "syncing")
        ),
        120,
    )
    assert held["sync"]["state"] == "syncing" and held["sync"]["pause"] == "&Resume", held
    assert held["sync"]["done"] < total, held
    assert held["sync"]["status"].startswith("Paused"), held
    app.ask("shot", path=str(save_artifact("desktop-sync-paused.png")))
    app.key("alt+r")
    done = app.until(lambda s: s["sync"]["state"] in ("done", "failed"), 240)
    assert done["sync"]["state"] == "done", done
    assert done["sync"]["results"] == ["Copied"] * total, done

    client = MlflowClient(tracking_uri=f"sqlite:///{archive}", registry_uri=f"sqlite:///{archive}")
    names = ["churn-classifier", second[1]]
    copies = [v for name in names for v in client.search_model_versions(f"name='{name}'")]
    assert len(copies) == total  # each version once


def test_two_models_ctrl_clicked_and_dragged_onto_another_registry_are_planned_for_a_sync(
    app: DesktopApp,
) -> None:
    app.ask("select", profile="demo", model="fraud-detector")
    x0, y0 = app.ask("row", profile="demo", model="churn-classifier")["at"]
    x1, y1 = app.ask("row", profile="demo", model="fraud-detector")["at"]
    x2, y2 = app.ask("row", profile="archive")["at"]
    app.mouse("mousemove", "--sync", x0, y0)
    app.mouse("keydown", "ctrl", "click", "1", "keyup", "ctrl")
    chosen = app.until(lambda s: len(s["selected"]) == 2)
    assert [row[1] for row in chosen["selected"]] == ["churn-classifier", "fraud-detector"]
    app.mouse("mousemove", "--sync", x1, y1)  # another row: not a double-click
    app.mouse("mousedown", "1")  # on a selected row: the drag carries the whole selection
    for step in range(1, 11):  # past the drag distance, then across in small moves
        app.mouse("mousemove", "--sync", x1 + (x2 - x1) * step // 10, y1 + (y2 - y1) * step // 10)
    app.mouse("mouseup", "1")
    planned = app.until(lambda s: bool(s["sync"]) and s["sync"]["state"] == "ready", 120)
    assert planned["sync"]["models"] == ["churn-classifier", "fraud-detector"], planned
    assert planned["dialog"] == "Sync to archive", planned
    assert len(planned["sync"]["results"]) == 5 + 3  # their versions, nothing else
    app.key("Escape")
    app.until(lambda s: s["sync"] is None)
