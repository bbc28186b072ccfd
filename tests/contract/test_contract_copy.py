"""Contract tests: copy from Unity Catalog, AzureML and the Databricks workspace registry (the
stand-in) into a real MLflow server."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from modelyard.core.actions.copy import copy_version
from modelyard.core.actions.copy_plan import SOURCE_TAG, Endpoint, plan_copy
from modelyard.core.connectors import open_registry
from modelyard.core.profiles.profile import ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from modelyard.core.reads.download import plan_download, run_download
from tests.helpers.contract import azureml_profile, uc_profile
from tests.helpers.files import tree_files, uploaded
from tests.helpers.registry import add_server_profile, new_version
from tests.support.contract_server import Contract
from tests.support.servers import MlflowServer


def test_contract_copy_from_unity_catalog_into_an_mlflow_server(
    contract: Contract,
    mlflow_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
    tmp_path: Path,
) -> None:
    name = f"cat{uuid.uuid4().hex[:6]}.ml.churn"
    weights = os.urandom(40_000)
    version = new_version(mlflow_server, name, {"data/w.bin": weights})
    uc = uc_profile(contract, secrets)
    local = add_server_profile(store, secrets, mlflow_server, "srv")
    a, b = open_registry(uc, secrets), open_registry(local, secrets)
    try:
        source, target = Endpoint(a, "uc"), Endpoint(b, "srv")
        plan = plan_copy(source, name, version, target, "churn-from-uc")
        result = copy_version(source, target, plan)
        assert result.version.model == "churn-from-uc"
        run_download(b, plan_download(b, "churn-from-uc", result.version.version), tmp_path / "out")
        expected = uploaded(a, name, version)
        assert tree_files(tmp_path / "out") == expected
        tags = b.get_version("churn-from-uc", result.version.version).tags
        assert tags[SOURCE_TAG] == f"{contract.url}#{name}/{version}"
    finally:
        a.close()
        b.close()
    assert all("Authorization" not in h for h in contract.storage_requests)


def test_contract_copy_from_azureml_into_an_mlflow_server(
    azure: Contract,
    mlflow_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
    tmp_path: Path,
) -> None:
    name = f"aml-copy-{uuid.uuid4().hex[:6]}"
    version = new_version(mlflow_server, name)
    local = add_server_profile(store, secrets, mlflow_server, "srv")
    a = open_registry(azureml_profile(azure, secrets, "app-secret-value"), secrets)
    b = open_registry(local, secrets)
    try:
        source, target = Endpoint(a, "aml"), Endpoint(b, "srv")
        plan = plan_copy(source, name, version, target, f"{name}-central")
        result = copy_version(source, target, plan)
        run_download(
            b, plan_download(b, f"{name}-central", result.version.version), tmp_path / "out"
        )
        expected = uploaded(a, name, version)
        assert tree_files(tmp_path / "out") == expected
        run_id = a.get_version(name, version).run_id
        copied_run = b.get_run(b.get_version(f"{name}-central", result.version.version).run_id)
        assert copied_run.params == a.get_run(run_id).params
    finally:
        a.close()
        b.close()


def test_contract_copy_from_the_databricks_workspace_registry(
    contract: Contract,
    mlflow_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
) -> None:
    from tests.helpers.contract import ANA, databricks_profile

    name = f"dbx-copy-{uuid.uuid4().hex[:6]}"
    version = new_version(mlflow_server, name)
    a = open_registry(databricks_profile(contract, secrets, ANA), secrets)
    b = open_registry(add_server_profile(store, secrets, mlflow_server, "srv"), secrets)
    try:
        source, target = Endpoint(a, "dbx"), Endpoint(b, "srv")
        result = copy_version(source, target, plan_copy(source, name, version, target, f"{name}-2"))
        assert result.created_model and result.version.version == "1"
    finally:
        a.close()
        b.close()
