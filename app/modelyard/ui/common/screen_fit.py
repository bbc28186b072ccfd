"""Every window fits the screen it opens on.

A default size chosen on a large screen (the main window's 1360×840, the comparison's 1100 px)
put the right pane, the status bar and the dialog buttons off a 1024×700 screen, and a geometry
restored from a larger monitor did the same. Windows are sized to at most the screen's
available area (less a margin) and moved inside it.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QWidget

MARGIN = 0.94  # of the available area: room for the frame and the window manager's panels
DECORATION = QSize(8, 40)  # a window manager's frame, until the real one is known


def _screen(widget: QWidget) -> QScreen | None:
    parent = widget.parentWidget()
    if parent is not None and parent.isVisible():
        return parent.screen()
    return widget.screen() or QGuiApplication.primaryScreen()


def fitted(preferred: QSize, available: QRect, margin: float = MARGIN) -> QSize:
    """``preferred``, shrunk to fit ``available`` (less the margin)."""
    return QSize(
        min(preferred.width(), int(available.width() * margin)),
        min(preferred.height(), int(available.height() * margin)),
    )


def fit_size(widget: QWidget, preferred: QSize) -> None:
    """Resize ``widget`` to ``preferred`` or less, so that it fits its screen."""
    screen = _screen(widget)
    if screen is None:
        widget.resize(preferred)
        return
    widget.resize(fitted(preferred, screen.availableGeometry()))


def keep_on_screen(widget: QWidget) -> None:
    """Shrink and move a (restored) window so that all of it is on its screen."""
    screen = _screen(widget)
    if screen is None:
        return
    area = screen.availableGeometry()
    # The window manager's frame counts (title bar, borders); before the window is decorated
    # its size is not known yet: a usual one is assumed.
    frame, inner = widget.frameGeometry(), widget.geometry()
    extra = QSize(frame.width() - inner.width(), frame.height() - inner.height())
    if extra.width() <= 0 and extra.height() <= 0:
        extra = DECORATION
    room = QRect(area.topLeft(), area.size() - extra)
    size = fitted(widget.size(), room, margin=1.0)  # a size the user chose that fits stays
    if size != widget.size():
        widget.resize(size)
    frame = widget.frameGeometry()
    x = min(max(frame.x(), area.x()), area.x() + max(0, area.width() - frame.width()))
    y = min(max(frame.y(), area.y()), area.y() + max(0, area.height() - frame.height()))
    if QPoint(x, y) != frame.topLeft():
        widget.move(x, y)
