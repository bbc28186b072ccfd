"""A local file as the body of an HTTP upload (proxied artifacts, signed URLs, GCS)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

CHUNK = 256 * 1024


class FileBody:
    """A file for an HTTP body: known length (so it is not chunked) and progress per read."""

    def __init__(self, path: Path, on_bytes: Callable[[int], None]) -> None:
        self._handle = path.open("rb")
        self._size = path.stat().st_size
        self._on_bytes = on_bytes

    def __len__(self) -> int:
        return self._size

    def read(self, size: int = -1) -> bytes:
        """The next block: at least CHUNK bytes (http.client asks for 8 KiB at a time, which
        would mean 25,000 progress callbacks for a 200 MB file)."""
        data = self._handle.read(max(size, CHUNK))
        if data:
            self._on_bytes(len(data))
        return data

    def close(self) -> None:
        self._handle.close()
