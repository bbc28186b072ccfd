"""A Registry over MLflow's own store objects (RestStore or SqlAlchemyStore).

Each instance holds its own store objects; REST stores get a per-profile ``get_host_creds``
callable, so several registries with different credentials coexist in one process.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from functools import partial
from types import MappingProxyType
from typing import Any, TypeVar
from urllib.parse import urlsplit

from modelyard.core.connectors._artifacts import ArtifactAccess
from modelyard.core.connectors._entities import (
    aliases_of,
    is_prompt,
    model_summary,
    names_filters,
    no_aliases,
    version_filter,
    version_summary,
)
from modelyard.core.connectors._imports import IMPORT_LOCK
from modelyard.core.model.domain import (
    NOT_PROMPT_FILTER,
    Access,
    ArtifactEntry,
    ArtifactStream,
    Capabilities,
    MetricPoint,
    ModelFile,
    ModelSummary,
    Page,
    RunDetail,
    Stage,
    StageEvent,
    VersionSummary,
    from_millis,
    version_sort_key,
)
from modelyard.core.model.errors import ErrorKind, RegistryError, describe_exception
from modelyard.core.model.registry import DEFAULT_MODEL_PAGE, DEFAULT_VERSION_PAGE
from modelyard.core.reads.details import all_versions
from modelyard.core.reads.model_file import parse_model_file
from modelyard.core.reads.server_version import PROMPT_FILTER, ServerVersion

log = logging.getLogger("modelyard.net")
BULK_VERSION_PAGE = 1000  # versions per page of a many-models search

R = TypeVar("R")


class MlflowStoreRegistry:
    """Registry implementation shared by the MLflow-based connectors."""

    def __init__(
        self,
        *,
        name: str,
        location: str,
        registry_store: Any,
        tracking_store: Any,
        capabilities: Capabilities,
        identity: str,
        artifacts: ArtifactAccess,
        model_permission: Callable[[str], Access] | None = None,
        secrets: Iterable[str | None] = (),
        server_side_prompt_filter: bool = True,
        server_side_order: bool = True,
        server_version: Callable[[], ServerVersion] | None = None,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        self._name = name
        self._location = location
        self._store = registry_store
        self._tracking = tracking_store
        self._capabilities = capabilities
        self._identity = identity
        self._artifacts = artifacts
        self._model_permission = model_permission
        self._secrets = tuple(s for s in secrets if s)
        self._prompt_filter = server_side_prompt_filter
        self._server_order = server_side_order
        self._on_close = on_close
        self._close_lock = threading.Lock()
        # What the server can do, learnt from its version at the first call that needs it.
        self._ask_version = server_version
        self._learned: Capabilities | None = None if server_version else capabilities
        self._learn_lock = threading.Lock()

    @property
    def name(self) -> str:
        """The profile name."""
        return self._name

    @property
    def location(self) -> str:
        """URL or file of the registry."""
        return self._location

    def _call(self, what: Callable[[], R]) -> R:
        try:
            return what()
        except Exception as exc:
            raise describe_exception(exc, self._location, self._secrets) from None

    def capabilities(self) -> Capabilities:
        """What this registry supports: for a server that reports its version, narrowed to
        what that version has (asked once; while the server cannot be asked, the kind's own)."""
        try:
            return self._capabilities_now()
        except Exception as exc:  # the next call that needs the server says why it failed
            log.debug("%s: version not read (%s)", self._location, type(exc).__name__)
            return self._capabilities

    def _capabilities_now(self) -> Capabilities:
        """As capabilities(), raising what asking the server raised (the caller's listing
        then fails with it, instead of asking a dead host twice)."""
        learned = self._learned
        if learned is not None or self._ask_version is None:
            return learned or self._capabilities
        with self._learn_lock:
            if self._learned is None:
                version = self._ask_version()
                # the filter's answer before the capabilities: a listing on another thread that
                # sees them learnt must see the filter's too
                self._prompt_filter = self._prompt_filter and version.has(PROMPT_FILTER) is True
                self._learned = version.capabilities(self._capabilities)
                log.debug("%s: server %s", self._location, version.text or "(did not say)")
            return self._learned

    def _prompt_filter_now(self) -> bool:
        """Whether a listing may send the prompt filter: only to a server known to have it."""
        if self._ask_version is None:
            return self._prompt_filter
        return self._learned is not None and self._prompt_filter

    def list_models(
        self, page_token: str | None = None, page_size: int = DEFAULT_MODEL_PAGE
    ) -> Page[ModelSummary]:
        """One page of registered models, prompts excluded, ordered by name."""
        self._call(self._capabilities_now)  # learns whether the server takes the prompt filter
        prompt_filter = self._prompt_filter_now()
        result = self._call(
            lambda: self._store.search_registered_models(
                filter_string=NOT_PROMPT_FILTER if prompt_filter else None,
                max_results=page_size,
                order_by=["name ASC"] if self._server_order else None,
                page_token=page_token,
            )
        )
        items = tuple(model_summary(m) for m in result if not is_prompt(m))
        if not self._server_order:
            items = tuple(sorted(items, key=lambda m: m.name.lower()))
        return Page(items, result.token or None)

    def get_model(self, name: str) -> ModelSummary:
        """One registered model."""
        return model_summary(self._call(lambda: self._store.get_registered_model(name)))

    def list_versions(
        self, model: str, page_token: str | None = None, page_size: int = DEFAULT_VERSION_PAGE
    ) -> Page[VersionSummary]:
        """One page of versions, newest first; aliases come from the registered model."""
        aliases_by_version: dict[str, list[str]] = {}
        if self._call(self._capabilities_now).aliases:
            registered = self._call(lambda: self._store.get_registered_model(model))
            for alias, version in aliases_of(registered).items():
                aliases_by_version.setdefault(version, []).append(alias)
        filter_string, exact = version_filter(model)
        result = self._call(
            lambda: self._store.search_model_versions(
                filter_string=filter_string,
                max_results=page_size,
                order_by=["version_number DESC"] if self._server_order else None,
                page_token=page_token,
            )
        )
        items = tuple(
            version_summary(v, aliases_by_version.get(str(v.version), ()))
            for v in result
            if exact or v.name == model
        )
        if not self._server_order:
            items = tuple(sorted(items, key=lambda v: version_sort_key(v.version), reverse=True))
        return Page(items, result.token or None)

    def versions_of(self, models: Sequence[ModelSummary]) -> dict[str, tuple[VersionSummary, ...]]:
        """The versions of many listed models, by ``name IN (…)`` searches of as many names as
        a request line takes (where ``versions_by_names``); aliases from the summaries."""
        aliases: dict[str, dict[str, list[str]]] = {}
        for m in models:
            by_version = aliases.setdefault(m.name, {})
            for alias, version in m.aliases.items():
                by_version.setdefault(version, []).append(alias)
        found: dict[str, list[VersionSummary]] = {name: [] for name in aliases}
        filters, one_by_one = names_filters(aliases)
        for filter_string in filters:
            token: str | None = None
            while True:
                result = self._call(partial(self._search_versions, filter_string, token))
                for v in result:
                    if v.name in found:
                        summary = version_summary(v, aliases[v.name].get(str(v.version), ()))
                        found[v.name].append(summary)
                token = result.token or None
                if not token:
                    break
        for name in one_by_one:
            try:
                found[name] = all_versions(self, name)
            except RegistryError as exc:
                if exc.kind is not ErrorKind.NOT_FOUND:
                    raise
        return {
            name: tuple(sorted(vs, key=lambda v: version_sort_key(v.version), reverse=True))
            for name, vs in found.items()
        }

    def _search_versions(self, filter_string: str, token: str | None) -> Any:
        return self._store.search_model_versions(
            filter_string=filter_string, max_results=BULK_VERSION_PAGE, page_token=token
        )

    def get_version(self, model: str, version: str) -> VersionSummary:
        """One model version, fresh."""
        entity = self._call(lambda: self._store.get_model_version(model, str(version)))
        return version_summary(entity)

    def identity(self) -> str:
        """Who the registry sees as the current user (for recorded history)."""
        return self._identity

    def access(self, model: str) -> Access:
        """What the current identity may do to ``model``, as far as the registry says (a
        refused write is explained when it happens, whatever this says)."""
        if self._model_permission is None:
            return Access(edit=self._capabilities.can_edit)
        try:
            return self._model_permission(model)
        except Exception:  # advisory only: never block browsing on it
            return Access()

    def can_edit_model(self, model: str) -> bool | None:
        """Whether the current identity may change ``model`` (None: the registry does not say)."""
        return self.access(model).edit

    # --- runs ---------------------------------------------------------------------------------
    def get_run(self, run_id: str) -> RunDetail:
        """The source run, with its params and latest metrics (deleted runs too)."""
        run = self._call(lambda: self._tracking.get_run(run_id))
        experiment_name = ""
        try:
            experiment = self._tracking.get_experiment(run.info.experiment_id)
            experiment_name = experiment.name
        except Exception:  # the run is what matters; its experiment name is a nicety
            experiment_name = ""
        data = run.data
        return RunDetail(
            run_id=run.info.run_id,
            name=run.info.run_name or "",
            status=str(run.info.status or ""),
            deleted=run.info.lifecycle_stage == "deleted",
            experiment_id=str(run.info.experiment_id),
            experiment_name=experiment_name,
            user=run.info.user_id or "",
            start=from_millis(run.info.start_time),
            end=from_millis(run.info.end_time),
            params=MappingProxyType(dict(data.params)),
            metrics=MappingProxyType({k: float(v) for k, v in data.metrics.items()}),
            tags=MappingProxyType(dict(data.tags)),
            artifact_uri=run.info.artifact_uri or "",
        )

    def logged_model_metrics(self, model_id: str) -> dict[str, float]:
        """Latest value per metric of an MLflow 3 LoggedModel."""
        logged = self._call(lambda: self._tracking.get_logged_model(model_id))
        latest: dict[str, tuple[int, int, float]] = {}
        for metric in logged.metrics or []:
            key = (int(metric.step or 0), int(metric.timestamp or 0), float(metric.value))
            if metric.key not in latest or key[:2] >= latest[metric.key][:2]:
                latest[metric.key] = key
        return {name: value for name, (_s, _t, value) in latest.items()}

    def metric_history(self, run_id: str, key: str) -> tuple[MetricPoint, ...]:
        """Every logged value of one metric, by step."""
        points = self._call(lambda: self._tracking.get_metric_history(run_id, key))
        return tuple(
            sorted(
                (
                    MetricPoint(int(m.step), float(m.value), from_millis(m.timestamp))
                    for m in points
                ),
                key=lambda p: (p.step, p.timestamp or from_millis(1)),
            )
        )

    # --- model files -------------------------------------------------------------------------
    def artifact_location(self, model: str, version: str) -> str:
        """Where the version's files are (resolved by this registry, never a global one). A
        version registered from ``runs:/<run>/<path>`` (MLflow's documented way) lives below
        that run's artifact location, read through this registry's own tracking store."""
        location = str(
            self._call(lambda: self._store.get_model_version_download_uri(model, str(version)))
        )
        if urlsplit(location).scheme != "runs":
            return location
        run_id, _, path = location.removeprefix("runs:").lstrip("/").partition("/")
        if not run_id:
            raise RegistryError(
                f"{model} v{version} names its files as {location!r}, which has no run id.",
                ErrorKind.INVALID,
            )
        run = self._call(lambda: self._tracking.get_run(run_id))
        root = str(run.info.artifact_uri).rstrip("/")
        return f"{root}/{path.strip('/')}" if path.strip("/") else root

    def read_model_file(self, model: str, version: str) -> ModelFile:
        """The version's MLmodel file: flavors, signature and input example."""
        location = self.artifact_location(model, version)
        where = f"the files of {model} v{version}"
        try:
            raw = self._artifacts.read(location, "MLmodel")
        except FileNotFoundError:
            raise RegistryError(
                f"The MLmodel file of {model} v{version} is missing at {location}: "
                "its artifacts may have been deleted.",
                ErrorKind.NOT_FOUND,
            ) from None
        except RegistryError:
            raise
        except Exception as exc:
            raise describe_exception(exc, where, self._secrets) from None
        parsed = parse_model_file(raw.decode("utf-8", errors="replace"))
        example_path = parsed.input_example
        if example_path:
            try:
                example = self._artifacts.read(location, example_path)[:4096]
                parsed = replace(parsed, input_example=example.decode("utf-8", errors="replace"))
            except Exception:
                parsed = replace(parsed, input_example="")
        return parsed

    def list_artifacts(self, location: str, path: str = "") -> tuple[ArtifactEntry, ...]:
        """Entries directly below ``path`` of an artifact location."""
        return tuple(self._artifact_call(lambda: self._artifacts.list_dir(location, path), path))

    def walk_artifacts(self, location: str, path: str = "") -> tuple[ArtifactEntry, ...]:
        """Every file below ``path`` of an artifact location."""
        return tuple(self._artifact_call(lambda: self._artifacts.walk(location, path), path))

    def open_artifact(self, location: str, path: str) -> ArtifactStream:
        """One artifact file, opened for streaming."""
        return self._artifact_call(lambda: self._artifacts.open(location, path), path)

    def _artifact_call(self, what: Callable[[], R], path: str) -> R:
        try:
            return what()
        except FileNotFoundError:
            raise RegistryError(
                f"{path or 'The artifact folder'} does not exist in the version's artifacts "
                "(deleted, or never uploaded).",
                ErrorKind.NOT_FOUND,
            ) from None
        except RegistryError:
            raise
        except Exception as exc:
            raise describe_exception(
                exc, f"the artifacts at {self._location}", self._secrets
            ) from None

    # --- edits -------------------------------------------------------------------------------
    def set_model_tag(self, model: str, key: str, value: str) -> None:
        """Set (add or change) a registered-model tag."""
        with IMPORT_LOCK:
            from mlflow.entities.model_registry import RegisteredModelTag

        self._call(
            lambda: self._store.set_registered_model_tag(model, RegisteredModelTag(key, value))
        )

    def delete_model_tag(self, model: str, key: str) -> None:
        """Delete a registered-model tag."""
        self._call(lambda: self._store.delete_registered_model_tag(model, key))

    def set_version_tag(self, model: str, version: str, key: str, value: str) -> None:
        """Set (add or change) a model-version tag."""
        with IMPORT_LOCK:
            from mlflow.entities.model_registry import ModelVersionTag

        self._call(
            lambda: self._store.set_model_version_tag(
                model, str(version), ModelVersionTag(key, value)
            )
        )

    def delete_version_tag(self, model: str, version: str, key: str) -> None:
        """Delete a model-version tag."""
        self._call(lambda: self._store.delete_model_version_tag(model, str(version), key))

    def set_model_description(self, model: str, description: str) -> None:
        """Replace a registered model's description."""
        self._call(lambda: self._store.update_registered_model(model, description))

    def set_version_description(self, model: str, version: str, description: str) -> None:
        """Replace a model version's description."""
        self._call(lambda: self._store.update_model_version(model, str(version), description))

    def transition_stage(
        self, model: str, version: str, stage: Stage, archive_existing: bool = False
    ) -> VersionSummary:
        """Move a version to ``stage`` (optionally archiving the versions there now)."""
        if not self._call(self._capabilities_now).stages:
            raise RegistryError(f"{self._location} has no stages, only aliases.", ErrorKind.INVALID)
        entity = self._call(
            lambda: self._store.transition_model_version_stage(
                model, str(version), stage.value, archive_existing
            )
        )
        return version_summary(entity)

    def set_alias(self, model: str, alias: str, version: str) -> None:
        """Point ``alias`` at ``version`` (moving it from any other version)."""
        capabilities = self._call(self._capabilities_now)
        if not capabilities.aliases:
            raise RegistryError(no_aliases(self._location, capabilities), ErrorKind.INVALID)
        self._call(lambda: self._store.set_registered_model_alias(model, alias, str(version)))

    def delete_alias(self, model: str, alias: str) -> None:
        """Remove ``alias`` from the model."""
        capabilities = self._call(self._capabilities_now)
        if not capabilities.aliases:
            raise RegistryError(no_aliases(self._location, capabilities), ErrorKind.INVALID)
        self._call(lambda: self._store.delete_registered_model_alias(model, alias))

    def server_history(self, model: str, version: str) -> tuple[StageEvent, ...]:
        """Stage activity the service keeps itself: none on OSS MLflow (mlflow#2169)."""
        return ()

    def close(self) -> None:
        """Release what the connector holds."""
        with self._close_lock:
            callback, self._on_close = self._on_close, None
        if callback is not None:
            callback()
