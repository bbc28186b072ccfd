"""The load snippet: right URIs per kind, credentials only named, registry text only as data."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from modelyard.core.kinds import (
    AzureMLSettings,
    DatabricksSettings,
    DatabricksUCSettings,
    LocalSettings,
    MlflowServerSettings,
)
from modelyard.core.model.domain import ModelFile, VersionSummary
from modelyard.core.profiles.profile import Profile
from modelyard.core.reads.snippet import load_snippet

HOSTILE_NAMES = [
    'x"+str(__import__("os").system("id"))+"',
    "x'+str(__import__('os').system('id'))+'",
    "both ' and \" quotes",
    "back\\slash\\",
    "new\nline; import os; os.system('id')",
    "\r\n# comment breaker\nimport os",
    "tab\tand \x1b]0;title\x07 escape",
    "unicode модель 模型 🚀",
    "\u2028line separator\u2029",
    "trailing backslash \\",
    "%_ percent and underscore",
]
SUB = "00000000-0000-0000-0000-000000000001"
TENANT = "00000000-0000-0000-0000-0000000000aa"


def _profiles(tmp_path: Path) -> list[Profile]:
    return [
        Profile(name="srv", settings=MlflowServerSettings(url="https://mlflow.example.com")),
        Profile(
            name="basic",
            settings=MlflowServerSettings(
                url="https://mlflow.example.com", auth="basic", username="alice"
            ),
        ),
        Profile(name="local", settings=LocalSettings(path=str(tmp_path / "r.db"))),
        Profile(
            name="dbx", settings=DatabricksSettings(host="https://adb-1.2.azuredatabricks.net")
        ),
        Profile(
            name="dbx-m2m",
            settings=DatabricksSettings(
                host="https://adb-1.2.azuredatabricks.net", auth="oauth-m2m", client_id="sp-1"
            ),
        ),
        Profile(
            name="dbx-cfg",
            settings=DatabricksSettings(auth="config-profile", config_profile="PROD"),
        ),
        Profile(
            name="uc", settings=DatabricksUCSettings(host="https://dbc-1.cloud.databricks.com")
        ),
        Profile(
            name="uc-cfg",
            settings=DatabricksUCSettings(auth="config-profile", config_profile="PROD"),
        ),
        Profile(
            name="aml",
            settings=AzureMLSettings(
                subscription_id=SUB,
                resource_group="rg",
                workspace="ws",
                region="westeurope",
                auth="service-principal",
                tenant_id=TENANT,
                client_id="cid",
                authority_host="login.microsoftonline.us",
            ),
        ),
    ]


def _calls(code: str) -> list[tuple[str, list[object]]]:
    """Every call in the snippet as (dotted name, literal arguments); fails on anything that is
    not a plain call with literal arguments."""
    tree = ast.parse(code)
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            assert all(isinstance(a, ast.Constant) for a in node.args), ast.unparse(node)
            assert not node.keywords, ast.unparse(node)
            calls.append((ast.unparse(node.func), [a.value for a in node.args]))  # type: ignore[attr-defined]
    return calls


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_any_model_name_stays_a_string_literal(name: str, tmp_path: Path) -> None:
    for profile in _profiles(tmp_path):
        code = load_snippet(profile, VersionSummary(name, "3"), ModelFile(flavors=("sklearn",)))
        calls = _calls(code)
        assert [c[0] for c in calls] == [
            "mlflow.set_tracking_uri",
            "mlflow.set_registry_uri",
            "mlflow.sklearn.load_model",
        ], code
        assert calls[2][1] == [f"models:/{name}/3"]
        # Nothing outside the calls: the only statements are the import and three calls.
        kinds = [type(s).__name__ for s in ast.parse(code).body]
        assert kinds == ["Import", "Expr", "Expr", "Assign"], code
        assert "\x1b" not in code and "\u2028" not in code


def test_each_kind_gets_its_own_uris_and_names_its_credentials(tmp_path: Path) -> None:
    got: dict[str, tuple[str, str, str]] = {}
    for profile in _profiles(tmp_path):
        code = load_snippet(profile, VersionSummary("m", "1"), None)
        calls = {c[0]: str(c[1][0]) for c in _calls(code)}
        got[profile.name] = (
            calls["mlflow.set_tracking_uri"],
            calls["mlflow.set_registry_uri"],
            code,
        )
    assert got["srv"][:2] == ("https://mlflow.example.com", "https://mlflow.example.com")
    assert got["local"][0].startswith("sqlite:///") and got["local"][0].endswith("r.db")
    assert got["dbx"][:2] == ("databricks", "databricks")
    assert "DATABRICKS_HOST=https://adb-1.2.azuredatabricks.net" in got["dbx"][2]
    assert "DATABRICKS_TOKEN=<personal access token>" in got["dbx"][2]
    assert "DATABRICKS_CLIENT_SECRET=<client secret>" in got["dbx-m2m"][2]
    assert got["dbx-cfg"][:2] == ("databricks://PROD", "databricks://PROD")
    assert got["uc"][:2] == ("databricks", "databricks-uc")
    assert got["uc-cfg"][:2] == ("databricks://PROD", "databricks-uc://PROD")
    assert (
        got["aml"][0]
        == got["aml"][1]
        == (
            f"azureml://westeurope.api.azureml.ms/mlflow/v1.0/subscriptions/{SUB}/resourceGroups/rg"
            "/providers/Microsoft.MachineLearningServices/workspaces/ws"
        )
    )
    assert "AZURE_CLIENT_SECRET=<client secret>" in got["aml"][2]
    assert "AZURE_AUTHORITY_HOST=login.microsoftonline.us" in got["aml"][2]
    assert "pip install azureml-mlflow" in got["aml"][2]
    assert "MLFLOW_TRACKING_PASSWORD=<password>" in got["basic"][2]


def test_a_pasted_azureml_tracking_uri_comes_back_as_the_portal_shows_it() -> None:
    uri = (
        f"azureml://eastus2.api.azureml.ms/mlflow/v1.0/subscriptions/{SUB}/resourceGroups/rg"
        "/providers/Microsoft.MachineLearningServices/workspaces/ws"
    )
    profile = Profile(name="p", settings=AzureMLSettings.from_tracking_uri(uri))
    code = load_snippet(profile, VersionSummary("m", "1"), None)
    assert f"mlflow.set_tracking_uri({uri!r})" in code


def test_the_model_level_uri_is_one_that_loads() -> None:
    from modelyard.core.model.domain import ModelSummary
    from modelyard.core.reads.snippet import model_uri

    assert model_uri(ModelSummary("m", aliases={"b": "2", "champion": "3"})) == "models:/m@champion"
    assert model_uri(ModelSummary("m", aliases={"b": "2", "a": "1"})) == "models:/m@a"
    prod = ModelSummary("m", latest_versions=("9", "10"), latest_by_stage={"Production": "9"})
    assert model_uri(prod) == "models:/m/Production"
    assert model_uri(ModelSummary("m", latest_versions=("9", "10"))) == "models:/m/10"
    assert model_uri(ModelSummary("m")) is None


def test_a_server_whose_files_are_in_s3_names_the_stores_variables_never_the_secret() -> None:
    from modelyard.core.profiles.stores import S3Store

    store = S3Store(endpoint_url="http://minio.lan:9000", region="eu-1", access_key_id="AKIA1")
    profile = Profile(
        name="srv",
        settings=MlflowServerSettings(url="https://mlflow.example.com", store=store),
    )
    code = load_snippet(profile, VersionSummary("m", "1"), None)
    ast.parse(code)
    for line in (
        "MLFLOW_S3_ENDPOINT_URL=http://minio.lan:9000",
        "AWS_DEFAULT_REGION=eu-1",
        "AWS_ACCESS_KEY_ID=AKIA1",
        "AWS_SECRET_ACCESS_KEY=<S3 secret key>",
        "pip install boto3",
    ):
        assert line in code, code


def test_a_server_whose_files_are_in_gcs_names_the_key_file_for_the_loading_process() -> None:
    from modelyard.core.profiles.stores import GcsStore

    for store, wanted, unwanted in (
        (GcsStore(key_file="/keys/sa it.json"), "GOOGLE_APPLICATION_CREDENTIALS='/keys/sa it.json'",
         "STORAGE_EMULATOR_HOST"),
        (GcsStore(endpoint_url="http://127.0.0.1:9023", anonymous=True),
         "STORAGE_EMULATOR_HOST=http://127.0.0.1:9023", "GOOGLE_APPLICATION_CREDENTIALS"),
        (GcsStore(), "gcloud auth application-default login", "STORAGE_EMULATOR_HOST"),
    ):  # fmt: skip
        profile = Profile(
            name="srv", settings=MlflowServerSettings(url="https://mlflow.example.com", store=store)
        )
        code = load_snippet(profile, VersionSummary("m", "1"), None)
        ast.parse(code)
        assert wanted in code and "pip install google-cloud-storage" in code, code
        assert unwanted not in code, code
