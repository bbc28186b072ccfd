"""The Registry protocol every connector satisfies.

All methods block (they do network or disk I/O): the GUI calls them through its worker pool,
never on the GUI thread. Failures raise :class:`modelyard.core.model.errors.RegistryError`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

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
    TransitionRequest,
    VersionSummary,
)

DEFAULT_MODEL_PAGE = 100
DEFAULT_VERSION_PAGE = 200


@runtime_checkable
class Reading(Protocol):
    """Models, versions, runs and their history, read with one profile's credentials."""

    @property
    def name(self) -> str:
        """The profile name, for messages."""
        ...

    @property
    def location(self) -> str:
        """Where the registry is (URL or file), for messages; never contains secrets."""
        ...

    def capabilities(self) -> Capabilities:
        """What this registry supports."""
        ...

    def list_models(
        self, page_token: str | None = None, page_size: int = DEFAULT_MODEL_PAGE
    ) -> Page[ModelSummary]:
        """One page of registered models (prompts excluded), ordered by name."""
        ...

    def get_model(self, name: str) -> ModelSummary:
        """One registered model with its tags and aliases."""
        ...

    def list_versions(
        self, model: str, page_token: str | None = None, page_size: int = DEFAULT_VERSION_PAGE
    ) -> Page[VersionSummary]:
        """One page of a model's versions, newest first, with aliases filled in."""
        ...

    def get_version(self, model: str, version: str) -> VersionSummary:
        """One model version, fresh from the registry."""
        ...

    def identity(self) -> str:
        """Who the registry sees as the current user (for recorded history)."""
        ...

    def access(self, model: str) -> Access:
        """What the current identity may do to ``model`` (advisory; never raises)."""
        ...

    def can_edit_model(self, model: str) -> bool | None:
        """Whether the current identity may change ``model`` (None: the registry does not say)."""
        ...

    def get_run(self, run_id: str) -> RunDetail:
        """A run with params and latest metrics (deleted runs too, marked deleted)."""
        ...

    def logged_model_metrics(self, model_id: str) -> dict[str, float]:
        """Latest value per metric of an MLflow 3 LoggedModel."""
        ...

    def metric_history(self, run_id: str, key: str) -> tuple[MetricPoint, ...]:
        """Every logged value of one metric, by step."""
        ...

    def server_history(self, model: str, version: str) -> tuple[StageEvent, ...]:
        """Stage activity kept by the service itself (empty where it keeps none)."""
        ...


@runtime_checkable
class Files(Protocol):
    """A version's files: where they are, the model file, browsing and streaming them."""

    def artifact_location(self, model: str, version: str) -> str:
        """Where the version's files are, resolved by this registry."""
        ...

    def read_model_file(self, model: str, version: str) -> ModelFile:
        """The version's MLmodel file (flavors, signature, input example)."""
        ...

    def list_artifacts(self, location: str, path: str = "") -> tuple[ArtifactEntry, ...]:
        """Entries directly below ``path`` of an artifact location (lazy browsing)."""
        ...

    def walk_artifacts(self, location: str, path: str = "") -> tuple[ArtifactEntry, ...]:
        """Every file below ``path`` of an artifact location."""
        ...

    def open_artifact(self, location: str, path: str) -> ArtifactStream:
        """One artifact file opened for streaming, with this profile's credentials."""
        ...


@runtime_checkable
class Editing(Protocol):
    """Changing what the registry says: tags, descriptions, stages and aliases."""

    def set_model_tag(self, model: str, key: str, value: str) -> None:
        """Set a registered-model tag."""
        ...

    def delete_model_tag(self, model: str, key: str) -> None:
        """Delete a registered-model tag."""
        ...

    def set_version_tag(self, model: str, version: str, key: str, value: str) -> None:
        """Set a model-version tag."""
        ...

    def delete_version_tag(self, model: str, version: str, key: str) -> None:
        """Delete a model-version tag."""
        ...

    def set_model_description(self, model: str, description: str) -> None:
        """Replace a registered model's description."""
        ...

    def set_version_description(self, model: str, version: str, description: str) -> None:
        """Replace a model version's description."""
        ...

    def transition_stage(
        self, model: str, version: str, stage: Stage, archive_existing: bool = False
    ) -> VersionSummary:
        """Move a version to a stage."""
        ...

    def set_alias(self, model: str, alias: str, version: str) -> None:
        """Point an alias at a version."""
        ...

    def delete_alias(self, model: str, alias: str) -> None:
        """Remove an alias."""
        ...


