"""The window both comparisons share: a table with a filter to the differences, progress
with Cancel, and export to CSV, JSON or Markdown (written atomically: a failed export leaves no
half-written file)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from modelyard.core.runtime.paths import write_atomic
from modelyard.ui.common.plain import plain_label
from modelyard.ui.common.screen_fit import fit_size
from modelyard.ui.common.theme import set_tone
from modelyard.ui.common.workers import Job

FORMATS = {"csv": "CSV (*.csv)", "json": "JSON (*.json)", "md": "Markdown (*.md)"}


class CompareWindow(QDialog):
    """Shared frame: a control row, a status line, a table, Only differences, Export.

    Signals:
        finished_loading(): a comparison is shown (or failed).
    """

    finished_loading = Signal()

    def __init__(self, title: str, headers: Sequence[str], parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(False)
        fit_size(self, QSize(1100, 620))
        self.job: Job[Any] | None = None
        self.save_path: Callable[[str, str], str | None] = self._ask_path
        layout = QVBoxLayout(self)
        self.controls = QHBoxLayout()
        layout.addLayout(self.controls)
        status_row = QHBoxLayout()
        self.status_row = status_row  # the summary, and what a subclass offers for all rows
        self.status = plain_label("")
        self.status.setObjectName("muted")
        self.status.setWordWrap(True)
        status_row.addWidget(self.status, 1)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.hide()
        status_row.addWidget(self.cancel_button)
        layout.addLayout(status_row)
        filters = QHBoxLayout()
        self.only_differences = QCheckBox("Only differences")
        self.only_differences.toggled.connect(self._refilter)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Filter rows…")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(140)
        self.search.textChanged.connect(self._refilter)
        self.export_button = QToolButton()
        self.export_button.setText("Export")
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.export_button)
        for fmt, label in FORMATS.items():
            action = menu.addAction(f"As {label.split(' ')[0]}…")
            action.triggered.connect(lambda _=False, f=fmt: self.export(f))
        self.export_button.setMenu(menu)
        self.export_button.setEnabled(False)
        filters.addWidget(self.only_differences)
        filters.addWidget(self.search, 1)
        self.actions_row = QHBoxLayout()  # buttons a subclass adds for the selected row
        filters.addLayout(self.actions_row)
        filters.addWidget(self.export_button)
        layout.addLayout(filters)
        self.table = QTreeWidget()
        self.table.setObjectName("compareTable")
        self.table.setColumnCount(len(headers))
        self.table.setHeaderLabels(list(headers))
        self.table.setRootIsDecorated(False)
        self.table.setAlternatingRowColors(True)
        self.table.setUniformRowHeights(True)
        self.table.setWordWrap(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.header().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.header().setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        self.detail = QLabel()
        self.detail.setObjectName("compareDetail")
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.hide()
        layout.addWidget(self.detail)
        QShortcut(QKeySequence.StandardKey.Find, self, self.search.setFocus)

    # running ---------------------------------------------------------------------------------
    def _busy(self, text: str) -> None:
        self.status.setText(text)
        self.cancel_button.show()
        self.export_button.setEnabled(False)

    def _idle(self, text: str, error: bool = False) -> None:
        self.job = None
        self.status.setText(text)
        self.status.setObjectName("errorText" if error else "muted")
        set_tone(self.status, "error" if error else "")
        self.cancel_button.hide()
        self.finished_loading.emit()

    def cancel(self) -> None:
        """Stop the comparison in flight (what was shown stays)."""
        if self.job is not None:
            self.job.cancel()
            self._idle("Cancelled.")

    def done(self, result: int) -> None:  # overrides QDialog.done
        """Closing cancels the comparison in flight."""
        if self.job is not None:
            self.job.cancel()
            self.job = None
        super().done(result)

    # rows ------------------------------------------------------------------------------------
    def _row_matches(self, item: QTreeWidgetItem) -> bool:
        if self.only_differences.isChecked() and item.data(0, Qt.ItemDataRole.UserRole) == "same":
            return False
        needle = self.search.text().strip().lower()
        if not needle:
            return True
        return any(needle in item.text(c).lower() for c in range(item.columnCount()))

    def _items(self) -> list[QTreeWidgetItem]:
        found = (self.table.topLevelItem(i) for i in range(self.table.topLevelItemCount()))
        return [item for item in found if item is not None]

    def _refilter(self) -> None:
        for item in self._items():
            item.setHidden(not self._row_matches(item))

    def visible_rows(self) -> list[list[str]]:
        """The rows shown now, as text (for tests and copy)."""
        return [
            [item.text(c) for c in range(item.columnCount())]
            for item in self._items()
            if not item.isHidden()
        ]

    # export ----------------------------------------------------------------------------------
    def _ask_path(self, fmt: str, suggested: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(self, "Export comparison", suggested, FORMATS[fmt])
        return path or None

    def _exported_text(self, fmt: str) -> str:
        raise NotImplementedError

    def _suggested_name(self) -> str:
        raise NotImplementedError

    def export(self, fmt: str) -> None:
        """Write the comparison (respecting Only differences) to a file the user picks."""
        path = self.save_path(fmt, f"{self._suggested_name()}.{fmt}")
        if not path:
            return
        try:
            write_atomic(Path(path), self._exported_text(fmt))
        except OSError as exc:
            self.status.setText(f"Could not write {path}: {exc.strerror or exc}")
            return
        self.status.setText(f"Exported to {path}")
