"""A stage/alias history timeline: when, what, who, comment, and where each event comes from."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from modelyard.core.model.domain import EventKind, EventSource, StageEvent
from modelyard.ui.common.plain import plain_tooltip
from modelyard.ui.common.theme import tone_color
from modelyard.ui.details.widgets import when

SOURCE_LABEL = {
    EventSource.RECORDED: "recorded",
    EventSource.SERVER: "registry activity",
    EventSource.DERIVED: "derived",
}
SOURCE_TIP = {
    EventSource.RECORDED: "Recorded by Modelyard in the registry (modelyard.history tags)",
    EventSource.SERVER: "Kept by the registry service itself",
    EventSource.DERIVED: "Inferred from the version's timestamps",
}
KIND_COLOR = {
    EventKind.CREATED: "#475569",
    EventKind.STAGE: "#1d4ed8",
    EventKind.ALIAS_SET: "#7c3aed",
    EventKind.ALIAS_REMOVED: "#9333ea",
    EventKind.REQUESTED: "#b45309",
    EventKind.REJECTED: "#b91c1c",
    EventKind.CURRENT: "#64748b",
    EventKind.COPIED: "#0f766e",
}


class HistoryView(QTreeWidget):
    """Newest event first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyView")
        self.setColumnCount(5)
        self.setHeaderLabels(["When", "What", "Who", "Comment", "Source"])
        self.setRootIsDecorated(False)
        self.setAlternatingRowColors(True)
        self.setUniformRowHeights(False)
        self.setWordWrap(True)  # a long comment wraps in its column instead of being cut
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(4, 90)  # "recorded" / "derived": the comment takes the room
        self.events: tuple[StageEvent, ...] = ()

    def set_events(self, events: Sequence[StageEvent]) -> None:
        """Show ``events`` (given oldest first), newest at the top."""
        self.clear()
        self.events = tuple(events)
        for event in reversed(self.events):
            item = QTreeWidgetItem(
                [
                    when(event.when),
                    event.describe(),
                    event.who or "—",
                    event.comment,
                    SOURCE_LABEL[event.source],
                ]
            )
            item.setForeground(1, QBrush(QColor(KIND_COLOR[event.kind])))
            item.setToolTip(4, SOURCE_TIP[event.source])
            item.setToolTip(3, plain_tooltip(event.comment) if event.comment else "")
            if event.source is EventSource.DERIVED:
                for column in range(5):
                    item.setForeground(column, QBrush(tone_color("muted")))
            item.setData(0, Qt.ItemDataRole.UserRole, event)
            self.addTopLevelItem(item)
