"""The model pane: stage summary, description, aliases, tags, versions table, history."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from modelyard.core.model.domain import (
    Capabilities,
    ModelSummary,
    Stage,
    StageEvent,
    VersionSummary,
    version_sort_key,
)
from modelyard.core.reads.details import model_history
from modelyard.core.reads.history import stage_summary, visible_tags
from modelyard.core.reads.snippet import model_uri
from modelyard.ui.board.promote_board import PromoteBoard
from modelyard.ui.details.history_view import HistoryView
from modelyard.ui.details.timeline_view import TimelinePanel
from modelyard.ui.details.version_view import Header, _page, _scrolling
from modelyard.ui.details.widgets import (
    Banner,
    DescriptionEditor,
    FieldForm,
    KeyValueTable,
    SectionTitle,
    TagEditor,
    when,
)
from modelyard.ui.tree.tree_model import STAGE_COLORS

VERSION_COLUMNS = ["Version", "Stage", "Aliases", "Status", "Created", "Creator", "Source run"]


class _SortItem(QTableWidgetItem):
    """Sorts by a key stored in UserRole (numeric versions, timestamps)."""

    def __lt__(self, other: QTableWidgetItem) -> bool:
        mine = self.data(Qt.ItemDataRole.UserRole)
        theirs = other.data(Qt.ItemDataRole.UserRole)
        if mine is not None and theirs is not None:
            return bool(mine < theirs)
        return super().__lt__(other)


class ModelView(QWidget):
    """Everything about one registered model.

    Signals:
        saveDescription(str), setTag(str, str), deleteTag(str): edits requested.
        versionActivated(str): a version row was double-clicked.
        retryRequested(): Retry after a failed load.
        restoreRequested(object, object): "Restore to this point" on the timeline: a
            :class:`~modelyard.core.reads.timeline.Restore` plan and its moment.
    """

    saveDescription = Signal(str)
    setTag = Signal(str, str)
    deleteTag = Signal(str)
    versionActivated = Signal(str)
    compareRequested = Signal(str, str)
    retryRequested = Signal()
    restoreRequested = Signal(object, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model: ModelSummary | None = None
        self.web_url: str | None = None  # the model's page in the registry's web UI
        self.versions: list[VersionSummary] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.header = Header()
        layout.addWidget(self.header)
        self.summary = QLabel()
        self.summary.setObjectName("stageSummary")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        summary_box = QHBoxLayout()
        summary_box.setContentsMargins(16, 2, 16, 0)
        summary_box.addWidget(self.summary)
        layout.addLayout(summary_box)
        self.banner = Banner()
        self.banner.actionClicked.connect(self.retryRequested)
        banner_box = QHBoxLayout()
        banner_box.setContentsMargins(16, 4, 16, 0)
        banner_box.addWidget(self.banner)
        layout.addLayout(banner_box)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        layout.addWidget(self.tabs, 1)

        overview, ov = _page()
        self.fields = FieldForm()
        self.description = DescriptionEditor()
        self.aliases = KeyValueTable(("Alias", "Version"))
        self.aliases.setObjectName("aliasTable")
        self.tags = TagEditor()
        ov.addWidget(self.fields)
        ov.addWidget(self.description)
        ov.addWidget(SectionTitle("Aliases"))
        ov.addWidget(self.aliases)
        ov.addWidget(self.tags)
        ov.addStretch(1)
        self.description.saveRequested.connect(self.saveDescription)
        self.tags.setRequested.connect(self.setTag)
        self.tags.deleteRequested.connect(self.deleteTag)
        self.tabs.addTab(_scrolling(overview), "Overview")

        self.board = PromoteBoard()
        self.tabs.addTab(self.board, "Promote")

        versions_page, vp = _page()
        self.table = QTableWidget(0, len(VERSION_COLUMNS))
        self.table.setObjectName("versionsTable")
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move in it
        self.table.setHorizontalHeaderLabels(VERSION_COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSectionResizeMode(
            len(VERSION_COLUMNS) - 1, QHeaderView.ResizeMode.Stretch
        )
        self.table.cellDoubleClicked.connect(self._activated)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        compare_row = QHBoxLayout()
        compare_hint = QLabel("Select two versions (Ctrl+click) to compare them field by field.")
        compare_hint.setObjectName("muted")
        self.compare_button = QPushButton("Compare selected")
        self.compare_button.setEnabled(False)
        self.compare_button.clicked.connect(self._compare_selected)
        self.table.itemSelectionChanged.connect(
            lambda: self.compare_button.setEnabled(len(self.selected_versions()) == 2)
        )
        compare_row.addWidget(compare_hint, 1)
        compare_row.addWidget(self.compare_button)
        vp.addLayout(compare_row)
        vp.addWidget(self.table)
        self.tabs.addTab(versions_page, "Versions")

        history_page, hp = _page()
        self.timeline = TimelinePanel()
        self.timeline.restoreRequested.connect(self.restoreRequested)
        self.history = HistoryView()
        self.history.itemSelectionChanged.connect(self._event_chosen)
        hp.addWidget(self.timeline)
        hp.addWidget(SectionTitle("Events"))
        hp.addWidget(self.history, 1)
        self.tabs.addTab(history_page, "History")

    def show_summary(
        self,
        model: ModelSummary,
        versions: Sequence[VersionSummary],
        profile_id: str = "",
        capabilities: Capabilities | None = None,
    ) -> None:
        """Show what is known now (the versions may still be loading)."""
        caps = capabilities or Capabilities()
        self.model = model
        self.versions = list(versions)
        aliases = dict(model.aliases)
        self.versions = [
            replace(v, aliases=tuple(sorted(a for a, n in aliases.items() if n == v.version)))
            for v in self.versions
        ]
        self.board.set_state(
            profile_id,
            model.name,
            self.versions,
            aliases,
            caps.stages,
            aliases_supported=caps.aliases,
            server=caps.server,
        )
        self.table.setColumnHidden(1, not caps.stages)  # Unity Catalog has no stages
        self.header.set(model.name, "Registered model")
        count = f"{len(self.versions)}" if self.versions else "—"
        self.fields.set_rows(
            [
                ("Created", when(model.created)),
                ("Updated", when(model.updated)),
                ("Versions", count),
                ("Model URI", model_uri(model) or "— (no version yet)"),
                *([("Web UI", self.web_url)] if self.web_url else []),
            ],
            copyable=("Model URI",),
            openable=("Web UI",),
        )
        self.description.set_text(model.description)
        self.aliases.set_items({f"@{a}": f"v{v}" for a, v in model.aliases.items()})
        self.tags.set_tags(visible_tags(model.tags))
        self._fill_versions()
        events = model_history(self.versions)
        self.history.set_events(events)
        self.timeline.set_model(self.versions, events, aliases)
        summary = stage_summary(self.versions)
        if not self.versions:  # not read (yet, or the read failed): what the listing said
            summary = [
                (stage, f"v{model.latest_by_stage[stage]}")
                for stage in ("Production", "Staging")
                if stage in model.latest_by_stage
            ]
        parts = [
            f"<b style='color:{STAGE_COLORS[_stage(stage)]}'>{stage}</b>: {html.escape(text)}"
            for stage, text in summary
        ]
        if not caps.stages:  # Unity Catalog: aliases say which version is where
            parts = [
                f"<b>@{html.escape(a)}</b>: v{html.escape(v)}" for a, v in sorted(aliases.items())
            ]
            self.summary.setText(" &nbsp;·&nbsp; ".join(parts) or "No alias set yet")
            return
        self.summary.setText(" &nbsp;·&nbsp; ".join(parts) or "No version in Staging or Production")

    def show_loading(self) -> None:
        """A load is in flight."""
        self.banner.show_message("Loading versions and history…", "busy")

    def show_loaded(self) -> None:
        """The load finished."""
        self.banner.hide()

    def show_error(self, message: str) -> None:
        """A failed load or write; what is shown stays."""
        self.banner.show_message(message, "error", "Retry")

    def set_busy(self, busy: bool) -> None:
        """Disable editing while a write is in flight."""
        self.description.set_busy(busy)
        self.tags.set_busy(busy)

    def _fill_versions(self) -> None:
        table = self.table
        table.setSortingEnabled(False)
        table.setRowCount(len(self.versions))
        for row, v in enumerate(self.versions):
            cells = [
                (f"v{v.version}", version_sort_key(v.version)),
                (v.stage.value, None),
                (", ".join(v.aliases), None),
                (v.status, None),
                (when(v.created), v.created.timestamp() if v.created else 0.0),
                (v.creator, None),
                (v.run_id, None),
            ]
            for column, (text, key) in enumerate(cells):
                item = _SortItem(text)
                if key is not None:
                    item.setData(Qt.ItemDataRole.UserRole, key)
                if column == 1:
                    item.setForeground(QBrush(QColor(STAGE_COLORS[v.stage])))
                item.setData(Qt.ItemDataRole.UserRole + 1, v.version)
                table.setItem(row, column, item)
        table.setSortingEnabled(True)
        table.resizeColumnsToContents()

    def selected_versions(self) -> list[str]:
        """The versions selected in the versions table, oldest first."""
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        items = [self.table.item(r, 0) for r in rows]
        found = [str(i.data(Qt.ItemDataRole.UserRole + 1)) for i in items if i is not None]
        return sorted(found, key=version_sort_key)

    def _event_chosen(self) -> None:
        """An event picked in the history: the timeline's moment goes to just after it."""
        items = self.history.selectedItems()
        event = items[0].data(0, Qt.ItemDataRole.UserRole) if items else None
        if isinstance(event, StageEvent) and event.when is not None:
            self.timeline.set_moment(event.when)

    def _compare_selected(self) -> None:
        chosen = self.selected_versions()
        if len(chosen) == 2:
            self.compareRequested.emit(chosen[0], chosen[1])

    def _activated(self, row: int, _column: int) -> None:
        item = self.table.item(row, 0)
        if item is not None:
            self.versionActivated.emit(str(item.data(Qt.ItemDataRole.UserRole + 1)))


def _stage(name: str) -> Stage:
    return Stage.parse(name)
