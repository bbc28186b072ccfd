"""Promotions (stage moves and alias moves) with their history recorded in the registry."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from modelyard.core.domain import EventKind, Stage, StageEvent, VersionSummary
from modelyard.core.errors import ErrorKind, ModelyardError, RegistryError
from modelyard.core.history import append_event
from modelyard.core.registry import Registry


@dataclass(frozen=True)
class PromotionResult:
    """What a promotion changed, as the server has it afterwards."""

    version: VersionSummary
    changed: tuple[VersionSummary, ...] = ()  # other versions it moved (archived, lost alias)
    events: tuple[StageEvent, ...] = ()
    record_problem: str | None = None  # the change stands; only its history entry failed


def utc_now() -> datetime:
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
    write: Callable[[], object] | None = None,
) -> PromotionResult:
    """Move ``version`` to ``stage``; with ``archive_existing``, versions there now go to
    Archived. Re-reads the server's state afterwards. ``write`` replaces the direct move by
    another call that makes it (approving a transition request)."""
    before = registry.get_version(model, version)
    displaced: list[VersionSummary] = []
    if archive_existing and stage in (Stage.STAGING, Stage.PRODUCTION):
        from modelyard.core.details import all_versions

        displaced = [
            v for v in all_versions(registry, model) if v.stage is stage and v.version != version
        ]
    if write is None:
        registry.transition_stage(model, version, stage, archive_existing)
    else:
        write()
    who, when = registry.identity(), utc_now()
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
    who, when = registry.identity(), utc_now()
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
        raise RegistryError(f"{model} has no alias {alias!r}.", ErrorKind.NOT_FOUND)
    registry.delete_alias(model, alias)
    event = StageEvent(
        EventKind.ALIAS_REMOVED, holder, utc_now(), registry.identity(), alias, "", comment
    )
    problem = record(registry, model, [event]) if record_history else None
    return PromotionResult(registry.get_version(model, holder), (), (event,), problem)


@dataclass(frozen=True)
class Target:
    """Where a version goes: a stage, an alias, or an alias taken away."""

    kind: str  # "stage" | "alias" | "remove-alias"
    value: str

    def describe(self) -> str:
        """For people."""
        if self.kind == "stage":
            return self.value
        if self.kind == "alias":
            return f"@{self.value}"
        return f"no @{self.value}"


@dataclass(frozen=True)
class Snapshot:
    """The state of one model as a view showed it (to detect changes made meanwhile)."""

    versions: Mapping[str, VersionSummary]
    aliases: Mapping[str, str]  # alias -> version

    @classmethod
    def read(cls, registry: Registry, model: str) -> Snapshot:
        """The model's state now, fresh from the registry."""
        from modelyard.core.details import all_versions

        versions = {v.version: v for v in all_versions(registry, model)}
        return cls(versions, dict(registry.get_model(model).aliases))


class PromotionConflict(ModelyardError):
    """Someone changed the model since it was shown; ``differences`` says what."""

    kind = ErrorKind.CONFLICT

    def __init__(self, differences: list[str], fresh: Snapshot) -> None:
        super().__init__("The registry changed since it was shown: " + "; ".join(differences) + ".")
        self.differences = differences
        self.fresh = fresh


def plan_lines(
    snapshot: Snapshot, version: str, target: Target, archive_existing: bool
) -> list[str]:
    """Exactly what the promotion will change, one line each (for the confirmation)."""
    current = snapshot.versions.get(version)
    if target.kind == "stage":
        stage = Stage.parse(target.value)
        was = current.stage.value if current else "?"
        lines = [f"v{version} ({was}) → {stage.value}"]
        if archive_existing and stage in (Stage.STAGING, Stage.PRODUCTION):
            lines += [
                f"v{v.version} ({stage.value}) → Archived"
                for v in snapshot.versions.values()
                if v.stage is stage and v.version != version
            ]
        return lines
    holder = snapshot.aliases.get(target.value)
    if target.kind == "alias":
        lines = [f"@{target.value} → v{version}"]
        if holder and holder != version:
            lines.append(f"v{holder} loses @{target.value}")
        return lines
    return [f"v{holder or version} loses @{target.value}"]


def nothing_to_do(snapshot: Snapshot, version: str, target: Target) -> str | None:
    """Why the promotion would change nothing, or None."""
    current = snapshot.versions.get(version)
    if target.kind == "stage" and current and current.stage is Stage.parse(target.value):
        return f"v{version} is already in {current.stage.value}."
    if target.kind == "alias" and snapshot.aliases.get(target.value) == version:
        return f"@{target.value} already points to v{version}."
    if target.kind == "remove-alias" and target.value not in snapshot.aliases:
        return f"There is no alias @{target.value}."
    return None


def differences(
    shown: Snapshot, fresh: Snapshot, version: str, target: Target, archive_existing: bool
) -> list[str]:
    """What changed, among the things this promotion depends on."""
    out: list[str] = []
    before, now = shown.versions.get(version), fresh.versions.get(version)
    if now is None:
        return [f"v{version} was deleted"]
    if before is not None and before.stage is not now.stage:
        out.append(f"v{version} is now in {now.stage.value} (was {before.stage.value})")
    if target.kind == "stage":
        stage = Stage.parse(target.value)
        was = {v.version for v in shown.versions.values() if v.stage is stage}
        is_ = {v.version for v in fresh.versions.values() if v.stage is stage}
        if was != is_:
            listed = ", ".join(f"v{v}" for v in sorted(is_, key=int)) or "no version"
            out.append(f"{stage.value} now holds {listed}")
    elif shown.aliases.get(target.value) != fresh.aliases.get(target.value):
        holder = fresh.aliases.get(target.value)
        out.append(f"@{target.value} now points to " + (f"v{holder}" if holder else "no version"))
    return out


def promote(
    registry: Registry,
    model: str,
    version: str,
    target: Target,
    *,
    shown: Snapshot | None = None,
    archive_existing: bool = False,
    comment: str = "",
    record_history: bool = True,
) -> PromotionResult:
    """Check that nothing changed since ``shown``, then make the change and re-read it."""
    if shown is not None:
        fresh = Snapshot.read(registry, model)
        changed = differences(shown, fresh, version, target, archive_existing)
        if changed:
            raise PromotionConflict(changed, fresh)
    if target.kind == "stage":
        return promote_stage(
            registry,
            model,
            version,
            Stage.parse(target.value),
            archive_existing=archive_existing,
            comment=comment,
            record_history=record_history,
        )
    if target.kind == "alias":
        return set_alias(
            registry, model, target.value, version, comment=comment, record_history=record_history
        )
    return remove_alias(
        registry, model, target.value, comment=comment, record_history=record_history
    )
