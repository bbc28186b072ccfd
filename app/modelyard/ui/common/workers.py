"""The one way the GUI runs core calls off the GUI thread.

``WorkerPool.submit(fn, on_done, on_error)`` runs ``fn(token)`` on a QThreadPool thread and
delivers the result on the GUI thread through queued signals. Work for one registry goes on
that profile's own bounded lane (``lane=profile.id``): a slow or hung registry fills only its
own lane and never delays another's rows. Each submission is a ``Job`` with a
request id and a cancel token: a job cancelled before its result arrives (a newer request made
it stale, the view closed) has its result dropped, never delivered.
"""

from __future__ import annotations

import itertools
import logging
import threading
import traceback
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

from modelyard.core.model.errors import Cancelled, ErrorKind, ModelyardError
from modelyard.core.runtime.logs import redact
from modelyard.core.runtime.waiting import reporting_waits

log = logging.getLogger(__name__)
T = TypeVar("T")


class CancelToken:
    """Set by the GUI, read by the work: long work checks ``cancelled`` between steps."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._report: Callable[[object], None] | None = None

    def report(self, value: object) -> None:
        """Send a progress value to the GUI thread (the job's on_progress callback)."""
        if self._report is not None and not self._event.is_set():
            self._report(value)

    def cancel(self) -> None:
        """Ask the work to stop; its result will be dropped."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        """Whether cancel() was called."""
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        """Raise Cancelled when cancel() was called."""
        if self._event.is_set():
            raise Cancelled()


@dataclass(eq=False)
class Job(Generic[T]):
    """A submitted piece of work."""

    id: int
    token: CancelToken = field(default_factory=CancelToken)
    description: str = ""

    def cancel(self) -> None:
        """Drop this job's result (and ask the work to stop)."""
        self.token.cancel()

    @property
    def cancelled(self) -> bool:
        """Whether the job was cancelled."""
        return self.token.cancelled


class _Bridge(QObject):
    """Carries results from pool threads to the GUI thread.

    Signals:
        finished(int, object): job id and result.
        failed(int, object): job id and ModelyardError.
        progress(int, object): job id and a progress value.
        waiting(int, str, float): job id, host, seconds its write has waited (-1: answered).
    """

    finished = Signal(int, object)
    failed = Signal(int, object)
    progress = Signal(int, object)
    waiting = Signal(int, str, float)


class _Task(QRunnable):
    def __init__(
        self, job_id: int, fn: Callable[[CancelToken], Any], token: CancelToken, bridge: _Bridge
    ) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._job_id = job_id
        self._fn = fn
        self._token = token
        self._bridge = bridge
        token._report = lambda value: bridge.progress.emit(job_id, value)

    def run(self) -> None:  # overrides QRunnable.run
        job_id, bridge = self._job_id, self._bridge
        try:
            self._token.raise_if_cancelled()
            with reporting_waits(lambda host, s: bridge.waiting.emit(job_id, host, s)):
                result = self._fn(self._token)
        except ModelyardError as exc:
            exc.message = redact(exc.message)  # no secret reaches the window
            exc.args = (exc.message,)
            self._bridge.failed.emit(self._job_id, exc)
        except BaseException as exc:  # a bug (even SystemExit) never ends the app
            log.error("worker job %s crashed:\n%s", self._job_id, traceback.format_exc())
            self._bridge.failed.emit(
                self._job_id,
                ModelyardError(
                    redact(f"Unexpected error: {type(exc).__name__}: {exc} (details in the log)"),
                    ErrorKind.UNKNOWN,
                ),
            )
        else:
            self._bridge.finished.emit(self._job_id, result)


class WorkerPool(QObject):
    """Runs blocking core calls on its own QThreadPool; results arrive on the GUI thread.

    Signals:
        waiting(object, str, float): a job whose write is past its first-byte limit, its host
            and the seconds waited so far; -1 when it answered or the job ended.
        reached(str, object): a job that talked to a profile's registry ended: the profile id
            and None (it answered) or the ModelyardError (it could not be reached, or refused).
            One status per profile comes from the latest of these, whichever view asked.
    """

    waiting = Signal(object, str, float)
    reached = Signal(str, object)

    _pools: ClassVar[weakref.WeakSet[WorkerPool]] = weakref.WeakSet()

    LANE_THREADS = 3  # per registry: its tree listing, its details, one more

    def __init__(self, parent: QObject | None = None, max_threads: int = 6) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._lanes: dict[str, QThreadPool] = {}
        self.closed = False  # shut down: nothing new starts
        self._bridge = _Bridge()
        self._bridge.finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)
        self._bridge.failed.connect(self._on_failed, Qt.ConnectionType.QueuedConnection)
        self._bridge.progress.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        self._bridge.waiting.connect(self._on_waiting, Qt.ConnectionType.QueuedConnection)
        self._waiting: set[int] = set()
        self._talks_to: dict[int, str] = {}  # job id -> profile id its outcome speaks for
        self._progress: dict[int, Callable[[Any], None]] = {}
        self._ids = itertools.count(1)
        self._pending: dict[
            int, tuple[Job[Any], Callable[[Any], None], Callable[[ModelyardError], None] | None]
        ] = {}
        WorkerPool._pools.add(self)

    @classmethod
    def live_pools(cls) -> list[WorkerPool]:
        """Every pool still alive (tests check that all are idle at teardown)."""
        return [pool for pool in cls._pools if shiboken6.isValid(pool)]

    def submit(
        self,
        fn: Callable[[CancelToken], T],
        on_done: Callable[[T], None],
        on_error: Callable[[ModelyardError], None] | None = None,
        description: str = "",
        on_progress: Callable[[Any], None] | None = None,
        *,
        lane: str | None = None,
        talks_to: str | None = None,
    ) -> Job[T]:
        """Run ``fn(token)`` off the GUI thread; call on_done/on_error on the GUI thread.

        ``token.report(value)`` in ``fn`` calls ``on_progress(value)`` on the GUI thread.
        ``lane`` (a profile id) runs it on that registry's own bounded threads. ``talks_to``
        (a profile id; the lane's by default) is the registry whose reachability the outcome
        tells (``reached``): a job that talks to no registry leaves it out.
        """
        job: Job[T] = Job(next(self._ids), description=description)
        if self.closed:
            job.cancel()  # the window is closing: the work is dropped, never started
            return job
        self._pending[job.id] = (job, on_done, on_error)
        if talks_to or lane:
            self._talks_to[job.id] = str(talks_to or lane)
        if on_progress is not None:
            self._progress[job.id] = on_progress
        self._pool_for(lane).start(_Task(job.id, fn, job.token, self._bridge))
        return job

    def _pool_for(self, lane: str | None) -> QThreadPool:
        if lane is None:
            return self._pool
        pool = self._lanes.get(lane)
        if pool is None:
            pool = self._lanes[lane] = QThreadPool(self)
            pool.setMaxThreadCount(self.LANE_THREADS)
        return pool

    def _all_pools(self) -> list[QThreadPool]:
        return [self._pool, *self._lanes.values()]

    @property
    def pending(self) -> int:
        """Jobs submitted whose result has not been delivered (or dropped) yet."""
        return len(self._pending)

    def is_idle(self) -> bool:
        """No job pending and no thread busy."""
        return not self._pending and all(p.activeThreadCount() == 0 for p in self._all_pools())

    @Slot(int, object)
    def _on_progress(self, job_id: int, value: object) -> None:
        entry = self._pending.get(job_id)
        callback = self._progress.get(job_id)
        if entry is not None and callback is not None and not entry[0].cancelled:
            callback(value)

    @Slot(int, str, float)
    def _on_waiting(self, job_id: int, host: str, seconds: float) -> None:
        entry = self._pending.get(job_id)
        if entry is None:
            return
        if seconds < 0:
            self._waiting.discard(job_id)
        else:
            self._waiting.add(job_id)
        self.waiting.emit(entry[0], host, seconds)

    def _ended(self, job_id: int) -> None:
        """A job's wait (if any) is over."""
        if job_id in self._waiting:
            self._waiting.discard(job_id)
            entry = self._pending.get(job_id)
            if entry is not None:
                self.waiting.emit(entry[0], "", -1.0)

    @Slot(int, object)
    def _on_finished(self, job_id: int, result: object) -> None:
        self._ended(job_id)
        self._progress.pop(job_id, None)
        profile = self._talks_to.pop(job_id, None)
        entry = self._pending.pop(job_id, None)
        if entry is None or entry[0].cancelled:
            return
        if profile is not None:
            self.reached.emit(profile, None)
        entry[1](result)

    @Slot(int, object)
    def _on_failed(self, job_id: int, error: object) -> None:
        self._ended(job_id)
        self._progress.pop(job_id, None)
        profile = self._talks_to.pop(job_id, None)
        entry = self._pending.pop(job_id, None)
        if entry is None or entry[0].cancelled:
            return
        assert isinstance(error, ModelyardError)
        if profile is not None and error.kind is not ErrorKind.CANCELLED:
            self.reached.emit(profile, error)
        if entry[2] is not None:
            entry[2](error)
        else:
            log.warning("%s failed: %s", entry[0].description or f"job {job_id}", error)

    def cancel_all(self) -> None:
        """Cancel every pending job (their results are dropped)."""
        for job, _done, _error in self._pending.values():
            job.cancel()

    def shutdown(self, wait_ms: int = 30_000) -> bool:
        """Cancel everything and wait for running work to end; True when it did."""
        self.closed = True
        self.cancel_all()
        pools = self._all_pools()
        for pool in pools:
            pool.clear()
        done = all([pool.waitForDone(wait_ms) for pool in pools])
        self._pending.clear()
        self._progress.clear()
        self._talks_to.clear()
        return bool(done)
