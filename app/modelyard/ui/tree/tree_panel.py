"""The registry tree with its filter: the left half of the main window.

It owns the filter box, the filter proxy, the tree view and how the tree's columns share its
width. It reads nothing itself: rows come from the RegistryTreeModel; expanding a row opens it
there. The main window wires selection, menus and actions to it.
"""

from __future__ import annotations

import re
from typing import Protocol, runtime_checkable

from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Slot,
)
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStackedWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from modelyard.core.reads.query import looks_like_query
from modelyard.ui.common.theme import set_tone
from modelyard.ui.tree.tree_model import NODE_ROLE, SEARCH_ROLE, Column, Node, NodeKind
from modelyard.ui.tree.tree_model import RegistryTreeModel as TreeModel
from modelyard.ui.tree.tree_node import FullTextTipDelegate, LabelBadgeDelegate

FILTER_DELAY_MS = 150
# How the tree's width is shared by its columns (until the user drags one).
COLUMN_SHARES = {Column.NAME: 0.38, Column.STAGE: 0.2, Column.ALIASES: 0.22, Column.INFO: 0.2}
NARROW_TREE = 560  # px: narrower, and the Info column is left out
NARROW_SHARES = {Column.NAME: 0.48, Column.STAGE: 0.26, Column.ALIASES: 0.26}
# A filter like "v3" looks for versions: the versions of models not opened yet are read, for
# this many models at most per filter (the newest-listed first), so "v3" finds v3 everywhere.
VERSION_NEEDLE = re.compile(r"v(\d+)", re.IGNORECASE)
VERSION_FILTER_READS = 100


class RegistryFilter(QSortFilterProxyModel):
    """Case-insensitive filter on names and aliases ("@champ" matches aliases starting with
    "champ", "@" every row with an alias, "v3" version 3); parents of matches stay, children
    of matches show.

    Matching runs in Qt (a fixed string on the tree's SEARCH_ROLE text), so an empty filter
    costs no Python call per row while a big registry loads.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setRecursiveFilteringEnabled(True)
        self.setAutoAcceptChildRows(True)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(Column.NAME)
        self.setFilterRole(SEARCH_ROLE)

    def set_needle(self, text: str) -> None:
        """Filter by ``text`` (empty: show everything)."""
        self.setFilterFixedString(text.strip())


def version_wanted(text: str) -> int | None:
    """The version number a filter looks for ("v3", "V12"), else None."""
    found = VERSION_NEEDLE.fullmatch(text.strip())
    return int(found.group(1)) if found else None


def may_have(node: Node, number: int) -> bool:
    """Whether a model may hold version ``number``: its listing's newest version is at least
    that (numbers only grow), or the listing does not say."""
    listed = node.model_summary.latest_versions if node.kind is NodeKind.MODEL else ()
    latest = [int(v) for v in listed if v.isdigit()]
    return not latest or max(latest) >= number


def _tree_path(index: QModelIndex) -> list[int]:
    """Row numbers from the top of the tree down to ``index``: sorts rows as they are shown."""
    path: list[int] = []
    while index.isValid():
        path.append(index.row())
        index = index.parent()
    return path[::-1]


def choose_row(tree: QAbstractItemView, index: QModelIndex) -> None:
    """Make ``index`` the current row and the only selected one. A row chosen by the program
    (a menu, a reveal, a restored selection) is chosen alone: ``setCurrentIndex`` would read
    the keys held at that moment (Shift of Shift+F10 extends the selection, Ctrl toggles)."""
    flags = (
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
    )
    tree.selectionModel().setCurrentIndex(index, flags)


@runtime_checkable
class QueryResults(Protocol):
    """What shows a query's results under the filter box (``ui.search.FindDialog``, embedded)."""

    def set_query(self, text: str) -> None: ...

    def search_registries(self) -> None: ...

    def focus_results(self) -> None: ...


FILTER_HELP = (
    "Words filter the tree: a model's name, @alias (@ alone: any alias), v3 (a version).\n"
    "A query shows matching versions of every registry instead (Enter reads them all, ↓ goes\n"
    "into the results, Enter opens one): stage:prod, tag:team=fraud (tag:team: any value),\n"
    "by:ana, registry:prod, metric:val_auc>0.9, updated:<7d, created:>2026-11-20, -term to\n"
    "negate; every term must hold. Help ▸ Keyboard shortcuts lists the keys."
)


