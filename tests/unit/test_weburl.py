"""'Open in web UI': each kind's own page for a model and a version."""

from __future__ import annotations

from modelyard.core.kinds import (
    AzureMLSettings,
    DatabricksSettings,
    DatabricksUCSettings,
    LocalSettings,
    MlflowServerSettings,
)
from modelyard.core.profiles.profile import Profile
from modelyard.core.reads.weburl import web_ui_url

SUB = "0b4f5f0e-1111-2222-3333-444455556666"


def _p(settings: object) -> Profile:
    return Profile(name="p", settings=settings)  # type: ignore[arg-type]


def test_each_kind_links_to_its_own_web_ui() -> None:
    srv = _p(MlflowServerSettings(url="https://mlflow.example.com/"))
    assert web_ui_url(srv, "churn model", "4") == (
        "https://mlflow.example.com/#/models/churn%20model/versions/4"
    )
    assert web_ui_url(srv, "a/b") == "https://mlflow.example.com/#/models/a%2Fb"
    dbx = _p(DatabricksSettings(host="https://adb-1.2.azuredatabricks.net"))
    assert web_ui_url(dbx, "m", "3") == "https://adb-1.2.azuredatabricks.net/ml/models/m/versions/3"
    uc = _p(DatabricksUCSettings(host="https://dbc-1.cloud.databricks.com"))
    assert web_ui_url(uc, "main.ml.churn", "2") == (
        "https://dbc-1.cloud.databricks.com/explore/data/models/main/ml/churn/version/2"
    )
    assert web_ui_url(uc, "not-three-parts", "2") is None
    aml = _p(
        AzureMLSettings(
            subscription_id=SUB,
            resource_group="rg",
            workspace="ws",
            region="usgovvirginia",
            cloud="usgov",
            auth="azure-cli",
            tenant_id="00000000-0000-0000-0000-0000000000aa",
        )
    )
    url = web_ui_url(aml, "m", "5")
    assert url is not None and url.startswith("https://ml.azure.us/model/m:5/details?wsid=")
    assert f"/subscriptions/{SUB}/resourceGroups/rg/" in url and "&tid=" in url
    assert web_ui_url(_p(LocalSettings(path="/tmp/r.db")), "m", "1") is None
    cfg = _p(DatabricksSettings(auth="config-profile", config_profile="PROD"))
    assert web_ui_url(cfg, "m") is None
