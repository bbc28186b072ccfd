"""Start the desktop app: show the window first, import MLflow only afterwards (in workers)."""

from __future__ import annotations

import logging
import os
import sys

from PySide6.QtWidgets import QApplication

from modelyard import APP_ID, APP_NAME, __version__
from modelyard.resources import read_text


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
    from modelyard.ui import icons

    app.setWindowIcon(icons.app_icon())
    app.setStyle("Fusion")
    app.setStyleSheet(read_text("style.qss"))
    return app


def run_gui(demo: bool = False, reset_demo: bool = False) -> int:
    """Run the app until its window closes; returns the exit code."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app = create_app()
    from modelyard.ui.main_window import MainWindow

    window = MainWindow()
    window.show()
    if demo:
        window.prepare_demo(reset=reset_demo)
    code = app.exec()
    window.shutdown()
    return int(code)
