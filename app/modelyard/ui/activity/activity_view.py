"""View ▸ Activity: every write Modelyard made (this window, other windows and the CLI), newest
first, filterable by registry and outcome; Retry for failures (read first, never applied twice)
and export as CSV or JSON. The journal is read and written on workers, never on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtGui import QAction, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from modelyard.core.actions.retry import retry_write
from modelyard.core.model.errors import ModelyardError
from modelyard.core.profiles.profile import Profile
from modelyard.core.runtime.activity import Activity, Write, export_writes
from modelyard.core.session import Connections
from modelyard.ui.common.workers import CancelToken, WorkerPool

COLUMNS = ("When", "Registry", "Model", "Version", "Change", "Outcome", "Took", "Answer")
OUTCOME_WORDS = {
    "ok": "done",
    "failed": "failed",
    "refused": "refused",
    "unknown": "unknown (no answer came)",
    "started": "going on…",
}
OUTCOME_COLORS = {"failed": "#c62828", "refused": "#c62828", "unknown": "#b26a00"}
ALL = "All registries"
Index = QModelIndex | QPersistentModelIndex


class ActivityModel(QAbstractTableModel):
    """The journal's writes, newest first, as the filters let them through."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.writes: list[Write] = []

    def set_writes(self, writes: Sequence[Write]) -> None:
        self.beginResetModel()
        self.writes = list(writes)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008  (Qt's signature)
        return 0 if parent.isValid() else len(self.writes)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        write = self.writes[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return _cell(write, index.column())
        if role == Qt.ItemDataRole.ToolTipRole:
            return write.answer or None
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 5:
            color = OUTCOME_COLORS.get(write.outcome)
            return QColor(color) if color else None
        return None


def _cell(write: Write, column: int) -> str:
    if column == 0:
        return datetime.fromtimestamp(write.at).strftime("%Y-%m-%d %H:%M:%S")
    if column == 6:
        return "" if write.duration_s is None else f"{write.duration_s:.2f} s"
    if column == 5:
        return OUTCOME_WORDS.get(write.outcome, write.outcome)
    values = (write.profile, write.model, write.version and f"v{write.version}", write.change)
    if 1 <= column <= 4:
        return values[column - 1]
    return " ".join(write.answer.split())  # one line in the table; the tooltip has it whole


class ActivityDialog(QDialog):
    """The activity list, its filters and its actions."""

    def __init__(
        self,
        connections: Connections,
        workers: WorkerPool,
        profiles: Callable[[], list[Profile]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Activity — every write Modelyard made")
        self.setObjectName("activityDialog")
        self.connections, self.workers, self.profiles = connections, workers, profiles
        self.journal = Activity()
        self.all_writes: list[Write] = []
        self.loading = False
        self.ask_path: Callable[[], str] = self._ask_path
        layout = QVBoxLayout(self)
        filters = QHBoxLayout()
        self.registry = QComboBox()
        self.registry.setObjectName("activityRegistry")
        self.registry.addItem(ALL)
        self.failures = QCheckBox("&Failures only")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Filter by model or change (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        QShortcut(QKeySequence.StandardKey.Find, self, self.search.setFocus)
        filters.addWidget(QLabel("Registry:"))
        filters.addWidget(self.registry)
        filters.addWidget(self.failures)
        filters.addWidget(self.search, 1)
        layout.addLayout(filters)
        self.model = ActivityModel(self)
        self.table = QTableView()
        self.table.setObjectName("activityTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        for column in range(len(COLUMNS) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.table, 1)
        self.status = QLabel()  # what is shown, of how many
        self.status.setObjectName("activityStatus")
        layout.addWidget(self.status)
        self.said = QLabel()  # what the last Retry or Export did
        self.said.setObjectName("activityResult")
        self.said.setWordWrap(True)
        self.said.setTextFormat(Qt.TextFormat.PlainText)  # registry text, never markup
        layout.addWidget(self.said)
        buttons = QHBoxLayout()
        self.retry_button = QPushButton("&Retry failed")
        self.retry_button.setToolTip(
            "Make the selected failed (or unknown) writes again; each is read first, so nothing "
            "already there is sent twice."
        )
        self.export_button = QPushButton("&Export…")
        self.refresh_button = QPushButton("Re&fresh")
        close = QPushButton("Close")
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.export_button)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.retry_button.clicked.connect(self.retry_selected)
        self.export_button.clicked.connect(self.export)
        self.refresh_button.clicked.connect(self.reload)
        close.clicked.connect(self.close)
        self.registry.currentIndexChanged.connect(self._apply_filters)
        self.failures.toggled.connect(self._apply_filters)
        self.search.textChanged.connect(self._apply_filters)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.timer = QTimer(self)  # other windows and the CLI write to it too
        self.timer.setObjectName("activityRefresh")
        self.timer.setInterval(3000)
        self.timer.timeout.connect(self.reload)
        self.resize(1100, 480)
        self._update_buttons()

    # --- reading ---------------------------------------------------------------------------
    def showEvent(self, event: Any) -> None:  # overrides QWidget.showEvent
        super().showEvent(event)
        self.reload()
        self.timer.start()

    def hideEvent(self, event: Any) -> None:  # overrides QWidget.hideEvent
        self.timer.stop()
        super().hideEvent(event)

    def reload(self) -> None:
        """Read the journal again (on a worker)."""
        if self.loading:
            return
        self.loading = True
        journal = self.journal

        def done(writes: list[Write]) -> None:
            self.loading = False
            self._show(writes)

        def failed(error: ModelyardError) -> None:
            self.loading = False
            self.status.setText(f"The activity list could not be read: {error.message}")

        self.workers.submit(lambda _t: journal.entries(), done, failed, "read activity")

    def _show(self, writes: list[Write]) -> None:
        if writes == self.all_writes:
            return
        self.all_writes = writes
        chosen = self.registry.currentText()
        names = sorted({w.profile for w in writes})
        self.registry.blockSignals(True)
        self.registry.clear()
        self.registry.addItems([ALL, *names])
        self.registry.setCurrentIndex(max(self.registry.findText(chosen), 0))
        self.registry.blockSignals(False)
        self._apply_filters()

    def _apply_filters(self) -> None:
        registry = self.registry.currentText()
        words = self.search.text().strip().lower()
        shown = [
            w
            for w in reversed(self.all_writes)
            if (registry in ("", ALL) or w.profile == registry)
            and (not self.failures.isChecked() or w.outcome != "ok")
            and (not words or words in f"{w.model} v{w.version} {w.change}".lower())
        ]
        chosen = {w.id for w in self.selected()}  # kept across a refresh
        self.model.set_writes(shown)
        picked = QItemSelection()
        for row, write in enumerate(shown):
            if write.id in chosen:
                picked.select(self.model.index(row, 0), self.model.index(row, len(COLUMNS) - 1))
        self.table.selectionModel().select(picked, QItemSelectionModel.SelectionFlag.Select)
        failed = sum(w.failed for w in shown)
        self.status.setText(
            f"{len(shown)} {'write' if len(shown) == 1 else 'writes'} shown ({failed} failed) "
            f"of {len(self.all_writes)}; "
            f"kept in {self.journal.path}."
        )
        self._update_buttons()

    # --- actions ---------------------------------------------------------------------------
    def selected(self) -> list[Write]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.writes[r] for r in rows]

    def _update_buttons(self) -> None:
        self.retry_button.setEnabled(any(w.retryable for w in self.selected()))
        self.export_button.setEnabled(bool(self.model.writes))

    def retry_selected(self) -> None:
        """Make the selected failed writes again, each read first (on a worker)."""
        chosen = [w for w in self.selected() if w.retryable]
        by_name = {p.name: p for p in self.profiles()}
        missing = sorted({w.profile for w in chosen if w.profile not in by_name})
        chosen = [w for w in chosen if w.profile in by_name]
        if not chosen:
            self.said.setText("Select failed writes of registries you still have to retry.")
            return
        connections = self.connections

        def work(token: CancelToken) -> list[str]:
            said: list[str] = []
            for write in chosen:
                token.raise_if_cancelled()
                profile = by_name[write.profile]
                try:
                    registry = connections.get(profile)
                    outcome = retry_write(registry, write, record_history=profile.record_history)
                except ModelyardError as exc:
                    outcome = f"failed again: {exc.message}"
                said.append(f"{write.model} v{write.version} {write.change}: {outcome}")
            return said

        def done(said: list[str]) -> None:
            gone = [f"{name}: no such profile now" for name in missing]
            self.said.setText("\n".join([*said, *gone]))
            self.retry_button.setEnabled(True)
            self.reload()

        self.retry_button.setEnabled(False)
        self.said.setText(f"Retrying {len(chosen)} writes…")
        self.workers.submit(work, done, None, "retry writes")

    def _ask_path(self) -> str:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export activity", "modelyard-activity.csv", "CSV (*.csv);;JSON (*.json)"
        )
        return path

    def export(self) -> None:
        """The rows shown, to a CSV or JSON file (by its suffix)."""
        path = self.ask_path()
        if not path:
            return
        shown = list(self.model.writes)

        def done(count: int) -> None:
            self.said.setText(f"{count} writes exported to {path}.")

        def failed(error: ModelyardError) -> None:
            self.said.setText(f"Not exported: {error.message}")

        self.workers.submit(lambda _t: export_writes(shown, Path(path)), done, failed, "export")


class ActivityOpener:
    """The one Activity dialog of a window, made on first use; ``action`` opens it (View ▸
    Activity, Ctrl+Shift+A)."""

    def __init__(
        self,
        parent: QWidget,
        connections: Connections,
        workers: WorkerPool,
        profiles: Callable[[], list[Profile]],
    ) -> None:
        self.parent, self.connections, self.workers, self.profiles = (
            parent,
            connections,
            workers,
            profiles,
        )
        self.dialog: ActivityDialog | None = None
        self.action = QAction("&Activity", parent)
        self.action.setShortcut(QKeySequence("Ctrl+Shift+A"))
        self.action.setToolTip("Every write Modelyard made, with Retry and export (Ctrl+Shift+A)")
        self.action.triggered.connect(lambda _checked=False: self.show())

    def show(self) -> ActivityDialog:
        if self.dialog is None:
            self.dialog = ActivityDialog(self.connections, self.workers, self.profiles, self.parent)
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()
        return self.dialog
