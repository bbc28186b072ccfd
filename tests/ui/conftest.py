"""Qt test fixtures: every test must leave no worker, thread-pool task or timer running."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QThreadPool, QTimer
from PySide6.QtWidgets import QApplication

from modelyard.core.profiles import ProfileStore
from modelyard.core.session import Connections
from modelyard.ui.workers import WorkerPool


@pytest.fixture(autouse=True)
def no_leftover_background_work(qapp: QApplication) -> Iterator[None]:
    yield
    QApplication.processEvents()
    busy = [pool for pool in WorkerPool.live_pools() if not pool.is_idle()]
    for pool in busy:
        pool.shutdown()
    assert not busy, "the test left worker jobs running"
    assert QThreadPool.globalInstance().activeThreadCount() == 0
    running = [
        timer.objectName() or repr(timer)
        for widget in QApplication.topLevelWidgets()
        if widget.isVisible()
        for timer in widget.findChildren(QTimer)
        if timer.isActive()
    ]
    assert not running, f"the test left timers running: {running}"


@pytest.fixture()
def connections() -> Iterator[Connections]:
    conns = Connections()
    yield conns
    conns.close_all()


@pytest.fixture()
def workers(qapp: QApplication) -> Iterator[WorkerPool]:
    pool = WorkerPool()
    yield pool
    pool.shutdown()
    pool.deleteLater()


@pytest.fixture()
def store() -> ProfileStore:
    return ProfileStore()
