"""The core registry state: reads merged as differences, subscribers told, derived text from
the versions (issue #12, first slice)."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

from modelyard.core.model.domain import ModelSummary, Stage, VersionSummary
from modelyard.core.model.snapshot import load_snapshot, save_snapshot
from modelyard.core.model.state import Changes, RegistryState, StateEvent


def v(version: str, stage: Stage = Stage.NONE) -> VersionSummary:
    return VersionSummary("m", version, stage)


def test_merges_report_exactly_what_changed_and_tell_subscribers() -> None:
    state = RegistryState("p")
    events: list[StateEvent] = []
    unsubscribe = state.subscribe(events.append)
    assert state.merge_models([ModelSummary("a"), ModelSummary("b")], complete=True) == Changes(
        ("a", "b")
    )
    same = state.merge_models([ModelSummary("a"), ModelSummary("b")], complete=True)
    assert not same  # nothing changed: nobody is told
    changed = state.merge_models([ModelSummary("a", description="new")], complete=True)
    assert changed == Changes((), ("a",), ("b",))
    assert [e.changes for e in events] == [Changes(("a", "b")), changed]
    unsubscribe()
    state.merge_models([ModelSummary("c")], complete=False)
    assert len(events) == 2 and set(state.models) == {"a", "c"}


def test_the_stage_line_comes_from_the_versions_once_they_are_known() -> None:
    state = RegistryState("p")
    listed = ModelSummary("m", latest_by_stage=MappingProxyType({"Production": "5"}))
    state.merge_models([listed], complete=True)
    assert state.stage_line("m") == "Prod v5"
    state.merge_versions(
        "m", [v("5", Stage.PRODUCTION), v("3", Stage.STAGING), v("2")], complete=True
    )
    assert state.stage_line("m") == "Prod v5 · Stg v3"
    # A write's answer (v3 archived by someone) changes the derived line, no second copy to fix.
    assert state.apply_version(v("3", Stage.ARCHIVED)) == Changes((), ("m/3",))
    assert state.stage_line("m") == "Prod v5"
    assert [x.version for x in state.sorted_versions("m")] == ["5", "3", "2"]


def test_a_snapshot_round_trips(tmp_path: Path) -> None:
    state = RegistryState("p")
    state.merge_models(
        [
            ModelSummary(
                "m", tags=MappingProxyType({"k": "v"}), aliases=MappingProxyType({"c": "5"})
            )
        ],
        complete=True,
    )
    state.merge_versions("m", [v("5", Stage.PRODUCTION)], complete=True)
    save_snapshot(state, tmp_path)
    back = load_snapshot("p", tmp_path)
    assert back is not None
    assert back.models == state.models and back.versions == state.versions
    assert back.models_read_at == state.models_read_at
    assert load_snapshot("other", tmp_path) is None


def test_a_removed_model_leaves_nothing_behind_and_a_read_does_not_say_online() -> None:
    """A model gone from a complete listing takes its versions and its "read live" mark with
    it (a model of the same name made later is not "read live" from the start); a complete
    read marks the state live but leaves the registry's offline status to whoever reached it
    (a read in the comparison window said the tree's registry was online)."""
    state = RegistryState("p1")
    state.merge_models([ModelSummary("m"), ModelSummary("n")], complete=True)
    state.merge_versions("m", [VersionSummary("m", "1", Stage.NONE)], complete=True)
    state.retain_versions("m", ["1"])
    assert "m" in state.live_versions
    state.set_offline("refused")
    state.retain_models(["n"])
    assert "m" not in state.models and "m" not in state.versions
    assert "m" not in state.live_versions and "m" not in state.versions_read_at
    assert state.live and state.offline == "refused"
    state.merge_models([ModelSummary("n")], complete=True)
    state.merge_models([ModelSummary("m")], complete=False)
    assert "m" not in state.live_versions
    assert "m" not in state.live_view().versions_read_at
