"""Light or dark: the app follows the system's colour scheme (Qt 6 style hints)."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from modelyard.assets import read_text


def is_dark() -> bool:
    """Whether the dark scheme applies: MODELYARD_THEME=dark|light wins, else the system's."""
    chosen = os.environ.get("MODELYARD_THEME", "").strip().lower()
    if chosen in ("dark", "light"):
        return chosen == "dark"
    if QGuiApplication.instance() is None:
        return False
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def set_tone(label: QWidget, tone: str) -> None:
    """Colour a label by meaning ("muted", "error" or "" for plain): the style sheets of both
    schemes say which colour, so text stays readable in light and dark."""
    if label.property("tone") == tone:
        return
    label.setProperty("tone", tone)
    label.style().unpolish(label)
    label.style().polish(label)


def dark_palette() -> QPalette:
    """Fusion's palette in the dark scheme's colours."""
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#0f172a",
        QPalette.ColorRole.WindowText: "#e2e8f0",
        QPalette.ColorRole.Base: "#111827",
        QPalette.ColorRole.AlternateBase: "#0f172a",
        QPalette.ColorRole.ToolTipBase: "#1e293b",
        QPalette.ColorRole.ToolTipText: "#e2e8f0",
        QPalette.ColorRole.Text: "#e2e8f0",
        QPalette.ColorRole.Button: "#1e293b",
        QPalette.ColorRole.ButtonText: "#e2e8f0",
        QPalette.ColorRole.BrightText: "#f87171",
        QPalette.ColorRole.Highlight: "#2563eb",
        QPalette.ColorRole.HighlightedText: "#f8fafc",
        QPalette.ColorRole.Link: "#93c5fd",
        QPalette.ColorRole.PlaceholderText: "#64748b",
    }
    for role, color in roles.items():
        palette.setColor(role, QColor(color))
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
        QPalette.ColorRole.WindowText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#64748b"))
    return palette


def apply_theme(app: QApplication) -> None:
    """Light or dark palette and style sheet, as the scheme says now."""
    if is_dark():
        app.setPalette(dark_palette())
        app.setStyleSheet(read_text("style.qss") + read_text("style-dark.qss"))
    else:
        app.setPalette(app.style().standardPalette())
        app.setStyleSheet(read_text("style.qss"))


def follow_scheme(app: QApplication) -> None:
    """Re-apply the theme whenever the system switches between light and dark (once per app)."""
    if app.property("modelyardFollowsScheme"):
        return
    app.setProperty("modelyardFollowsScheme", True)
    QGuiApplication.styleHints().colorSchemeChanged.connect(lambda _scheme: apply_theme(app))
