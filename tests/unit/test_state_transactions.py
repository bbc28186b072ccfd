"""Named transactions on the registry state: subscribers are told once, after the whole
change, never in the middle of it; a state owned by one thread refuses changes from another."""

from __future__ import annotations

import threading

import pytest

from modelyard.core.model.domain import ModelSummary, Stage, VersionSummary
from modelyard.core.model.state import Changes, RegistryState, StateEvent, WrongThread
from modelyard.core.model.states import States


def v(version: str, stage: Stage = Stage.NONE) -> VersionSummary:
    return VersionSummary("m", version, stage)


def test_subscribers_are_told_once_after_the_transaction_and_see_it_whole() -> None:
    state = RegistryState("p")
    seen: list[tuple[StateEvent, int, int]] = []
    state.subscribe(lambda e: seen.append((e, len(state.models), len(state.versions.get("m", {})))))
    with state.transaction("read m"):
        state.merge_models([ModelSummary("m"), ModelSummary("n")], complete=True)
        state.merge_versions("m", [v("1"), v("2")], complete=True)
        state.merge_models([ModelSummary("m", description="new")], complete=False)
        assert seen == []  # nothing told in the middle
    events = [e for e, _, _ in seen]
    assert events == [
        StateEvent(None, Changes(("m", "n"))),  # added, then changed: told as added
        StateEvent("m", Changes(("m/1", "m/2"))),
    ]
    assert all(models == 2 and versions == 2 for _, models, versions in seen)


def test_nested_transactions_join_the_outer_one_and_an_error_still_tells() -> None:
    state = RegistryState("p")
    events: list[StateEvent] = []
    state.subscribe(events.append)
    with pytest.raises(ValueError), state.transaction("outer"):
        with state.transaction("inner"):
            state.merge_models([ModelSummary("a")], complete=False)
        assert events == []
        state.merge_models([ModelSummary("b")], complete=False)
        raise ValueError("the rest failed")
    assert events == [StateEvent(None, Changes(("a", "b")))]  # what did change is told


@pytest.mark.parametrize(
    ("first", "later", "together"),
    [
        (Changes(("a",)), Changes(removed=("a",)), Changes()),  # new and gone again
        (Changes(removed=("a",)), Changes(("a",)), Changes(changed=("a",))),  # gone and back
        (Changes(("a",)), Changes(changed=("a",)), Changes(("a",))),
        (Changes(changed=("a",)), Changes(removed=("a",)), Changes(removed=("a",))),
        (Changes(("a",), ("b",)), Changes(("c",), ("b",)), Changes(("a", "c"), ("b",))),
    ],
)
def test_changes_add_up(first: Changes, later: Changes, together: Changes) -> None:
    assert first + later == together


def test_a_live_read_of_a_model_is_one_change_per_part() -> None:
    state = RegistryState("p")
    state.merge_versions("m", [v("1"), v("9")], complete=True)
    events: list[StateEvent] = []
    state.subscribe(events.append)
    summary, versions = state.read_model(ModelSummary("m"), [v("1", Stage.STAGING), v("2")])
    assert summary == Changes(("m",))
    assert versions == Changes(("m/2",), ("m/1",), ("m/9",))
    assert events == [StateEvent(None, summary), StateEvent("m", versions)]
    assert "m" in state.live_versions and set(state.versions["m"]) == {"1", "2"}


def test_a_state_owned_by_one_thread_refuses_changes_from_another() -> None:
    states = States()
    before = states.get("p")
    states.bind_owner()
    after = states.get("q")
    before.merge_models([ModelSummary("a")], complete=False)  # the owner may
    failures: list[BaseException] = []

    def worker() -> None:
        for state in (before, after):
            try:
                state.merge_models([ModelSummary("b")], complete=False)
            except WrongThread as exc:
                failures.append(exc)

    thread = threading.Thread(target=worker, name="a-worker")
    thread.start()
    thread.join()
    assert len(failures) == 2
    assert "merge_models" in str(failures[0]) and "a-worker" in str(failures[0])
    assert set(before.models) == {"a"} and not after.models  # nothing half-merged


def test_views_read_the_state_but_cannot_write_it() -> None:
    state = RegistryState("p")
    state.merge_versions("m", [v("1")], complete=True)
    state.merge_models([ModelSummary("m")], complete=True)
    with pytest.raises(TypeError):
        state.models["n"] = ModelSummary("n")  # type: ignore[index]
    with pytest.raises(TypeError):
        state.versions["m"]["2"] = v("2")  # type: ignore[index]
    with pytest.raises(TypeError):
        state.versions_read_at["m"] = state.versions_read_at["m"]  # type: ignore[index]
    assert set(state.models) == {"m"} and set(state.versions["m"]) == {"1"}
    copy = state.copy()
    copy.merge_models([ModelSummary("n")], complete=False)
    assert "n" not in state.models  # a copy is detached
