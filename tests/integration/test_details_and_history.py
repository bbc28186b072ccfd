"""Details, edits and recorded history against a real mlflow server."""

from __future__ import annotations

import pytest

from modelyard.core.actions.promote import promote_stage, remove_alias, set_alias
from modelyard.core.connectors import open_registry
from modelyard.core.model.domain import EventKind, EventSource, Stage
from modelyard.core.model.errors import ErrorKind, RegistryError
from modelyard.core.model.registry import Registry
from modelyard.core.profiles.profile import ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from modelyard.core.reads.details import load_version_detail
from modelyard.core.reads.history import EVENT_TAG_PREFIX, recorded_events
from tests.helpers.registry import (
    add_server_profile,
    admin_store,
    admin_tracking_store,
    ensure_model,
    new_version,
)
from tests.support.servers import ADMIN_PASSWORD, ADMIN_USER, MlflowServer


@pytest.fixture()
def registry(mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore) -> Registry:
    return open_registry(add_server_profile(store, secrets, mlflow_server, "srv"), secrets)


def test_version_detail_reads_run_metrics_and_signature_through_the_server(
    mlflow_server: MlflowServer, registry: Registry
) -> None:
    version = new_version(mlflow_server, "details-model")
    detail = load_version_detail(registry, "details-model", version)
    assert detail.problems == ()
    assert detail.run is not None
    assert detail.run.params == {"alpha": "0.5"}
    assert detail.run.metrics["loss"] == pytest.approx(1 / 12)
    assert detail.model_file is not None
    assert "sklearn" in detail.model_file.flavors
    assert [c.name for c in detail.model_file.inputs] == ["a", "b", "c"]
    assert '"a"' in detail.model_file.input_example or "a" in detail.model_file.input_example
    history = registry.metric_history(detail.run.run_id, "loss")
    assert [p.step for p in history] == list(range(12))
    assert history[3].value == pytest.approx(0.25)
    assert [e.kind for e in detail.history] == [EventKind.CREATED]


