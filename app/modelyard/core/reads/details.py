"""Reading everything about one model version, saying plainly what could not be read."""

from __future__ import annotations

from collections.abc import Iterable
from types import MappingProxyType

from modelyard.core.model.domain import (
    ModelSummary,
    StageEvent,
    VersionDetail,
    VersionSummary,
    version_sort_key,
)
from modelyard.core.model.errors import ModelyardError
from modelyard.core.model.registry import Reading, Registry
from modelyard.core.reads.history import sort_events, version_history


def load_version_detail(registry: Registry, model: str, version: str) -> VersionDetail:
    """The version fresh from the registry, its run, MLmodel file and history.

    A failure to read the version itself raises; a missing run or missing artifacts do not:
    they become ``problems`` and the rest is still shown.
    """
    summary = registry.get_version(model, version)
    model_info = registry.get_model(model)
    summary = _with_aliases(summary, model_info)
    problems: list[str] = []
    run = None
    if summary.run_id:
        try:
            run = registry.get_run(summary.run_id)
            if run.deleted:
                problems.append(
                    f"The source run {summary.run_id} was deleted; its params and metrics are "
                    "shown as they were."
                )
        except ModelyardError as exc:
            problems.append(f"The source run {summary.run_id} could not be read: {exc.message}")
    else:
        problems.append("This version has no source run.")
    model_file = None
    try:
        model_file = registry.read_model_file(model, version)
    except ModelyardError as exc:
        problems.append(exc.message)
    model_metrics: dict[str, float] = {}
    if summary.model_id:
        try:
            model_metrics = registry.logged_model_metrics(summary.model_id)
        except ModelyardError as exc:
            problems.append(f"The logged model {summary.model_id} could not be read: {exc.message}")
    try:
        server = registry.server_history(model, version)
    except ModelyardError as exc:
        server = ()
        problems.append(f"The registry's own activity could not be read: {exc.message}")
    return VersionDetail(
        version=summary,
        run=run,
        model_file=model_file,
        history=version_history(summary, server),
        problems=tuple(problems),
        model_metrics=MappingProxyType(model_metrics),
    )


def _with_aliases(summary: VersionSummary, model: ModelSummary) -> VersionSummary:
    from dataclasses import replace

    aliases = {a for a, v in model.aliases.items() if v == summary.version}
    return replace(summary, aliases=tuple(sorted(aliases | set(summary.aliases))))


def model_history(versions: Iterable[VersionSummary]) -> tuple[StageEvent, ...]:
    """All versions' histories as one timeline, oldest first."""
    events: list[StageEvent] = []
    for version in sorted(versions, key=lambda v: version_sort_key(v.version)):
        events.extend(version_history(version))
    return sort_events(events)


def all_versions(registry: Reading, model: str) -> list[VersionSummary]:
    """Every version of a model (all pages), newest first."""
    versions: list[VersionSummary] = []
    token: str | None = None
    while True:
        page = registry.list_versions(model, token, 1000)
        versions.extend(page.items)
        token = page.next_page_token
        if token is None:
            return versions
