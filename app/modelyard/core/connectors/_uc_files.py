"""Unity Catalog model version files, with the profile's own workspace credentials."""

from __future__ import annotations

import posixpath
from typing import Any
from urllib.parse import quote

import requests

from modelyard.core.connectors._artifacts import (
    ArtifactAccess,
    _error_code,
    _json,
    _streamed,
    check_api,
    downloaded_stream,
    safe_relative,
)
from modelyard.core.connectors._seams import (
    PARSE_DICT,
    UC_CREDENTIALS_MESSAGE,
    UC_STORAGE_REPOSITORY,
    resolve,
)
from modelyard.core.connectors._workspace_files import model_version_of
from modelyard.core.model.domain import ArtifactEntry, ArtifactStream
from modelyard.core.model.errors import ErrorKind, RegistryError
from modelyard.core.runtime.http import TIMEOUT

UC_TEMPORARY_CREDENTIALS = (
    "/api/2.0/mlflow/unity-catalog/model-versions/generate-temporary-credentials"
)
UC_DOWNLOAD_URI = "/api/2.0/mlflow/unity-catalog/model-versions/get-download-uri"
FILES_DIRECTORIES = "/api/2.0/fs/directories"
FILES_DOWNLOAD_URL = "/api/2.0/fs/create-download-url"
# Unity Catalog's cloud-storage credential types → what reads that storage, and the extra
# that installs it.
CLOUD_EXTRAS = {
    "aws_temp_credentials": ("AWS S3", "aws"),
    "r2_temp_credentials": ("Cloudflare R2", "aws"),
    "azure_user_delegation_sas": ("Azure Data Lake Storage", "azure-storage"),
    "gcp_oauth_token": ("Google Cloud Storage", "gcs"),
}
CREDENTIAL_MARGIN_MS = 60_000


