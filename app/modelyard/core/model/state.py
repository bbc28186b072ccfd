"""One registry's state as last read: models and versions, each with when it was read.

Plain Python (no Qt). Reads are merged in as differences (added / changed / removed) and
subscribers are told; derived text such as a model's "Prod v5 · Stg v3" is computed here, from
the versions when they are known, never stored beside them. A write's answer from the server
goes in through :meth:`RegistryState.apply_version`, so every view that reads this state agrees
with the server after a change. The tree, the details pane, the board and the CLI read it.

In the desktop app every merge happens on the GUI thread (workers read, the GUI thread merges),
so subscribers are told on the thread that draws; the CLI merges on its own thread. A state
whose owner is set (``States.bind_owner``) refuses changes from any other thread.

Changes made together go in one named transaction (``with state.transaction("read churn"):``,
or the named writes below): subscribers are told once, after it, with what it changed as a
whole — never in the middle of it, so a subscriber that reads the state sees it complete.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType

from modelyard.core.model.domain import (
    Capabilities,
    ModelSummary,
    Stage,
    VersionSummary,
    version_sort_key,
)
from modelyard.core.model.errors import ErrorKind, ModelyardError

log = logging.getLogger("modelyard.state")

SHORT_STAGE = {Stage.PRODUCTION: "Prod", Stage.STAGING: "Stg"}


@dataclass(frozen=True, slots=True)
class Changes:
    """What a merge changed: model names, or ``model/version`` keys."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def __add__(self, later: Changes) -> Changes:
        """These changes, then ``later``, as one: what was added and removed again is not
        told; what was removed and came back is "changed"; added or removed is not also
        "changed"."""
        added = dict.fromkeys(self.added)
        changed = dict.fromkeys(self.changed)
        removed = dict.fromkeys(self.removed)
        for key in later.added:
            if key in removed:  # gone, then back
                del removed[key]
                changed[key] = None
            else:
                added[key] = None
        for key in later.changed:
            if key not in added:
                changed[key] = None
        for key in later.removed:
            if key in added:  # new in these changes and gone again: nothing to tell
                del added[key]
            else:
                changed.pop(key, None)
                removed[key] = None
        return Changes(tuple(added), tuple(changed), tuple(removed))


class _ReadOnlyNested(Mapping[str, Mapping[str, VersionSummary]]):
    """A read-only view of ``{model: {version: summary}}`` (inner dicts read-only too)."""

    __slots__ = ("_data",)

    def __init__(self, data: dict[str, dict[str, VersionSummary]]) -> None:
        self._data = data

    def __getitem__(self, model: str) -> Mapping[str, VersionSummary]:
        return MappingProxyType(self._data[model])

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


class WrongThread(RuntimeError):
    """A state was changed from a thread other than its owner's (a worker merged instead of
    handing its result to the thread that draws)."""


@dataclass(frozen=True, slots=True)
class StateEvent:
    """Told to subscribers: which part changed (``model`` None: the model list) and how."""

    model: str | None
    changes: Changes


