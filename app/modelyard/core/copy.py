"""Copy a model version from one registry to another, each with its own profile's credentials.

The files are read from the source into a temporary folder (the download's progress, cancel and
atomic placement), checksummed, and registered in the target: a run carrying the source run's
params and metric histories, the files uploaded below it, then the model (created if missing)
and a new version with the source's description, tags and lineage tags naming the source.

Nothing is left half-registered: the model and the version are created only after every file
is uploaded, and a failed or cancelled copy removes what it created in the target (version,
newly created model, run and its files). Where the target cannot remove something (it went
down), what is left is tagged ``modelyard.copy.state=incomplete`` and the message says so.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from modelyard.core.domain import (
    Access,
    EventKind,
    MetricPoint,
    RunDetail,
    Stage,
    StageEvent,
    VersionSummary,
)
from modelyard.core.download import (
    DownloadPlan,
    DownloadProgress,
    left_out_words,
    plan_download,
    recorded_digests,
    run_download,
)
from modelyard.core.errors import Cancelled, ErrorKind, ModelyardError, RegistryError
from modelyard.core.history import visible_tags
from modelyard.core.kinds import kind_of
from modelyard.core.profiles import Profile
from modelyard.core.promote import PromotionResult, Target
from modelyard.core.registry import Publishing, Registry

log = logging.getLogger("modelyard.copy")

COPIED_FROM = "modelyard.copied_from"  # in words, shown under Lineage
SOURCE_TAG = "modelyard.copy.source"  # <registry location>#<model>/<version>: finds re-copies
CHECKSUM_TAG = "modelyard.copy.checksum"  # sha256 over the files: finds the same files again
STATE_TAG = "modelyard.copy.state"  # on the target run (and a stuck version): incomplete
LINEAGE_PREFIX = "modelyard.copy."
MODEL_DIR = "model"  # the files go below this folder of the target run
UNREACHABLE = {
    ErrorKind.REFUSED,
    ErrorKind.UNRESOLVED,
    ErrorKind.TIMEOUT,
    ErrorKind.NETWORK,
}


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


@dataclass(frozen=True)
class CopyProgress:
    """Where a copy is: ``phase`` is "read" (from the source) or "write" (to the target)."""

    phase: str
    done_bytes: int
    total_bytes: int
    current: str


@dataclass(frozen=True)
class CopyResult:
    """A finished copy."""

    version: VersionSummary
    checksum: str
    created_model: bool
    bytes: int
    note: str | None = None  # the copy stands; only its history entry could not be written


class AlreadyCopied(ModelyardError):
    """The target has this source version (or the very same files) already."""

    kind = ErrorKind.CONFLICT

    def __init__(self, target: str, version: VersionSummary, why: str) -> None:
        super().__init__(
            f"{target} already has {why} as {version.model} v{version.version}: nothing was "
            "copied. Set its stage or alias there instead."
        )
        self.version = version


@dataclass
class _Made:
    """What a copy created in the target so far (what undoing removes)."""

    run_id: str = ""
    artifact_uri: str = ""
    model: str = ""
    version: str = ""
    created_model: bool = False
    uploading: bool = False


def publishing(registry: Registry, profile: str) -> Publishing:
    """The registry as a copy target, or a plain refusal before anything starts."""
    if not isinstance(registry, Publishing):
        raise RegistryError(
            f"{profile} ({registry.location}) cannot take copies: this kind of registry has no "
            "way to register files copied from elsewhere.",
            ErrorKind.INVALID,
        )
    return registry


def versions_with_tags(registry: Registry, model: str) -> Iterator[VersionSummary]:
    """Every version of ``model``, page by page, with its tags — read one by one (8 at a
    time) where the registry's listings carry none (Unity Catalog's search results)."""
    listed = registry.capabilities().listed_version_tags
    token: str | None = None
    while True:
        page = registry.list_versions(model, token)
        if listed:
            yield from page.items
        else:
            with ThreadPoolExecutor(max_workers=8) as pool:
                yield from pool.map(lambda v: registry.get_version(model, v.version), page.items)
        token = page.next_page_token
        if not token:
            return


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
    exists = writer.model_exists(name)
    identity = f"{source.registry.location}#{model}/{version}"
    earlier = find_copy(target.registry, name, SOURCE_TAG, identity) if exists else None
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
    )


def _check_target_rules(
    writer: Publishing, name: str, *, profile: str, source: Registry, model: str, version: str
) -> None:
    """What the target kind demands of a copy, said before anything is written: Unity
    Catalog takes three-part names and only models with a signature (as MLflow's client)."""
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


def files_checksum(folder: Path, paths: list[str], known: dict[str, str] | None = None) -> str:
    """sha256 over each file's path and content, in path order; ``known`` digests (computed
    while the files were downloaded) spare reading them again."""
    total = hashlib.sha256()
    for path in sorted(paths):
        hexdigest = (known or {}).get(path)
        if hexdigest is None:
            digest = hashlib.sha256()
            with (folder / path).open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
            hexdigest = digest.hexdigest()
        total.update(f"{path}\0{hexdigest}\n".encode())
    return f"sha256:{total.hexdigest()}"


def lineage_tags(plan: CopyPlan, checksum: str) -> dict[str, str]:
    """Tags naming the source (never a secret: locations carry none)."""
    v = plan.version
    run = f", run {v.run_id}" if v.run_id else ""
    return {
        COPIED_FROM: f"{plan.source_profile} ({plan.source_location}): {v.model} v{v.version}"
        + run,
        SOURCE_TAG: plan.source_identity,
        f"{LINEAGE_PREFIX}source_profile": plan.source_profile,
        f"{LINEAGE_PREFIX}source_registry": plan.source_location,
        f"{LINEAGE_PREFIX}source_model": v.model,
        f"{LINEAGE_PREFIX}source_version": v.version,
        f"{LINEAGE_PREFIX}source_run": v.run_id,
        CHECKSUM_TAG: checksum,
    }


def _metric_points(source: Registry, run: RunDetail) -> list[tuple[str, MetricPoint]]:
    points: list[tuple[str, MetricPoint]] = []
    for key, latest in run.metrics.items():
        try:
            history = source.metric_history(run.run_id, key)
        except RegistryError:
            history = ()
        points += [(key, p) for p in history] or [(key, MetricPoint(0, latest))]
    return points


def copy_version(
    source: Endpoint,
    target: Endpoint,
    plan: CopyPlan,
    progress: Callable[[CopyProgress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    *,
    steps: Callable[[str, str], None] | None = None,
) -> CopyResult:
    """Copy the planned version (blocking). Raises AlreadyCopied, Cancelled or a
    ModelyardError saying what failed and what was removed again. ``steps`` hears of each
    thing made in the target as it is made — ("run", run id), ("files", where its files go),
    then ("version", number) — so
    that a journal can find them again after the process was killed."""
    if plan.earlier is not None:
        raise AlreadyCopied(target.profile, plan.earlier, "this version")
    writer = publishing(target.registry, target.profile)
    report = progress or (lambda _p: None)
    is_cancelled = cancelled or (lambda: False)
    total = plan.total_bytes

    def read_progress(p: DownloadProgress) -> None:
        report(CopyProgress("read", p.done_bytes, p.total_bytes, p.current))

    with tempfile.TemporaryDirectory(prefix="modelyard-copy-") as tmp:
        folder = Path(tmp)
        run_download(source.registry, plan.files, folder, read_progress, is_cancelled)
        paths = [f.path for f in plan.files.files]
        checksum = files_checksum(folder, paths, recorded_digests(folder))
        if plan.target_model_exists:
            same = find_copy(target.registry, plan.target_model, CHECKSUM_TAG, checksum)
            if same is not None:
                raise AlreadyCopied(target.profile, same, "the same files")
        made = _Made(model=plan.target_model)
        try:
            version = _register(
                writer,
                plan,
                folder=folder,
                paths=paths,
                checksum=checksum,
                made=made,
                report=report,
                is_cancelled=is_cancelled,
                steps=steps or (lambda _what, _value: None),
            )
        except BaseException as exc:
            undone = _undo(target.registry, writer, made)
            if isinstance(exc, Cancelled):
                raise Cancelled(f"Copy cancelled. {undone}") from None
            if isinstance(exc, ModelyardError):
                raise RegistryError(
                    f"The copy into {target.profile} failed: {exc.message} {undone}", exc.kind
                ) from None
            raise
    note = _record(target.registry, plan, version)
    report(CopyProgress("write", total, total, ""))
    return CopyResult(version, checksum, made.created_model, total, note)


def _register(
    writer: Publishing,
    plan: CopyPlan,
    *,
    folder: Path,
    paths: list[str],
    checksum: str,
    made: _Made,
    report: Callable[[CopyProgress], None],
    is_cancelled: Callable[[], bool],
    steps: Callable[[str, str], None],
) -> VersionSummary:
    def check() -> None:
        if is_cancelled():
            raise Cancelled()

    lineage = lineage_tags(plan, checksum)
    v = plan.version
    run_tags = {STATE_TAG: "incomplete", **lineage}
    check()
    made.run_id, made.artifact_uri = writer.create_copy_run(
        f"copy of {v.model} v{v.version}", run_tags
    )
    steps("run", made.run_id)
    steps("files", made.artifact_uri)
    log.info("%s v%s → %s: run %s made", v.model, v.version, plan.target_model, made.run_id)
    if plan.run is not None:
        writer.log_run_data(made.run_id, dict(plan.run.params), plan.metric_points)
    done = 0
    total = plan.total_bytes
    for path in sorted(paths):
        check()

        def on_bytes(count: int, path: str = path) -> None:
            nonlocal done
            done += count
            report(CopyProgress("write", done, total, path))
            if is_cancelled():
                raise Cancelled()

        made.uploading = True
        log.debug("upload %s", path)
        writer.upload_file(made.artifact_uri, f"{MODEL_DIR}/{path}", folder / path, on_bytes)
    check()
    if not writer.model_exists(plan.target_model):
        writer.create_model(plan.target_model, plan.model_description, plan.model_tags)
        made.created_model = True
    tags = {**visible_tags(v.tags), **lineage}
    version = writer.create_version(
        plan.target_model,
        f"{made.artifact_uri}/{MODEL_DIR}",
        made.run_id,
        plan.description,
        tags,
    )
    made.version = version.version
    steps("version", version.version)
    log.info("%s v%s → %s v%s registered", v.model, v.version, plan.target_model, version.version)
    writer.set_run_tag(made.run_id, STATE_TAG, "complete")
    writer.finish_run(made.run_id)
    return version


def _undo(registry: Registry, writer: Publishing, made: _Made) -> str:
    """Remove what a copy created, newest first; say what was removed and what is left."""
    removed: list[str] = []
    left: list[str] = []

    def attempt(what: str, action: Callable[[], None], mark: Callable[[], None]) -> None:
        try:
            action()
            removed.append(what)
            return
        except ModelyardError as exc:
            reason = "the target is unreachable" if exc.kind in UNREACHABLE else exc.message
        except Exception as exc:
            reason = type(exc).__name__
        try:
            mark()
            left.append(f"{what}, tagged {STATE_TAG}=incomplete (not removed: {reason})")
        except Exception:
            left.append(f"{what} (not removed: {reason})")

    if made.version:
        attempt(
            f"version {made.version} of {made.model!r}",
            lambda: writer.delete_version(made.model, made.version),
            lambda: registry.set_version_tag(made.model, made.version, STATE_TAG, "incomplete"),
        )
    if made.created_model:

        def no_mark() -> None:
            raise RuntimeError

        attempt(f"the model {made.model!r}", lambda: writer.delete_model(made.model), no_mark)
    if made.run_id:

        def drop_run() -> None:
            if made.uploading:
                writer.delete_files(made.artifact_uri)
            writer.delete_run(made.run_id)

        def run_marked() -> None:  # created with the tag; it stays until the copy completes
            pass

        files = " and its files" if made.uploading else ""
        attempt(f"the run {made.run_id}{files}", drop_run, run_marked)
    parts = []
    if not made.version and not made.created_model:
        parts.append("No model or version was registered.")
    if removed:
        parts.append("Removed again: " + "; ".join(removed) + ".")
    if left:
        parts.append("Left in the target: " + "; ".join(left) + ".")
    return " ".join(parts)


def _record(registry: Registry, plan: CopyPlan, version: VersionSummary) -> str | None:
    from modelyard.core.promote import record, utc_now

    event = StageEvent(
        EventKind.COPIED,
        version.version,
        utc_now(),
        registry.identity(),
        f"{plan.source_profile}: {plan.version.model} v{plan.version.version}",
    )
    return record(registry, version.model, [event])


@dataclass(frozen=True)
class Across:
    """A promotion across registries: the version in the target (copied now, or the identical
    one already there) and what setting its stage or alias did."""

    version: VersionSummary
    copied: CopyResult | None  # None: the target had it already (``reused``)
    promotions: tuple[PromotionResult, ...] = ()  # one per target asked for, in order

    @property
    def promotion(self) -> PromotionResult | None:
        """The last promotion (None: none was asked for)."""
        return self.promotions[-1] if self.promotions else None

    @property
    def reused(self) -> bool:
        """The target already had this version; nothing was copied."""
        return self.copied is None


def _targets(then: Target | Sequence[Target] | None) -> tuple[Target, ...]:
    if then is None:
        return ()
    return (then,) if isinstance(then, Target) else tuple(then)


def then_problem(target: Endpoint, then: Target | Sequence[Target] | None) -> str:
    """Why ``then`` (a stage, an alias, or both) cannot be set in the target at all ("" when
    it can be tried): said before anything is copied, never after."""
    from modelyard.core.permissions import Rules

    for one in _targets(then):
        if one.kind == "stage" and one.value.lower() == "none":
            continue
        rules = Rules.of(target.registry.capabilities(), Access())
        if not (rules.stages if one.kind == "stage" else rules.aliases):
            why = rules.why_not(Stage.NONE, one.kind, one.value)
            return f"{target.profile}: {why} Nothing was copied."
    return ""


def promote_across(
    source: Endpoint,
    target: Endpoint,
    plan: CopyPlan,
    then: Target | Sequence[Target] | None,
    *,
    progress: Callable[[CopyProgress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    record_history: bool = True,
) -> Across:
    """Copy (or reuse the identical version already in the target), then set the stage and/or
    alias ``then`` in the target, in order — "promote to prod" as one action. A target that
    cannot take ``then`` is refused before the copy; a promotion that fails after it says
    what was copied and what was set."""
    from modelyard.core.promote import promote

    problem = then_problem(target, then)
    if problem:
        raise RegistryError(problem, ErrorKind.INVALID)
    copied: CopyResult | None = None
    try:
        copied = copy_version(source, target, plan, progress, cancelled)
        version = copied.version
    except AlreadyCopied as exc:
        version = exc.version
    promotions: list[PromotionResult] = []
    for one in _targets(then):
        try:
            promotion = promote(
                target.registry,
                version.model,
                version.version,
                one,
                record_history=record_history,
            )
        except ModelyardError as exc:
            done = "Copied" if copied is not None else "Found already there"
            was_set = "".join(f", set {_what(p)}" for p in _targets(then)[: len(promotions)])
            raise RegistryError(
                f"{done} in {target.profile}: {version.model} v{version.version}{was_set}; "
                f"setting {_what(one)} there failed: {exc.message}",
                exc.kind,
            ) from exc
        promotions.append(promotion)
        version = promotion.version
    return Across(version, copied, tuple(promotions))


def _what(target: Target) -> str:
    return f"stage {target.value}" if target.kind == "stage" else f"alias @{target.value}"
