"""Promotions (stage moves and alias moves) with their history recorded in the registry."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from modelyard.core.model.domain import EventKind, Stage, StageEvent, VersionSummary
from modelyard.core.model.errors import ErrorKind, ModelyardError, RegistryError
from modelyard.core.model.registry import Registry
from modelyard.core.reads.history import event_tag

T = TypeVar("T")


@dataclass(frozen=True)
class PromotionResult:
    """What a promotion changed, as the server has it afterwards."""

    version: VersionSummary
    changed: tuple[VersionSummary, ...] = ()  # other versions it moved (archived, lost alias)
    events: tuple[StageEvent, ...] = ()  # what was recorded: only what the server confirmed
    record_problem: str | None = None  # the change stands; only its history entry failed
    outcome_problem: str | None = None  # the server's state is not what was asked, and why
    notes: tuple[str, ...] = ()  # how it was learnt (e.g. the answer was lost: read again)

    @property
    def as_asked(self) -> bool:
        """The server's state after the write is what was asked for."""
        return self.outcome_problem is None

    def archived_too(self) -> list[str]:
        """What else the change did: "v4 → Archived"."""
        return [f"v{v.version} → Archived" for v in self.changed if v.stage is Stage.ARCHIVED]

    def stale_aliases(self) -> list[str]:
        """Aliases left on a version the change archived: "@champion still points to v4, now
        Archived — move it?"."""
        return [
            f"@{alias} still points to v{v.version}, now Archived — move it?"
            for v in self.changed
            if v.stage is Stage.ARCHIVED
            for alias in v.aliases
        ]

    def also(self) -> list[str]:
        """Both, for a one-line report."""
        return self.archived_too() + self.stale_aliases()


def utc_now() -> datetime:
    return datetime.now(tz=UTC)


