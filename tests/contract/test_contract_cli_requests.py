"""Contract tests: `modelyard promote --request` and `modelyard requests list/approve/reject/
withdraw` against the Databricks stand-in."""

from __future__ import annotations

import json

from modelyard.core.profiles.profile import ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from tests.helpers.cli import run
from tests.helpers.contract import ANA, BOB, CAROL, databricks_profile, seeded_model
from tests.helpers.registry import admin_store
from tests.support.contract_server import Contract
from tests.support.servers import MlflowServer


def cli_profile(contract: Contract, who: str) -> str:
    profile = databricks_profile(contract, SecretStore(), who)
    ProfileStore().add(profile)
    return profile.name


def test_contract_cli_request_list_approve(contract: Contract, mlflow_server: MlflowServer) -> None:
    contract.permissions.update({ANA: "CAN_MANAGE", BOB: "CAN_EDIT"})
    name = seeded_model(mlflow_server, 2)
    admin_store(mlflow_server).transition_model_version_stage(name, "1", "Production", False)
    bob, ana = cli_profile(contract, BOB), cli_profile(contract, ANA)

    code, _, err = run("promote", bob, name, "2", "--stage", "Production", "--yes")
    assert code == 1
    # The core's rules, before anything is sent: CAN_EDIT may ask for Production, not make it.
    assert "lets you ask for Production, not make it: add --request" in err
    assert "CAN_EDIT" in err
    code, out, err = run(
        "promote", bob, name, "2", "--stage", "Production", "--request", "--comment", "AUC", "--yes"
    )
    assert code == 0, err
    assert "Requested: v2 → Production, requested by bob@example.com" in out
    code, _, err = run("promote", bob, name, "2", "--stage", "Production", "--request", "--yes")
    assert code == 1 and "already asked" in err

    code, out, err = run("requests", "list", ana, name, "--json")
    assert code == 0, err
    listed = json.loads(out)
    assert [(r["version"], r["to_stage"], r["requester"], r["comment"]) for r in listed] == [
        ("2", "Production", BOB, "AUC")
    ]
    code, out, _ = run("requests", "list", ana, name)
    assert "v2       Production  bob@example.com" in out

    code, _, err = run("requests", "approve", bob, name, "2", "--stage", "Production", "--yes")
    assert code == 1 and "Permission denied" in err
    code, out, err = run(
        "requests",
        "approve",
        ana,
        name,
        "2",
        "--stage",
        "production",
        "--archive-existing",
        "--comment",
        "ship it",
        "--yes",
    )
    assert code == 0, err
    assert "Now: v2 Production" in out and "v1 Archived" in out
    assert admin_store(mlflow_server).get_model_version(name, "1").current_stage == "Archived"
    code, out, _ = run("requests", "list", ana, name)
    assert out.strip() == "No open transition requests."


def test_contract_cli_reject_withdraw_and_refusals(
    contract: Contract, mlflow_server: MlflowServer
) -> None:
    contract.permissions.update({ANA: "CAN_MANAGE", BOB: "CAN_EDIT", CAROL: "CAN_READ"})
    name = seeded_model(mlflow_server, 1)
    bob, ana, carol = (cli_profile(contract, w) for w in (BOB, ANA, CAROL))

    code, _, err = run("promote", carol, name, "1", "--stage", "Staging", "--request", "--yes")
    assert code == 1 and "CAN_READ" in err and "does not allow it" in err
    code, _, err = run("promote", bob, name, "1", "--stage", "Staging", "--request")
    assert code == 1 and "add --yes" in err  # no terminal to ask on: nothing is sent
    assert contract.requests_by_version.get((name, "1"), []) == []

    assert run("promote", bob, name, "1", "--stage", "Staging", "--request", "--yes")[0] == 0
    code, out, err = run(
        "requests", "reject", ana, name, "1", "--stage", "Staging", "--comment", "red", "--yes"
    )
    assert code == 0, err
    assert "Now: v1 None" in out
    code, _, err = run("requests", "reject", ana, name, "1", "--stage", "Staging", "--yes")
    assert code == 1 and "no open request" in err

    assert run("promote", bob, name, "1", "--stage", "Staging", "--request", "--yes")[0] == 0
    code, _, err = run("requests", "withdraw", ana, name, "1", "--stage", "Staging", "--yes")
    assert code == 1 and "no open request" in err and "by ana@example.com" in err
    code, out, err = run("requests", "withdraw", bob, name, "1", "--stage", "Staging", "--yes")
    assert code == 0, err
    assert contract.requests_by_version[(name, "1")] == []


def test_contract_cli_requests_on_a_confirm_registry_need_the_name_typed_not_yes(
    contract: Contract, mlflow_server: MlflowServer
) -> None:
    contract.permissions.update({ANA: "CAN_MANAGE", BOB: "CAN_EDIT"})
    name = seeded_model(mlflow_server, 2)
    bob, ana = cli_profile(contract, BOB), cli_profile(contract, ANA)
    store = ProfileStore()
    for who in (bob, ana):
        store.replace(store.get(who).model_copy(update={"protection": "confirm"}))
    asked = ("promote", bob, name, "2", "--stage", "Staging", "--request", "--yes")
    code, _, err = run(*asked)
    assert code == 1 and f"add --confirm '{name}'" in err  # --yes is not the typed name
    assert contract.requests_by_version.get((name, "2"), []) == []  # nothing was sent
    code, _, err = run(*asked, "--confirm", "not-it")
    assert code == 1 and "is not the model's name" in err
    code, out, err = run(*asked, "--confirm", name)
    assert code == 0 and "Requested: v2 → Staging" in out, err
    decide = ("requests", "reject", ana, name, "2", "--stage", "Staging", "--yes")
    code, _, err = run(*decide)
    assert code == 1 and "not confirmed" in err
    assert len(contract.requests_by_version[(name, "2")]) == 1  # still open
    code, out, err = run(*decide, "--confirm", name)
    assert code == 0, err
    assert contract.requests_by_version[(name, "2")] == []
