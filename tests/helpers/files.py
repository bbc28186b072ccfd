"""Shared by tests: moved from test_download.py."""

from __future__ import annotations

from pathlib import Path

from modelyard.core.download import MANIFEST
from modelyard.core.registry import Registry
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
