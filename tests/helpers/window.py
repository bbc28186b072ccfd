"""Shared by tests: moved from test_details_pane.py."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from modelyard.core.profiles.profile import ProfileStore
from modelyard.ui.shell.app import create_app
from modelyard.ui.shell.main_window import MainWindow
from modelyard.ui.tree.tree_model import NodeKind
from modelyard.ui.tree.tree_panel import choose_row
from tests.helpers.values import some


def open_window(qtbot: QtBot, store: ProfileStore) -> MainWindow:
    create_app()
    window = MainWindow(store)
    window.resize(1400, 860)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.profiles_loaded, timeout=30_000)  # read on a worker
    return window


def select_model(qtbot: QtBot, window: MainWindow, profile: str, model: str) -> None:
    window.open_profile(profile)
    tm = window.tree_model
    root = tm.profile_index(profile)
    qtbot.waitUntil(lambda: tm.node(root).load.all_fetched, timeout=60_000)
    row = next(r for r in range(tm.rowCount(root)) if tm.index(r, 0, root).data() == model)
    index = window.proxy.mapFromSource(tm.index(row, 0, root))
    choose_row(window.tree, index)
    window.tree.expand(index)
    qtbot.waitUntil(lambda: tm.node(tm.index(row, 0, root)).load.all_fetched, timeout=60_000)
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)


def select_version(qtbot: QtBot, window: MainWindow, version: str, wait: bool = True) -> None:
    model_index = window.tree.currentIndex()
    if window.details.current is not None and window.details.current.kind is NodeKind.VERSION:
        model_index = model_index.parent()
    proxy = window.proxy
    row = next(
        r
        for r in range(proxy.rowCount(model_index))
        if proxy.index(r, 0, model_index).data() == f"v{version}"
    )
    choose_row(window.tree, proxy.index(row, 0, model_index))
    if wait:
        qtbot.waitUntil(window.workers.is_idle, timeout=60_000)


def artifact_names(window: MainWindow) -> list[str]:
    tree = window.details.version_view.artifacts.tree
    return [some(tree.topLevelItem(i)).text(0) for i in range(tree.topLevelItemCount())]
