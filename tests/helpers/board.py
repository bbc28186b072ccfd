"""Shared by tests: moved from test_promote_board.py."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPointF, Qt
from PySide6.QtGui import QDropEvent
from pytestqt.qtbot import QtBot

from modelyard.core.profiles.profile import ProfileStore
from modelyard.ui.board.lanes import Lane
from modelyard.ui.shell.main_window import MainWindow
from tests.helpers.registry import admin_store, create_version, ensure_model
from tests.helpers.window import open_window, select_model
from tests.support.servers import MlflowServer


def fresh_model(server: MlflowServer, name: str, versions: int = 3) -> None:
    ensure_model(admin_store(server), name)
    for _ in range(versions - len(admin_store(server).search_model_versions(f"name='{name}'"))):
        create_version(server, name)


def drop(lane: Lane, mime: QMimeData) -> None:
    """A synthetic drop (offscreen Qt ignores real drags): the same handler a real one calls."""
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    lane.dropEvent(event)


def tree_mime(window: MainWindow, version: str) -> QMimeData:
    model_index = window.tree.currentIndex()
    proxy = window.proxy
    row = next(
        r
        for r in range(proxy.rowCount(model_index))
        if proxy.index(r, 0, model_index).data() == f"v{version}"
    )
    source = proxy.mapToSource(proxy.index(row, 0, model_index))
    return window.tree_model.mimeData([source])


def lane_versions(lane: Lane) -> list[str]:
    return [str(lane.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(lane.count())]


def open_board(qtbot: QtBot, store: ProfileStore, profile: str, model: str) -> MainWindow:
    window = open_window(qtbot, store)
    select_model(qtbot, window, profile, model)
    window.details.model_view.tabs.setCurrentWidget(window.details.model_view.board)
    return window
