"""A version's files in Google Cloud Storage (``gs://bucket/…``) with one profile's own store
settings: the JSON API's endpoint (an emulator's or a private endpoint's too) and a
service-account key file, this machine's application default credentials, or none.

MLflow's own repository needs google-cloud-storage and takes its credentials and endpoint from
the process (``GOOGLE_APPLICATION_CREDENTIALS``, ``STORAGE_EMULATOR_HOST``), so two registries
with two stores could not both be read in one process. Here every profile has its own session
onto GCS's documented JSON API (``/storage/v1/b/<bucket>/o`` to list, ``/download/…?alt=media``
with a ``Range`` to read, ``/upload/…?uploadType=media`` to write, ``DELETE`` to remove) with
a bearer token from google-auth, and nothing is read from or put into ``os.environ`` for it.
Failures are named as the store's (or as the sign-in's), by exception type and HTTP status.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from modelyard.core.connectors._body import FileBody
from modelyard.core.connectors._imports import IMPORT_LOCK
from modelyard.core.model.domain import ArtifactEntry, ArtifactStream
from modelyard.core.model.errors import ErrorKind, RegistryError
from modelyard.core.runtime.http import make_session

CHUNK = 256 * 1024
GCS = "https://storage.googleapis.com"
SCOPE = "https://www.googleapis.com/auth/devstorage.read_write"


@dataclass(frozen=True, slots=True)
class GcsSettings:
    """Where and as whom one profile reaches its GCS store."""

    endpoint_url: str | None = None  # e.g. http://127.0.0.1:9023 (an emulator); None: Google's
    key_file: str | None = None  # a service-account key (JSON); None: application defaults
    anonymous: bool = False  # no credentials (an emulator, a public bucket)

    def where(self) -> str:
        return (self.endpoint_url or GCS).rstrip("/")

    def who(self) -> str:
        if self.anonymous:
            return "no credentials"
        if self.key_file:
            return f"the service-account key {self.key_file}"
        return "this machine's application default credentials"


def is_gcs(location: str) -> bool:
    """A ``gs://`` location, read with the profile's GCS store."""
    return urlsplit(location).scheme == "gs"


def split_location(location: str) -> tuple[str, str]:
    """(bucket, object prefix without slashes at either end) of ``gs://bucket/prefix``."""
    parts = urlsplit(location)
    if parts.scheme != "gs" or not parts.netloc:
        raise RegistryError(f"Not a GCS location: {location}", ErrorKind.INVALID)
    return parts.netloc, parts.path.strip("/")


def _join(*parts: str) -> str:
    return "/".join(p.strip("/") for p in parts if p.strip("/"))


class _Token:
    """A bearer token from google-auth credentials, refreshed when it runs out; thread-safe."""

    def __init__(self, credentials: Any, sign_in: str, files: GcsFiles) -> None:
        self._credentials = credentials
        self.sign_in = sign_in  # the host that hands out tokens, for messages
        self._files = files
        self._lock = threading.Lock()
        self.fetches = 0

    def header(self) -> str:
        with self._lock:
            if not self._credentials.valid:
                with IMPORT_LOCK:
                    from google.auth.transport.requests import Request

                plain = requests.Session()
                try:
                    self._credentials.refresh(Request(session=plain))
                except Exception as exc:
                    raise self._files._sign_in_failure(exc, self.sign_in) from None
                finally:
                    plain.close()
                self.fetches += 1
            return f"Bearer {self._credentials.token}"


