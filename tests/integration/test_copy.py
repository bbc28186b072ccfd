"""Copy a version between two real MLflow servers: A (no auth) → B (basic auth)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

import pytest

from modelyard.core.actions.copy import AlreadyCopied, CopyProgress, copy_version
from modelyard.core.actions.copy_plan import (
    CHECKSUM_TAG,
    COPIED_FROM,
    SOURCE_TAG,
    STATE_TAG,
    Endpoint,
    plan_copy,
)
from modelyard.core.connectors import open_registry
from modelyard.core.kinds import MlflowServerSettings
from modelyard.core.model.domain import EventKind
from modelyard.core.model.errors import ErrorKind, ModelyardError
from modelyard.core.model.registry import Registry
from modelyard.core.profiles.profile import Profile, ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from modelyard.core.reads.download import plan_download, run_download
from modelyard.core.reads.history import version_history
from tests.helpers.files import tree_files, uploaded
from tests.helpers.registry import (
    add_server_profile,
    admin_store,
    admin_tracking_store,
    cancel_while_writing,
    new_version,
)
from tests.support.fault_proxy import fault_proxy
from tests.support.servers import ADMIN_PASSWORD, ADMIN_USER, MlflowServer


@contextmanager
def opened(profile: Profile, secrets: SecretStore) -> Iterator[Registry]:
    registry = open_registry(profile, secrets)
    try:
        yield registry
    finally:
        registry.close()


def _b_models(server: MlflowServer) -> set[str]:
    return {m.name for m in admin_store(server).search_registered_models(max_results=1000)}


def _prod_through(url: str, store: ProfileStore, secrets: SecretStore) -> Profile:
    """The ``prod`` profile: the basic-auth server as admin, reached at ``url`` (a proxy)."""
    settings = MlflowServerSettings(url=url, auth="basic", username=ADMIN_USER)
    prod = store.add(Profile(name="prod", settings=settings))
    secrets.set(prod.id, "password", ADMIN_PASSWORD)
    return prod


def test_copy_to_another_server_is_byte_identical_with_run_and_lineage(
    mlflow_server: MlflowServer,
    auth_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
    tmp_path: Path,
) -> None:
    name = f"copy-{uuid.uuid4().hex[:6]}"
    weights = os.urandom(300_000)
    version = new_version(mlflow_server, name, {"data/weights.bin": weights})
    admin_store(mlflow_server).update_model_version(name, version, "Trained on May data")
    dev = add_server_profile(store, secrets, mlflow_server, "dev")
    prod = add_server_profile(store, secrets, auth_server, "prod", ADMIN_USER, ADMIN_PASSWORD)
    seen: list[CopyProgress] = []
    with opened(dev, secrets) as a, opened(prod, secrets) as b:
        source, target = Endpoint(a, "dev"), Endpoint(b, "prod")
        plan = plan_copy(source, name, version, target)
        assert not plan.target_model_exists and plan.earlier is None
        assert any("300,000" in line or "bytes" in line for line in plan.lines())
        result = copy_version(source, target, plan, seen.append)
        copied = result.version
        assert copied.model == name and copied.version == "1" and result.created_model
        fresh = b.get_version(name, copied.version)
        assert fresh.description == "Trained on May data"
        assert fresh.tags[SOURCE_TAG] == f"{mlflow_server.url}#{name}/{version}"
        assert fresh.tags[CHECKSUM_TAG] == result.checksum
        assert result.checksum.startswith("sha256:")
        assert f"dev ({mlflow_server.url}): {name} v{version}" in fresh.tags[COPIED_FROM]
        assert not any(k.startswith("modelyard.event.") for k in a.get_version(name, version).tags)
        events = version_history(fresh)
        assert any(e.kind is EventKind.COPIED for e in events)
        # The files: byte-identical to A's.
        run_download(b, plan_download(b, name, copied.version), tmp_path / "b")
        expected = uploaded(a, name, version)
        assert tree_files(tmp_path / "b") == expected
        # The run: A's params and metric history.
        run = b.get_run(fresh.run_id)
        run_id = a.get_version(name, version).run_id
        assert run.params == a.get_run(run_id).params
        assert run.metrics["loss"] == pytest.approx(a.get_run(run_id).metrics["loss"])
        assert len(b.metric_history(fresh.run_id, "loss")) == 12
        assert run.tags[STATE_TAG] == "complete" and run.status == "FINISHED"
        # Re-copying is detected, and nothing new is written.
        again = plan_copy(source, name, version, target)
        assert again.earlier is not None and again.earlier.version == copied.version
        with pytest.raises(AlreadyCopied) as twice:
            copy_version(source, target, again)
        assert "already has this version as" in str(twice.value)
        assert len(b.list_versions(name).items) == 1
    assert {p.phase for p in seen} == {"read", "write"}
    assert seen[-1].done_bytes == seen[-1].total_bytes == plan.total_bytes


def test_the_same_files_from_elsewhere_are_detected_by_checksum(
    mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    name = f"same-{uuid.uuid4().hex[:6]}"
    version = new_version(mlflow_server, name)
    profile = add_server_profile(store, secrets, mlflow_server, "srv")
    with opened(profile, secrets) as a:
        here = Endpoint(a, "srv")
        first = copy_version(here, here, plan_copy(here, name, version, here, f"{name}-copy"))
        # A copy of the copy has the same files: the target already holds them.
        plan = plan_copy(here, f"{name}-copy", first.version.version, here, f"{name}-copy-2")
        copy_version(here, here, plan)
        plan = plan_copy(here, f"{name}-copy", first.version.version, here, f"{name}-copy-2")
        with pytest.raises(AlreadyCopied):
            copy_version(here, here, plan)
        plan = plan_copy(here, name, version, here, f"{name}-copy-2")  # other source, same files
        assert plan.earlier is None
        with pytest.raises(AlreadyCopied) as same:
            copy_version(here, here, plan)
        assert "the same files" in str(same.value)


def test_cancel_during_upload_leaves_nothing_registered(
    mlflow_server: MlflowServer,
    auth_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
) -> None:
    name = f"cancel-{uuid.uuid4().hex[:6]}"
    version = new_version(mlflow_server, name, {"data/a.bin": os.urandom(200_000)})
    dev = add_server_profile(store, secrets, mlflow_server, "dev")
    prod = add_server_profile(store, secrets, auth_server, "prod", ADMIN_USER, ADMIN_PASSWORD)
    with opened(dev, secrets) as a, opened(prod, secrets) as b:
        source, target = Endpoint(a, "dev"), Endpoint(b, "prod")
        plan = plan_copy(source, name, version, target)
        message = cancel_while_writing(source, target, plan)
    assert "No model or version was registered" in message
    assert "Removed again: the run" in message and "and its files" in message
    assert name not in _b_models(auth_server)
    tracking = admin_tracking_store(auth_server)
    runs = tracking.search_runs(
        [tracking.get_experiment_by_name("Modelyard copies").experiment_id],
        f"tags.`{SOURCE_TAG}` = '{mlflow_server.url}#{name}/{version}'",
        1,  # ACTIVE_ONLY
    )
    assert list(runs) == []  # the run was deleted again


def test_a_files_delete_answered_500_is_asked_again(
    mlflow_server: MlflowServer,
    auth_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
) -> None:
    # A server still writing the upload a cancel broke off fails to remove the folder (MLflow's
    # rmtree meets the file being written: 500). The clean-up asks again rather than leave it.
    name = f"del500-{uuid.uuid4().hex[:6]}"
    version = new_version(mlflow_server, name, {"data/a.bin": os.urandom(200_000)})
    dev = add_server_profile(store, secrets, mlflow_server, "dev")
    deletes = "DELETE /api/2.0/mlflow-artifacts/artifacts/"
    with fault_proxy(auth_server.url) as proxy:
        prod = _prod_through(proxy.url, store, secrets)
        proxy.set("500", deletes, times=1)
        with opened(dev, secrets) as a, opened(prod, secrets) as b:
            source, target = Endpoint(a, "dev"), Endpoint(b, "prod")
            message = cancel_while_writing(source, target, plan_copy(source, name, version, target))
        asked = [line for line in proxy.requests_seen if line.startswith(deletes)]
    assert len(asked) == 2, asked  # the 500, then the delete that worked
    assert "Removed again: the run" in message and "and its files" in message, message
    assert "Left in the target" not in message


def test_target_gone_during_upload_leaves_no_version_and_no_model(
    mlflow_server: MlflowServer,
    auth_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
) -> None:
    name = f"gone-{uuid.uuid4().hex[:6]}"
    extra = {f"data/part{i}.bin": os.urandom(50_000) for i in range(4)}
    version = new_version(mlflow_server, name, extra)
    dev = add_server_profile(store, secrets, mlflow_server, "dev")
    with fault_proxy(auth_server.url) as proxy:
        prod = _prod_through(proxy.url, store, secrets)

        def progress(p: CopyProgress) -> None:
            if p.phase == "write" and p.done_bytes > 0 and proxy.fault == "pass":
                proxy.set("refuse")  # the server is gone in the middle of the upload

        with opened(dev, secrets) as a, opened(prod, secrets) as b:
            source, target = Endpoint(a, "dev"), Endpoint(b, "prod")
            plan = plan_copy(source, name, version, target)
            with pytest.raises(ModelyardError) as failed:
                copy_version(source, target, plan, progress)
        proxy.set("pass")
    message = str(failed.value)
    # The upload in flight is dropped, or the next one refused: either way, in words.
    assert failed.value.kind in (ErrorKind.REFUSED, ErrorKind.NETWORK), message
    assert "No model or version was registered" in message
    assert f"{STATE_TAG}=incomplete" in message  # the run with the partial files is marked
    assert name not in _b_models(auth_server)


def test_a_target_that_cannot_take_copies_is_refused_before_anything_starts(
    mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    from modelyard.core.actions.copy_plan import publishing

    profile = add_server_profile(store, secrets, mlflow_server, "srv")
    with opened(profile, secrets) as a:
        chosen: object = publishing(a, "srv")
        assert chosen is a
    with pytest.raises(ModelyardError) as refused:
        publishing(cast(Registry, _NoCopies()), "uc")
    assert "cannot take copies" in str(refused.value)


class _NoCopies:
    location = "https://dbc.example.com"

    def capabilities(self) -> object:
        from modelyard.core.model.domain import Capabilities

        return Capabilities(stages=False)


def test_copy_into_and_out_of_a_local_registry(
    mlflow_server: MlflowServer,
    demo_profile: Profile,
    store: ProfileStore,
    secrets: SecretStore,
    tmp_path: Path,
) -> None:
    name = f"to-local-{uuid.uuid4().hex[:6]}"
    version = new_version(mlflow_server, name, {"data/x.bin": os.urandom(10_000)})
    server = add_server_profile(store, secrets, mlflow_server, "srv")
    with opened(server, secrets) as a, opened(demo_profile, secrets) as local:
        source, target = Endpoint(a, "srv"), Endpoint(local, "demo")
        into = copy_version(source, target, plan_copy(source, name, version, target))
        run_download(local, plan_download(local, name, into.version.version), tmp_path / "l")
        expected = uploaded(a, name, version)
        assert tree_files(tmp_path / "l") == expected
        back = copy_version(
            target, source, plan_copy(target, "churn-classifier", "4", source, f"{name}-churn")
        )
        assert back.created_model
        assert a.read_model_file(f"{name}-churn", back.version.version).flavors


def test_many_params_and_a_long_metric_history_cross_in_mlflows_batches(
    mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    """150 params and 2,500 metric points: more than one log_batch allows (100 params, 1,000
    entries), all of them arrive."""
    from mlflow.entities import Metric, Param

    from tests.helpers.registry import admin_tracking_store

    name = f"batches-{uuid.uuid4().hex[:6]}"
    version = new_version(mlflow_server, name)
    tracking = admin_tracking_store(mlflow_server)
    run_id = admin_store(mlflow_server).get_model_version(name, version).run_id
    params = [Param(f"p{i:03d}", str(i)) for i in range(150)]
    for start in range(0, len(params), 100):
        tracking.log_batch(run_id, [], params[start : start + 100], [])
    points = [Metric("curve", i / 2500, 1000 + i, i) for i in range(2500)]
    for start in range(0, len(points), 1000):
        tracking.log_batch(run_id, points[start : start + 1000], [], [])
    profile = add_server_profile(store, secrets, mlflow_server, "srv")
    with opened(profile, secrets) as a:
        here = Endpoint(a, "srv")
        result = copy_version(here, here, plan_copy(here, name, version, here, f"{name}-2"))
        copied = a.get_run(a.get_version(f"{name}-2", result.version.version).run_id)
        assert copied.params == a.get_run(run_id).params and len(copied.params) >= 150
        history = a.metric_history(copied.run_id, "curve")
        assert [p.step for p in history] == list(range(2500))
        assert len(a.metric_history(copied.run_id, "loss")) == 12
