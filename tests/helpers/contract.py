"""Shared by the contract tests: who signs in to the stand-in, and profiles for it."""

from __future__ import annotations

import uuid

from modelyard.core.kinds import AzureMLSettings, DatabricksSettings, DatabricksUCSettings
from modelyard.core.profiles.profile import Profile
from modelyard.core.profiles.secrets import SecretStore
from tests.helpers.registry import admin_store, create_version, ensure_model
from tests.support.contract_server import Contract
from tests.support.servers import MlflowServer

ANA, BOB, CAROL = "ana@example.com", "bob@example.com", "carol@example.com"


def databricks_profile(contract: Contract, secrets: SecretStore, who: str) -> Profile:
    """A workspace-registry PAT profile signed in as ``who``."""
    profile = Profile(
        name=f"dbx-{who.split('@', maxsplit=1)[0]}-{uuid.uuid4().hex[:4]}",
        settings=DatabricksSettings(host=contract.url, auth="pat"),
    )
    secrets.set(profile.id, "token", contract.issue(who))
    return profile


def seeded_model(server: MlflowServer, versions: int = 2) -> str:
    name = f"req-{uuid.uuid4().hex[:8]}"
    ensure_model(admin_store(server), name)
    for _ in range(versions):
        create_version(server, name)
    return name


TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
SUBSCRIPTION = "0b4f5f0e-1111-2222-3333-444455556666"


def azureml_profile(
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


def uc_profile(contract: Contract, secrets: SecretStore) -> Profile:
    """A Unity Catalog profile on the stand-in, signed in as ana."""
    profile = Profile(name="uc", settings=DatabricksUCSettings(host=contract.url))
    secrets.set(profile.id, "token", contract.issue("ana@example.com"))
    return profile
