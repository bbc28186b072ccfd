"""Sync whole models between two registries: plan first, copy in parallel, survive a kill,
cost nothing when run again.

Planning reads one listing of each side's models, then the versions of the selected models (in
the target only where they are there already): in a few ``name IN`` searches where the server
takes them (MLflow 3.17 on), else each model's own, eight models at a time; and no file. A
version is "there already" when a target version's lineage tag (``modelyard.copy.source``,
which every copy writes) names it — so a rerun finds what earlier runs, single copies and
killed runs made, without trusting any local state.

Running copies each planned version with the copy machinery (nothing half-registered; a failed
copy removes what it made). Models go in parallel (``jobs`` at once), the versions of one model
one after another in the source's order (so the target's numbers follow the source's). A
journal in the user data dir records each step as it is made (the copy's run, its version,
done or failed), so that a run killed at any point (kill -9, a closed laptop) is finished by
the next one: a run the journal names whose version never came is removed before the version
is copied again; a version that came but whose run was not marked complete is completed.
"""

from __future__ import annotations

import fnmatch
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from modelyard.core.actions.copy import UNREACHABLE, AlreadyCopied, copy_version
from modelyard.core.actions.copy_plan import (
    SOURCE_TAG,
    STATE_TAG,
    Endpoint,
    plan_copy,
    publishing,
)
from modelyard.core.actions.promote import Target, promote
from modelyard.core.actions.sync_journal import Journal
from modelyard.core.actions.sync_progress import Pause, SyncProgress
from modelyard.core.model.domain import ModelSummary, Stage, VersionSummary, version_sort_key
from modelyard.core.model.errors import Cancelled, ErrorKind, ModelyardError, RegistryError
from modelyard.core.reads.many import versions_of_models

log = logging.getLogger("modelyard.sync")

Action = Literal["copy", "there", "skip"]


# --- what to sync -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Selection:
    """Which source versions: of the models matching ``models`` (globs; none: every model),
    ``versions`` "all", "staged" (holding a stage other than None, or an alias) or "latest:N";
    ``only``: exactly these (model, version) pairs (versions chosen one by one in the tree)."""

    models: tuple[str, ...] = ()
    versions: str = "all"
    only: frozenset[tuple[str, str]] = frozenset()

    def __post_init__(self) -> None:
        if self.versions not in ("all", "staged") and not _latest(self.versions):
            raise RegistryError(
                f"--versions takes all, staged or latest:N (N ≥ 1), not {self.versions!r}.",
                ErrorKind.INVALID,
            )

    def wants_model(self, name: str) -> bool:
        if self.only:
            return any(model == name for model, _v in self.only)
        return not self.models or any(fnmatch.fnmatchcase(name, glob) for glob in self.models)

    def pick(self, versions: list[VersionSummary]) -> list[VersionSummary]:
        """The selected versions, oldest first."""
        ordered = sorted(versions, key=lambda v: version_sort_key(v.version))
        if self.only:
            return [v for v in ordered if (v.model, v.version) in self.only]
        if self.versions == "staged":
            return [v for v in ordered if v.stage is not Stage.NONE or v.aliases]
        latest = _latest(self.versions)
        return ordered[-latest:] if latest else ordered


def _latest(text: str) -> int:
    head, _, count = text.partition(":")
    return int(count) if head == "latest" and count.isdigit() and int(count) > 0 else 0


