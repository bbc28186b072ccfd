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
"""

from __future__ import annotations

import enum
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont

from modelyard.core.domain import ModelSummary, Page, Stage, VersionSummary, version_sort_key
from modelyard.core.errors import UNREACHABLE, ModelyardError
from modelyard.core.history import humanize_age
from modelyard.core.profiles import Profile
from modelyard.core.session import Connections
from modelyard.core.state import Changes, RegistryState, StateEvent
from modelyard.ui import icons
from modelyard.ui.mime import MIME, version_mime
from modelyard.ui.workers import CancelToken, Job, WorkerPool

AnyIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()

MODEL_PAGE = 100  # the first page is small: it shows soonest
MODEL_PAGE_MORE = 1000  # later pages are large (MLflow's cap): fewer round trips
VERSION_PAGE = 200
RETRY_FIRST_S = 5.0  # an unreachable registry is tried again after 5 s, 10 s, 20 s … 5 min
RETRY_MAX_S = 300.0

STAGE_COLORS = {
    Stage.NONE: "#6b7280",
    Stage.STAGING: "#b45309",
    Stage.PRODUCTION: "#15803d",
    Stage.ARCHIVED: "#9ca3af",
}


class Column(enum.IntEnum):
    """Columns of the tree."""

    NAME = 0
    STAGE = 1
    ALIASES = 2
    INFO = 3


HEADERS = {
    Column.NAME: "Name",
    Column.STAGE: "Stage",
    Column.ALIASES: "Aliases",
    Column.INFO: "Info",
}


class NodeKind(enum.Enum):
    """What a node stands for."""

    ROOT = "root"
    PROFILE = "profile"
    MODEL = "model"
    VERSION = "version"


NODE_ROLE = Qt.ItemDataRole.UserRole + 1
KIND_ROLE = Qt.ItemDataRole.UserRole + 2
COLUMN_COUNT = len(Column)
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 3  # what the filter matches: "name @alias @alias"


class Node:
    """A tree row; ``payload`` is a Profile, or the state's ModelSummary / VersionSummary.

    ``texts`` (one per column) and ``search`` are computed when the item changes, not per paint.
    ``opened``: the node's children follow the state (it was expanded); ``all_fetched``: a
    complete live listing of them arrived (or, offline, the last-seen one is shown).
    """

    __slots__ = (
        "all_fetched",
        "by_key",
        "children",
        "error",
        "fetching",
        "job",
        "key",
        "kind",
        "offline",
        "opened",
        "parent",
        "payload",
        "retry_s",
        "row",
        "search",
        "sort_key",
        "texts",
        "unsubscribe",
    )

    def __init__(self, kind: NodeKind, payload: Any, parent: Node | None, row: int) -> None:
        self.kind = kind
        self.payload = payload
        self.parent = parent
        self.row = row
        self.children: list[Node] = []
        self.by_key: dict[str, Node] = {}
        self.all_fetched = kind is NodeKind.VERSION
        self.opened = False
        self.fetching = False
        self.error: str | None = None
        self.offline: str | None = None  # rows are the last-seen state: why, and how old
        self.job: Job[Any] | None = None
        self.retry_s = 0.0
        self.unsubscribe: Callable[[], None] | None = None
        self.texts: tuple[str, ...] = ()
        self.search = ""
        if kind is NodeKind.MODEL:
            self.key = payload.name
            self.sort_key: Any = payload.name
        elif kind is NodeKind.VERSION:
            self.key = payload.version
            number, text = version_sort_key(payload.version)
            self.sort_key = (-number, text)  # newest first
        else:
            self.key = payload.id if payload is not None else ""
            self.sort_key = row

    @property
    def profile(self) -> Profile:
        """The profile this node belongs to."""
        node: Node | None = self
        while node is not None and node.kind is not NodeKind.PROFILE:
            node = node.parent
        assert node is not None, "root has no profile"
        payload: Profile = node.payload
        return payload

    def cancel(self) -> None:
        """Drop the read in flight (its pages and result are ignored)."""
        if self.job is not None:
            self.job.cancel()
        self.job = None
        self.fetching = False


class RegistryTreeModel(QAbstractItemModel):
    """Profiles, their registered models and their versions, as the core state holds them.

    Signals:
        loadFailed(str, str): profile name and a plain-words reason.
        loadSucceeded(str): profile name, after any page of it loaded.
        fetchingChanged(): a read started or ended somewhere in the tree.
    """

    loadFailed = Signal(str, str)
    loadSucceeded = Signal(str)
    fetchingChanged = Signal()

    def __init__(
        self, connections: Connections, workers: WorkerPool, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._connections = connections
        self._workers = workers
        self._root = Node(NodeKind.ROOT, None, None, 0)
        self._root.all_fetched = True
        self._stopped = False

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
        self.beginResetModel()
        for node in self._root.children:
            self._close(node)
        self._root.children = []
        self._root.by_key = {}
        for row, profile in enumerate(profiles):
            node = Node(NodeKind.PROFILE, profile, self._root, row)
            self._root.children.append(node)
            self._root.by_key[profile.id] = node
            node.unsubscribe = self.state(profile.id).subscribe(self._listener(node))
            self._retext(node)
        self.endResetModel()

    def _listener(self, profile_node: Node) -> Callable[[StateEvent], None]:
        return lambda event: self._state_changed(profile_node, event)

    def _close(self, node: Node) -> None:
        node.cancel()
        if node.unsubscribe is not None:
            node.unsubscribe()
            node.unsubscribe = None
        for child in node.children:
            child.cancel()

    def profiles(self) -> list[Profile]:
        """The profiles shown, in order."""
        return [node.profile for node in self._root.children if node.profile is not None]

    def profile_index(self, name_or_id: str) -> QModelIndex:
        """Index of a profile row, or an invalid index."""
        for node in self._root.children:
            if name_or_id in (node.payload.name, node.payload.id):
                return self.createIndex(node.row, 0, node)
        return QModelIndex()

    def refresh(self, index: AnyIndex) -> None:
        """Read the children of ``index`` (a profile or a model) from the registry again; the
        rows shown stay until the answer says what changed."""
        node = self.node(index)
        if node.kind not in (NodeKind.PROFILE, NodeKind.MODEL):
            return
        node.cancel()
        node.error = None
        node.retry_s = 0.0
        if node.kind is NodeKind.PROFILE:
            self._connections.forget(node.payload.id)
        self._start(node)

    def index_for(self, node: Node) -> QModelIndex:
        """The index of a node (column 0)."""
        return self._index_of(node)

    def find_version(self, profile_id: str, model: str, version: str) -> QModelIndex:
        """Index of a version row shown, or an invalid index."""
        profile_node = self._root.by_key.get(profile_id)
        model_node = profile_node.by_key.get(model) if profile_node else None
        version_node = model_node.by_key.get(version) if model_node else None
        if version_node is None:
            return QModelIndex()
        return self.createIndex(version_node.row, 0, version_node)

    def is_fetching(self) -> bool:
        """Whether any read is in flight."""
        stack = list(self._root.children)
        while stack:
            node = stack.pop()
            if node.fetching:
                return True
            stack.extend(node.children)
        return False

    # --- navigation ------------------------------------------------------------------------
    def node(self, index: AnyIndex) -> Node:
        """The node behind ``index`` (the root for an invalid index)."""
        if not index.isValid():
            return self._root
        node: Node = index.internalPointer()
        return node

    def _index_of(self, node: Node) -> QModelIndex:
        if node is self._root:
            return QModelIndex()
        return self.createIndex(node.row, 0, node)

    def index(self, row: int, column: int, parent: AnyIndex = _ROOT) -> QModelIndex:
        """Override of QAbstractItemModel.index (bounds checked here, not through hasIndex:
        views call this for every row on each layout, and hasIndex calls back into Python)."""
        if parent.isValid():
            if parent.column() != 0:
                return QModelIndex()
            children = parent.internalPointer().children
        else:
            children = self._root.children
        if not (0 <= row < len(children) and 0 <= column < COLUMN_COUNT):
            return QModelIndex()
        return self.createIndex(row, column, children[row])

    def parent(self, index: AnyIndex = _ROOT) -> QModelIndex:  # type: ignore[override]
        """Override of QAbstractItemModel.parent."""
        if not index.isValid():
            return QModelIndex()
        parent = index.internalPointer().parent
        if parent is None or parent is self._root:
            return QModelIndex()
        return self.createIndex(parent.row, 0, parent)

    def rowCount(self, parent: AnyIndex = _ROOT) -> int:
        """Override of QAbstractItemModel.rowCount."""
        if not parent.isValid():
            return len(self._root.children)
        if parent.column() != 0:
            return 0
        return len(parent.internalPointer().children)

    def columnCount(self, parent: AnyIndex = _ROOT) -> int:
        """Override of QAbstractItemModel.columnCount."""
        return COLUMN_COUNT

    def hasChildren(self, parent: AnyIndex = _ROOT) -> bool:
        """Override: profiles and models show an expander before their children are read."""
        if not parent.isValid():
            return bool(self._root.children)
        if parent.column() != 0:
            return False
        node: Node = parent.internalPointer()
        if node.kind is NodeKind.VERSION:
            return False
        return bool(node.children) or not node.all_fetched

    def canFetchMore(self, parent: AnyIndex) -> bool:
        """Override: the node was never opened (expanding it shows the state and reads)."""
        if parent.isValid() and parent.column() != 0:
            return False
        node = self.node(parent)
        if node.kind in (NodeKind.ROOT, NodeKind.VERSION):
            return False
        return not node.opened

    def fetchMore(self, parent: AnyIndex) -> None:
        """Override: show what the state holds for ``parent`` now and read the live listing."""
        if not self.canFetchMore(parent):
            return
        node = self.node(parent)
        node.opened = True
        self._show_state(node)
        self._start(node)

    # --- reading ---------------------------------------------------------------------------
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

    def _start(self, node: Node) -> None:
        """Read the live listing of ``node``'s children (all pages) on the profile's lane."""
        node.cancel()
        node.fetching = True
        profile = node.profile
        connections = self._connections
        work: Callable[[CancelToken], None]
        if node.kind is NodeKind.PROFILE:
            state = self.state(profile.id)
            want_cache = not state.models and not state.live

            def work(token: CancelToken) -> None:
                if want_cache:  # the last-seen rows first, while the registry is asked
                    cached = connections.states.read_cached(profile.id)
                    if cached is not None:
                        token.report(cached)
                registry = connections.get(profile)
                page_token: str | None = None
                size = MODEL_PAGE
                while True:
                    token.raise_if_cancelled()
                    page = registry.list_models(page_token, size)
                    token.report(page)
                    page_token, size = page.next_page_token, MODEL_PAGE_MORE
                    if page_token is None:
                        return
        else:
            model_name = node.key

            def work(token: CancelToken) -> None:
                registry = connections.get(profile)
                page_token: str | None = None
                while True:
                    token.raise_if_cancelled()
                    page = registry.list_versions(model_name, page_token, VERSION_PAGE)
                    token.report(page)
                    page_token = page.next_page_token
                    if page_token is None:
                        return

        seen: list[str] = []
        job: Job[None] = self._workers.submit(
            work,
            lambda _none: self._listing_done(node, job, seen),
            lambda error: self._listing_failed(node, job, error),
            description=f"load {node.payload.name}",
            on_progress=lambda value: self._part_arrived(node, job, value, seen),
            lane=profile.id,
        )
        node.job = job
        self._node_changed(node)
        self.fetchingChanged.emit()

    def _part_arrived(self, node: Node, job: Job[Any], value: object, seen: list[str]) -> None:
        if node.job is not job:
            return  # stale: the node was refreshed or closed meanwhile
        state = self.state(node.profile.id)
        if isinstance(value, RegistryState):
            state.adopt(value)
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
        if node.job is not job:
            return
        node.job = None
        node.fetching = False
        node.all_fetched = True
        node.offline = None
        node.error = None
        node.retry_s = 0.0
        state = self.state(node.profile.id)
        if node.kind is NodeKind.PROFILE:
            state.retain_models(seen)
        else:
            state.retain_versions(node.key, seen)
        self._node_changed(node)
        self.loadSucceeded.emit(node.profile.name)
        self.fetchingChanged.emit()
        self._keep_snapshot(node.profile.id, state)

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
        if node.job is not job:
            return
        node.job = None
        node.fetching = False
        state = self.state(node.profile.id)
        if error.kind in UNREACHABLE and node.children:
            read_at = state.models_read_at if node.kind is NodeKind.PROFILE else None
            if node.kind is NodeKind.MODEL:
                read_at = state.versions_read_at.get(node.key)
            seen = humanize_age(datetime.now(tz=UTC) - read_at) if read_at else "some time"
            node.offline = f"offline, as seen {seen} ago: {error.message}"
            node.all_fetched = True
            state.set_offline(error.message)
            self._node_changed(node)
            self.loadFailed.emit(node.profile.name, node.offline)
            self.fetchingChanged.emit()
            self._retry_later(node)
            return
        if error.kind in UNREACHABLE:
            state.set_offline(error.message)
        node.error = error.message
        self._node_changed(node)
        self.loadFailed.emit(node.profile.name, error.message)
        self.fetchingChanged.emit()
        if error.kind in UNREACHABLE and node.kind is NodeKind.PROFILE:
            self._retry_later(node)

    def _retry_later(self, node: Node) -> None:
        """Try an unreachable registry again after 5 s, then twice as long each time."""
        node.retry_s = min(RETRY_MAX_S, node.retry_s * 2 or RETRY_FIRST_S)

        def again() -> None:
            if self._stopped:
                return
            parent = node.parent
            if parent is None or parent.by_key.get(node.key) is not node:
                return  # the node left the tree
            if node.fetching or not (node.offline or node.error):
                return  # already being read, or it answered meanwhile
            node.error = None
            self._start(node)

        QTimer.singleShot(int(node.retry_s * 1000), self, again)

    # --- the state tells what changed ------------------------------------------------------
    def _state_changed(self, profile_node: Node, event: StateEvent) -> None:
        if profile_node.parent is None or profile_node.unsubscribe is None:
            return
        state = self.state(profile_node.payload.id)
        if event.model is None:
            if profile_node.opened:
                self._apply(profile_node, event.changes, state.models)
                self._reread_changed_versions(profile_node, event.changes.changed)
            self._node_changed(profile_node)
            return
        model_node = profile_node.by_key.get(event.model)
        if model_node is None:
            return
        if model_node.opened:
            keys = Changes(
                *(tuple(k.split("/")[-1] for k in part) for part in _parts(event.changes))
            )
            self._apply(model_node, keys, state.versions.get(event.model, {}))
        self._node_changed(model_node)  # its stage and alias summary come from the versions

    def _reread_changed_versions(self, profile_node: Node, names: Iterable[str]) -> None:
        """A model whose listing entry changed (a new version, a stage or alias moved) has its
        shown versions read again, so its rows and its summary never disagree."""
        for name in names:
            node = profile_node.by_key.get(name)
            if node is not None and node.opened and not node.fetching:
                self._start(node)

    def _apply(self, parent: Node, changes: Changes, items: dict[str, Any]) -> None:
        if changes.removed:
            self._remove(parent, changes.removed)
        if changes.changed:
            rows = []
            for key in changes.changed:
                child = parent.by_key.get(key)
                if child is not None and key in items:
                    child.payload = items[key]
                    self._retext(child)
                    rows.append(child.row)
            if rows:
                top = self.createIndex(min(rows), 0, parent.children[min(rows)])
                bottom = self.createIndex(max(rows), Column.INFO, parent.children[max(rows)])
                self.dataChanged.emit(top, bottom)
        added = [items[k] for k in changes.added if k in items and k not in parent.by_key]
        if added:
            self._insert(parent, added)

    def _insert(self, parent: Node, payloads: Iterable[Any]) -> None:
        """Insert rows in order, one beginInsertRows per contiguous run."""
        kind = NodeKind.MODEL if parent.kind is NodeKind.PROFILE else NodeKind.VERSION
        new = [Node(kind, p, parent, 0) for p in payloads]
        new = [n for n in new if n.key not in parent.by_key]
        if not new:
            return
        new.sort(key=attrgetter("sort_key"))
        for node in new:
            self._retext(node)
        keys = [child.sort_key for child in parent.children]
        runs: list[tuple[int, list[Node]]] = []
        for node in new:
            at = bisect_left(keys, node.sort_key)
            if runs and runs[-1][0] == at:
                runs[-1][1].append(node)
            else:
                runs.append((at, [node]))
        index = self._index_of(parent)
        shift = 0
        for at, nodes in runs:
            first = at + shift
            self.beginInsertRows(index, first, first + len(nodes) - 1)
            parent.children[first:first] = nodes
            for row in range(first, len(parent.children)):
                parent.children[row].row = row
            for node in nodes:
                parent.by_key[node.key] = node
            self.endInsertRows()
            shift += len(nodes)

    def _remove(self, parent: Node, keys: Iterable[str]) -> None:
        """Remove rows, one beginRemoveRows per contiguous run."""
        rows = sorted((parent.by_key[k].row for k in keys if k in parent.by_key), reverse=True)
        index = self._index_of(parent)
        while rows:
            last = first = rows.pop(0)
            while rows and rows[0] == first - 1:
                first = rows.pop(0)
            self.beginRemoveRows(index, first, last)
            for child in parent.children[first : last + 1]:
                child.cancel()
                del parent.by_key[child.key]
                child.parent = None
            del parent.children[first : last + 1]
            for row in range(first, len(parent.children)):
                parent.children[row].row = row
            self.endRemoveRows()

    def _node_changed(self, node: Node) -> None:
        """The node's own row (its counts, its state, its summary) changed."""
        if node.kind is NodeKind.ROOT or node.parent is None:
            return
        self._retext(node)
        index = self._index_of(node)
        self.dataChanged.emit(index, index.siblingAtColumn(Column.INFO))

    # --- data ------------------------------------------------------------------------------
    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Override of QAbstractItemModel.headerData."""
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS.get(Column(section)) if 0 <= section < len(Column) else None
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        """Override of QAbstractItemModel.flags: versions can be dragged onto the board."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self.node(index).kind is NodeKind.VERSION:
            flags |= Qt.ItemFlag.ItemIsDragEnabled
        return flags

    def mimeTypes(self) -> list[str]:
        """Override of QAbstractItemModel.mimeTypes."""
        return [MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        """Override: the dragged version (the first one, if several)."""
        for index in indexes:
            node = self.node(index)
            if node.kind is NodeKind.VERSION:
                version: VersionSummary = node.payload
                return version_mime(node.profile.id, version.model, version.version)
        return QMimeData()

    def supportedDragActions(self) -> Qt.DropAction:
        """Override: a drag never moves rows here."""
        return Qt.DropAction.CopyAction

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Override of QAbstractItemModel.data."""
        if not index.isValid():
            return None
        node = self.node(index)
        column = Column(index.column())
        if role == NODE_ROLE:
            return node
        if role == KIND_ROLE:
            return node.kind.value
        if role == SEARCH_ROLE:
            return node.search
        if node.kind is NodeKind.PROFILE:
            return self._profile_data(node, column, role)
        if node.kind is NodeKind.MODEL:
            return self._model_data(node, column, role)
        return self._version_data(node, column, role)

    def _retext(self, node: Node) -> None:
        """Compute a row's display and search text (once per change, never per paint)."""
        if node.kind is NodeKind.VERSION:
            version: VersionSummary = node.payload
            created = (
                version.created.astimezone().strftime("%Y-%m-%d %H:%M") if version.created else ""
            )
            status = "" if version.status == "READY" else f"{version.status} · "
            aliases = ", ".join(version.aliases)
            node.texts = (f"v{version.version}", version.stage.value, aliases, status + created)
            node.search = f"v{version.version} " + " ".join(f"@{a}" for a in version.aliases)
        elif node.kind is NodeKind.MODEL:
            model: ModelSummary = node.payload
            state = self.state(node.profile.id)
            aliases_of = state.aliases_of(model.name)
            info = self._state_text(node) or (
                f"latest v{model.latest_versions[0]}" if model.latest_versions else ""
            )
            node.texts = (
                model.name,
                state.stage_line(model.name),
                ", ".join(f"{a}→v{v}" for a, v in sorted(aliases_of.items())),
                info,
            )
            node.search = f"{model.name} " + " ".join(f"@{a}" for a in sorted(aliases_of))
        elif node.kind is NodeKind.PROFILE:
            profile: Profile = node.payload
            info = self._state_text(node) or profile.settings.describe()
            node.texts = (profile.name, profile.label or "", "", info)
            node.search = profile.name
        node.search = node.search.rstrip().casefold()

    def _state_text(self, node: Node) -> str:
        if node.error:
            return "⚠ " + node.error
        count = len(node.children)
        what = "model" if node.kind is NodeKind.PROFILE else "version"
        counted = f"{count} {what}{'' if count == 1 else 's'}"
        if node.offline:
            return f"⚠ {counted}, {node.offline.split(':', 1)[0]} (F5 retries)"
        if node.fetching:
            if not count:
                return "loading…"
            state = self.state(node.profile.id)
            if node.kind is NodeKind.PROFILE and not state.live and state.models_read_at:
                seen = humanize_age(datetime.now(tz=UTC) - state.models_read_at)
                return f"{counted} as seen {seen} ago · refreshing…"
            return f"{counted} · loading…"
        if not node.opened:
            return ""
        return counted

    def _profile_data(self, node: Node, column: Column, role: int) -> Any:
        profile: Profile = node.payload
        if role == Qt.ItemDataRole.DisplayRole:
            return node.texts[column]
        if role == Qt.ItemDataRole.DecorationRole and column is Column.NAME:
            return icons.swatch(profile.color or "#475569")
        if role == Qt.ItemDataRole.ToolTipRole:
            where = f"{profile.kind}: {profile.settings.describe()}"
            problem = node.error or node.offline
            return f"{where}\n\n{problem}" if problem else where
        if role == Qt.ItemDataRole.FontRole and column is Column.NAME:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and column is Column.INFO:
            return _problem_brush(node)
        return None

    def _model_data(self, node: Node, column: Column, role: int) -> Any:
        model: ModelSummary = node.payload
        if role == Qt.ItemDataRole.DisplayRole:
            return node.texts[column]
        if role == Qt.ItemDataRole.DecorationRole and column is Column.NAME:
            return icons.icon("model")
        if role == Qt.ItemDataRole.ToolTipRole:
            first_line = model.description.splitlines()[0] if model.description else None
            return node.error or node.offline or first_line
        if role == Qt.ItemDataRole.ForegroundRole and column is Column.INFO:
            return _problem_brush(node)
        return None

    def _version_data(self, node: Node, column: Column, role: int) -> Any:
        version: VersionSummary = node.payload
        if role == Qt.ItemDataRole.DisplayRole:
            return node.texts[column]
        if role == Qt.ItemDataRole.DecorationRole:
            if column is Column.NAME:
                return icons.icon("version")
            if column is Column.STAGE:
                return icons.dot(STAGE_COLORS[version.stage])
        elif role == Qt.ItemDataRole.ForegroundRole and column is Column.STAGE:
            return QBrush(QColor(STAGE_COLORS[version.stage]))
        elif role == Qt.ItemDataRole.ToolTipRole:
            return version.source or None
        return None


def _problem_brush(node: Node) -> QBrush | None:
    if node.error:
        return QBrush(QColor("#b91c1c"))
    if node.offline:
        return QBrush(QColor("#b45309"))
    return None


def _parts(changes: Changes) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    return changes.added, changes.changed, changes.removed
