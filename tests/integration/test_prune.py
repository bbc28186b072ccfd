"""Retention clean-up on a real server: the plan first (nothing written), then archive, then
delete; a rerun finds nothing to do; a version deleted meanwhile is not a failure."""

from __future__ import annotations

import json
import uuid

from modelyard.core.actions.prune import Keep, plan_prune, run_prune
from modelyard.core.connectors import open_registry
from modelyard.core.profiles.profile import ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from tests.helpers.board import fresh_model
from tests.helpers.cli import run
from tests.helpers.registry import add_server_profile, admin_store
from tests.support.servers import MlflowServer


def test_prune_plans_then_archives_then_deletes(
    mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    model = f"prune-{uuid.uuid4().hex[:6]}"
    fresh_model(mlflow_server, model, 6)
    admin = admin_store(mlflow_server)
    admin.transition_model_version_stage(model, "2", "Staging", False)
    admin.set_registered_model_alias(model, "champion", "3")
    add_server_profile(store, secrets, mlflow_server, "pr")
    keep = ["--keep-latest", "2", "--keep-staged", "--keep-aliased"]
    code, out, err = run("prune", "pr", model, *keep, "--archive", "--dry-run", "--json")
    assert code == 0, err
    plan = json.loads(out)
    assert {i["version"]: (i["action"], i["why"]) for i in plan["items"]} == {
        "6": ("keep", "latest 2"),
        "5": ("keep", "latest 2"),
        "4": ("archive", "older than the latest 2"),
        "3": ("keep", "@champion"),
        "2": ("keep", "in Staging"),
        "1": ("archive", "older than the latest 2"),
    }
    assert len(plan["commands"]) == 2 and "--stage archived" in plan["commands"][0]
    assert admin.get_model_version(model, "4").current_stage == "None"  # a dry run writes nothing
    code, out, err = run("prune", "pr", model, *keep, "--archive", "--yes")
    assert code == 0, err
    assert "2 done, 0 failed" in out
    stages = {n: admin.get_model_version(model, n).current_stage for n in "123456"}
    assert stages == {
        "1": "Archived", "2": "Staging", "3": "None", "4": "Archived", "5": "None", "6": "None",
    }  # fmt: skip
    code, out, err = run("prune", "pr", model, *keep, "--archive", "--yes")
    assert code == 0 and "0 to archive" in out  # archived already: nothing to do
    code, out, err = run("prune", "pr", model, "--keep-latest", "5", "--delete", "--yes")
    assert code == 0, err
    assert sorted(v.version for v in admin.search_model_versions(f"name='{model}'")) == [
        "2", "3", "4", "5", "6",
    ]  # fmt: skip


def test_a_version_deleted_meanwhile_is_not_a_failure(
    mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    model = f"prune-gone-{uuid.uuid4().hex[:6]}"
    fresh_model(mlflow_server, model, 3)
    profile = add_server_profile(store, secrets, mlflow_server, "pg")
    registry = open_registry(profile, secrets)
    try:
        plan = plan_prune(registry, "pg", [model], Keep(1), mode="delete")
        assert [i.version for i in plan.changes] == ["2", "1"]
        admin_store(mlflow_server).delete_model_version(model, "1")  # someone else, meanwhile
        outcome = run_prune(registry, plan)
    finally:
        registry.close()
    assert [i.version for i in outcome.done] == ["2", "1"] and outcome.failed == []


def test_the_tag_command_the_bulk_plan_prints_sets_and_removes_a_tag(
    mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    import shlex

    from modelyard.core.actions.bulk import Change, plan_bulk

    model = f"tagged-{uuid.uuid4().hex[:6]}"
    fresh_model(mlflow_server, model, 1)
    profile = add_server_profile(store, secrets, mlflow_server, "tg")
    registry = open_registry(profile, secrets)
    try:
        plan = plan_bulk(registry, "tg", [(model, "1")], Change("tag", "team", "fraud & risk"))
    finally:
        registry.close()
    (command,) = plan.commands()
    code, out, err = run(*shlex.split(command)[1:])  # the printed command, as a shell reads it
    assert code == 0, err
    admin = admin_store(mlflow_server)
    assert admin.get_model_version(model, "1").tags["team"] == "fraud & risk"
    code, out, err = run("tag", "tg", model, "1", "team=fraud & risk")
    assert code == 0 and "Nothing to do" in out
    code, out, err = run("tag", "tg", model, "1", "--remove", "team")
    assert code == 0, err
    assert "team" not in admin.get_model_version(model, "1").tags
    code, out, err = run("tag", "tg", model, "1", "modelyard.event.1=x")
    assert code != 0 and "Modelyard's own" in err


def test_bulk_alias_goes_to_one_version_per_model_and_descriptions_via_the_printed_commands(
    mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    import shlex

    from modelyard.core.actions.bulk import Change, plan_bulk, run_bulk

    tag = uuid.uuid4().hex[:6]
    a, b = f"alias-a-{tag}", f"alias-b-{tag}"
    fresh_model(mlflow_server, a, 3)
    fresh_model(mlflow_server, b, 2)
    admin = admin_store(mlflow_server)
    admin.set_registered_model_alias(b, "champion", "2")
    profile = add_server_profile(store, secrets, mlflow_server, "al")
    registry = open_registry(profile, secrets)
    try:
        chosen = [(a, "1"), (a, "3"), (b, "2")]
        plan = plan_bulk(registry, "al", chosen, Change("alias", "champion"))
        notes = {(i.model, i.version): (i.before, i.after, i.skip) for i in plan.items}
        assert notes[(a, "1")][2] == "one version per model: v3 takes @champion"
        assert notes[(a, "3")] == ("(no @champion)", "@champion", "")
        assert notes[(b, "2")][2] == "already so"
        assert plan.commands() == [f"modelyard promote al {a} 3 --alias champion --yes"]
        outcome = run_bulk(registry, plan)
        assert [(i.model, i.version) for i in outcome.done] == [(a, "3")] and not outcome.failed
        assert str(admin.get_registered_model(a).aliases["champion"]) == "3"
        # the description: planned, then applied by the printed command as a shell reads it
        text = "Retrained on Q4 data.\n\nDon't use for 'EU' traffic; see `runbook`."
        described = plan_bulk(registry, "al", [(a, "1"), (b, "1")], Change("description", text))
        assert [i.after for i in described.items] == [repr(" ".join(text.split())[:39] + "…")] * 2
    finally:
        registry.close()
    for command in described.commands():
        code, _out, err = run(*shlex.split(command)[1:])
        assert code == 0, err
    assert admin.get_model_version(a, "1").description == text
    assert admin.get_model_version(b, "1").description == text
    code, out, err = run("set-description", "al", a, "1", text)
    assert code == 0 and "Nothing to do" in out and "already so" in out
    code, out, err = run("set-description", "al", a, "1")
    assert code != 0 and "give the description" in err
