"""The tree (profile → registered model → version): a thin Qt adapter over the core's one
registry state per profile (``core.state.RegistryState``, shared with the details pane, the board
and the CLI).

Expanding a node (``fetchMore``) shows what the state already holds at once — the last-seen rows
from the profile's snapshot, marked with their age — and starts a read of the live listing on the
profile's own worker lane. Pages are merged into the state on the GUI thread; the state tells the
adapter what was added, changed or removed, and rows are inserted, changed and removed in
batches (one beginInsertRows per contiguous run, one dataChanged range per event), so a refresh
never collapses the tree or loses the selection. Display and search text are computed once per
change of an item, never per paint. A registry that cannot be reached keeps its rows, marked
offline with the reason; it is tried again with backoff.

A node not yet opened carries one placeholder child, so it shows an expander; expanding it
(``open``, from the view's ``expanded`` signal) fills it. How rows are written: ``tree_rows``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any

import shiboken6
from PySide6.QtCore import (
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QStandardItemModel

from modelyard.core.model.domain import Capabilities, Page
from modelyard.core.model.errors import UNREACHABLE, ModelyardError
from modelyard.core.model.snapshot import Change, changes_between
from modelyard.core.model.state import Changes, RegistryState, StateEvent
from modelyard.core.profiles.profile import Profile
from modelyard.core.session import Connections
from modelyard.ui.common.workers import CancelToken, Job, WorkerPool
from modelyard.ui.tree.listing import models_listing, versions_listing
from modelyard.ui.tree.mime import MIME, MODELS_MIME, copy_drop, drag_data, sync_drop
from modelyard.ui.tree.tree_node import (
    COLUMN_COUNT,
    HEADERS,
    NODE_ROLE,
    SEARCH_ROLE,
    STAGE_COLORS,
    Column,
    Node,
    NodeKind,
    detach,
    fetching_names,
    offline_text,
)
from modelyard.ui.tree.tree_rows import TreeRows

__all__ = [  # the tree's vocabulary, as views import it
    "NODE_ROLE",
    "SEARCH_ROLE",
    "STAGE_COLORS",
    "Column",
    "Node",
    "NodeKind",
    "RegistryTreeModel",
]

AnyIndex = QModelIndex | QPersistentModelIndex

RETRY_FIRST_S = 5.0  # an unreachable registry is tried again after 5 s, 10 s, 20 s … 5 min
RETRY_MAX_S = 300.0


class RegistryTreeModel(QStandardItemModel):
    """Profiles, their registered models and their versions, as the core state holds them.

    Signals:
        loadFailed(str, str): profile name and a plain-words reason.
        loadSucceeded(str): profile name, after any page of it loaded.
        fetchingChanged(): a read started or ended somewhere in the tree.
        nodeChanged(object): a profile or model row's own state changed (counts, errors).
        sinceLastLooked(object): a profile Node whose first live listing differs from the state
            kept from the last session (its ``news`` and its models' ``news`` say how).
    """

    loadFailed = Signal(str, str)
    loadSucceeded = Signal(str)
    fetchingChanged = Signal()
    nodeChanged = Signal(object)
    sinceLastLooked = Signal(object)
    copyRequested = Signal(str, str, str, str, str)  # from profile, model, version → profile, model
    syncRequested = Signal(str, tuple, str)  # from profile, models → profile

    def __init__(
        self, connections: Connections, workers: WorkerPool, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.setColumnCount(COLUMN_COUNT)
        self.setHorizontalHeaderLabels([HEADERS[c] for c in Column])
        self._connections = connections
        self._workers = workers
        self._root = Node(NodeKind.ROOT, None, None, 0)
        self._root.load.all_fetched = True
        self._stopped = False
        self._baselines: dict[str, RegistryState] = {}  # the last session's state, per profile
        self.rows = TreeRows(self, self._root, self.state, lambda: self._stopped)

    def stop(self) -> None:
        """The window closes: no read starts any more (retries included)."""
        self._stopped = True
        for node in self._root.children:
            self._close(node)

    def state(self, profile_id: str) -> RegistryState:
        """The one state of a profile (what every view reads)."""
        return self._connections.states.get(profile_id)

    # --- profiles -------------------------------------------------------------------------
    def set_profiles(self, profiles: list[Profile]) -> None:
        """Show these profiles; their rows are filled from their states when expanded."""
        for node in self._root.children:
            self._close(node)
            detach(node)
        self.removeRows(0, self.rowCount())
        self._root.children = []
        self._root.by_key = {}
        nodes = [Node(NodeKind.PROFILE, p, self._root, row) for row, p in enumerate(profiles)]
        self.rows.add_rows(self._root, 0, nodes)
        for node in nodes:
            node.load.unsubscribe = self.state(node.key).subscribe(
                partial(self._state_changed, node)
            )

    def _close(self, node: Node) -> None:
        node.cancel()
        if node.load.unsubscribe is not None:
            node.load.unsubscribe()
            node.load.unsubscribe = None
        for child in node.children:
            child.cancel()

    def profiles(self) -> list[Profile]:
        """The profiles shown, in order."""
        return [node.profile for node in self._root.children]

    def profile_index(self, name_or_id: str) -> QModelIndex:
        """Index of a profile row, or an invalid index."""
        for node in self._root.children:
            if name_or_id in (node.profile.name, node.profile.id):
                return self.index_for(node)
        return QModelIndex()

    def refresh(self, index: AnyIndex) -> None:
        """Read the children of ``index`` (a profile or a model) from the registry again; the
        rows shown stay until the answer says what changed."""
        node = self.node(index)
        if node.kind not in (NodeKind.PROFILE, NodeKind.MODEL):
            return
        node.cancel()
        node.load.error = None
        node.load.retry_s = 0.0
        if node.kind is NodeKind.PROFILE:
            self._connections.forget(node.profile.id)
        if not node.load.opened:
            self.open(index)
            return
        self._start(node)

    def index_for(self, node: Node) -> QModelIndex:
        """The index of a node (column 0)."""
        return self.rows.index_for(node)

    def node(self, index: AnyIndex) -> Node:
        """The node behind ``index`` (the root for an invalid index or a placeholder)."""
        if not index.isValid():
            return self._root
        node = index.sibling(index.row(), 0).data(NODE_ROLE)
        if isinstance(node, Node):
            return node
        parent = index.parent()
        return self.node(parent) if parent.isValid() else self._root

    def find_version(self, profile_id: str, model: str, version: str) -> QModelIndex:
        """Index of a version row shown, or an invalid index."""
        profile_node = self._root.by_key.get(profile_id)
        model_node = profile_node.by_key.get(model) if profile_node else None
        version_node = model_node.by_key.get(version) if model_node else None
        return self.index_for(version_node) if version_node else QModelIndex()

    def is_fetching(self) -> bool:
        """Whether any read is in flight."""
        return bool(self.fetching_names())

    def fetching_names(self) -> list[str]:
        """What is being read now, for people: "demo", "churn-classifier (demo)"."""
        return fetching_names(self._root)

    # --- opening ---------------------------------------------------------------------------
    def can_open(self, index: AnyIndex) -> bool:
        """A profile or model never expanded yet."""
        node = self.node(index)
        return node.kind in (NodeKind.PROFILE, NodeKind.MODEL) and not node.load.opened

    def open(self, index: AnyIndex) -> None:
        """Expanded for the first time: show what the state holds now, read the live listing."""
        if not self.can_open(index):
            return
        node = self.node(index)
        node.load.opened = True
        self._show_state(node)
        self._start(node)

    def _show_state(self, node: Node) -> None:
        """Insert the rows the state already holds (last seen, or read by another view)."""
        state = self.state(node.profile.id)
        if node.kind is NodeKind.PROFILE:
            items: Iterable[Any] = state.models.values()
        elif node.key in state.versions_read_at:
            items = state.versions.get(node.key, {}).values()
        else:
            return
        self.rows.insert(node, list(items))

    # --- reading ---------------------------------------------------------------------------
    def _start(self, node: Node) -> None:
        """Read the live listing of ``node``'s children (all pages) on the profile's lane."""
        node.cancel()
        node.load.fetching = True
        profile = node.profile
        connections = self._connections
        work: Callable[[CancelToken], None]
        if node.kind is NodeKind.PROFILE:
            state = self.state(profile.id)
            work = models_listing(
                connections,
                profile,
                want_cache=not state.models and not state.live,
                first_connection=not connections.is_open(profile.id),
            )
        else:
            work = versions_listing(connections, profile, node.key)
        seen: list[str] = []
        job: Job[None] = self._workers.submit(
            work,
            lambda _none: self._listing_done(node, job, seen),
            lambda error: self._listing_failed(node, job, error),
            description=f"load {node.name}",
            on_progress=lambda value: self._part_arrived(node, job, value, seen),
            lane=profile.id,
        )
        node.load.job = job
        self._node_changed(node)
        self.fetchingChanged.emit()

    def _part_arrived(self, node: Node, job: Job[Any], value: object, seen: list[str]) -> None:
        if node.load.job is not job:
            return  # stale: the node was refreshed or closed meanwhile
        state = self.state(node.profile.id)
        if isinstance(value, RegistryState):
            if state.adopt(value):
                self._baselines[state.profile_id] = value
            self._node_changed(node)
            return
        if isinstance(value, Capabilities):
            state.learn_capabilities(value)
            self._node_changed(node)
            return
        assert isinstance(value, Page)
        if node.kind is NodeKind.PROFILE:
            seen.extend(m.name for m in value.items)
            state.merge_models(value.items, complete=False)
        else:
            seen.extend(v.version for v in value.items)
            state.merge_versions(node.key, value.items, complete=False)
        self.loadSucceeded.emit(node.profile.name)

    def _listing_done(self, node: Node, job: Job[Any], seen: list[str]) -> None:
        if node.load.job is not job:
            return
        if self.rows.waiting(node):  # rows of this listing are still going in: done after them
            QTimer.singleShot(0, self, lambda: self._listing_done(node, job, seen))
            return
        node.load.job = None
        node.load.fetching = False
        node.load.all_fetched = True
        node.load.offline = None
        node.load.error = None
        node.load.retry_s = 0.0
        state = self.state(node.profile.id)
        if node.kind is NodeKind.PROFILE:
            state.retain_models(seen)
        else:
            state.retain_versions(node.key, seen)
        self.rows.drop_placeholder(node)
        self._node_changed(node)
        self.loadSucceeded.emit(node.profile.name)
        self.fetchingChanged.emit()
        self._keep_snapshot(node.profile.id, state)
        baseline = self._baselines.pop(state.profile_id, None)
        if baseline is not None and node.kind is NodeKind.PROFILE:
            self._mark_news(node, changes_between(baseline, state.live_view()))

    def _mark_news(self, node: Node, found: list[Change]) -> None:
        """Mark what teammates changed since the last session: on the registry and its rows."""
        if not found:
            return
        per_model: dict[str, list[str]] = {}
        for change in found:
            per_model.setdefault(change.model, []).append(change.describe())
        node.news = tuple(change.describe() for change in found)
        for name, lines in per_model.items():
            child = node.by_key.get(name)
            if child is not None:
                child.news = tuple(lines)
                self.rows.retext(child)
        self._node_changed(node)
        self.sinceLastLooked.emit(node)

    def dismiss_news(self, node: Node) -> None:
        """The user has seen what changed: the marks go."""
        for child in (node, *node.children):
            if child.news:
                child.news = ()
                self.rows.retext(child)
        self.nodeChanged.emit(node)

    def _keep_snapshot(self, profile_id: str, state: RegistryState) -> None:
        """A complete listing goes into the profile's snapshot on disk (written on a worker from
        a copy taken here): what the tree shows at the next start and when offline."""
        copy = state.copy()
        states = self._connections.states
        self._workers.submit(
            lambda _token: states.save(profile_id, copy),
            lambda _r: None,
            lambda _e: None,
            "keep snapshot",
        )

    def _listing_failed(self, node: Node, job: Job[Any], error: ModelyardError) -> None:
        if node.load.job is not job:
            return
        node.load.job = None
        node.load.fetching = False
        state = self.state(node.profile.id)
        unreachable = error.kind in UNREACHABLE
        if unreachable:
            state.set_offline(error.message)
        self.rows.drop_placeholder(node)
        if unreachable and node.children:
            if node.kind is NodeKind.PROFILE:
                read_at = state.models_read_at
            else:
                read_at = state.versions_read_at.get(node.key)
            node.load.offline = offline_text(read_at, error.message)
            node.load.all_fetched = True
            self._node_changed(node)
            self.loadFailed.emit(node.profile.name, node.load.offline)
        else:
            node.load.error = error.message
            node.load.error_kind = error.kind
            self._node_changed(node)
            self.loadFailed.emit(node.profile.name, error.message)
        self.fetchingChanged.emit()
        if unreachable and (node.children or node.kind is NodeKind.PROFILE):
            self._retry_later(node)

    def reached(self, profile_id: str, error: ModelyardError | None) -> None:
        """The outcome of any call to a registry, whichever view made it: the state's online or
        offline status follows the latest one, and so does the registry row (a row shown
        offline reads again when another call got through; a row shown fine is marked offline
        when another call could not reach the registry)."""
        node = self._root.by_key.get(profile_id)
        state = self.state(profile_id)
        if error is None or error.kind not in UNREACHABLE:
            if state.offline:
                state.set_offline(None)
            if (
                node is not None
                and (node.load.offline or node.load.error)
                and not node.load.fetching
            ):
                self.refresh(self.index_for(node))
            return
        state.set_offline(error.message)
        if (
            node is None
            or node.load.fetching
            or node.load.offline
            or node.load.error
            or not node.load.opened
        ):
            return
        node.load.offline = offline_text(state.models_read_at, error.message)
        self._node_changed(node)
        self._retry_later(node)

    def _retry_later(self, node: Node) -> None:
        """Try an unreachable registry again after 5 s, then twice as long each time."""
        node.load.retry_s = min(RETRY_MAX_S, node.load.retry_s * 2 or RETRY_FIRST_S)

        def again() -> None:
            if self._stopped or not shiboken6.isValid(self._workers) or self._workers.closed:
                return
            parent = node.parent
            if parent is None or parent.by_key.get(node.key) is not node:
                return  # the node left the tree
            if node.load.fetching or not (node.load.offline or node.load.error):
                return  # already being read, or it answered meanwhile
            node.load.error = None
            self._start(node)

        QTimer.singleShot(int(node.load.retry_s * 1000), self, again)

    # --- the state tells what changed ------------------------------------------------------
    def _state_changed(self, profile_node: Node, event: StateEvent) -> None:
        if profile_node.parent is None or profile_node.load.unsubscribe is None:
            return
        state = self.state(profile_node.key)
        if event.model is None:
            if profile_node.load.opened:
                self.rows.apply(profile_node, event.changes, state.models)
                self._reread_changed_versions(profile_node, event.changes.changed)
            self._node_changed(profile_node)
            return
        model_node = profile_node.by_key.get(event.model)
        if model_node is None:
            return
        if model_node.load.opened:
            found = event.changes
            keys = Changes(  # "model/version" keys → version keys of this model's rows
                *(
                    tuple(k.split("/")[-1] for k in part)
                    for part in (found.added, found.changed, found.removed)
                )
            )
            self.rows.apply(model_node, keys, state.versions.get(event.model, {}))
        self._node_changed(model_node)  # its stage and alias summary come from the versions

    def _reread_changed_versions(self, profile_node: Node, names: Iterable[str]) -> None:
        """A model whose listing entry changed (a new version, a stage or alias moved) has its
        shown versions read again, so its rows and its summary never disagree."""
        for name in names:
            node = profile_node.by_key.get(name)
            if node is not None and node.load.opened and not node.load.fetching:
                self._start(node)

    def _node_changed(self, node: Node) -> None:
        """The node's own row (its counts, its state, its summary) changed."""
        if node.kind is NodeKind.ROOT or node.parent is None or node.row < 0:
            return
        self.rows.retext(node)
        self.nodeChanged.emit(node)

    # --- drag -------------------------------------------------------------------------------
    def mimeTypes(self) -> list[str]:
        """Override of QAbstractItemModel.mimeTypes."""
        return [MIME, MODELS_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        """Override: the dragged version (the first one, if several), or the dragged models."""
        return drag_data([self.node(i) for i in indexes if i.column() == 0])

    def supportedDragActions(self) -> Qt.DropAction:
        """Override: a drag never moves rows here."""
        return Qt.DropAction.CopyAction

    def supportedDropActions(self) -> Qt.DropAction:
        """Override: a version dropped on another registry (or its model) is copied there."""
        return Qt.DropAction.CopyAction

    def canDropMimeData(
        self,
        data: QMimeData,
        action: Qt.DropAction,
        row: int,
        column: int,
        parent: AnyIndex,
    ) -> bool:
        """Override: a version from another registry, onto a registry or one of its models;
        models from another registry, onto a registry."""
        onto = self.node(parent)
        return copy_drop(data, onto) is not None or sync_drop(data, onto) is not None

    def dropMimeData(
        self,
        data: QMimeData,
        action: Qt.DropAction,
        row: int,
        column: int,
        parent: AnyIndex,
    ) -> bool:
        """Override: ask for the copy or sync (its dialog confirms it); no row is inserted."""
        copy, sync = copy_drop(data, self.node(parent)), sync_drop(data, self.node(parent))
        if copy is not None:
            self.copyRequested.emit(*copy)
        if sync is not None:
            self.syncRequested.emit(*sync)
        return False