@dataclass(frozen=True)
class NameMap:
    """A source model's name in the target: ``mapping`` first, else prefix + name + suffix."""

    prefix: str = ""
    suffix: str = ""
    mapping: Mapping[str, str] = field(default_factory=dict)

    def target(self, model: str) -> str:
        return self.mapping.get(model) or f"{self.prefix}{model}{self.suffix}"

    @classmethod
    def from_file(cls, path: Path) -> NameMap:
        """A JSON object {"source name": "target name", …}."""
        try:
            data = json.loads(path.expanduser().read_text(encoding="utf-8"))
        except OSError as exc:
            raise RegistryError(
                f"The name map {path} cannot be read ({exc.strerror or type(exc).__name__}).",
                ErrorKind.INVALID,
            ) from None
        except ValueError:
            raise RegistryError(
                f"The name map {path} is not JSON (it is an object of source name → target "
                'name, e.g. {"churn": "main.ml.churn"}).',
                ErrorKind.INVALID,
            ) from None
        if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in data.items()
        ):
            raise RegistryError(
                f"The name map {path} must be a JSON object of source name → target name.",
                ErrorKind.INVALID,
            )
        return cls(mapping={k: v.strip() for k, v in data.items()})


# --- the plan ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class SyncItem:
    """One source version and what the sync does with it."""

    model: str
    version: str
    target_model: str
    action: Action
    reason: str = ""  # why it is skipped
    target_version: str = ""  # the version that holds it in the target ("there")
    mirror: tuple[Target, ...] = ()  # stages/aliases to set in the target afterwards

    @property
    def key(self) -> str:
        """The journal's key: this source version into this target model."""
        return f"{self.model}/{self.version} → {self.target_model}"


@dataclass(frozen=True)
class SyncPlan:
    source_profile: str
    target_profile: str
    source_location: str
    target_location: str
    items: tuple[SyncItem, ...]
    notes: tuple[str, ...] = ()  # what will not be done at all, and why

    def count(self, action: Action) -> int:
        return sum(1 for item in self.items if item.action == action)

    @property
    def writes(self) -> int:
        """Versions to copy plus stages and aliases to set (0: the rerun writes nothing)."""
        return sum((item.action == "copy") + len(item.mirror) for item in self.items)


def plan_sync(
    source: Endpoint,
    target: Endpoint,
    selection: Selection,
    names: NameMap | None = None,
    *,
    mirror_stages: bool = False,
    mirror_aliases: bool = False,
) -> SyncPlan:
    """What a sync would do (blocking; reads listings only, never a file)."""
    names = names or NameMap()
    writer = publishing(target.registry, target.profile)
    caps = target.registry.capabilities()
    notes: list[str] = []
    if mirror_stages and not caps.stages:
        notes.append(f"{target.profile} has no stages: stages are not mirrored.")
        mirror_stages = False
    if mirror_aliases and not caps.aliases:
        notes.append(f"{target.profile} has no aliases: aliases are not mirrored.")
        mirror_aliases = False
    same = source.registry.location == target.registry.location
    wanted: list[tuple[ModelSummary, str]] = []
    for model in _all_models(source):
        if not selection.wants_model(model.name):
            continue
        name = names.target(model.name)
        if same and name == model.name:
            notes.append(f"{model.name}: the target is the same model in the same registry.")
            continue
        wanted.append((model, name))
    in_target = {m.name: m for m in _all_models(target)}  # one listing: no reads for new models
    listed = versions_of_models(source.registry, [m for m, _ in wanted], tags=False)
    picked = {m.name: selection.pick(listed.get(m.name, [])) for m, _ in wanted}
    there = versions_of_models(
        target.registry, [in_target[n] for m, n in wanted if picked[m.name] and n in in_target]
    )
    items: list[SyncItem] = []
    read_only = getattr(target.registry, "read_only", False)  # the guard's: see connectors
    for model, name in wanted:
        refusal = (
            f"{target.profile} is read-only (its protection level)"
            if read_only
            else _name_problem(writer, name)
        )
        held_by = _copies_among(there.get(name, []), source.registry.location, model.name)
        for v in picked[model.name]:
            if refusal:
                items.append(SyncItem(model.name, v.version, name, "skip", refusal))
                continue
            held = held_by.get(v.version)
            mirror = _mirror(v, held, mirror_stages, mirror_aliases)
            if held is not None:
                items.append(
                    SyncItem(model.name, v.version, name, "there", "", held.version, mirror)
                )
            else:
                items.append(SyncItem(model.name, v.version, name, "copy", "", "", mirror))
    if not items and not notes:
        notes.append(f"No model of {source.profile} matches the selection.")
    return SyncPlan(
        source.profile,
        target.profile,
        source.registry.location,
        target.registry.location,
        tuple(items),
        tuple(notes),
    )


