"""Contract tests: a sync into Unity Catalog through the stand-in — names UC refuses are said in
the plan before anything is written, a mapped sync copies, a rerun finds every copy."""

from __future__ import annotations

import json
import uuid

from modelyard.core.kinds import DatabricksUCSettings
from modelyard.core.profiles.profile import Profile, ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from tests.helpers.cli import run
from tests.helpers.registry import add_server_profile, admin_store, new_version
from tests.support.contract_server import Contract
from tests.support.servers import MlflowServer


def test_contract_sync_into_unity_catalog_maps_names_and_a_rerun_finds_the_copies(
    contract: Contract, mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    name = f"uc-sync-{uuid.uuid4().hex[:6]}"
    for _ in range(2):
        new_version(mlflow_server, name)
    admin_store(mlflow_server).set_registered_model_alias(name, "champion", "2")
    add_server_profile(store, secrets, mlflow_server, "dev")
    uc = store.add(Profile(name="uc", settings=DatabricksUCSettings(host=contract.url)))
    secrets.set(uc.id, "token", contract.issue("ana@example.com"))
    before = len(contract.uc_finalized)
    code, out, err = run("sync", "dev", "uc", "--model", name, "--mirror-stages", "--yes")
    assert code == 0, out + err  # nothing to do: every version skipped, said why
    assert "Unity Catalog takes catalog.schema.model names" in out
    assert "has no stages: stages are not mirrored" in out
    assert len(contract.uc_finalized) == before  # nothing written
    code, out, err = run("sync", "dev", "uc", "--model", name, "--uc-schema", "main.ml",
                         "--mirror-aliases", "--yes", "--json")  # fmt: skip
    assert code == 0, out + err
    report = json.loads(out[out.index("{") :])
    assert [o["result"] for o in report["outcomes"]] == ["copied", "copied"]
    assert [(m, v) for m, v in contract.uc_finalized[before:]] == [
        (f"main.ml.{name}", "1"),
        (f"main.ml.{name}", "2"),
    ]
    code, out, err = run("sync", "dev", "uc", "--model", name, "--uc-schema", "main.ml",
                         "--mirror-aliases", "--dry-run", "--json")  # fmt: skip
    assert code == 0, err
    plan = json.loads(out)
    assert [i["action"] for i in plan["items"]] == ["there", "there"] and plan["writes"] == 0
