"""Downloading a version's artifacts: per-byte progress, cancel, atomic placement, resume.

Files stream into a hidden staging folder inside the destination and are moved into place one
by one, each only when complete. Cancel or a failure removes the staging folder: the
destination never holds a partial file.

A small manifest (``.modelyard-download.json``: registry location, model, version, and per file
its size and SHA-256) records what a download wrote. A rerun skips only files it wrote itself
for the same version and that are unchanged since; so a cancelled or failed download resumes
where it stopped, and a download never mixes two versions. A file the download did not write
(the user's own, or another version's) is never overwritten unless asked (``overwrite``): the
conflict is found before the first byte is fetched.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from modelyard.core.model.domain import ArtifactEntry
from modelyard.core.model.errors import (
    Cancelled,
    ErrorKind,
    ModelyardError,
    RegistryError,
    describe_exception,
)
from modelyard.core.model.registry import Files

STAGING_PREFIX = ".modelyard-download-"
MANIFEST = ".modelyard-download.json"
MANIFEST_FORMAT = 1
MANIFEST_EVERY_S = 1.0  # rewritten at most this often while files land, and at the end
REPORT_EVERY_S = 0.1


@dataclass(frozen=True)
class DownloadPlan:
    """What a download will fetch."""

    model: str
    version: str
    location: str
    files: tuple[ArtifactEntry, ...]
    left_out: tuple[str, ...] = ()  # links out of the version's folder: never read

    @property
    def total_bytes(self) -> int:
        """Sum of the known file sizes."""
        return sum(f.size or 0 for f in self.files)


@dataclass(frozen=True)
class DownloadProgress:
    """A progress report."""

    done_bytes: int
    total_bytes: int
    files_done: int
    files_total: int
    current: str
    elapsed_s: float

    @property
    def speed(self) -> float:
        """Bytes per second so far."""
        return self.done_bytes / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def eta_s(self) -> float | None:
        """Seconds left at the current speed (None while unknown)."""
        if self.speed <= 0 or self.total_bytes <= 0:
            return None
        return max(0.0, (self.total_bytes - self.done_bytes) / self.speed)


@dataclass(frozen=True)
class DownloadResult:
    """What a finished download did."""

    destination: Path
    written: tuple[str, ...]
    skipped: tuple[str, ...]  # already there: written by an earlier run for this same version
    bytes: int
    replaced: tuple[str, ...] = ()  # existing files overwritten (only with ``overwrite``)
    left_out: tuple[str, ...] = ()  # links out of the version's folder: never read


class DownloadConflict(ModelyardError):
    """Files in the destination that this download did not write; ``paths`` names them."""

    kind = ErrorKind.CONFLICT

    def __init__(self, destination: Path, paths: list[str], why: str) -> None:
        shown = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
        super().__init__(
            f"{destination} already holds {shown} ({why}); nothing was downloaded. Choose an "
            "empty folder, or overwrite them."
        )
        self.paths = paths


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_manifest(destination: Path) -> dict[str, dict[str, object]]:
    """What earlier downloads wrote here: {path: {location, model, version, size, sha256}}.
    A missing or damaged manifest means "nothing known" (files then count as not ours)."""
    try:
        data = json.loads((destination / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        return {}
    return {str(k): v for k, v in files.items() if isinstance(v, dict)}


def recorded_digests(destination: Path) -> dict[str, str]:
    """The SHA-256 of each file a download wrote into ``destination`` (computed while it was
    streamed in), by path."""
    return {
        path: str(record["sha256"])
        for path, record in _read_manifest(destination).items()
        if isinstance(record.get("sha256"), str)
    }


def _write_manifest(destination: Path, files: dict[str, dict[str, object]]) -> None:
    from modelyard.core.runtime.paths import write_atomic

    payload = {"format": MANIFEST_FORMAT, "files": files}
    write_atomic(destination / MANIFEST, json.dumps(payload, indent=1, sort_keys=True) + "\n")


def _ours(
    record: dict[str, object] | None, target: Path, plan: DownloadPlan, same_version: bool
) -> bool:
    """The file at ``target`` is exactly what a download wrote (for this version, or any):
    same size and modification time as recorded, or — when only the time differs — the same
    SHA-256 (a big file is not read again when nothing touched it)."""
    if record is None or not target.is_file():
        return False
    if same_version and (
        record.get("location") != plan.location
        or record.get("model") != plan.model
        or record.get("version") != plan.version
    ):
        return False
    stat = target.stat()
    if record.get("size") != stat.st_size:
        return False
    return record.get("mtime_ns") == stat.st_mtime_ns or record.get("sha256") == _sha256(target)


def plan_download(
    registry: Files, model: str, version: str, paths: Sequence[str] | None = None
) -> DownloadPlan:
    """List the files to fetch: all of the version's artifacts, or the given files/folders."""
    location = registry.artifact_location(model, version)
    if not paths:
        files = registry.walk_artifacts(location)
    else:
        found: dict[str, ArtifactEntry] = {}
        for raw_path in paths:
            path = raw_path.strip("/")
            parent = path.rsplit("/", 1)[0] if "/" in path else ""
            siblings = {e.path: e for e in registry.list_artifacts(location, parent)}
            entry = siblings.get(path)
            if entry is None:
                raise RegistryError(
                    f"{path} is not among the artifacts of {model} v{version}.",
                    ErrorKind.NOT_FOUND,
                )
            for item in registry.walk_artifacts(location, path) if entry.is_dir else (entry,):
                found[item.path] = item
        files = tuple(found.values())
    left_out = tuple(f.path for f in files if f.link)
    files = tuple(f for f in files if not f.link)
    if not files:
        raise RegistryError(f"{model} v{version} has no artifact files.", ErrorKind.NOT_FOUND)
    return DownloadPlan(model, version, location, tuple(files), left_out)


