"""Icons and style sheets shipped with Modelyard (in the wheel and in the frozen app)."""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path


def resource_path(*parts: str) -> Path:
    """Filesystem path of a bundled resource (the package is installed unzipped)."""
    ref = files(__name__).joinpath(*parts)
    with as_file(ref) as path:
        return Path(path)


def read_text(*parts: str) -> str:
    """Text of a bundled resource."""
    return files(__name__).joinpath(*parts).read_text(encoding="utf-8")
