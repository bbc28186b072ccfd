"""What a sync selects and how it names models in the target (no server)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelyard.core.actions.sync import NameMap, Selection, _mirror
from modelyard.core.model.domain import Stage, VersionSummary
from modelyard.core.model.errors import RegistryError


def _versions() -> list[VersionSummary]:
    return [
        VersionSummary("m", "10", Stage.NONE, aliases=("champion",)),
        VersionSummary("m", "2", Stage.STAGING),
        VersionSummary("m", "1"),
        VersionSummary("m", "9", Stage.ARCHIVED),
    ]


def test_a_selection_picks_versions_oldest_first() -> None:
    assert [v.version for v in Selection().pick(_versions())] == ["1", "2", "9", "10"]
    assert [v.version for v in Selection(versions="latest:2").pick(_versions())] == ["9", "10"]
    assert [v.version for v in Selection(versions="staged").pick(_versions())] == ["2", "9", "10"]
    assert Selection(("churn-*", "fraud")).wants_model("churn-eu")
    assert not Selection(("churn-*",)).wants_model("fraud-eu")
    assert Selection().wants_model("anything")
    # versions chosen one by one in the tree: exactly those, of exactly those models
    only = Selection(("*",), only=frozenset({("m", "2"), ("m", "10"), ("n[1]", "1")}))
    assert [v.version for v in only.pick(_versions())] == ["2", "10"]
    assert only.wants_model("m") and only.wants_model("n[1]") and not only.wants_model("n1")
    for wrong in ("latest:0", "latest", "some", "latest:x"):
        with pytest.raises(RegistryError, match="all, staged or latest:N"):
            Selection(versions=wrong)


def test_names_come_from_the_map_first_then_prefix_and_suffix(tmp_path: Path) -> None:
    names = NameMap("main.ml.", "_v2", {"churn": "main.ml.churn_classifier"})
    assert names.target("churn") == "main.ml.churn_classifier"
    assert names.target("fraud") == "main.ml.fraud_v2"
    path = tmp_path / "map.json"
    path.write_text(json.dumps({"a": " b "}))
    assert NameMap.from_file(path).mapping == {"a": "b"}
    path.write_text("not json")
    with pytest.raises(RegistryError, match="is not JSON"):
        NameMap.from_file(path)
    with pytest.raises(RegistryError, match="cannot be read"):
        NameMap.from_file(tmp_path / "missing.json")


def test_mirroring_sets_only_what_differs() -> None:
    source = VersionSummary("m", "3", Stage.PRODUCTION, aliases=("champion", "eu"))
    held = VersionSummary("m", "7", Stage.PRODUCTION, aliases=("eu",))
    assert [t.describe() for t in _mirror(source, held, True, True)] == ["@champion"]
    assert [t.describe() for t in _mirror(source, None, True, False)] == ["Production"]
    assert _mirror(source, held, False, False) == ()
