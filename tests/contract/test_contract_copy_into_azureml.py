"""Contract tests: AzureML as a copy target (the seed's "central registry" workflow), through
the run history's documented upload shapes: ``…/runs/<r>/artifacts/batch/metadata`` hands out a
write SAS per file; Put Blob, or Put Block + Put Block List for big files; no Entra token at
storage. A cancelled copy leaves no version and no model, and says what stays."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from modelyard.core.actions.copy import CopyProgress, copy_version
from modelyard.core.actions.copy_plan import (
    CHECKSUM_TAG,
    SOURCE_TAG,
    STATE_TAG,
    Endpoint,
    plan_copy,
)
from modelyard.core.connectors import open_registry
from modelyard.core.profiles.profile import ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from modelyard.core.reads.download import plan_download, run_download
from tests.helpers.contract import azureml_profile
from tests.helpers.files import tree_files, uploaded
from tests.helpers.registry import (
    add_server_profile,
    admin_store,
    cancel_while_writing,
    new_version,
)
from tests.support.contract_server import Contract
from tests.support.servers import MlflowServer


def test_contract_copy_from_an_mlflow_server_into_azureml(
    azure: Contract,
    mlflow_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
    tmp_path: Path,
) -> None:
    name = f"to-aml-{uuid.uuid4().hex[:6]}"
    big = os.urandom(9 * 1024 * 1024 + 123)  # more than one 8 MiB block
    version = new_version(mlflow_server, name, {"data/weights.bin": big})
    a = open_registry(add_server_profile(store, secrets, mlflow_server, "dev"), secrets)
    b = open_registry(azureml_profile(azure, secrets, "app-secret-value"), secrets)
    try:
        source, target = Endpoint(a, "dev"), Endpoint(b, "central")
        plan = plan_copy(source, name, version, target, f"{name}-central")
        seen: list[CopyProgress] = []
        result = copy_version(source, target, plan, seen.append)
        copied = b.get_version(f"{name}-central", result.version.version)
        # Registered as a job's model is: the run's files in the run history.
        location = b.artifact_location(f"{name}-central", copied.version)
        assert location.startswith("azureml://experiments/modelyard-copies/runs/")
        assert location.endswith("/artifacts/model")
        run_download(b, plan_download(b, f"{name}-central", copied.version), tmp_path / "out")
        assert tree_files(tmp_path / "out") == uploaded(a, name, version)  # byte-identical
        assert copied.tags[SOURCE_TAG] == f"{mlflow_server.url}#{name}/{version}"
        assert copied.tags[CHECKSUM_TAG] == result.checksum
        run = b.get_run(copied.run_id)
        assert run.params == a.get_run(a.get_version(name, version).run_id).params
        assert run.tags[STATE_TAG] == "complete"
        writes = [p for p in seen if p.phase == "write"]
        assert writes[-1].done_bytes == plan.total_bytes
    finally:
        a.close()
        b.close()
    assert "blocklist" in azure.blob_puts and "blob" in azure.blob_puts
    assert any(p.endswith("model/data/weights.bin") for p in azure.created_artifacts)
    assert azure.storage_requests and all("Authorization" not in h for h in azure.storage_requests)


def test_contract_a_cancelled_copy_into_azureml_registers_nothing_and_says_what_stays(
    azure: Contract,
    mlflow_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
) -> None:
    name = f"aml-cancel-{uuid.uuid4().hex[:6]}"
    version = new_version(mlflow_server, name, {"data/a.bin": os.urandom(300_000)})
    a = open_registry(add_server_profile(store, secrets, mlflow_server, "dev"), secrets)
    b = open_registry(azureml_profile(azure, secrets, "app-secret-value"), secrets)
    try:
        source, target = Endpoint(a, "dev"), Endpoint(b, "central")
        plan = plan_copy(source, name, version, target, f"{name}-central")
        message = cancel_while_writing(source, target, plan)
    finally:
        a.close()
        b.close()
    assert "No model or version was registered" in message
    assert "tagged modelyard.copy.state=incomplete" in message
    assert "keeps a run's files" in message  # AzureML cannot delete them: said, not hidden
    from mlflow.exceptions import MlflowException

    with pytest.raises(MlflowException, match="not found"):  # no model was left behind
        admin_store(mlflow_server).get_registered_model(f"{name}-central")


def test_contract_sync_from_an_mlflow_server_into_azureml_then_a_rerun_finds_every_copy(
    azure: Contract,
    mlflow_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
) -> None:
    """The seed's consolidation as one sync: every version of two models into the central
    AzureML workspace (mirroring stages), in the source's order; the rerun copies nothing."""
    from modelyard.core.actions.sync import NameMap, Selection, plan_sync, run_sync

    prefix = f"sync-aml-{uuid.uuid4().hex[:6]}"
    for m in range(2):
        for _ in range(2):
            new_version(mlflow_server, f"{prefix}-{m}", {"data/w.bin": os.urandom(50_000)})
    admin_store(mlflow_server).transition_model_version_stage(f"{prefix}-1", "2", "Staging", False)
    a = open_registry(add_server_profile(store, secrets, mlflow_server, "dev"), secrets)
    b = open_registry(azureml_profile(azure, secrets, "app-secret-value"), secrets)
    try:
        source, target = Endpoint(a, "dev"), Endpoint(b, "central")
        selection = Selection((f"{prefix}-0", f"{prefix}-1"))
        names = NameMap(suffix="-central")  # the stand-in keeps both sides in one backend
        plan = plan_sync(source, target, selection, names, mirror_stages=True)
        assert plan.count("copy") == 4 and plan.writes == 5
        report = run_sync(source, target, plan, jobs=2)
        assert report.ok and report.count("copied") == 4, report.outcomes
        copied = b.get_version(f"{prefix}-1-central", "2")
        assert copied.stage.value == "Staging"
        assert copied.tags[SOURCE_TAG] == f"{mlflow_server.url}#{prefix}-1/2"
        again = plan_sync(source, target, selection, names, mirror_stages=True)
        assert again.count("there") == 4 and again.writes == 0
    finally:
        a.close()
        b.close()
