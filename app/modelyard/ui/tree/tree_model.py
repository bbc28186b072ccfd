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

The rows live in a QStandardItemModel (C++): QTreeView lays out every row again after each
batch, and the filter proxy visits every row per keystroke; with a Python item model each of those
visits calls back into Python (index, flags, hasChildren, data: ~4 calls a row), which stalled the
window for 400 ms at 10,000 models (bench/gui_thread.py). Here those visits stay in C++; Python
runs only when the state changes. A node not yet opened carries one placeholder child, so it shows
an expander; expanding it (``open``, from the view's ``expanded`` signal) fills it.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from operator import attrgetter
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
from PySide6.QtGui import QStandardItem, QStandardItemModel

from modelyard.core.model.domain import Capabilities, Page
from modelyard.core.model.errors import UNREACHABLE, ModelyardError
from modelyard.core.model.snapshot import Change, changes_between
from modelyard.core.model.state import Changes, RegistryState, StateEvent
from modelyard.core.profiles.profile import Profile
from modelyard.core.reads.history import humanize_age
from modelyard.core.session import Connections
from modelyard.ui.common.workers import CancelToken, Job, WorkerPool
from modelyard.ui.tree.listing import models_listing, versions_listing
from modelyard.ui.tree.mime import MIME, read_mime, version_mime
from modelyard.ui.tree.tree_node import (
    COLUMN_COUNT,
    HEADERS,
    NODE_ROLE,
    SEARCH_ROLE,
    STAGE_COLORS,
    Column,
    Node,
    NodeKind,
    Payload,
    detach,
    fill_cells,
    placeholder_cell,
    prototypes,
)

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
CHUNK = 400  # rows inserted per turn of the event loop (~15 ms): a big page never stalls it


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
        self._backlog: deque[tuple[Node, list[Node]]] = deque()
        self._baselines: dict[str, RegistryState] = {}  # the last session's state, per profile
        self._draining = False

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
        self._add_rows(self._root, 0, nodes)
        for node in nodes:
            node.load.unsubscribe = self.state(node.key).subscribe(self._listener(node))

    def _listener(self, profile_node: Node) -> Callable[[StateEvent], None]:
        return lambda event: self._state_changed(profile_node, event)

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
        if node is self._root or node.parent is None or node.row < 0:
            return QModelIndex()
        if node.parent is self._root:
            return self.index(node.row, 0)
        parent = self.index_for(node.parent)
        return self.index(node.row, 0, parent) if parent.isValid() else QModelIndex()

    def _item(self, node: Node) -> QStandardItem:
        """The item that holds ``node``'s child rows (a temporary wrapper: never kept)."""
        if node is self._root:
            return self.invisibleRootItem()
        return self.itemFromIndex(self.index_for(node))

    def _cells(self, node: Node) -> list[QStandardItem]:
        """The row's cells (temporary wrappers: never kept)."""
        index = self.index_for(node)
        if not index.isValid():
            return []
        parent = self._item(node.parent) if node.parent is not None else None
        if parent is None:
            return []
        return [parent.child(node.row, column) for column in range(COLUMN_COUNT)]

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
        names: list[str] = []
        stack = list(self._root.children)
        while stack:
            node = stack.pop()
            if node.load.fetching:
                name = node.profile.name
                names.append(name if node.kind is NodeKind.PROFILE else f"{node.key} ({name})")
            stack.extend(node.children)
        return names

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
        self._insert(node, list(items))

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
        if self._waiting(node):  # rows of this listing are still going in: done after them
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
        self._drop_placeholder(node)
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
                self._retext(child)
        self._node_changed(node)
        self.sinceLastLooked.emit(node)

    def dismiss_news(self, node: Node) -> None:
        """The user has seen what changed: the marks go."""
        for child in (node, *node.children):
            if child.news:
                child.news = ()
                self._retext(child)
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
        self._drop_placeholder(node)
        if unreachable and node.children:
            if node.kind is NodeKind.PROFILE:
                read_at = state.models_read_at
            else:
                read_at = state.versions_read_at.get(node.key)
            seen = humanize_age(datetime.now(tz=UTC) - read_at) if read_at else "some time"
            node.load.offline = f"offline, as seen {seen} ago: {error.message}"
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
        read_at = state.models_read_at
        seen = humanize_age(datetime.now(tz=UTC) - read_at) if read_at else "some time"
        node.load.offline = f"offline, as seen {seen} ago: {error.message}"
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
                self._apply(profile_node, event.changes, state.models)
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
            self._apply(model_node, keys, state.versions.get(event.model, {}))
        self._node_changed(model_node)  # its stage and alias summary come from the versions

    def _reread_changed_versions(self, profile_node: Node, names: Iterable[str]) -> None:
        """A model whose listing entry changed (a new version, a stage or alias moved) has its
        shown versions read again, so its rows and its summary never disagree."""
        for name in names:
            node = profile_node.by_key.get(name)
            if node is not None and node.load.opened and not node.load.fetching:
                self._start(node)

    def _apply(self, parent: Node, changes: Changes, items: Mapping[str, Payload]) -> None:
        if changes.removed:
            self._remove(parent, changes.removed)
        for key in changes.changed:
            child = parent.by_key.get(key)
            if child is not None and key in items:
                child.payload = items[key]
                self._retext(child)
        added = [items[k] for k in changes.added if k in items and k not in parent.by_key]
        if added:
            self._insert(parent, added)

    def _insert(self, parent: Node, payloads: Iterable[Payload]) -> None:
        """Insert rows in order: the first CHUNK now, the rest on the next turns of the event
        loop (the window repaints and takes input between chunks)."""
        kind = NodeKind.MODEL if parent.kind is NodeKind.PROFILE else NodeKind.VERSION
        new = [Node(kind, p, parent, -1) for p in payloads]
        new = [n for n in new if n.key not in parent.by_key]
        if not new:
            return
        new.sort(key=attrgetter("sort_key"))
        for node in new:
            parent.by_key[node.key] = node  # known now; its row comes with its chunk
        self._insert_now(parent, new[:CHUNK])
        if len(new) > CHUNK:
            self._backlog.extend(
                (parent, new[i : i + CHUNK]) for i in range(CHUNK, len(new), CHUNK)
            )
            if not self._draining:
                self._draining = True
                QTimer.singleShot(0, self, self._drain)

    def _drain(self) -> None:
        """Insert the next chunk of rows waiting."""
        if self._backlog:
            parent, nodes = self._backlog.popleft()
            alive = [n for n in nodes if n.parent is parent and parent.parent is not None]
            if alive:
                self._insert_now(parent, alive)
        if self._backlog and not self._stopped:
            QTimer.singleShot(0, self, self._drain)
        else:
            self._draining = False

    def _waiting(self, parent: Node) -> bool:
        """Rows of ``parent`` are still waiting for their turn."""
        return any(p is parent for p, _nodes in self._backlog)

    def _insert_now(self, parent: Node, new: list[Node]) -> None:
        """Insert sorted ``new`` rows in order, one insertion per contiguous run."""
        keys = [child.sort_key for child in parent.children]
        runs: list[tuple[int, list[Node]]] = []
        for node in new:
            at = bisect_left(keys, node.sort_key)
            if runs and runs[-1][0] == at:
                runs[-1][1].append(node)
            else:
                runs.append((at, [node]))
        self._drop_placeholder(parent)
        shift = 0
        for at, nodes in runs:
            self._add_rows(parent, at + shift, nodes)
            shift += len(nodes)

    def _add_rows(self, parent: Node, first: int, nodes: list[Node]) -> None:
        """Put ``nodes`` at row ``first`` of ``parent``: one rowsInserted for the run, then the
        cells filled with signals held and announced by one dataChanged."""
        if not nodes:
            return
        parent_item = self._item(parent)
        parent.children[first:first] = nodes
        for row in range(first, len(parent.children)):
            parent.children[row].row = row
        protos = prototypes(nodes[0].kind)
        rows: list[list[QStandardItem]] = []
        for node in nodes:
            parent.by_key[node.key] = node
            cells = [proto.clone() for proto in protos]
            cells[0].setData(node, NODE_ROLE)
            fill_cells(node, cells, self.state(node.profile.id))
            if node.kind is not NodeKind.VERSION:
                node.load.placeholder = True
                cells[0].setColumnCount(COLUMN_COUNT)
                cells[0].appendRow([placeholder_cell()])
            rows.append(cells)
        if parent_item.columnCount() < COLUMN_COUNT:
            parent_item.setColumnCount(COLUMN_COUNT)
        parent_item.insertRows(first, len(nodes))
        blocked = self.blockSignals(True)
        try:
            for offset, cells in enumerate(rows):
                for column, item in enumerate(cells):
                    parent_item.setChild(first + offset, column, item)
        finally:
            self.blockSignals(blocked)
        top = self.index(first, 0, self.index_for(parent))
        bottom = self.index(first + len(nodes) - 1, COLUMN_COUNT - 1, self.index_for(parent))
        self.dataChanged.emit(top, bottom)

    def _remove(self, parent: Node, keys: Iterable[str]) -> None:
        """Remove rows, one removal per contiguous run."""
        gone = [parent.by_key[k] for k in keys if k in parent.by_key]
        for node in gone:
            if node.row < 0:  # still waiting for its chunk: it never gets a row
                del parent.by_key[node.key]
                node.parent = None
        rows = sorted((n.row for n in gone if n.row >= 0), reverse=True)
        parent_index = self.index_for(parent)
        while rows:
            last = first = rows.pop(0)
            while rows and rows[0] == first - 1:
                first = rows.pop(0)
            for child in parent.children[first : last + 1]:
                detach(child)
                del parent.by_key[child.key]
            del parent.children[first : last + 1]
            for row in range(first, len(parent.children)):
                parent.children[row].row = row
            self.removeRows(first, last - first + 1, parent_index)

    def _drop_placeholder(self, node: Node) -> None:
        if node.load.placeholder:
            node.load.placeholder = False
            index = self.index_for(node)
            if index.isValid():
                self.removeRows(0, 1, index)

    def _node_changed(self, node: Node) -> None:
        """The node's own row (its counts, its state, its summary) changed."""
        if node.kind is NodeKind.ROOT or node.parent is None or node.row < 0:
            return
        self._retext(node)
        self.nodeChanged.emit(node)

    # --- cells -----------------------------------------------------------------------------
    def _retext(self, node: Node) -> None:
        """Write a changed row's cells (text computed once per change, never per paint)."""
        cells = self._cells(node)
        if cells:
            fill_cells(node, cells, self.state(node.profile.id))

    # --- drag -------------------------------------------------------------------------------
    def mimeTypes(self) -> list[str]:
        """Override of QAbstractItemModel.mimeTypes."""
        return [MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        """Override: the dragged version (the first one, if several)."""
        for index in indexes:
            node = self.node(index)
            if node.kind is NodeKind.VERSION:
                version = node.version_summary
                return version_mime(node.profile.id, version.model, version.version)
        return QMimeData()

    def supportedDragActions(self) -> Qt.DropAction:
        """Override: a drag never moves rows here."""
        return Qt.DropAction.CopyAction

    def supportedDropActions(self) -> Qt.DropAction:
        """Override: a version dropped on another registry (or its model) is copied there."""
        return Qt.DropAction.CopyAction

    def _drop_target(self, data: QMimeData, parent: AnyIndex) -> tuple[dict[str, str], Node]:
        payload = read_mime(data) or {}
        node = self.node(parent)
        if node.kind not in (NodeKind.PROFILE, NodeKind.MODEL) or not payload.get("model"):
            return {}, node
        if node.profile.id == payload.get("profile"):
            return {}, node  # the same registry: dropping there is not a copy
        return payload, node

    def canDropMimeData(
        self,
        data: QMimeData,
        action: Qt.DropAction,
        row: int,
        column: int,
        parent: AnyIndex,
    ) -> bool:
        """Override: a version from another registry, onto a registry or one of its models."""
        return bool(self._drop_target(data, parent)[0])

    def dropMimeData(
        self,
        data: QMimeData,
        action: Qt.DropAction,
        row: int,
        column: int,
        parent: AnyIndex,
    ) -> bool:
        """Override: ask for the copy (the window confirms it); no row is inserted here."""
        payload, node = self._drop_target(data, parent)
        if not payload:
            return False
        model = node.model_summary.name if node.kind is NodeKind.MODEL else payload["model"]
        self.copyRequested.emit(
            payload["profile"], payload["model"], payload["version"], node.profile.id, model
        )
        return False
