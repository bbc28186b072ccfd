"""The Artifacts tab of a version: a lazily loaded file tree with a preview of the selected
file, the version's total size, downloads, opening a file with an app, URIs, snippet, serve."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from modelyard.core.model.domain import ArtifactEntry, VersionSummary
from modelyard.core.reads.download import human_bytes
from modelyard.core.reads.snippet import model_uris
from modelyard.ui.details.preview import PreviewView

PATH_ROLE = Qt.ItemDataRole.UserRole
SIZE_ROLE = Qt.ItemDataRole.UserRole + 1
DIR_ROLE = Qt.ItemDataRole.UserRole + 2
LOADING = "loading…"


class ArtifactsPanel(QWidget):
    """File tree plus actions.

    Signals:
        listRequested(str): list the children of this folder ("" is the root).
        downloadRequested(object): tuple of selected paths, or None for everything.
        snippetRequested(): copy the load snippet (the pane builds it from the MLmodel file).
        serveRequested(): serve this version locally.
        previewRequested(str, object): a file's path and size (or None) to preview.
        openRequested(str): fetch a file and open it with the system's app for it.
    """

    listRequested = Signal(str)
    previewRequested = Signal(str, object)
    openRequested = Signal(str)
    downloadRequested = Signal(object)
    snippetRequested = Signal()
    serveRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        actions = QHBoxLayout()
        self.download_all = QPushButton("Download all…")
        self.download_all.setToolTip("Download every file of this version to a folder")
        self.download_selected = QPushButton("Download selected…")
        self.copy_uri = QToolButton()
        self.copy_uri.setText("Copy model URI")
        self.copy_uri.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.uri_menu = QMenu(self.copy_uri)
        self.copy_uri.setMenu(self.uri_menu)
        self.copy_snippet = QPushButton("Copy load snippet")
        self.copy_snippet.setToolTip(
            "Python that loads this version from this registry (credentials from the environment)"
        )
        self.serve = QPushButton("Serve locally")
        self.open_file = QPushButton("Open with app")
        self.open_file.setToolTip("Fetch the selected file and open it with the system's app")
        # Two rows (files; this version), so that the pane fits beside the tree on a 1024 px
        # screen (one row of six buttons made it 750 px wide at least).
        more = QHBoxLayout()
        for row, widgets in (
            (actions, (self.download_all, self.download_selected, self.open_file)),
            (more, (self.copy_uri, self.copy_snippet, self.serve)),
        ):
            for widget in widgets:
                row.addWidget(widget)
            row.addStretch(1)
            layout.addLayout(row)
        self.serve_status = QLabel()
        self.serve_status.setObjectName("muted")
        self.serve_status.setWordWrap(True)
        self.serve_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.serve_status)
        self.tree = QTreeWidget()
        self.tree.setObjectName("artifactTree")
        self.tree.setHeaderLabels(["Name", "Size"])
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setMinimumSectionSize(48)
        self.tree.header().setStretchLastSection(False)  # the name takes the room
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # "input_ex…le.json"
        self.tree.itemExpanded.connect(self._expanded)
        self.tree.itemSelectionChanged.connect(self._selection_changed)
        self.tree.itemActivated.connect(self._activated)
        self.total = QLabel()
        self.total.setObjectName("muted")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.tree, 1)
        left_layout.addWidget(self.total)
        self.preview = PreviewView()
        split = QSplitter(Qt.Orientation.Horizontal)
        self.split = split
        split.setObjectName("artifactSplit")
        split.addWidget(left)
        split.addWidget(self.preview)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setChildrenCollapsible(False)
        layout.addWidget(split, 1)
        self.open_file.clicked.connect(self._open_selected)
        self.download_all.clicked.connect(lambda: self.downloadRequested.emit(None))
        self.download_selected.clicked.connect(
            lambda: self.downloadRequested.emit(tuple(self.selected_paths()))
        )
        self.copy_uri.clicked.connect(self._copy_first_uri)
        self.copy_snippet.clicked.connect(self.snippetRequested)
        self.serve.clicked.connect(self.serveRequested)
        self.uris: list[tuple[str, str]] = []
        self._selection_changed()

    def reset(self, version: VersionSummary) -> None:
        """A new version: clear the tree; fill the URI menu."""
        self.tree.clear()
        self.uris = model_uris(version)
        self.uri_menu.clear()
        for label, uri in self.uris:
            action = QAction(f"{label}:  {uri}", self.uri_menu)
            action.triggered.connect(lambda _=False, u=uri: QGuiApplication.clipboard().setText(u))
            self.uri_menu.addAction(action)
        self.serve_status.setText("")
        self.total.setText("")
        self.preview.clear()
        self._selection_changed()

    def set_total(self, files: int, size: int) -> None:
        """The version's size: "12 files · 3.4 MB in total"."""
        self.total.setText(f"{files} file{'s' * (files != 1)} · {human_bytes(size)} in total")

    def _copy_first_uri(self) -> None:
        if self.uris:
            QGuiApplication.clipboard().setText(self.uris[0][1])

    def set_entries(self, parent_path: str, entries: Sequence[ArtifactEntry]) -> None:
        """Show the children of ``parent_path``."""
        parent = self._find(parent_path)
        if parent is None and parent_path:
            return
        if parent is not None:
            parent.takeChildren()
        for entry in entries:
            item = QTreeWidgetItem(
                [entry.name, "" if entry.is_dir else human_bytes(entry.size or 0)]
            )
            item.setData(0, PATH_ROLE, entry.path)
            item.setToolTip(0, entry.path)
            item.setData(0, SIZE_ROLE, None if entry.is_dir else entry.size)
            item.setData(0, DIR_ROLE, entry.is_dir)
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if entry.is_dir:
                item.addChild(QTreeWidgetItem([LOADING]))
            if parent is None:
                self.tree.addTopLevelItem(item)
            else:
                parent.addChild(item)

    def set_error(self, parent_path: str, message: str) -> None:
        """Listing failed: say so where the files would be."""
        parent = self._find(parent_path)
        item = QTreeWidgetItem([f"⚠ {message}"])
        item.setToolTip(0, message)
        if parent is None:
            self.tree.clear()
            self.tree.addTopLevelItem(item)
        else:
            parent.takeChildren()
            parent.addChild(item)

    def _find(self, path: str) -> QTreeWidgetItem | None:
        if not path:
            return None
        stack = [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
        while stack:
            item = stack.pop()
            if item is None:
                continue
            if item.data(0, PATH_ROLE) == path:
                return item
            stack.extend(item.child(i) for i in range(item.childCount()))
        return None

    def _expanded(self, item: QTreeWidgetItem) -> None:
        first = item.child(0) if item.childCount() == 1 else None
        if first is not None and first.text(0) == LOADING:
            self.listRequested.emit(str(item.data(0, PATH_ROLE)))

    def selected_paths(self) -> list[str]:
        """Paths of the selected files and folders."""
        return [
            str(item.data(0, PATH_ROLE))
            for item in self.tree.selectedItems()
            if item.data(0, PATH_ROLE)
        ]

    def _selected_file(self) -> QTreeWidgetItem | None:
        items = self.tree.selectedItems()
        if len(items) != 1 or items[0].data(0, DIR_ROLE) or not items[0].data(0, PATH_ROLE):
            return None
        return items[0]

    def _selection_changed(self) -> None:
        self.download_selected.setEnabled(bool(self.selected_paths()))
        item = self._selected_file()
        self.open_file.setEnabled(item is not None)
        if item is not None:
            path = str(item.data(0, PATH_ROLE))
            self.preview.loading(path)
            self.previewRequested.emit(path, item.data(0, SIZE_ROLE))

    def _activated(self, item: QTreeWidgetItem) -> None:
        """Enter or a double-click on a file opens it with its app."""
        if item is self._selected_file():
            self._open_selected()

    def _open_selected(self) -> None:
        item = self._selected_file()
        if item is not None:
            self.openRequested.emit(str(item.data(0, PATH_ROLE)))

    def set_servable(self, ok: bool, why: str) -> None:
        """Enable Serve locally, or say why it cannot work here."""
        self.serve.setEnabled(ok)
        self.serve.setToolTip(
            "Run `mlflow models serve` for this version on 127.0.0.1" if ok else why
        )
        if not ok and why:
            self.serve_status.setText(f"Serve locally is not available: {why}")
