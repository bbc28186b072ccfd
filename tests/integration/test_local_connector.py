"""The local sqlite connector and the seeded demo registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelyard.core.connectors import open_registry
from modelyard.core.demo.registry import DEMO_MODELS, ensure_demo, is_seeded
from modelyard.core.kinds import LocalSettings
from modelyard.core.model.domain import Stage
from modelyard.core.model.errors import ErrorKind, RegistryError
from modelyard.core.profiles.profile import Profile, ProfileStore
from modelyard.core.profiles.secrets import SecretStore


def test_missing_registry_file_is_not_created(tmp_path: Path, secrets: SecretStore) -> None:
    path = tmp_path / "nope.db"
    profile = Profile(name="x", settings=LocalSettings(path=str(path)))
    with pytest.raises(RegistryError) as info:
        open_registry(profile, secrets)
    assert info.value.kind is ErrorKind.NOT_FOUND
    assert "does not exist" in info.value.message
    assert not path.exists()


def test_demo_registry_is_realistic(demo_profile: Profile, secrets: SecretStore) -> None:
    registry = open_registry(demo_profile, secrets)
    try:
        models = registry.list_models().items
        assert len(models) >= 6
        assert [m.name for m in models] == sorted(m.name for m in DEMO_MODELS)
        stages: set[Stage] = set()
        aliases: set[str] = set()
        for model in models:
            assert model.description
            assert model.tags
            versions = registry.list_versions(model.name).items
            assert 1 <= len(versions) <= 8
            for version in versions:
                assert version.run_id and version.source
                stages.add(version.stage)
                aliases.update(version.aliases)
        assert stages == set(Stage)
        assert {"champion", "challenger"} <= aliases
        v4 = registry.get_version("churn-classifier", "4")
        assert v4.stage is Stage.PRODUCTION and "champion" in v4.aliases
    finally:
        registry.close()


def test_demo_runs_have_params_metric_histories_and_model_files(demo_profile: Profile) -> None:
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    from modelyard.core.kinds.local import sqlite_uri

    assert isinstance(demo_profile.settings, LocalSettings)
    db = Path(demo_profile.settings.path)
    tracking = SqlAlchemyStore(sqlite_uri(db), demo_profile.settings.artifact_dir.as_uri())
    registry = open_registry(demo_profile, SecretStore())
    try:
        version = registry.get_version("churn-classifier", "4")
        run = tracking.get_run(version.run_id)
        assert run.data.params["max_iter"] == "200"
        history = tracking.get_metric_history(version.run_id, "train_loss")
        assert len(history) >= 10
        assert [m.step for m in history] == list(range(len(history)))
        source = Path(version.source.removeprefix("file://"))
        assert (source / "MLmodel").is_file()
        assert "signature" in (source / "MLmodel").read_text()
    finally:
        registry.close()
        tracking.engine.dispose()


def test_ensure_demo_reuses_and_reset_rebuilds(tmp_path: Path, store: ProfileStore) -> None:
    profile = ensure_demo(store)
    assert is_seeded(profile)
    assert isinstance(profile.settings, LocalSettings)
    db = Path(profile.settings.path)
    first = db.stat().st_mtime_ns
    assert ensure_demo(store) == profile
    assert db.stat().st_mtime_ns == first  # reused, not rebuilt
    (db.parent / ".seeded-v2").unlink()  # a half-seeded registry is rebuilt
    again = ensure_demo(store)
    assert again.id == profile.id and is_seeded(again)
    assert [p.name for p in store.list()] == ["demo"]


def test_the_local_registry_snippet_loads_the_model(
    demo_profile: Profile, secrets: SecretStore, tmp_path: Path
) -> None:
    import os
    import subprocess
    import sys

    from modelyard.core.reads.snippet import load_snippet

    registry = open_registry(demo_profile, secrets)
    try:
        version = registry.get_version("churn-classifier", "4")
        code = load_snippet(
            demo_profile, version, registry.read_model_file("churn-classifier", "4")
        )
    finally:
        registry.close()
    script = tmp_path / "snippet.py"
    script.write_text(code + "print('LOADED', type(model).__name__)\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    result = subprocess.run(
        [sys.executable, str(script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "LOADED" in result.stdout


def test_archiving_says_what_else_changed_and_which_alias_is_left_behind(
    demo_profile: Profile, secrets: SecretStore
) -> None:
    from modelyard.core.actions.promote import promote_stage

    registry = open_registry(demo_profile, secrets)
    try:
        before = registry.get_version("churn-classifier", "4")
        assert before.stage is Stage.PRODUCTION and "champion" in before.aliases
        result = promote_stage(
            registry, "churn-classifier", "5", Stage.PRODUCTION, archive_existing=True
        )
    finally:
        registry.close()
    assert result.archived_too() == ["v4 → Archived"]
    assert result.stale_aliases() == ["@champion still points to v4, now Archived — move it?"]
