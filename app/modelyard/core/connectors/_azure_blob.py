"""A version's files in Azure Blob Storage (``wasbs://container@account.blob.core.windows.net/…``)
with one profile's own store settings: the account's blob endpoint (an emulator's or a private
endpoint's too) and its account key, a SAS token or a connection string from the keyring.

MLflow's own repository reads ``AZURE_STORAGE_CONNECTION_STRING`` or ``AZURE_STORAGE_ACCESS_KEY``
from the process environment, and without them tries DefaultAzureCredential (managed identity
and all), printing each attempt's failure. Here every profile has its own client and nothing is
read from or put into ``os.environ``; failures are named as the store's, by exception type and
Azure's error code.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from modelyard.core.connectors._imports import IMPORT_LOCK
from modelyard.core.model.domain import ArtifactEntry, ArtifactStream
from modelyard.core.model.errors import ErrorKind, RegistryError

CHUNK = 4 * 1024 * 1024
DELETE_BATCH = 256  # Blob batch's limit
_NETLOC = re.compile(r"([^@]+)@([^.]+)\.(blob|dfs)\.(core\..+)")


@dataclass(frozen=True, slots=True)
class AzureBlobSettings:
    """Where and as whom one profile reaches its Azure Blob store."""

    account_url: str | None = None  # e.g. http://127.0.0.1:10000/devstoreaccount1; None: Azure's
    auth: str = "key"  # key, sas, connection-string, service-principal, azure-cli
    secret: str | None = None  # the key, the SAS token, the connection string, a client secret
    tenant_id: str | None = None  # Microsoft Entra ID
    client_id: str | None = None
    authority_host: str | None = None

    @classmethod
    def from_machine(cls) -> AzureBlobSettings:
        """A profile without a store of its own: the connection string or account key of
        MLflow's own variables when they are set (read here, never written), else this
        machine's Azure credentials (environment, managed identity, Azure CLI)."""
        import os

        if os.environ.get("AZURE_STORAGE_CONNECTION_STRING"):
            return cls(
                auth="connection-string", secret=os.environ["AZURE_STORAGE_CONNECTION_STRING"]
            )
        if os.environ.get("AZURE_STORAGE_ACCESS_KEY"):
            return cls(auth="key", secret=os.environ["AZURE_STORAGE_ACCESS_KEY"])
        return cls(auth="default")

    @property
    def entra(self) -> bool:
        """Signed in with Microsoft Entra ID (a bearer token), not with a key."""
        return self.auth in ("service-principal", "azure-cli", "default")

    def sign_in(self) -> str:
        """Microsoft Entra's sign-in step in words, naming its host (not the store's)."""
        if self.auth == "azure-cli":
            return "the Azure CLI sign-in (az)"
        return f"the sign-in authority {self.authority_host or 'login.microsoftonline.com'}"

    def where(self, account: str) -> str:
        return (self.account_url or f"https://{account}.blob.core.windows.net").rstrip("/")


def split_location(location: str) -> tuple[str, str, str, str]:
    """(container, account, endpoint suffix, path) of a ``wasbs://`` (or ``abfss://``) URI."""
    parts = urlsplit(location)
    match = _NETLOC.fullmatch(parts.netloc)
    if parts.scheme not in ("wasbs", "wasb", "abfss", "abfs") or match is None:
        raise RegistryError(
            f"Not an Azure Blob location: {location} (expected "
            "wasbs://<container>@<account>.blob.core.windows.net/<path>)",
            ErrorKind.INVALID,
        )
    return match[1], match[2], match[4], parts.path.strip("/")


def is_azure_blob(location: str) -> bool:
    """A ``wasbs://`` (or ADLS ``abfss://``) location, read with the profile's Azure store."""
    return urlsplit(location).scheme in ("wasbs", "wasb", "abfss", "abfs")


