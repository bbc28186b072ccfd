"""Protection levels and the activity journal, over a real local MLflow registry (sqlite) and
the CLI: a read-only profile sends no write; every write is journalled, started then ended."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from mlflow import MlflowClient

from modelyard.core.connectors import open_registry
from modelyard.core.kinds.local import LocalSettings
from modelyard.core.model.errors import ErrorKind, RegistryError
from modelyard.core.model.registry import Publishing, TransitionRequests
from modelyard.core.profiles.profile import Profile, ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from modelyard.core.runtime.activity import Activity, activity_path
from tests.helpers.cli import run
from tests.support.polling import poll_until

ROOT = Path(__file__).parents[2]


@pytest.fixture()
def registry_file(tmp_path: Path) -> Path:
    """A local registry with one model ``churn`` of two versions (v1 @champion)."""
    folder = tmp_path / "reg"
    folder.mkdir()
    database = folder / "registry.db"
    client = MlflowClient(
        tracking_uri=f"sqlite:///{database}", registry_uri=f"sqlite:///{database}"
    )
    files = folder / "files"  # what the versions point at: a model's folder
    files.mkdir()
    (files / "MLmodel").write_text("flavors:\n  python_function:\n    loader_module: x\n")
    (files / "weights.bin").write_bytes(b"w" * 1000)
    client.create_registered_model("churn")
    for _ in range(2):
        client.create_model_version("churn", source=str(folder / "files"))
    client.set_registered_model_alias("churn", "champion", "1")
    return database


def _profile(store: ProfileStore, database: Path, name: str, **extra: object) -> Profile:
    settings = LocalSettings(path=str(database), artifacts=str(database.parent / "artifacts"))
    profile = Profile(name=name, settings=settings, **extra)  # type: ignore[arg-type]
    store.add(profile)
    return profile


def _empty_registry(folder: Path) -> Path:
    """A new local registry with its schema and nothing in it."""
    folder.mkdir()
    database = folder / "registry.db"
    _client(database).search_experiments()
    return database


def _client(database: Path) -> MlflowClient:
    return MlflowClient(tracking_uri=f"sqlite:///{database}", registry_uri=f"sqlite:///{database}")


def test_a_read_only_profile_sends_no_write_and_says_why(
    registry_file: Path, store: ProfileStore, secrets: SecretStore
) -> None:
    profile = _profile(store, registry_file, "vault", protection="read-only")
    registry = open_registry(profile, secrets)
    try:
        assert [m.name for m in registry.list_models().items] == ["churn"]  # reads go through
        with pytest.raises(RegistryError) as refused:
            registry.set_alias("churn", "champion", "2")
        assert refused.value.kind is ErrorKind.PERMISSION
        assert "vault is read-only" in str(refused.value)
        assert "--protection" in str(refused.value)
        with pytest.raises(RegistryError):
            registry.set_model_tag("churn", "team", "fraud")
        # the copy role is still there (the registry can take copies), and refuses too
        assert isinstance(registry, Publishing) and not isinstance(registry, TransitionRequests)
        with pytest.raises(RegistryError):
            registry.create_model("new", "", {})
    finally:
        registry.close()
    model = _client(registry_file).get_registered_model("churn")
    assert dict(model.aliases) == {"champion": 1} and "team" not in model.tags
    entries = Activity().entries()
    assert [(e.change, e.outcome) for e in entries] == [
        ("@champion → v2", "refused"),
        ("set tag team='fraud'", "refused"),
        ("create the model", "refused"),
    ]
    assert {e.profile for e in entries} == {"vault"}


def test_every_write_is_journalled_with_its_outcome_and_the_servers_answer(
    registry_file: Path, store: ProfileStore, secrets: SecretStore
) -> None:
    profile = _profile(store, registry_file, "dev")
    registry = open_registry(profile, secrets)
    try:
        registry.set_alias("churn", "champion", "2")
        with pytest.raises(RegistryError):
            registry.set_alias("churn", "champion", "9")  # no such version
    finally:
        registry.close()
    ok, failed = Activity().entries()
    assert (ok.profile, ok.model, ok.version, ok.change, ok.outcome) == (
        "dev",
        "churn",
        "2",
        "@champion → v2",
        "ok",
    )
    assert ok.duration_s is not None and ok.duration_s >= 0
    assert (failed.outcome, failed.kind) == ("failed", "not-found")
    assert "9" in failed.answer
    lines = activity_path().read_text().splitlines()
    assert len(lines) == 4  # each write: a line when it starts, one when it ends
    assert all(secret not in "".join(lines) for secret in ("password", "token"))


def test_a_write_cut_off_by_a_crash_is_unknown_not_done(tmp_path: Path) -> None:
    journal = tmp_path / "activity.jsonl"
    script = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from modelyard.core.runtime.activity import Activity\n"
        "a = Activity(Path(sys.argv[1]))\n"
        "a.finished(a.started('prod', 'churn', '3', 'stage → Production'), 'ok')\n"
        "a.started('prod', 'churn', '4', 'stage → Production')\n"
        "os._exit(9)  # killed before the answer\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "app")}
    subprocess.run([sys.executable, "-c", script, str(journal)], env=env, check=False)
    done, cut = Activity(journal).entries()
    assert (done.version, done.outcome) == ("3", "ok")
    assert (cut.version, cut.outcome) == ("4", "unknown")
    journal.write_text(journal.read_text() + '{"id": "torn", "chan')  # a torn last line
    assert [e.version for e in Activity(journal).entries()] == ["3", "4"]


def test_the_cli_honours_read_only_even_with_yes(registry_file: Path, store: ProfileStore) -> None:
    _profile(store, registry_file, "vault", protection="read-only")
    code, out, err = run("promote", "vault", "churn", "2", "--alias", "champion", "--yes")
    assert code != 0
    assert "vault is read-only" in err + out
    assert dict(_client(registry_file).get_registered_model("churn").aliases) == {"champion": 1}
    # refused before the plan is read or shown: nothing was tried, so nothing is journalled
    assert "→" not in out and not activity_path().exists()


def test_profiles_edit_sets_the_level_and_a_sync_plan_says_what_it_will_not_write(
    registry_file: Path, store: ProfileStore, tmp_path: Path
) -> None:
    _profile(store, registry_file, "dev")
    empty = _empty_registry(tmp_path / "vault")
    _profile(store, empty, "vault", label="prod")
    code, out, _ = run("profiles", "list")
    assert code == 0 and out.splitlines()[-1].split()[-1] == "confirm"  # prod starts at confirm
    code, out, err = run(
        "profiles", "edit", "vault", "--protection", "read-only", "--protect-alias", "@champion"
    )
    assert code == 0, err
    assert "read-only; @champion protected" in out
    assert store.get("vault").protected_aliases == ("champion",)
    code, out, err = run("sync", "dev", "vault", "--dry-run", "--json")
    assert code == 0, err
    items = json.loads(out)["items"]
    assert [(i["action"], i["reason"]) for i in items] == [
        ("skip", "vault is read-only (its protection level)")
    ] * 2
    code, out, err = run("sync", "dev", "vault", "--yes")
    assert code != 0 and "vault is read-only" in err
    assert _client(empty).search_registered_models() == []
    code, out, err = run("profiles", "edit", "vault", "--unprotect-alias", "champion")
    assert code == 0 and store.get("vault").protected_aliases == ()


def test_confirm_level_and_protected_aliases_need_the_models_name_typed(
    registry_file: Path, store: ProfileStore
) -> None:
    _profile(store, registry_file, "prod", label="prod")  # prod starts at confirm
    code, _out, err = run("promote", "prod", "churn", "2", "--alias", "champion", "--yes")
    assert code != 0 and "add --confirm 'churn'" in err  # --yes is not the typed name
    code, _out, err = run(
        "promote", "prod", "churn", "2", "--alias", "champion", "--confirm", "chur"
    )
    assert code != 0 and "is not the model's name" in err
    aliases = _client(registry_file).get_registered_model("churn").aliases
    assert dict(aliases) == {"champion": 1}  # nothing was sent
    code, _out, err = run(
        "promote", "prod", "churn", "2", "--alias", "champion", "--confirm", "churn"
    )
    assert code == 0, err
    assert dict(_client(registry_file).get_registered_model("churn").aliases) == {"champion": 2}
    # at level none, only the protected aliases ask for it
    code, _, err = run(
        "profiles", "edit", "prod", "--protection", "none", "--protect-alias", "champion"
    )
    assert code == 0, err
    code, _out, err = run("promote", "prod", "churn", "1", "--alias", "champion", "--yes")
    assert code != 0 and "@champion is a protected alias of prod" in err
    code, _out, err = run("promote", "prod", "churn", "1", "--alias", "canary", "--yes")
    assert code == 0, err


def test_the_journal_after_a_kill_mid_bulk_matches_the_server_and_retry_finishes(
    registry_file: Path, store: ProfileStore, secrets: SecretStore
) -> None:
    import signal

    from modelyard.core.actions.retry import retry_write

    client = _client(registry_file)
    for _ in range(78):  # 80 versions: the kill comes long before the end
        client.create_model_version("churn", source=str(registry_file.parent / "files"))
    _profile(store, registry_file, "bulk")
    script = (
        "import sys\n"
        "from modelyard.core.actions.bulk import Change, plan_bulk, run_bulk\n"
        "from modelyard.core.connectors import open_registry\n"
        "from modelyard.core.profiles.profile import ProfileStore\n"
        "from modelyard.core.profiles.secrets import SecretStore\n"
        "registry = open_registry(ProfileStore().get('bulk'), SecretStore())\n"
        "targets = [('churn', str(n)) for n in range(1, 81)]\n"
        "plan = plan_bulk(registry, 'bulk', targets, Change('tag', 'swept', 'yes'))\n"
        "print('planned', flush=True)\n"
        "run_bulk(registry, plan)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "app")}
    child = subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE)
    assert child.stdout is not None and child.stdout.readline().strip() == b"planned"
    journal = activity_path()

    def ten_writes_in() -> bool:
        assert child.poll() is None, "the bulk ended before it was killed"
        return journal.exists() and journal.read_text().count("\n") >= 21

    poll_until(ten_writes_in, what="ten writes in the journal")
    child.send_signal(signal.SIGKILL)
    child.wait()
    entries = Activity().entries()
    tags = {str(v.version): v.tags for v in client.search_model_versions("name='churn'")}
    ok = [e for e in entries if e.outcome == "ok"]
    cut = [e for e in entries if e.outcome == "unknown"]
    assert len(ok) >= 10 and len(cut) <= 1 and len(ok) + len(cut) == len(entries)
    assert all(tags[e.version].get("swept") == "yes" for e in ok)  # "ok" is on the server
    registry = open_registry(store.get("bulk"), secrets)
    try:
        for e in cut:  # whatever became of it: the retry reads first, then makes it or not
            assert retry_write(registry, e) in (
                "made again",
                "already so on the server: nothing sent",
            )
    finally:
        registry.close()
    assert all(tags.get(e.version) is not None for e in cut)
    swept = {
        str(v.version) for v in client.search_model_versions("name='churn'") if v.tags.get("swept")
    }
    assert swept >= {e.version for e in ok + cut}


def test_a_sync_into_a_confirm_registry_needs_its_name_typed(
    registry_file: Path, store: ProfileStore, tmp_path: Path
) -> None:
    _profile(store, registry_file, "dev")
    empty = _empty_registry(tmp_path / "vault")
    _profile(store, empty, "vault", protection="confirm")
    code, _out, err = run("sync", "dev", "vault", "--yes")
    assert code != 0 and "add --confirm 'vault'" in err
    assert _client(empty).search_registered_models() == []  # nothing was sent
    code, _out, err = run("sync", "dev", "vault", "--yes", "--confirm", "vault")
    assert code == 0, err
    assert [m.name for m in _client(empty).search_registered_models()] == ["churn"]


def test_a_copy_into_a_confirm_registry_needs_the_models_name_typed(
    registry_file: Path, store: ProfileStore, tmp_path: Path
) -> None:
    _profile(store, registry_file, "dev")
    empty = _empty_registry(tmp_path / "safe")
    _profile(store, empty, "safe", label="prod")
    code, _out, err = run("copy", "dev", "churn", "1", "safe", "--yes")
    assert code != 0 and "add --confirm 'churn'" in err
    assert _client(empty).search_registered_models() == []
    code, _out, err = run("copy", "dev", "churn", "1", "safe", "--yes", "--confirm", "churn")
    assert code == 0, err
    assert [m.name for m in _client(empty).search_registered_models()] == ["churn"]
