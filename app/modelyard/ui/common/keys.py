"""Keyboard conventions shared by the views."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QContextMenuEvent, QKeyEvent


def opens_menu(event: QKeyEvent) -> bool:
    """The Menu key or Shift+F10: open the context menu of what has focus."""
    if event.key() == Qt.Key.Key_Menu:
        return True
    return (
        event.key() == Qt.Key.Key_F10
        and event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        == Qt.KeyboardModifier.ShiftModifier
    )


def keyboard_menu_event(event: QEvent) -> bool:
    """A context-menu event that the window system made from a key (the Menu key on X11, Wayland
    and Windows), not from the mouse. Its position is not the current row's (on a scroll area
    it is in the frame's coordinates, not the viewport's, and so points at another row): a
    menu opened this way acts on the current item, never on the item at that position."""
    return (
        event.type() == QEvent.Type.ContextMenu
        and isinstance(event, QContextMenuEvent)
        and event.reason() != QContextMenuEvent.Reason.Mouse
    )
