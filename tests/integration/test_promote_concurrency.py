"""Writes applied once and recorded as they happened, with two writers at the same moment, on a
real mlflow server (issue #11: 6, 7, 8)."""

from __future__ import annotations

import json
import threading

from modelyard.core.actions.promote import PromotionResult, Target, promote, promote_stage
from modelyard.core.connectors import open_registry
from modelyard.core.model.domain import EventKind, Stage
from modelyard.core.model.registry import Registry
from modelyard.core.profiles.profile import ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from modelyard.core.reads.history import HISTORY_TAG, recorded_events
from tests.helpers.registry import add_server_profile, admin_store, create_version, ensure_model
from tests.support.servers import MlflowServer

ROUNDS = 6


def _registries(server: MlflowServer, store: ProfileStore, secrets: SecretStore) -> list[Registry]:
    profile = add_server_profile(store, secrets, server, "race")
    return [open_registry(profile, secrets) for _ in range(2)]  # two people, two connections


def test_two_promotions_at_the_same_moment_lose_no_event_and_report_truthfully(
    mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    ensure_model(admin_store(mlflow_server), "race-model")
    create_version(mlflow_server, "race-model")
    people = _registries(mlflow_server, store, secrets)
    recorded_by_results = 0
    for round_no in range(ROUNDS):
        asked = [Stage.PRODUCTION, Stage.ARCHIVED] if round_no % 2 else [Stage.STAGING, Stage.NONE]
        barrier = threading.Barrier(2)
        results: list[PromotionResult | None] = [None, None]

        def act(
            i: int,
            asked: list[Stage] = asked,
            barrier: threading.Barrier = barrier,
            results: list[PromotionResult | None] = results,
        ) -> None:
            barrier.wait(timeout=30)
            results[i] = promote(
                people[i], "race-model", "1", Target("stage", asked[i].value), comment=f"p{i}"
            )

        threads = [threading.Thread(target=act, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        done = [r for r in results if r is not None]
        assert len(done) == 2
        final = Stage(admin_store(mlflow_server).get_model_version("race-model", "1").current_stage)
        assert final in asked
        for stage, result in zip(asked, done, strict=True):
            # Each says what it found after its own write: as asked, or the other's stage.
            if result.as_asked:
                assert result.version.stage is stage
            else:
                assert result.outcome_problem and result.version.stage.value in (
                    result.outcome_problem
                )
            recorded_by_results += len(result.events)
    tags = admin_store(mlflow_server).get_model_version("race-model", "1").tags
    events = [e for e in recorded_events("1", tags) if e.kind is EventKind.STAGE]
    assert len(events) == recorded_by_results >= ROUNDS  # nothing lost, nothing doubled
    for registry in people:
        registry.close()


def test_recording_never_touches_older_history_tags_even_with_a_gap(
    mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    admin = admin_store(mlflow_server)
    ensure_model(admin, "gap-model")
    create_version(mlflow_server, "gap-model")
    from mlflow.entities.model_registry import ModelVersionTag

    first = json.dumps([{"k": "stage", "t": 1000, "f": "None", "to": "Staging"}])
    third = json.dumps([{"k": "stage", "t": 2000, "f": "Staging", "to": "None"}] * 60)
    admin.set_model_version_tag("gap-model", "1", ModelVersionTag(HISTORY_TAG, first))
    admin.set_model_version_tag("gap-model", "1", ModelVersionTag(f"{HISTORY_TAG}.3", third))
    [registry, _] = _registries(mlflow_server, store, secrets)
    result = promote(registry, "gap-model", "1", Target("stage", "Production"))
    assert result.as_asked and len(result.events) == 1
    tags = admin.get_model_version("gap-model", "1").tags
    assert tags[HISTORY_TAG] == first and tags[f"{HISTORY_TAG}.3"] == third
    assert len(recorded_events("1", tags)) == 1 + 60 + 1


def test_a_write_the_server_did_not_apply_is_not_recorded(
    mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    """An approval that returns without moving the version (#11.8): nothing recorded, said."""
    admin = admin_store(mlflow_server)
    ensure_model(admin, "noop-model")
    create_version(mlflow_server, "noop-model")
    [registry, _] = _registries(mlflow_server, store, secrets)
    result = promote_stage(registry, "noop-model", "1", Stage.PRODUCTION, write=lambda: None)
    assert result.events == () and not result.as_asked
    assert "not applied" in (result.outcome_problem or "")
    assert recorded_events("1", admin.get_model_version("noop-model", "1").tags) == []
