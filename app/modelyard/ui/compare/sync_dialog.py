"""Sync models into another registry: the plan as a table whose rows can be unticked, then
progress per version with Pause/Resume and Cancel, then the report (copied, there already,
failed and why) with "Retry failed".

Planning and the sync run on workers with each profile's own connection (the core's
``plan_sync`` / ``run_sync``: nothing half-registered, a journal so that a stopped sync is
finished by the next one); nothing touches the network on the GUI thread.
"""

from __future__ import annotations

import threading
from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from modelyard.core.actions.copy_plan import Endpoint
from modelyard.core.actions.sync import NameMap, Selection, SyncPlan, SyncReport
from modelyard.core.actions.sync_progress import Pause, SyncProgress
from modelyard.core.model.errors import ErrorKind, ModelyardError
from modelyard.core.profiles.profile import Profile, typed_confirmation
from modelyard.core.reads.download import human_bytes
from modelyard.core.session import Connections
from modelyard.ui.common.theme import set_tone
from modelyard.ui.common.workers import CancelToken, WorkerPool

ACTION_WORDS = {"copy": "Copy", "there": "There already", "skip": "Skipped"}
RESULT_WORDS = {
    "copied": "Copied",
    "there": "There already",
    "skipped": "Skipped",
    "failed": "Failed",
    "not started": "Not started",
}
KEY = Qt.ItemDataRole.UserRole


