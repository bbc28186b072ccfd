"""Start the desktop app: show the window first, import MLflow only afterwards (in workers)."""

from __future__ import annotations

import logging
import os
import sys
import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

from modelyard import APP_ID, APP_NAME, __version__

SELFTEST_ENV = "MODELYARD_SELFTEST_SCREENSHOT"
SELFTEST_TIMEOUT_S = 180


class _SelfTest:
    """Packaging/e2e self-test: wait for the first registry to load, open its first model,
    select a version, save a screenshot of the whole screen and quit (exit code 0 on success)."""

    def __init__(self, window: QWidget, path: str) -> None:
        from modelyard.ui.shell.main_window import MainWindow

        assert isinstance(window, MainWindow)
        self.window = window
        self.path = path
        self.started = time.monotonic()
        self.timer = QTimer(window)
        self.timer.setInterval(100)
        self.timer.timeout.connect(self._tick)
        self.step = 0
        self.rows_after: float | None = None  # seconds from start to the first model rows
        try:
            self.t0: float | None = float(os.environ.get("MODELYARD_T0", ""))
        except ValueError:
            self.t0 = None
        if self.t0 is not None:
            shown = time.time() - self.t0
            print(
                f"self-test: window shown {shown:.2f} s after the process started", file=sys.stderr
            )

    def start(self) -> None:
        self.timer.start()

    def _finish(self, code: int, message: str) -> None:
        self.timer.stop()
        print(message, file=sys.stderr)
        QApplication.exit(code)

    def _tick(self) -> None:
        window = self.window
        model, proxy = window.tree_model, window.proxy
        if time.monotonic() - self.started > SELFTEST_TIMEOUT_S:
            self._finish(3, "self-test: timed out waiting for the registry")
            return
        if window.demo_error:
            self._finish(4, f"self-test: the demo registry failed: {window.demo_error}")
            return
        if model.rowCount() == 0:
            return
        profile = model.index(0, 0)
        node = model.node(profile)
        if node.load.error:
            self._finish(2, f"self-test: {node.load.error}")
            return
        if self.rows_after is None and node.children:  # a real model row, not "loading…"
            self.rows_after = time.monotonic() - self.started
            total = f" ({time.time() - self.t0:.2f} s after start)" if self.t0 is not None else ""
            print(
                f"self-test: first model rows {self.rows_after:.2f} s after the window{total}",
                file=sys.stderr,
            )
        if self.step == 0 and model.rowCount(profile) > 0 and node.load.all_fetched:
            first = proxy.mapFromSource(model.index(0, 0, profile))
            window.tree.expand(first)
            self.step = 1
        elif self.step == 1 and model.rowCount(model.index(0, 0, profile)) > 0:
            version = proxy.mapFromSource(model.index(0, 0, model.index(0, 0, profile)))
            window.tree.setCurrentIndex(version)
            self.step = 2
        elif self.step == 2 and window.workers.is_idle():
            screen = window.screen()
            screen.grabWindow(0).save(self.path)
            self._finish(0, f"self-test: screenshot saved to {self.path}")


def create_app(argv: list[str] | None = None) -> QApplication:
    """The QApplication with Modelyard's name, icon and style (or the existing one)."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        app = existing
    else:
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName(APP_ID)
    app.setDesktopFileName(APP_ID)
    from modelyard.ui.common import icons

    app.setWindowIcon(icons.app_icon())
    app.setStyle("Fusion")
    from modelyard.ui.common.theme import apply_theme, follow_scheme

    apply_theme(app)
    follow_scheme(app)
    return app


def run_gui(demo: bool = False, reset_demo: bool = False, debug: bool = False) -> int:
    """Run the app until its window closes; returns the exit code."""
    from modelyard.core.runtime.activity import set_tool
    from modelyard.core.runtime.logs import last_fault, setup_logging, versions, watch_faults

    set_tool("gui")
    log_file = setup_logging(debug=debug)
    fault = last_fault()  # before this run's faults go to the same file
    if log_file is not None:
        watch_faults(log_file.parent)
    app = create_app()
    from modelyard.ui.shell import crash

    handler = crash.install(app)
    logging.getLogger("modelyard.ui").info("started; log file %s; %s", log_file, versions())
    from modelyard.ui.shell.main_window import MainWindow

    window = MainWindow()
    window.show()
    if fault:
        crash.offer_last_fault(fault, window)
    if demo:
        window.prepare_demo(reset=reset_demo)
    screenshot = os.environ.get(SELFTEST_ENV)
    selftest = _SelfTest(window, screenshot) if screenshot else None
    if selftest is not None:
        selftest.start()
    code = app.exec()
    window.shutdown()
    handler.uninstall()
    return int(code)
