"""A window for one locally served model: its URL, a live log, and Stop."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QFont, QGuiApplication, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from modelyard.core.actions.serve import LocalServer
from modelyard.ui.common.screen_fit import fit_size

EXAMPLE = (
    'curl -s {url}/invocations -H "Content-Type: application/json" '
    '-d \'{{"dataframe_split": {{"columns": [...], "data": [[...]]}}}}\''
)


class ServeDialog(QDialog):
    """Shows a LocalServer; Stop ends its process (closing the window does not)."""

    def __init__(self, title: str, server: LocalServer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.server = server
        self.stopped_by_user = False
        self.setWindowTitle(f"Serving {title}")
        self.setModal(False)
        fit_size(self, QSize(720, 420))
        layout = QVBoxLayout(self)
        self.url = QLabel(f"<b>{server.url}/invocations</b>")
        self.url.setTextFormat(Qt.TextFormat.RichText)
        copy = QPushButton("Copy curl example")
        copy.clicked.connect(
            lambda: QGuiApplication.clipboard().setText(EXAMPLE.format(url=server.url))
        )
        top = QHBoxLayout()
        top.addWidget(self.url, 1)
        top.addWidget(copy)
        layout.addLayout(top)
        self.state = QLabel()
        layout.addWidget(self.state)
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setFont(QFont("monospace"))
        layout.addWidget(self.log, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.stop_button = QPushButton("Stop server")
        self.stop_button.clicked.connect(self.stop)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self._timer = QTimer(self)
        self._timer.setInterval(500)
        self._timer.timeout.connect(self.refresh)
        self._shown_lines = 0
        self.refresh()

    def showEvent(self, event: QShowEvent) -> None:  # overrides QWidget.showEvent
        """Refresh the log while visible."""
        self._timer.start()
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:  # overrides QWidget.hideEvent
        """No refreshing while hidden."""
        self._timer.stop()
        super().hideEvent(event)

    def refresh(self) -> None:
        """Append new log lines and show the process state."""
        lines = list(self.server.log)
        if len(lines) != self._shown_lines:
            self.log.setPlainText("\n".join(lines))
            self.log.verticalScrollBar().setValue(self.log.verticalScrollBar().maximum())
            self._shown_lines = len(lines)
        running = self.server.is_running
        code = self.server.exit_code
        if running:
            state = "Running on 127.0.0.1 (this machine only)."
        elif self.stopped_by_user:
            state = "Stopped."
        elif code == 0:
            state = "The server ended."
        else:
            state = f"The server stopped by itself (exit code {code}): see its log above."
        self.state.setText(state)
        self.stop_button.setEnabled(running)

    def stop(self) -> None:
        """Stop the server process."""
        self.stopped_by_user = True
        self.server.stop()
        self.refresh()
