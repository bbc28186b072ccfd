"""The last-seen state of a registry on disk (issue #12, first slice: the CLI over the core
state and its snapshot): `ls --offline` when the server is down, the hint when it is not asked
for, `changes` for what teammates did meanwhile, `cache clear`, no secret in the snapshot, a
damaged snapshot discarded."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelyard.core.model.snapshot import snapshot_path
from modelyard.core.profiles.profile import ProfileStore
from tests.helpers.cli import add_admin_profile, run
from tests.helpers.registry import admin_store, create_version, ensure_model
from tests.support.servers import ADMIN_PASSWORD, MlflowServer, start_server


@pytest.fixture()
def own_server(tmp_path: Path) -> Iterator[MlflowServer]:
    """A server of this test's own, so that it can be stopped."""
    server = start_server(tmp_path / "server")
    yield server
    server.stop()


def _add(server: MlflowServer) -> None:
    code, _, err = run("profiles", "add", "--name", "p", "--kind", "mlflow", "--url", server.url)
    assert code == 0, err


def test_ls_offline_shows_the_last_seen_state_when_the_server_is_down(
    own_server: MlflowServer,
) -> None:
    admin = admin_store(own_server)
    ensure_model(admin, "kept-model")
    create_version(own_server, "kept-model")
    admin.transition_model_version_stage("kept-model", "1", "Production", False)
    _add(own_server)
    assert run("ls", "p")[0] == 0
    assert run("ls", "p", "kept-model")[0] == 0
    admin.create_model_version("kept-model", "s3://nowhere/2")  # v2, only on the server
    # a promotion's answer from the server goes into the kept state
    code, _, err = run("promote", "p", "kept-model", "1", "--stage", "Staging", "--yes")
    assert code == 0, err
    own_server.stop()
    code, out, err = run("ls", "p")
    assert code == 1 and "add --offline to see it" in err, err
    code, out, err = run("ls", "p", "--offline")
    assert code == 0 and "kept-model" in out
    assert "offline: the state of p as last seen" in err
    code, out, err = run("ls", "p", "kept-model", "--offline", "--json")
    assert code == 0, err
    [version] = json.loads(out)  # v2 was never listed: the kept state does not invent it
    assert (version["version"], version["stage"]) == ("1", "Staging")
    code, _, err = run("ls", "p", "never-listed", "--offline")
    assert code == 1 and "never listed" in err
    # show and history read the same kept state
    code, out, err = run("show", "p", "kept-model", "--offline")
    assert code == 0 and "Staging: v1" in out and "last seen" in err, (out, err)
    code, out, err = run("show", "p", "kept-model", "1", "--offline", "--json")
    assert code == 0 and json.loads(out)["stage"] == "Staging", err
    code, out, err = run("history", "p", "kept-model", "--offline", "--json")
    assert code == 0, err
    assert any(e["version"] == "1" for e in json.loads(out))
    code, _, err = run("show", "p", "kept-model", "9", "--offline")
    assert code == 1 and "v9 is not in the last-seen state" in err


def test_changes_says_what_teammates_did_since_you_last_looked(own_server: MlflowServer) -> None:
    admin = admin_store(own_server)
    ensure_model(admin, "team-model")
    create_version(own_server, "team-model")
    create_version(own_server, "team-model")
    _add(own_server)
    code, _, err = run("changes", "p")
    assert code == 1 and "ls p` first" in err
    run("ls", "p")
    run("ls", "p", "team-model")
    # Another process (a teammate) changes the registry meanwhile.
    admin.transition_model_version_stage("team-model", "1", "Production", False)
    admin.set_registered_model_alias("team-model", "champion", "2")
    create_version(own_server, "team-model")
    ensure_model(admin, "brand-new")
    code, out, err = run("changes", "p", "--json")
    assert code == 0, err
    found = {
        (c["kind"], c["model"], c["version"], c["before"], c["after"]) for c in json.loads(out)
    }
    assert found == {
        ("model-added", "brand-new", "", "", ""),
        ("alias", "team-model", "champion", "", "v2"),
        ("version-added", "team-model", "3", "", ""),
        ("stage", "team-model", "1", "None", "Production"),
    }
    code, out, _ = run("changes", "p")
    assert code == 0 and "Nothing changed since you last looked." in out


def test_the_snapshot_holds_no_secret_and_a_damaged_one_is_discarded(
    auth_server: MlflowServer,
) -> None:
    ensure_model(admin_store(auth_server), "secret-free")
    assert add_admin_profile(auth_server, "s")[0] == 0
    assert run("ls", "s")[0] == 0
    profile = ProfileStore().get("s")
    path = snapshot_path(profile.id)
    text = path.read_text()
    assert "secret-free" in text and ADMIN_PASSWORD not in text
    assert "Authorization" not in text and "Basic " not in text
    path.write_text("{damaged")
    code, out, err = run("ls", "s", "--offline")
    assert code == 1 and "no cached state" in err
    assert not path.exists()  # discarded, not fatal
    assert run("ls", "s")[0] == 0 and path.exists()
    code, out, _ = run("cache", "clear", "s")
    assert code == 0 and "Cleared 1" in out and not path.exists()


def test_ls_prints_what_it_read_when_the_cache_cannot_be_written(
    demo_profile: object, tmp_path: Path
) -> None:
    """A full or read-only cache folder never fails a listing (#24.7): the listing is printed,
    the warning names the file; `changes` and `promote` keep it best-effort too."""
    from modelyard.core.runtime.paths import cache_dir

    cache = cache_dir()
    cache.parent.mkdir(parents=True, exist_ok=True)
    if cache.exists():
        import shutil

        shutil.rmtree(cache)
    cache.write_text("not a folder")  # as root, permissions would not stop a write: this does
    code, out, err = run("ls", "demo")
    assert code == 0, out + err
    assert "churn-classifier" in out
    assert "could not be kept" in err and str(cache) in err
    code, out, err = run("ls", "demo", "churn-classifier", "--json")
    assert code == 0, out + err
    assert json.loads(out)
