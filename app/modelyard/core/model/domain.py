"""Immutable value types that flow from connectors to the views."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Generic, TypeVar

T = TypeVar("T")

_EMPTY: Mapping[str, str] = MappingProxyType({})

# MLflow keeps prompts as registered models marked with this tag; model lists leave them out.
PROMPT_TAG = "mlflow.prompt.is_prompt"
NOT_PROMPT_FILTER = f"tag.`{PROMPT_TAG}` != 'true'"


class Stage(StrEnum):
    """The four model-version stages of MLflow's workspace registries."""

    NONE = "None"
    STAGING = "Staging"
    PRODUCTION = "Production"
    ARCHIVED = "Archived"

    @classmethod
    def parse(cls, text: str | None) -> Stage:
        """Map MLflow's spellings (any case, empty for None) onto a Stage."""
        if not text:
            return cls.NONE
        for stage in cls:
            if stage.value.lower() == text.strip().lower():
                return stage
        raise ValueError(f"unknown stage {text!r}; expected one of {', '.join(s for s in cls)}")


def from_millis(value: int | None) -> datetime | None:
    """MLflow timestamps are milliseconds since the epoch (or missing)."""
    if value is None or value == 0:
        return None
    return datetime.fromtimestamp(value / 1000, tz=UTC)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a listing; ``next_page_token`` is None on the last page."""

    items: tuple[T, ...]
    next_page_token: str | None = None


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a registry supports and what the current identity may do there."""

    stages: bool = True
    aliases: bool = True
    transition_requests: bool = False
    comments: bool = False
    can_edit: bool | None = None  # None: the registry does not tell
    server: str = ""  # what runs the registry, when it says ("MLflow 2.9.2")
    lacks: tuple[str, ...] = ()  # what that server does not have, in sentences
    listed_version_tags: bool = True  # listings carry versions' tags (Unity Catalog's do not)
    versions_by_names: bool = False  # one search reads many models' versions (MLflow ≥ 3.17)


@dataclass(frozen=True, slots=True)
class Access:
    """What the current identity may do to one model, as far as the registry tells.

    ``edit`` None means the registry does not say (a refused write is explained when it
    happens). ``stages`` limits direct moves to versions going from and to those stages
    (Databricks CAN_MANAGE_STAGING_VERSIONS); None means any stage.
    """

    edit: bool | None = None  # change stages and aliases directly
    request: bool = False  # ask for a stage transition that someone else approves
    level: str = ""  # the registry's own word for it (CAN_EDIT, READ…), shown to people
    stages: frozenset[Stage] | None = None
    protected: str = ""  # why Modelyard itself sends no change (a read-only profile), in words

    def may_move(self, from_stage: Stage, to_stage: Stage) -> bool | None:
        """Whether a direct move between two stages is allowed (None: not told)."""
        if self.edit is not True:
            return self.edit
        return self.stages is None or {from_stage, to_stage} <= self.stages

    def describe(self) -> str:
        """For people: "CAN_EDIT (may request transitions)"."""
        if self.protected:
            return self.protected
        if self.edit and self.stages is not None:
            allowed = ", ".join(s.value for s in Stage if s in self.stages)
            what = f"may move versions between {allowed}"
        elif self.edit:
            what = "may change stages and aliases"
        elif self.request:
            what = "may request stage transitions, not make them"
        elif self.edit is False:
            what = "may read, not change"
        else:
            what = "the registry does not say"
        return f"{self.level} ({what})" if self.level else what


@dataclass(frozen=True, slots=True)
class TransitionRequest:
    """An open request to move a version to a stage (Databricks workspace registry)."""

    model: str
    version: str
    to_stage: Stage
    requester: str = ""
    comment: str = ""
    created: datetime | None = None
    actions: frozenset[str] = frozenset()  # what the server says the viewer may do, if it says

    def describe(self) -> str:
        """ "v3 → Production, requested by ana"."""
        by = f", requested by {self.requester}" if self.requester else ""
        return f"v{self.version} → {self.to_stage.value}{by}"


@dataclass(frozen=True, slots=True)
class ModelSummary:
    """A registered model as listed."""

    name: str
    description: str = ""
    tags: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    aliases: Mapping[str, str] = field(default_factory=lambda: _EMPTY)  # alias -> version
    created: datetime | None = None
    updated: datetime | None = None
    latest_versions: tuple[str, ...] = ()
    latest_by_stage: Mapping[str, str] = field(default_factory=lambda: _EMPTY)  # stage -> version


@dataclass(frozen=True, slots=True)
class VersionSummary:
    """A model version as listed (aliases filled from the registered model)."""

    model: str
    version: str
    stage: Stage = Stage.NONE
    status: str = "READY"
    aliases: tuple[str, ...] = ()
    run_id: str = ""
    source: str = ""
    description: str = ""
    tags: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    created: datetime | None = None
    updated: datetime | None = None
    creator: str = ""
    model_id: str = ""  # MLflow 3 LoggedModel the version was registered from

    @property
    def uri(self) -> str:
        """The ``models:/`` URI of this version."""
        return f"models:/{self.model}/{self.version}"


