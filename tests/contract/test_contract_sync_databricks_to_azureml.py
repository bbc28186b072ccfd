"""Contract tests: the README's walkthrough — a sync from a Databricks workspace registry into
AzureML (both through the stand-ins, over one real MLflow server), by the CLI: the plan, the
copies with their lineage naming the Databricks version, and a rerun that finds every copy and
writes nothing."""

from __future__ import annotations

import json
import uuid

from modelyard.core.actions.copy_plan import SOURCE_TAG
from modelyard.core.connectors import open_registry
from modelyard.core.profiles.profile import ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from tests.helpers.cli import run
from tests.helpers.contract import ANA, azureml_profile, databricks_profile
from tests.helpers.registry import new_version
from tests.support.contract_server import Contract
from tests.support.servers import MlflowServer


def test_contract_sync_from_databricks_into_azureml_then_a_rerun_finds_every_copy(
    contract: Contract,
    azure: Contract,
    mlflow_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
) -> None:
    prefix = f"dbx-aml-{uuid.uuid4().hex[:6]}"
    fraud, churn = f"{prefix}-fraud", f"{prefix}-churn"
    for name, versions in ((fraud, 2), (churn, 1)):
        for _ in range(versions):
            new_version(mlflow_server, name)
    dbx = store.add(databricks_profile(contract, secrets, ANA))
    central = store.add(azureml_profile(azure, secrets, "app-secret-value"))
    pattern = f"{prefix}-*"

    code, out, err = run("sync", dbx.name, central.name, "--model", pattern,
                         "--prefix", "central-", "--dry-run", "--json")  # fmt: skip
    assert code == 0, out + err
    plan = json.loads(out)
    assert sorted((i["model"], i["version"], i["action"]) for i in plan["items"]) == [
        (churn, "1", "copy"),
        (fraud, "1", "copy"),
        (fraud, "2", "copy"),
    ]
    code, out, err = run("sync", dbx.name, central.name, "--model", pattern,
                         "--prefix", "central-", "--yes", "--json")  # fmt: skip
    assert code == 0, out + err
    report = json.loads(out[out.index("{") :])
    assert sorted(o["result"] for o in report["outcomes"]) == ["copied"] * 3

    registry = open_registry(central, secrets)
    try:
        copies = {
            v.tags[SOURCE_TAG]: (v.model, v.version)
            for name in (f"central-{fraud}", f"central-{churn}")
            for v in registry.list_versions(name).items
            for v in [registry.get_version(name, v.version)]
        }
    finally:
        registry.close()
    assert copies == {
        f"{contract.url}#{fraud}/1": (f"central-{fraud}", "1"),
        f"{contract.url}#{fraud}/2": (f"central-{fraud}", "2"),
        f"{contract.url}#{churn}/1": (f"central-{churn}", "1"),
    }

    code, out, err = run("sync", dbx.name, central.name, "--model", pattern,
                         "--prefix", "central-", "--dry-run", "--json")  # fmt: skip
    assert code == 0, out + err
    again = json.loads(out)
    assert [i["action"] for i in again["items"]] == ["there"] * 3 and again["writes"] == 0
