"""The copy side the Databricks workspace registry and Unity Catalog share: a copy's run in the
workspace, its files written to the signed URLs of ``credentials-for-write``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import requests

from modelyard.core.connectors._artifacts import ArtifactAccess, safe_relative
from modelyard.core.connectors._publish import PublishingStore
from modelyard.core.connectors._signed_upload import put_signed, write_credentials
from modelyard.core.model.errors import ErrorKind, ModelyardError, RegistryError, describe_exception


class WorkspaceRunFiles(PublishingStore):
    """The copy side shared by the workspace registry and Unity Catalog: a copy's run goes to
    "/Shared/Modelyard copies" in the workspace (MLflow's REST API), its files to the signed
    URLs that ``credentials-for-write`` hands out (no workspace token goes to storage)."""

    copy_experiment = "/Shared/Modelyard copies"  # workspace experiments are paths
    _artifacts: ArtifactAccess
    _copy_runs: dict[str, str]  # a copy run's artifact URI -> its run id
    _storage: requests.Session

    def create_copy_run(self, run_name: str, tags: dict[str, str]) -> tuple[str, str]:
        """A run in "/Shared/Modelyard copies"; remembered for its uploads."""
        run_id, artifact_uri = super().create_copy_run(run_name, tags)
        self._copy_runs[artifact_uri] = run_id
        return run_id, artifact_uri

    def upload_file(
        self, artifact_uri: str, relative: str, source: Path, on_bytes: Callable[[int], None]
    ) -> None:
        """Ask the workspace for a signed write URL for the file, then put it there."""
        run_id = self._copy_runs.get(artifact_uri)
        if run_id is None:
            raise RegistryError(
                f"{artifact_uri} is not the artifact location of a copy made here.",
                ErrorKind.INVALID,
            )
        path = safe_relative(relative)
        host, session = self._artifacts._require_session()
        try:
            infos = write_credentials(session, host, run_id, [path], self._artifacts.timeout)
        except ModelyardError:
            raise
        except Exception as exc:
            raise describe_exception(exc, self._location, self._secrets) from None
        info = infos.get(path)
        if info is None:
            raise RegistryError(
                f"{self._location} gave no upload address for {path}.", ErrorKind.SERVER
            )
        put_signed(self._storage, info, source, on_bytes, self._artifacts.timeout)

    def delete_files(self, artifact_uri: str) -> None:
        """The workspace's artifact API deletes nothing: say so (the copy leaves the run tagged
        incomplete rather than pretend its files were removed)."""
        raise RegistryError(
            f"The Databricks workspace keeps a run's files ({artifact_uri}); delete the run "
            "in the workspace's Experiments page.",
            ErrorKind.INVALID,
        )