def _all_models(side: Endpoint) -> Iterator[ModelSummary]:
    token: str | None = None
    while True:
        page = side.registry.list_models(token)
        yield from page.items
        token = page.next_page_token
        if not token:
            return


def _copies_among(
    versions: list[VersionSummary], source_location: str, model: str
) -> dict[str, VersionSummary]:
    """Those of a target model's ``versions`` that are copies of ``model``'s versions, by
    source version number (from their lineage tags)."""
    prefix = f"{source_location}#{model}/"
    found: dict[str, VersionSummary] = {}
    for v in versions:
        origin = v.tags.get(SOURCE_TAG, "")
        if origin.startswith(prefix) and v.tags.get(STATE_TAG) != "incomplete":
            found.setdefault(origin[len(prefix) :], v)
    return found


def _name_problem(writer: Any, name: str) -> str:
    """Why the target refuses this model name ("" when it takes it): Unity Catalog takes
    three-part names only. (Its other rule, a signature, is the copy's to check — before it
    writes anything — since planning reads no file.)"""
    if getattr(writer, "unity_catalog", False):
        parts = name.split(".")
        if len(parts) != 3 or not all(parts):
            return "Unity Catalog takes catalog.schema.model names (map the names, e.g. --prefix)"
    return ""


def _mirror(
    source: VersionSummary, held: VersionSummary | None, stages: bool, aliases: bool
) -> tuple[Target, ...]:
    """What to set in the target so that its copy holds the source's stage and aliases."""
    out: list[Target] = []
    now_stage = held.stage if held is not None else Stage.NONE
    if stages and source.stage is not Stage.NONE and source.stage is not now_stage:
        out.append(Target("stage", source.stage.value))
    if aliases:
        now = set(held.aliases) if held is not None else set()
        out += [Target("alias", a) for a in source.aliases if a not in now]
    return tuple(out)


# --- running ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SyncOutcome:
    item: SyncItem
    result: Literal["copied", "there", "skipped", "failed", "not started"]
    target_version: str = ""
    message: str = ""
    bytes: int = 0


@dataclass(frozen=True)
class SyncReport:
    outcomes: tuple[SyncOutcome, ...]
    seconds: float
    journal: Path

    def count(self, result: str) -> int:
        return sum(1 for o in self.outcomes if o.result == result)

    @property
    def ok(self) -> bool:
        return not any(o.result in ("failed", "not started") for o in self.outcomes)


