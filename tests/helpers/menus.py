"""Shared by tests: open the tree's context menu by key, and grab a window with its menus."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QPainter, QPixmap
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from modelyard.ui.shell.main_window import MainWindow


def grab_with_popups(window: MainWindow, *menus: QMenu) -> QPixmap:
    """The window with its open menus painted where they are (a grab leaves popups out)."""
    shot = window.grab()
    painter = QPainter(shot)
    origin = window.mapToGlobal(QPoint(0, 0))
    for menu in menus:
        if menu.isVisible():
            painter.drawPixmap(menu.pos() - origin, menu.grab())
    painter.end()
    return shot


def open_menu_by_key(qtbot: QtBot, window: MainWindow) -> QMenu:
    window.tree.setFocus()
    QTest.keyClick(window.tree, Qt.Key.Key_Menu)
    menu = window.tree_menus.menu
    assert menu is not None and menu.isVisible()
    return menu


def submenu(action: QAction | None) -> QMenu:
    """The menu an item opens (an AssertionError if the item is missing or opens none)."""
    assert action is not None, "no such item"
    opened = action.menu()
    assert isinstance(opened, QMenu), f"{action.text()!r} opens no menu"
    return opened


def item(menu: QMenu, text: str) -> QAction:
    """The item of ``menu`` labelled ``text``."""
    found = next((a for a in menu.actions() if a.text() == text), None)
    assert found is not None, f"{text!r} not in {[a.text() for a in menu.actions()]}"
    return found


def submenu_of(menu: QMenu, text: str) -> QMenu:
    """The menu that the item ``text`` of ``menu`` opens."""
    return submenu(item(menu, text))
