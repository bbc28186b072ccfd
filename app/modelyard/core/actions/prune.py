"""Retention clean-up (#28): keep the latest N versions of each model (and, if asked, those
holding a stage or an alias), archive or delete the rest — planned first, every change read back
from the server, each failure named with its cause."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from modelyard.core.actions.promote import Target, promote
from modelyard.core.model.domain import Stage, VersionSummary, version_sort_key
from modelyard.core.model.errors import ErrorKind, ModelyardError, RegistryError
from modelyard.core.model.registry import Publishing, Registry
from modelyard.core.reads.details import all_versions

Mode = Literal["archive", "delete"]


@dataclass(frozen=True)
class PruneItem:
    """One version and what the clean-up does to it."""

    model: str
    version: str
    action: Literal["archive", "delete", "keep"]
    why: str  # "latest 3", "in Production", "@champion", "older than the latest 3"
    stage: Stage = Stage.NONE
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class PrunePlan:
    profile: str
    mode: Mode
    items: tuple[PruneItem, ...]
    notes: tuple[str, ...] = ()

    @property
    def changes(self) -> tuple[PruneItem, ...]:
        return tuple(i for i in self.items if i.action != "keep")

    def commands(self) -> list[str]:
        """The same clean-up as CLI commands, one per change (copyable)."""
        from shlex import quote

        out = []
        for i in self.changes:
            if i.action == "archive":
                out.append(
                    f"modelyard promote {quote(self.profile)} {quote(i.model)} {i.version} "
                    "--stage archived --yes"
                )
            else:
                out.append(
                    f"modelyard prune {quote(self.profile)} {quote(i.model)} --only {i.version} "
                    "--delete --yes"
                )
        return out


@dataclass
class PruneOutcome:
    done: list[PruneItem] = field(default_factory=list)
    failed: list[tuple[PruneItem, str]] = field(default_factory=list)


def models_matching(registry: Registry, patterns: Sequence[str]) -> list[str]:
    """The registry's models whose names match one of the globs, in name order."""
    names: list[str] = []
    token: str | None = None
    while True:
        page = registry.list_models(token)
        names += [
            m.name for m in page.items if any(fnmatch.fnmatchcase(m.name, p) for p in patterns)
        ]
        token = page.next_page_token
        if not token:
            return names


@dataclass(frozen=True)
class Keep:
    """Which versions stay: the latest N, and optionally those in a stage or with an alias."""

    latest: int
    staged: bool = False
    aliased: bool = False

    def decide(
        self, model: str, v: VersionSummary, rank: int, held: tuple[str, ...], mode: Mode
    ) -> PruneItem:
        def item(action: Literal["archive", "delete", "keep"], why: str) -> PruneItem:
            return PruneItem(model, v.version, action, why, v.stage, held)

        if rank < self.latest:
            return item("keep", f"latest {self.latest}")
        if self.staged and v.stage in (Stage.STAGING, Stage.PRODUCTION):
            return item("keep", f"in {v.stage.value}")
        if self.aliased and held:
            return item("keep", ", ".join(f"@{a}" for a in held))
        if mode == "archive" and v.stage is Stage.ARCHIVED:
            return item("keep", "archived already")
        return item(mode, f"older than the latest {self.latest}")


def plan_prune(
    registry: Registry,
    profile: str,
    models: Iterable[str],
    keep: Keep,
    *,
    mode: Mode = "archive",
    only: str | None = None,
) -> PrunePlan:
    """What the clean-up would do (blocking; reads each model's versions, writes nothing);
    ``only``: that version number alone (the others are left out of the plan)."""
    if keep.latest < 0:
        raise ModelyardError("--keep-latest takes 0 or more.", ErrorKind.INVALID)
    if mode == "delete" and not isinstance(registry, Publishing):
        raise ModelyardError(f"{profile} cannot delete versions from Modelyard.", ErrorKind.INVALID)
    if mode == "archive" and not registry.capabilities().stages:
        raise ModelyardError(
            f"{profile} has no stages to archive into: use --delete.", ErrorKind.INVALID
        )
    items: list[PruneItem] = []
    for model in models:
        aliases = registry.get_model(model).aliases
        versions = sorted(
            all_versions(registry, model), key=lambda v: version_sort_key(v.version), reverse=True
        )
        for rank, v in enumerate(versions):
            held = tuple(sorted(a for a, n in aliases.items() if n == v.version))
            items.append(keep.decide(model, v, rank, held, mode))
    if only is not None:
        items = [i for i in items if i.version == only]
    notes = [
        f"{i.model} v{i.version} holds "
        + ", ".join(f"@{a}" for a in i.aliases)
        + ": deleting it removes them (--keep-aliased keeps it)."
        for i in items
        if i.action == "delete" and i.aliases
    ]
    return PrunePlan(profile, mode, tuple(items), tuple(notes))


def run_prune(
    registry: Registry,
    plan: PrunePlan,
    *,
    record_history: bool = True,
    progress: Callable[[int, int, PruneItem], None] | None = None,
) -> PruneOutcome:
    """Make the plan's changes one by one, each read back; a failure does not stop the rest.
    A version deleted meanwhile counts as done for --delete and is named for --archive."""
    outcome = PruneOutcome()
    changes = plan.changes
    for n, item in enumerate(changes, 1):
        try:
            if item.action == "archive":
                result = promote(
                    registry,
                    item.model,
                    item.version,
                    Target("stage", Stage.ARCHIVED.value),
                    record_history=record_history,
                )
                if result.version.stage is not Stage.ARCHIVED:
                    raise ModelyardError(
                        result.outcome_problem or "the server did not archive it",
                        ErrorKind.CONFLICT,
                    )
            else:
                assert isinstance(registry, Publishing)
                try:
                    registry.delete_version(item.model, item.version)
                except RegistryError as exc:
                    if exc.kind is not ErrorKind.NOT_FOUND:
                        raise
                _gone(registry, item)
            outcome.done.append(item)
        except ModelyardError as exc:
            outcome.failed.append((item, exc.message))
        if progress is not None:
            progress(n, len(changes), item)
    return outcome


def _gone(registry: Registry, item: PruneItem) -> None:
    """Read back a deletion: the version must be gone (or marked deleted)."""
    try:
        registry.get_version(item.model, item.version)
    except RegistryError as exc:
        if exc.kind is ErrorKind.NOT_FOUND:
            return
        raise
    raise ModelyardError("the server still has it after the delete", ErrorKind.CONFLICT)
