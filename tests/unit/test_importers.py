"""Discovery of existing configuration, and the validation of the new profile kinds."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from modelyard.core.kinds import (
    AzureMLSettings,
    DatabricksSettings,
    DatabricksUCSettings,
    MlflowServerSettings,
)
from modelyard.core.profiles.importers import discover, export_profiles, read_export
from modelyard.core.profiles.profile import Profile, secret_fields


def test_mlflow_credentials_file_fills_the_password(tmp_path: Path) -> None:
    (tmp_path / ".mlflow").mkdir()
    (tmp_path / ".mlflow" / "credentials").write_text(
        "[mlflow]\nmlflow_tracking_username = bo\nmlflow_tracking_password = file-secret\n"
    )
    found = discover({"MLFLOW_TRACKING_URI": "http://mlflow.internal:5000"}, tmp_path)
    [candidate] = found.candidates
    assert candidate.profile.settings == MlflowServerSettings(
        url="http://mlflow.internal:5000", auth="basic", username="bo"
    )
    assert candidate.secrets == {"password": "file-secret"}
    assert "~/.mlflow/credentials" in candidate.source


def test_credentials_without_uri_is_a_note(tmp_path: Path) -> None:
    (tmp_path / ".mlflow").mkdir()
    (tmp_path / ".mlflow" / "credentials").write_text("[mlflow]\nmlflow_tracking_username = x\n")
    found = discover({}, tmp_path)
    assert found.candidates == [] and "MLFLOW_TRACKING_URI is not set" in found.notes[0]


def test_token_and_databricks_and_azure_uris(tmp_path: Path) -> None:
    token = discover(
        {"MLFLOW_TRACKING_URI": "https://m.example.com", "MLFLOW_TRACKING_TOKEN": "t0k"}, tmp_path
    ).candidates[0]
    assert token.secrets == {"token": "t0k"}
    dbx = discover({"MLFLOW_TRACKING_URI": "databricks://team"}, tmp_path).candidates[0]
    assert dbx.profile.settings == DatabricksSettings(auth="config-profile", config_profile="team")
    uri = (
        "azureml://eastus.api.azureml.ms/mlflow/v1.0/subscriptions/0b4f5f0e-1111-2222-3333-"
        "444455556666/resourceGroups/g/providers/Microsoft.MachineLearningServices/workspaces/w"
    )
    azure = discover({"MLFLOW_TRACKING_URI": uri}, tmp_path).candidates[0].profile.settings
    assert isinstance(azure, AzureMLSettings) and azure.region == "eastus"
    local = discover({"MLFLOW_TRACKING_URI": "sqlite:///x.db"}, tmp_path)
    assert not local.candidates and "local store" in local.notes[0]


def test_export_round_trip_gives_new_ids() -> None:
    original = Profile(
        name="p", settings=DatabricksUCSettings(host="h.cloud.databricks.com"), label="prod"
    )
    [back] = read_export(export_profiles([original]))
    assert back.settings == original.settings and back.label == "prod" and back.id != original.id


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"host": "https://h/x"}, "without a path"),
        ({"auth": "oauth-m2m", "host": "h"}, "client id"),
        ({"auth": "config-profile"}, "~/.databrickscfg"),
        ({"auth": "pat"}, "workspace URL"),
    ],
)
def test_databricks_validation(fields: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace(".", r"\.")):
        DatabricksSettings.model_validate(fields)


def test_uc_scope_and_secret_fields() -> None:
    with pytest.raises(ValidationError, match="needs a default catalog"):
        DatabricksUCSettings(host="h", default_schema="s")
    with pytest.raises(ValidationError, match="not a catalog"):
        DatabricksUCSettings(host="h", default_catalog="a.b")
    assert secret_fields(DatabricksSettings(host="h")) == ("token",)
    assert secret_fields(DatabricksSettings(host="h", auth="azure-cli")) == ()
    sp = AzureMLSettings(
        subscription_id="0b4f5f0e-1111-2222-3333-444455556666",
        resource_group="g",
        workspace="w",
        region="r",
        auth="service-principal",
        tenant_id="0b4f5f0e-1111-2222-3333-444455556666",
        client_id="c",
    )
    assert secret_fields(sp) == ("client_secret",)
    with pytest.raises(ValidationError, match="is not an id"):
        AzureMLSettings(subscription_id="nope", resource_group="g", workspace="w", region="r")
