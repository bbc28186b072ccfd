"""Modelyard against every MLflow server release of the tier, as a user drives it: the CLI and
the window, on a server seeded by that release's own client.

Reads come first, writes after (the tests of one release share its server, in file order).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from modelyard.core.connectors import open_registry
from modelyard.core.profiles.profile import ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from modelyard.core.reads.diagnose import test_connection as diagnose
from modelyard.ui.tree.tree_model import NodeKind
from modelyard.ui.tree.tree_panel import choose_row
from tests.helpers.cli import run
from tests.helpers.registry import add_server_profile
from tests.helpers.window import open_window, select_model, select_version
from tests.support.servers import MlflowServer
from tests.versions.conftest import OldServer

NO_ALIASES = "which has no aliases (they came with MLflow 2.3)"


def _profile(old: OldServer, store: ProfileStore, secrets: SecretStore, name: str = "old") -> str:
    add_server_profile(store, secrets, old.server, name)
    return name


def _json(*args: str) -> object:
    code, out, err = run(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_the_connection_test_names_the_release_and_what_it_lacks(
    old_server: OldServer, store: ProfileStore, secrets: SecretStore
) -> None:
    _profile(old_server, store, secrets)
    result = diagnose(store.get("old"), secrets)
    assert result.ok, result.text()
    assert result.server == f"MLflow {old_server.version}"
    assert f"The server runs MLflow {old_server.version}." in result.message
    assert result.first_models == ("churn", "fraud-detector", "unreleased")
    lacks_aliases = any("no aliases" in line for line in result.lacks)
    assert lacks_aliases is not old_server.has_aliases


def test_every_model_is_listed_with_its_stages_and_aliases(
    old_server: OldServer, store: ProfileStore, secrets: SecretStore
) -> None:
    """Before 2.21 the prompt filter made the server answer no models at all."""
    _profile(old_server, store, secrets)
    models = _json("ls", "old")
    assert isinstance(models, list)
    assert [m["name"] for m in models] == ["churn", "fraud-detector", "unreleased"]
    seeded = old_server.seeded["models"]
    for model in models:
        assert model["aliases"] == seeded[model["name"]]["aliases"]
        assert model["tags"] == seeded[model["name"]]["tags"]
    versions = _json("ls", "old", "churn")
    assert isinstance(versions, list)
    assert {v["version"]: v["stage"] for v in versions} == {
        number: v["stage"] for number, v in seeded["churn"]["versions"].items()
    }
    held = {a: v["version"] for v in versions for a in v["aliases"]}
    assert held == seeded["churn"]["aliases"]


def test_a_versions_details_are_its_runs_latest_metrics_and_its_tags(
    old_server: OldServer, store: ProfileStore, secrets: SecretStore
) -> None:
    _profile(old_server, store, secrets)
    seeded = old_server.seeded["models"]["churn"]["versions"]["2"]
    shown = _json("show", "old", "churn", "2")
    assert isinstance(shown, dict)
    assert shown["run"]["metrics"]["accuracy"] == seeded["accuracy"]
    assert shown["problems"] == []
    code, out, _err = run("show", "old", "churn", "2")
    assert code == 0 and "Tags: validated=yes" in out
    code, out, err = run("compare-versions", "old:churn/2", "old:churn/3", "--format", "json")
    assert code == 0, err
    rows = {(r["section"], r["field"]): r for r in json.loads(out)["fields"]}
    assert rows[("Metrics", "accuracy")]["left"] == f"{seeded['accuracy']:g}"


def test_the_history_shows_the_seeded_stages(
    old_server: OldServer, store: ProfileStore, secrets: SecretStore
) -> None:
    _profile(old_server, store, secrets)
    events = _json("history", "old", "churn")
    assert isinstance(events, list)
    now = {e["version"]: e["to"] for e in events if e["kind"] == "current"}
    assert now == {"1": "Archived", "2": "Production", "3": "Staging"}


def test_download_is_byte_identical(
    old_server: OldServer, store: ProfileStore, secrets: SecretStore, tmp_path: Path
) -> None:
    _profile(old_server, store, secrets)
    code, _out, err = run("download", "old", "fraud-detector", "1", str(tmp_path / "got"))
    assert code == 0, err
    files = old_server.seeded["models"]["fraud-detector"]["versions"]["1"]["files"]
    got = {
        str(p.relative_to(tmp_path / "got")): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in (tmp_path / "got").rglob("*")
        if p.is_file() and not p.name.startswith(".modelyard")
    }
    assert {Path(k).name: v for k, v in got.items()} == files


def test_comparison_leaves_out_what_one_side_lacks(
    old_server: OldServer, store: ProfileStore, secrets: SecretStore, mlflow_server: MlflowServer
) -> None:
    _profile(old_server, store, secrets)
    add_server_profile(store, secrets, mlflow_server, "current")
    report = _json_compare("old", "current")
    notes = report["notes"]
    if old_server.has_aliases:
        assert notes == []
    else:
        assert notes == [
            f"Aliases are not compared: old has none (it runs MLflow {old_server.version})."
        ]
        rows = {r["name"]: r for r in report["models"]}
        assert all("@" not in d for r in rows.values() for d in r["differences"])


def _models(profile: str) -> list[dict[str, object]]:
    models = _json("ls", profile)
    assert isinstance(models, list)
    return models


def _json_compare(left: str, right: str) -> dict[str, Any]:
    code, out, err = run("compare", left, right, "--format", "json")
    assert code in (0, 1), err
    data = json.loads(out)
    assert isinstance(data, dict)
    return data


def test_the_window_lists_the_models_and_shows_the_server(
    old_server: OldServer, store: ProfileStore, secrets: SecretStore, qtbot: QtBot
) -> None:
    """The window's first page is read without MLflow (quick_list): it too must not send the
    prompt filter to a server that drops every model for it."""
    _profile(old_server, store, secrets)
    window = open_window(qtbot, store)
    select_model(qtbot, window, "old", "churn")
    tm = window.tree_model
    root = tm.profile_index("old")
    names = [tm.index(r, 0, root).data() for r in range(tm.rowCount(root))]
    assert names == ["churn", "fraud-detector", "unreleased"]
    board = window.details.model_view.board
    qtbot.waitUntil(lambda: board.model == "churn", timeout=30_000)
    assert board.aliases_supported is old_server.has_aliases
    if not old_server.has_aliases:
        assert NO_ALIASES in board.hint.text()
    select_version(qtbot, window, "1")
    window.tree.setFocus()
    QTest.keyClick(window.tree, Qt.Key.Key_Menu)
    menu = window.tree_menus.menu
    assert menu is not None and menu.isVisible()
    labels = [a.text() for a in menu.actions()]
    assert "Promote to" in labels
    assert ("Set alias" in labels) is old_server.has_aliases
    menu.close()
    choose_row(window.tree, window.proxy.mapFromSource(root))
    assert window.details.current is not None
    assert window.details.current.kind is NodeKind.PROFILE
    fields = window.details.profile_view.fields.values
    qtbot.waitUntil(lambda: "Server" in fields, timeout=10_000)
    assert fields["Server"] == f"MLflow {old_server.version}"
    assert ("Lacks" in fields) is not old_server.has_aliases


# --- writes -------------------------------------------------------------------------------------
def test_promotion_archives_the_version_that_held_the_stage(
    old_server: OldServer, store: ProfileStore, secrets: SecretStore
) -> None:
    _profile(old_server, store, secrets)
    code, _out, err = run(
        "promote", "old", "churn", "3", "--stage", "production", "--archive-existing", "--yes"
    )
    assert code == 0, err
    versions = _json("ls", "old", "churn")
    assert isinstance(versions, list)
    assert {v["version"]: v["stage"] for v in versions} == {
        "1": "Archived",
        "2": "Archived",
        "3": "Production",
    }


def test_aliases_are_set_or_refused_in_words(
    old_server: OldServer, store: ProfileStore, secrets: SecretStore
) -> None:
    _profile(old_server, store, secrets)
    code, _out, err = run("promote", "old", "fraud-detector", "1", "--alias", "best", "--yes")
    if old_server.has_aliases:
        assert code == 0, err
        versions = _json("ls", "old", "fraud-detector")
        assert isinstance(versions, list)
        assert "best" in versions[0]["aliases"]
    else:
        assert code == 1
        assert f"runs MLflow {old_server.version}, {NO_ALIASES}" in err
        assert "Check the URL" not in err


def test_copy_out_of_it_and_back_into_it(
    old_server: OldServer,
    store: ProfileStore,
    secrets: SecretStore,
    mlflow_server: MlflowServer,
    tmp_path: Path,
) -> None:
    _profile(old_server, store, secrets)
    add_server_profile(store, secrets, mlflow_server, "current")
    out_name = f"from-mlflow-{old_server.version}"
    code, _out, err = run(
        "copy", "old", "churn", "2", "current", "--name", out_name, "--stage", "staging", "--yes"
    )
    assert code == 0, err
    back = f"back-from-current-{old_server.version}"
    if not old_server.has_aliases:  # refused before anything is written, in words
        code, _out, err = run(
            "copy", "current", out_name, "1", "old", "--name", back, "--alias", "x", "--yes"
        )
        assert code == 1
        assert NO_ALIASES in err and "Nothing was copied." in err
        assert back not in [m["name"] for m in _models("old")]
    # a stage and an alias in one copy where the server has aliases
    then = ["--stage", "production"] + (["--alias", "returned"] if old_server.has_aliases else [])
    code, _out, err = run("copy", "current", out_name, "1", "old", "--name", back, *then, "--yes")
    assert code == 0, err
    code, _out, err = run("download", "old", back, "1", str(tmp_path / "back"))
    assert code == 0, err
    files = old_server.seeded["models"]["churn"]["versions"]["2"]["files"]
    got = {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in (tmp_path / "back").rglob("*")
        if p.is_file() and not p.name.startswith(".modelyard")
    }
    assert got == files
    registry = open_registry(store.get("old"), secrets)
    try:
        copied = registry.get_version(back, "1")
    finally:
        registry.close()
    assert copied.stage.value == "Production"
    if old_server.has_aliases:
        copied_model = next(m for m in _models("old") if m["name"] == back)
        assert copied_model["aliases"] == {"returned": "1"}
