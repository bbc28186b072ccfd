"""Contract tests: the AzureML connector (workspace-scoped MLflow API, Entra ID sign-in)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelyard.core.connectors import open_registry
from modelyard.core.errors import ErrorKind, ModelyardError
from modelyard.core.profiles import AzureMLSettings, Profile
from modelyard.core.secrets import SecretStore
from tests.integration.helpers import admin_store, ensure_model
from tests.support.contract_server import Contract, contract_server
from tests.support.servers import MlflowServer
from tests.support.tls import make_server_cert

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
SUBSCRIPTION = "0b4f5f0e-1111-2222-3333-444455556666"


@pytest.fixture()
def azure(
    mlflow_server: MlflowServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Contract]:
    """The stand-in over HTTPS (azure-identity only talks to https authorities)."""
    cert = make_server_cert(tmp_path / "tls")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert.ca))  # trust the test's own CA
    with contract_server(mlflow_server.url, tls=cert) as running:
        running.azure_workspace = (SUBSCRIPTION, "rg-ml", "ws-prod")
        running.add_client("app-client-id", "app-secret-value", "deploy-app")
        yield running


def _profile(
    azure: Contract, secrets: SecretStore, secret: str, workspace: str = "ws-prod"
) -> Profile:
    settings = AzureMLSettings(
        subscription_id=SUBSCRIPTION,
        resource_group="rg-ml",
        workspace=workspace,
        region="westeurope",
        api_host=azure.url,
        auth="service-principal",
        tenant_id=TENANT,
        client_id="app-client-id",
        authority_host=azure.url,
    )
    profile = Profile(name=f"aml-{uuid.uuid4().hex[:6]}", settings=settings)
    secrets.set(profile.id, "client_secret", secret)
    return profile


def test_contract_service_principal_lists_without_prompt_filter(
    azure: Contract, mlflow_server: MlflowServer, secrets: SecretStore
) -> None:
    name = f"aml-{uuid.uuid4().hex[:8]}"
    prompt = f"prompt-{uuid.uuid4().hex[:8]}"
    ensure_model(admin_store(mlflow_server), name)
    ensure_model(admin_store(mlflow_server), prompt, tags={"mlflow.prompt.is_prompt": "true"})
    registry = open_registry(_profile(azure, secrets, "app-secret-value"), secrets)
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

    registry = open_registry(_profile(azure, secrets, "app-secret-value"), secrets)
    try:
        registry.list_models()
        registry.list_models()
        assert fetched() == 1  # an hour-long token is reused
    finally:
        registry.close()
    azure.token_lifetime = 200  # inside the 5-minute refresh margin from the start
    registry = open_registry(_profile(azure, secrets, "app-secret-value"), secrets)
    try:
        before = fetched()
        registry.list_models()
        registry.list_models()
        assert fetched() >= before + 2  # refreshed before every use, never sent stale
    finally:
        registry.close()


def test_contract_wrong_client_secret(azure: Contract, secrets: SecretStore) -> None:
    with pytest.raises(ModelyardError) as failed:
        open_registry(_profile(azure, secrets, "wrong-secret-xyz"), secrets).list_models()
    assert failed.value.kind is ErrorKind.AUTH
    assert "wrong-secret-xyz" not in str(failed.value)


def test_contract_unknown_workspace_is_a_404_in_words(
    azure: Contract, secrets: SecretStore
) -> None:
    registry = open_registry(_profile(azure, secrets, "app-secret-value", "ws-typo"), secrets)
    with pytest.raises(ModelyardError) as failed:
        registry.list_models()
    registry.close()
    assert failed.value.kind in (ErrorKind.NO_API, ErrorKind.NOT_FOUND)
