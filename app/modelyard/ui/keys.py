"""Keyboard conventions shared by the views."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent


def opens_menu(event: QKeyEvent) -> bool:
    """The Menu key or Shift+F10: open the context menu of what has focus."""
    if event.key() == Qt.Key.Key_Menu:
        return True
    return (
        event.key() == Qt.Key.Key_F10
        and event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        == Qt.KeyboardModifier.ShiftModifier
    )
