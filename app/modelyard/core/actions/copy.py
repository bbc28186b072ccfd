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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from modelyard.core.actions.copy_plan import (
    CHECKSUM_TAG,
    COPIED_FROM,
    LINEAGE_PREFIX,
    SOURCE_TAG,
    STATE_TAG,
    CopyPlan,
    Endpoint,
    find_copy,
    publishing,
)
from modelyard.core.model.domain import (
    EventKind,
    StageEvent,
    VersionSummary,
)
from modelyard.core.model.errors import Cancelled, ErrorKind, ModelyardError, RegistryError
from modelyard.core.model.registry import Publishing, Registry
from modelyard.core.reads.download import (
    DownloadProgress,
    recorded_digests,
    run_download,
)
from modelyard.core.reads.history import visible_tags

log = logging.getLogger("modelyard.copy")

MODEL_DIR = "model"  # the files go below this folder of the target run
UNREACHABLE = {
    ErrorKind.REFUSED,
    ErrorKind.UNRESOLVED,
    ErrorKind.TIMEOUT,
    ErrorKind.NETWORK,
}


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


def copy_version(
    source: Endpoint,
    target: Endpoint,
    plan: CopyPlan,
    progress: Callable[[CopyProgress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    *,
    steps: Callable[[str, str], None] | None = None,
    fresh_plan: bool = False,
) -> CopyResult:
    """Copy the planned version (blocking). Raises AlreadyCopied, Cancelled or a
    ModelyardError saying what failed and what was removed again. ``steps`` hears of each
    thing made in the target as it is made — ("run", run id), ("files", where its files go),
    then ("version", number) — so
    that a journal can find them again after the process was killed. ``fresh_plan``: the plan
    was read just now (a sync plans each version right before copying it), so the target's
    versions it read answer "the same files there already?" without reading them again."""
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
            same = (
                plan.by_checksum.get(checksum)
                if fresh_plan
                else find_copy(target.registry, plan.target_model, CHECKSUM_TAG, checksum)
            )
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
    # A model the plan found stays (a deletion meanwhile fails the version's create, which
    # is undone); one it did not find may have been made meanwhile: asked again.
    if not plan.target_model_exists and not writer.model_exists(plan.target_model):
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
    from modelyard.core.actions.promote import record, utc_now

    event = StageEvent(
        EventKind.COPIED,
        version.version,
        utc_now(),
        registry.identity(),
        f"{plan.source_profile}: {plan.version.model} v{plan.version.version}",
    )
    return record(registry, version.model, [event])
