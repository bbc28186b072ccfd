"""Contract tests: the AzureML connector (workspace-scoped MLflow API, Entra ID sign-in)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from modelyard.core.actions.serve import servable
from modelyard.core.connectors import open_registry
from modelyard.core.kinds import AzureMLSettings
from modelyard.core.model.errors import ErrorKind, ModelyardError
from modelyard.core.profiles.secrets import SecretStore
from modelyard.core.reads.download import plan_download, run_download
from tests.helpers.contract import SUBSCRIPTION, azureml_profile
from tests.helpers.registry import UPLOADED, admin_store, ensure_model, new_version
from tests.support.contract_server import Contract
from tests.support.servers import MlflowServer


def test_contract_service_principal_lists_without_prompt_filter(
    azure: Contract, mlflow_server: MlflowServer, secrets: SecretStore
) -> None:
    name = f"aml-{uuid.uuid4().hex[:8]}"
    prompt = f"prompt-{uuid.uuid4().hex[:8]}"
    ensure_model(admin_store(mlflow_server), name)
    ensure_model(admin_store(mlflow_server), prompt, tags={"mlflow.prompt.is_prompt": "true"})
    registry = open_registry(azureml_profile(azure, secrets, "app-secret-value"), secrets)
    try:
        assert registry.identity() == "deploy-app"
        names = set()
        token = None
        while True:
            page = registry.list_models(token, page_size=200)
            names |= {m.name for m in page.items}
            token = page.next_page_token
            if not token:
                break
        assert name in names and prompt not in names  # prompts filtered on this side
        assert registry.get_model(name).name == name
    finally:
        registry.close()
    api = [r for r in azure.seen if "/workspaces/ws-prod/api/" in r["path"]]
    assert api and all(r["authorization"].startswith("Bearer ") for r in api)
    assert any(r["path"].endswith("/oauth2/v2.0/token") for r in azure.seen)


def test_contract_token_is_refreshed_before_it_expires(
    azure: Contract, mlflow_server: MlflowServer, secrets: SecretStore
) -> None:
    def fetched() -> int:
        return sum(r["path"].endswith("/oauth2/v2.0/token") for r in azure.seen)

    registry = open_registry(azureml_profile(azure, secrets, "app-secret-value"), secrets)
    try:
        registry.list_models()
        registry.list_models()
        assert fetched() == 1  # an hour-long token is reused
    finally:
        registry.close()
    azure.token_lifetime = 200  # inside the 5-minute refresh margin from the start
    registry = open_registry(azureml_profile(azure, secrets, "app-secret-value"), secrets)
    try:
        before = fetched()
        registry.list_models()
        registry.list_models()
        assert fetched() >= before + 2  # refreshed before every use, never sent stale
    finally:
        registry.close()


def test_contract_wrong_client_secret(azure: Contract, secrets: SecretStore) -> None:
    with pytest.raises(ModelyardError) as failed:
        open_registry(azureml_profile(azure, secrets, "wrong-secret-xyz"), secrets).list_models()
    assert failed.value.kind is ErrorKind.AUTH
    assert "wrong-secret-xyz" not in str(failed.value)


def test_contract_unknown_workspace_is_a_404_in_words(
    azure: Contract, secrets: SecretStore
) -> None:
    registry = open_registry(
        azureml_profile(azure, secrets, "app-secret-value", "ws-typo"), secrets
    )
    with pytest.raises(ModelyardError) as failed:
        registry.list_models()
    registry.close()
    assert failed.value.kind in (ErrorKind.NO_API, ErrorKind.NOT_FOUND)


def test_contract_version_files_from_the_run_history_with_sas_urls(
    azure: Contract, mlflow_server: MlflowServer, secrets: SecretStore, tmp_path: Path
) -> None:
    """A job-registered version's files (azureml://experiments/…/runs/…/artifacts/…): listed
    through the run history, fetched from blob SAS URLs without the Entra token."""
    name = f"aml-files-{uuid.uuid4().hex[:6]}"
    weights = os.urandom(120_000)
    version = new_version(mlflow_server, name, {"data/weights.bin": weights})
    azure.list_page_size = 3  # the run history pages its listing
    registry = open_registry(azureml_profile(azure, secrets, "app-secret-value"), secrets)
    try:
        location = registry.artifact_location(name, version)
        assert location.startswith("azureml://experiments/") and location.endswith("/model")
        names = [e.path for e in registry.list_artifacts(location)]
        assert "MLmodel" in names and "data" in names
        assert [e.path for e in registry.list_artifacts(location, "data")] == ["data/weights.bin"]
        assert registry.list_artifacts(location, "MLmodel")[0].path == "MLmodel"  # a file
        model_file = registry.read_model_file(name, version)
        assert "sklearn" in model_file.flavors and model_file.inputs
        assert servable(model_file)[0]  # "Serve locally" serves these downloaded files

        run_download(registry, plan_download(registry, name, version), tmp_path / "out")
        run_id = registry.get_version(name, version).run_id
        for relative, data in UPLOADED[run_id].items():
            assert (tmp_path / "out" / relative.removeprefix("model/")).read_bytes() == data
        assert (tmp_path / "out" / "data" / "weights.bin").read_bytes() == weights
        with pytest.raises(ModelyardError) as missing:
            registry.list_artifacts(location, "no-such-folder")
        assert missing.value.kind is ErrorKind.NOT_FOUND
    finally:
        registry.close()
    assert azure.storage_requests, "files came from the SAS URLs"
    assert all("Authorization" not in headers for headers in azure.storage_requests)
    history = [r for r in azure.seen if r["path"].startswith("/history/v1.0/")]
    assert history and all(r["authorization"].startswith("Bearer ") for r in history)


def test_contract_a_failed_sign_in_names_the_authority_not_the_workspace(
    azure: Contract, secrets: SecretStore
) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        dead = f"https://127.0.0.1:{probe.getsockname()[1]}"
    profile = azureml_profile(azure, secrets, "app-secret-value")
    settings = profile.settings.model_copy(update={"authority_host": dead})
    with pytest.raises(ModelyardError) as failed:
        open_registry(profile.model_copy(update={"settings": settings}), secrets)
    message = str(failed.value)
    assert f"sign-in authority {dead}" in message, message
    assert "ws-prod" in message and not message.startswith("The host name of AzureML")
    assert not any("/workspaces/" in r["path"] for r in azure.seen)  # the workspace was not asked


def test_sovereign_clouds_set_authority_api_host_and_scope() -> None:
    from modelyard.core.connectors.azureml import sign_in_where

    gov = AzureMLSettings(
        subscription_id=SUBSCRIPTION,
        resource_group="rg",
        workspace="ws",
        region="usgovvirginia",
        cloud="usgov",
    )
    assert gov.base_url.startswith("https://usgovvirginia.api.ml.azure.us/mlflow/v2.0/")
    assert gov.authority == "login.microsoftonline.us"
    assert gov.token_scope == "https://management.usgovcloudapi.net/.default"
    assert "login.microsoftonline.us" in sign_in_where(gov)
    pasted = AzureMLSettings.from_tracking_uri(
        f"azureml://chinaeast2.api.ml.azure.cn/mlflow/v1.0/subscriptions/{SUBSCRIPTION}"
        "/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws"
    )
    assert pasted.cloud == "china" and pasted.api_host is None
    assert pasted.authority == "login.chinacloudapi.cn"
    assert AzureMLSettings(
        subscription_id=SUBSCRIPTION, resource_group="rg", workspace="ws", region="westeurope"
    ).authority == ("login.microsoftonline.com")


def test_contract_promote_stage_and_alias_with_history(
    azure: Contract, mlflow_server: MlflowServer, secrets: SecretStore
) -> None:
    from modelyard.core.actions.promote import promote_stage, set_alias
    from modelyard.core.model.domain import EventKind, Stage
    from modelyard.core.reads.history import version_history

    name = f"aml-promote-{uuid.uuid4().hex[:6]}"
    version = new_version(mlflow_server, name)
    registry = open_registry(azureml_profile(azure, secrets, "app-secret-value"), secrets)
    try:
        caps = registry.capabilities()
        assert caps.stages and caps.aliases and not caps.transition_requests
        moved = promote_stage(registry, name, version, Stage.STAGING)
        assert moved.as_asked and moved.record_problem is None
        assert moved.version.stage is Stage.STAGING
        aliased = set_alias(registry, name, "champion", version)
        assert aliased.as_asked and aliased.record_problem is None
        now = registry.get_version(name, version)
        assert now.stage is Stage.STAGING and now.aliases == ("champion",)
        kinds = [(e.kind, e.to_value) for e in version_history(now)]
        assert (EventKind.STAGE, "Staging") in kinds and (EventKind.ALIAS_SET, "champion") in kinds
    finally:
        registry.close()
