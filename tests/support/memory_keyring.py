"""An in-memory keyring backend for tests (priority -1: never chosen by keyring itself).

A real keyring (the Secret Service over D-Bus, a locked KWallet) can take seconds or pop up an
unlock prompt, so the app must never call it on the GUI thread. This one answers instantly —
so it checks instead: with ``refuse_gui_thread`` set (the UI tests set it), a call made on the
main thread by code of ``modelyard.ui`` is recorded in ``gui_thread_calls`` and refused with a
RuntimeError. A test's own setup calls (no ui frame on the stack) are served as usual.
"""

from __future__ import annotations

import sys
import threading
from pathlib import PurePath
from types import FrameType

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

UI_PACKAGE = ("modelyard", "ui")


def _ui_caller() -> str | None:
    """The innermost modelyard.ui function on this thread's stack, as "file:line", or None."""
    frame: FrameType | None = sys._getframe(2)
    while frame is not None:
        parts = PurePath(frame.f_code.co_filename).parts
        for i in range(len(parts) - 1):
            if parts[i : i + 2] == UI_PACKAGE:
                return f"{'/'.join(parts[i:])}:{frame.f_lineno} ({frame.f_code.co_name})"
        frame = frame.f_back
    return None


class MemoryKeyring(KeyringBackend):  # type: ignore[misc]  # keyring is untyped
    priority = -1

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}
        self.refuse_gui_thread = False
        self.gui_thread_calls: list[str] = []

    def _check_thread(self, what: str) -> None:
        if not self.refuse_gui_thread or threading.current_thread() is not threading.main_thread():
            return
        caller = _ui_caller()
        if caller is not None:
            self.gui_thread_calls.append(f"{what} from {caller}")
            raise RuntimeError(f"keyring {what} on the GUI thread, from {caller}")

    def get_password(self, service: str, username: str) -> str | None:
        self._check_thread("get_password")
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._check_thread("set_password")
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self._check_thread("delete_password")
        try:
            del self.items[(service, username)]
        except KeyError:
            raise PasswordDeleteError(username) from None
