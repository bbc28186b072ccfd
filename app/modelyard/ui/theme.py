"""Light or dark: the app follows the system's colour scheme (Qt 6 style hints)."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication


def is_dark() -> bool:
    """Whether the dark scheme applies: MODELYARD_THEME=dark|light wins, else the system's."""
    chosen = os.environ.get("MODELYARD_THEME", "").strip().lower()
    if chosen in ("dark", "light"):
        return chosen == "dark"
    if QGuiApplication.instance() is None:
        return False
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark
