"""Writing a run's files into the Databricks workspace: ``POST /api/2.0/mlflow/artifacts/
credentials-for-write`` (``{run_id, path: [...]}``) hands out, per file, a signed URL of the
workspace's cloud storage with its type and the headers to send (``credential_infos``:
``signed_uri``, ``type``, ``headers``; paged with ``next_page_token``). The file goes there
*without* the workspace token — the signature is the credential:

* ``AZURE_SAS_URI``: Azure Blob (Put Blob, or Put Block + Put Block List);
* ``AZURE_ADLS_GEN2_SAS_URI``: ADLS Gen2 (create, append in blocks, flush);
* ``AWS_PRESIGNED_URL`` and ``GCP_SIGNED_URL``: one streamed PUT (S3 takes up to 5 GB so).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from modelyard.core.connectors._artifacts import _json, check_api
from modelyard.core.connectors._blob import BLOCK, put_blob
from modelyard.core.connectors._body import FileBody
from modelyard.core.model.errors import ErrorKind, RegistryError, describe_exception
from modelyard.core.runtime.http import TIMEOUT

WRITE_CREDENTIALS = "/api/2.0/mlflow/artifacts/credentials-for-write"
SINGLE_PUT_MAX = 5 * 1024**3  # S3's limit for one PUT
MAX_PAGES = 100


def write_credentials(
    session: requests.Session,
    host: str,
    run_id: str,
    paths: list[str],
    timeout: tuple[float, float] = TIMEOUT,
) -> dict[str, dict[str, Any]]:
    """Signed write URLs for ``paths`` (relative to the run's artifact root), by path."""
    found: dict[str, dict[str, Any]] = {}
    token: str | None = None
    for _page in range(MAX_PAGES):
        body: dict[str, Any] = {"run_id": run_id, "path": paths}
        if token:
            body["page_token"] = token
        response = session.post(f"{host}{WRITE_CREDENTIALS}", json=body, timeout=timeout)
        check_api(response, "artifact upload credentials")
        data = _json(response)
        for info in data.get("credential_infos") or []:
            if isinstance(info, dict) and info.get("path"):
                found[str(info["path"])] = info
        token = data.get("next_page_token")
        if not token:
            break
    return found


def _headers(info: dict[str, Any]) -> dict[str, str]:
    return {
        str(h["name"]): str(h.get("value", ""))
        for h in info.get("headers") or []
        if isinstance(h, dict) and h.get("name")
    }


def _checked(response: requests.Response, url: str, name: str) -> None:
    if response.status_code in (200, 201, 202):
        return
    status = response.status_code
    kind = ErrorKind.PERMISSION if status in (401, 403) else ErrorKind.SERVER
    raise RegistryError(
        f"Cloud storage {urlsplit(url).netloc} refused the upload of {name} (HTTP {status}).",
        kind,
    )


def _send(session: requests.Session, method: str, url: str, **kwargs: Any) -> requests.Response:
    try:
        return session.request(method, url, **kwargs)
    except Exception as exc:
        where = f"cloud storage {urlsplit(url).netloc}"
        raise describe_exception(exc, where, (urlsplit(url).query,)) from None


def put_signed(
    storage: requests.Session,
    info: dict[str, Any],
    source: Path,
    on_bytes: Callable[[int], None],
    timeout: tuple[float, float] = TIMEOUT,
) -> None:
    """Upload ``source`` to the signed URL of one credential info, as its type says."""
    url = str(info.get("signed_uri") or "")
    kind = str(info.get("type") or "")
    headers = _headers(info)
    name = source.name
    if not url:
        raise RegistryError(f"The workspace gave no upload address for {name}.", ErrorKind.SERVER)
    if kind == "AZURE_SAS_URI":
        put_blob(storage, url, source, on_bytes, timeout, headers=headers)
        return
    if kind == "AZURE_ADLS_GEN2_SAS_URI":
        _adls(storage, url, headers, source, on_bytes, timeout=timeout)
        return
    if kind in ("AWS_PRESIGNED_URL", "GCP_SIGNED_URL"):
        put_presigned(storage, url, headers, source, on_bytes, timeout=timeout)
        return
    raise RegistryError(
        f"The workspace's storage ({kind or 'unnamed kind'}) is not one Modelyard writes to.",
        ErrorKind.INVALID,
    )


def put_presigned(
    storage: requests.Session,
    url: str,
    headers: dict[str, str],
    source: Path,
    on_bytes: Callable[[int], None],
    *,
    timeout: tuple[float, float] = TIMEOUT,
) -> None:
    """One streamed PUT of ``source`` to a pre-signed URL, with the headers it came with."""
    name = source.name
    if source.stat().st_size > SINGLE_PUT_MAX:
        raise RegistryError(
            f"{name} is larger than one upload to this storage takes (5 GB).", ErrorKind.INVALID
        )
    body = FileBody(source, on_bytes)
    try:
        response = _send(storage, "PUT", url, data=body, headers=headers, timeout=timeout)
    finally:
        body.close()
    _checked(response, url, name)


def _adls(
    storage: requests.Session,
    url: str,
    headers: dict[str, str],
    source: Path,
    on_bytes: Callable[[int], None],
    *,
    timeout: tuple[float, float],
) -> None:
    """ADLS Gen2: create the file, append it in blocks, flush at its length."""
    joiner = "&" if urlsplit(url).query else "?"
    name = source.name
    _checked(
        _send(storage, "PUT", f"{url}{joiner}resource=file", headers=headers, timeout=timeout),
        url,
        name,
    )
    position = 0
    with source.open("rb") as handle:
        while chunk := handle.read(BLOCK):
            response = _send(
                storage,
                "PATCH",
                f"{url}{joiner}action=append&position={position}",
                data=chunk,
                headers=headers,
                timeout=timeout,
            )
            _checked(response, url, name)
            position += len(chunk)
            on_bytes(len(chunk))
    response = _send(
        storage,
        "PATCH",
        f"{url}{joiner}action=flush&position={position}",
        headers=headers,
        timeout=timeout,
    )
    _checked(response, url, name)