class UnityCatalogArtifacts(ArtifactAccess):
    """A Unity Catalog version's files, read the way MLflow's UC store reads them, with this
    profile's workspace credentials only:

    * ``generate-temporary-credentials`` (operation READ) says where the files are kept;
    * Databricks default storage: listed through the Files API (``/api/2.0/fs/directories/
      Models/<catalog>/<schema>/<model>/<version>/…``) and downloaded from the pre-signed URL of
      ``/api/2.0/fs/create-download-url`` with the headers it names — no workspace token is sent
      to storage;
    * the customer's own cloud storage: MLflow's S3/ADLS/GCS/R2 repository built with *those
      temporary credentials* (never the machine's own cloud credentials); its SDK comes with an
      extra (``pip install 'modelyard[aws]'`` …), and without it the message says which.
    """

    def __init__(
        self, host: str, session: requests.Session, timeout: tuple[float, float] = TIMEOUT
    ) -> None:
        super().__init__(host, session, timeout)
        self._storage = requests.Session()
        self._credentials: dict[tuple[str, str], dict[str, Any]] = {}

    # --- where a version's files are -----------------------------------------------------------
    def temporary_credentials(self, name: str, version: str) -> dict[str, Any]:
        """The service's READ credentials for a version (cached until a minute before they
        expire)."""
        import time

        key = (name, version)
        cached = self._credentials.get(key)
        if cached and int(cached.get("expiration_time") or 0) > time.time() * 1000 + (
            CREDENTIAL_MARGIN_MS
        ):
            return cached
        host, session = self._require_session()
        response = session.post(
            f"{host}{UC_TEMPORARY_CREDENTIALS}",
            json={"name": name, "version": version, "operation": "MODEL_VERSION_OPERATION_READ"},
            timeout=self.timeout,
        )
        check_api(response, "temporary credentials for model version files")
        credentials = _json(response).get("credentials")
        if not isinstance(credentials, dict):
            raise RegistryError(
                f"{host} gave no credentials for the files of {name} v{version}.",
                ErrorKind.SERVER,
            )
        self._credentials[key] = credentials
        return credentials

    def _default_storage(self, name: str, version: str) -> bool:
        return self.temporary_credentials(name, version).get("storage_mode") == "DEFAULT_STORAGE"

    @staticmethod
    def files_root(name: str, version: str) -> str:
        """The Files API folder of a version: ``/Models/<catalog>/<schema>/<model>/<version>``."""
        parts = name.split(".")
        if len(parts) != 3 or not all(parts):
            raise RegistryError(
                f"{name!r} is not a Unity Catalog name (catalog.schema.model).", ErrorKind.INVALID
            )
        return "/Models/" + "/".join((*parts, version))

    # --- listing -----------------------------------------------------------------------------
    def list_dir(self, location: str, path: str = "") -> list[ArtifactEntry]:
        """Entries directly below ``path`` of a version."""
        version = model_version_of(location)
        if version is None:
            return super().list_dir(location, path)
        path = safe_relative(path)
        if not self._default_storage(*version):
            repo = self._cloud_repository(*version)
            entries = [
                ArtifactEntry(safe_relative(f.path), bool(f.is_dir), f.file_size)
                for f in self._cloud_call(lambda: repo.list_artifacts(path or None), *version)
            ]
            return sorted(entries, key=lambda e: (not e.is_dir, e.path))
        host, session = self._require_session()
        root = self.files_root(*version)
        folder = "/".join(p for p in (root, path) if p)
        entries = []
        token: str | None = None
        while True:
            params = {"page_token": token} if token else {}
            response = session.get(
                f"{host}{FILES_DIRECTORIES}{quote(folder)}", params=params, timeout=self.timeout
            )
            if response.status_code == 404 and path and _error_code(response) == "NOT_FOUND":
                return self._as_file(version, path)
            check_api(response, "Files API (Unity Catalog model files)")
            data = _json(response)
            for item in data.get("contents") or []:
                full = str(item.get("path") or "")
                if not full.startswith(root + "/"):
                    raise RegistryError(
                        f"The Files API listed {full!r} outside {root}.", ErrorKind.INVALID
                    )
                is_dir = bool(item.get("is_directory"))
                size = None if is_dir else item.get("file_size")
                entries.append(
                    ArtifactEntry(
                        safe_relative(full.removeprefix(root + "/")),
                        is_dir,
                        int(size) if size is not None else None,
                    )
                )
            token = data.get("next_page_token")
            if not token:
                break
        return sorted(entries, key=lambda e: (not e.is_dir, e.path))

    def _as_file(self, version: tuple[str, str], path: str) -> list[ArtifactEntry]:
        """``path`` is not a folder: the entry of that file in its parent's listing."""
        parent = posixpath.dirname(path)
        for entry in self.list_dir(f"models:/{version[0]}/{version[1]}", parent):
            if entry.path == path and not entry.is_dir:
                return [entry]
        raise FileNotFoundError(path)

    # --- reading -----------------------------------------------------------------------------
    def open(self, location: str, path: str) -> ArtifactStream:
        """One file of a version: from its pre-signed URL, or from the customer's storage."""
        version = model_version_of(location)
        if version is None:
            return super().open(location, path)
        path = safe_relative(path)
        if not self._default_storage(*version):
            return self._open_cloud(version, path)
        host, session = self._require_session()
        full = f"{self.files_root(*version)}/{path}"
        response = session.post(
            f"{host}{FILES_DOWNLOAD_URL}", json={"path": full}, timeout=self.timeout
        )
        check_api(response, "Files API download addresses (Unity Catalog model files)")
        data = _json(response)
        url = str(data.get("url") or "")
        if not url:
            raise RegistryError(f"{host} gave no download address for {path}.", ErrorKind.SERVER)
        headers = {
            str(h["name"]): str(h["value"])
            for h in data.get("headers") or []
            if "name" in h and "value" in h
        }
        return _streamed(
            self._storage.get(url, headers=headers, stream=True, timeout=self.timeout), path
        )

    # --- the customer's own cloud storage -----------------------------------------------------
    def _cloud_repository(self, name: str, version: str) -> Any:
        TemporaryCredentials = resolve(UC_CREDENTIALS_MESSAGE)
        get_artifact_repo_from_storage_info = resolve(UC_STORAGE_REPOSITORY)
        parse_dict = resolve(PARSE_DICT)

        def scoped() -> Any:
            self._credentials.pop((name, version), None)
            message = TemporaryCredentials()
            parse_dict(self.temporary_credentials(name, version), message)
            return message

        host, session = self._require_session()
        response = session.get(
            f"{host}{UC_DOWNLOAD_URI}",
            params={"name": name, "version": version},
            timeout=self.timeout,
        )
        check_api(response, "download locations of Unity Catalog model versions")
        storage = str(_json(response).get("artifact_uri") or "")
        token = scoped()
        return self._cloud_call(
            lambda: get_artifact_repo_from_storage_info(storage, token, scoped), name, version
        )

    def _cloud_call(self, what: Any, name: str, version: str, doing: str = "Reading") -> Any:
        try:
            return what()
        except Exception as exc:
            missing = next((e for e in _causes(exc) if isinstance(e, ImportError)), None)
            if missing is None:
                raise
            kind = next(
                (k for k in CLOUD_EXTRAS if self._credentials.get((name, version), {}).get(k)),
                "",
            )
            store, extra = CLOUD_EXTRAS.get(kind, ("its cloud storage", "aws"))
            raise RegistryError(
                f"Unity Catalog keeps the files of {name} v{version} in your own {store}. "
                f"{doing} them with the temporary credentials Unity Catalog hands out needs "
                f"{getattr(missing, 'name', None) or 'that storage SDK'}: "
                f"pip install 'modelyard[{extra}]' (the machine's own cloud credentials are "
                "never used).",
                ErrorKind.INVALID,
            ) from None

    def _open_cloud(self, version: tuple[str, str], path: str) -> ArtifactStream:
        repo = self._cloud_repository(*version)
        return downloaded_stream(
            lambda folder: str(
                self._cloud_call(lambda: repo.download_artifacts(path, folder), *version)
            )
        )


def _causes(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    item: BaseException | None = exc
    while item is not None and len(seen) < 10:
        seen.append(item)
        item = item.__cause__ or item.__context__
    return seen
