"""What held each stage and alias at a moment, and restoring one, on a real server through the
CLI (``history --at``, ``--restore``): the promotions go through Modelyard, so they are on record.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from modelyard.core.profiles.profile import ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from tests.helpers.board import fresh_model
from tests.helpers.cli import run
from tests.helpers.registry import add_server_profile, admin_store
from tests.support.servers import MlflowServer


def _promote(*args: str) -> None:
    code, _out, err = run("promote", "tl", *args, "--yes")
    assert code == 0, err


def test_what_held_production_and_champion_then_and_putting_them_back(
    mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    model = f"timeline-{uuid.uuid4().hex[:6]}"
    fresh_model(mlflow_server, model, 3)
    add_server_profile(store, secrets, mlflow_server, "tl")
    before = datetime.now(UTC)
    _promote(model, "1", "--stage", "production")
    _promote(model, "1", "--alias", "champion")
    then = datetime.now(UTC)
    _promote(model, "2", "--stage", "production", "--archive-existing")
    _promote(model, "2", "--alias", "champion")
    code, out, err = run("history", "tl", model, "--at", then.isoformat(), "--json")
    assert code == 0, err
    held = {h["what"]: h["version"] for h in json.loads(out)["held"]}
    assert held == {"Production": "1", "@champion": "1"}
    code, out, err = run("history", "tl", model, "--at", before.isoformat(), "--json")
    assert code == 0, err
    assert json.loads(out)["held"] == []  # nothing held anything before the first move
    code, out, err = run("history", "tl", model, "--at", "last tuesday")
    assert code != 0 and "is not a moment" in err
    # now: v2 in Production and @champion; put @champion back as it was then
    code, out, err = run(
        "history", "tl", model, "--at", then.isoformat(), "--restore", "@champion", "--yes"
    )
    assert code == 0, err
    assert "@champion" in out and "v1" in out
    admin = admin_store(mlflow_server)
    assert str(admin.get_registered_model(model).aliases["champion"]) == "1"
    code, out, err = run(
        "history", "tl", model, "--at", then.isoformat(), "--restore", "Production", "--yes"
    )
    assert code == 0, err
    assert admin.get_model_version(model, "1").current_stage == "Production"
    assert admin.get_model_version(model, "2").current_stage == "Archived"  # as then: one there
    # the restore is itself on record: the history now ends with v1 back in Production
    code, out, err = run("history", "tl", model, "--json")
    events = json.loads(out)
    restored = [e for e in events if "restored to" in e["comment"]]
    assert {e["kind"] for e in restored} == {"alias-set", "stage"}
    code, out, err = run(
        "history", "tl", model, "--at", then.isoformat(), "--restore", "Production", "--yes"
    )
    assert code == 0 and "Nothing to do" in out  # already as it was
