"""Open registries of one app session, one per profile, created on first use. Thread-safe."""

from __future__ import annotations

import gc
import threading

from modelyard.core.connectors import open_registry
from modelyard.core.model.registry import Registry
from modelyard.core.model.states import States
from modelyard.core.profiles.profile import Profile
from modelyard.core.profiles.secrets import SecretStore


class Connections:
    """Caches one Registry per profile uuid; ``get`` blocks (it may import MLflow and connect)."""

    def __init__(self, secrets: SecretStore | None = None) -> None:
        self.secrets = secrets if secrets is not None else SecretStore()
        self.states = States()  # what each registry holds, as last read: every view reads it
        self._lock = threading.Lock()
        self._opening: dict[str, threading.Lock] = {}
        self._open: dict[str, tuple[Profile, Registry]] = {}
        self._settled = False

    def get(self, profile: Profile) -> Registry:
        """The registry for ``profile`` (re-opened when the profile changed). Blocking."""
        with self._lock:
            gate = self._opening.setdefault(profile.id, threading.Lock())
        with gate:
            with self._lock:
                cached = self._open.get(profile.id)
            if cached is not None and cached[0] == profile:
                return cached[1]
            if cached is not None:
                cached[1].close()
            registry = open_registry(profile, self.secrets)
            with self._lock:
                self._open[profile.id] = (profile, registry)
                first = len(self._open) == 1 and not self._settled
                self._settled = True
            if first:
                # MLflow's modules are in now: hundreds of thousands of long-lived objects that
                # every full garbage collection would walk again (150-200 ms holding the GIL,
                # a visible stall of the window while a big registry loads; bench/gui_thread.py).
                gc.freeze()
            return registry

    def is_open(self, profile_id: str) -> bool:
        """Whether the profile's registry is open (a ``get`` would not connect)."""
        with self._lock:
            return profile_id in self._open

    def forget(self, profile_id: str) -> None:
        """Close and drop the registry of a profile (the next get re-opens it)."""
        with self._lock:
            cached = self._open.pop(profile_id, None)
        if cached is not None:
            cached[1].close()

    def close_all(self) -> None:
        """Close every open registry."""
        with self._lock:
            items = list(self._open.values())
            self._open.clear()
        for _profile, registry in items:
            registry.close()
