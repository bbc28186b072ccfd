"""Searching registries with the query language (#29): over a registry read now (every model
listed, their versions read many at a time), or over what is kept of it (the snapshot of a
registry that is down); the source runs' metrics are read only for the versions that every
other term left, a few at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from modelyard.core.model.domain import ModelSummary, VersionSummary, version_sort_key
from modelyard.core.model.errors import ErrorKind, RegistryError
from modelyard.core.model.registry import Registry
from modelyard.core.model.state import RegistryState
from modelyard.core.reads.many import versions_of_models
from modelyard.core.reads.query import Query, match

MetricsOf = Callable[[str], Mapping[str, float]]  # run id -> its latest metrics


@dataclass(frozen=True)
class Hit:
    """One matching version and what of it matched."""

    profile: str
    model: str
    version: str
    stage: str
    aliases: tuple[str, ...]
    matched: tuple[str, ...]
    seen: datetime | None = None  # from the kept state: when it was last read (None: now)


def search_registry(registry: Registry, profile: str, query: Query) -> list[Hit]:
    """Every version of ``registry`` that matches (blocking: reads the whole registry)."""
    models: list[ModelSummary] = []
    token: str | None = None
    while True:
        page = registry.list_models(token, 500)
        models.extend(page.items)
        token = page.next_page_token
        if token is None:
            break
    versions = versions_of_models(registry, models)

    def metrics_of(run_id: str) -> Mapping[str, float]:
        try:
            return registry.get_run(run_id).metrics
        except RegistryError as exc:
            if exc.kind in (ErrorKind.NOT_FOUND, ErrorKind.PERMISSION):
                return {}  # a run gone or not readable: no metric holds
            raise

    return search_listed(profile, models, versions, query, metrics_of)


def search_kept(state: RegistryState, profile: str, query: Query) -> list[Hit]:
    """Over the kept state (a snapshot): metrics are not kept, so a metric term holds for
    none; each hit says when it was seen."""
    seen = state.models_read_at
    versions = {m: list(vs.values()) for m, vs in state.versions.items()}
    hits = search_listed(profile, list(state.models.values()), versions, query, None)
    return [Hit(h.profile, h.model, h.version, h.stage, h.aliases, h.matched, seen) for h in hits]


def search_listed(
    profile: str,
    models: Sequence[ModelSummary],
    versions: Mapping[str, Iterable[VersionSummary]],
    query: Query,
    metrics_of: MetricsOf | None,
) -> list[Hit]:
    """The matching versions, by model name then newest version first."""
    if not query.wants_registry(profile):
        return []
    cheap = query.without_metrics()
    left: list[tuple[ModelSummary, VersionSummary, tuple[str, ...]]] = []
    for model in sorted(models, key=lambda m: m.name.lower()):
        ordered = sorted(
            versions.get(model.name, ()), key=lambda v: version_sort_key(v.version), reverse=True
        )
        for version in ordered:
            said = match(cheap, profile, model, version)
            if said is not None:
                left.append((model, version, said))
    if query.needs_metrics:
        runs = sorted({v.run_id for _m, v, _s in left if v.run_id})
        metrics: dict[str, Mapping[str, float]] = {}
        if metrics_of is not None and runs:
            with ThreadPoolExecutor(max_workers=8) as pool:
                metrics = dict(zip(runs, pool.map(metrics_of, runs), strict=True))
        kept = []
        for model, version, _said in left:
            full = match(query, profile, model, version, metrics.get(version.run_id))
            if full is not None:
                kept.append((model, version, full))
        left = kept
    return [
        Hit(
            profile,
            model.name,
            version.version,
            version.stage.value,
            tuple(sorted(a for a, v in model.aliases.items() if v == version.version)),
            said,
        )
        for model, version, said in left
    ]
