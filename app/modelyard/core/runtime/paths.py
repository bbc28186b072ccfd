"""Where Modelyard keeps its files (platformdirs; XDG_* variables are respected on Linux)."""

from __future__ import annotations

from pathlib import Path

import platformdirs

from modelyard import APP_ID


def config_dir() -> Path:
    """Directory of the profile file (no secrets are ever written there)."""
    return Path(platformdirs.user_config_dir(APP_ID, appauthor=False))


def data_dir() -> Path:
    """Directory of the demo registry and other user data."""
    return Path(platformdirs.user_data_dir(APP_ID, appauthor=False))


def cache_dir() -> Path:
    """Directory for caches that may be deleted at any time."""
    return Path(platformdirs.user_cache_dir(APP_ID, appauthor=False))


def local_user() -> str:
    """The OS login name (for recorded history when the registry does not say who we are)."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown user"


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder: a failure leaves
    the old file (or none), never half of the new one."""
    import os
    import tempfile

    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent or Path("."))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
