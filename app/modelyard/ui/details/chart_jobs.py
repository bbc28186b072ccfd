"""Reading the metric histories a version's chart shows, off the GUI thread, each run's metric
read once (kept until the user reloads)."""

from __future__ import annotations

from typing import Any

from modelyard.core.model.domain import MetricPoint
from modelyard.core.model.errors import ModelyardError
from modelyard.core.profiles.profile import Profile
from modelyard.core.session import Connections
from modelyard.ui.common.workers import CancelToken, Job, WorkerPool
from modelyard.ui.details.version_view import VersionView


class ChartJobs:
    """The metric-history read of the version pane's chart (one at a time)."""

    def __init__(self, connections: Connections, workers: WorkerPool) -> None:
        self.connections, self.workers = connections, workers
        self.job: Job[Any] | None = None
        self.cache: dict[tuple[str, str], tuple[MetricPoint, ...]] = {}

    def cancel(self) -> None:
        """Drop the read in flight."""
        if self.job is not None:
            self.job.cancel()
        self.job = None

    def load(self, profile: Profile, view: VersionView) -> None:
        """Read the selected metrics of the shown version (and of those compared with it)."""
        detail = view.detail
        if detail is None or detail.run is None:
            return
        wanted: list[tuple[str, str, str]] = []  # (label, run id, key)
        for key in view.selected_metrics():
            wanted.append((f"v{detail.version.version} · {key}", detail.run.run_id, key))
            for other in view.compared_versions():
                wanted.append((f"v{other.version} · {key}", other.run_id, key))
        self.cancel()
        cache, connections = self.cache, self.connections

        def load(token: CancelToken) -> dict[str, tuple[MetricPoint, ...]]:
            registry = connections.get(profile)
            out: dict[str, tuple[MetricPoint, ...]] = {}
            for label, run_id, key in wanted:
                token.raise_if_cancelled()
                cached = cache.get((run_id, key))
                if cached is None:
                    try:
                        cached = registry.metric_history(run_id, key)
                    except ModelyardError:
                        cached = ()  # that version's run lacks the metric or is gone
                out[label] = cached
            return out

        def done(histories: dict[str, tuple[MetricPoint, ...]]) -> None:
            if job is not self.job:
                return
            self.job = None
            for label, run_id, key in wanted:
                cache[(run_id, key)] = histories.get(label, ())
            view.chart.set_histories({k: v for k, v in histories.items() if v})

        def failed(error: ModelyardError) -> None:
            if job is self.job:
                self.job = None
                view.show_error(f"Metric history could not be read: {error.message}")

        job: Job[Any] = self.workers.submit(
            load, done, failed, "metric history", talks_to=profile.id
        )
        self.job = job
