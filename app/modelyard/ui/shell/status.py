"""The window's status bar: one connection status per registry, from the latest outcome of any
call to it, and what is being read."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QWidget

from modelyard.core.model.errors import UNREACHABLE, ErrorKind, ModelyardError
from modelyard.ui.common.plain import plain_label, plain_tooltip
from modelyard.ui.common.theme import set_tone


class StatusPanel:
    """The busy bar with what it is busy with, and the connection status of the registry of
    the selected row (else of the one that last answered)."""

    def __init__(
        self,
        bar: QStatusBar,
        *,
        names: Callable[[], dict[str, str]],
        selected: Callable[[], str | None],
        before_connection: QWidget | None = None,
    ) -> None:
        self._names, self._selected = names, selected
        self.connection = QLabel()
        self.connection.setObjectName("connectionState")
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.setVisible(False)
        self.busy_label = plain_label()
        self.busy_label.setObjectName("busyText")
        self.busy_label.setVisible(False)
        set_tone(self.busy_label, "muted")
        bar.addPermanentWidget(self.busy_label)
        bar.addPermanentWidget(self.busy)
        if before_connection is not None:
            bar.addPermanentWidget(before_connection)
        bar.addPermanentWidget(self.connection)
        self._status: dict[str, tuple[str, str]] = {}  # profile id -> (state, words)

    def reached(self, profile_id: str, error: ModelyardError | None) -> None:
        """One status per profile, from the latest outcome of any call to its registry (the
        tree's, a details pane's, a write's, a download's): "connected" while a version fails
        to load, or "offline" beside rows that answered again, can no longer be shown."""
        if error is None or error.kind not in (*UNREACHABLE, ErrorKind.AUTH, ErrorKind.TLS):
            self._status[profile_id] = ("ok", "connected")  # it answered (maybe refusing)
        elif error.kind in UNREACHABLE:
            self._status[profile_id] = ("offline", "offline")
        else:
            self._status[profile_id] = (
                "error",
                "sign-in refused" if error.kind is ErrorKind.AUTH else "TLS check failed",
            )
        self.show(profile_id)

    def show(self, profile_id: str | None = None) -> None:
        """The status of the selected row's registry (else of ``profile_id``'s)."""
        selected = self._selected()
        shown = selected if selected in self._status else profile_id
        if shown is None or shown not in self._status:
            return
        state, words = self._status[shown]
        self.connection.setText(f"● {self._names().get(shown, '?')}: {words}")
        self.connection.setProperty("state", state)
        self.connection.style().unpolish(self.connection)
        self.connection.style().polish(self.connection)

    def reading(self, names: list[str]) -> None:
        """Say what is being read (nothing: the busy bar goes)."""
        self.busy.setVisible(bool(names))
        self.busy_label.setVisible(bool(names))
        if names:
            shown = ", ".join(names[:2]) + (f" and {len(names) - 2} more" if len(names) > 2 else "")
            self.busy_label.setText(f"Reading {shown}…")
            self.busy.setToolTip(plain_tooltip("Reading " + ", ".join(names)))

    def busy_with(self, text: str | None) -> None:
        """Show the busy bar with ``text`` (None: hide it)."""
        self.busy.setVisible(text is not None)
        self.busy_label.setVisible(text is not None)
        if text is not None:
            self.busy_label.setText(text)