def left_out_words(plan: DownloadPlan) -> str | None:
    """The links a plan leaves out, in words (None when there are none)."""
    if not plan.left_out:
        return None
    shown = ", ".join(plan.left_out[:5]) + (" …" if len(plan.left_out) > 5 else "")
    many = len(plan.left_out)
    return (
        f"Left out {many} link{'' if many == 1 else 's'} pointing outside the version's folder "
        f"(not read): {shown}"
    )


def run_download(
    registry: Files,
    plan: DownloadPlan,
    destination: Path,
    progress: Callable[[DownloadProgress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    *,
    overwrite: bool = False,
) -> DownloadResult:
    """Fetch the plan's files into ``destination`` (created if needed)."""
    destination = destination.expanduser()
    destination.mkdir(parents=True, exist_ok=True)
    manifest = _read_manifest(destination)
    skip: set[str] = set()
    foreign: list[str] = []
    others: list[str] = []
    for entry in plan.files:
        target = destination / entry.path
        if not target.exists():
            continue
        record = manifest.get(entry.path)
        same_size = entry.size is None or (record is not None and record.get("size") == entry.size)
        if same_size and _ours(record, target, plan, same_version=True):
            skip.add(entry.path)
        elif _ours(record, target, plan, same_version=False):
            others.append(entry.path)
        else:
            foreign.append(entry.path)
    if (foreign or others) and not overwrite:
        why = (
            "files this download did not write"
            if foreign
            else "files downloaded for another version"
        )
        raise DownloadConflict(destination, foreign or others, why)

    staging = destination / f"{STAGING_PREFIX}{uuid.uuid4().hex[:8]}"
    start = time.monotonic()
    last_report = 0.0
    done = 0
    total = plan.total_bytes
    written: list[str] = []
    skipped: list[str] = []
    replaced: list[str] = []
    manifest_saved, unsaved = time.monotonic(), False

    def report(current: str, force: bool = False) -> None:
        nonlocal last_report
        now = time.monotonic()
        if progress is not None and (force or now - last_report >= REPORT_EVERY_S):
            last_report = now
            progress(
                DownloadProgress(
                    done, total, len(written) + len(skipped), len(plan.files), current, now - start
                )
            )

    try:
        for number, entry in enumerate(plan.files):
            target = destination / entry.path
            if entry.path in skip:
                skipped.append(entry.path)
                done += target.stat().st_size
                report(entry.path, force=True)
                continue
            # Staged under a short name of its own: any legal file name fits, whatever its length.
            part = staging / f"{number}.part"
            part.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256()
            with (
                registry.open_artifact(plan.location, entry.path) as stream,
                part.open("wb") as out,
            ):
                for chunk in stream.chunks():
                    if cancelled is not None and cancelled():
                        raise Cancelled()  # said below, once what it wrote is removed again
                    out.write(chunk)
                    digest.update(chunk)
                    done += len(chunk)
                    report(entry.path)
                out.flush()
                os.fsync(out.fileno())
            size = part.stat().st_size
            if entry.size is not None and size != entry.size:
                raise RegistryError(
                    f"{entry.path} arrived incomplete ({size} of {entry.size} "
                    "bytes): the connection dropped.",
                    ErrorKind.NETWORK,
                )
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                replaced.append(entry.path)
            os.replace(part, target)
            manifest[entry.path] = {
                "location": plan.location,
                "model": plan.model,
                "version": plan.version,
                "size": size,
                "sha256": digest.hexdigest(),
                "mtime_ns": target.stat().st_mtime_ns,
            }
            written.append(entry.path)
            if time.monotonic() - manifest_saved >= MANIFEST_EVERY_S:
                _write_manifest(destination, manifest)  # a crash loses at most a second's files
                manifest_saved, unsaved = time.monotonic(), False
            else:
                unsaved = True
            report(entry.path, force=True)
    except Cancelled:
        # Cancel leaves nothing of this download: a model folder without its weights must not
        # look like a model. (A download that fails keeps its finished files, to be resumed.)
        removed = _remove_written(destination, written, replaced, manifest)
        unsaved = bool(manifest)
        if not manifest:  # nothing of any download is left: neither is the manifest
            with contextlib.suppress(OSError):
                (destination / MANIFEST).unlink(missing_ok=True)
        kept = f" {len(replaced)} replaced files stay as downloaded." if replaced else ""
        raise Cancelled(
            f"Download cancelled: the {removed} files it had finished were removed again and no "
            f"partial file was left, so nothing of it is in {destination}.{kept}"
            if removed
            else f"Download cancelled: nothing of it was written to {destination}."
        ) from None
    except ModelyardError:
        raise
    except Exception as exc:
        import requests

        if isinstance(exc, OSError) and not isinstance(exc, requests.RequestException):
            raise RegistryError(
                f"Could not write to {destination}: {exc.strerror or exc}"
            ) from None
        host = getattr(registry, "location", "") or plan.location
        where = f"{host} (the files of {plan.model} v{plan.version})"
        raise describe_exception(exc, where) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if unsaved:
            with contextlib.suppress(OSError):  # the failure that brought us here matters more
                _write_manifest(destination, manifest)
    return DownloadResult(
        destination, tuple(written), tuple(skipped), done, tuple(replaced), plan.left_out
    )


def _remove_written(
    destination: Path,
    written: list[str],
    replaced: list[str],
    manifest: dict[str, dict[str, object]],
) -> int:
    """Delete the files a cancelled download wrote fresh (not those it replaced: what they
    were is gone) and their manifest entries, and the folders that then stand empty; how many
    files went."""
    removed = 0
    for path in written:
        if path in replaced:
            continue
        target = destination / path
        with contextlib.suppress(OSError):
            target.unlink()
            removed += 1
        manifest.pop(path, None)
        parent = target.parent
        while parent != destination and parent.is_dir() and not any(parent.iterdir()):
            with contextlib.suppress(OSError):
                parent.rmdir()
            parent = parent.parent
    return removed


def human_bytes(count: float) -> str:
    """1.2 MB, 340 kB, 12 B."""
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(count) < 1000 or unit == "TB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    return f"{count:.1f} TB"
