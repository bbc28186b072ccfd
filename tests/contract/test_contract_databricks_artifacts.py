"""Contract tests: a Databricks workspace-registry or Unity Catalog version's files (model file,
browsing, download) through list-artifacts / the Files API and pre-signed URLs; the workspace
token never reaches storage."""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

import pytest

from modelyard.core.actions.serve import servable
from modelyard.core.connectors import open_registry
from modelyard.core.kinds import DatabricksUCSettings
from modelyard.core.model.errors import ErrorKind, ModelyardError
from modelyard.core.profiles.profile import Profile
from modelyard.core.profiles.secrets import SecretStore
from modelyard.core.reads.download import plan_download, run_download
from tests.helpers.contract import ANA, databricks_profile
from tests.helpers.registry import UPLOADED, new_version
from tests.support.contract_server import LIST_ARTIFACTS, Contract
from tests.support.servers import MlflowServer


def test_contract_workspace_version_files_model_file_and_download(
    contract: Contract, mlflow_server: MlflowServer, secrets: SecretStore, tmp_path: Path
) -> None:
    weights = os.urandom(200_000)
    version = new_version(mlflow_server, "dbx-files", {"data/weights.bin": weights})
    contract.list_page_size = 2  # the service pages its listings: read them all
    registry = open_registry(databricks_profile(contract, secrets, ANA), secrets)
    try:
        location = registry.artifact_location("dbx-files", version)
        assert location == f"models:/dbx-files/{version}"
        top = registry.list_artifacts(location)
        names = [e.path for e in top]
        assert "MLmodel" in names and "data" in names
        assert [e.path for e in registry.list_artifacts(location, "data")] == ["data/weights.bin"]
        assert registry.list_artifacts(location, "MLmodel")[0].path == "MLmodel"  # a file
        model_file = registry.read_model_file("dbx-files", version)
        assert "sklearn" in model_file.flavors and model_file.inputs

        plan = plan_download(registry, "dbx-files", version)
        run_download(registry, plan, tmp_path / "out")
        run_id = registry.get_version("dbx-files", version).run_id
        for relative, data in UPLOADED[run_id].items():
            assert (tmp_path / "out" / relative.removeprefix("model/")).read_bytes() == data
        assert (tmp_path / "out" / "data" / "weights.bin").read_bytes() == weights
    finally:
        registry.close()
    assert contract.storage_requests, "files came from the signed storage URLs"
    assert all("Authorization" not in headers for headers in contract.storage_requests)
    assert all(h.get("x-ms-blob-type") == "BlockBlob" for h in contract.storage_requests)


def test_contract_a_missing_endpoint_is_not_reported_as_deleted_files(
    contract: Contract, mlflow_server: MlflowServer, secrets: SecretStore
) -> None:
    version = new_version(mlflow_server, "dbx-noapi", {"data/x.bin": b"x"})
    registry = open_registry(databricks_profile(contract, secrets, ANA), secrets)
    try:
        location = registry.artifact_location("dbx-noapi", version)
        with pytest.raises(ModelyardError) as missing_file:
            registry.open_artifact(location, "data/not-there.bin").read()
        assert missing_file.value.kind is ErrorKind.NOT_FOUND
        assert "does not exist" in str(missing_file.value)

        contract.not_passed.add(LIST_ARTIFACTS)  # a proxy that does not pass this API on
        with pytest.raises(ModelyardError) as no_api:
            registry.list_artifacts(location)
    finally:
        registry.close()
    assert no_api.value.kind is ErrorKind.NO_API
    message = str(no_api.value)
    assert f"{contract.url} does not offer the model version file listing" in message
    assert "deleted" not in message and "404" in message


def _uc_profile(contract: Contract, secrets: SecretStore) -> Profile:
    profile = Profile(
        name=f"uc-{uuid.uuid4().hex[:6]}", settings=DatabricksUCSettings(host=contract.url)
    )
    secrets.set(profile.id, "token", contract.issue(ANA))
    return profile


def test_contract_unity_catalog_version_files_through_the_files_api(
    contract: Contract, mlflow_server: MlflowServer, secrets: SecretStore, tmp_path: Path
) -> None:
    name = f"cat{uuid.uuid4().hex[:6]}.ml.churn"
    weights = os.urandom(150_000)
    version = new_version(mlflow_server, name, {"data/weights.bin": weights})
    contract.list_page_size = 2
    registry = open_registry(_uc_profile(contract, secrets), secrets)
    try:
        location = registry.artifact_location(name, version)
        names = [e.path for e in registry.list_artifacts(location)]
        assert "MLmodel" in names and "data" in names
        assert [e.path for e in registry.list_artifacts(location, "data")] == ["data/weights.bin"]
        assert registry.list_artifacts(location, "data")[0].size == len(weights)
        assert registry.list_artifacts(location, "MLmodel")[0].path == "MLmodel"  # a file
        model_file = registry.read_model_file(name, version)
        assert "sklearn" in model_file.flavors and model_file.inputs
        assert servable(model_file)[0]  # "Serve locally" serves these downloaded files

        run_download(registry, plan_download(registry, name, version), tmp_path / "out")
        run_id = registry.get_version(name, version).run_id
        for relative, data in UPLOADED[run_id].items():
            assert (tmp_path / "out" / relative.removeprefix("model/")).read_bytes() == data
        assert (tmp_path / "out" / "data" / "weights.bin").read_bytes() == weights
    finally:
        registry.close()
    catalog, schema, model = name.split(".")
    assert f"list /Models/{catalog}/{schema}/{model}/{version}" in contract.files_api
    assert contract.storage_requests, "files came from the Files API's pre-signed URLs"
    assert all("Authorization" not in headers for headers in contract.storage_requests)
    temporary = [r for r in contract.seen if r["path"].endswith("generate-temporary-credentials")]
    assert len(temporary) == 1, "the READ credentials are asked once and kept while valid"


def test_contract_unity_catalog_customer_storage_names_the_extra_it_needs(
    contract: Contract,
    mlflow_server: MlflowServer,
    secrets: SecretStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    name = f"cat{uuid.uuid4().hex[:6]}.ml.churn"
    version = new_version(mlflow_server, name)
    contract.uc_storage = "gcp_oauth_token"  # the model lives in the customer's GCS bucket
    monkeypatch.setitem(sys.modules, "google.cloud.storage", None)  # its SDK is not installed
    registry = open_registry(_uc_profile(contract, secrets), secrets)
    try:
        with pytest.raises(ModelyardError) as failed:
            registry.list_artifacts(registry.artifact_location(name, version))
    finally:
        registry.close()
    message = str(failed.value)
    assert "Google Cloud Storage" in message and "pip install 'modelyard[gcs]'" in message
    assert "never used" in message
    assert not contract.storage_requests