class SyncDialog(QDialog):
    """One sync, from its plan to its report. ``synced`` carries the SyncReport."""

    synced = Signal(object)

    def __init__(
        self,
        connections: Connections,
        workers: WorkerPool,
        *,
        source: Profile,
        target: Profile,
        models: tuple[str, ...] = (),  # none: every model of the source
        versions: tuple[tuple[str, str], ...] = (),  # exactly these (model, version) pairs
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("syncDialog")
        self.connections, self.workers = connections, workers
        self.source, self.target, self.models = source, target, models
        self.versions = versions
        self.plan: SyncPlan | None = None
        self.report: SyncReport | None = None
        self._last: SyncProgress | None = None  # the latest progress of the running sync
        self.state = "planning"  # planning → ready → syncing → done | failed
        self._stop = threading.Event()
        self._pause = Pause()  # held between versions; those in flight finish
        what = ", ".join(models) if models else f"every model of {source.name}"
        if versions:
            names = sorted({m for m, _v in versions})
            count = "1 version" if len(versions) == 1 else f"{len(versions)} versions"
            what = f"{count} of {', '.join(names)}"
        self.setWindowTitle(f"Sync to {target.name}")
        self.setMinimumSize(720, 420)

        self.heading = QLabel(f"Sync {what} from {source.name} to {target.name}")
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setWordWrap(True)
        self.heading.setStyleSheet("font-weight: 600;")
        self.mirror_stages = QCheckBox("Set the copies' stages to the source's")
        self.mirror_stages.setEnabled(target.has_stages)
        self.mirror_aliases = QCheckBox("Point the source's aliases at the copies")
        self.mirror_aliases.setEnabled(target.has_aliases)
        self.prefix = QLineEdit()
        self.prefix.setObjectName("syncPrefix")
        self.prefix.setPlaceholderText("e.g. main.ml. for Unity Catalog (empty: the same names)")
        form = QFormLayout()
        form.addRow("Names in the target start with", self.prefix)
        form.addRow("", self.mirror_stages)
        form.addRow("", self.mirror_aliases)
        self.table = QTreeWidget()
        self.table.setObjectName("syncPlan")
        self.table.setRootIsDecorated(False)
        self.table.setUniformRowHeights(True)
        self.table.setHeaderLabels(["Source", "Target", "What", "Then / why"])
        self.table.header().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.header().setStretchLastSection(True)
        self.table.itemChanged.connect(lambda *_: self._check())
        self.summary = QLabel("Reading both registries…")
        self.summary.setObjectName("syncSummary")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setVisible(False)
        self.status = QLabel()
        self.status.setObjectName("syncStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        # a Confirm registry: its name typed before anything is sent (its models are many)
        self.needed = target.name if typed_confirmation(target, target.name) else ""
        self.typed = QLineEdit()
        self.typed.setObjectName("typedConfirmation")
        self.typed.setPlaceholderText(f"Type {target.name} to sync into it")
        self.typed.setVisible(bool(self.needed))
        self.typed.textChanged.connect(lambda *_: self._check())
        self.go = QPushButton("Sync")
        self.go.setObjectName("syncGo")
        self.go.setEnabled(False)
        self.retry = QPushButton("Retry failed")
        self.retry.setObjectName("syncRetry")
        self.pause = QPushButton("&Pause")
        self.pause.setObjectName("syncPause")
        self.pause.setToolTip("Start no further version until Resume (those in flight finish)")
        self.cancel = QPushButton("Cancel")
        buttons = QDialogButtonBox()
        buttons.addButton(self.retry, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.pause, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.go, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.cancel, QDialogButtonBox.ButtonRole.RejectRole)
        self.retry.setVisible(False)  # after it joins the box (which shows what it is given)
        self.pause.setVisible(False)
        self.pause.clicked.connect(self.toggle_pause)
        self.go.clicked.connect(self.start)
        self.retry.clicked.connect(self.retry_failed)
        self.cancel.clicked.connect(self._cancel_or_close)
        self.mirror_stages.toggled.connect(lambda *_: self._plan())
        self.mirror_aliases.toggled.connect(lambda *_: self._plan())
        self.prefix.editingFinished.connect(self._prefix_changed)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        row = QHBoxLayout()
        row.addWidget(self.bar, 1)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.typed)
        layout.addWidget(buttons)
        self.go.setDefault(True)  # once in the dialog (before, the dialog chose its own)
        self._planned_prefix = ""
        self._plan()

    # --- the plan ------------------------------------------------------------------------------
    def _prefix_changed(self) -> None:
        if self.prefix.text().strip() != self._planned_prefix:
            self._plan()

    def _plan(self, only: set[str] | None = None) -> None:
        if self.state == "syncing":
            return
        self.state = "planning"
        self.go.setEnabled(False)
        self.summary.setText("Reading both registries…")
        connections, source, target = self.connections, self.source, self.target
        selection = Selection(tuple(self.models), only=frozenset(self.versions))
        self._planned_prefix = prefix = self.prefix.text().strip()
        stages, aliases = self.mirror_stages.isChecked(), self.mirror_aliases.isChecked()

        def work(_token: CancelToken) -> SyncPlan:
            from modelyard.core.actions.sync import plan_sync

            return plan_sync(
                Endpoint(connections.get(source), source.name),
                Endpoint(connections.get(target), target.name),
                selection,
                NameMap(prefix),
                mirror_stages=stages,
                mirror_aliases=aliases,
            )

        self.workers.submit(
            work, lambda plan: self._planned(plan, only), self._failed, "sync: plan"
        )

    def _planned(self, plan: SyncPlan, only: set[str] | None = None) -> None:
        self.plan = plan
        self.state = "ready"
        self.table.blockSignals(True)
        self.table.clear()
        for item in plan.items:
            then = " ".join(t.describe() for t in item.mirror) or item.reason
            target = item.target_model + (f" v{item.target_version}" if item.target_version else "")
            row = QTreeWidgetItem(
                [f"{item.model} v{item.version}", target, ACTION_WORDS[item.action], then]
            )
            row.setData(0, KEY, item.key)
            does = item.action == "copy" or bool(item.mirror)
            if does:
                row.setFlags(row.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                ticked = only is None or item.key in only
                row.setCheckState(0, Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
            else:
                row.setDisabled(True)
            self.table.addTopLevelItem(row)
        self.table.blockSignals(False)
        self._fit_columns()
        self._check()

    def _fit_columns(self) -> None:
        """Each column as wide as its text (the first one's check box besides)."""
        metrics = self.table.fontMetrics()
        for column in range(3):
            texts = [row.text(column) for row in self.rows()]
            texts.append(self.table.headerItem().text(column))
            extra = 40 if column == 0 else 16
            width = max(metrics.horizontalAdvance(t) for t in texts) + extra
            self.table.setColumnWidth(column, width)

    def rows(self) -> list[QTreeWidgetItem]:
        """The table's rows, one per planned version."""
        found = (self.table.topLevelItem(i) for i in range(self.table.topLevelItemCount()))
        return [row for row in found if row is not None]

    def chosen(self) -> SyncPlan | None:
        """The plan with only the ticked rows."""
        if self.plan is None:
            return None
        ticked = {
            str(row.data(0, KEY))
            for row in self.rows()
            if row.checkState(0) == Qt.CheckState.Checked
        }
        return replace(self.plan, items=tuple(i for i in self.plan.items if i.key in ticked))

    def _check(self) -> None:
        plan, chosen = self.plan, self.chosen()
        if plan is None or chosen is None:
            return
        notes = "".join(f"\n{note}" for note in plan.notes)
        self.summary.setText(
            f"{plan.count('copy')} to copy, {plan.count('there')} there already, "
            f"{plan.count('skip')} skipped. Ticked: {chosen.count('copy')} to copy and "
            f"{sum(len(i.mirror) for i in chosen.items)} stage or alias change(s).{notes}"
        )
        self.go.setText(f"Sync {len(chosen.items)} version(s)" if chosen.items else "Sync")
        typed = not self.needed or self.typed.text() == self.needed
        self.go.setEnabled(self.state == "ready" and chosen.writes > 0 and typed)

    # --- the sync ------------------------------------------------------------------------------
    def start(self) -> None:
        plan = self.chosen()
        if plan is None or self.state != "ready" or not plan.writes:
            return
        if self.needed and self.typed.text() != self.needed:
            return  # a Confirm registry, and its name not typed
        self.state = "syncing"
        self._stop.clear()
        self._pause.resume()
        self.pause.setText("&Pause")
        self.pause.setEnabled(True)
        self.pause.setVisible(True)
        for widget in (self.go, self.prefix, self.mirror_stages, self.mirror_aliases):
            widget.setEnabled(False)
        self.retry.setVisible(False)
        self.table.setEnabled(False)
        self.bar.setRange(0, max(len(plan.items), 1))
        self.bar.setValue(0)
        self.bar.setVisible(True)
        self.status.setText("Starting…")
        set_tone(self.status, "")
        connections, source, target, stop = self.connections, self.source, self.target, self._stop
        pause = self._pause
        record = target.record_history

        def work(token: CancelToken) -> SyncReport:
            from modelyard.core.actions.sync import run_sync

            return run_sync(
                Endpoint(connections.get(source), source.name),
                Endpoint(connections.get(target), target.name),
                plan,
                progress=token.report,
                cancelled=stop.is_set,
                record_history=record,
                pause=pause,
            )

        self.workers.submit(
            work, self._done, self._failed, "sync: run", on_progress=self._progressed
        )

    def _progressed(self, value: object) -> None:
        if not isinstance(value, SyncProgress) or self.state != "syncing":
            return
        self.bar.setValue(value.done)
        self._last = value
        self.status.setText(self._progress_text(value))

    def _progress_text(self, value: SyncProgress) -> str:
        files = ""
        if value.bytes_done:
            rate = human_bytes(value.bytes_per_second)
            files = f" · {human_bytes(value.bytes_done)} at {rate}/s"
        now = f" · now {', '.join(value.current)}" if value.current else ""
        if self._pause.paused:
            waits = " (the versions being copied finish first)" if value.current else ""
            return f"Paused · {value.done} of {value.total} versions{files}{now}{waits}"
        left = value.seconds_left
        eta = f" · about {left:.0f} s left" if left is not None else ""
        return f"{value.done} of {value.total} versions{files}{eta}{now}"

    def toggle_pause(self) -> None:
        """Pause (no version starts until Resume) or resume the sync."""
        if self.state != "syncing":
            return
        if self._pause.paused:
            self._pause.resume()
            self.pause.setText("&Pause")
        else:
            self._pause.pause()
            self.pause.setText("&Resume")
        last = self._last
        if last is None:
            self.status.setText("Paused" if self._pause.paused else "Starting…")
        else:
            self.status.setText(self._progress_text(last))

    def _done(self, report: SyncReport) -> None:
        self.report = report
        self.state = "done"
        self._ended()
        self.bar.setValue(self.bar.maximum())
        outcomes = {o.item.key: o for o in report.outcomes}
        for row in self.rows():
            outcome = outcomes.get(str(row.data(0, KEY)))
            if outcome is None:
                if row.checkState(0) == Qt.CheckState.Unchecked and not row.isDisabled():
                    row.setText(2, "Left out")
                continue
            row.setText(2, RESULT_WORDS[outcome.result])
            if outcome.target_version:
                row.setText(1, f"{outcome.item.target_model} v{outcome.target_version}")
            if outcome.message:
                row.setText(3, outcome.message)
                row.setToolTip(3, outcome.message)
        failed = report.count("failed") + report.count("not started")
        self.status.setText(
            f"Copied {report.count('copied')}, there already {report.count('there')}, "
            f"failed {report.count('failed')}, not started {report.count('not started')} "
            f"in {report.seconds:.1f} s."
        )
        set_tone(self.status, "error" if failed else "")
        self._fit_columns()
        self._options_back()
        self.retry.setVisible(bool(failed))
        self.table.setEnabled(True)
        self.cancel.setText("Close")
        self.cancel.setEnabled(True)
        self.synced.emit(report)

    def retry_failed(self) -> None:
        """Plan again (what is there now is found) with only the failed rows ticked."""
        report = self.report
        if report is None:
            return
        again = {o.item.key for o in report.outcomes if o.result in ("failed", "not started")}
        self.retry.setVisible(False)
        self.cancel.setText("Cancel")
        self.state = "ready"
        self._plan(only=again)

    def _options_back(self) -> None:
        """The options again, after a sync: changing one plans anew (a next round)."""
        self.prefix.setEnabled(True)
        self.mirror_stages.setEnabled(self.target.has_stages)
        self.mirror_aliases.setEnabled(self.target.has_aliases)

    def _ended(self) -> None:
        self._pause.resume()
        self.pause.setVisible(False)
        self._last = None

    def _failed(self, error: ModelyardError) -> None:
        self.state = "failed"
        self._ended()
        self.bar.setVisible(False)
        cancelled = error.kind is ErrorKind.CANCELLED
        self.status.setText(f"{'Cancelled' if cancelled else 'Not synced'}: {error.message}")
        set_tone(self.status, "" if cancelled else "error")
        self.summary.setText("")
        self._options_back()
        self.cancel.setText("Close")
        self.cancel.setEnabled(True)

    def _cancel_or_close(self) -> None:
        if self.state == "syncing":
            self._stop.set()
            self.pause.setEnabled(False)
            self.status.setText("Cancelling: the versions being copied are removed again…")
            self.cancel.setEnabled(False)
            return
        self.reject()
