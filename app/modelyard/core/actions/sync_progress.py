"""How far a running sync is, and pausing it: shared by the core's runner, the CLI and the
sync dialog."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


class Pause:
    """Pause and resume a running sync: while paused no version starts (those in flight
    finish: a copy is never stopped half-made except by Cancel, which removes it again)."""

    def __init__(self) -> None:
        self._running = threading.Event()
        self._running.set()
        self._lock = threading.Lock()
        self.waiting = 0  # lanes held now

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def hold(self, cancelled: Callable[[], bool]) -> None:
        """Return when running again, or at once once cancelled."""
        if self._running.is_set():
            return
        with self._lock:
            self.waiting += 1
        try:
            while not self._running.wait(0.2) and not cancelled():
                pass
        finally:
            with self._lock:
                self.waiting -= 1


@dataclass(frozen=True)
class SyncProgress:
    done: int  # versions finished (copied, there already, failed)
    total: int
    bytes_done: int  # the files of the versions copied so far
    current: tuple[str, ...]  # the versions being copied now ("model/version")
    started: float  # time.monotonic() at the start

    @property
    def seconds_left(self) -> float | None:
        """Time left at the rate so far (None until one version is done)."""
        if not self.done:
            return None
        spent = time.monotonic() - self.started
        return spent / self.done * (self.total - self.done)

    @property
    def bytes_per_second(self) -> float:
        """The files' rate so far."""
        return self.bytes_done / max(time.monotonic() - self.started, 1e-6)
