"""The ``modelyard`` command: in-process through click for speed, and as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from modelyard.core.profiles.profile import ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from tests.helpers.cli import add_admin_profile, run
from tests.helpers.registry import admin_store, ensure_model
from tests.support.memory_keyring import MemoryKeyring
from tests.support.servers import ADMIN_PASSWORD, ADMIN_USER, MlflowServer, free_port


def test_profiles_add_list_remove_with_secret_in_keyring(
    auth_server: MlflowServer, isolated_user: MemoryKeyring
) -> None:
    code, out, err = add_admin_profile(auth_server)
    assert code == 0, err
    assert "Added profile 'secured'" in out
    profile = ProfileStore().get("secured")
    assert SecretStore().get(profile.id, "password") == ADMIN_PASSWORD
    assert ADMIN_PASSWORD not in ProfileStore().path.read_text()
    code, out, _ = run("profiles", "list")
    assert code == 0 and "secured" in out and auth_server.url in out
    code, out, _ = run("profiles", "list", "--json")
    assert json.loads(out)[0]["settings"]["username"] == ADMIN_USER
    assert ADMIN_PASSWORD not in out
    code, _, _ = run("profiles", "remove", "secured")
    assert code == 0
    assert SecretStore().get(profile.id, "password") is None
    assert ProfileStore().list() == []


def test_ls_models_and_versions_json(auth_server: MlflowServer) -> None:
    ensure_model(admin_store(auth_server), "cli-model")
    add_admin_profile(auth_server)
    code, out, err = run("ls", "secured", "--json")
    assert code == 0, err
    assert "cli-model" in [m["name"] for m in json.loads(out)]
    code, out, err = run("ls", "secured", "cli-model", "--json")
    assert code == 0, err
    assert json.loads(out) == []
    code, out, _ = run("ls", "secured")
    assert code == 0 and "MODEL" in out and "cli-model" in out


@pytest.mark.parametrize(
    ("args", "stdin", "reason"),
    [
        (("ls", "nobody"), None, "No profile named 'nobody'"),
        (
            ("profiles", "add", "--name", "x", "--kind", "mlflow", "--url", "ftp://h"),
            None,
            "must start with http",
        ),
        (
            ("profiles", "add", "--name", "x", "--kind", "mlflow", "--url", "http://u:p@h"),
            None,
            "not in the URL",
        ),
        (
            (
                "profiles",
                "add",
                "--name",
                "x",
                "--kind",
                "mlflow",
                "--url",
                "http://h",
                "--username",
                "u",
            ),
            None,
            "--password-stdin",
        ),
        (
            (
                "profiles",
                "add",
                "--name",
                "x",
                "--kind",
                "mlflow",
                "--url",
                "http://h",
                "--username",
                "u",
                "--password-stdin",
            ),
            "",
            "standard input was empty",
        ),
        (("profiles", "add", "--name", "x", "--kind", "local"), None, "needs --path"),
    ],
)
def test_failures_exit_non_zero_with_one_line_reason(
    args: tuple[str, ...], stdin: str | None, reason: str
) -> None:
    code, _out, err = run(*args, stdin=stdin)
    assert code == 1
    assert reason in err
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("modelyard: ")


def test_wrong_password_exits_with_reason(auth_server: MlflowServer) -> None:
    add_admin_profile(auth_server, "bad", "wrong-password-xyz")
    code, _, err = run("ls", "bad")
    assert code == 1
    assert "refused the credentials" in err and "wrong-password-xyz" not in err


def test_unreachable_server_exits_with_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    run(
        "profiles",
        "add",
        "--name",
        "down",
        "--kind",
        "mlflow",
        "--url",
        f"http://127.0.0.1:{free_port()}",
    )
    code, _, err = run("ls", "down")
    assert code == 1 and "connection refused" in err


def test_demo_no_gui_then_ls_in_real_processes(tmp_path: Path) -> None:
    """The installed command, as a user runs it: `modelyard demo --no-gui`, then `ls demo`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_TRACKING_")}
    exe = Path(sys.executable).parent / "modelyard"
    first = subprocess.run(
        [str(exe), "demo", "--no-gui"], env=env, capture_output=True, text=True, timeout=300
    )
    assert first.returncode == 0, first.stderr
    assert "Demo registry ready" in first.stdout
    listing = subprocess.run(
        [str(exe), "ls", "demo", "churn-classifier"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert listing.returncode == 0, listing.stderr
    lines = listing.stdout.splitlines()
    assert lines[0].split() == ["VERSION", "STAGE", "ALIASES", "STATUS", "RUN", "CREATED"]
    assert any(line.split()[:3] == ["4", "Production", "champion"] for line in lines[1:])
    again = subprocess.run(
        [sys.executable, "-m", "modelyard", "demo", "--no-gui"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 0 and "ready" in again.stdout  # reused, not rebuilt


def test_download_uri_and_snippet_commands(mlflow_server: MlflowServer, tmp_path: Path) -> None:
    from tests.helpers.registry import new_version

    version = new_version(mlflow_server, "cli-dl")
    run("profiles", "add", "--name", "srv", "--kind", "mlflow", "--url", mlflow_server.url)
    code, out, err = run("download", "srv", "cli-dl", version, str(tmp_path / "out"))
    assert code == 0, err
    assert (tmp_path / "out" / "MLmodel").is_file()
    assert "Downloaded" in out
    code, out, _ = run("download", "srv", "cli-dl", version, str(tmp_path / "out"))
    assert code == 0 and "already there" in out
    code, _, err = run("download", "srv", "cli-dl", version, str(tmp_path / "x"), "--files", "nope")
    assert code == 1 and "not among the artifacts" in err
    code, out, _ = run("uri", "srv", "cli-dl", version)
    assert out.splitlines()[0] == f"models:/cli-dl/{version}"
    code, out, _ = run("snippet", "srv", "cli-dl", version)
    assert code == 0 and "mlflow.sklearn.load_model" in out and mlflow_server.url in out


def test_promote_command(mlflow_server: MlflowServer) -> None:
    from tests.helpers.registry import create_version

    ensure_model(admin_store(mlflow_server), "cli-promo")
    for _ in range(2 - len(admin_store(mlflow_server).search_model_versions("name='cli-promo'"))):
        create_version(mlflow_server, "cli-promo")
    run("profiles", "add", "--name", "srv", "--kind", "mlflow", "--url", mlflow_server.url)
    code, _, err = run("promote", "srv", "cli-promo", "1", "--stage", "Production")
    assert code == 1 and "--yes" in err  # no terminal to ask: refuses rather than guessing
    code, out, err = run("promote", "srv", "cli-promo", "1", "--stage", "Production", "--yes")
    assert code == 0, err
    assert "v1 (None) → Production" in out and "Now: v1 Production" in out
    code, out, _ = run(
        "promote",
        "srv",
        "cli-promo",
        "2",
        "--stage",
        "Production",
        "--archive-existing",
        "--comment",
        "better",
        "--yes",
    )
    assert "v1 (Production) → Archived" in out
    assert (
        admin_store(mlflow_server).get_model_version("cli-promo", "1").current_stage == "Archived"
    )
    code, out, _ = run("promote", "srv", "cli-promo", "2", "--alias", "champion", "--yes")
    assert code == 0 and "@champion → v2" in out
    code, _, err = run("promote", "srv", "cli-promo", "1", "--remove-alias", "champion", "--yes")
    assert code == 1 and "v2 does" in err
    code, out, _ = run("promote", "srv", "cli-promo", "2", "--stage", "Production", "--yes")
    assert code == 0 and "Nothing to do" in out
    code, _, err = run("promote", "srv", "cli-promo", "2", "--stage", "Staging", "--alias", "x")
    assert code == 1 and "exactly one" in err
    code, out, _ = run("history", "srv", "cli-promo", "2", "--json")
    assert next(e["comment"] for e in json.loads(out) if e["source"] == "recorded") == "better"


def test_cli_requests_on_a_registry_without_them(mlflow_server: MlflowServer) -> None:
    from tests.helpers.contract import seeded_model
    from tests.helpers.registry import add_server_profile

    add_server_profile(ProfileStore(), SecretStore(), mlflow_server, "plain-srv")
    name = seeded_model(mlflow_server, 1)
    code, _, err = run("requests", "list", "plain-srv", name)
    assert code == 1 and "has no transition requests" in err
    code, _, err = run(
        "promote", "plain-srv", name, "1", "--stage", "Staging", "--request", "--yes"
    )
    assert code == 1 and "has no transition requests" in err


def test_compare_registries_and_versions(
    demo_profile: Any, prod_profile: Any, tmp_path: Path
) -> None:
    code, out, err = run("compare", "demo", "prod", "--exit-code")
    assert code == 0, err
    assert "6 models: 6 same, 0 different, 0 only in demo, 0 only in prod" in out
    promoted = run(
        "promote", "prod", "churn-classifier", "5", "--stage", "Production", "--archive-existing"
    )
    assert promoted[0] == 1  # no terminal to confirm on: nothing changes
    promoted = run(
        "promote",
        "prod",
        "churn-classifier",
        "5",
        "--stage",
        "Production",
        "--archive-existing",
        "--yes",
    )
    assert promoted[0] == 0
    assert run("promote", "prod", "demand-forecast", "6", "--alias", "champion", "--yes")[0] == 0
    code, out, _ = run("compare", "demo", "prod", "--only-differences", "--exit-code")
    assert code == 1
    assert "churn-classifier" in out and "fraud-detector" not in out
    assert "Production: v4 ≠ v5" in out and "@champion: v7 ≠ v6" in out
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "diff.json"
    code, _, err = run("compare", "demo", "prod", "--format", "json", "--output", str(target))
    assert code == 0 and "Written to" in err
    data = json.loads(target.read_text())
    assert data["summary"]["different"] == 2 and len(data["models"]) == 6
    code, _, err = run("compare", "demo", "prod", "--output", str(out_dir / "no" / "x.csv"))
    assert code == 1 and "No such file or directory" in err
    assert list(out_dir.iterdir()) == [target]  # no temporary file left behind

    code, out, err = run(
        "compare-versions",
        "demo:churn-classifier/4",
        "prod:churn-classifier/4",
        "--only-differences",
    )
    assert code == 0, err
    assert "demo: churn-classifier v4" in out and "Production  " in out and "Archived" in out
    code, out, _ = run(
        "compare-versions", "demo:fraud-detector/2", "prod:fraud-detector/2", "--only-differences"
    )
    assert out.startswith("No differences: all") and "fields are the same" in out
    code, out, _ = run(
        "compare-versions", "demo:churn-classifier/4", "demo:churn-classifier/5", "--format", "md"
    )
    assert "| Metrics | val_accuracy |" in out and "(+" in out
    code, _, err = run("compare-versions", "demo:churn-classifier", "demo:churn-classifier/5")
    assert code == 1 and "expected PROFILE:MODEL/VERSION" in err
    code, _, err = run("compare-versions", "demo:churn-classifier/99", "demo:churn-classifier/5")
    assert code == 1 and "99" in err


def test_a_display_with_no_x_server_behind_it_is_said_not_aborted(tmp_path: Path) -> None:
    """#23.17: DISPLAY set to a display nothing listens on made Qt abort (signal 6) with a
    misleading message about xcb-cursor."""
    from modelyard.cli.app import no_display_reason

    env = {"DISPLAY": ":87"}  # no X server there
    reason = no_display_reason(env)
    assert reason is not None and "no X server answers" in reason and ":87" in reason
    exe = Path(sys.executable).parent / "modelyard"
    clean = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    result = subprocess.run(
        [str(exe), "--demo"], env={**clean, **env}, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1, result.stderr
    assert "no X server answers" in result.stderr and "xcb" not in result.stderr


def test_a_read_only_home_is_said_in_one_line_with_the_way_out(tmp_path: Path) -> None:
    """#23.17: the log set-up printed a 60-line traceback; the demo named the path only."""
    blocked = {var: str(tmp_path / var.lower()) for var in ("XDG_STATE_HOME", "XDG_DATA_HOME")}
    for path in blocked.values():
        Path(path).write_text("a file where a folder should be")  # as root: no chmod would do
    exe = Path(sys.executable).parent / "modelyard"
    env = {**os.environ, **blocked}
    listed = subprocess.run(
        [str(exe), "--debug", "profiles", "list"], env=env, capture_output=True, text=True
    )
    assert listed.returncode == 0, listed.stderr
    assert "Traceback" not in listed.stderr and "XDG_STATE_HOME" in listed.stderr
    demo = subprocess.run([str(exe), "demo", "--no-gui"], env=env, capture_output=True, text=True)
    assert demo.returncode == 1
    assert "Traceback" not in demo.stderr and "XDG_DATA_HOME" in demo.stderr
