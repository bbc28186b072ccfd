"""Artifact access with a profile's own credentials (no MLflow process globals).

* ``file:`` locations (local registries, shared disks) are read directly;
* ``mlflow-artifacts:`` locations (a tracking server's proxied artifacts) through the server's
  ``/api/2.0/mlflow-artifacts/artifacts`` API with this profile's session — MLflow's own
  HttpArtifactRepository would use process-wide environment credentials instead;
* ``s3:`` locations with this profile's own S3 store settings (``_s3``): its endpoint and
  keys, never the process environment's;
* ``wasbs:`` and ``gs:`` locations with this profile's Azure Blob or GCS store (``_azure_blob``,
  ``_gcs``); without one, with this machine's own Azure or Google credentials, asked once and
  a failure said once;
* anything else through MLflow's artifact repositories, which use those services' own
  credential chains, when their SDKs are installed.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import requests

from modelyard.core.connectors._azure_blob import AzureBlobFiles, AzureBlobSettings, is_azure_blob
from modelyard.core.connectors._gcs import GcsFiles, GcsSettings, is_gcs
from modelyard.core.connectors._s3 import S3Files, S3Settings
from modelyard.core.connectors._seams import ARTIFACT_REPOSITORY, resolve
from modelyard.core.model.domain import ArtifactEntry, ArtifactStream
from modelyard.core.model.errors import (
    BodyInterrupted,
    ErrorKind,
    HttpStatusError,
    NotJsonError,
    RegistryError,
)
from modelyard.core.runtime.http import TIMEOUT

PROXY_API = "/api/2.0/mlflow-artifacts/artifacts"
CHUNK = 256 * 1024
MAX_WALK_DEPTH = 64
MAX_WALK_ENTRIES = 200_000


def safe_relative(path: str) -> str:
    """A normalised relative POSIX path; refuses absolute paths and '..' (from a server)."""
    clean = posixpath.normpath(path.replace("\\", "/")).lstrip("/") if path else ""
    if clean in ("", "."):
        return ""
    if clean == ".." or clean.startswith("../"):  # "..data" is a legitimate name
        raise RegistryError(f"Refusing an unsafe artifact path: {path!r}", ErrorKind.INVALID)
    return clean


def is_s3(location: str) -> bool:
    """An S3 location (``s3://bucket/…``), read and written with the profile's S3 store."""
    return urlsplit(location).scheme in ("s3", "s3a")


def local_path(location: str) -> Path | None:
    """The local folder of a ``file:`` URI or plain path; None for remote schemes."""
    parts = urlsplit(location)
    if parts.scheme == "file":
        return Path(unquote(parts.path))
    if parts.scheme == "" or (len(parts.scheme) == 1 and location[1:3] == ":\\"):
        return Path(location)
    return None


def _link_stays_inside(base: Path, link: Path) -> bool:
    """A link to a file that stays inside ``base`` (followed like the file it names); a link
    out of the folder, to a folder, or broken, is left out."""
    try:
        target = link.resolve(strict=True)
    except (OSError, RuntimeError):
        return False
    return target.is_file() and target.is_relative_to(base.resolve())


def inside_folder(base: Path, path: str) -> Path:
    """``base / path``, refused when a link on the way leads out of ``base``: a file store
    never gives away a file from outside the version's own folder (``ln -s ~/.ssh/id_rsa``)."""
    full = base / path
    resolved = full.resolve()
    if not resolved.is_relative_to(base.resolve()):
        raise RegistryError(
            f"{path} is a link out of the version's folder {base}: it is not read.",
            ErrorKind.INVALID,
        )
    return full


class ArtifactAccess:
    """Lists and reads artifacts below a location; per registry (holds its HTTP session)."""

    def __init__(
        self,
        host: str | None = None,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = TIMEOUT,
        *,
        s3: S3Settings | None = None,
        azure: AzureBlobSettings | None = None,
        gcs: GcsSettings | None = None,
    ) -> None:
        self.host = host.rstrip("/") if host else None
        self.session = session
        self.timeout = timeout  # connect, and the longest wait between two bytes
        # ``s3:`` files with this profile's store (none given: boto3's chain of this machine,
        # the endpoint of MLFLOW_S3_ENDPOINT_URL if it is set — read, never written).
        self.s3 = S3Files(s3 or S3Settings.from_machine(), timeout)
        # ``wasbs:`` files with this profile's Azure Blob store (none: MLflow's AZURE_STORAGE_*
        # variables if set — read, never written — else this machine's Azure sign-in).
        self.azure = AzureBlobFiles(azure or AzureBlobSettings.from_machine(), timeout)
        # ``gs:`` files with this profile's GCS store (none: application default credentials).
        self.gcs = GcsFiles(gcs or GcsSettings(), timeout)

    # --- listing -----------------------------------------------------------------------------
    def list_dir(self, location: str, path: str = "") -> list[ArtifactEntry]:
        """Entries directly below ``path`` (relative to ``location``), sorted, dirs first."""
        path = safe_relative(path)
        base = local_path(location)
        if base is not None:
            entries = self._list_local(base, path)
        elif urlsplit(location).scheme == "mlflow-artifacts":
            entries = self._list_proxied(location, path)
        elif is_s3(location):
            entries = self.s3.list_dir(location, path)
        elif is_azure_blob(location):
            entries = self.azure.list_dir(location, path)
        elif is_gcs(location):
            entries = self.gcs.list_dir(location, path)
        else:
            entries = self._list_repository(location, path)
        return sorted(entries, key=lambda e: (not e.is_dir, e.path))

    def walk(self, location: str, path: str = "") -> list[ArtifactEntry]:
        """Every file below ``path`` (recursively), bounded: a listing that contains itself or
        goes deeper than ``MAX_WALK_DEPTH`` folders or past ``MAX_WALK_ENTRIES`` entries (a
        broken or hostile server) stops with a clear message instead of recursing on."""
        files: list[ArtifactEntry] = []
        seen = 0

        def visit(current: str, depth: int) -> None:
            nonlocal seen
            for entry in self.list_dir(location, current):
                seen += 1
                if seen > MAX_WALK_ENTRIES:
                    raise RegistryError(
                        f"The artifacts at {location} list more than {MAX_WALK_ENTRIES:,} "
                        "entries: stopped (download a folder of it instead).",
                        ErrorKind.INVALID,
                    )
                if not entry.is_dir:
                    files.append(entry)  # a link left out is listed, for callers to name
                    continue
                inside = entry.path.startswith(current + "/") if current else bool(entry.path)
                if not inside or entry.path == current:
                    raise RegistryError(
                        f"The artifact listing at {location} is inconsistent: folder "
                        f"{current or '/'!r} lists {entry.path!r} inside itself.",
                        ErrorKind.INVALID,
                    )
                if depth >= MAX_WALK_DEPTH:
                    raise RegistryError(
                        f"The artifacts at {location} nest deeper than {MAX_WALK_DEPTH} folders "
                        f"(at {entry.path!r}): stopped.",
                        ErrorKind.INVALID,
                    )
                visit(entry.path, depth + 1)

        visit(safe_relative(path), 0)
        return files

    @staticmethod
    def _list_local(base: Path, path: str) -> list[ArtifactEntry]:
        folder = inside_folder(base, path)
        if not folder.exists():
            raise FileNotFoundError(str(folder))
        if folder.is_file():
            return [ArtifactEntry(path, False, folder.stat().st_size)]
        out = []
        with os.scandir(folder) as items:
            for item in items:
                rel = f"{path}/{item.name}" if path else item.name
                if item.is_symlink() and not _link_stays_inside(base, Path(item.path)):
                    out.append(ArtifactEntry(rel, False, None, link=True))
                    continue
                is_dir = item.is_dir()
                out.append(ArtifactEntry(rel, is_dir, None if is_dir else item.stat().st_size))
        return out

    def _proxied_root(self, location: str) -> str:
        return urlsplit(location).path.strip("/")

    def _require_session(self) -> tuple[str, requests.Session]:
        if self.host is None or self.session is None:
            raise RegistryError(
                "This registry cannot read mlflow-artifacts: locations (no tracking server).",
                ErrorKind.INVALID,
            )
        return self.host, self.session

    def _list_proxied(self, location: str, path: str) -> list[ArtifactEntry]:
        host, session = self._require_session()
        root = self._proxied_root(location)
        full = "/".join(p for p in (root, path) if p)
        response = session.get(f"{host}{PROXY_API}", params={"path": full}, timeout=self.timeout)
        check_api(response, "proxied artifact listing")
        out = []
        for item in _json(response).get("files", []):
            name = safe_relative(str(item.get("path", "")))
            rel = f"{path}/{name}" if path else name
            size = item.get("file_size")
            out.append(
                ArtifactEntry(
                    rel, bool(item.get("is_dir")), int(size) if size is not None else None
                )
            )
        return out

    @staticmethod
    def _list_repository(location: str, path: str) -> list[ArtifactEntry]:
        repo = _repository(location)
        with _sdk_needed(location):
            found = repo.list_artifacts(path or None)
        return [ArtifactEntry(safe_relative(f.path), bool(f.is_dir), f.file_size) for f in found]

    # --- reading -----------------------------------------------------------------------------
    def open(self, location: str, path: str) -> ArtifactStream:
        """Open one file for streaming (FileNotFoundError when it does not exist)."""
        path = safe_relative(path)
        base = local_path(location)
        if base is not None:
            handle = inside_folder(base, path).open("rb")
            size = os.fstat(handle.fileno()).st_size
            return ArtifactStream(size, iter(lambda: handle.read(CHUNK), b""), handle.close)
        if urlsplit(location).scheme == "mlflow-artifacts":
            host, session = self._require_session()
            root = self._proxied_root(location)
            url = f"{host}{PROXY_API}/" + quote("/".join(p for p in (root, path) if p))
            return _streamed(session.get(url, stream=True, timeout=self.timeout), url)
        if is_s3(location):
            return self.s3.open(location, path)
        if is_azure_blob(location):
            return self.azure.open(location, path)
        if is_gcs(location):
            return self.gcs.open(location, path)
        return self._open_repository(location, path)

    @staticmethod
    def _open_repository(location: str, path: str) -> ArtifactStream:
        repo = _repository(location)

        def fetch(folder: str) -> str:
            with _sdk_needed(location):
                return str(repo.download_artifacts(path, dst_path=folder))

        return downloaded_stream(fetch)

    def read(self, location: str, path: str) -> bytes:
        """A whole (small) file."""
        with self.open(location, path) as stream:
            return stream.read()


def downloaded_stream(fetch: Callable[[str], str]) -> ArtifactStream:
    """A file a storage SDK downloads (``fetch(folder)`` → its path) into a temporary folder,
    streamed from there; the folder goes when the stream closes, or at once on failure."""
    import shutil
    import tempfile

    tmp = tempfile.mkdtemp(prefix="modelyard-")
    try:
        local = Path(fetch(tmp))
        handle = local.open("rb")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise

    def close() -> None:
        handle.close()
        shutil.rmtree(tmp, ignore_errors=True)

    return ArtifactStream(local.stat().st_size, iter(lambda: handle.read(CHUNK), b""), close)


def _streamed(response: requests.Response, what: str) -> ArtifactStream:
    """A streaming download as an ArtifactStream (FileNotFoundError for a 404)."""
    if response.status_code == 404:
        response.close()
        raise FileNotFoundError(what)
    _check(response)
    content_type = response.headers.get("Content-Type", "")
    if "html" in content_type.lower() and not what.lower().endswith((".html", ".htm")):
        response.close()  # a login page where a file should be
        raise NotJsonError(what, response.status_code, content_type, expected="the file")
    length = response.headers.get("Content-Length")
    known = int(length) if length and length.isdigit() else None
    return ArtifactStream(known, _body(response), response.close)


def _body(response: requests.Response) -> Iterator[bytes]:
    """The chunks of a streamed answer; one that stops midway raises BodyInterrupted (stalled
    or cut, with the bytes received), not a "did not answer" error: it had answered."""
    import urllib3.exceptions as u3

    received = 0
    try:
        for chunk in response.iter_content(CHUNK):
            received += len(chunk)
            yield chunk
    except (requests.exceptions.RequestException, u3.HTTPError, OSError) as exc:
        stalled = any(
            isinstance(e, requests.exceptions.Timeout | u3.ReadTimeoutError | TimeoutError)
            for e in _causes(exc)
        )
        raise BodyInterrupted(response.url, received, stalled) from exc


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 10:
        yield current
        yield from (a for a in current.args if isinstance(a, BaseException))
        current = current.__cause__ or current.__context__
        seen += 1


def _check(response: requests.Response) -> None:
    """404 → FileNotFoundError; any other error status → HttpStatusError (typed, with status)."""
    if response.status_code == 404 and "html" not in response.headers.get("Content-Type", ""):
        raise FileNotFoundError(response.url)
    if response.status_code >= 400:
        body = response.text[:300]
        response.close()
        raise HttpStatusError(
            response.url,
            response.status_code,
            response.reason or "",
            response.headers.get("Content-Type", ""),
            body=body,
            challenge=response.headers.get("WWW-Authenticate", ""),
        )


NOT_FOUND_CODES = frozenset({"RESOURCE_DOES_NOT_EXIST", "NOT_FOUND", "FILE_NOT_FOUND"})


def check_api(response: requests.Response, offering: str) -> None:
    """Like ``_check`` for a registry API call: a 404 that names a missing resource in the
    service's JSON error is FileNotFoundError; a 404 without one (``ENDPOINT_NOT_FOUND``, a
    proxy's web page, plain text) means the server does not offer this API at all."""
    if response.status_code == 404:
        code = _error_code(response)
        if code in NOT_FOUND_CODES:
            raise FileNotFoundError(response.url)
        host = urlsplit(response.url)
        kind = response.headers.get("Content-Type", "").split(";")[0] or "no content type"
        answer = f"{code} as JSON" if code else f"a {kind} answer"
        raise RegistryError(
            f"{host.scheme}://{host.netloc} does not offer the {offering} "
            f"({host.path}: 404 with {answer}). The service may not have this API, or a proxy "
            "in front of it does not pass it on.",
            ErrorKind.NO_API,
        )
    _check(response)


def _json(response: requests.Response) -> Any:
    """A listing's JSON, or NotJsonError (a login page answering 200, a proxy)."""
    try:
        data = response.json()
    except ValueError:
        raise NotJsonError(
            response.url, response.status_code, response.headers.get("Content-Type", "")
        ) from None
    if not isinstance(data, dict):
        raise NotJsonError(response.url, response.status_code, "JSON that is not an object")
    return data


# Storage schemes MLflow reads through a cloud SDK, and the package that provides it.
STORAGE_SDKS = {
    "s3": "boto3",
    "gs": "google-cloud-storage",
    "wasbs": "azure-storage-blob",
    "abfss": "azure-storage-file-datalake",
}


@contextmanager
def _sdk_needed(location: str) -> Iterator[None]:
    """A storage SDK missing (MLflow imports it on first use) → which one, in words."""
    try:
        yield
    except ImportError as exc:
        scheme = urlsplit(location).scheme
        package = STORAGE_SDKS.get(scheme, exc.name or "its SDK")
        raise RegistryError(
            f"This version's files are in {scheme}: storage ({location}); reading them needs "
            f"{package} (pip install {package}), with that storage's own credentials.",
            ErrorKind.INVALID,
        ) from None


def _repository(location: str) -> Any:
    scheme = urlsplit(location).scheme
    try:
        get_artifact_repository = resolve(ARTIFACT_REPOSITORY)

        with _sdk_needed(location):
            return get_artifact_repository(location)
    except RegistryError:
        raise
    except Exception:
        raise RegistryError(
            f"Modelyard cannot read files kept at {scheme}: locations ({location}).",
            ErrorKind.INVALID,
        ) from None


def _error_code(response: requests.Response) -> str:
    try:
        return str(response.json().get("error_code") or "")
    except (ValueError, AttributeError):
        return ""
