"""The journal of a sync: what it has made, step by step, so that a killed run is finished by
the next one (see :mod:`modelyard.core.actions.sync`)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from pathlib import Path
from typing import IO

from modelyard.core.runtime.paths import data_dir


def _entries_of(data: object) -> dict[str, dict[str, str]]:
    """The items of the journal's old form (one JSON object, written whole)."""
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, dict):
        return {}
    return {
        str(k): {str(a): str(b) for a, b in v.items()}
        for k, v in items.items()
        if isinstance(v, dict)
    }


# --- the journal ------------------------------------------------------------------------------
class Journal:
    """What a sync between two registries has made, step by step, in the user data dir: one
    file per pair of registries, a line per step (appended and flushed to disk before the sync
    goes on), compacted when a sync opens it. A step that changes nothing writes nothing (a
    rerun with nothing new leaves the file as it was)."""

    def __init__(
        self, source_location: str, target_location: str, folder: Path | None = None
    ) -> None:
        digest = hashlib.sha256(f"{source_location}\n{target_location}".encode()).hexdigest()
        self.path = (folder or data_dir() / "sync") / f"{digest[:16]}.jsonl"
        self._lock = threading.Lock()
        self._source, self._target = source_location, target_location
        self._file: IO[str] | None = None
        self.entries: dict[str, dict[str, str]] = {}
        try:
            self._read(self.path.read_text(encoding="utf-8"))
        except OSError:  # none yet: perhaps one of the old form (one JSON object)
            # (or none at all, or unreadable: the target's lineage tags are the truth anyway)
            with contextlib.suppress(OSError, ValueError):
                self.entries = _entries_of(json.loads(self.path.with_suffix(".json").read_text()))

    def _read(self, text: str) -> None:
        for line in text.splitlines():
            try:
                step = json.loads(line)
            except ValueError:
                continue  # a line cut off by a crash: the steps before it stand
            if isinstance(step, dict) and isinstance(step.get("key"), str):
                values = {str(a): str(b) for a, b in step.items() if a != "key"}
                self.entries.setdefault(step["key"], {}).update(values)

    def get(self, key: str) -> dict[str, str]:
        with self._lock:
            return dict(self.entries.get(key, {}))

    def note(self, key: str, **values: str) -> None:
        """Record a step of ``key`` (on disk when this returns); nothing when nothing changes."""
        with self._lock:
            held = self.entries.setdefault(key, {})
            if all(held.get(k) == v for k, v in values.items()):
                return
            held.update(values)
            handle = self._open()
            handle.write(json.dumps({"key": key, **values}, sort_keys=True) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def _open(self) -> IO[str]:
        """The file to append to: first compacted (one line per item, written aside and put in
        place atomically), so that a line a crash cut off is gone before anything follows it."""
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            part = self.path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.part")
            head = {"source": self._source, "target": self._target}
            lines = [json.dumps(head, sort_keys=True)]
            lines += [json.dumps({"key": k, **v}, sort_keys=True) for k, v in self.entries.items()]
            with open(part, "w", encoding="utf-8") as out:
                out.write("\n".join(lines) + "\n")
                out.flush()
                os.fsync(out.fileno())
            os.replace(part, self.path)
            self.path.with_suffix(".json").unlink(missing_ok=True)  # the old form, now carried
            self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 (kept open)
        return self._file

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
