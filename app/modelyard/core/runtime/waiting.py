"""Slow is not dead: a call past its first-byte limit is waited for, visibly.

A write (or any call told to be patient) waits for its answer up to the profile's longer write
limit instead of failing at the first-byte limit: a server that is slow but alive — a basic-auth
server hashing passwords under load, a database lock — answers in 10–15 s and the change is
made. While it waits, whoever started the work is told, once the first-byte limit has passed
and then every second: the GUI shows "still waiting for <host> (12 s) · Cancel", the CLI a line
on stderr. Who listens is set per thread of work with :func:`reporting_waits`; no Qt here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar

WaitReporter = Callable[[str, float], None]  # (host, seconds waited so far; -1: it answered)

_REPORTER: ContextVar[WaitReporter | None] = ContextVar("modelyard_wait_reporter", default=None)
TICK_S = 1.0


@contextmanager
def reporting_waits(reporter: WaitReporter | None) -> Iterator[None]:
    """Calls made inside report their long waits to ``reporter`` (on a helper thread)."""
    token = _REPORTER.set(reporter)
    try:
        yield
    finally:
        _REPORTER.reset(token)


@contextmanager
def watched(host: str, after_s: float) -> Iterator[None]:
    """The call made inside is watched: once it has waited ``after_s`` without finishing, the
    current reporter is told how long it has waited, every second, and told -1 at the end."""
    reporter = _REPORTER.get()
    if reporter is None:
        yield
        return
    done = threading.Event()
    started = time.monotonic()
    told = threading.Event()

    def watch() -> None:
        if done.wait(after_s):
            return
        while not done.is_set():
            told.set()
            try:
                reporter(host, time.monotonic() - started)
            except Exception:  # a listener's fault never breaks the call
                return
            done.wait(TICK_S)

    thread = threading.Thread(target=watch, name="modelyard-wait", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join(timeout=2)
        if told.is_set():
            with suppress(Exception):  # the same: a listener's fault never breaks the call
                reporter(host, -1.0)
