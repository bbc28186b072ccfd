"""Icons: SVGs shipped in ``modelyard.resources`` plus small painted swatches, all cached."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from modelyard.assets import resource_path

LINE = "#334155"  # the line colour of the outline icons
LINE_ON_DARK = "#cbd5e1"


def icon(name: str) -> QIcon:
    """The icon ``resources/icons/<name>.svg`` (outline icons drawn light on a dark scheme)."""
    from modelyard.ui.common.theme import is_dark

    return _icon(name, is_dark())


@cache
def _icon(name: str, dark: bool) -> QIcon:
    path = resource_path("icons", f"{name}.svg")
    if not dark:
        return QIcon(str(path))
    svg = path.read_text(encoding="utf-8").replace(LINE, LINE_ON_DARK)
    renderer = QSvgRenderer(QByteArray(svg.encode()))
    result = QIcon()
    for size in (16, 24, 32, 48):
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        renderer.render(painter)
        painter.end()
        result.addPixmap(pixmap)
    return result


@cache
def app_icon() -> QIcon:
    """The application icon."""
    return QIcon(str(resource_path("modelyard.svg")))


def _painted(color: str, rounded: float, size: int = 14, inset: float = 2.0) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(color))
    painter.drawRoundedRect(
        QRectF(inset, inset, size - 2 * inset, size - 2 * inset), rounded, rounded
    )
    painter.end()
    return QIcon(pixmap)


@cache
def swatch(color: str) -> QIcon:
    """A rounded square of ``color`` (profile colours)."""
    return _painted(color, 3.0, inset=1.0)


@cache
def dot(color: str) -> QIcon:
    """A round dot of ``color`` (stages)."""
    return _painted(color, 5.0, size=12, inset=1.0)
