"""The crash handler: an uncaught exception on the GUI thread, in any thread, or a Qt critical
message is logged (redacted) and shown in a dialog with a copyable report; the app keeps running
where it safely can.

Install once with :func:`install` after the QApplication exists.
"""

from __future__ import annotations

import logging
import sys
import threading
from types import TracebackType

from PySide6.QtCore import QObject, QtMsgType, QUrl, Signal, qInstallMessageHandler
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from modelyard.core.runtime.logs import crash_report, log_dir

log = logging.getLogger("modelyard.crash")


class CrashHandler(QObject):
    """Collects crashes from every thread and shows them on the GUI thread.

    Signals:
        crashed(str): a redacted crash report (emitted from any thread, shown on the GUI one).
    """

    crashed = Signal(str)

    def __init__(self, parent: QObject | None = None, show: bool = True) -> None:
        super().__init__(parent)
        self.show = show
        self.reports: list[str] = []
        self.dialog: QMessageBox | None = None
        self.crashed.connect(self._show)
        self._previous: tuple[object, object] = (sys.excepthook, threading.excepthook)

    def install(self) -> None:
        """Take over sys.excepthook, threading.excepthook and Qt's message handler."""
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_excepthook
        qInstallMessageHandler(self._qt_message)

    def uninstall(self) -> None:
        """Give the hooks back (tests)."""
        sys.excepthook, threading.excepthook = self._previous  # type: ignore[assignment]
        qInstallMessageHandler(None)

    def handle(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
        where: str = "",
    ) -> str:
        """Log and show one crash; returns its report."""
        report = crash_report(exc_type, exc, tb, where)
        log.error("uncaught exception\n%s", report)
        self.reports.append(report)
        self.crashed.emit(report)
        return report

    def _excepthook(
        self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            QApplication.quit()
            return
        self.handle(exc_type, exc, tb, "the window (GUI thread)")

    def _thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit or args.exc_value is None:
            return
        name = args.thread.name if args.thread is not None else "a thread"
        self.handle(args.exc_type, args.exc_value, args.exc_traceback, f"thread {name}")

    def _qt_message(self, kind: QtMsgType, _context: object, message: str) -> None:
        level = {
            QtMsgType.QtDebugMsg: logging.DEBUG,
            QtMsgType.QtInfoMsg: logging.INFO,
            QtMsgType.QtWarningMsg: logging.WARNING,
        }.get(kind, logging.ERROR)
        logging.getLogger("qt").log(level, "%s", message)

    def _show(self, report: str) -> None:
        if not self.show:
            return
        parent = QApplication.activeWindow()
        dialog = crash_dialog(report, parent)
        self.dialog = dialog
        dialog.open()


def crash_dialog(report: str, parent: QWidget | None = None) -> QMessageBox:
    """The dialog: what happened in words, the report to copy, the log folder."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle("Modelyard hit an unexpected error")
    box.setText(
        "Something went wrong inside Modelyard. The window keeps running; what you were doing "
        "may not have finished. Nothing was sent anywhere."
    )
    box.setInformativeText(
        "The report below has no passwords or tokens in it. Copy it into a bug report."
    )
    box.setDetailedText(report)
    copy = box.addButton("Copy report", QMessageBox.ButtonRole.ActionRole)
    folder = box.addButton("Open log folder", QMessageBox.ButtonRole.ActionRole)
    box.addButton(QMessageBox.StandardButton.Close)
    copy.clicked.disconnect()
    copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(report))
    folder.clicked.disconnect()
    folder.clicked.connect(open_log_folder)
    return box


def offer_last_fault(fault: str, parent: QWidget | None = None) -> QMessageBox:
    """The last run ended in a fatal fault (faulthandler wrote it): say so once, with the
    report to copy. Not modal: the window is usable at once."""
    from modelyard import __version__
    from modelyard.core.runtime.logs import versions

    report = f"Modelyard {__version__}\n{versions()}\n\n{fault}"
    box = QMessageBox(parent)
    box.setObjectName("lastFault")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Modelyard stopped unexpectedly last time")
    box.setText(
        "The last time Modelyard ran, it stopped without closing (a fatal error inside Qt or "
        "Python). What each thread was doing was kept; nothing was sent anywhere."
    )
    box.setInformativeText("Copy the report into a bug report, or close this.")
    box.setDetailedText(report)
    copy = box.addButton("Copy report", QMessageBox.ButtonRole.ActionRole)
    copy.clicked.disconnect()
    copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(report))
    box.addButton(QMessageBox.StandardButton.Close)
    box.setModal(False)
    box.show()
    return box


def open_log_folder() -> None:
    """Show the log folder in the desktop's file manager."""
    folder = log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


def install(parent: QObject | None = None) -> CrashHandler:
    """Install the crash handler for this process."""
    handler = CrashHandler(parent)
    handler.install()
    return handler
