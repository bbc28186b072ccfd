"""Light or dark: the app follows the system's colour scheme (Qt 6 style hints)."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from modelyard.assets import read_text, resource_path


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


# Colours that delegates and item views paint themselves (style sheets cannot reach them), per
# scheme, each readable (WCAG AA, 4.5:1) on the scheme's window and view backgrounds: a test
# checks every one, and every colour pair of both style sheets.
TONES: dict[str, dict[str, str]] = {
    "light": {
        "news": "#1d4ed8",  # changed since you last looked
        "error": "#b91c1c",
        "warning": "#a34b07",
        "muted": "#52606d",
        "better": "#13733a",
        "worse": "#b91c1c",
    },
    "dark": {
        "news": "#93c5fd",
        "error": "#f87171",
        "warning": "#fbbf24",
        "muted": "#94a3b8",
        "better": "#4ade80",
        "worse": "#f87171",
    },
}


# The stage written as text in the tree and tables (badges keep the stage colours behind
# white text): Archived is muted, never faint.
STAGE_TEXT: dict[str, dict[str, str]] = {
    "light": {
        "None": "#52606d",
        "Staging": "#a34b07",
        "Production": "#13733a",
        "Archived": "#56657a",
    },
    "dark": {
        "None": "#94a3b8",
        "Staging": "#fbbf24",
        "Production": "#4ade80",
        "Archived": "#94a3b8",
    },
}


def stage_text_color(stage: str) -> QColor:
    """The text colour of a stage's name in the scheme shown now."""
    return QColor(STAGE_TEXT["dark" if is_dark() else "light"].get(stage, "#64748b"))


def tone_color(tone: str) -> QColor:
    """A delegate's colour for ``tone`` in the scheme shown now."""
    return QColor(TONES["dark" if is_dark() else "light"][tone])


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
        # Fusion draws frames, tab borders and check box outlines from these: left at their
        # light defaults they showed white borders and unticked boxes vanished (#23.9).
        QPalette.ColorRole.Light: "#475569",
        QPalette.ColorRole.Midlight: "#334155",
        QPalette.ColorRole.Mid: "#64748b",
        QPalette.ColorRole.Dark: "#0b1220",
        QPalette.ColorRole.Shadow: "#020617",
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
    icons = resource_path("icons").as_posix()  # the sheets' images, wherever installed
    sheet = read_text("style.qss")
    if is_dark():
        app.setPalette(dark_palette())
        sheet += read_text("style-dark.qss")
    else:
        app.setPalette(app.style().standardPalette())
    app.setStyleSheet(sheet.replace("@ICONS@", icons))


def follow_scheme(app: QApplication) -> None:
    """Re-apply the theme whenever the system switches between light and dark (once per app)."""
    if app.property("modelyardFollowsScheme"):
        return
    app.setProperty("modelyardFollowsScheme", True)
    QGuiApplication.styleHints().colorSchemeChanged.connect(lambda _scheme: apply_theme(app))
