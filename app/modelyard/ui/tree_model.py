"""One item model for the whole tree: profile → registered model → version.

Children are loaded lazily, page by page, off the GUI thread: ``canFetchMore``/``fetchMore``
start a background page read (guarded by ``fetching`` so a node never has two reads in flight),
and rows are inserted with beginInsertRows when the page lands. Refreshing a node cancels its
read in flight, so a stale page is never inserted.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont

from modelyard.core.domain import ModelSummary, Page, Stage, VersionSummary
from modelyard.core.errors import UNREACHABLE, ModelyardError
from modelyard.core.profiles import Profile
from modelyard.core.session import Connections
from modelyard.ui import icons
from modelyard.ui.mime import MIME, version_mime
from modelyard.ui.workers import CancelToken, Job, WorkerPool

AnyIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()

MODEL_PAGE = 100  # the first page is small: it shows soonest
MODEL_PAGE_MORE = 1000  # later pages are large (MLflow's cap): fewer round trips
VERSION_PAGE = 200

STAGE_COLORS = {
    Stage.NONE: "#6b7280",
    Stage.STAGING: "#b45309",
    Stage.PRODUCTION: "#15803d",
    Stage.ARCHIVED: "#9ca3af",
}


STAGE_SHORT = {"Production": "Prod", "Staging": "Stg"}


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
    """A tree node; ``payload`` is a Profile, ModelSummary or VersionSummary."""

    __slots__ = (
        "all_fetched",
        "children",
        "error",
        "fetching",
        "job",
        "kind",
        "next_token",
        "offline",
        "parent",
        "payload",
        "row",
    )

    def __init__(self, kind: NodeKind, payload: Any, parent: Node | None, row: int) -> None:
        self.kind = kind
        self.payload = payload
        self.parent = parent
        self.row = row
        self.children: list[Node] = []
        self.next_token: str | None = None
        self.all_fetched = kind is NodeKind.VERSION
        self.fetching = False
        self.error: str | None = None
        self.offline: str | None = None  # rows are the last-seen state: why, and how old
        self.job: Job[Any] | None = None

    @property
    def profile(self) -> Profile:
        """The profile this node belongs to."""
        node: Node | None = self
        while node is not None and node.kind is not NodeKind.PROFILE:
            node = node.parent
        assert node is not None, "root has no profile"
        payload: Profile = node.payload
        return payload

    def reset(self) -> None:
        """Forget children and paging state (cancels a read in flight)."""
        if self.job is not None:
            self.job.cancel()
        self.job = None
        self.children = []
        self.next_token = None
        self.all_fetched = self.kind is NodeKind.VERSION
        self.fetching = False
        self.error = None
        self.offline = None


class RegistryTreeModel(QAbstractItemModel):
    """Profiles, their registered models and their versions, loaded lazily.

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
        self._load_all_models = False
        self._snapshot_locks: dict[str, threading.Lock] = {}

    # --- profiles -------------------------------------------------------------------------
    def set_profiles(self, profiles: list[Profile]) -> None:
        """Show these profiles (keeping loaded children of unchanged ones is not needed yet)."""
        self.beginResetModel()
        for node in self._root.children:
            node.reset()
        self._root.children = [
            Node(NodeKind.PROFILE, p, self._root, row) for row, p in enumerate(profiles)
        ]
        self.endResetModel()

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
        """Reload the children of ``index`` (a profile or a model) from the registry."""
        node = self.node(index)
        if node.kind not in (NodeKind.PROFILE, NodeKind.MODEL):
            return
        if node.children:
            self.beginRemoveRows(self._index_of(node), 0, len(node.children) - 1)
            node.reset()
            self.endRemoveRows()
        else:
            node.reset()
        if node.kind is NodeKind.PROFILE:
            self._connections.forget(node.payload.id)
        top_left = self._index_of(node)
        self.dataChanged.emit(top_left, top_left.siblingAtColumn(Column.INFO))
        self.fetchMore(top_left)

    def replace_payload(self, node: Node, payload: Any) -> None:
        """A fresher ModelSummary/VersionSummary for ``node`` (e.g. re-read after an edit)."""
        if node.kind not in (NodeKind.MODEL, NodeKind.VERSION) or node.parent is None:
            return
        if node.parent.children[node.row] is not node:
            return  # the node left the tree (refreshed) meanwhile
        node.payload = payload
        index = self._index_of(node)
        self.dataChanged.emit(index, index.siblingAtColumn(Column.INFO))

    def index_for(self, node: Node) -> QModelIndex:
        """The index of a node (column 0)."""
        return self._index_of(node)

    def find_version(self, profile_id: str, model: str, version: str) -> QModelIndex:
        """Index of a loaded version row, or an invalid index."""
        for profile_node in self._root.children:
            if profile_node.payload.id != profile_id:
                continue
            for model_node in profile_node.children:
                if model_node.payload.name != model:
                    continue
                for version_node in model_node.children:
                    if version_node.payload.version == version:
                        return self.createIndex(version_node.row, 0, version_node)
        return QModelIndex()

    def load_all_models(self) -> None:
        """Keep reading model pages of every opened profile until all are loaded (for search)."""
        self._load_all_models = True
        for node in self._root.children:
            if node.children or node.next_token:
                index = self._index_of(node)
                if self.canFetchMore(index):
                    self.fetchMore(index)

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
        parent = self.node(index).parent
        if parent is None or parent is self._root:
            return QModelIndex()
        return self.createIndex(parent.row, 0, parent)

    def rowCount(self, parent: AnyIndex = _ROOT) -> int:
        """Override of QAbstractItemModel.rowCount."""
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self.node(parent).children)

    def columnCount(self, parent: AnyIndex = _ROOT) -> int:
        """Override of QAbstractItemModel.columnCount."""
        return COLUMN_COUNT

    def hasChildren(self, parent: AnyIndex = _ROOT) -> bool:
        """Override: profiles and models show an expander before their children are read."""
        if parent.isValid() and parent.column() != 0:
            return False
        node = self.node(parent)
        if node.kind is NodeKind.VERSION:
            return False
        if node.children:
            return True
        return not node.all_fetched

    def canFetchMore(self, parent: AnyIndex) -> bool:
        """Override: more pages exist, none is being read, and the last read did not fail."""
        if parent.isValid() and parent.column() != 0:
            return False
        node = self.node(parent)
        if node.kind in (NodeKind.ROOT, NodeKind.VERSION):
            return False
        return not node.all_fetched and not node.fetching and node.error is None

    def fetchMore(self, parent: AnyIndex) -> None:
        """Override: start reading the next page of ``parent``'s children in the background."""
        if not self.canFetchMore(parent):
            return
        node = self.node(parent)
        node.fetching = True
        token = node.next_token
        profile = node.profile
        connections = self._connections
        work: Callable[[CancelToken], Page[Any]]
        if node.kind is NodeKind.PROFILE:
            page_size = MODEL_PAGE if token is None else MODEL_PAGE_MORE

            def work(cancel: CancelToken) -> Page[Any]:
                registry = connections.get(profile)
                cancel.raise_if_cancelled()
                return registry.list_models(token, page_size)
        else:
            model_name = node.payload.name

            def work(cancel: CancelToken) -> Page[Any]:
                registry = connections.get(profile)
                cancel.raise_if_cancelled()
                return registry.list_versions(model_name, token, VERSION_PAGE)

        job: Job[Page[Any]] = self._workers.submit(
            work,
            lambda page: self._page_arrived(node, job, page),
            lambda error: self._page_failed(node, job, error),
            description=f"load {node.payload.name}",
        )
        node.job = job
        index = self._index_of(node)
        self.dataChanged.emit(
            index.siblingAtColumn(Column.INFO), index.siblingAtColumn(Column.INFO)
        )
        self.fetchingChanged.emit()

    def _page_arrived(self, node: Node, job: Job[Any], page: Page[Any]) -> None:
        if node.job is not job:
            return  # stale: the node was refreshed meanwhile
        node.job = None
        node.fetching = False
        node.next_token = page.next_page_token
        node.all_fetched = page.next_page_token is None
        kind = NodeKind.MODEL if node.kind is NodeKind.PROFILE else NodeKind.VERSION
        parent_index = self._index_of(node)
        if page.items:
            first = len(node.children)
            self.beginInsertRows(parent_index, first, first + len(page.items) - 1)
            node.children.extend(
                Node(kind, item, node, first + offset) for offset, item in enumerate(page.items)
            )
            self.endInsertRows()
        self.dataChanged.emit(parent_index, parent_index.siblingAtColumn(Column.INFO))
        self.loadSucceeded.emit(node.profile.name)
        self.fetchingChanged.emit()
        if node.all_fetched:
            self._keep_snapshot(node)
        if self._load_all_models and node.kind is NodeKind.PROFILE and not node.all_fetched:
            self.fetchMore(parent_index)

    def _keep_snapshot(self, node: Node) -> None:
        """A complete listing goes into the profile's snapshot on disk (on a worker): what the
        tree can show when the registry cannot be reached."""
        profile = node.profile
        payloads = [child.payload for child in node.children]
        model = node.payload.name if node.kind is NodeKind.MODEL else None
        lock = self._snapshot_locks.setdefault(profile.id, threading.Lock())

        def work(_token: CancelToken) -> None:
            from modelyard.core.snapshot import load_snapshot, save_snapshot
            from modelyard.core.state import RegistryState

            with lock:  # one writer per profile: merges never overwrite each other
                state = load_snapshot(profile.id) or RegistryState(profile.id)
                if model is None:
                    state.merge_models(payloads, complete=True)
                else:
                    state.merge_versions(model, payloads, complete=True)
                save_snapshot(state)

        self._workers.submit(work, lambda _r: None, lambda _e: None, "keep snapshot")

    def _page_failed(self, node: Node, job: Job[Any], error: ModelyardError) -> None:
        if node.job is not job:
            return
        node.job = None
        node.fetching = False
        if not node.children and error.kind in UNREACHABLE:
            self._show_last_seen(node, error)
            return
        self._fail(node, error.message)

    def _fail(self, node: Node, message: str) -> None:
        node.error = message
        index = self._index_of(node)
        self.dataChanged.emit(index, index.siblingAtColumn(Column.INFO))
        self.loadFailed.emit(node.profile.name, message)
        self.fetchingChanged.emit()

    def _show_last_seen(self, node: Node, error: ModelyardError) -> None:
        """The registry cannot be reached: show its last-seen rows (from the snapshot, read on a
        worker), marked offline with their age and the reason; F5 tries the registry again."""
        profile = node.profile
        model = node.payload.name if node.kind is NodeKind.MODEL else None
        node.fetching = True

        def work(_token: CancelToken) -> tuple[list[Any], datetime | None]:
            from modelyard.core.snapshot import load_snapshot

            state = load_snapshot(profile.id)
            if state is None:
                return [], None
            if model is None:
                items = sorted(state.models.values(), key=lambda m: m.name.lower())
                return list(items), state.models_read_at
            if model not in state.versions:
                return [], None
            return state.sorted_versions(model), state.versions_read_at.get(model)

        def done(result: tuple[list[Any], datetime | None]) -> None:
            node.fetching = False
            items, read_at = result
            if not items or node.children or node.job is not None:
                self._fail(node, error.message)
                return
            from modelyard.core.history import humanize_age

            seen = humanize_age(datetime.now(tz=UTC) - read_at) if read_at else "some time"
            node.offline = f"offline, as seen {seen} ago: {error.message}"
            node.all_fetched = True
            kind = NodeKind.MODEL if node.kind is NodeKind.PROFILE else NodeKind.VERSION
            parent_index = self._index_of(node)
            self.beginInsertRows(parent_index, 0, len(items) - 1)
            node.children = [Node(kind, item, node, row) for row, item in enumerate(items)]
            self.endInsertRows()
            self.dataChanged.emit(parent_index, parent_index.siblingAtColumn(Column.INFO))
            self.loadFailed.emit(profile.name, node.offline)
            self.fetchingChanged.emit()

        self._workers.submit(work, done, lambda _e: self._fail(node, error.message), "last seen")

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
            return self._search_text(node)
        if node.kind is NodeKind.PROFILE:
            return self._profile_data(node, column, role)
        if node.kind is NodeKind.MODEL:
            return self._model_data(node, column, role)
        return self._version_data(node, column, role)

    @staticmethod
    def _search_text(node: Node) -> str:
        if node.kind is NodeKind.MODEL:
            aliases = " ".join(f"@{a}" for a in sorted(node.payload.aliases))
            return f"{node.payload.name} {aliases}".rstrip()
        if node.kind is NodeKind.VERSION:
            aliases = " ".join(f"@{a}" for a in node.payload.aliases)
            return f"v{node.payload.version} {aliases}".rstrip()
        return str(node.payload.name)

    def _state_text(self, node: Node) -> str:
        if node.error:
            return "⚠ " + node.error
        if node.fetching:
            return "loading…"
        count = len(node.children)
        what = "model" if node.kind is NodeKind.PROFILE else "version"
        if not node.children and not node.all_fetched:
            return ""
        more = "+" if not node.all_fetched else ""
        text = f"{count}{more} {what}{'' if count == 1 else 's'}"
        if node.offline:
            return f"⚠ {text}, {node.offline.split(':', 1)[0]} (F5 retries)"
        return text

    def _profile_data(self, node: Node, column: Column, role: int) -> Any:
        profile: Profile = node.payload
        if role == Qt.ItemDataRole.DisplayRole:
            if column is Column.NAME:
                return profile.name
            if column is Column.STAGE:
                return profile.label or ""
            if column is Column.INFO:
                return self._state_text(node) or profile.settings.describe()
        elif role == Qt.ItemDataRole.DecorationRole and column is Column.NAME:
            return icons.swatch(profile.color or "#475569")
        elif role == Qt.ItemDataRole.ToolTipRole:
            where = f"{profile.kind}: {profile.settings.describe()}"
            problem = node.error or node.offline
            return f"{where}\n\n{problem}" if problem else where
        elif role == Qt.ItemDataRole.FontRole and column is Column.NAME:
            font = QFont()
            font.setBold(True)
            return font
        elif role == Qt.ItemDataRole.ForegroundRole and column is Column.INFO:
            if node.error:
                return QBrush(QColor("#b91c1c"))
            if node.offline:
                return QBrush(QColor("#b45309"))
        return None

    def _model_data(self, node: Node, column: Column, role: int) -> Any:
        model: ModelSummary = node.payload
        if role == Qt.ItemDataRole.DisplayRole:
            if column is Column.NAME:
                return model.name
            if column is Column.STAGE:
                order = ("Production", "Staging")
                return " · ".join(
                    f"{STAGE_SHORT[s]} v{model.latest_by_stage[s]}"
                    for s in order
                    if s in model.latest_by_stage
                )
            if column is Column.ALIASES:
                return ", ".join(f"{a}→v{v}" for a, v in sorted(model.aliases.items()))
            if column is Column.INFO:
                state = self._state_text(node)
                if state:
                    return state
                return f"latest v{model.latest_versions[0]}" if model.latest_versions else ""
        elif role == Qt.ItemDataRole.DecorationRole and column is Column.NAME:
            return icons.icon("model")
        elif role == Qt.ItemDataRole.ToolTipRole:
            first_line = model.description.splitlines()[0] if model.description else None
            return node.error or node.offline or first_line
        elif role == Qt.ItemDataRole.ForegroundRole and column is Column.INFO:
            if node.error:
                return QBrush(QColor("#b91c1c"))
            if node.offline:
                return QBrush(QColor("#b45309"))
        return None

    def _version_data(self, node: Node, column: Column, role: int) -> Any:
        version: VersionSummary = node.payload
        if role == Qt.ItemDataRole.DisplayRole:
            if column is Column.NAME:
                return f"v{version.version}"
            if column is Column.STAGE:
                return version.stage.value
            if column is Column.ALIASES:
                return ", ".join(version.aliases)
            if column is Column.INFO:
                created = (
                    version.created.astimezone().strftime("%Y-%m-%d %H:%M")
                    if version.created
                    else ""
                )
                status = "" if version.status == "READY" else f"{version.status} · "
                return status + created
        elif role == Qt.ItemDataRole.DecorationRole:
            if column is Column.NAME:
                return icons.icon("version")
            if column is Column.STAGE:
                return icons.dot(STAGE_COLORS[version.stage])
        elif role == Qt.ItemDataRole.ForegroundRole and column is Column.STAGE:
            return QBrush(QColor(STAGE_COLORS[version.stage]))
        elif role == Qt.ItemDataRole.ToolTipRole:
            return version.source or None
        return None
