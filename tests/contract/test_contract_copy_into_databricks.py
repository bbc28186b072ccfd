"""Contract tests: the Databricks workspace registry as a copy target, through the documented
``/api/2.0/mlflow/artifacts/credentials-for-write``: each file goes to the signed URL of the
workspace's cloud storage with the headers handed out (Azure SAS in blocks, or an S3 pre-signed
PUT), never with the workspace token. A cancelled copy registers nothing and says what stays."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from modelyard.core.actions.copy import copy_version
from modelyard.core.actions.copy_plan import SOURCE_TAG, STATE_TAG, Endpoint, plan_copy
from modelyard.core.connectors import open_registry
from modelyard.core.profiles.profile import ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from modelyard.core.reads.download import plan_download, run_download
from tests.helpers.contract import ANA, databricks_profile
from tests.helpers.files import tree_files, uploaded
from tests.helpers.registry import (
    add_server_profile,
    admin_store,
    cancel_while_writing,
    new_version,
)
from tests.support.contract_server import Contract
from tests.support.servers import MlflowServer


@pytest.mark.parametrize(
    "storage", ["AZURE_SAS_URI", "AZURE_ADLS_GEN2_SAS_URI", "AWS_PRESIGNED_URL"]
)
def test_contract_copy_from_an_mlflow_server_into_the_workspace_registry(
    contract: Contract,
    mlflow_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
    tmp_path: Path,
    storage: str,
) -> None:
    contract.workspace_storage = storage
    name = f"to-dbx-{uuid.uuid4().hex[:6]}"
    weights = os.urandom(9 * 1024 * 1024 + 7)  # Azure: more than one block
    version = new_version(mlflow_server, name, {"data/weights.bin": weights})
    a = open_registry(add_server_profile(store, secrets, mlflow_server, "dev"), secrets)
    b = open_registry(databricks_profile(contract, secrets, ANA), secrets)
    try:
        source, target = Endpoint(a, "dev"), Endpoint(b, "workspace")
        plan = plan_copy(source, name, version, target, f"{name}-ws")
        result = copy_version(source, target, plan)
        copied = b.get_version(f"{name}-ws", result.version.version)
        run_download(b, plan_download(b, f"{name}-ws", copied.version), tmp_path / "out")
        assert tree_files(tmp_path / "out") == uploaded(a, name, version)  # byte-identical
        assert copied.tags[SOURCE_TAG] == f"{mlflow_server.url}#{name}/{version}"
        run = b.get_run(copied.run_id)
        assert run.tags[STATE_TAG] == "complete"
        assert run.params == a.get_run(a.get_version(name, version).run_id).params
    finally:
        a.close()
        b.close()
    puts = set(contract.blob_puts)
    assert (
        puts
        == {
            "AZURE_SAS_URI": {"blob", "blocklist"},
            "AZURE_ADLS_GEN2_SAS_URI": {"adls"},
            "AWS_PRESIGNED_URL": {"presigned"},
        }[storage]
    )
    assert contract.storage_requests
    assert all("Authorization" not in h for h in contract.storage_requests)  # no token there
    assert any(
        s["path"] == "/api/2.0/mlflow/artifacts/credentials-for-write" for s in contract.seen
    )


def test_contract_a_cancelled_copy_into_the_workspace_registers_nothing(
    contract: Contract,
    mlflow_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
) -> None:
    name = f"dbx-cancel-{uuid.uuid4().hex[:6]}"
    version = new_version(mlflow_server, name, {"data/a.bin": os.urandom(300_000)})
    a = open_registry(add_server_profile(store, secrets, mlflow_server, "dev"), secrets)
    b = open_registry(databricks_profile(contract, secrets, ANA), secrets)
    try:
        source, target = Endpoint(a, "dev"), Endpoint(b, "workspace")
        plan = plan_copy(source, name, version, target, f"{name}-ws")
        message = cancel_while_writing(source, target, plan)
    finally:
        a.close()
        b.close()
    assert "No model or version was registered" in message
    assert "keeps a run's files" in message and "tagged modelyard.copy.state=incomplete" in message
    from mlflow.exceptions import MlflowException

    with pytest.raises(MlflowException, match="not found"):
        admin_store(mlflow_server).get_registered_model(f"{name}-ws")