@dataclass
class RegistryState:
    """Models and versions of one profile's registry as last read."""

    profile_id: str
    # Kept here, changed only by the methods below; views read them through ``models``,
    # ``versions`` and ``versions_read_at``, which cannot be written to.
    _models: dict[str, ModelSummary] = field(default_factory=dict)
    _versions: dict[str, dict[str, VersionSummary]] = field(default_factory=dict)
    models_read_at: datetime | None = None
    _versions_read_at: dict[str, datetime] = field(default_factory=dict)
    # Whether the model list was read from the registry in this session (not only the cache),
    # and why the registry cannot be reached now (None: it answered last time it was asked).
    live: bool = False
    offline: str | None = None
    live_versions: set[str] = field(default_factory=set)  # models whose versions were read live
    # What the registry said it can do (its server's version, what it lacks), once it was read.
    capabilities: Capabilities | None = None
    _subscribers: list[Callable[[StateEvent], None]] = field(default_factory=list, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    owner: int | None = field(default=None, repr=False)  # the one thread that may change it
    _open: list[str] = field(default_factory=list, repr=False)  # names of open transactions
    _pending: dict[str | None, Changes] = field(default_factory=dict, repr=False)
    # Counts the changes told (caches of what is derived from the state compare it).
    revision: int = field(default=0, repr=False, compare=False)

    # --- read-only views ---------------------------------------------------------------------
    @property
    def models(self) -> Mapping[str, ModelSummary]:
        """The models as last read, by name (read-only)."""
        return MappingProxyType(self._models)

    @property
    def versions(self) -> Mapping[str, Mapping[str, VersionSummary]]:
        """Each model's versions as last read, by number (read-only)."""
        return _ReadOnlyNested(self._versions)

    @property
    def versions_read_at(self) -> Mapping[str, datetime]:
        """When each model's versions were last read completely (read-only)."""
        return MappingProxyType(self._versions_read_at)

    # --- transactions ------------------------------------------------------------------------
    def _check_owner(self, action: str) -> None:
        if self.owner is not None and threading.get_ident() != self.owner:
            raise WrongThread(
                f"{action} on the state of {self.profile_id} from thread "
                f"{threading.current_thread().name}: only its owner thread changes it"
            )

    @contextmanager
    def transaction(self, name: str) -> Iterator[None]:
        """Changes made inside are told once, after it (one event per part: the model list,
        each model), in the order the parts first changed; nested ones join the outer one."""
        self._check_owner(name)
        self._open.append(name)
        try:
            yield
        finally:
            self._open.pop()
            if not self._open:
                pending, self._pending = self._pending, {}
                log.debug("%s: %s done, %d parts changed", self.profile_id, name, len(pending))
                for model, changes in pending.items():
                    self._deliver(model, changes)

    # --- subscribing -------------------------------------------------------------------------
    def subscribe(self, callback: Callable[[StateEvent], None]) -> Callable[[], None]:
        """Call ``callback`` after every change; returns the call that unsubscribes."""
        with self._lock:
            self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback)

    def _tell(self, model: str | None, changes: Changes) -> Changes:
        if changes:
            self.revision += 1
        if changes and self._open:
            self._pending[model] = self._pending.get(model, Changes()) + changes
        elif changes:
            self._deliver(model, changes)
        return changes

    def _deliver(self, model: str | None, changes: Changes) -> None:
        if changes:
            event = StateEvent(model, changes)
            subscribers = list(self._subscribers)
            log.debug(
                "%s%s: %d added, %d changed, %d removed; telling %d",
                self.profile_id,
                f" {model}" if model else "",
                len(changes.added),
                len(changes.changed),
                len(changes.removed),
                len(subscribers),
            )
            for callback in subscribers:
                try:
                    callback(event)
                except Exception:  # one view's bug must not keep the others out of step
                    log.exception("a subscriber of %s failed on %s", self.profile_id, event)

    # --- reads merged in ---------------------------------------------------------------------
    def merge_models(
        self, items: Iterable[ModelSummary], *, complete: bool, read_at: datetime | None = None
    ) -> Changes:
        """Merge a listing of models; with ``complete``, models not in it are removed."""
        self._check_owner("merge_models")
        with self._lock:
            added, changed = [], []
            seen = set()
            for item in items:
                seen.add(item.name)
                old = self._models.get(item.name)
                if old is None:
                    added.append(item.name)
                elif old != item:
                    changed.append(item.name)
                    # its versions as known describe the model before this change: until they
                    # are read again, the stage and alias summary come from the listing
                    self._versions_read_at.pop(item.name, None)
                    self.live_versions.discard(item.name)
                self._models[item.name] = item
            removed = [n for n in self._models if n not in seen] if complete else []
            for name in removed:
                self._forget(name)
            if complete:
                self.models_read_at = read_at or datetime.now(tz=UTC)
        return self._tell(None, Changes(tuple(added), tuple(changed), tuple(removed)))

    def merge_versions(
        self,
        model: str,
        items: Iterable[VersionSummary],
        *,
        complete: bool,
        read_at: datetime | None = None,
    ) -> Changes:
        """Merge a listing of one model's versions; with ``complete``, the others go."""
        self._check_owner("merge_versions")
        with self._lock:
            known = self._versions.setdefault(model, {})
            added, changed = [], []
            seen = set()
            for item in items:
                seen.add(item.version)
                old = known.get(item.version)
                if old is None:
                    added.append(f"{model}/{item.version}")
                elif old != item:
                    changed.append(f"{model}/{item.version}")
                known[item.version] = item
            removed = [v for v in known if v not in seen] if complete else []
            for version in removed:
                del known[version]
            if complete:
                self._versions_read_at[model] = read_at or datetime.now(tz=UTC)
        removed_keys = tuple(f"{model}/{v}" for v in removed)
        return self._tell(model, Changes(tuple(added), tuple(changed), removed_keys))

    def _forget(self, name: str) -> None:
        """A model that is gone: everything known of it (its versions, when and whether they
        were read live), under the lock."""
        del self._models[name]
        self._versions.pop(name, None)
        self._versions_read_at.pop(name, None)
        self.live_versions.discard(name)

    def retain_models(self, names: Iterable[str], *, read_at: datetime | None = None) -> Changes:
        """A complete listing was read page by page: models not in ``names`` are gone."""
        self._check_owner("retain_models")
        with self._lock:
            keep = set(names)
            removed = [n for n in self._models if n not in keep]
            for name in removed:
                self._forget(name)
            self.models_read_at = read_at or datetime.now(tz=UTC)
            self.live = True  # read live (whether the registry is online is set by whoever
            # reached it: set_offline — a read in another window says nothing about the tree)
        return self._tell(None, Changes(removed=tuple(removed)))

    def retain_versions(
        self, model: str, versions: Iterable[str], *, read_at: datetime | None = None
    ) -> Changes:
        """A complete listing of ``model``'s versions was read: the others are gone."""
        self._check_owner("retain_versions")
        with self._lock:
            keep = set(versions)
            known = self._versions.setdefault(model, {})
            removed = [v for v in known if v not in keep]
            for version in removed:
                del known[version]
            self._versions_read_at[model] = read_at or datetime.now(tz=UTC)
            self.live_versions.add(model)
        return self._tell(model, Changes(removed=tuple(f"{model}/{v}" for v in removed)))

    def adopt(self, cached: RegistryState) -> bool:
        """Fill an empty state from a snapshot read from disk (its read times kept); a state
        that already holds models (a live read came first) is left as it is."""
        with self._lock:
            if self._models or cached.profile_id != self.profile_id:
                return False
        with self.transaction("adopt the snapshot"):
            self.merge_models(cached.models.values(), complete=True, read_at=cached.models_read_at)
            for model, versions in cached.versions.items():
                self.merge_versions(
                    model,
                    versions.values(),
                    complete=True,
                    read_at=cached.versions_read_at.get(model),
                )
        return True

    def copy(self) -> RegistryState:
        """A detached copy (no subscribers) for writing to disk off the thread that merges."""
        with self._lock:
            return RegistryState(
                self.profile_id,
                dict(self._models),
                {model: dict(versions) for model, versions in self._versions.items()},
                self.models_read_at,
                dict(self._versions_read_at),
                self.live,
                self.offline,
            )

    def live_view(self) -> RegistryState:
        """A detached copy that knows only what was read live: versions kept from an earlier
        session count as unknown (for "since you last looked")."""
        view = self.copy()
        view._versions_read_at = {
            m: t for m, t in view.versions_read_at.items() if m in self.live_versions
        }
        return view

    def learn_capabilities(self, capabilities: Capabilities) -> None:
        """Record what the registry said it can do (read with a listing or a model)."""
        self._check_owner("learn_capabilities")
        with self._lock:
            self.capabilities = capabilities

    def set_offline(self, reason: str | None) -> None:
        """Record that the registry cannot be reached now (None: it answered again)."""
        self._check_owner("set_offline")
        with self._lock:
            self.offline = reason

    def check_writable(self, action: str) -> None:
        """Refuse a write while the registry is offline, with a plain reason."""
        reason = self.offline
        if reason:
            raise ModelyardError(
                f"Cannot {action} while the registry is offline ({reason}). The rows shown are "
                "the last-seen state; press F5 to try the registry again.",
                ErrorKind.NETWORK,
            )

    def apply_version(self, version: VersionSummary) -> Changes:
        """A version as the server answered a write (or a fresh read of it)."""
        return self.merge_versions(version.model, [version], complete=False)

    # --- named transactions: the write rules the views share ---------------------------------
    def read_model(
        self, model: ModelSummary, versions: Iterable[VersionSummary]
    ) -> tuple[Changes, Changes]:
        """A complete live read of one model and all its versions, told as one change."""
        versions = list(versions)
        with self.transaction(f"read {model.name}"):
            summary = self.merge_models([model], complete=False)
            merged = self.merge_versions(model.name, versions, complete=False)
            merged += self.retain_versions(model.name, [v.version for v in versions])
        return summary, merged

    def read_models(
        self, models: Iterable[ModelSummary], *, read_at: datetime | None = None
    ) -> Changes:
        """A complete live listing of the models, told as one change."""
        models = list(models)
        with self.transaction("read the models"):
            merged = self.merge_models(models, complete=False)
            merged += self.retain_models([m.name for m in models], read_at=read_at)
        return merged

    # --- derived -----------------------------------------------------------------------------
    def sorted_versions(self, model: str) -> list[VersionSummary]:
        """A model's known versions, newest first."""
        with self._lock:
            known = list(self._versions.get(model, {}).values())
        return sorted(known, key=lambda v: version_sort_key(v.version), reverse=True)

    def _complete_versions(self, model: str) -> dict[str, VersionSummary] | None:
        """The model's versions when a complete listing of them was read (else None: a few
        versions known from single reads do not tell which version holds a stage)."""
        return self._versions.get(model) if model in self._versions_read_at else None

    def aliases_of(self, model: str) -> dict[str, str]:
        """alias → version: from the versions when they are known, else from the listing."""
        with self._lock:
            known = self._complete_versions(model)
            if known is not None:
                return {a: v.version for v in known.values() for a in v.aliases}
            summary = self._models.get(model)
            return dict(summary.aliases) if summary is not None else {}

    def stage_line(self, model: str) -> str:
        """'Prod v5 · Stg v3': from the versions when they are known, else from the listing."""
        with self._lock:
            known = self._complete_versions(model)
            summary = self._models.get(model)
            if known is not None:
                holders = {
                    stage: [v.version for v in self.sorted_versions(model) if v.stage is stage]
                    for stage in SHORT_STAGE
                }
            elif summary is not None:
                holders = {
                    stage: [summary.latest_by_stage[stage.value]]
                    for stage in SHORT_STAGE
                    if stage.value in summary.latest_by_stage
                }
            else:
                return ""
        return " · ".join(
            f"{SHORT_STAGE[stage]} {', '.join('v' + v for v in holders[stage])}"
            for stage in SHORT_STAGE
            if holders.get(stage)
        )