class GcsFiles:
    """One profile's GCS store: list, read (streamed, or only the head), write and remove."""

    def __init__(self, settings: GcsSettings, timeout: tuple[float, float]) -> None:
        self.settings = settings
        self.timeout = timeout  # connect, and the longest wait between two bytes
        self._session: requests.Session | None = None
        self._token: _Token | None = None
        self._lock = threading.Lock()

    # --- the session --------------------------------------------------------------------------
    def session(self) -> requests.Session:
        """This profile's session onto the store (credentials loaded at first use)."""
        with self._lock:
            if self._session is None:
                credentials, sign_in = self._credentials()
                if credentials is None:
                    self._session = make_session(authorization=None)
                else:
                    self._token = _Token(credentials, sign_in, self)
                    self._session = make_session(authorization=self._token.header)
            return self._session

    def _credentials(self) -> tuple[Any, str]:
        """google-auth credentials (None: anonymous) and the host that signs them in."""
        s = self.settings
        if s.anonymous:
            return None, ""
        with IMPORT_LOCK:
            import google.auth
            from google.auth import exceptions as gx
            from google.oauth2 import service_account
        if s.key_file:
            path = Path(s.key_file).expanduser()
            try:
                credentials = service_account.Credentials.from_service_account_file(  # type: ignore[no-untyped-call]
                    str(path), scopes=[SCOPE]
                )
                key = json.loads(path.read_text(encoding="utf-8"))
                return credentials, urlsplit(str(key["token_uri"])).netloc
            except OSError as exc:
                raise RegistryError(
                    f"The service-account key file {path} for {self._where()} cannot be read "
                    f"({exc.strerror or type(exc).__name__}).",
                    ErrorKind.INVALID,
                ) from None
            except (ValueError, KeyError, TypeError):
                raise RegistryError(
                    f"{path} is not a Google service-account key file (a JSON key with "
                    "client_email, private_key and token_uri, as the Cloud console's "
                    "IAM ▸ Service accounts ▸ Keys gives it).",
                    ErrorKind.INVALID,
                ) from None
        try:
            credentials, _project = google.auth.default(scopes=[SCOPE])
        except gx.DefaultCredentialsError:
            raise RegistryError(
                f"No Google credentials for {self._where()}: this machine has no application "
                "default credentials (`gcloud auth application-default login`). Give the "
                "profile a service-account key file in the profile editor or with "
                "`modelyard profiles add … --gcs-key-file PATH`.",
                ErrorKind.INVALID,
            ) from None
        return credentials, "oauth2.googleapis.com"

    # --- failures -----------------------------------------------------------------------------
    def _where(self) -> str:
        return f"the GCS store at {self.settings.where()}"

    def _sign_in_failure(self, exc: Exception, host: str) -> RegistryError:
        """A token refresh that failed: Google's sign-in (the key's token host), not the store."""
        from google.auth import exceptions as gx

        if isinstance(exc, gx.RefreshError):
            return RegistryError(
                f"Google's sign-in at {host} refused {self.settings.who()} for "
                f"{self._where()}: the key may be deleted or disabled; create a new key for "
                "the service account.",
                ErrorKind.AUTH,
            )
        if isinstance(exc, gx.TransportError):
            return RegistryError(
                f"Google's sign-in at {host} does not answer (for {self._where()}).",
                ErrorKind.REFUSED,
            )
        return RegistryError(f"Google sign-in failed for {self._where()}: {type(exc).__name__}")

    def _refused(self, response: requests.Response, bucket: str, name: str = "") -> Exception:
        """What an error answer of the JSON API means, by its status."""
        where = self._where()
        status = response.status_code
        if status == 404:
            if name:
                return FileNotFoundError(f"gs://{bucket}/{name}")
            return RegistryError(
                f"{where} has no bucket {bucket!r} (the registry names it for this version's "
                "files): check the profile's store endpoint.",
                ErrorKind.NOT_FOUND,
            )
        if status == 401:
            return RegistryError(
                f"{where} refused {self.settings.who()} (401): check the profile's GCS "
                "credentials.",
                ErrorKind.AUTH,
            )
        if status == 403:
            return RegistryError(
                f"{where} denied {self.settings.who()} access to bucket {bucket!r} (403).",
                ErrorKind.PERMISSION,
            )
        if status >= 500:
            return RegistryError(f"{where} had an error ({status}).", ErrorKind.SERVER)
        return RegistryError(f"{where} refused the request ({status}).")

    def _call(self, send: Callable[[requests.Session], requests.Response]) -> requests.Response:
        """One request, a transport failure named as the store's."""
        session = self.session()
        try:
            return send(session)
        except RegistryError:
            raise
        except requests.exceptions.SSLError as exc:
            raise RegistryError(
                f"{self._where()}: TLS certificate problem ({type(exc).__name__}).",
                ErrorKind.TLS,
            ) from None
        except (requests.exceptions.ConnectionError, requests.exceptions.ConnectTimeout):
            raise RegistryError(
                f"{self._where()} does not answer (the tracking server does; the files are "
                "kept there): check the profile's store endpoint, or try again.",
                ErrorKind.REFUSED,
            ) from None
        except requests.exceptions.Timeout:
            raise RegistryError(f"{self._where()} stopped answering.", ErrorKind.TIMEOUT) from None

    def _object_url(self, bucket: str, name: str, api: str = "storage") -> str:
        prefix = "/download/storage/v1" if api == "download" else "/storage/v1"
        return f"{self._bucket_url(bucket, prefix)}/o/{quote(name, safe='')}"

    def _bucket_url(self, bucket: str, api: str = "/storage/v1") -> str:
        return f"{self.settings.where()}{api}/b/{quote(bucket, safe='')}"

    def _pages(self, bucket: str, params: dict[str, str]) -> Iterator[dict[str, Any]]:
        """The pages of an object listing of ``bucket``."""
        url = f"{self._bucket_url(bucket)}/o"
        query = {**params, "fields": "items(name,size),prefixes,nextPageToken"}
        while True:
            response = self._call(lambda s: s.get(url, params=query, timeout=self.timeout))
            if not response.ok:
                raise self._refused(response, bucket)
            page = _json(response, self._where())
            yield page
            next_page = page.get("nextPageToken")
            if not next_page:
                return
            query["pageToken"] = str(next_page)

    # --- listing ------------------------------------------------------------------------------
    def list_dir(self, location: str, path: str = "") -> list[ArtifactEntry]:
        """Entries directly below ``path`` of ``location`` (folders from the prefixes)."""
        bucket, root = split_location(location)
        prefix = _join(root, path)
        prefix = f"{prefix}/" if prefix else ""
        entries: list[ArtifactEntry] = []
        for page in self._pages(bucket, {"prefix": prefix, "delimiter": "/"}):
            for folder in page.get("prefixes", []):
                name = str(folder)[len(prefix) :].strip("/")
                if name:
                    entries.append(ArtifactEntry(_join(path, name), True))
            for item in page.get("items", []):
                name = str(item.get("name", ""))[len(prefix) :]
                if name and not name.endswith("/"):  # a "folder/" marker is no file
                    size = item.get("size")
                    entries.append(
                        ArtifactEntry(_join(path, name), False, int(size) if size else 0)
                    )
        return entries

    # --- reading ------------------------------------------------------------------------------
    def open(self, location: str, path: str, first: int | None = None) -> ArtifactStream:
        """One file, streamed as it arrives; ``first``: only its first bytes (a ranged read)."""
        bucket, root = split_location(location)
        name = _join(root, path)
        url = self._object_url(bucket, name, "download")
        headers = {"Range": f"bytes=0-{max(first, 1) - 1}"} if first is not None else {}
        response = self._call(
            lambda s: s.get(
                url, params={"alt": "media"}, headers=headers, stream=True, timeout=self.timeout
            )
        )
        if not response.ok:
            response.close()
            raise self._refused(response, bucket, name)
        size: int | None = None
        total = response.headers.get("Content-Range", "").rpartition("/")[2]
        length = response.headers.get("Content-Length", "")
        if total.isdigit():
            size = int(total)
        elif length.isdigit() and "Content-Encoding" not in response.headers:
            size = int(length)

        def chunks() -> Iterator[bytes]:
            try:
                yield from response.iter_content(CHUNK)
            except requests.exceptions.RequestException:
                raise RegistryError(
                    f"{self._where()} stopped answering in the middle of gs://{bucket}/{name}.",
                    ErrorKind.TIMEOUT,
                ) from None

        return ArtifactStream(size, chunks(), response.close)

    # --- writing (a copy into this store) -----------------------------------------------------
    def write(
        self, location: str, path: str, source: Path, on_bytes: Callable[[int], None]
    ) -> None:
        """Upload one file to ``path`` below ``location``, telling ``on_bytes`` what went."""
        bucket, root = split_location(location)
        name = _join(root, path)
        url = f"{self._bucket_url(bucket, '/upload/storage/v1')}/o"
        body = FileBody(source, on_bytes)
        try:
            response = self._call(
                lambda s: s.post(
                    url,
                    params={"uploadType": "media", "name": name},
                    data=body,
                    headers={"Content-Type": "application/octet-stream"},
                    timeout=self.timeout,
                )
            )
        finally:
            body.close()
        if not response.ok:
            raise self._refused(response, bucket)

    def remove_below(self, location: str) -> int:
        """Delete every object below ``location``; how many were deleted."""
        bucket, root = split_location(location)
        if not root:
            raise RegistryError(f"Refusing to empty the whole bucket {bucket!r}.")
        names = [
            str(item["name"])
            for page in self._pages(bucket, {"prefix": f"{root}/"})
            for item in page.get("items", [])
        ]
        for name in names:
            response = self._delete(self._object_url(bucket, name))
            if not response.ok and response.status_code != 404:
                raise self._refused(response, bucket)
        return len(names)

    def _delete(self, url: str) -> requests.Response:
        return self._call(lambda s: s.delete(url, timeout=self.timeout))


def _json(response: requests.Response, where: str) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        kind = response.headers.get("Content-Type", "no content type")
        raise RegistryError(
            f"{where} answered with something that is not JSON ({kind}): is the endpoint a "
            "GCS JSON API, or a proxy's page?",
            ErrorKind.INVALID,
        ) from None
    if not isinstance(data, dict):
        raise RegistryError(f"{where} answered with JSON that is not an object.", ErrorKind.INVALID)
    return data
