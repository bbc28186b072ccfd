"""The status bar's "still waiting for <host> (12 s) · Cancel": a write past its first-byte limit
is waited for, visibly, and can be given up on (the change may still be made: the view reads
the registry again)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from modelyard.ui.common.theme import set_tone
from modelyard.ui.common.workers import Job, WorkerPool


class WaitIndicator(QWidget):
    """Shows the longest-waiting job of ``workers`` whose write is slow.

    Signals:
        given_up(): the user stopped waiting; what is shown must be read again.
    """

    given_up = Signal()

    def __init__(self, workers: WorkerPool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("waitIndicator")
        self.label = QLabel()
        self.label.setObjectName("waitText")
        set_tone(self.label, "muted")
        self.cancel = QPushButton("Cancel")
        self.cancel.setObjectName("waitCancel")
        self.cancel.setToolTip(
            "Stop waiting for this answer. The server may still make the change: the view is "
            "read again from the registry."
        )
        self.cancel.clicked.connect(self._give_up)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.cancel)
        self.jobs: dict[int, tuple[Job[object], str, float]] = {}  # job id -> (job, host, s)
        workers.waiting.connect(self._waiting)
        self.setVisible(False)

    def _waiting(self, job: Job[object], host: str, seconds: float) -> None:
        if seconds < 0:
            self.jobs.pop(job.id, None)
        else:
            self.jobs[job.id] = (job, host, seconds)
        self._show()

    def _show(self) -> None:
        if not self.jobs:
            self.setVisible(False)
            return
        _job, host, seconds = max(self.jobs.values(), key=lambda entry: entry[2])
        more = len(self.jobs) - 1
        others = f" and {more} more" if more else ""
        what = (_job.description or "an answer").rstrip(".")
        self.label.setText(f"Still waiting for {host} ({seconds:.0f} s){others}: {what}")
        self.label.setToolTip(
            f"{host} accepted the request and has not answered yet. A slow server is waited "
            "for up to the profile's write limit; the change is checked afterwards."
        )
        self.setVisible(True)

    def _give_up(self) -> None:
        for job, _host, _seconds in self.jobs.values():
            job.cancel()
        self.jobs.clear()
        self._show()
        self.given_up.emit()
