"""The write side a copy needs, over MLflow's own stores: a run with params and metrics, its
files uploaded with this profile's credentials, a model and a version — and removing them again
when a copy fails or is cancelled.

Files go where the target's run says: a tracking server's proxied ``mlflow-artifacts:`` API (PUT,
streamed, this profile's session), a ``file:`` folder (local registries, shared disks), or
MLflow's repository for the storage (its SDK, that storage's own credentials).
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from modelyard.core.connectors._artifacts import (
    CHUNK,
    PROXY_API,
    ArtifactAccess,
    _check,
    _sdk_needed,
    is_s3,
    local_path,
    safe_relative,
)
from modelyard.core.connectors._azure_blob import is_azure_blob
from modelyard.core.connectors._body import FileBody
from modelyard.core.connectors._gcs import is_gcs
from modelyard.core.connectors._imports import IMPORT_LOCK
from modelyard.core.connectors._mlflow_store import MlflowStoreRegistry
from modelyard.core.connectors._seams import ARTIFACT_REPOSITORY, resolve
from modelyard.core.model.domain import MetricPoint, VersionSummary

_EXPERIMENT_LOCK = threading.Lock()  # one find-or-create of the copies' experiment at a time
PARAMS_PER_BATCH = 100  # MLflow's log_batch limits
METRICS_PER_BATCH = 1000
COPY_EXPERIMENT = "Modelyard copies"
DELETE_RETRY_WAITS = (0.5, 1.0, 2.0)  # seconds before asking again after a 5xx


class PublishingStore:
    """The target side of a copy, over the stores of an MlflowStoreRegistry (mixed in after
    it by PublishingRegistry)."""

    _call: Callable[[Callable[[], Any]], Any]
    _tracking: Any
    _store: Any
    _artifacts: ArtifactAccess
    _identity: str
    _location: str
    _secrets: tuple[str, ...]
    copy_experiment = COPY_EXPERIMENT  # where copies' runs go (a kind may need another name)
    unity_catalog = False  # Unity Catalog: three-part names, a signature required
    _known_copy_experiment: str | None = None  # its id, once found or made

    # --- a run ---------------------------------------------------------------------------------
    def _copy_experiment_id(self) -> str:
        """The copies' experiment, made when missing — once, even when several copies (a
        sync's parallel lanes, another person's copy) ask at the same moment: a create that
        loses the race reads the winner's."""
        with IMPORT_LOCK:
            from mlflow.exceptions import MlflowException
        with _EXPERIMENT_LOCK:
            if self._known_copy_experiment is not None:
                return self._known_copy_experiment
            found = self._tracking.get_experiment_by_name(self.copy_experiment)
            if found is not None:
                made = str(found.experiment_id)
            else:
                try:
                    made = str(self._tracking.create_experiment(self.copy_experiment))
                except MlflowException:
                    again = self._tracking.get_experiment_by_name(self.copy_experiment)
                    if again is None:
                        raise
                    made = str(again.experiment_id)
            self._known_copy_experiment = made  # asked once per connection, not per copy
            return made

    def create_copy_run(self, run_name: str, tags: dict[str, str]) -> tuple[str, str]:
        """A run in the "Modelyard copies" experiment; (run id, artifact URI)."""
        with IMPORT_LOCK:
            from mlflow.entities import RunTag
            from mlflow.exceptions import MlflowException

        def create(experiment: str) -> Any:
            import time

            return self._tracking.create_run(
                experiment,
                user_id=self._identity,
                start_time=int(time.time() * 1000),
                tags=[RunTag(k, v) for k, v in tags.items()],
                run_name=run_name,
            )

        def make() -> tuple[str, str]:
            known = self._known_copy_experiment
            try:
                run = create(self._copy_experiment_id())
            except MlflowException:
                if known is None:
                    raise
                self._known_copy_experiment = None  # deleted since it was found: find it again
                run = create(self._copy_experiment_id())
            return str(run.info.run_id), str(run.info.artifact_uri)

        made: tuple[str, str] = self._call(make)
        return made

    def log_run_data(
        self, run_id: str, params: dict[str, str], metrics: Iterable[tuple[str, MetricPoint]]
    ) -> None:
        """Params and metric points in MLflow's batches (at most 100 params and 1000 entries
        a call), as few calls as that allows."""
        with IMPORT_LOCK:
            from mlflow.entities import Metric, Param

        params_left = [Param(k, v) for k, v in params.items()]
        points = [
            Metric(key, p.value, int(p.timestamp.timestamp() * 1000) if p.timestamp else 0, p.step)
            for key, p in metrics
        ]
        while params_left or points:
            batch_params = params_left[:PARAMS_PER_BATCH]
            params_left = params_left[PARAMS_PER_BATCH:]
            room = METRICS_PER_BATCH - len(batch_params)
            batch_metrics, points = points[:room], points[room:]
            self._call(
                lambda m=batch_metrics, p=batch_params: self._tracking.log_batch(run_id, m, p, [])  # type: ignore[misc]
            )

    def set_run_tag(self, run_id: str, key: str, value: str) -> None:
        """Set one run tag."""
        with IMPORT_LOCK:
            from mlflow.entities import RunTag

        self._call(lambda: self._tracking.set_tag(run_id, RunTag(key, value)))

    def finish_run(self, run_id: str) -> None:
        """Mark the run finished."""
        import time

        with IMPORT_LOCK:
            from mlflow.entities import RunStatus

        self._call(
            lambda: self._tracking.update_run_info(
                run_id, RunStatus.FINISHED, int(time.time() * 1000), None
            )
        )

    def delete_run(self, run_id: str) -> None:
        """Delete a run (MLflow keeps it as deleted until garbage-collected)."""
        self._call(lambda: self._tracking.delete_run(run_id))

    # --- files ---------------------------------------------------------------------------------
    def upload_file(
        self, artifact_uri: str, relative: str, source: Path, on_bytes: Callable[[int], None]
    ) -> None:
        """Put one file at ``relative`` below the run's ``artifact_uri``."""
        relative = safe_relative(relative)
        folder = local_path(artifact_uri)
        if folder is not None:
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            with source.open("rb") as src, target.open("wb") as dst:
                while chunk := src.read(CHUNK):
                    dst.write(chunk)
                    on_bytes(len(chunk))
            return
        if urlsplit(artifact_uri).scheme == "mlflow-artifacts":
            host, session = self._artifacts._require_session()
            root = urlsplit(artifact_uri).path.strip("/")
            url = f"{host}{PROXY_API}/" + quote(f"{root}/{relative}")
            body = FileBody(source, on_bytes)
            try:
                response = session.put(url, data=body, timeout=self._artifacts.timeout)
            except Exception as exc:
                from modelyard.core.model.errors import describe_exception

                raise describe_exception(exc, self._location, self._secrets) from None
            finally:
                body.close()
            _check(response)
            return
        if is_s3(artifact_uri):
            self._artifacts.s3.write(artifact_uri, relative, source, on_bytes)
            return
        if is_azure_blob(artifact_uri):
            self._artifacts.azure.write(artifact_uri, relative, source, on_bytes)
            return
        if is_gcs(artifact_uri):
            self._artifacts.gcs.write(artifact_uri, relative, source, on_bytes)
            return
        get_artifact_repository = resolve(ARTIFACT_REPOSITORY)

        with _sdk_needed(artifact_uri):
            repo = get_artifact_repository(artifact_uri)
            parent = str(Path(relative).parent.as_posix())
            self._call(lambda: repo.log_artifact(str(source), None if parent == "." else parent))
        on_bytes(source.stat().st_size)

    def delete_files(self, artifact_uri: str) -> None:
        """Remove a run's uploaded files (best effort where the store allows it)."""
        folder = local_path(artifact_uri)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
            return
        if is_s3(artifact_uri):
            self._artifacts.s3.remove_below(artifact_uri)
            return
        if is_azure_blob(artifact_uri):
            self._artifacts.azure.remove_below(artifact_uri)
            return
        if is_gcs(artifact_uri):
            self._artifacts.gcs.remove_below(artifact_uri)
            return
        if urlsplit(artifact_uri).scheme == "mlflow-artifacts":
            host, session = self._artifacts._require_session()
            root = urlsplit(artifact_uri).path.strip("/")
            url = f"{host}{PROXY_API}/" + quote(root)
            for wait in (*DELETE_RETRY_WAITS, None):
                response = self._call(lambda: session.delete(url, timeout=self._artifacts.timeout))
                if response.status_code < 500 or wait is None:
                    break
                # A server still writing the upload this copy broke off fails to remove the
                # folder (500); removing a folder is idempotent, so it is asked again.
                response.close()
                time.sleep(wait)
            self._call(lambda: _check(response))

    # --- model and version ---------------------------------------------------------------------
    def model_exists(self, name: str) -> bool:
        """Whether a registered model of that name exists."""
        with IMPORT_LOCK:
            from mlflow.exceptions import MlflowException

        from modelyard.core.model.errors import describe_exception

        try:
            self._store.get_registered_model(name)
        except MlflowException as exc:
            if exc.error_code == "RESOURCE_DOES_NOT_EXIST":
                return False
            raise describe_exception(exc, self._location, self._secrets) from None
        except Exception as exc:
            raise describe_exception(exc, self._location, self._secrets) from None
        return True

    def create_model(self, name: str, description: str, tags: dict[str, str]) -> None:
        """Create a registered model."""
        with IMPORT_LOCK:
            from mlflow.entities.model_registry import RegisteredModelTag

        self._call(
            lambda: self._store.create_registered_model(
                name, [RegisteredModelTag(k, v) for k, v in tags.items()], description or None
            )
        )

    def create_version(
        self, model: str, source: str, run_id: str, description: str, tags: dict[str, str]
    ) -> VersionSummary:
        """A new version of ``model`` whose files are at ``source``."""
        with IMPORT_LOCK:
            from mlflow.entities.model_registry import ModelVersionTag

        from modelyard.core.connectors._entities import version_summary

        created = self._call(
            lambda: self._store.create_model_version(
                model,
                source,
                run_id,
                [ModelVersionTag(k, v) for k, v in tags.items()],
                None,
                description or None,
            )
        )
        return version_summary(created)

    def delete_version(self, model: str, version: str) -> None:
        """Delete a model version."""
        self._call(lambda: self._store.delete_model_version(model, str(version)))

    def delete_model(self, model: str) -> None:
        """Delete a registered model."""
        self._call(lambda: self._store.delete_registered_model(model))


class PublishingRegistry(MlflowStoreRegistry, PublishingStore):
    """An MLflow tracking server or a local registry: it also takes copied versions."""