def test_model_file_through_basic_auth_uses_the_profiles_own_credentials(
    auth_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    version = new_version(auth_server, "secured-details")
    profile = add_server_profile(store, secrets, auth_server, "sec", ADMIN_USER, ADMIN_PASSWORD)
    detail = load_version_detail(open_registry(profile, secrets), "secured-details", version)
    assert detail.model_file is not None and detail.problems == ()
    wrong = add_server_profile(store, secrets, auth_server, "wrong", ADMIN_USER, "x" * 12)
    with pytest.raises(RegistryError) as info:
        open_registry(wrong, secrets).read_model_file("secured-details", version)
    assert info.value.kind is ErrorKind.AUTH


def test_editing_tags_and_descriptions_shows_in_a_fresh_read(
    mlflow_server: MlflowServer, registry: Registry
) -> None:
    version = new_version(mlflow_server, "edit-model")
    registry.set_version_tag("edit-model", version, "reviewed", "yes")
    registry.set_model_tag("edit-model", "owner", "risk-team")
    registry.set_version_description("edit-model", version, "Checked by **ana**.")
    registry.set_model_description("edit-model", "Scores things.")
    fresh = admin_store(mlflow_server)
    assert fresh.get_model_version("edit-model", version).tags["reviewed"] == "yes"
    assert fresh.get_model_version("edit-model", version).description == "Checked by **ana**."
    assert fresh.get_registered_model("edit-model").tags["owner"] == "risk-team"
    assert fresh.get_registered_model("edit-model").description == "Scores things."
    registry.delete_version_tag("edit-model", version, "reviewed")
    assert "reviewed" not in fresh.get_model_version("edit-model", version).tags


def test_promotion_through_core_is_recorded_in_the_registry(
    mlflow_server: MlflowServer, registry: Registry
) -> None:
    old = new_version(mlflow_server, "promo-model")
    new = new_version(mlflow_server, "promo-model")
    promote_stage(registry, "promo-model", old, Stage.PRODUCTION, comment="first release")
    result = promote_stage(
        registry, "promo-model", new, Stage.PRODUCTION, archive_existing=True, comment="better"
    )
    assert result.version.stage is Stage.PRODUCTION
    assert [v.stage for v in result.changed] == [Stage.ARCHIVED]
    assert result.record_problem is None
    # recorded on the server, readable by anyone with a plain MLflow client
    raw_tags = admin_store(mlflow_server).get_model_version("promo-model", new).tags
    assert any(k.startswith(EVENT_TAG_PREFIX) for k in raw_tags)
    new_events = recorded_events(new, raw_tags)
    assert [(e.from_value, e.to_value, e.comment) for e in new_events] == [
        ("None", "Production", "better")
    ]
    detail = load_version_detail(registry, "promo-model", old)
    stages = [(e.from_value, e.to_value) for e in detail.history if e.kind is EventKind.STAGE]
    assert stages == [("None", "Production"), ("Production", "Archived")]
    assert all(
        e.source is EventSource.RECORDED for e in detail.history if e.kind is EventKind.STAGE
    )
    assert detail.history[-1].comment == f"archived when v{new} moved to Production"


def test_alias_moves_are_recorded_on_both_versions(
    mlflow_server: MlflowServer, registry: Registry
) -> None:
    first = new_version(mlflow_server, "alias-model")
    second = new_version(mlflow_server, "alias-model")
    set_alias(registry, "alias-model", "champion", first)
    result = set_alias(registry, "alias-model", "champion", second, comment="won the A/B test")
    assert [v.version for v in result.changed] == [first]
    assert registry.get_model("alias-model").aliases == {"champion": second}
    first_events = load_version_detail(registry, "alias-model", first).history
    assert [e.kind for e in first_events if e.source is EventSource.RECORDED] == [
        EventKind.ALIAS_SET,
        EventKind.ALIAS_REMOVED,
    ]
    remove_alias(registry, "alias-model", "champion")
    assert registry.get_model("alias-model").aliases == {}
    with pytest.raises(RegistryError, match="no alias"):
        remove_alias(registry, "alias-model", "champion")


def test_history_recording_can_be_off(mlflow_server: MlflowServer, registry: Registry) -> None:
    version = new_version(mlflow_server, "quiet-model")
    promote_stage(registry, "quiet-model", version, Stage.STAGING, record_history=False)
    tags = admin_store(mlflow_server).get_model_version("quiet-model", version).tags
    assert not any(k.startswith("modelyard.") for k in tags)


def test_deleted_run_shows_what_is_known(mlflow_server: MlflowServer, registry: Registry) -> None:
    version = new_version(mlflow_server, "orphan-model")
    run_id = registry.get_version("orphan-model", version).run_id
    admin_tracking_store(mlflow_server).delete_run(run_id)
    detail = load_version_detail(registry, "orphan-model", version)
    assert detail.run is not None and detail.run.deleted
    assert detail.run.params == {"alpha": "0.5"}
    assert any("was deleted" in p for p in detail.problems)
    assert detail.model_file is not None


def test_missing_artifacts_are_reported_and_the_rest_still_shows(
    mlflow_server: MlflowServer, registry: Registry
) -> None:
    ensure_model(admin_store(mlflow_server), "hollow-model")
    tracking = admin_tracking_store(mlflow_server)
    found = tracking.get_experiment_by_name("modelyard-tests")
    experiment_id = found.experiment_id if found else tracking.create_experiment("modelyard-tests")
    run = tracking.create_run(experiment_id, "tests", 0, [], "no-files")
    version = (
        admin_store(mlflow_server)
        .create_model_version(
            "hollow-model", source=f"{run.info.artifact_uri}/model", run_id=run.info.run_id
        )
        .version
    )
    detail = load_version_detail(registry, "hollow-model", str(version))
    assert detail.model_file is None
    assert any("MLmodel file" in p and "missing" in p for p in detail.problems)
    assert detail.run is not None and detail.run.run_id == run.info.run_id
    assert detail.version.version == str(version)


def test_metrics_of_an_mlflow3_logged_model_are_shown(
    mlflow_server: MlflowServer, registry: Registry
) -> None:
    from mlflow.entities import Metric

    tracking = admin_tracking_store(mlflow_server)
    found = tracking.get_experiment_by_name("modelyard-tests")
    experiment_id = found.experiment_id if found else tracking.create_experiment("modelyard-tests")
    run = tracking.create_run(experiment_id, "tests", 0, [], "logged-model-run")
    logged = tracking.create_logged_model(experiment_id, "lm", source_run_id=run.info.run_id)
    tracking.log_batch(
        run.info.run_id,
        metrics=[Metric("auc", 0.91, 1000, 0, model_id=logged.model_id, run_id=run.info.run_id)],
        params=[],
        tags=[],
    )
    ensure_model(admin_store(mlflow_server), "logged-model")
    version = (
        admin_store(mlflow_server)
        .create_model_version(
            "logged-model",
            source=f"models:/{logged.model_id}",
            run_id=run.info.run_id,
            model_id=logged.model_id,
        )
        .version
    )
    detail = load_version_detail(registry, "logged-model", str(version))
    assert detail.version.model_id == logged.model_id
    assert detail.model_metrics == {"auc": pytest.approx(0.91)}
