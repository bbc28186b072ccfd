"""A registry kept in memory, for fast core tests (no server, no Qt).

It behaves as an MLflow registry does through Modelyard's connectors — models by name, versions
numbered from 1 and listed newest first, stages with archive-existing, aliases that move,
tags, descriptions, runs with params and metric histories, files below a run's artifact URI,
NOT_FOUND for what is not there — and ``tests/contract/test_contract_registry_suite.py`` runs
one suite of behaviours against it, a real ``mlflow server`` and the Databricks stand-in, so it
cannot drift from them. It follows MLflow's documented behaviour, not Modelyard's rules: it
imports nothing of the product but its data types and the Registry protocol's errors.
"""

from __future__ import annotations

import itertools
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType

from modelyard.core.model.domain import (
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
)
from modelyard.core.model.errors import ErrorKind, RegistryError
from modelyard.core.model.registry import DEFAULT_MODEL_PAGE, DEFAULT_VERSION_PAGE

ACTIVE_STAGES = (Stage.STAGING, Stage.PRODUCTION)  # MLflow archives existing ones only here
_CLOCK = itertools.count()


def _now() -> datetime:
    """Strictly increasing times (two writes in one millisecond still order)."""
    base = datetime(2026, 1, 1, tzinfo=UTC)
    return base + timedelta(milliseconds=next(_CLOCK))


@dataclass
class _Model:
    name: str
    description: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    versions: dict[str, VersionSummary] = field(default_factory=dict)
    created: datetime = field(default_factory=_now)
    updated: datetime = field(default_factory=_now)
    next_version: int = 1


@dataclass
class _Run:
    run_id: str
    name: str
    tags: dict[str, str]
    artifact_uri: str
    params: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, list[MetricPoint]] = field(default_factory=dict)
    status: str = "RUNNING"
    deleted: bool = False
    start: datetime = field(default_factory=_now)
    end: datetime | None = None


