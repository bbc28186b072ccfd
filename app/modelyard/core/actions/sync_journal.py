"""The journal of a sync: what it has made, step by step, so that a killed run is finished by
the next one (see :mod:`modelyard.core.actions.sync`)."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path

from modelyard.core.runtime.paths import data_dir


# --- the journal ------------------------------------------------------------------------------
class Journal:
    """What a sync between two registries has made, step by step, in the user data dir (one
    file per pair of registries; written whole and replaced atomically after every step)."""

    def __init__(
        self, source_location: str, target_location: str, folder: Path | None = None
    ) -> None:
        digest = hashlib.sha256(f"{source_location}\n{target_location}".encode()).hexdigest()
        self.path = (folder or data_dir() / "sync") / f"{digest[:16]}.json"
        self._lock = threading.Lock()
        self.entries: dict[str, dict[str, str]] = {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and isinstance(data.get("items"), dict):
                self.entries = {
                    str(k): {str(a): str(b) for a, b in v.items()}
                    for k, v in data["items"].items()
                    if isinstance(v, dict)
                }
        except (OSError, ValueError):
            pass  # none yet, or unreadable: the target's lineage tags are the truth anyway
        self._source, self._target = source_location, target_location

    def get(self, key: str) -> dict[str, str]:
        with self._lock:
            return dict(self.entries.get(key, {}))

    def note(self, key: str, **values: str) -> None:
        with self._lock:
            self.entries.setdefault(key, {}).update(values)
            self._write()

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        part = self.path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.part")
        data = {"source": self._source, "target": self._target, "items": self.entries}
        part.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
        with open(part, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(part, self.path)