class _EntraCredential:
    """A Microsoft Entra ID token credential (azure-identity) for one profile's store, whose
    sign-in failures are named as the sign-in's (its authority), not the store's."""

    def __init__(self, settings: AzureBlobSettings, where: str) -> None:
        with IMPORT_LOCK:
            from azure import identity

        self._settings = settings
        self._where = where
        if settings.auth == "azure-cli":
            self._credential: Any = identity.AzureCliCredential(
                tenant_id=settings.tenant_id or "", process_timeout=30
            )
        elif settings.auth == "default":
            # The machine's chain, tried once; its per-credential warnings are not printed
            # (the failure is said once, in words, below).
            logging.getLogger("azure.identity").setLevel(logging.ERROR)
            self._credential = identity.DefaultAzureCredential(
                exclude_interactive_browser_credential=True
            )
        else:
            authority: dict[str, Any] = {}
            if settings.authority_host:  # an explicit authority (private, sovereign): no discovery
                authority = {
                    "authority": settings.authority_host,
                    "disable_instance_discovery": True,
                }
            self._credential = identity.ClientSecretCredential(
                tenant_id=str(settings.tenant_id),
                client_id=str(settings.client_id),
                client_secret=str(settings.secret or ""),
                **authority,
            )

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core import exceptions as ax

        try:
            return self._credential.get_token(*scopes, **kwargs)
        except ax.ClientAuthenticationError as exc:  # CredentialUnavailableError is one too
            s = self._settings
            if s.auth == "default":
                raise RegistryError(
                    f"No credentials for {self._where}: this profile has no Azure Blob store "
                    "of its own, and this machine no Azure sign-in (no AZURE_STORAGE_* "
                    "variables, managed identity or `az login`). Set the profile's Azure Blob "
                    "store (an account key, a SAS token, a connection string or a service "
                    "principal) in the profile editor or with `modelyard profiles add … "
                    "--azure-key-stdin`.",
                    ErrorKind.INVALID,
                ) from None
            if type(exc).__name__ == "CredentialUnavailableError":
                raise RegistryError(
                    f"No Azure CLI sign-in for {self._where}: run `az login` (the Azure CLI "
                    "must be installed), or give the profile a service principal.",
                    ErrorKind.AUTH,
                ) from None
            raise RegistryError(
                f"{s.sign_in()} refused the service principal {s.client_id} of tenant "
                f"{s.tenant_id} (for {self._where}): check its client id and secret.",
                ErrorKind.AUTH,
            ) from None
        except ax.ServiceRequestError:
            raise RegistryError(
                f"{self._settings.sign_in()} does not answer (signing in for {self._where}).",
                ErrorKind.REFUSED,
            ) from None

    def close(self) -> None:
        self._credential.close()


def _join(*parts: str) -> str:
    return "/".join(p.strip("/") for p in parts if p.strip("/"))