def version_sort_key(version: str) -> tuple[int, str]:
    """Numeric versions sort numerically; anything else after them, by text."""
    return (int(version), "") if version.isdigit() else (1 << 62, version)


@dataclass(frozen=True, slots=True)
class MetricPoint:
    """One logged value of a metric."""

    step: int
    value: float
    timestamp: datetime | None = None


@dataclass(frozen=True, slots=True)
class RunDetail:
    """The source run of a version: what produced it and how well it did."""

    run_id: str
    name: str = ""
    status: str = ""
    deleted: bool = False
    experiment_id: str = ""
    experiment_name: str = ""
    user: str = ""
    start: datetime | None = None
    end: datetime | None = None
    params: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    metrics: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    tags: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    artifact_uri: str = ""


@dataclass(frozen=True, slots=True)
class SchemaColumn:
    """One column (or tensor) of a model signature."""

    name: str
    type: str
    required: bool = True


@dataclass(frozen=True, slots=True)
class ModelFile:
    """What the MLmodel file of a version says: flavors, signature, input example."""

    flavors: tuple[str, ...] = ()
    inputs: tuple[SchemaColumn, ...] = ()
    outputs: tuple[SchemaColumn, ...] = ()
    input_example: str = ""
    mlflow_version: str = ""
    model_uuid: str = ""
    raw: str = ""


class EventSource(StrEnum):
    """Where a history event comes from."""

    RECORDED = "recorded"  # written by Modelyard into the registry when it promoted
    SERVER = "server"  # activity the registry service keeps itself (Databricks)
    DERIVED = "derived"  # inferred from timestamps (creation, current stage)


class EventKind(StrEnum):
    """What happened to a version."""

    CREATED = "created"
    STAGE = "stage"
    ALIAS_SET = "alias-set"
    ALIAS_REMOVED = "alias-removed"
    REQUESTED = "requested"  # a stage transition was requested
    REJECTED = "rejected"  # a requested transition was rejected
    CURRENT = "current"  # the stage it is in now, since its last update
    COPIED = "copied"  # registered here as a copy of another registry's version (from_value)


@dataclass(frozen=True, slots=True)
class StageEvent:
    """One entry of a version's stage/alias history."""

    kind: EventKind
    version: str
    when: datetime | None = None
    who: str = ""
    from_value: str = ""
    to_value: str = ""
    comment: str = ""
    source: EventSource = EventSource.RECORDED

    def describe(self) -> str:
        """The event in a few words, for lists and the CLI."""
        if self.kind is EventKind.CREATED:
            return f"v{self.version} created"
        if self.kind is EventKind.STAGE:
            return f"v{self.version}: {self.from_value or 'None'} → {self.to_value}"
        if self.kind is EventKind.ALIAS_SET:
            moved = f" (from v{self.from_value})" if self.from_value else ""
            return f"@{self.to_value} → v{self.version}{moved}"
        if self.kind is EventKind.ALIAS_REMOVED:
            return f"@{self.from_value} removed from v{self.version}"
        if self.kind is EventKind.REQUESTED:
            return f"v{self.version}: {self.to_value} requested"
        if self.kind is EventKind.REJECTED:
            return f"v{self.version}: request for {self.to_value} rejected"
        if self.kind is EventKind.COPIED:
            return f"v{self.version} copied from {self.from_value}"
        return f"v{self.version} is in {self.to_value}"


@dataclass(frozen=True, slots=True)
class VersionDetail:
    """Everything the version pane shows, read in one background job.

    ``run`` / ``model_file`` are None when they could not be read; ``problems`` says why in
    plain words (a deleted run, missing artifacts), so the pane shows what is known.
    """

    version: VersionSummary
    run: RunDetail | None = None
    model_file: ModelFile | None = None
    history: tuple[StageEvent, ...] = ()
    problems: tuple[str, ...] = ()
    model_metrics: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class ArtifactEntry:
    """A file or folder below a version's artifact location (``path`` is relative, POSIX)."""

    path: str
    is_dir: bool = False
    size: int | None = None
    # A symbolic link that leaves the version's folder (or names a folder): listed so that it
    # can be named, never read, downloaded or copied.
    link: bool = False

    @property
    def name(self) -> str:
        """The last path component."""
        return self.path.rsplit("/", 1)[-1]


class ArtifactStream(AbstractContextManager["ArtifactStream"]):
    """An open artifact file: ``size`` (None when unknown) and ``chunks()``."""

    def __init__(self, size: int | None, chunks: Iterator[bytes], close: object = None) -> None:
        self.size = size
        self._chunks = chunks
        self._close = close

    def chunks(self) -> Iterator[bytes]:
        """The file's bytes, a chunk at a time."""
        return self._chunks

    def read(self) -> bytes:
        """The whole file (for small files such as MLmodel)."""
        return b"".join(self._chunks)

    def __exit__(self, *exc: object) -> None:
        if callable(self._close):
            self._close()