def record(registry: Registry, model: str, events: list[StageEvent]) -> str | None:
    """Record each event in a tag of its own (no read-modify-write, so concurrent writers never
    lose each other's events); returns a problem or None."""
    try:
        for event in events:
            key, value = event_tag(event)
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
    Archived. ``write`` replaces the direct move by another call that makes it (approving a
    transition request).

    Only what the server confirms is recorded: the direct move's answer, or (for ``write``) a
    read after it, must show the version in ``stage``. The versions archived are the ones *this*
    write archived, as the server says: archived in the same transaction, so with the answer's
    update time (another writer's archive at the same moment is theirs to record). A write whose
    answer was lost is re-read and reported as applied or not, never guessed. The state is read
    again afterwards and reported as it is: when someone else changed it meanwhile,
    ``outcome_problem`` says so."""
    from modelyard.core.reads.details import all_versions

    before = registry.get_version(model, version)
    archives = archive_existing and stage in (Stage.STAGING, Stage.PRODUCTION)
    # Seen in the stage before the write: used only where an answer carries no update time.
    displaced = (
        {v.version for v in all_versions(registry, model) if v.stage is stage}
        if archives
        else set()
    )
    notes: list[str] = []

    def reread() -> VersionSummary:
        return registry.get_version(model, version)

    if write is None:
        answer = lost_answer_reread(
            lambda: registry.transition_stage(model, version, stage, archive_existing),
            reread,
            lambda now: now.stage is stage and now.updated != before.updated,
            f"v{version} → {stage.value}",
            notes,
        )
    else:

        def written() -> VersionSummary:
            write()
            return reread()

        answer = lost_answer_reread(
            written,
            reread,
            lambda now: now.stage is stage and now.updated != before.updated,
            f"v{version} → {stage.value}",
            notes,
        )
    who = registry.identity()
    when = answer.updated or utc_now()
    confirmed = answer.stage is stage
    after = answer if write is not None or notes else reread()
    changed: tuple[VersionSummary, ...] = ()
    if archives and confirmed:
        others = [
            v
            for v in all_versions(registry, model)
            if v.version != version and v.stage is Stage.ARCHIVED
        ]
        if answer.updated is not None:  # archived in this write's transaction
            changed = tuple(v for v in others if v.updated == answer.updated)
        else:  # no time in the answer: the versions seen in the stage before, archived now
            changed = tuple(v for v in others if v.version in displaced)
    events: list[StageEvent] = []
    if confirmed:
        events.append(
            StageEvent(
                EventKind.STAGE, version, when, who, before.stage.value, stage.value, comment
            )
        )
        events += [
            StageEvent(
                EventKind.STAGE,
                v.version,
                when,
                who,
                stage.value,  # the server archives only the versions in the target stage
                Stage.ARCHIVED.value,
                f"archived when v{version} moved to {stage.value}",
            )
            for v in changed
        ]
    problem = record(registry, model, events) if record_history and events else None
    outcome = None
    if not confirmed:
        outcome = (
            f"You asked for v{version} → {stage.value}; the server has it in "
            f"{answer.stage.value}: the move was not applied (nothing recorded)."
        )
    elif after.stage is not stage:
        outcome = (
            f"You asked for v{version} → {stage.value}; the move was made, but v{version} is now "
            f"in {after.stage.value}: someone else moved it right after."
        )
    return PromotionResult(after, changed, tuple(events), problem, outcome, tuple(notes))


# Failures after which a write may have been applied although no answer came: the request was
# sent and the answer timed out, was cut or reset, or a gateway gave up waiting for it.
ANSWER_LOST = frozenset({ErrorKind.TIMEOUT, ErrorKind.NETWORK, ErrorKind.SERVER})


def lost_answer_reread(
    write: Callable[[], T],
    reread: Callable[[], T],
    applied: Callable[[T], bool],
    what: str,
    notes: list[str],
) -> T:
    """``write()``'s answer; when that answer was lost, a re-read that shows whether the write
    was applied: its result when it was (and a note in ``notes``), the write's error saying it
    was not, or an error saying it could not be told (the re-read failed too)."""
    try:
        return write()
    except ModelyardError as exc:
        if exc.kind not in ANSWER_LOST:
            raise
        try:
            now = reread()
        except ModelyardError as again:
            raise RegistryError(
                f"{exc.message} Whether {what} was applied could not be checked (reading it "
                f"again failed too: {again.message}). Look again (F5, or modelyard show) "
                "before you try again.",
                exc.kind,
            ) from exc
        if not applied(now):
            raise RegistryError(
                f"{exc.message} Read again: {what} was not applied.", exc.kind
            ) from exc
        notes.append(
            f"The server's answer was lost ({exc.message}); read again, {what} was applied."
        )
        return now


def set_alias(
    registry: Registry,
    model: str,
    alias: str,
    version: str,
    *,
    comment: str = "",
    record_history: bool = True,
) -> PromotionResult:
    """Point ``alias`` at ``version``; the version that had it loses it. Recorded only when a
    read after the write shows the alias on ``version``."""
    previous = registry.get_model(model).aliases.get(alias)
    notes: list[str] = []

    def holder_now() -> str | None:
        return registry.get_model(model).aliases.get(alias)

    lost_answer_reread(
        lambda: registry.set_alias(model, alias, version),
        holder_now,
        lambda now: now == version,
        f"@{alias} → v{version}",
        notes,
    )
    who, when = registry.identity(), utc_now()
    holder = holder_now()
    events: list[StageEvent] = []
    outcome = None
    if holder == version:
        events.append(
            StageEvent(EventKind.ALIAS_SET, version, when, who, previous or "", alias, comment)
        )
        if previous and previous != version:
            events.append(
                StageEvent(
                    EventKind.ALIAS_REMOVED, previous, when, who, alias, "", f"moved to v{version}"
                )
            )
    else:
        now = f"v{holder}" if holder else "no version"
        outcome = (
            f"You asked for @{alias} → v{version}; @{alias} now points to {now}: someone else "
            "changed it at the same moment (nothing recorded)."
        )
    problem = record(registry, model, events) if record_history and events else None
    changed = (registry.get_version(model, previous),) if previous and previous != version else ()
    return PromotionResult(
        registry.get_version(model, version), changed, tuple(events), problem, outcome, tuple(notes)
    )


def remove_alias(
    registry: Registry, model: str, alias: str, *, comment: str = "", record_history: bool = True
) -> PromotionResult:
    """Remove ``alias`` from the model (and record it on the version that had it, once a read
    after the write shows the alias gone)."""
    holder = registry.get_model(model).aliases.get(alias)
    if holder is None:
        raise RegistryError(f"{model} has no alias {alias!r}.", ErrorKind.NOT_FOUND)
    notes: list[str] = []

    def holder_now() -> str | None:
        return registry.get_model(model).aliases.get(alias)

    lost_answer_reread(
        lambda: registry.delete_alias(model, alias),
        holder_now,
        lambda now: now is None,
        f"removing @{alias}",
        notes,
    )
    now = holder_now()
    events: tuple[StageEvent, ...] = ()
    outcome = None
    if now is None:
        events = (
            StageEvent(
                EventKind.ALIAS_REMOVED, holder, utc_now(), registry.identity(), alias, "", comment
            ),
        )
    else:
        outcome = (
            f"You removed @{alias}; it points to v{now} again: someone else set it at the same "
            "moment (nothing recorded)."
        )
    problem = record(registry, model, list(events)) if record_history and events else None
    return PromotionResult(
        registry.get_version(model, holder), (), events, problem, outcome, tuple(notes)
    )


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
class ShownModel:
    """The state of one model as a view showed it (to detect changes made meanwhile)."""

    versions: Mapping[str, VersionSummary]
    aliases: Mapping[str, str]  # alias -> version

    @classmethod
    def read(cls, registry: Registry, model: str) -> ShownModel:
        """The model's state now, fresh from the registry."""
        from modelyard.core.reads.details import all_versions

        versions = {v.version: v for v in all_versions(registry, model)}
        return cls(versions, dict(registry.get_model(model).aliases))


class PromotionConflict(ModelyardError):
    """Someone changed the model since it was shown; ``differences`` says what."""

    kind = ErrorKind.CONFLICT

    def __init__(self, differences: list[str], fresh: ShownModel) -> None:
        super().__init__("The registry changed since it was shown: " + "; ".join(differences) + ".")
        self.differences = differences
        self.fresh = fresh


def plan_lines(
    snapshot: ShownModel, version: str, target: Target, archive_existing: bool
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


def nothing_to_do(snapshot: ShownModel, version: str, target: Target) -> str | None:
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
    shown: ShownModel, fresh: ShownModel, version: str, target: Target, archive_existing: bool
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
    shown: ShownModel | None = None,
    archive_existing: bool = False,
    comment: str = "",
    record_history: bool = True,
) -> PromotionResult:
    """Check that nothing changed since ``shown``, then make the change and re-read it."""
    if shown is not None:
        fresh = ShownModel.read(registry, model)
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
