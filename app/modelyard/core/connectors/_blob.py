"""Uploading one file to Azure Blob Storage through a SAS URL (the URL's signature is the only
credential: no token goes to storage, and the URL itself is never put in a message).

Small files go up with one Put Blob; bigger ones as 8 MiB blocks (Put Block) committed with
Put Block List, so nothing larger than a block is held in memory and progress is reported per
block. See Azure Storage's REST reference, "Put Blob", "Put Block", "Put Block List".
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, urlsplit

import requests

from modelyard.core.model.errors import ErrorKind, RegistryError, describe_exception
from modelyard.core.runtime.http import TIMEOUT

BLOCK = 8 * 1024 * 1024
SINGLE_PUT_LIMIT = BLOCK
API_VERSION = "2021-08-06"


def _host(url: str) -> str:
    return urlsplit(url).netloc or "the storage account"


def _signature(url: str) -> tuple[str, ...]:
    """The SAS query (the credential), for redaction."""
    query = urlsplit(url).query
    return (query,) if query else ()


def _refused(url: str, name: str, response: requests.Response) -> RegistryError:
    status = response.status_code
    kind = ErrorKind.PERMISSION if status in (401, 403) else ErrorKind.SERVER
    what = {403: "refused the upload address (expired or not for writing)", 404: "has no such"}
    reason = what.get(status, "failed")
    return RegistryError(f"Azure storage {_host(url)} {reason} for {name} (HTTP {status}).", kind)


def _put(
    session: requests.Session,
    url: str,
    name: str,
    data: bytes,
    headers: dict[str, str],
    *,
    timeout: tuple[float, float],
) -> None:
    try:
        response = session.put(url, data=data, headers=headers, timeout=timeout)
    except Exception as exc:
        raise describe_exception(exc, f"Azure storage {_host(url)}", _signature(url)) from None
    if response.status_code not in (200, 201):
        raise _refused(url, name, response)


def put_blob(
    session: requests.Session,
    sas_url: str,
    source: Path,
    on_bytes: Callable[[int], None],
    timeout: tuple[float, float] = TIMEOUT,
    *,
    headers: dict[str, str] | None = None,
) -> None:
    """Upload ``source`` to the blob at ``sas_url`` (created or replaced), sending
    ``headers`` too (those a service hands out with the URL)."""
    name = source.name
    base = {"x-ms-version": API_VERSION, **(headers or {})}
    size = source.stat().st_size
    joiner = "&" if urlsplit(sas_url).query else "?"
    with source.open("rb") as handle:
        if size <= SINGLE_PUT_LIMIT:
            data = handle.read()
            _put(
                session,
                sas_url,
                name,
                data,
                {**base, "x-ms-blob-type": "BlockBlob"},
                timeout=timeout,
            )
            on_bytes(len(data))
            return
        ids: list[str] = []
        while chunk := handle.read(BLOCK):
            block_id = base64.b64encode(f"{len(ids):010d}".encode()).decode()
            url = f"{sas_url}{joiner}comp=block&blockid={quote(block_id, safe='')}"
            _put(session, url, name, chunk, base, timeout=timeout)
            ids.append(block_id)
            on_bytes(len(chunk))
    body = (
        '<?xml version="1.0" encoding="utf-8"?><BlockList>'
        + "".join(f"<Latest>{i}</Latest>" for i in ids)
        + "</BlockList>"
    ).encode()
    _put(
        session,
        f"{sas_url}{joiner}comp=blocklist",
        name,
        body,
        {**base, "Content-Type": "application/xml"},
        timeout=timeout,
    )
