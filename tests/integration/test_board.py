"""The promotion board's data on the real demo registry: versions, access, card metrics, and
run metrics read once per run (ended runs do not change)."""

from __future__ import annotations

from typing import Any

from modelyard.core.actions.board import load_board, metric_choices
from modelyard.core.connectors import open_registry
from modelyard.core.profiles.profile import Profile
from modelyard.core.profiles.secrets import SecretStore


class CountingRuns:
    """The real registry, with a count of get_run calls (a spy, not a fake)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.runs = 0

    def get_run(self, run_id: str) -> Any:
        self.runs += 1
        return self.inner.get_run(run_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_board_reads_each_ended_run_once(demo_profile: Profile, secrets: SecretStore) -> None:
    registry = open_registry(demo_profile, secrets)
    try:
        spy = CountingRuns(registry)
        cache: dict[str, Any] = {}
        first = load_board(spy, "churn-classifier", run_metrics=cache)
        assert [v.version for v in first.versions] == ["5", "4", "3", "2", "1"]
        assert first.access.edit is True and first.requests == {}
        assert spy.runs == 5 and len(cache) == 5
        # A familiar quality metric that tells the cards apart (the demo's "accuracy" is 0.7
        # on every run, the complaint of #15.2).
        assert metric_choices(first.metrics)[0] == "val_accuracy"
        again = load_board(spy, "churn-classifier", run_metrics=cache)
        assert spy.runs == 5  # nothing read again
        assert again.metrics == first.metrics
        load_board(spy, "churn-classifier")
        assert spy.runs == 10  # without a cache every run is read
    finally:
        registry.close()
