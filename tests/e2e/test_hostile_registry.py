"""A hostile registry: names, descriptions and tags with quotes, control characters, terminal
escape sequences, very long values and unicode, through the CLI's human and JSON output against
a real mlflow server. Nothing crashes, nothing from the registry reaches the terminal raw, JSON
stays exact, and every name finds its own versions (issue #11: 3, 12)."""

from __future__ import annotations

import json

import pytest
from mlflow.entities.model_registry import RegisteredModelTag

from modelyard.core.runtime.text import printable
from tests.helpers.cli import run
from tests.helpers.registry import admin_store, create_version
from tests.support.servers import MlflowServer

# Clear screen, set the window title, write the clipboard (OSC 52), CSI from C1, bell, bidi.
ESCAPES = "\x1b[2J\x1b]0;pwned\x07\x1b]52;c;Y3VybCBldmlsLnNo\x07\x9b31m\u202eevil"
RAW = ("\x1b", "\x07", "\x9b", "\u202e")
NAMES = [
    "hostile o'brien",
    'hostile say "hi"',
    "hostile both ' and \"",
    "hostile back\\slash",
    "hostile pct%_under",
    "hostile spaces  and   tabs",
    "hostile unicode модель 模型 🚀",
    "hostile \x1b]0;title\x07 escape",
]
LONG = "x" * 5000


@pytest.fixture(scope="module")
def hostile(mlflow_server: MlflowServer) -> MlflowServer:
    store = admin_store(mlflow_server)
    for name in NAMES:
        store.create_registered_model(
            name,
            tags=[RegisteredModelTag("note", "value" + ESCAPES)],
            description="first line\n" + ESCAPES + "\n" + LONG,
        )
        create_version(mlflow_server, name)
    # A look-alike that a loose search would also match: it must never be listed for another.
    store.create_registered_model("hostile both _ and _")
    create_version(mlflow_server, "hostile both _ and _")
    create_version(mlflow_server, "hostile both _ and _")
    return mlflow_server


def _profile(server: MlflowServer) -> None:
    code, _, err = run("profiles", "add", "--name", "h", "--kind", "mlflow", "--url", server.url)
    assert code == 0, err


def _clean(text: str) -> None:
    for char in RAW:
        assert char not in text, f"raw {char!r} reached the terminal: {text[:300]!r}"


def test_human_output_escapes_what_the_registry_says(hostile: MlflowServer) -> None:
    _profile(hostile)
    code, out, err = run("ls", "h")
    assert code == 0, err
    _clean(out)
    for name in NAMES:
        code, out, err = run("show", "h", name)
        assert code == 0, err
        _clean(out + err)
        assert "\\x1b]52;c;" in out  # the clipboard write is shown, not obeyed
        assert printable(name) in out.splitlines()[0]
        code, out, err = run("history", "h", name, "1")
        assert code == 0, err
        _clean(out + err)


def test_json_output_stays_exact(hostile: MlflowServer) -> None:
    _profile(hostile)
    for name in NAMES:
        code, out, err = run("show", "h", name, "--json")
        assert code == 0, err
        data = json.loads(out)
        assert data["name"] == name
        assert data["description"] == "first line\n" + ESCAPES + "\n" + LONG
        assert data["tags"] == {"note": "value" + ESCAPES}
        _clean(out)  # json.dumps escapes control characters itself


@pytest.mark.parametrize("name", NAMES)
def test_every_name_finds_its_own_versions_and_promotes(hostile: MlflowServer, name: str) -> None:
    _profile(hostile)
    code, out, err = run("ls", "h", name, "--json")
    assert code == 0, err
    assert [v["version"] for v in json.loads(out)] == ["1"]
    assert {v["model"] for v in json.loads(out)} == {name}
    code, out, err = run("promote", "h", name, "1", "--stage", "Staging", "--yes")
    assert code == 0, err
    code, out, err = run("ls", "h", name, "--json")
    assert json.loads(out)[0]["stage"] == "Staging"
    code, out, err = run("snippet", "h", name, "1")
    assert code == 0, err
    compile(out, "<snippet>", "exec")
    assert repr(f"models:/{name}/1") in out


FORMULAS = ["=HYPERLINK(1)", "+cmd", "-2+3", "@SUM(1)"]


def test_csv_neutralises_formulas_and_piped_reports_stay_exact(
    hostile: MlflowServer, mlflow_server: MlflowServer
) -> None:
    """#24.12: a name like =HYPERLINK(…) must not become a live formula in a spreadsheet;
    piped CSV/Markdown is exact (every escape sequence as it is), never half-stripped."""
    store = admin_store(hostile)
    for name in FORMULAS:
        store.create_registered_model(name)
    _profile(hostile)
    code, _, err = run("profiles", "add", "--name", "h2", "--kind", "mlflow", "--url", hostile.url)
    assert code == 0, err
    code, out, err = run("compare", "h", "h2", "--format", "csv")  # CliRunner: not a terminal
    assert code == 0, err
    cells = [line.split(",")[0].strip('"') for line in out.splitlines()]
    for name in FORMULAS:
        assert "'" + name in cells, (name, cells)
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
    assert "\x1b]0;title\x07" in out  # exact: the name's OSC sequence as it is
    code, md, err = run("compare", "h", "h2", "--format", "md")
    assert code == 0, err
    assert "\x1b]0;title\x07" in md  # exact: the name's OSC sequence as it is


def test_one_very_long_name_does_not_pad_every_row(hostile: MlflowServer) -> None:
    """#24.14: a 10 kB name made every row of `ls` 10 kB wide."""
    long_name = "long-" + "n" * 10_000
    admin_store(hostile).create_registered_model(long_name)
    _profile(hostile)
    code, out, err = run("ls", "h")
    assert code == 0, err
    assert max(len(line) for line in out.splitlines()) < 400
    assert "long-nnnn" in out and "…" in out
    code, out, err = run("ls", "h", "--json")
    assert long_name in out  # --json has it whole