class TreePanel(QWidget):
    """Filter box, "no match" line and the registry tree over ``tree_model``."""

    def __init__(self, tree_model: TreeModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree_model = tree_model
        self.proxy = RegistryFilter(self)
        self.proxy.setSourceModel(tree_model)

        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setPlaceholderText(
            "Filter: churn, @champion, v3 — or a query: stage:prod tag:team=fraud  (Ctrl+F)"
        )
        self.search.setToolTip(FILTER_HELP)
        self.search.setClearButtonEnabled(True)
        self._before_filter: tuple[list[QPersistentModelIndex], QPersistentModelIndex] | None = (
            None  # what was expanded and current before the filter: back when it is cleared
        )
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self._apply_filter)
        self.search.textChanged.connect(lambda _text: self._filter_timer.start())
        self.versions_read_for_filter = 0  # models whose versions the last "vN" filter read

        self.tree = QTreeView()
        self.tree.setObjectName("registryTree")
        self.tree.setModel(self.proxy)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        # Ctrl/Shift-click and Shift+arrows select several rows (a sync of several models).
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setAnimated(False)
        self.tree.setDragEnabled(True)
        # Versions drag out (onto the board) and onto another registry (a copy there).
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.tree.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.tree.setDropIndicatorShown(True)
        self.tree.setItemDelegateForColumn(Column.NAME, LabelBadgeDelegate(self.tree))
        for column in (Column.STAGE, Column.ALIASES, Column.INFO):  # cut cells: the full text
            self.tree.setItemDelegateForColumn(column, FullTextTipDelegate(self.tree))
        header = self.tree.header()
        # The columns share the tree's width (it was the last column, Info, that stretched
        # while aliases were cut, and a stretched name got 60 px beside fixed columns on a
        # small screen); once the user drags a column, the widths are theirs.
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(48)
        for column in Column:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        self._columns_fitting = False
        self._columns_dragged = False
        header.sectionResized.connect(self._column_dragged)
        self.tree.viewport().installEventFilter(self)
        self.tree.expanded.connect(self._expanded)
        self._settle = QTimer(self)  # rows arrive in bursts: one pass after each burst
        self._settle.setSingleShot(True)
        self._settle.setInterval(0)
        self._settle.timeout.connect(self._expand_matches)
        self.proxy.rowsInserted.connect(self._matches_arrived)
        self.proxy.layoutChanged.connect(self._matches_arrived)
        tree_model.fetchingChanged.connect(self._fetching_changed)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 0, 8)
        layout.setSpacing(6)
        layout.addWidget(self.search)
        self.no_matches = QLabel()
        self.no_matches.setObjectName("noMatches")
        self.no_matches.setTextFormat(Qt.TextFormat.PlainText)
        self.no_matches.setWordWrap(True)
        self.no_matches.setStyleSheet("padding: 2px 4px;")
        set_tone(self.no_matches, "muted")
        self.no_matches.setVisible(False)
        layout.addWidget(self.no_matches)
        self.views = QStackedWidget()  # the tree; a query's results (install_results)
        self.views.addWidget(self.tree)
        layout.addWidget(self.views)
        self.results: QueryResults | None = None
        self.results_widget: QWidget | None = None
        into = QAction(self.search)
        into.setShortcut(QKeySequence(Qt.Key.Key_Down))
        into.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        into.triggered.connect(self._into_results)
        self.search.addAction(into)
        within = QAction(self.tree)  # Ctrl+A on a model or version row: that model's versions
        within.setShortcut(QKeySequence.StandardKey.SelectAll)
        within.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        within.triggered.connect(self.select_model_versions)
        self.tree.addAction(within)

    # --- rows -----------------------------------------------------------------------------
    def select_model_versions(self) -> None:
        """Ctrl+A in the tree: every version of the current row's model selected (expanded
        first), the current row kept; on a registry row, its models."""
        current = self.tree.currentIndex().siblingAtColumn(0)
        node = self.node_at(current)
        if node is None:
            return
        parent = current if node.kind is not NodeKind.VERSION else current.parent()
        if node.kind is NodeKind.MODEL:
            self.tree.expand(parent)
        picked = QItemSelection()
        for row in range(self.proxy.rowCount(parent)):
            child = self.proxy.index(row, 0, parent)
            if self.node_at(child) is not None:
                picked.select(child, child)
        if picked.isEmpty():
            return
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        self.tree.selectionModel().select(picked, flags)

    def node_at(self, index: QModelIndex) -> Node | None:
        """The tree node of a (proxy) index."""
        if not index.isValid():
            return None
        node = index.siblingAtColumn(0).data(NODE_ROLE)
        return node if isinstance(node, Node) else None

    def selected_nodes(self) -> list[Node]:
        """The selected rows' nodes, top to bottom."""
        rows = self.tree.selectionModel().selectedRows(0)
        nodes = [self.node_at(index) for index in sorted(rows, key=_tree_path)]
        return [node for node in nodes if node is not None]

    @Slot(QModelIndex)
    def _expanded(self, index: QModelIndex) -> None:
        """A profile or model expanded for the first time shows its rows and reads them."""
        self.tree_model.open(self.proxy.mapToSource(index))

    def expanded_rows(self) -> list[tuple[str, str | None]]:
        """(profile id, model name or None) of every expanded registry and model row."""
        tm = self.tree_model
        shown: list[tuple[str, str | None]] = []
        for row in range(tm.rowCount()):
            profile = tm.index(row, 0)
            if not self.tree.isExpanded(self.proxy.mapFromSource(profile)):
                continue
            pid = str(tm.node(profile).key)
            shown.append((pid, None))
            for child in range(tm.rowCount(profile)):
                model = tm.index(child, 0, profile)
                if self.tree.isExpanded(self.proxy.mapFromSource(model)):
                    shown.append((pid, str(model.data())))
        return shown

    def expand_again(self, rows: list[tuple[str, str | None]]) -> None:
        """Expand those rows again (their rows come from the kept state at once)."""
        tm = self.tree_model
        for pid, model in rows:
            profile = tm.profile_index(pid)
            if not profile.isValid():
                continue
            if model is None:
                self.tree.expand(self.proxy.mapFromSource(profile))
                continue
            for child in range(tm.rowCount(profile)):
                index = tm.index(child, 0, profile)
                if index.data() == model:
                    self.tree.expand(self.proxy.mapFromSource(index))

    # --- columns --------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # overrides QObject
        """The tree's columns follow its width."""
        if watched is self.tree.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_columns()
        return False

    def _fit_columns(self) -> None:
        if self._columns_dragged:
            return
        width = self.tree.viewport().width()
        narrow = width < NARROW_TREE  # a small screen: Info (also in tooltips) makes room
        shares = NARROW_SHARES if narrow else COLUMN_SHARES
        self._columns_fitting = True
        try:
            self.tree.setColumnHidden(Column.INFO, narrow)
            for column, share in shares.items():
                self.tree.header().resizeSection(column, max(48, int(width * share)))
        finally:
            self._columns_fitting = False

    def _column_dragged(self, *_: object) -> None:
        """A column resized by the user's mouse (not by the fitting): the widths are theirs."""
        if not self._columns_fitting and QApplication.mouseButtons() != Qt.MouseButton.NoButton:
            self._columns_dragged = True

    # --- filter ---------------------------------------------------------------------------
    @Slot()
    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    @Slot()
    def clear_search(self) -> None:
        if self.search.text():
            self.search.clear()

    def filtering(self) -> bool:
        return bool(self.search.text().strip())

    def _unfiltered_view(self) -> tuple[list[QPersistentModelIndex], QPersistentModelIndex]:
        """The rows expanded and the current row, as source indexes (they outlive filtering)."""
        expanded: list[QPersistentModelIndex] = []
        for row in range(self.proxy.rowCount()):
            profile = self.proxy.index(row, 0)
            if self.tree.isExpanded(profile):
                expanded.append(QPersistentModelIndex(self.proxy.mapToSource(profile)))
                for child in range(self.proxy.rowCount(profile)):
                    model = self.proxy.index(child, 0, profile)
                    if self.tree.isExpanded(model):
                        expanded.append(QPersistentModelIndex(self.proxy.mapToSource(model)))
        current = self.proxy.mapToSource(self.tree.currentIndex().siblingAtColumn(0))
        return expanded, QPersistentModelIndex(current)

    def install_results(self, results: QWidget) -> None:
        """Where a query typed in the filter box shows its results (``looks_like_query``):
        in place of the tree; Enter in the box reads every registry, Down goes into them."""
        assert isinstance(results, QueryResults)
        self.results, self.results_widget = results, results
        self.views.addWidget(results)
        self.search.returnPressed.connect(self._search_entered)

    def install_above(self, widget: QWidget) -> None:
        """A strip between the filter box and the tree (the saved searches)."""
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(1, widget)

    def run_query(self, text: str) -> None:
        """A query given (a saved search): put in the filter box, every registry read."""
        self.search.setText(text)
        self._search_entered()

    def in_query(self) -> bool:
        """Whether the filter box holds a query (its results are shown, not the tree)."""
        return self.results is not None and looks_like_query(self.search.text())

    def apply_filter_now(self) -> None:
        self._filter_timer.stop()
        self._apply_filter()

    def _search_entered(self) -> None:
        if self.results is not None and self.in_query():
            self.apply_filter_now()
            self.results.search_registries()

    @Slot()
    def _apply_filter(self) -> None:
        """Filter the tree; clearing the filter (Esc) brings back the rows expanded before it
        and keeps the row chosen meanwhile (it collapsed the whole tree and moved the
        selection). A query shows its results in place of the tree."""
        text = self.search.text().strip()
        if self.results is not None and self.results_widget is not None and self.in_query():
            self.results.set_query(text)
            self.views.setCurrentWidget(self.results_widget)
            self.no_matches.setVisible(False)
            return
        self.views.setCurrentWidget(self.tree)
        if text and self._before_filter is None:
            self._before_filter = self._unfiltered_view()
        chosen = QPersistentModelIndex(
            self.proxy.mapToSource(self.tree.currentIndex().siblingAtColumn(0))
        )
        self.proxy.set_needle(text)
        if not text and self._before_filter is not None:
            expanded, before = self._before_filter
            self._before_filter = None
            for source in expanded:
                if source.isValid():
                    self.tree.expand(self.proxy.mapFromSource(source))
            keep = chosen if chosen.isValid() else before
            if keep.isValid():
                index = self.proxy.mapFromSource(keep)
                choose_row(self.tree, index)
                self.tree.scrollTo(index)
        if text:
            for row in range(self.proxy.rowCount()):
                self.tree.expand(self.proxy.index(row, 0))
        number = version_wanted(text)
        self.versions_read_for_filter = self._read_versions(number) if number is not None else 0
        self._say_matches()

    def _read_versions(self, number: int) -> int:
        """Open the models not opened yet that may hold version ``number``: their versions
        are read (off the GUI thread) and the filter shows the matching ones as they come.
        Returns how many were opened."""
        opened = 0
        for profile_node in self.tree_model.node(QModelIndex()).children:
            for model_node in list(profile_node.children):
                if opened >= VERSION_FILTER_READS:
                    return opened
                closed = model_node.kind is NodeKind.MODEL and not model_node.load.opened
                if closed and may_have(model_node, number):
                    self.tree_model.open(self.tree_model.index_for(model_node))
                    opened += 1
        return opened

    def _matches_arrived(self, *_: object) -> None:
        """Rows came in or changed while a filter is set: once the model settles, the models
        holding matching versions (just read for a "vN" filter) are expanded, so the matching
        versions are in sight, and the "no match" line follows."""
        if self.filtering():
            self._settle.start()

    @Slot()
    def _expand_matches(self) -> None:
        if not self.filtering():
            return
        if version_wanted(self.search.text()) is not None:
            for row in range(self.proxy.rowCount()):
                profile = self.proxy.index(row, 0)
                for child in range(self.proxy.rowCount(profile)):
                    model = self.proxy.index(child, 0, profile)
                    if self.proxy.rowCount(model) and not self.tree.isExpanded(model):
                        self.tree.expand(model)
        self._say_matches()

    @Slot()
    def _fetching_changed(self) -> None:
        if self.filtering():
            self._say_matches()

    def shutdown(self) -> None:
        """The window closes: no filter runs after it."""
        self._filter_timer.stop()
        self._settle.stop()

    def _say_matches(self) -> None:
        text = self.search.text().strip()
        matches = sum(
            self.proxy.rowCount(self.proxy.index(row, 0)) for row in range(self.proxy.rowCount())
        )
        reading = self.versions_read_for_filter and self.tree_model.is_fetching()
        self.no_matches.setText(
            ""
            if not text or matches
            else f"No model, alias or version matches “{text}” yet — reading the versions of "
            f"{self.versions_read_for_filter} models…"
            if reading
            else f"No model, alias or version matches “{text}” in the rows read so far."
        )
        self.no_matches.setVisible(bool(text) and not matches)

    def _into_results(self) -> None:
        """Down in the filter box: into the tree, on the first match (or the current row);
        into a query's results."""
        if self.results is not None and self.in_query():
            self.results.focus_results()
            return
        current = self.tree.currentIndex()
        node = self.node_at(current)
        if node is None or node.kind is NodeKind.PROFILE:  # a registry row: its first match
            for row in range(self.proxy.rowCount()):
                profile = self.proxy.index(row, 0)
                if self.proxy.rowCount(profile):
                    current = self.proxy.index(0, 0, profile)
                    break
        if current.isValid():
            choose_row(self.tree, current)
        self.tree.setFocus()
