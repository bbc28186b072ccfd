"""Qt test fixtures: every test must leave no worker, thread-pool task or timer running."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QThreadPool, QTimer
from PySide6.QtWidgets import QApplication

from modelyard.core.profiles.profile import ProfileStore
from modelyard.core.session import Connections
from modelyard.ui.common.workers import WorkerPool
from tests.support.memory_keyring import MemoryKeyring


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


@pytest.fixture(autouse=True)
def keyring_off_the_gui_thread(isolated_user: MemoryKeyring) -> Iterator[MemoryKeyring]:
    """The app's keyring calls must be off the GUI thread (a real keyring can block for
    seconds): here the in-memory keyring refuses any made there by ui code."""
    isolated_user.refuse_gui_thread = True
    yield isolated_user
    isolated_user.refuse_gui_thread = False
    assert not isolated_user.gui_thread_calls, isolated_user.gui_thread_calls


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


@pytest.fixture(autouse=True)
def waits_scale_with_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """A wait's limit grows with the machine's load (the load per core, at least 1, and
    MODELYARD_WAIT_SCALE if set): on a loaded CI machine the same GUI work takes longer, and a
    limit sized for a quiet one fails tests that are only slow."""
    import os

    from pytestqt.qtbot import QtBot

    from tests.support.servers import machine_scale

    floor = float(os.environ.get("MODELYARD_WAIT_SCALE", "1") or 1)
    wait_until, wait_signal = QtBot.waitUntil, QtBot.waitSignal

    def scaled(timeout: int) -> int:
        return int(timeout * max(floor, machine_scale()))

    def until(self: QtBot, callback: object, *, timeout: int = 5000) -> None:
        wait_until(self, callback, timeout=scaled(timeout))  # type: ignore[arg-type]

    def signal(
        self: QtBot, signal: object = None, *, timeout: int = 5000, **rest: object
    ) -> object:
        return wait_signal(self, signal, timeout=scaled(timeout), **rest)  # type: ignore[arg-type]

    monkeypatch.setattr(QtBot, "waitUntil", until)
    monkeypatch.setattr(QtBot, "waitSignal", signal)
