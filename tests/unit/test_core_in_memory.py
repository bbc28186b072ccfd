"""Core flows on in-memory registries (tests/support/memory_registry.py, held to the real
servers' behaviour by tests/contract/test_contract_registry_suite.py): a whole sync with its
rerun, and promotions with their conflicts, in well under a second — no server, no Qt."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from modelyard.core.actions.copy_plan import SOURCE_TAG, Endpoint
from modelyard.core.actions.promote import PromotionConflict, ShownModel, Target, promote
from modelyard.core.actions.sync import NameMap, Selection, plan_sync, run_sync
from modelyard.core.actions.sync_journal import Journal
from modelyard.core.model.domain import MetricPoint, Stage
from modelyard.core.reads.history import recorded_events
from tests.support.memory_registry import MemoryRegistry


def _seed(registry: MemoryRegistry, tmp_path: Path, model: str, versions: int) -> None:
    """A model whose versions each have a run (a param, a metric history) and two files."""
    registry.create_model(model, f"{model} for tests", {"team": "fraud"})
    for n in range(versions):
        run_id, uri = registry.create_copy_run(f"train {n}", {})
        registry.log_run_data(
            run_id, {"n": str(n)}, [("loss", MetricPoint(s, 1 / (s + 1))) for s in range(3)]
        )
        for name, data in (("MLmodel", b"flavors: {}\n"), ("data/w.bin", os.urandom(2048))):
            path = tmp_path / f"{model}-{n}-{name.replace('/', '_')}"
            path.write_bytes(data)
            registry.upload_file(uri, f"model/{name}", path, lambda _n: None)
        registry.create_version(model, f"{uri}/model", run_id, f"v{n + 1}", {})


def test_a_sync_copies_everything_once_and_its_rerun_writes_nothing(tmp_path: Path) -> None:
    dev, prod = MemoryRegistry("dev"), MemoryRegistry("prod")
    _seed(dev, tmp_path, "churn", 3)
    _seed(dev, tmp_path, "fraud", 2)
    dev.transition_stage("churn", "2", Stage.PRODUCTION)
    dev.set_alias("churn", "champion", "3")
    source, target = Endpoint(dev, "dev"), Endpoint(prod, "prod")
    names = NameMap(prefix="team-")
    plan = plan_sync(source, target, Selection(), names, mirror_stages=True, mirror_aliases=True)
    assert (plan.count("copy"), plan.count("there")) == (5, 0)
    journal = Journal(dev.location, prod.location, tmp_path / "journal")
    report = run_sync(source, target, plan, jobs=2, journal=journal)
    assert report.ok and report.count("copied") == 5
    assert [v.version for v in prod.list_versions("team-churn").items] == ["3", "2", "1"]
    assert prod.get_version("team-churn", "2").stage is Stage.PRODUCTION
    assert dict(prod.get_model("team-churn").aliases) == {"champion": "3"}
    copied = prod.get_version("team-churn", "1")
    assert copied.tags[SOURCE_TAG] == f"{dev.location}#churn/1"
    run = prod.get_run(copied.run_id)
    assert dict(run.params) == {"n": "0"} and len(prod.metric_history(copied.run_id, "loss")) == 3
    location = prod.artifact_location("team-churn", "1")
    assert {e.path for e in prod.walk_artifacts(location)} == {"MLmodel", "data/w.bin"}
    writes = prod.writes
    again = plan_sync(source, target, Selection(), names, mirror_stages=True, mirror_aliases=True)
    assert (again.count("copy"), again.writes) == (0, 0)  # found through the lineage tags
    assert run_sync(source, target, again, journal=journal).count("there") == 5
    assert prod.writes == writes  # the rerun wrote nothing


def test_a_sync_of_the_latest_version_only_names_what_it_leaves(tmp_path: Path) -> None:
    dev, prod = MemoryRegistry("dev"), MemoryRegistry("prod")
    _seed(dev, tmp_path, "churn", 3)
    plan = plan_sync(Endpoint(dev, "dev"), Endpoint(prod, "prod"), Selection(versions="latest:1"))
    assert [(i.model, i.version, i.action) for i in plan.items] == [("churn", "3", "copy")]


def test_promotions_record_once_and_refuse_a_model_that_changed_meanwhile() -> None:
    registry = MemoryRegistry("dev", identity="ana")
    registry.create_model("churn", "", {})
    for _ in range(3):
        registry.create_version("churn", "memory://files", "", "", {})
    promote(registry, "churn", "1", Target("stage", "Production"))
    shown = ShownModel.read(registry, "churn")
    result = promote(
        registry, "churn", "2", Target("stage", "Production"), shown=shown, archive_existing=True
    )
    assert result.version.stage is Stage.PRODUCTION
    assert registry.get_version("churn", "1").stage is Stage.ARCHIVED
    events = recorded_events("2", registry.get_version("churn", "2").tags)
    assert [(e.who, e.from_value, e.to_value) for e in events] == [("ana", "None", "Production")]
    registry.transition_stage("churn", "3", Stage.STAGING)  # someone else, meanwhile
    with pytest.raises(PromotionConflict) as conflict:
        promote(registry, "churn", "3", Target("stage", "Production"), shown=shown)
    assert conflict.value.differences and registry.get_version("churn", "3").stage is Stage.STAGING