class MemoryRegistry:
    """One registry in memory (thread-safe). ``stages``/``aliases`` switch those features off
    as a Unity Catalog or Databricks workspace registry has them off."""

    def __init__(
        self,
        name: str = "memory",
        *,
        stages: bool = True,
        aliases: bool = True,
        identity: str = "tester",
    ) -> None:
        self._name = name
        self._location = f"memory://{name}-{uuid.uuid4().hex[:8]}"
        self._caps = Capabilities(stages=stages, aliases=aliases, can_edit=True)
        self._identity = identity
        self._lock = threading.RLock()
        self._models: dict[str, _Model] = {}
        self._runs: dict[str, _Run] = {}
        self.files: dict[str, dict[str, bytes]] = {}  # artifact URI -> relative path -> bytes
        self.model_files: dict[tuple[str, str], ModelFile] = {}  # set by a test
        self.writes = 0  # every change counted (a rerun that writes nothing leaves it)

    # --- reading -----------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @property
    def location(self) -> str:
        return self._location

    def capabilities(self) -> Capabilities:
        return self._caps

    def identity(self) -> str:
        return self._identity

    def access(self, model: str) -> Access:
        return Access(edit=True)

    def can_edit_model(self, model: str) -> bool | None:
        return True

    def _model(self, name: str) -> _Model:
        found = self._models.get(name)
        if found is None:
            raise RegistryError(f"{self._name}: no model named {name!r}.", ErrorKind.NOT_FOUND)
        return found

    def _version(self, model: str, version: str) -> VersionSummary:
        found = self._model(model).versions.get(str(version))
        if found is None:
            raise RegistryError(
                f"{self._name}: {model!r} has no version {version!r}.", ErrorKind.NOT_FOUND
            )
        return found

    def _summary(self, m: _Model) -> ModelSummary:
        newest: dict[Stage, VersionSummary] = {}
        for v in m.versions.values():
            if v.stage not in newest or int(v.version) > int(newest[v.stage].version):
                newest[v.stage] = v
        latest = tuple(sorted((v.version for v in newest.values()), key=int, reverse=True))
        return ModelSummary(
            name=m.name,
            description=m.description,
            tags=MappingProxyType(dict(m.tags)),
            aliases=MappingProxyType(dict(m.aliases)),
            created=m.created,
            updated=m.updated,
            latest_versions=latest,
            latest_by_stage=MappingProxyType(
                {s.value: v.version for s, v in newest.items() if s is not Stage.NONE}
            ),
        )

    def _with_aliases(self, m: _Model, v: VersionSummary) -> VersionSummary:
        held = tuple(sorted(a for a, n in m.aliases.items() if n == v.version))
        return replace(v, aliases=held)

    def list_models(
        self, page_token: str | None = None, page_size: int = DEFAULT_MODEL_PAGE
    ) -> Page[ModelSummary]:
        with self._lock:
            names = sorted(self._models)
            start = int(page_token or 0)
            items = tuple(self._summary(self._models[n]) for n in names[start : start + page_size])
            more = start + page_size < len(names)
            return Page(items, str(start + page_size) if more else None)

    def get_model(self, name: str) -> ModelSummary:
        with self._lock:
            return self._summary(self._model(name))

    def list_versions(
        self, model: str, page_token: str | None = None, page_size: int = DEFAULT_VERSION_PAGE
    ) -> Page[VersionSummary]:
        with self._lock:
            m = self._model(model)
            ordered = sorted(m.versions.values(), key=lambda v: int(v.version), reverse=True)
            start = int(page_token or 0)
            items = tuple(self._with_aliases(m, v) for v in ordered[start : start + page_size])
            more = start + page_size < len(ordered)
            return Page(items, str(start + page_size) if more else None)

    def get_version(self, model: str, version: str) -> VersionSummary:
        with self._lock:
            return self._with_aliases(self._model(model), self._version(model, version))

    def get_run(self, run_id: str) -> RunDetail:
        with self._lock:
            run = self._runs.get(run_id)
            if run is None:
                raise RegistryError(f"{self._name}: no run {run_id!r}.", ErrorKind.NOT_FOUND)
            return RunDetail(
                run_id=run.run_id,
                name=run.name,
                status=run.status,
                deleted=run.deleted,
                start=run.start,
                end=run.end,
                params=MappingProxyType(dict(run.params)),
                metrics=MappingProxyType({k: p[-1].value for k, p in run.metrics.items() if p}),
                tags=MappingProxyType(dict(run.tags)),
                artifact_uri=run.artifact_uri,
            )

    def logged_model_metrics(self, model_id: str) -> dict[str, float]:
        return {}

    def metric_history(self, run_id: str, key: str) -> tuple[MetricPoint, ...]:
        with self._lock:
            run = self._runs.get(run_id)
            return tuple(sorted(run.metrics.get(key, []), key=lambda p: p.step)) if run else ()

    def server_history(self, model: str, version: str) -> tuple[StageEvent, ...]:
        return ()

    # --- files -------------------------------------------------------------------------------
    def artifact_location(self, model: str, version: str) -> str:
        return self.get_version(model, version).source

    def read_model_file(self, model: str, version: str) -> ModelFile:
        found = self.model_files.get((model, str(version)))
        if found is None:
            raise RegistryError(
                f"{self._name}: {model} v{version} has no MLmodel.", ErrorKind.NOT_FOUND
            )
        return found

    def _tree(self, location: str) -> dict[str, bytes]:
        """The files below ``location`` (a run's artifact URI or a folder under it), by path
        relative to it."""
        location = location.rstrip("/")
        for uri, files in self.files.items():
            if location == uri or location.startswith(uri + "/"):
                sub = location[len(uri) :].strip("/")
                prefix = f"{sub}/" if sub else ""
                return {k[len(prefix) :]: v for k, v in files.items() if k.startswith(prefix)}
        return {}

    def list_artifacts(self, location: str, path: str = "") -> tuple[ArtifactEntry, ...]:
        prefix = f"{path.strip('/')}/" if path.strip("/") else ""
        seen: dict[str, ArtifactEntry] = {}
        for name, data in sorted(self._tree(location).items()):
            if not name.startswith(prefix):
                continue
            head, slash, _rest = name[len(prefix) :].partition("/")
            entry = prefix + head
            seen.setdefault(
                entry,
                ArtifactEntry(entry, True) if slash else ArtifactEntry(entry, False, len(data)),
            )
        return tuple(seen.values())

    def walk_artifacts(self, location: str, path: str = "") -> tuple[ArtifactEntry, ...]:
        prefix = f"{path.strip('/')}/" if path.strip("/") else ""
        tree = self._tree(location)
        return tuple(
            ArtifactEntry(name, False, len(data))
            for name, data in sorted(tree.items())
            if name.startswith(prefix)
        )

    def open_artifact(self, location: str, path: str) -> ArtifactStream:
        data = self._tree(location).get(path.strip("/"))
        if data is None:
            raise RegistryError(
                f"{self._name}: no file {path!r} at {location}.", ErrorKind.NOT_FOUND
            )
        return ArtifactStream(
            len(data), iter([data[i : i + 65536] for i in range(0, len(data), 65536)] or [b""])
        )

    # --- editing -----------------------------------------------------------------------------
    def _touch(self, m: _Model) -> None:
        m.updated = _now()
        self.writes += 1

    def _put(self, m: _Model, v: VersionSummary) -> VersionSummary:
        v = replace(v, updated=_now())
        m.versions[v.version] = v
        self._touch(m)
        return v

    def set_model_tag(self, model: str, key: str, value: str) -> None:
        with self._lock:
            m = self._model(model)
            m.tags[key] = value
            self._touch(m)

    def delete_model_tag(self, model: str, key: str) -> None:
        with self._lock:
            m = self._model(model)
            m.tags.pop(key, None)
            self._touch(m)

    def set_version_tag(self, model: str, version: str, key: str, value: str) -> None:
        with self._lock:
            v = self._version(model, version)
            self._put(self._model(model), replace(v, tags=MappingProxyType({**v.tags, key: value})))

    def delete_version_tag(self, model: str, version: str, key: str) -> None:
        with self._lock:
            v = self._version(model, version)
            kept = {k: x for k, x in v.tags.items() if k != key}
            self._put(self._model(model), replace(v, tags=MappingProxyType(kept)))

    def set_model_description(self, model: str, description: str) -> None:
        with self._lock:
            m = self._model(model)
            m.description = description
            self._touch(m)

    def set_version_description(self, model: str, version: str, description: str) -> None:
        with self._lock:
            v = self._version(model, version)
            self._put(self._model(model), replace(v, description=description))

    def transition_stage(
        self, model: str, version: str, stage: Stage, archive_existing: bool = False
    ) -> VersionSummary:
        with self._lock:
            if not self._caps.stages:
                raise RegistryError(f"{self._name} has no stages.", ErrorKind.INVALID)
            if archive_existing and stage not in ACTIVE_STAGES:
                raise RegistryError(
                    "Model version transition cannot archive existing model versions because "
                    f"{stage.value!r} is not an active stage (Staging, Production).",
                    ErrorKind.INVALID,
                )
            m = self._model(model)
            moved = self._put(m, replace(self._version(model, version), stage=stage))
            if archive_existing:
                for other in list(m.versions.values()):
                    if other.version != moved.version and other.stage is stage:
                        self._put(m, replace(other, stage=Stage.ARCHIVED, updated=moved.updated))
            return self._with_aliases(m, moved)

    def set_alias(self, model: str, alias: str, version: str) -> None:
        with self._lock:
            if not self._caps.aliases:
                raise RegistryError(f"{self._name} has no aliases.", ErrorKind.INVALID)
            m = self._model(model)
            self._version(model, version)
            m.aliases[alias] = str(version)
            self._touch(m)

    def delete_alias(self, model: str, alias: str) -> None:
        with self._lock:
            m = self._model(model)
            m.aliases.pop(alias, None)
            self._touch(m)

    def close(self) -> None:
        return None

    # --- publishing (a copy's target) --------------------------------------------------------
    def create_copy_run(self, run_name: str, tags: dict[str, str]) -> tuple[str, str]:
        with self._lock:
            run_id = uuid.uuid4().hex
            uri = f"{self._location}/runs/{run_id}/artifacts"
            self._runs[run_id] = _Run(run_id, run_name, dict(tags), uri)
            self.writes += 1
            return run_id, uri

    def log_run_data(
        self, run_id: str, params: dict[str, str], metrics: Iterable[tuple[str, MetricPoint]]
    ) -> None:
        with self._lock:
            run = self._runs[run_id]
            run.params.update(params)
            for key, point in metrics:
                run.metrics.setdefault(key, []).append(point)
            self.writes += 1

    def set_run_tag(self, run_id: str, key: str, value: str) -> None:
        with self._lock:
            self._runs[run_id].tags[key] = value
            self.writes += 1

    def finish_run(self, run_id: str) -> None:
        with self._lock:
            run = self._runs[run_id]
            run.status, run.end = "FINISHED", _now()
            self.writes += 1

    def delete_run(self, run_id: str) -> None:
        with self._lock:
            if run_id in self._runs:
                self._runs[run_id].deleted = True
                self.writes += 1

    def upload_file(
        self, artifact_uri: str, relative: str, source: Path, on_bytes: Callable[[int], None]
    ) -> None:
        data = source.read_bytes()
        with self._lock:
            self.files.setdefault(artifact_uri.rstrip("/"), {})[relative.strip("/")] = data
            self.writes += 1
        on_bytes(len(data))

    def delete_files(self, artifact_uri: str) -> None:
        with self._lock:
            if self.files.pop(artifact_uri.rstrip("/"), None) is not None:
                self.writes += 1

    def model_exists(self, name: str) -> bool:
        with self._lock:
            return name in self._models

    def create_model(self, name: str, description: str, tags: dict[str, str]) -> None:
        with self._lock:
            if name in self._models:
                raise RegistryError(
                    f"{self._name}: a model named {name!r} exists already.", ErrorKind.CONFLICT
                )
            self._models[name] = _Model(name, description, dict(tags))
            self.writes += 1

    def create_version(
        self, model: str, source: str, run_id: str, description: str, tags: dict[str, str]
    ) -> VersionSummary:
        with self._lock:
            m = self._model(model)
            number = str(m.next_version)
            m.next_version += 1
            now = _now()
            made = VersionSummary(
                model=model,
                version=number,
                run_id=run_id,
                source=source,
                description=description,
                tags=MappingProxyType(dict(tags)),
                created=now,
                updated=now,
                creator=self._identity,
            )
            return self._with_aliases(m, self._put(m, made))

    def delete_version(self, model: str, version: str) -> None:
        with self._lock:
            m = self._model(model)
            self._version(model, version)
            del m.versions[str(version)]
            m.aliases = {a: v for a, v in m.aliases.items() if v != str(version)}
            self._touch(m)

    def delete_model(self, model: str) -> None:
        with self._lock:
            self._model(model)
            del self._models[model]
            self.writes += 1
