"""Seeding helpers: MLflow's own REST store with explicit per-call credentials."""

from __future__ import annotations

from typing import Any

from mlflow.entities.model_registry import RegisteredModelTag
from mlflow.store.model_registry.rest_store import RestStore
from mlflow.utils.rest_utils import MlflowHostCreds

from modelyard.core.profiles import MlflowServerSettings, Profile, ProfileStore
from modelyard.core.secrets import SecretStore
from tests.support.servers import ADMIN_PASSWORD, ADMIN_USER, MlflowServer


def _admin_creds(server: MlflowServer) -> MlflowHostCreds:
    return MlflowHostCreds(
        server.url,
        username=ADMIN_USER if server.auth else None,
        password=ADMIN_PASSWORD if server.auth else None,
    )


def admin_store(server: MlflowServer) -> Any:
    creds = _admin_creds(server)
    return RestStore(lambda: creds)


def admin_tracking_store(server: MlflowServer) -> Any:
    from mlflow.store.tracking.rest_store import RestStore as TrackingRestStore

    creds = _admin_creds(server)
    return TrackingRestStore(lambda: creds)


def create_version(server: MlflowServer, model: str) -> Any:
    """A model version from a real run (the server checks that the source is the run's)."""
    tracking = admin_tracking_store(server)
    experiment = tracking.get_experiment_by_name("modelyard-tests")
    experiment_id = (
        experiment.experiment_id
        if experiment is not None
        else tracking.create_experiment("modelyard-tests")
    )
    run = tracking.create_run(
        experiment_id, user_id="tests", start_time=0, tags=[], run_name=f"{model}-run"
    )
    return admin_store(server).create_model_version(
        model, source=f"{run.info.artifact_uri}/model", run_id=run.info.run_id
    )


def ensure_model(store: Any, name: str, tags: dict[str, str] | None = None) -> None:
    try:
        store.get_registered_model(name)
    except Exception:
        store.create_registered_model(
            name, tags=[RegisteredModelTag(k, v) for k, v in (tags or {}).items()]
        )


def add_server_profile(
    store: ProfileStore,
    secrets: SecretStore,
    server: MlflowServer,
    name: str,
    username: str | None = None,
    password: str | None = None,
) -> Profile:
    settings = MlflowServerSettings(
        url=server.url, auth="basic" if username else "none", username=username
    )
    profile = store.add(Profile(name=name, settings=settings))
    if password is not None:
        secrets.set(profile.id, "password", password)
    return profile
