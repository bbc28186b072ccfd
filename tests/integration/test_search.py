"""``modelyard search`` against a real server (#29): tags of versions and models, stages,
aliases, the source runs' metrics, negation; a registry that cannot be reached is searched in
its kept state, each row saying when it was seen."""

from __future__ import annotations

import json
import time
import uuid

from mlflow.entities import Metric
from mlflow.entities.model_registry import ModelVersionTag

from modelyard.core.kinds import MlflowServerSettings
from modelyard.core.profiles.profile import ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from tests.helpers.cli import run
from tests.helpers.registry import (
    add_server_profile,
    admin_store,
    admin_tracking_store,
    create_version,
    ensure_model,
)
from tests.support.servers import MlflowServer


def _version_with_metric(server: MlflowServer, model: str, auc: float) -> str:
    made = create_version(server, model)
    stamp = int(time.time() * 1000)
    admin_tracking_store(server).log_metric(made.run_id, Metric("val_auc", auc, stamp, 0))
    return str(made.version)


def test_search_finds_by_tag_stage_alias_and_metric_then_in_the_kept_state_when_down(
    mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    tag = uuid.uuid4().hex[:6]
    fraud, other = f"srch-fraud-{tag}", f"srch-other-{tag}"
    admin = admin_store(mlflow_server)
    ensure_model(admin, fraud, {"team": "fraud"})
    ensure_model(admin, other)
    low = _version_with_metric(mlflow_server, fraud, 0.80)
    high = _version_with_metric(mlflow_server, fraud, 0.95)
    _version_with_metric(mlflow_server, other, 0.97)
    admin.transition_model_version_stage(fraud, high, "Production", False)
    admin.set_registered_model_alias(fraud, "champion", high)
    admin.set_model_version_tag(fraud, low, ModelVersionTag("validated", "yes"))
    profile = add_server_profile(store, secrets, mlflow_server, "q1")

    def found(query: str, *options: str) -> list[dict[str, object]]:
        code, out, err = run("search", query, "--json", *options)
        assert code == 0, err
        return [h for h in json.loads(out) if str(h["model"]).endswith(tag)]

    rows = found("tag:team=fraud metric:val_auc>0.9")
    assert [(r["model"], r["version"]) for r in rows] == [(fraud, high)]
    assert rows[0]["matched"] == ["model tag team=fraud", "val_auc=0.95"]
    assert rows[0]["stage"] == "Production" and rows[0]["aliases"] == ["champion"]
    assert [(r["model"], r["version"]) for r in found(f"srch {tag} metric:val_auc>=0.95")] == [
        (fraud, high),
        (other, "1"),
    ]
    assert [r["version"] for r in found(f"{tag} tag:validated")] == [low]
    assert [r["model"] for r in found(f"{tag} -tag:team")] == [other]
    assert [r["version"] for r in found(f"{tag} @champ stage:prod")] == [high]
    code, _out, err = run("search", f"{tag} registry:elsewhere")
    assert code == 1 and "no profile matches registry:elsewhere" in err
    code, out, err = run("search", f"{tag} stage:production")
    assert code == 0 and f"v{high}" in out and "PROFILE" in out and "SEEN" not in out
    code, _out, err = run("search", "metric:val_auc>very")
    assert code == 1 and "'very' is not a number" in err
    # saved under a name, run by it
    code, out, err = run("search", f"{tag} @champion", "--save", "champions", "--json")
    assert code == 0 and "Saved search champions" in err and f'"version": "{high}"' in out
    code, out, err = run("search", "--saved", "Champions", "--json")
    assert code == 0 and [h["version"] for h in json.loads(out) if tag in h["model"]] == [high]
    assert "champions" in run("searches")[1]
    assert run("searches", "--remove", "champions")[0] == 0
    code, _out, err = run("search", "--saved", "champions")
    assert code == 1 and "no saved search named 'champions'" in err

    # kept: listed once while it answers, then the server's address goes dead
    code, _out, err = run("ls", "q1")
    assert code == 0, err
    code, _out, err = run("ls", "q1", fraud)
    assert code == 0, err
    dead = MlflowServerSettings(url="http://127.0.0.1:9", auth="none")
    store.replace(profile.model_copy(update={"settings": dead}))
    code, out, err = run("search", f"{tag} stage:prod", "--profile", "q1")
    assert code == 0, err
    assert f"v{high}" in out and "SEEN" in out and "ago" in out
    assert "searched as seen" in err and "127.0.0.1" in err  # the host that failed, named
    kept = found(f"{tag} metric:val_auc>0.1", "--profile", "q1")
    assert kept == []  # metrics are not kept
    code, _out, err = run("search", f"{tag} metric:val_auc>0.1", "--profile", "q1")
    assert "metrics are not kept" in err
    # a live search keeps what it read, as ls does: searched once, then found while down
    other_profile = add_server_profile(store, secrets, mlflow_server, "q2")
    assert [r["version"] for r in found(f"{tag} @champion", "--profile", "q2")] == [high]
    store.replace(other_profile.model_copy(update={"settings": dead}))
    code, out, err = run("search", f"{tag} @champion", "--profile", "q2")
    assert code == 0 and f"v{high}" in out and "searched as seen" in err, err
