"""The tree's rows, written into its item model: in sort order, one insertion per contiguous
run, a big listing in chunks over several turns of the event loop (the window repaints and takes
input between them), removals one per run, and a changed row's text computed once per change.

``RegistryTreeModel`` owns one; it decides *what* changes (from the state's events), this decides
*how* the rows go in and out of the QStandardItemModel.

The rows live in a QStandardItemModel (C++): QTreeView lays out every row again after each
batch, and the filter proxy visits every row per keystroke; with a Python item model each of those
visits calls back into Python (index, flags, hasChildren, data: ~4 calls a row), which stalled the
window for 400 ms at 10,000 models (bench/gui_thread.py). Here those visits stay in C++; Python
runs only when the state changes.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from operator import attrgetter

from PySide6.QtCore import QModelIndex, QTimer
from PySide6.QtGui import QStandardItem, QStandardItemModel

from modelyard.core.model.state import Changes, RegistryState
from modelyard.ui.tree.tree_node import (
    COLUMN_COUNT,
    NODE_ROLE,
    Node,
    NodeKind,
    Payload,
    detach,
    fill_cells,
    placeholder_cell,
    prototypes,
)

CHUNK = 400  # rows inserted per turn of the event loop (~15 ms): a big page never stalls it


class TreeRows:
    """Writes ``root``'s subtree into ``model``; ``state`` gives a profile's state (for the cells'
    text), ``stopped`` says the window has closed (no more chunks)."""

    def __init__(
        self,
        model: QStandardItemModel,
        root: Node,
        state: Callable[[str], RegistryState],
        stopped: Callable[[], bool],
    ) -> None:
        self._model = model
        self._root = root
        self._state = state
        self._stopped = stopped
        self._backlog: deque[tuple[Node, list[Node]]] = deque()
        self._draining = False

    def index_for(self, node: Node) -> QModelIndex:
        """The index of a node (column 0)."""
        if node is self._root or node.parent is None or node.row < 0:
            return QModelIndex()
        if node.parent is self._root:
            return self._model.index(node.row, 0)
        parent = self.index_for(node.parent)
        return self._model.index(node.row, 0, parent) if parent.isValid() else QModelIndex()

    def item(self, node: Node) -> QStandardItem:
        """The item that holds ``node``'s child rows (a temporary wrapper: never kept)."""
        if node is self._root:
            return self._model.invisibleRootItem()
        return self._model.itemFromIndex(self.index_for(node))

    def cells(self, node: Node) -> list[QStandardItem]:
        """The row's cells (temporary wrappers: never kept)."""
        index = self.index_for(node)
        if not index.isValid():
            return []
        parent = self.item(node.parent) if node.parent is not None else None
        if parent is None:
            return []
        return [parent.child(node.row, column) for column in range(COLUMN_COUNT)]

    def apply(self, parent: Node, changes: Changes, items: Mapping[str, Payload]) -> None:
        if changes.removed:
            self.remove(parent, changes.removed)
        for key in changes.changed:
            child = parent.by_key.get(key)
            if child is not None and key in items:
                child.payload = items[key]
                self.retext(child)
        added = [items[k] for k in changes.added if k in items and k not in parent.by_key]
        if added:
            self.insert(parent, added)

    def insert(self, parent: Node, payloads: Iterable[Payload]) -> None:
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
                QTimer.singleShot(0, self._model, self._drain)

    def _drain(self) -> None:
        """Insert the next chunk of rows waiting."""
        if self._backlog:
            parent, nodes = self._backlog.popleft()
            alive = [n for n in nodes if n.parent is parent and parent.parent is not None]
            if alive:
                self._insert_now(parent, alive)
        if self._backlog and not self._stopped():
            QTimer.singleShot(0, self._model, self._drain)
        else:
            self._draining = False

    def waiting(self, parent: Node) -> bool:
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
        self.drop_placeholder(parent)
        shift = 0
        for at, nodes in runs:
            self.add_rows(parent, at + shift, nodes)
            shift += len(nodes)

    def add_rows(self, parent: Node, first: int, nodes: list[Node]) -> None:
        """Put ``nodes`` at row ``first`` of ``parent``: one rowsInserted for the run, then the
        cells filled with signals held and announced by one dataChanged."""
        if not nodes:
            return
        parent_item = self.item(parent)
        parent.children[first:first] = nodes
        for row in range(first, len(parent.children)):
            parent.children[row].row = row
        protos = prototypes(nodes[0].kind)
        rows: list[list[QStandardItem]] = []
        for node in nodes:
            parent.by_key[node.key] = node
            cells = [proto.clone() for proto in protos]
            cells[0].setData(node, NODE_ROLE)
            fill_cells(node, cells, self._state(node.profile.id))
            if node.kind is not NodeKind.VERSION:
                node.load.placeholder = True
                cells[0].setColumnCount(COLUMN_COUNT)
                cells[0].appendRow([placeholder_cell()])
            rows.append(cells)
        if parent_item.columnCount() < COLUMN_COUNT:
            parent_item.setColumnCount(COLUMN_COUNT)
        parent_item.insertRows(first, len(nodes))
        blocked = self._model.blockSignals(True)
        try:
            for offset, cells in enumerate(rows):
                for column, item in enumerate(cells):
                    parent_item.setChild(first + offset, column, item)
        finally:
            self._model.blockSignals(blocked)
        top = self._model.index(first, 0, self.index_for(parent))
        bottom = self._model.index(first + len(nodes) - 1, COLUMN_COUNT - 1, self.index_for(parent))
        self._model.dataChanged.emit(top, bottom)

    def remove(self, parent: Node, keys: Iterable[str]) -> None:
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
            self._model.removeRows(first, last - first + 1, parent_index)

    def drop_placeholder(self, node: Node) -> None:
        if node.load.placeholder:
            node.load.placeholder = False
            index = self.index_for(node)
            if index.isValid():
                self._model.removeRows(0, 1, index)

    def retext(self, node: Node) -> None:
        """Write a changed row's cells (text computed once per change, never per paint)."""
        cells = self.cells(node)
        if cells:
            fill_cells(node, cells, self._state(node.profile.id))
