"""Registering a copied version in Unity Catalog, as MLflow's UC store does it, with this
profile's workspace credentials:

1. ``POST …/unity-catalog/model-versions/create`` (source, run, description, tags) → a version
   in ``PENDING_REGISTRATION`` with its ``storage_location``;
2. ``…/generate-temporary-credentials`` with ``MODEL_VERSION_OPERATION_READ_WRITE``: Databricks
   default storage → each file to the pre-signed URL of the Files API's
   ``/api/2.0/fs/create-upload-url`` (``/Models/<catalog>/<schema>/<model>/<version>/<path>``),
   streamed, with the headers it names; the customer's own storage → MLflow's repository for it
   built with *those* temporary credentials (its SDK from an extra);
3. ``POST …/unity-catalog/model-versions/finalize`` → ``READY``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from modelyard.core.connectors._artifacts import _json, check_api, safe_relative
from modelyard.core.connectors._seams import (
    PARSE_DICT,
    UC_CREDENTIALS_MESSAGE,
    UC_STORAGE_REPOSITORY,
    resolve,
)
from modelyard.core.connectors._signed_upload import put_presigned
from modelyard.core.connectors._uc_files import UC_TEMPORARY_CREDENTIALS, UnityCatalogArtifacts
from modelyard.core.model.errors import ErrorKind, RegistryError

UC = "/api/2.0/mlflow/unity-catalog"
FILES_UPLOAD_URL = "/api/2.0/fs/create-upload-url"


class UnityCatalogWrites:
    """The write side of a Unity Catalog version, over the profile's session."""

    def __init__(self, files: UnityCatalogArtifacts) -> None:
        self._files = files

    def _post(self, path: str, body: dict[str, Any], what: str) -> dict[str, Any]:
        host, session = self._files._require_session()
        response = session.post(f"{host}{path}", json=body, timeout=self._files.timeout)
        check_api(response, what)
        data: dict[str, Any] = _json(response)
        return data

    def create_pending(
        self, name: str, source: str, run_id: str, description: str, tags: dict[str, str]
    ) -> dict[str, Any]:
        """A new version, pending until its files are written and it is finalized."""
        data = self._post(
            f"{UC}/model-versions/create",
            {
                "name": name,
                "source": source,
                "run_id": run_id,
                "description": description,
                "tags": [{"key": k, "value": v} for k, v in tags.items()],
            },
            "Unity Catalog model version creation",
        )
        version = data.get("model_version")
        if not isinstance(version, dict) or not version.get("version"):
            raise RegistryError(f"Unity Catalog created no version of {name}.", ErrorKind.SERVER)
        return version

    def write_files(
        self,
        name: str,
        version: str,
        files: list[tuple[str, Path]],
        on_bytes: Callable[[int], None],
    ) -> None:
        """Write ``files`` ((relative path, local file)) into the version's storage."""
        credentials = self._post(
            UC_TEMPORARY_CREDENTIALS,
            {"name": name, "version": version, "operation": "MODEL_VERSION_OPERATION_READ_WRITE"},
            "temporary credentials for writing model version files",
        ).get("credentials")
        if not isinstance(credentials, dict):
            raise RegistryError(
                f"Unity Catalog gave no credentials to write {name} v{version}.", ErrorKind.SERVER
            )
        if credentials.get("storage_mode") != "DEFAULT_STORAGE":
            self._write_cloud(name, version, credentials, files)
            return
        root = self._files.files_root(name, version)
        for relative, local in files:
            data = self._post(
                FILES_UPLOAD_URL,
                {"path": f"{root}/{safe_relative(relative)}"},
                "Files API upload addresses (Unity Catalog model files)",
            )
            url = str(data.get("url") or "")
            if not url:
                raise RegistryError(
                    f"The Files API gave no upload address for {relative}.", ErrorKind.SERVER
                )
            headers = {
                str(h["name"]): str(h.get("value", ""))
                for h in data.get("headers") or []
                if isinstance(h, dict) and h.get("name")
            }
            put_presigned(
                self._files._storage, url, headers, local, on_bytes, timeout=self._files.timeout
            )

    def _write_cloud(
        self,
        name: str,
        version: str,
        credentials: dict[str, Any],
        files: list[tuple[str, Path]],
    ) -> None:
        """The customer's own storage, with the temporary READ_WRITE credentials only."""
        TemporaryCredentials = resolve(UC_CREDENTIALS_MESSAGE)
        get_artifact_repo_from_storage_info = resolve(UC_STORAGE_REPOSITORY)
        parse_dict = resolve(PARSE_DICT)

        token = TemporaryCredentials()
        parse_dict(credentials, token)
        self._files._credentials[(name, version)] = credentials  # names the extra if missing
        host, session = self._files._require_session()
        response = session.get(
            f"{host}{UC}/model-versions/get",
            params={"name": name, "version": version},
            timeout=self._files.timeout,
        )
        check_api(response, "Unity Catalog model versions")
        storage = str((_json(response).get("model_version") or {}).get("storage_location") or "")

        def write() -> None:
            repo = get_artifact_repo_from_storage_info(storage, token, lambda: token)
            for relative, local in files:
                parent = Path(safe_relative(relative)).parent.as_posix()
                repo.log_artifact(str(local), None if parent == "." else parent)

        self._files._cloud_call(write, name, version, "Writing")

    def finalize(self, name: str, version: str) -> None:
        """From PENDING_REGISTRATION to READY."""
        self._post(
            f"{UC}/model-versions/finalize",
            {"name": name, "version": version},
            "Unity Catalog model version finalization",
        )