class AzureBlobFiles:
    """One profile's Azure Blob store: list, read, write and remove."""

    def __init__(self, settings: AzureBlobSettings, timeout: tuple[float, float]) -> None:
        self.settings = settings
        self.timeout = timeout
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def _container(self, location: str) -> tuple[Any, str, str]:
        """(container client, the location's path, the store for messages)."""
        container, account, suffix, path = split_location(location)
        where = f"the Azure Blob store at {self.settings.where(account)}"
        with self._lock:
            client = self._clients.get((account, container))
            if client is None:
                client = self._make(account, suffix, container, where)
                self._clients[(account, container)] = client
        return client, path, where

    def _make(self, account: str, suffix: str, container: str, where: str) -> Any:
        s = self.settings
        try:
            with IMPORT_LOCK:
                from azure.storage.blob import ContainerClient
        except ImportError:
            raise RegistryError(
                "This version's files are in Azure Blob Storage; reading them needs "
                "azure-storage-blob (pip install azure-storage-blob).",
                ErrorKind.INVALID,
            ) from None
        if s.entra:
            entra = _EntraCredential(s, where)
            url = s.account_url or f"https://{account}.blob.core.{suffix}"
            if not url.startswith("https://"):
                raise RegistryError(
                    f"{where}: Microsoft Entra sign-in works over HTTPS only; the account URL "
                    "is plain HTTP.",
                    ErrorKind.INVALID,
                )
            return ContainerClient(url, container, credential=entra, **self._options())
        if not s.secret:
            raise RegistryError(
                f"No credentials for {where}: set the profile's Azure Blob store (an account "
                "key, a SAS token or a connection string) in the profile editor or with "
                "`modelyard profiles add … --azure-account-url URL --azure-key-stdin`.",
                ErrorKind.INVALID,
            )
        options = self._options()
        if s.auth == "connection-string":
            try:
                return ContainerClient.from_connection_string(s.secret, container, **options)
            except ValueError as exc:
                raise RegistryError(
                    f"The profile's connection string for Azure Blob Storage is not one "
                    f"({exc}): copy it again from the storage account's Access keys.",
                    ErrorKind.INVALID,
                ) from None
        url = s.account_url or f"https://{account}.blob.core.{suffix}"
        credential: Any = s.secret
        if s.auth == "key":
            credential = {"account_name": account, "account_key": s.secret}
        return ContainerClient(url, container, credential=credential, **options)

    def _options(self) -> dict[str, Any]:
        return {"connection_timeout": self.timeout[0], "read_timeout": self.timeout[1]}

    def _failure(self, exc: Exception, where: str, container: str, path: str = "") -> Exception:
        from azure.core import exceptions as ax

        what = {
            "key": "the account key",
            "sas": "the SAS token",
            "connection-string": "the connection string's key",
            "service-principal": f"the service principal {self.settings.client_id}",
            "azure-cli": "the Azure CLI's account",
        }[self.settings.auth]
        raw = getattr(exc, "error_code", "") or ""
        code = str(getattr(raw, "value", raw))  # a StorageErrorCode, or the header's text
        status = int(getattr(getattr(exc, "response", None), "status_code", 0) or 0)
        if isinstance(exc, ax.ResourceNotFoundError) or status == 404:
            if code == "ContainerNotFound":
                return RegistryError(
                    f"{where} has no container {container!r} (the registry names it for this "
                    "version's files).",
                    ErrorKind.NOT_FOUND,
                )
            return FileNotFoundError(f"{container}/{path}")
        # An account key may do anything: a 403 to it is the key refused (Azure says
        # AuthenticationFailed, its emulator AuthorizationFailure); to a SAS or a Microsoft
        # Entra identity, its permissions (a role such as Storage Blob Data Reader).
        keyed = self.settings.auth in ("key", "connection-string")
        if (
            isinstance(exc, ax.ClientAuthenticationError)
            or code == "AuthenticationFailed"
            or (keyed and status == 403)
        ):
            return RegistryError(
                f"{where} refused {what} ({code or status}): check the profile's Azure Blob "
                "credentials.",
                ErrorKind.AUTH,
            )
        if status == 403:
            return RegistryError(
                f"{where} denied {what} access to container {container!r} ({code or status}).",
                ErrorKind.PERMISSION,
            )
        if isinstance(exc, ax.ServiceRequestError):
            return RegistryError(
                f"{where} does not answer (the tracking server does; the files are kept "
                "there): check the profile's account URL, or try again.",
                ErrorKind.REFUSED,
            )
        if isinstance(exc, ax.ServiceResponseError):
            return RegistryError(f"{where} stopped answering.", ErrorKind.TIMEOUT)
        if isinstance(exc, ax.HttpResponseError):
            kind = ErrorKind.SERVER if status >= 500 else ErrorKind.UNKNOWN
            return RegistryError(f"{where} refused the request ({status} {code}).", kind)
        return exc

    def _do(self, location: str, what: Callable[[Any, str], Any], path: str = "") -> Any:
        client, root, where = self._container(location)
        try:
            return what(client, root)
        except RegistryError:
            raise
        except Exception as exc:
            raise self._failure(exc, where, client.container_name, path) from None

    # --- listing ------------------------------------------------------------------------------
    def list_dir(self, location: str, path: str = "") -> list[ArtifactEntry]:
        """Entries directly below ``path`` (folders from the listing's prefixes)."""

        def listing(client: Any, root: str) -> list[ArtifactEntry]:
            prefix = _join(root, path)
            prefix = f"{prefix}/" if prefix else ""
            entries: list[ArtifactEntry] = []
            for item in client.walk_blobs(name_starts_with=prefix, delimiter="/"):
                name = str(item.name)[len(prefix) :].strip("/")
                if not name:
                    continue
                if item.__class__.__name__ == "BlobPrefix":
                    entries.append(ArtifactEntry(_join(path, name), True))
                else:
                    entries.append(ArtifactEntry(_join(path, name), False, int(item.size)))
            return entries

        return list(self._do(location, listing))

    # --- reading ------------------------------------------------------------------------------
    def open(self, location: str, path: str) -> ArtifactStream:
        """One file, streamed as it arrives."""

        def download(client: Any, root: str) -> Any:
            return client.download_blob(_join(root, path), max_concurrency=1)

        downloader = self._do(location, download, path)
        client, _root, where = self._container(location)

        def chunks() -> Iterator[bytes]:
            try:
                yield from downloader.chunks()
            except Exception as exc:
                raise self._failure(exc, where, client.container_name, path) from None

        return ArtifactStream(int(downloader.size), chunks())

    # --- writing (a copy into this store) -----------------------------------------------------
    def write(
        self, location: str, path: str, source: Path, on_bytes: Callable[[int], None]
    ) -> None:
        """Upload one file, telling ``on_bytes`` what went."""
        size = source.stat().st_size
        told = [0]

        def progress(response: Any) -> None:
            current = int(response.context.get("upload_stream_current") or 0)
            if current > told[0]:
                on_bytes(current - told[0])
                told[0] = current

        def upload(client: Any, root: str) -> None:
            with source.open("rb") as handle:
                client.upload_blob(
                    _join(root, path), handle, length=size, overwrite=True,
                    raw_response_hook=progress,
                )  # fmt: skip
            if size > told[0]:
                on_bytes(size - told[0])

        self._do(location, upload, path)

    def remove_below(self, location: str) -> int:
        """Delete every blob below ``location``; how many were deleted."""

        def remove(client: Any, root: str) -> int:
            if not root:
                raise RegistryError(f"Refusing to empty the whole container of {location}.")
            names = [b.name for b in client.list_blobs(name_starts_with=f"{root}/")]
            for start in range(0, len(names), DELETE_BATCH):
                for name in names[start : start + DELETE_BATCH]:
                    client.delete_blob(name)
            return len(names)

        removed: int = self._do(location, remove)
        return removed
