"""Contract tests: the Databricks workspace registry and Unity Catalog connectors."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from modelyard.core.connectors import open_registry
from modelyard.core.kinds import DatabricksSettings, DatabricksUCSettings
from modelyard.core.model.domain import Stage
from modelyard.core.model.errors import ErrorKind, ModelyardError
from modelyard.core.profiles.profile import Profile
from modelyard.core.profiles.secrets import SecretStore
from tests.helpers.registry import admin_store, create_version, ensure_model
from tests.support.contract_server import Contract
from tests.support.servers import MlflowServer


def _profile(settings: DatabricksSettings, secrets: SecretStore, secret: str | None) -> Profile:
    profile = Profile(name=f"dbx-{uuid.uuid4().hex[:6]}", settings=settings)
    if secret is not None:
        field = "token" if settings.auth == "pat" else "client_secret"
        secrets.set(profile.id, field, secret)  # type: ignore[arg-type]
    return profile


def _model(server: MlflowServer, prefix: str = "dbx") -> tuple[str, str]:
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    ensure_model(admin_store(server), name)
    return name, str(create_version(server, name).version)


def test_contract_pat_lists_and_promotes(
    contract: Contract, mlflow_server: MlflowServer, secrets: SecretStore
) -> None:
    name, version = _model(mlflow_server)
    token = contract.issue("ana@example.com")
    profile = _profile(DatabricksSettings(host=contract.url, auth="pat"), secrets, token)
    registry = open_registry(profile, secrets)
    try:
        caps = registry.capabilities()
        assert caps.stages and caps.transition_requests and not caps.aliases
        assert registry.identity() == "ana@example.com"
        assert registry.can_edit_model(name) is True
        assert registry.get_model(name).name == name
        moved = registry.transition_stage(name, version, Stage.STAGING)
        assert moved.stage is Stage.STAGING
    finally:
        registry.close()
    seen = [r for r in contract.seen if r["path"].startswith("/api/")]
    assert seen and all(r["authorization"] == f"Bearer {token}" for r in seen)


def test_contract_read_only_user_sees_it_before_and_gets_403(
    contract: Contract, mlflow_server: MlflowServer, secrets: SecretStore
) -> None:
    name, version = _model(mlflow_server)
    contract.permissions["bob@example.com"] = "CAN_READ"
    token = contract.issue("bob@example.com")
    profile = _profile(DatabricksSettings(host=contract.url, auth="pat"), secrets, token)
    registry = open_registry(profile, secrets)
    try:
        assert registry.can_edit_model(name) is False
        with pytest.raises(ModelyardError) as refused:
            registry.transition_stage(name, version, Stage.PRODUCTION)
        assert refused.value.kind is ErrorKind.PERMISSION
        assert registry.get_version(name, version).stage is Stage.NONE
    finally:
        registry.close()


def test_contract_wrong_token_is_a_401_in_words(contract: Contract, secrets: SecretStore) -> None:
    profile = _profile(DatabricksSettings(host=contract.url, auth="pat"), secrets, "dapi-wrong")
    with pytest.raises(ModelyardError) as failed:
        registry = open_registry(profile, secrets)
        registry.list_models()
    assert failed.value.kind is ErrorKind.AUTH
    assert "dapi-wrong" not in str(failed.value)


def test_contract_oauth_m2m_gets_and_uses_a_token(
    contract: Contract, mlflow_server: MlflowServer, secrets: SecretStore
) -> None:
    name, _version = _model(mlflow_server)
    contract.add_client("sp-client-id", "sp-secret-value", "deploy-bot")
    settings = DatabricksSettings(host=contract.url, auth="oauth-m2m", client_id="sp-client-id")
    registry = open_registry(_profile(settings, secrets, "sp-secret-value"), secrets)
    try:
        assert registry.identity() == "deploy-bot"
        assert registry.get_model(name).name == name
    finally:
        registry.close()
    assert any(r["path"] == "/oidc/v1/token" for r in contract.seen)


def test_contract_oauth_m2m_wrong_secret(contract: Contract, secrets: SecretStore) -> None:
    contract.add_client("sp-client-id", "sp-secret-value", "deploy-bot")
    settings = DatabricksSettings(host=contract.url, auth="oauth-m2m", client_id="sp-client-id")
    with pytest.raises(ModelyardError) as failed:
        open_registry(_profile(settings, secrets, "not-the-secret"), secrets).list_models()
    assert failed.value.kind is ErrorKind.AUTH
    assert "not-the-secret" not in str(failed.value)


def test_contract_databrickscfg_profile(
    contract: Contract,
    mlflow_server: MlflowServer,
    secrets: SecretStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    name, _version = _model(mlflow_server)
    token = contract.issue("cfg-user@example.com")
    cfg = Path.home() / ".databrickscfg"
    cfg.write_text(
        f"[DEFAULT]\nhost = https://nowhere.invalid\n\n[team]\nhost = {contract.url}\n"
        f"token = {token}\n"
    )
    settings = DatabricksSettings(auth="config-profile", config_profile="team")
    registry = open_registry(_profile(settings, secrets, None), secrets)
    try:
        assert registry.identity() == "cfg-user@example.com"
        assert registry.get_model(name).name == name
    finally:
        registry.close()


def test_contract_unity_catalog_aliases_only(
    contract: Contract, mlflow_server: MlflowServer, secrets: SecretStore
) -> None:
    catalog = f"cat{uuid.uuid4().hex[:6]}"
    name = f"{catalog}.ml.churn"
    ensure_model(admin_store(mlflow_server), name)
    v1 = str(create_version(mlflow_server, name).version)
    v2 = str(create_version(mlflow_server, name).version)
    admin_store(mlflow_server).set_registered_model_alias(name, "champion", v1)
    ensure_model(admin_store(mlflow_server), f"other{uuid.uuid4().hex[:6]}.ml.x")
    token = contract.issue("uc@example.com")
    settings = DatabricksUCSettings(host=contract.url, default_catalog=catalog)
    registry = open_registry(_profile(settings, secrets, token), secrets)
    try:
        caps = registry.capabilities()
        assert caps.aliases and not caps.stages and not caps.transition_requests
        models = registry.list_models(page_size=100)
        assert [m.name for m in models.items] == [name]  # scope: only this catalog
        assert models.items[0].aliases == {"champion": v1}  # details fetched per item
        versions = registry.list_versions(name).items
        assert [v.version for v in versions] == [v2, v1]  # newest first, ordered here
        assert versions[1].aliases == ("champion",)
        registry.set_alias(name, "champion", v2)
        assert registry.get_model(name).aliases == {"champion": v2}
        with pytest.raises(ModelyardError):
            registry.transition_stage(name, v2, Stage.PRODUCTION)
    finally:
        registry.close()


def test_contract_workspace_registry_lists_without_the_prompt_filter(
    contract: Contract, mlflow_server: MlflowServer, secrets: SecretStore
) -> None:
    """Like MLflow's own client, the legacy workspace registry is not sent the prompt filter
    (the stand-in refuses it, as a real workspace may); prompts are hidden on this side."""
    name, _version = _model(mlflow_server)
    prompt = f"prompt-{uuid.uuid4().hex[:8]}"
    ensure_model(admin_store(mlflow_server), prompt, tags={"mlflow.prompt.is_prompt": "true"})
    token = contract.issue("ana@example.com")
    profile = _profile(DatabricksSettings(host=contract.url, auth="pat"), secrets, token)
    registry = open_registry(profile, secrets)
    try:
        names: set[str] = set()
        token_: str | None = None
        while True:
            page = registry.list_models(token_)
            names |= {m.name for m in page.items}
            token_ = page.next_page_token
            if not token_:
                break
    finally:
        registry.close()
    assert name in names and prompt not in names


def test_contract_unity_catalog_alias_move_is_recorded_in_history(
    contract: Contract, mlflow_server: MlflowServer, secrets: SecretStore
) -> None:
    from modelyard.core.actions.promote import set_alias
    from modelyard.core.model.domain import EventKind
    from modelyard.core.reads.history import version_history

    name = f"cat{uuid.uuid4().hex[:6]}.ml.hist"
    ensure_model(admin_store(mlflow_server), name)
    version = str(create_version(mlflow_server, name).version)
    token = contract.issue("uc@example.com")
    registry = open_registry(
        _profile(DatabricksUCSettings(host=contract.url), secrets, token), secrets
    )
    try:
        result = set_alias(registry, name, "champion", version)
        assert result.as_asked and result.record_problem is None
        now = registry.get_version(name, version)
        assert now.aliases == ("champion",)
        events = version_history(now)
        assert any(e.kind is EventKind.ALIAS_SET and e.to_value == "champion" for e in events)
    finally:
        registry.close()
