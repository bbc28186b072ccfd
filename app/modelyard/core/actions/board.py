"""Everything the promotion board of one model shows, read in one background job.

The versions and aliases, what the current identity may do, open transition requests, and the
metrics of each card's source run (for its "key metric"). Runs and requests are read in
parallel; a run that cannot be read only leaves its card without a metric.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from types import MappingProxyType

from modelyard.core.actions.transitions import open_requests
from modelyard.core.model.domain import (
    Access,
    Capabilities,
    ModelSummary,
    Stage,
    TransitionRequest,
    VersionSummary,
    version_sort_key,
)
from modelyard.core.model.errors import ModelyardError
from modelyard.core.model.registry import Registry
from modelyard.core.reads.details import all_versions

METRIC_WORKERS = 8
NEWEST_WITH_METRICS = 40  # plus every version in Staging/Production or holding an alias
# Metrics people usually mean by "how good is it", tried first when choosing a default.
PREFERRED_METRICS = ("accuracy", "f1", "auc", "roc_auc", "rmse", "mae", "r2", "loss")


@dataclass(frozen=True)
class BoardData:
    """One model as the board shows it."""

    model: ModelSummary
    versions: list[VersionSummary]
    capabilities: Capabilities = field(default_factory=Capabilities)
    access: Access = field(default_factory=Access)
    requests: Mapping[str, tuple[TransitionRequest, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    metrics: Mapping[str, Mapping[str, float]] = field(default_factory=lambda: MappingProxyType({}))
    problems: tuple[str, ...] = ()
    identity: str = ""


def versions_with_metrics(
    versions: Iterable[VersionSummary], aliases: Mapping[str, str]
) -> list[VersionSummary]:
    """Which versions' runs to read: the newest, and every staged or aliased one."""
    ordered = sorted(versions, key=lambda v: version_sort_key(v.version), reverse=True)
    held = set(aliases.values())
    return [
        v
        for index, v in enumerate(ordered)
        if index < NEWEST_WITH_METRICS
        or v.stage in (Stage.STAGING, Stage.PRODUCTION)
        or v.version in held
    ]


# Runs in these states no longer log metrics: what was read once stays true.
ENDED_RUN = {"FINISHED", "FAILED", "KILLED"}


def _metrics_of(
    registry: Registry, version: VersionSummary, cache: MutableMapping[str, Mapping[str, float]]
) -> Mapping[str, float]:
    try:
        if version.run_id:
            known = cache.get(version.run_id)
            if known is not None:
                return known
            run = registry.get_run(version.run_id)
            metrics = MappingProxyType(dict(run.metrics))
            if run.status.upper() in ENDED_RUN:
                cache[version.run_id] = metrics
            return metrics
        if version.model_id:
            return registry.logged_model_metrics(version.model_id)
    except ModelyardError:
        return {}
    return {}


def load_board(
    registry: Registry,
    name: str,
    check: Callable[[], None] = lambda: None,
    run_metrics: MutableMapping[str, Mapping[str, float]] | None = None,
) -> BoardData:
    """Read the board of model ``name``; ``check`` raises to stop early (cancellation).
    ``run_metrics`` (run id → metrics of ended runs) is read from and filled, so reloading the
    board after a promotion does not read every run again."""
    cache: MutableMapping[str, Mapping[str, float]] = {} if run_metrics is None else run_metrics
    model = registry.get_model(name)
    check()
    versions = all_versions(registry, name)
    check()
    capabilities = registry.capabilities()
    access = registry.access(name)
    problems: list[str] = []
    try:
        requests = open_requests(registry, name, versions)
    except ModelyardError as exc:
        requests = {}
        problems.append(f"Open transition requests could not be read: {exc.message}")
    check()
    chosen = versions_with_metrics(versions, model.aliases)
    with ThreadPoolExecutor(max_workers=METRIC_WORKERS) as pool:
        found = list(pool.map(lambda v: _metrics_of(registry, v, cache), chosen))
    metrics = {v.version: MappingProxyType(m) for v, m in zip(chosen, found, strict=True) if m}
    return BoardData(
        model,
        versions,
        capabilities,
        access,
        MappingProxyType(requests),
        MappingProxyType(metrics),
        tuple(problems),
        registry.identity(),
    )


def chosen_metric(choices: Sequence[str], *preferred: str) -> str:
    """The card metric to show: the first of ``preferred`` (the one shown, the one remembered
    for the model) that the runs have, else the best default, else none."""
    return next((m for m in preferred if m and m in choices), choices[0] if choices else "")


def metric_choices(metrics: Mapping[str, Mapping[str, float]]) -> list[str]:
    """Metric names, the best default first: one most runs have and whose values tell the
    cards apart, a familiar quality metric among those; ties alphabetically."""
    counts = Counter(name for values in metrics.values() for name in values)
    if not counts:
        return []
    most = max(counts.values())
    distinct = {
        name: len({values[name] for values in metrics.values() if name in values})
        for name in counts
    }

    def rank(name: str) -> tuple[int, int, int, str]:
        base = name.lower().rsplit("_", 1)[-1] if "_" in name else name.lower()
        preferred = next(
            (i for i, p in enumerate(PREFERRED_METRICS) if name.lower() == p or base == p),
            len(PREFERRED_METRICS),
        )
        common = 0 if counts[name] == most else 1
        varies = 0 if distinct[name] > 1 or counts[name] < 2 else 1
        return (common, varies, preferred, name)

    return sorted(counts, key=rank)


def digits_to_tell_apart(values: Iterable[float], least: int = 3, most: int = 8) -> int:
    """Significant digits enough for different values to read differently (0.6891 vs 0.6895),
    at least ``least``, at most ``most``."""
    distinct = sorted(set(values))
    for digits in range(least, most + 1):
        if len({format_metric(v, digits) for v in distinct}) == len(distinct):
            return digits
    return most


def format_metric(value: float, digits: int | None = None) -> str:
    """Short and readable: 0.9134, 12.5, 1.2e+06. With ``digits``, exactly that many
    significant digits, zeros kept, so values shown side by side line up (0.689, 0.690)."""
    if value != 0 and (abs(value) >= 1e5 or abs(value) < 1e-3):
        return f"{value:.{max(1, (digits or 4) - 2)}e}"
    if digits is None:
        return f"{value:.4g}"
    return f"{value:#.{digits}g}".rstrip(".")
