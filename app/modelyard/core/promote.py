"""Promotions (stage moves and alias moves) with their history recorded in the registry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from modelyard.core.domain import EventKind, Stage, StageEvent, VersionSummary
from modelyard.core.errors import ModelyardError
from modelyard.core.history import append_event
from modelyard.core.registry import Registry


@dataclass(frozen=True)
class PromotionResult:
    """What a promotion changed, as the server has it afterwards."""

    version: VersionSummary
    changed: tuple[VersionSummary, ...] = ()  # other versions it moved (archived, lost alias)
    events: tuple[StageEvent, ...] = ()
    record_problem: str | None = None  # the change stands; only its history entry failed


def _now() -> datetime:
    return datetime.now(tz=UTC)


def record(registry: Registry, model: str, events: list[StageEvent]) -> str | None:
    """Append events to their versions' history tags; returns a problem or None."""
    try:
        for event in events:
            fresh = registry.get_version(model, event.version)  # read right before writing
            key, value = append_event(fresh.tags, event)
            registry.set_version_tag(model, event.version, key, value)
    except ModelyardError as exc:
        return f"The change was made, but its history entry could not be written: {exc.message}"
    return None


def promote_stage(
    registry: Registry,
    model: str,
    version: str,
    stage: Stage,
    *,
    archive_existing: bool = False,
    comment: str = "",
    record_history: bool = True,
) -> PromotionResult:
    """Move ``version`` to ``stage``; with ``archive_existing``, versions there now go to
    Archived. Re-reads the server's state afterwards."""
    before = registry.get_version(model, version)
    displaced: list[VersionSummary] = []
    if archive_existing and stage in (Stage.STAGING, Stage.PRODUCTION):
        from modelyard.core.details import all_versions

        displaced = [
            v for v in all_versions(registry, model) if v.stage is stage and v.version != version
        ]
    registry.transition_stage(model, version, stage, archive_existing)
    who, when = registry.identity(), _now()
    events = [
        StageEvent(EventKind.STAGE, version, when, who, before.stage.value, stage.value, comment)
    ]
    events += [
        StageEvent(
            EventKind.STAGE,
            v.version,
            when,
            who,
            v.stage.value,
            Stage.ARCHIVED.value,
            f"archived when v{version} moved to {stage.value}",
        )
        for v in displaced
    ]
    problem = record(registry, model, events) if record_history else None
    after = registry.get_version(model, version)
    changed = tuple(registry.get_version(model, v.version) for v in displaced)
    return PromotionResult(after, changed, tuple(events), problem)


def set_alias(
    registry: Registry,
    model: str,
    alias: str,
    version: str,
    *,
    comment: str = "",
    record_history: bool = True,
) -> PromotionResult:
    """Point ``alias`` at ``version``; the version that had it loses it."""
    previous = registry.get_model(model).aliases.get(alias)
    registry.set_alias(model, alias, version)
    who, when = registry.identity(), _now()
    events = [StageEvent(EventKind.ALIAS_SET, version, when, who, previous or "", alias, comment)]
    if previous and previous != version:
        events.append(
            StageEvent(
                EventKind.ALIAS_REMOVED, previous, when, who, alias, "", f"moved to v{version}"
            )
        )
    problem = record(registry, model, events) if record_history else None
    changed = (registry.get_version(model, previous),) if previous and previous != version else ()
    return PromotionResult(registry.get_version(model, version), changed, tuple(events), problem)


def remove_alias(
    registry: Registry, model: str, alias: str, *, comment: str = "", record_history: bool = True
) -> PromotionResult:
    """Remove ``alias`` from the model (and record it on the version that had it)."""
    holder = registry.get_model(model).aliases.get(alias)
    if holder is None:
        from modelyard.core.errors import ErrorKind, RegistryError

        raise RegistryError(f"{model} has no alias {alias!r}.", ErrorKind.NOT_FOUND)
    registry.delete_alias(model, alias)
    event = StageEvent(
        EventKind.ALIAS_REMOVED, holder, _now(), registry.identity(), alias, "", comment
    )
    problem = record(registry, model, [event]) if record_history else None
    return PromotionResult(registry.get_version(model, holder), (), (event,), problem)