def run_sync(
    source: Endpoint,
    target: Endpoint,
    plan: SyncPlan,
    *,
    jobs: int = 4,
    progress: Callable[[SyncProgress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    journal: Journal | None = None,
    record_history: bool = True,
    pause: Pause | None = None,
) -> SyncReport:
    """Carry out ``plan`` (blocking): models in parallel, each model's versions in order;
    ``pause`` holds every lane before its next version while it is paused."""
    started = time.monotonic()
    journal = journal or Journal(plan.source_location, plan.target_location)
    is_cancelled = cancelled or (lambda: False)
    stop = threading.Event()  # the target went away: start nothing more
    lock = threading.Lock()
    outcomes: dict[str, SyncOutcome] = {}
    current: list[str] = []
    done_bytes = [0]

    def tell() -> None:
        if progress is not None:
            with lock:
                snapshot = SyncProgress(
                    len(outcomes), len(plan.items), done_bytes[0], tuple(current), started
                )
            progress(snapshot)

    def finish(outcome: SyncOutcome) -> None:
        with lock:
            outcomes[outcome.item.key] = outcome
        tell()

    def one_model(items: list[SyncItem]) -> None:
        for item in items:
            if pause is not None:
                pause.hold(is_cancelled)
            if stop.is_set() or is_cancelled():
                finish(SyncOutcome(item, "not started"))
                continue
            with lock:
                current.append(item.key)
            try:
                finish(
                    _one(
                        source,
                        target,
                        item,
                        journal=journal,
                        is_cancelled=is_cancelled,
                        done_bytes=done_bytes,
                        record_history=record_history,
                    )
                )
            except Cancelled:
                finish(SyncOutcome(item, "not started", message="cancelled"))
                stop.set()
            except ModelyardError as exc:
                finish(SyncOutcome(item, "failed", message=exc.message))
                journal.note(item.key, state="failed", error=exc.message)
                if exc.kind in UNREACHABLE:
                    stop.set()  # every other version would fail the same way
            finally:
                with lock:
                    if item.key in current:
                        current.remove(item.key)

    by_model: dict[str, list[SyncItem]] = {}
    for item in plan.items:
        if item.action == "skip":
            finish(SyncOutcome(item, "skipped", message=item.reason))
        else:
            by_model.setdefault(item.target_model, []).append(item)
    try:
        with ThreadPoolExecutor(max(1, jobs), thread_name_prefix="modelyard-sync") as pool:
            list(pool.map(one_model, by_model.values()))
    finally:
        journal.close()
    ordered = tuple(outcomes[item.key] for item in plan.items)
    return SyncReport(ordered, time.monotonic() - started, journal.path)


def _one(
    source: Endpoint,
    target: Endpoint,
    item: SyncItem,
    *,
    journal: Journal,
    is_cancelled: Callable[[], bool],
    done_bytes: list[int],
    record_history: bool,
) -> SyncOutcome:
    """One version: finish what a killed run left of it, copy it unless it is there, mirror."""
    writer = publishing(target.registry, target.profile)
    earlier = journal.get(item.key)
    version = item.target_version
    result: Literal["copied", "there"] = "there"
    written = 0
    if item.action == "there":
        if earlier.get("run") and earlier.get("state") != "done":
            _complete_run(writer, earlier["run"])  # killed after its version was made
    else:
        if earlier.get("run") and earlier.get("state") != "done":
            _remove_orphan(writer, earlier["run"], earlier.get("files", ""))
        plan = plan_copy(source, item.model, item.version, target, item.target_model)
        journal.note(item.key, state="copying", run="", files="")

        def steps(what: str, value: str) -> None:
            journal.note(item.key, **{what: value})

        try:
            copied = copy_version(
                source, target, plan, None, is_cancelled, steps=steps, fresh_plan=True
            )
            version, written, result = copied.version.version, copied.bytes, "copied"
        except AlreadyCopied as exc:  # made meanwhile (another sync, a single copy)
            version = exc.version.version
    journal.note(item.key, state="done", target_version=version)
    done_bytes[0] += written
    for one in item.mirror:
        promote(target.registry, item.target_model, version, one, record_history=record_history)
    return SyncOutcome(item, result, version, bytes=written)


def _remove_orphan(writer: Any, run_id: str, artifact_uri: str) -> None:
    """A copy's run that a killed sync made and never registered: its files and the run go."""
    log.info("removing run %s left by a stopped sync", run_id)
    try:
        if artifact_uri:
            writer.delete_files(artifact_uri)
        writer.delete_run(run_id)
    except RegistryError as exc:
        if exc.kind is not ErrorKind.NOT_FOUND:
            raise


def _complete_run(writer: Any, run_id: str) -> None:
    try:
        writer.set_run_tag(run_id, STATE_TAG, "complete")
        writer.finish_run(run_id)
    except RegistryError as exc:
        if exc.kind is not ErrorKind.NOT_FOUND:
            raise
