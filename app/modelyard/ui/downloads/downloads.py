"""Queued artifact downloads with progress, speed, time left, Cancel and Open folder.

Downloads run one at a time through the worker pool; the dialog is not modal, so work goes on
while it is in the background.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSize, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from modelyard.core.model.errors import ModelyardError
from modelyard.core.profiles.profile import Profile
from modelyard.core.reads.download import (
    DownloadConflict,
    DownloadProgress,
    DownloadResult,
    human_bytes,
    plan_download,
    run_download,
)
from modelyard.core.session import Connections
from modelyard.ui.common.plain import plain_label
from modelyard.ui.common.screen_fit import fit_size
from modelyard.ui.common.workers import CancelToken, Job, WorkerPool


@dataclass(eq=False)
class DownloadTask:
    """One queued, running or ended download."""

    id: int
    profile: Profile
    model: str
    version: str
    paths: tuple[str, ...] | None
    destination: Path
    state: str = "queued"  # queued | running | done | failed | cancelled
    progress: DownloadProgress | None = None
    message: str = ""
    result: DownloadResult | None = None
    job: Job[Any] | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    overwrite: bool = False  # replace files in the destination that this download did not write
    conflict: bool = False  # it stopped before any byte: the destination holds others' files

    @property
    def title(self) -> str:
        """What is downloaded, for people."""
        what = f"{len(self.paths)} selected" if self.paths else "all files"
        return f"{self.model} v{self.version} ({what}) → {self.destination}"


def describe_progress(progress: DownloadProgress | None) -> str:
    """'3.2 MB of 24.0 MB · 5.1 MB/s · 4 s left'."""
    if progress is None:
        return "Listing files…"
    parts = [f"{human_bytes(progress.done_bytes)} of {human_bytes(progress.total_bytes)}"]
    if progress.speed > 0:
        parts.append(f"{human_bytes(progress.speed)}/s")
    eta = progress.eta_s
    if eta is not None:
        parts.append(f"{eta:.0f} s left" if eta < 120 else f"{eta / 60:.0f} min left")
    parts.append(
        f"file {min(progress.files_done + 1, progress.files_total)} of {progress.files_total}"
    )
    return " · ".join(parts)


class DownloadManager(QObject):
    """Runs queued downloads one after the other.

    Signals:
        changed(object): a DownloadTask changed (queued, progressed, ended).
    """

    changed = Signal(object)

    def __init__(
        self, connections: Connections, workers: WorkerPool, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.connections = connections
        self.workers = workers
        self.tasks: list[DownloadTask] = []
        self._ids = itertools.count(1)

    def enqueue(
        self,
        profile: Profile,
        model: str,
        version: str,
        paths: tuple[str, ...] | None,
        destination: Path,
        *,
        overwrite: bool = False,
    ) -> DownloadTask:
        """Queue a download (it starts when nothing else is running)."""
        task = DownloadTask(
            next(self._ids), profile, model, version, paths, destination, overwrite=overwrite
        )
        self.tasks.append(task)
        self.changed.emit(task)
        self._start_next()
        return task

    def cancel(self, task: DownloadTask) -> None:
        """Cancel a queued or running download (no partial file is left)."""
        if task.state == "queued":
            task.state, task.message = "cancelled", "Cancelled before it started."
            self.changed.emit(task)
        elif task.state == "running":
            task.stop.set()  # the work stops at the next chunk, cleans up and reports back

    def overwrite(self, task: DownloadTask) -> DownloadTask:
        """Queue ``task`` again, this time replacing the files it found in its way."""
        return self.enqueue(
            task.profile, task.model, task.version, task.paths, task.destination, overwrite=True
        )

    def retry(self, task: DownloadTask) -> DownloadTask:
        """Queue a failed or cancelled download again (what already landed is skipped)."""
        return self.enqueue(task.profile, task.model, task.version, task.paths, task.destination)

    def clear_finished(self) -> list[DownloadTask]:
        """Forget the downloads that are over (done, failed, cancelled); returns them."""
        over = [t for t in self.tasks if t.state not in ("queued", "running")]
        self.tasks = [t for t in self.tasks if t.state in ("queued", "running")]
        return over

    def active(self) -> bool:
        """Whether a download is queued or running."""
        return any(t.state in ("queued", "running") for t in self.tasks)

    def shutdown(self) -> None:
        """Cancel everything (used when the window closes)."""
        for task in self.tasks:
            self.cancel(task)

    def _start_next(self) -> None:
        if any(t.state == "running" for t in self.tasks):
            return
        task = next((t for t in self.tasks if t.state == "queued"), None)
        if task is None:
            return
        task.state = "running"
        connections = self.connections

        def work(token: CancelToken) -> DownloadResult:
            registry = connections.get(task.profile)
            plan = plan_download(registry, task.model, task.version, task.paths)
            token.raise_if_cancelled()
            return run_download(
                registry,
                plan,
                task.destination,
                token.report,
                task.stop.is_set,
                overwrite=task.overwrite,
            )

        task.job = self.workers.submit(
            work,
            lambda result: self._finished(task, result),
            lambda error: self._failed(task, error),
            description=f"download {task.model} v{task.version}",
            on_progress=lambda value: self._progressed(task, value),
            talks_to=task.profile.id,
        )
        self.changed.emit(task)

    def _progressed(self, task: DownloadTask, value: object) -> None:
        if isinstance(value, DownloadProgress):
            task.progress = value
            self.changed.emit(task)

    def _finished(self, task: DownloadTask, result: DownloadResult) -> None:
        task.state, task.result = "done", result
        skipped = f"; {len(result.skipped)} were already there" if result.skipped else ""
        replaced = f"; {len(result.replaced)} replaced" if result.replaced else ""
        left = (
            f"; {len(result.left_out)} links out of its folder left out" if result.left_out else ""
        )
        task.message = f"Downloaded {len(result.written)} files{skipped}{replaced}{left}."
        self.changed.emit(task)
        self._start_next()

    def _failed(self, task: DownloadTask, error: ModelyardError) -> None:
        task.state = "cancelled" if task.stop.is_set() else "failed"
        task.message = error.message
        task.conflict = isinstance(error, DownloadConflict)
        self.changed.emit(task)
        self._start_next()


class _TaskRow(QFrame):
    def __init__(self, task: DownloadTask, manager: DownloadManager) -> None:
        super().__init__()
        self.setObjectName("downloadRow")
        self.task = task
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        self.title = plain_label(task.title)
        self.title.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.status = plain_label()
        self.status.setObjectName("muted")
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(lambda: manager.cancel(task))
        self.open_button = QPushButton("Open folder")
        self.open_button.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(task.destination)))
        )
        self.overwrite_button = QPushButton("Overwrite them")
        self.overwrite_button.setToolTip("Download again, replacing the files named here")
        self.overwrite_button.clicked.connect(lambda: manager.overwrite(task))
        self.retry_button = QPushButton("Retry")
        self.retry_button.setToolTip("Download again (files already there are skipped)")
        self.retry_button.clicked.connect(lambda: manager.retry(task))
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.overwrite_button)
        buttons.addWidget(self.open_button)
        layout.addWidget(self.title)
        layout.addWidget(self.bar)
        layout.addLayout(buttons)
        self.update_from_task()

    def update_from_task(self) -> None:
        task = self.task
        progress = task.progress
        if progress is not None and progress.total_bytes > 0:
            self.bar.setValue(int(1000 * progress.done_bytes / progress.total_bytes))
        if task.state == "done":
            self.bar.setValue(1000)
        stopped = {"cancelled": "Cancelled", "failed": "Failed"}.get(task.state)
        # A stopped bar is muted, not left "in progress" — but its words stay readable (a
        # disabled bar wrote "Cancelled at 41%" grey on grey).
        self.bar.setProperty("stopped", stopped is not None)
        self.bar.style().unpolish(self.bar)
        self.bar.style().polish(self.bar)
        self.bar.setFormat(f"{stopped} at %p%" if stopped else "%p%")
        running = task.state in ("queued", "running")
        self.cancel_button.setVisible(running)
        self.open_button.setVisible(task.state == "done")
        self.overwrite_button.setVisible(task.state == "failed" and task.conflict)
        self.retry_button.setVisible(stopped is not None and not task.conflict)
        if task.state == "running":
            self.status.setText(describe_progress(progress))
        elif task.state == "queued":
            self.status.setText("Queued…")
        else:
            self.status.setText(task.message)
        self.setProperty("state", task.state)
        self.style().unpolish(self)
        self.style().polish(self)


class DownloadsDialog(QDialog):
    """Every download of this session; not modal."""

    def __init__(self, manager: DownloadManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Downloads")
        self.setModal(False)
        fit_size(self, QSize(620, 360))
        self.manager = manager
        self.rows: dict[int, _TaskRow] = {}
        body = QWidget()
        self._list = QVBoxLayout(body)
        self._list.setContentsMargins(8, 8, 8, 8)
        self._list.addStretch(1)
        area = QScrollArea()
        area.setWidgetResizable(True)
        area.setWidget(body)
        layout = QVBoxLayout(self)
        layout.addWidget(area)
        self.clear_button = QPushButton("Clear finished")
        self.clear_button.setToolTip("Remove the downloads that are over from this list")
        self.clear_button.clicked.connect(self.clear_finished)
        footer = QHBoxLayout()
        footer.addStretch(1)
        footer.addWidget(self.clear_button)
        layout.addLayout(footer)
        manager.changed.connect(self._changed)
        for task in manager.tasks:
            self._changed(task)

    def clear_finished(self) -> None:
        """Drop the rows of downloads that are over (the files stay, of course)."""
        for task in self.manager.clear_finished():
            row = self.rows.pop(task.id, None)
            if row is not None:
                self._list.removeWidget(row)
                row.deleteLater()

    def _changed(self, task: object) -> None:
        assert isinstance(task, DownloadTask)
        row = self.rows.get(task.id)
        if row is None:
            row = _TaskRow(task, self.manager)
            self.rows[task.id] = row
            self._list.insertWidget(0, row)
        row.update_from_task()
