"""The registry states of one app session: one :class:`RegistryState` per profile, shared by
every view (tree, details, board, compare) and written to the profile's snapshot on disk.

``get`` is instant; ``read_cached`` and ``save`` touch the disk and run off the GUI thread. A
snapshot read from disk is adopted by the GUI thread (``RegistryState.adopt``), so subscribers
are told on the thread that draws.
"""

from __future__ import annotations

import threading
from pathlib import Path

from modelyard.core.model.snapshot import load_snapshot, save_snapshot
from modelyard.core.model.state import RegistryState


class States:
    """One state per profile uuid, created on first use. Thread-safe."""

    def __init__(self, folder: Path | None = None) -> None:
        self._folder = folder
        self._lock = threading.Lock()
        self._states: dict[str, RegistryState] = {}
        self._writers: dict[str, threading.Lock] = {}
        self._owner: int | None = None

    def bind_owner(self) -> None:
        """The calling thread (the one that draws) owns every state, those made already and
        those to come: a change from any other thread raises ``WrongThread``."""
        with self._lock:
            self._owner = threading.get_ident()
            for state in self._states.values():
                state.owner = self._owner

    def get(self, profile_id: str) -> RegistryState:
        """The state of a profile (empty until something is merged into it)."""
        with self._lock:
            state = self._states.get(profile_id)
            if state is None:
                state = self._states[profile_id] = RegistryState(profile_id, owner=self._owner)
            return state

    def read_cached(self, profile_id: str) -> RegistryState | None:
        """The profile's snapshot from disk, detached (blocking: call off the GUI thread)."""
        return load_snapshot(profile_id, self._folder)

    def save(self, profile_id: str, copy: RegistryState | None = None) -> None:
        """Write the profile's state (or ``copy`` of it taken earlier) to its snapshot
        (blocking); one writer per profile, so two saves never interleave."""
        with self._lock:
            writer = self._writers.setdefault(profile_id, threading.Lock())
        with writer:
            save_snapshot(copy or self.get(profile_id).copy(), self._folder)

    def forget(self, profile_id: str) -> None:
        """Drop a profile's state from memory (its snapshot stays on disk)."""
        with self._lock:
            self._states.pop(profile_id, None)
