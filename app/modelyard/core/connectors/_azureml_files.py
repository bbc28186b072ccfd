"""AzureML version files, with the profile's own Entra token, without azureml-mlflow.

A version registered from a job keeps its files in the run's artifacts, located as
``azureml://experiments/<experiment>/runs/<run>/artifacts/<path>``. The workspace's run-history
API lists them (``GET …/history/v1.0/<workspace scope>/experiments/<e>/runs/<r>/artifacts``,
paged with ``continuationToken``) and hands out a blob SAS URL per file
(``…/artifacts/contentinfo?path=`` → ``contentUri``). The file is fetched from that URL *without*
the Entra token: the SAS signature is the credential, and the token must not leave the
workspace's API.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from modelyard.core.connectors._artifacts import (
    ArtifactAccess,
    _json,
    _streamed,
    check_api,
    safe_relative,
)
from modelyard.core.connectors._blob import put_blob
from modelyard.core.model.domain import ArtifactEntry, ArtifactStream
from modelyard.core.model.errors import ErrorKind, RegistryError
from modelyard.core.runtime.http import TIMEOUT

RUN_ARTIFACTS = re.compile(
    r"^azureml://(?:.*/)?experiments/(?P<experiment>[^/]+)/runs/(?P<run>[^/]+)"
    r"/artifacts(?:/(?P<path>.*))?$"
)
DATASTORE = re.compile(r"^azureml://(?:.*/)?datastores/(?P<store>[^/]+)/paths/(?P<path>.*)$")
LISTING_TTL = 30.0  # seconds a run's flat listing is reused while browsing its folders
MAX_PAGES = 1000


class AzureMLArtifacts(ArtifactAccess):
    """Lists and reads ``azureml://`` run-artifact locations through the workspace's run
    history; other locations as ArtifactAccess reads them."""

    def __init__(
        self,
        history_url: str,
        session: requests.Session,
        timeout: tuple[float, float] = TIMEOUT,
    ) -> None:
        super().__init__(history_url, session, timeout)
        self._storage = requests.Session()
        self._listings: dict[tuple[str, str], tuple[float, list[dict[str, Any]]]] = {}
        self._lock = threading.Lock()

    # --- where ---------------------------------------------------------------------------------
    @staticmethod
    def _run_location(location: str) -> tuple[str, str, str] | None:
        match = RUN_ARTIFACTS.match(location)
        if match is None:
            if DATASTORE.match(location):
                store = DATASTORE.match(location)["store"]  # type: ignore[index]
                raise RegistryError(
                    f"This version's files are in the AzureML datastore {store!r} "
                    f"({location}); Modelyard reads files kept in a job's run artifacts, not "
                    "datastore paths yet. AzureML studio shows them under the model's Artifacts.",
                    ErrorKind.INVALID,
                )
            return None
        return (
            match["experiment"],
            match["run"],
            safe_relative(match["path"] or ""),
        )

    def _run_url(self, experiment: str, run: str) -> str:
        host, _session = self._require_session()
        return f"{host}/experiments/{experiment}/runs/{run}/artifacts"

    # --- listing -----------------------------------------------------------------------------
    def _all_files(self, experiment: str, run: str) -> list[dict[str, Any]]:
        """Every artifact of a run (the service lists them flat, page by page)."""
        key = (experiment, run)
        with self._lock:
            cached = self._listings.get(key)
        if cached and time.monotonic() - cached[0] < LISTING_TTL:
            return cached[1]
        _host, session = self._require_session()
        items: list[dict[str, Any]] = []
        token: str | None = None
        for _page in range(MAX_PAGES):
            params = {"continuationToken": token} if token else {}
            response = session.get(
                self._run_url(experiment, run), params=params, timeout=self.timeout
            )
            check_api(response, "run history artifact listing")
            data = _json(response)
            items += [i for i in data.get("value") or [] if isinstance(i, dict)]
            token = data.get("continuationToken")
            if not token:
                break
        with self._lock:
            self._listings[key] = (time.monotonic(), items)
        return items

    def list_dir(self, location: str, path: str = "") -> list[ArtifactEntry]:
        """Entries directly below ``path``: the run's flat listing folded into folders."""
        run = self._run_location(location)
        if run is None:
            return super().list_dir(location, path)
        experiment, run_id, root = run
        folder = "/".join(p for p in (root, safe_relative(path)) if p)
        entries: dict[str, ArtifactEntry] = {}
        exact = None
        for item in self._all_files(experiment, run_id):
            full = safe_relative(str(item.get("path") or ""))
            if full == folder:
                exact = item
                continue
            if folder and not full.startswith(folder + "/"):
                continue
            rest = full[len(folder) + 1 :] if folder else full
            head, _, tail = rest.partition("/")
            rel_root = f"{folder}/{head}" if folder else head
            relative = rel_root[len(root) + 1 :] if root else rel_root
            if tail:
                entries.setdefault(relative, ArtifactEntry(relative, True, None))
            else:
                entries[relative] = ArtifactEntry(relative, False, _size(item))
        if not entries:
            if exact is not None:  # ``path`` is a file
                relative = folder[len(root) + 1 :] if root else folder
                return [ArtifactEntry(relative, False, _size(exact))]
            raise FileNotFoundError(f"{location}/{path}")
        return sorted(entries.values(), key=lambda e: (not e.is_dir, e.path))

    # --- reading -----------------------------------------------------------------------------
    def open(self, location: str, path: str) -> ArtifactStream:
        """One file, from the blob SAS URL the run history hands out (no Entra token)."""
        run = self._run_location(location)
        if run is None:
            return super().open(location, path)
        experiment, run_id, root = run
        full = "/".join(p for p in (root, safe_relative(path)) if p)
        _host, session = self._require_session()
        response = session.get(
            f"{self._run_url(experiment, run_id)}/contentinfo",
            params={"path": full},
            timeout=self.timeout,
        )
        check_api(response, "run history artifact download addresses")
        uri = str(_json(response).get("contentUri") or "")
        if not uri:
            raise RegistryError(
                f"The workspace gave no download address for {full}.", ErrorKind.SERVER
            )
        return _streamed(self._storage.get(uri, stream=True, timeout=self.timeout), path)

    # --- writing -----------------------------------------------------------------------------
    def upload(
        self, location: str, relative: str, source: Path, on_bytes: Callable[[int], None]
    ) -> None:
        """Put one file below a run's ``azureml://…/runs/<r>/artifacts`` location: the run
        history creates the artifact (``POST …/artifacts/batch/metadata``) and hands out a blob
        SAS URL to write it to; the file goes there without the Entra token."""
        run = self._run_location(location)
        if run is None:
            raise RegistryError(
                f"{location} is not a run's artifacts in this workspace.", ErrorKind.INVALID
            )
        experiment, run_id, root = run
        full = "/".join(p for p in (root, safe_relative(relative)) if p)
        _host, session = self._require_session()
        response = session.post(
            f"{self._run_url(experiment, run_id)}/batch/metadata",
            json={"paths": [{"path": full}]},
            timeout=self.timeout,
        )
        check_api(response, "run history artifact upload")
        data = _json(response)
        errors = data.get("errors") or {}
        if errors:
            error = (errors.get(full) or next(iter(errors.values()))) or {}
            detail = error.get("error", error) if isinstance(error, dict) else {}
            raise RegistryError(
                f"The workspace refused to create {full}: "
                f"{detail.get('code', '')} {detail.get('message', '')}".rstrip(),
                ErrorKind.SERVER,
            )
        info = (data.get("artifactContentInformation") or {}).get(full) or {}
        uri = str(info.get("contentUri") or "")
        if not uri:
            raise RegistryError(
                f"The workspace gave no upload address for {full}.", ErrorKind.SERVER
            )
        put_blob(self._storage, uri, source, on_bytes, self.timeout)
        with self._lock:
            self._listings.pop((experiment, run_id), None)


def _size(item: dict[str, Any]) -> int | None:
    for key in ("contentLength", "size", "fileSize"):
        value = item.get(key)
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
            return int(value)
    return None


def history_url(base_url: str) -> str:
    """The run-history API of the workspace whose MLflow base URL is ``base_url``."""
    return base_url.replace("/mlflow/v2.0/", "/history/v1.0/", 1)
