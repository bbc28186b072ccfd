"""One change applied to many versions (#28) — a stage, a tag set or removed, the description, an
alias (one version per model), a delete: planned from a fresh read (before → after for each
version, what is already so, what is gone), applied one by one with each result read back from
the server, failures named with their cause; a retry plans the failed ones again from a fresh
read, so nothing is applied twice."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from shlex import quote
from typing import Literal

from modelyard.core.actions.promote import Target, promote
from modelyard.core.model.domain import Stage, VersionSummary, version_sort_key
from modelyard.core.model.errors import ErrorKind, ModelyardError, RegistryError
from modelyard.core.model.registry import Publishing, Registry

Kind = Literal["stage", "tag", "untag", "description", "alias", "delete"]


@dataclass(frozen=True)
class Change:
    """What is done to each version: a stage, a tag set or removed, the description, an alias
    (given to one version per model), or a delete."""

    kind: Kind
    value: str = ""  # the stage, the tag's key, the description, or the alias's name
    tag_value: str = ""

    def describe(self) -> str:
        if self.kind == "stage":
            return f"move to {self.value}"
        if self.kind == "tag":
            return f"set tag {self.value}={self.tag_value!r}"
        if self.kind == "untag":
            return f"remove tag {self.value}"
        if self.kind == "description":
            return f"set the description to {_short(self.value)}"
        if self.kind == "alias":
            return f"set @{self.value}"
        return "delete"


@dataclass(frozen=True)
class BulkItem:
    model: str
    version: str
    before: str
    after: str
    skip: str = ""  # why nothing is sent for it: "already so", "not there"


@dataclass(frozen=True)
class BulkPlan:
    profile: str
    change: Change
    items: tuple[BulkItem, ...]

    @property
    def changes(self) -> tuple[BulkItem, ...]:
        return tuple(i for i in self.items if not i.skip)

    def commands(self, confirm: bool = False) -> list[str]:
        """The same changes as CLI commands, one per version (to copy into a script);
        ``confirm``: with the typed name a protected profile asks for (``--confirm``)."""
        p, c = quote(self.profile), self.change
        out = []
        for i in self.changes:
            m = f"{p} {quote(i.model)} {i.version}"
            typed = f" --confirm {quote(i.model)}" if confirm else ""
            if c.kind == "stage":
                line = f"modelyard promote {m} --stage {c.value.lower()} --yes"
            elif c.kind == "tag":
                line = f"modelyard tag {m} {quote(f'{c.value}={c.tag_value}')}"
            elif c.kind == "untag":
                line = f"modelyard tag {m} --remove {quote(c.value)}"
            elif c.kind == "description":
                line = f"modelyard set-description {m} {quote(c.value)}"
            elif c.kind == "alias":
                line = f"modelyard promote {m} --alias {quote(c.value)} --yes"
            else:
                line = (f"modelyard prune {p} {quote(i.model)} --keep-latest 0 "
                        f"--only {i.version} --delete --yes")  # fmt: skip
            out.append(line + typed)
        return out


@dataclass
class BulkOutcome:
    done: list[BulkItem] = field(default_factory=list)
    failed: list[tuple[BulkItem, str]] = field(default_factory=list)


def _short(text: str, room: int = 40) -> str:
    """A description in a plan's cell: quoted, one line, cut."""
    line = " ".join(text.split())
    return repr(line if len(line) <= room else line[: room - 1] + "…") if line else "(empty)"


def _state(v: VersionSummary, change: Change, holder: str | None = None) -> str:
    if change.kind == "stage":
        return v.stage.value
    if change.kind == "description":
        return _short(v.description)
    if change.kind == "alias":
        if holder == v.version:
            return f"@{change.value}"
        return f"(@{change.value} on v{holder})" if holder else f"(no @{change.value})"
    if change.kind in ("tag", "untag"):
        value = v.tags.get(change.value)
        return "(no tag)" if value is None else f"{change.value}={value!r}"
    marks = [v.stage.value, *(f"@{a}" for a in v.aliases)]
    return f"v{v.version} ({', '.join(marks)})"


def _wanted(change: Change) -> str:
    if change.kind == "stage":
        return change.value
    if change.kind == "tag":
        return f"{change.value}={change.tag_value!r}"
    if change.kind == "description":
        return _short(change.value)
    if change.kind == "alias":
        return f"@{change.value}"
    return "(no tag)" if change.kind == "untag" else "deleted"


def _already(v: VersionSummary, change: Change, holder: str | None) -> bool:
    if change.kind == "description":
        return v.description == change.value
    if change.kind == "alias":
        return holder == v.version
    return False


