"""Planning a copy between registries: what it will read and where it will register it,
refused before anything is written when the target cannot take it; and the lineage tags by
which a copy is found again."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from modelyard.core.kinds import kind_of
from modelyard.core.model.domain import MetricPoint, RunDetail, VersionSummary
from modelyard.core.model.errors import ErrorKind, RegistryError
from modelyard.core.model.registry import Publishing, Registry
from modelyard.core.profiles.profile import Profile
from modelyard.core.reads.download import DownloadPlan, left_out_words, plan_download
from modelyard.core.reads.history import visible_tags
from modelyard.core.reads.many import versions_with_tags

COPIED_FROM = "modelyard.copied_from"  # in words, shown under Lineage
SOURCE_TAG = "modelyard.copy.source"  # <registry location>#<model>/<version>: finds re-copies
CHECKSUM_TAG = "modelyard.copy.checksum"  # sha256 over the files: finds the same files again
STATE_TAG = "modelyard.copy.state"  # on the target run (and a stuck version): incomplete
LINEAGE_PREFIX = "modelyard.copy."


@dataclass(frozen=True)
class Endpoint:
    """One side of a copy: the registry and the profile's name (for lineage and messages)."""

    registry: Registry
    profile: str


@dataclass(frozen=True)
class CopyPlan:
    """What a copy will read and where it will register it."""

    source_profile: str
    source_location: str
    version: VersionSummary
    description: str
    model_description: str
    model_tags: dict[str, str]
    run: RunDetail | None
    metric_points: tuple[tuple[str, MetricPoint], ...]
    files: DownloadPlan
    target_profile: str
    target_location: str
    target_model: str
    target_model_exists: bool
    earlier: VersionSummary | None  # this source version is already in the target
    # The target model's versions by their checksum tag, from the same read as ``earlier``.
    by_checksum: Mapping[str, VersionSummary] = field(default_factory=dict)

    @property
    def source_identity(self) -> str:
        """What the source tag of a copy holds."""
        return f"{self.source_location}#{self.version.model}/{self.version.version}"

    @property
    def total_bytes(self) -> int:
        """Bytes to read (and to write)."""
        return self.files.total_bytes

    def lines(self) -> list[str]:
        """What will be written, in words, for a confirmation."""
        v = self.version
        run = self.run
        params = len(run.params) if run else 0
        metrics = len(run.metrics) if run else 0
        model = (
            f"a new version of {self.target_model!r}"
            if self.target_model_exists
            else f"the new model {self.target_model!r} and its version 1"
        )
        return [
            f"From {self.source_profile} ({self.source_location}): {v.model} v{v.version}",
            f"To {self.target_profile} ({self.target_location}): {model}",
            f"{len(self.files.files)} files, {self.total_bytes:,} bytes; a run with {params} "
            f"params and {metrics} metrics (with their histories)",
            "Description, tags and lineage tags naming the source; the source's own history "
            "tags stay behind",
            *([words] if (words := left_out_words(self.files)) else []),
        ]


def publishing(registry: Registry, profile: str) -> Publishing:
    """The registry as a copy target, or a plain refusal before anything starts."""
    if not isinstance(registry, Publishing):
        raise RegistryError(
            f"{profile} ({registry.location}) cannot take copies: this kind of registry has no "
            "way to register files copied from elsewhere.",
            ErrorKind.INVALID,
        )
    return registry


def find_copy(registry: Registry, model: str, key: str, value: str) -> VersionSummary | None:
    """A version of ``model`` whose tag ``key`` is ``value``."""
    for version in versions_with_tags(registry, model):
        if version.tags.get(key) == value:
            return version
    return None