@runtime_checkable
class Registry(Reading, Files, Editing, Protocol):
    """One registry, reached with one profile's own credentials: every kind reads, serves its
    files and edits; the other roles (TransitionRequests, Publishing) only where the kind has
    them, so a kind states what it can do by what it implements.
    """

    def close(self) -> None:
        """Release connections and files."""
        ...


@runtime_checkable
class Publishing(Protocol):
    """A registry that can take a version copied from elsewhere: a run with params and metrics,
    its files, a model and a version — and can remove them again (a failed copy)."""

    def create_copy_run(self, run_name: str, tags: dict[str, str]) -> tuple[str, str]:
        """A run for the copy; (run id, artifact URI)."""
        ...

    def log_run_data(
        self, run_id: str, params: dict[str, str], metrics: Iterable[tuple[str, MetricPoint]]
    ) -> None:
        """Params and metric points, in the store's batches."""
        ...

    def set_run_tag(self, run_id: str, key: str, value: str) -> None:
        """Set one run tag."""
        ...

    def finish_run(self, run_id: str) -> None:
        """Mark the run finished."""
        ...

    def delete_run(self, run_id: str) -> None:
        """Delete a run."""
        ...

    def upload_file(
        self, artifact_uri: str, relative: str, source: Path, on_bytes: Callable[[int], None]
    ) -> None:
        """Put one file below a run's artifact URI."""
        ...

    def delete_files(self, artifact_uri: str) -> None:
        """Remove a run's uploaded files."""
        ...

    def model_exists(self, name: str) -> bool:
        """Whether a registered model of that name exists."""
        ...

    def create_model(self, name: str, description: str, tags: dict[str, str]) -> None:
        """Create a registered model."""
        ...

    def create_version(
        self, model: str, source: str, run_id: str, description: str, tags: dict[str, str]
    ) -> VersionSummary:
        """A new version whose files are at ``source``."""
        ...

    def delete_version(self, model: str, version: str) -> None:
        """Delete a model version."""
        ...

    def delete_model(self, model: str) -> None:
        """Delete a registered model."""
        ...


@runtime_checkable
class ReadingMany(Protocol):
    """A registry that can read the versions of many models in one search: used only where
    its capabilities say so (``versions_by_names``: MLflow servers from 3.17 on)."""

    def versions_of(self, models: Sequence[ModelSummary]) -> dict[str, tuple[VersionSummary, ...]]:
        """Each of ``models``' versions (as listed: aliases come from the summaries), newest
        first, with their tags; a model that has gone maps to none."""
        ...


@runtime_checkable
class TransitionRequests(Protocol):
    """A registry where people without the right to move a version ask for it (the Databricks
    workspace registry); kinds without requests do not implement this role."""

    def transition_requests(self, model: str, version: str) -> tuple[TransitionRequest, ...]:
        """Open requests to move ``version`` to a stage (empty where the registry has none)."""
        ...

    def request_transition(
        self, model: str, version: str, stage: Stage, comment: str = ""
    ) -> TransitionRequest:
        """Ask for ``version`` to be moved to ``stage`` (someone with permission approves)."""
        ...

    def approve_transition(
        self,
        model: str,
        version: str,
        stage: Stage,
        archive_existing: bool = False,
        comment: str = "",
    ) -> None:
        """Approve the open request to move ``version`` to ``stage`` (this moves it)."""
        ...

    def reject_transition(self, model: str, version: str, stage: Stage, comment: str = "") -> None:
        """Reject the open request to move ``version`` to ``stage``."""
        ...

    def withdraw_transition(
        self, model: str, version: str, stage: Stage, comment: str = ""
    ) -> None:
        """Withdraw (delete) the current identity's own open request."""
        ...
