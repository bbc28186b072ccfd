"""A Databricks workspace-registry version's files (``models:/<name>/<version>`` locations),
read the way MLflow's own client reads them: listed through the workspace, downloaded from
pre-signed storage URLs."""

from __future__ import annotations

import requests

from modelyard.core.connectors._artifacts import (
    ArtifactAccess,
    _json,
    _streamed,
    check_api,
    safe_relative,
)
from modelyard.core.model.domain import ArtifactEntry, ArtifactStream
from modelyard.core.model.errors import ErrorKind, RegistryError
from modelyard.core.runtime.http import TIMEOUT

LIST_VERSION_ARTIFACTS = "/api/2.0/mlflow/model-versions/list-artifacts"
SIGNED_DOWNLOAD_URI = "/api/2.0/mlflow/model-versions/get-signed-download-uri"


def model_version_of(location: str) -> tuple[str, str] | None:
    """``models:/<name>/<version>`` → (name, version); None for any other location."""
    if not location.startswith("models:/"):
        return None
    name, _, version = location.removeprefix("models:/").rpartition("/")
    return (name, version) if name and version else None


class ModelVersionArtifacts(ArtifactAccess):
    """A Databricks workspace-registry version's files, the way MLflow's own client reads them
    (``model-versions/list-artifacts`` and ``get-signed-download-uri``, "developer stable" in
    MLflow): listed with this profile's session, downloaded from the pre-signed storage URL with
    the headers the service names and *without* the workspace token (the signature is the
    credential; cloud stores refuse a second one, and the token must not leave the workspace).
    Other locations are read as ArtifactAccess reads them."""

    def __init__(
        self, host: str, session: requests.Session, timeout: tuple[float, float] = TIMEOUT
    ) -> None:
        super().__init__(host, session, timeout)
        self._storage = requests.Session()

    def list_dir(self, location: str, path: str = "") -> list[ArtifactEntry]:
        """Entries directly below ``path`` of a version (paged by the service)."""
        version = model_version_of(location)
        if version is None:
            return super().list_dir(location, path)
        path = safe_relative(path)
        host, session = self._require_session()
        entries: list[ArtifactEntry] = []
        token: str | None = None
        while True:
            params = {"name": version[0], "version": version[1], "path": path}
            if token:
                params["page_token"] = token
            response = session.get(
                f"{host}{LIST_VERSION_ARTIFACTS}", params=params, timeout=self.timeout
            )
            check_api(response, "model version file listing")
            data = _json(response)
            files = list(data.get("files") or [])
            if len(files) == 1 and files[0].get("path") == path and not files[0].get("is_dir"):
                return [ArtifactEntry(path, False, files[0].get("file_size"))]  # path is a file
            for item in files:
                is_dir = bool(item.get("is_dir"))
                size = None if is_dir else item.get("file_size")
                entries.append(
                    ArtifactEntry(
                        safe_relative(str(item.get("path", ""))),
                        is_dir,
                        int(size) if size is not None else None,
                    )
                )
            token = data.get("next_page_token")
            if not files or not token:
                break
        return sorted(entries, key=lambda e: (not e.is_dir, e.path))

    def open(self, location: str, path: str) -> ArtifactStream:
        """One file of a version, streamed from its pre-signed URL."""
        version = model_version_of(location)
        if version is None:
            return super().open(location, path)
        path = safe_relative(path)
        host, session = self._require_session()
        response = session.get(
            f"{host}{SIGNED_DOWNLOAD_URI}",
            params={"name": version[0], "version": version[1], "path": path},
            timeout=self.timeout,
        )
        check_api(response, "pre-signed download addresses")
        data = _json(response)
        signed = str(data.get("signed_uri") or "")
        if not signed:
            raise RegistryError(
                f"The workspace gave no download address for {path}.", ErrorKind.SERVER
            )
        headers = {
            str(h["name"]): str(h["value"])
            for h in data.get("headers") or []
            if "name" in h and "value" in h
        }
        return _streamed(
            self._storage.get(signed, headers=headers, stream=True, timeout=self.timeout), path
        )
