"""Shared by tests: moved from test_download.py."""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

from modelyard.core.model.registry import Registry
from modelyard.core.reads.download import MANIFEST
from tests.helpers.registry import UPLOADED


def uploaded(registry: Registry, model: str, version: str) -> dict[str, bytes]:
    run_id = registry.get_version(model, version).run_id
    return {k.removeprefix("model/"): v for k, v in UPLOADED[run_id].items()}


def tree_files(folder: Path) -> dict[str, bytes]:
    """The downloaded files (the download's own manifest left out)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and p.name != MANIFEST
    }


def files_in(folder: Path) -> dict[str, bytes]:
    """The downloaded files (the download's own manifest left out)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and p.name != MANIFEST
    }


def png(width: int = 3, height: int = 2) -> bytes:
    """A real PNG (RGB, no filter) built by hand."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


CSV = ("id,score,label\n" + "".join(f'{i},{i / 7:.4f},"a, b"\n' for i in range(5000))).encode()
WEIGHTS = os.urandom(3 * 1024 * 1024)
