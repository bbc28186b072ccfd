"""Waiting for something another process does (a file it writes, a port it opens), where there
is no signal to wait on: the condition is polled until it holds or the deadline passes."""

from __future__ import annotations

import time
from collections.abc import Callable


def poll_until(check: Callable[[], bool], timeout: float = 60.0, what: str = "") -> None:
    """Return as soon as ``check()`` holds; AssertionError naming ``what`` past ``timeout``."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what or check}")
        time.sleep(0.01)
