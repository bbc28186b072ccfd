"""Seeding helpers: MLflow's own REST store with explicit per-call credentials."""

from __future__ import annotations

from typing import Any

import mlflow
from mlflow.entities.model_registry import RegisteredModelTag
from mlflow.store.model_registry.rest_store import RestStore
from mlflow.utils.rest_utils import MlflowHostCreds
from packaging.version import Version

from modelyard.core.kinds import MlflowServerSettings
from modelyard.core.profiles.profile import Profile, ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from tests.support.servers import ADMIN_PASSWORD, ADMIN_USER, MlflowServer

# The test servers run the MLflow installed here. ``name IN`` in a versions search came with
# 3.17 (read in its sqlalchemy store: 3.16 still refuses IN for anything but run_id).
TAKES_NAMES = Version(mlflow.__version__) >= Version("3.17")


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


UPLOADED: dict[str, dict[str, bytes]] = {}  # run id -> {artifact path: bytes uploaded}


def upload_file(server: MlflowServer, run: Any, relative: str, data: bytes) -> None:
    """PUT one artifact file of ``run`` through the server's proxied-artifact API."""
    from urllib.parse import quote, urlsplit

    import requests

    from modelyard.core.connectors._artifacts import PROXY_API

    auth = (ADMIN_USER, ADMIN_PASSWORD) if server.auth else None
    root = urlsplit(run.info.artifact_uri).path.strip("/")
    url = f"{server.url}{PROXY_API}/{quote(root + '/' + relative)}"
    requests.put(url, data=data, auth=auth, timeout=120).raise_for_status()
    UPLOADED.setdefault(run.info.run_id, {})[relative] = data


def create_run_with_model(server: MlflowServer, experiment: str = "modelyard-tests") -> Any:
    """A finished run with params, a metric history and a real sklearn model uploaded through
    the server's proxied-artifact API (as admin on the basic-auth server)."""
    import tempfile
    from pathlib import Path

    import numpy as np
    from mlflow.entities import Metric, Param

    from modelyard.core.demo.registry import _save_model

    tracking = admin_tracking_store(server)
    found = tracking.get_experiment_by_name(experiment)
    experiment_id = found.experiment_id if found else tracking.create_experiment(experiment)
    run = tracking.create_run(
        experiment_id, user_id="tests", start_time=0, tags=[], run_name="with-model"
    )
    run_id = run.info.run_id
    tracking.log_batch(
        run_id,
        metrics=[Metric("loss", 1.0 / (step + 1), 1000 + step, step) for step in range(12)],
        params=[Param("alpha", "0.5")],
        tags=[],
    )
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    frame = pd.DataFrame(np.random.default_rng(1).normal(size=(40, 3)), columns=["a", "b", "c"])
    model = LogisticRegression().fit(frame, (frame["a"] > 0).astype(int))
    with tempfile.TemporaryDirectory() as tmp:
        local = Path(tmp) / "model"
        _save_model(model, local, frame.head(2))
        for file in local.rglob("*"):
            if file.is_file():
                relative = f"model/{file.relative_to(local).as_posix()}"
                upload_file(server, run, relative, file.read_bytes())
    return run


def new_version(server: MlflowServer, model: str, extra: dict[str, bytes] | None = None) -> str:
    """A version of ``model`` from a run with a real model (plus extra model files)."""
    ensure_model(admin_store(server), model)
    run = create_run_with_model(server)
    for relative, data in (extra or {}).items():
        upload_file(server, run, f"model/{relative}", data)
    version = admin_store(server).create_model_version(
        model, source=f"{run.info.artifact_uri}/model", run_id=run.info.run_id
    )
    return str(version.version)


def cancel_while_writing(source: Any, target: Any, plan: Any) -> str:
    """Copy, cancelling as soon as the first bytes reach the target; the Cancelled message."""
    import pytest

    from modelyard.core.actions.copy import CopyProgress, copy_version
    from modelyard.core.model.errors import Cancelled

    stop = False

    def progress(p: CopyProgress) -> None:
        nonlocal stop
        stop = stop or (p.phase == "write" and p.done_bytes > 0)

    with pytest.raises(Cancelled) as cancelled:
        copy_version(source, target, plan, progress, lambda: stop)
    return str(cancelled.value)
