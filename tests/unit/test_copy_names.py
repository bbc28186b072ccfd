"""The target model name a copy suggests."""

from __future__ import annotations


def test_a_unity_catalog_target_suggests_its_default_catalog_and_schema() -> None:
    from modelyard.core.copy import suggested_name
    from modelyard.core.profiles import DatabricksUCSettings, MlflowServerSettings, Profile

    scoped = Profile(
        name="uc",
        settings=DatabricksUCSettings(
            host="https://dbc.example.com", default_catalog="prod", default_schema="ml"
        ),
    )
    assert suggested_name(scoped, "churn") == "prod.ml.churn"
    assert suggested_name(scoped, "dev.ml.churn") == "dev.ml.churn"  # already three parts
    bare = Profile(name="uc2", settings=DatabricksUCSettings(host="https://dbc.example.com"))
    assert suggested_name(bare, "churn") == "churn"  # the plan then asks for a full name
    server = Profile(name="s", settings=MlflowServerSettings(url="http://127.0.0.1:5000"))
    assert suggested_name(server, "churn") == "churn"
