"""The one way to find bundled resources (``resources/`` ships as ``modelyard.resources``)."""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

PACKAGE = "modelyard.resources"


def resource_path(*parts: str) -> Path:
    """Filesystem path of a bundled resource (wheel, editable install or frozen app)."""
    ref = files(PACKAGE).joinpath(*parts)
    with as_file(ref) as path:
        return Path(path)


def read_text(*parts: str) -> str:
    """Text of a bundled resource."""
    return files(PACKAGE).joinpath(*parts).read_text(encoding="utf-8")