def plan_copy(
    source: Endpoint, model: str, version: str, target: Endpoint, target_model: str | None = None
) -> CopyPlan:
    """Read what the copy needs to know (blocking); refuses a target that cannot take it."""
    writer = publishing(target.registry, target.profile)
    name = (target_model or model).strip()
    if not name:
        raise RegistryError("The target model name is empty.", ErrorKind.INVALID)
    if source.registry.location == target.registry.location and name == model:
        raise RegistryError(
            f"{model} v{version} is in {target.profile} already: choose another registry or "
            "another model name.",
            ErrorKind.INVALID,
        )
    summary = source.registry.get_version(model, version)
    source_model = source.registry.get_model(model)
    _check_target_rules(
        writer, name, profile=target.profile, source=source.registry, model=model, version=version
    )
    run = None
    if summary.run_id:
        try:
            run = source.registry.get_run(summary.run_id)
        except RegistryError as exc:
            if exc.kind is not ErrorKind.NOT_FOUND:
                raise
    files = plan_download(source.registry, model, version)
    identity = f"{source.registry.location}#{model}/{version}"
    earlier: VersionSummary | None = None
    by_checksum: dict[str, VersionSummary] = {}
    held_now = versions_there(target.registry, name)  # one read where the model has some
    exists = bool(held_now) or writer.model_exists(name)
    for held in held_now:
        if held.tags.get(SOURCE_TAG) == identity:
            earlier = earlier or held
        if held.tags.get(CHECKSUM_TAG):
            by_checksum.setdefault(held.tags[CHECKSUM_TAG], held)
    return CopyPlan(
        source_profile=source.profile,
        source_location=source.registry.location,
        version=summary,
        description=summary.description,
        model_description=source_model.description,
        model_tags=visible_tags(source_model.tags),
        run=run,
        metric_points=tuple(_metric_points(source.registry, run)) if run else (),
        files=files,
        target_profile=target.profile,
        target_location=target.registry.location,
        target_model=name,
        target_model_exists=exists,
        earlier=earlier,
        by_checksum=by_checksum,
    )


def versions_there(registry: Registry, name: str) -> list[VersionSummary]:
    """The target model's versions with their tags; none when it has none or is not there."""
    try:
        return list(versions_with_tags(registry, name))
    except RegistryError as exc:
        if exc.kind is not ErrorKind.NOT_FOUND:
            raise
        return []


def _check_target_rules(
    writer: Publishing, name: str, *, profile: str, source: Registry, model: str, version: str
) -> None:
    """What the target kind demands of a copy, said before anything is written: Unity
    Catalog takes three-part names and only models with a signature (as MLflow's client); a
    read-only profile takes nothing (its guard says so: see ``connectors._guard``)."""
    if getattr(writer, "read_only", False):
        raise RegistryError(
            f"{profile} is read-only in Modelyard (its protection level): nothing is copied "
            "into it.",
            ErrorKind.PERMISSION,
        )
    if not getattr(writer, "unity_catalog", False):
        return
    if len(name.split(".")) != 3 or not all(name.split(".")):
        raise RegistryError(
            f"{profile} is Unity Catalog: name the model catalog.schema.model (not {name!r}).",
            ErrorKind.INVALID,
        )
    try:
        signed = bool(source.read_model_file(model, version).inputs)
    except RegistryError as exc:
        if exc.kind is not ErrorKind.NOT_FOUND:
            raise
        signed = False  # no model file at all
    if not signed:
        raise RegistryError(
            f"{profile} is Unity Catalog, which registers only models with a signature; "
            f"{model} v{version} has none (log it with a signature, e.g. from "
            "mlflow.models.infer_signature, then copy that version).",
            ErrorKind.INVALID,
        )


def suggested_name(target: Profile, model: str) -> str:
    """The model's name in the target by default: the same, or for Unity Catalog the
    profile's default catalog and schema before the model's own last part."""
    return kind_of(target.settings).model_name(target.settings, model)


def _metric_points(source: Registry, run: RunDetail) -> list[tuple[str, MetricPoint]]:
    points: list[tuple[str, MetricPoint]] = []
    for key, latest in run.metrics.items():
        try:
            history = source.metric_history(run.run_id, key)
        except RegistryError:
            history = ()
        points += [(key, p) for p in history] or [(key, MetricPoint(0, latest))]
    return points
