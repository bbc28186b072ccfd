"""Reading single artifact files with a profile's own credentials (no MLflow globals)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import requests

from modelyard.core.errors import ErrorKind, RegistryError
from modelyard.core.http import TIMEOUT

PROXY_API = "/api/2.0/mlflow-artifacts/artifacts/"


def local_path(location: str) -> Path | None:
    """The local folder of a ``file:`` URI or plain path; None for remote schemes."""
    parts = urlsplit(location)
    if parts.scheme == "file":
        return Path(unquote(parts.path))
    if parts.scheme == "" or (len(parts.scheme) == 1 and location[1:3] == ":\\"):
        return Path(location)
    return None


def read_local(location: str, relative: str) -> bytes:
    """Read ``relative`` below a local artifact location (FileNotFoundError when missing)."""
    base = local_path(location)
    if base is None:
        raise RegistryError(
            f"Reading artifacts from {urlsplit(location).scheme}: locations is not supported "
            "for this registry yet.",
            ErrorKind.INVALID,
        )
    return (base / relative).read_bytes()


def proxied_url(host: str, location: str, relative: str) -> str | None:
    """The server URL of a file below an ``mlflow-artifacts:`` location (None otherwise)."""
    parts = urlsplit(location)
    if parts.scheme != "mlflow-artifacts":
        return None
    path = "/".join(p for p in (parts.path.strip("/"), relative.strip("/")) if p)
    return host.rstrip("/") + PROXY_API + quote(path)


def read_proxied(session: requests.Session, url: str) -> bytes:
    """GET one proxied artifact file (FileNotFoundError on 404)."""
    response = session.get(url, timeout=TIMEOUT)
    if response.status_code == 404:
        raise FileNotFoundError(url)
    if response.status_code != 200:
        body = response.text[:300]
        raise RuntimeError(f"error code {response.status_code}: {body}")
    return response.content
