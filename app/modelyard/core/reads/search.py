"""Searching registries with the query language (#29): over a registry read now (every model
listed, their versions read many at a time), or over what is kept of it (the snapshot of a
registry that is down); the source runs' metrics are read only for the versions that every
other term left, a few at a time."""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from modelyard.core.model.domain import ModelSummary, VersionSummary, version_sort_key
from modelyard.core.model.errors import ErrorKind, RegistryError
from modelyard.core.model.registry import Registry
from modelyard.core.model.state import RegistryState
from modelyard.core.reads.many import versions_of_models
from modelyard.core.reads.query import Query, match


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


@dataclass(frozen=True)
class SearchRead:
    """What a search read of one registry: every model, their versions, and the latest
    metrics of the source runs of the versions every other term left (by run id)."""

    models: list[ModelSummary]
    versions: dict[str, list[VersionSummary]]
    metrics: dict[str, Mapping[str, float]]


def read_for_search(registry: Registry, profile: str, query: Query) -> SearchRead:
    """Read what ``query`` needs of ``registry`` (blocking: the whole registry's listings)."""
    models: list[ModelSummary] = []
    token: str | None = None
    while True:
        page = registry.list_models(token, 500)
        models.extend(page.items)
        token = page.next_page_token
        if token is None:
            break
    versions = versions_of_models(registry, models)
    metrics: dict[str, Mapping[str, float]] = {}
    if query.needs_metrics and query.wants_registry(profile):
        cheap = search_listed(profile, models, versions, query.without_metrics(), None)
        runs = sorted({run for run in (_run_of(versions, h) for h in cheap) if run})

        def metrics_of(run_id: str) -> Mapping[str, float]:
            try:
                return registry.get_run(run_id).metrics
            except RegistryError as exc:
                if exc.kind in (ErrorKind.NOT_FOUND, ErrorKind.PERMISSION):
                    return {}  # a run gone or not readable: no metric holds
                raise

        with ThreadPoolExecutor(max_workers=8) as pool:
            metrics = dict(zip(runs, pool.map(metrics_of, runs), strict=True))
    return SearchRead(models, versions, metrics)


def _run_of(versions: Mapping[str, Sequence[VersionSummary]], hit: Hit) -> str:
    found = next((v for v in versions.get(hit.model, ()) if v.version == hit.version), None)
    return found.run_id if found is not None else ""


def merge_read(state: RegistryState, read: SearchRead) -> None:
    """What a search read, into the registry's one state (complete listings: models and
    versions gone from the registry go from the state too); then search the state."""
    with state.transaction("search"):
        state.merge_models(read.models, complete=True)
        for name, versions in read.versions.items():
            state.merge_versions(name, versions, complete=True)


def search_kept(
    state: RegistryState,
    profile: str,
    query: Query,
    metrics: Mapping[str, Mapping[str, float]] | None = None,
    *,
    as_seen: bool = True,
    limit: int | None = None,
) -> list[Hit]:
    """Over a registry's state (the window's, or a snapshot's): ``metrics`` by run id where
    they were read (a metric term holds for none without them); with ``as_seen`` each hit
    says when the state was read. A stage, alias, tag or creator term picks the candidates
    from an index of the state (kept while the state does not change); only they are
    matched."""
    seen = state.models_read_at if as_seen else None
    chosen = _index_of(state).candidates(query)
    if chosen is None:
        models = list(state.models.values())
        versions = {m: list(vs.values()) for m, vs in state.versions.items()}
    else:
        names = {m for m, _v in chosen}
        models = [state.models[m] for m in names if m in state.models]
        versions = {}
        for m, v in chosen:
            found = state.versions.get(m, {}).get(v)
            if found is not None:
                versions.setdefault(m, []).append(found)
    hits = search_listed(profile, models, versions, query, metrics, limit=limit)
    return [Hit(h.profile, h.model, h.version, h.stage, h.aliases, h.matched, seen) for h in hits]


def search_listed(
    profile: str,
    models: Sequence[ModelSummary],
    versions: Mapping[str, Iterable[VersionSummary]],
    query: Query,
    metrics: Mapping[str, Mapping[str, float]] | None,
    *,
    limit: int | None = None,
) -> list[Hit]:
    """The matching versions, by model name then newest version first (``metrics``: the
    source runs' latest values by run id, as read); with ``limit``, the first that many."""
    if not query.wants_registry(profile):
        return []
    hits = []
    for model in sorted(models, key=lambda m: m.name.lower()):
        ordered = sorted(
            versions.get(model.name, ()), key=lambda v: version_sort_key(v.version), reverse=True
        )
        for version in ordered:
            logged = (metrics or {}).get(version.run_id) if version.run_id else None
            said = match(query, profile, model, version, logged)
            if said is None:
                continue
            held = tuple(sorted(a for a, v in model.aliases.items() if v == version.version))
            hits.append(Hit(profile, model.name, version.version, version.stage.value, held, said))
            if limit is not None and len(hits) >= limit:
                return hits
    return hits


Key = tuple[str, str]  # (model, version)


@dataclass(frozen=True)
class _Index:
    """Who holds what in one state at one revision."""

    revision: int
    stage: dict[str, set[Key]]
    alias: dict[str, set[Key]]  # lower-case alias
    creator: dict[str, set[Key]]  # lower-case creator
    tag: dict[str, set[Key]]  # a key of the version's or its model's tags

    def candidates(self, query: Query) -> set[Key] | None:
        """The versions that can match (None: no term narrows them; match them all)."""
        found: set[Key] | None = None
        for term in query.terms:
            if term.negated:
                continue
            if term.field == "stage":
                these = self.stage.get(term.value, set())
            elif term.field == "alias":
                these = set().union(*(k for a, k in self.alias.items() if a.startswith(term.value)))
            elif term.field == "by":
                these = set().union(*(k for c, k in self.creator.items() if term.value in c))
            elif term.field == "tag":
                these = self.tag.get(term.key, set())
            else:
                continue
            found = these if found is None else found & these
        return found


_INDEXES: dict[int, _Index] = {}


def _index_of(state: RegistryState) -> _Index:
    key = id(state)
    known = _INDEXES.get(key)
    if known is not None and known.revision == state.revision:
        return known
    if known is None:
        weakref.finalize(state, _INDEXES.pop, key, None)
    stage: dict[str, set[Key]] = {}
    alias: dict[str, set[Key]] = {}
    creator: dict[str, set[Key]] = {}
    tag: dict[str, set[Key]] = {}
    models = state.models
    for name, versions in state.versions.items():
        model = models.get(name)
        model_tags = tuple(model.tags) if model is not None else ()
        for number, v in versions.items():
            key_ = (name, number)
            stage.setdefault(v.stage.value, set()).add(key_)
            creator.setdefault(v.creator.lower(), set()).add(key_)
            for t in (*v.tags, *model_tags):
                tag.setdefault(t, set()).add(key_)
        for a, number in model.aliases.items() if model is not None else ():
            alias.setdefault(a.lower(), set()).add((name, number))
    built = _Index(state.revision, stage, alias, creator, tag)
    _INDEXES[key] = built
    return built