def plan_bulk(
    registry: Registry, profile: str, targets: Sequence[tuple[str, str]], change: Change
) -> BulkPlan:
    """Read each version now and say what the change does to it (blocking; writes nothing)."""
    if change.kind == "stage" and not registry.capabilities().stages:
        raise ModelyardError(f"{profile} has no stages (it uses aliases).", ErrorKind.INVALID)
    if change.kind == "delete" and not isinstance(registry, Publishing):
        raise ModelyardError(f"{profile} cannot delete versions from Modelyard.", ErrorKind.INVALID)
    if change.kind == "alias" and not registry.capabilities().aliases:
        raise ModelyardError(f"{profile} has no aliases.", ErrorKind.INVALID)
    if change.kind == "stage":
        change = replace(change, value=Stage.parse(change.value).value)
    taker = _alias_takers(targets) if change.kind == "alias" else {}
    holders: dict[str, str | None] = {}
    items = []
    for model, version in targets:
        if change.kind == "alias" and taker[model] != version:
            why = f"one version per model: v{taker[model]} takes @{change.value}"
            items.append(BulkItem(model, version, "—", "—", why))
            continue
        try:
            v = registry.get_version(model, version)
        except RegistryError as exc:
            if exc.kind is not ErrorKind.NOT_FOUND:
                raise
            items.append(BulkItem(model, version, "—", "—", "not there (deleted meanwhile?)"))
            continue
        if change.kind == "delete":
            aliases = registry.get_model(model).aliases
            v = replace(v, aliases=tuple(sorted(a for a, n in aliases.items() if n == version)))
        if change.kind == "alias" and model not in holders:
            holders[model] = registry.get_model(model).aliases.get(change.value)
        holder = holders.get(model)
        before, after = _state(v, change, holder), _wanted(change)
        same = before == after or _already(v, change, holder)
        items.append(BulkItem(model, version, before, after, "already so" if same else ""))
    return BulkPlan(profile, change, tuple(items))


def _alias_takers(targets: Sequence[tuple[str, str]]) -> dict[str, str]:
    """An alias names one version of a model: of the versions chosen, the newest takes it."""
    out: dict[str, str] = {}
    for model, version in targets:
        if model not in out or version_sort_key(version) > version_sort_key(out[model]):
            out[model] = version
    return out


def run_bulk(
    registry: Registry,
    plan: BulkPlan,
    *,
    record_history: bool = True,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> BulkOutcome:
    """Apply the plan's changes one by one, each read back; one failing does not stop the
    others. Cancelling stops before the next version (those done stay done)."""
    outcome = BulkOutcome()
    changes = plan.changes
    for n, item in enumerate(changes, 1):
        if cancelled is not None and cancelled():
            break
        try:
            _apply(registry, plan.change, item, record_history)
            outcome.done.append(item)
        except ModelyardError as exc:
            why = exc.message
            if isinstance(exc, RegistryError) and exc.kind is ErrorKind.NOT_FOUND:
                why = f"it is not there any more (deleted meanwhile?): {exc.message}"
            outcome.failed.append((item, why))
        if progress is not None:
            progress(n, len(changes))
    return outcome


def _apply(registry: Registry, change: Change, item: BulkItem, record_history: bool) -> None:
    model, version = item.model, item.version
    if change.kind == "stage":
        target = Target("stage", change.value)
        result = promote(registry, model, version, target, record_history=record_history)
        if result.version.stage.value != change.value:
            raise ModelyardError(result.outcome_problem or "the server did not move it")
        return
    if change.kind == "delete":
        assert isinstance(registry, Publishing)
        registry.delete_version(model, version)
        try:
            registry.get_version(model, version)
        except RegistryError as exc:
            if exc.kind is ErrorKind.NOT_FOUND:
                return
            raise
        raise ModelyardError("the server still has it after the delete", ErrorKind.CONFLICT)
    if change.kind == "alias":
        target = Target("alias", change.value)
        result = promote(registry, model, version, target, record_history=record_history)
        if registry.get_model(model).aliases.get(change.value) != version:
            raise ModelyardError(result.outcome_problem or "the server did not set the alias")
        return
    if change.kind == "description":
        registry.set_version_description(model, version, change.value)
        if registry.get_version(model, version).description != change.value:
            raise ModelyardError(
                "the server's description is not what was asked", ErrorKind.CONFLICT
            )
        return
    if change.kind == "tag":
        registry.set_version_tag(model, version, change.value, change.tag_value)
    else:
        registry.delete_version_tag(model, version, change.value)
    now = registry.get_version(model, version).tags.get(change.value)
    if now != (change.tag_value if change.kind == "tag" else None):
        raise ModelyardError("the server's tags are not what was asked", ErrorKind.CONFLICT)


def retry_plan(registry: Registry, plan: BulkPlan, outcome: BulkOutcome) -> BulkPlan:
    """The failed versions planned again from a fresh read (what is now so is skipped)."""
    failed = [(i.model, i.version) for i, _why in outcome.failed]
    return plan_bulk(registry, plan.profile, failed, plan.change)
