"""Contract tests: Unity Catalog as a copy target, registered the UC way: the run and its files
in the workspace (``credentials-for-write``), then ``model-versions/create`` (pending), READ_WRITE
temporary credentials, each file to the Files API's ``create-upload-url`` pre-signed PUT, and
``model-versions/finalize``. No workspace token reaches storage."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from modelyard.core.actions.copy import copy_version
from modelyard.core.actions.copy_plan import SOURCE_TAG, Endpoint, plan_copy
from modelyard.core.connectors import open_registry
from modelyard.core.model.errors import ModelyardError
from modelyard.core.profiles.profile import ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from modelyard.core.reads.download import plan_download, run_download
from tests.helpers.contract import uc_profile
from tests.helpers.files import tree_files, uploaded
from tests.helpers.registry import add_server_profile, new_version
from tests.support.contract_server import Contract
from tests.support.servers import MlflowServer


def test_contract_copy_from_an_mlflow_server_into_unity_catalog(
    contract: Contract,
    mlflow_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
    tmp_path: Path,
) -> None:
    name = f"dev-{uuid.uuid4().hex[:6]}"
    target = f"main.ml.{name}"
    version = new_version(mlflow_server, name, {"data/w.bin": os.urandom(1_500_000)})
    uc = uc_profile(contract, secrets)
    a = open_registry(add_server_profile(store, secrets, mlflow_server, "dev"), secrets)
    b = open_registry(uc, secrets)
    try:
        source, destination = Endpoint(a, "dev"), Endpoint(b, "uc")
        plan = plan_copy(source, name, version, destination, target)
        result = copy_version(source, destination, plan)
        copied = b.get_version(target, result.version.version)
        assert (target, copied.version) in contract.uc_finalized
        assert not contract.uc_pending  # nothing left pending
        run_download(b, plan_download(b, target, copied.version), tmp_path / "out")
        assert tree_files(tmp_path / "out") == uploaded(a, name, version)  # byte-identical
        assert copied.tags[SOURCE_TAG] == f"{mlflow_server.url}#{name}/{version}"
    finally:
        a.close()
        b.close()
    uploads = [p for p in contract.files_api if p.startswith("upload ")]
    assert f"upload /Models/main/ml/{name}/{copied.version}/data/w.bin" in uploads
    assert all("Authorization" not in h for h in contract.storage_requests)


def test_contract_a_refused_upload_into_unity_catalog_leaves_no_version_and_no_model(
    contract: Contract,
    mlflow_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
) -> None:
    name = f"dev-{uuid.uuid4().hex[:6]}"
    target = f"main.ml.{name}"
    version = new_version(mlflow_server, name)
    contract.not_passed.add("/api/2.0/fs/create-upload-url")  # a proxy that does not pass it
    uc = uc_profile(contract, secrets)
    a = open_registry(add_server_profile(store, secrets, mlflow_server, "dev"), secrets)
    b = open_registry(uc, secrets)
    try:
        source, destination = Endpoint(a, "dev"), Endpoint(b, "uc")
        plan = plan_copy(source, name, version, destination, target)
        with pytest.raises(ModelyardError) as failed:
            copy_version(source, destination, plan)
    finally:
        a.close()
        b.close()
    message = str(failed.value)
    assert "does not offer the Files API upload addresses" in message
    assert "No model or version was registered" not in message  # the model was, then removed
    assert f"Removed again: the model '{target}'" in message
    assert contract.uc_deleted_pending == [(target, "1")]  # the pending version, deleted
    assert not contract.uc_pending and not contract.uc_finalized
    from mlflow.exceptions import MlflowException

    from tests.helpers.registry import admin_store

    with pytest.raises(MlflowException, match="not found"):
        admin_store(mlflow_server).get_registered_model(target)


def test_contract_unity_catalog_names_and_signatures_are_checked_before_anything_is_written(
    contract: Contract,
    mlflow_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
) -> None:
    from tests.helpers.registry import create_version

    name = f"dev-{uuid.uuid4().hex[:6]}"
    signed = new_version(mlflow_server, name)
    unsigned = create_version(mlflow_server, name)  # registered with no model file at all
    uc = uc_profile(contract, secrets)
    a = open_registry(add_server_profile(store, secrets, mlflow_server, "dev"), secrets)
    b = open_registry(uc, secrets)
    seen = len(contract.seen)
    try:
        source, destination = Endpoint(a, "dev"), Endpoint(b, "uc")
        with pytest.raises(ModelyardError, match=r"name the model catalog\.schema\.model"):
            plan_copy(source, name, signed, destination, "just-a-name")
        with pytest.raises(ModelyardError, match="registers only models with a signature"):
            plan_copy(source, name, str(unsigned.version), destination, f"main.ml.{name}")
    finally:
        a.close()
        b.close()
    writes = [s for s in contract.seen[seen:] if s["method"] != "GET" and "create" in s["path"]]
    assert writes == []  # nothing was created
