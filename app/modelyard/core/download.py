"""Downloading a version's artifacts: per-byte progress, cancel, atomic placement, resume.

Files stream into a hidden staging folder inside the destination and are moved into place one
by one, each only when complete. Cancel or a failure removes the staging folder: the
destination never holds a partial file. Files already in place with the right size are not
fetched again, so a cancelled or failed download resumes where it stopped.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from modelyard.core.domain import ArtifactEntry
from modelyard.core.errors import (
    Cancelled,
    ErrorKind,
    ModelyardError,
    RegistryError,
    describe_exception,
)
from modelyard.core.registry import Registry

STAGING_PREFIX = ".modelyard-download-"
REPORT_EVERY_S = 0.1


@dataclass(frozen=True)
class DownloadPlan:
    """What a download will fetch."""

    model: str
    version: str
    location: str
    files: tuple[ArtifactEntry, ...]

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
    skipped: tuple[str, ...]
    bytes: int


def plan_download(
    registry: Registry, model: str, version: str, paths: Sequence[str] | None = None
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
    if not files:
        raise RegistryError(f"{model} v{version} has no artifact files.", ErrorKind.NOT_FOUND)
    return DownloadPlan(model, version, location, tuple(files))


def run_download(
    registry: Registry,
    plan: DownloadPlan,
    destination: Path,
    progress: Callable[[DownloadProgress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> DownloadResult:
    """Fetch the plan's files into ``destination`` (created if needed)."""
    destination = destination.expanduser()
    destination.mkdir(parents=True, exist_ok=True)
    staging = destination / f"{STAGING_PREFIX}{uuid.uuid4().hex[:8]}"
    start = time.monotonic()
    last_report = 0.0
    done = 0
    total = plan.total_bytes
    written: list[str] = []
    skipped: list[str] = []

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
        for entry in plan.files:
            target = destination / entry.path
            if target.is_file() and entry.size is not None and target.stat().st_size == entry.size:
                skipped.append(entry.path)
                done += entry.size
                report(entry.path, force=True)
                continue
            part = staging / (entry.path + ".part")
            part.parent.mkdir(parents=True, exist_ok=True)
            with (
                registry.open_artifact(plan.location, entry.path) as stream,
                part.open("wb") as out,
            ):
                for chunk in stream.chunks():
                    if cancelled is not None and cancelled():
                        raise Cancelled("Download cancelled; no partial file was left behind.")
                    out.write(chunk)
                    done += len(chunk)
                    report(entry.path)
                out.flush()
                os.fsync(out.fileno())
            if entry.size is not None and part.stat().st_size != entry.size:
                raise RegistryError(
                    f"{entry.path} arrived incomplete ({part.stat().st_size} of {entry.size} "
                    "bytes): the connection dropped.",
                    ErrorKind.REFUSED,
                )
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(part, target)
            written.append(entry.path)
            report(entry.path, force=True)
    except ModelyardError:
        raise
    except Exception as exc:
        import requests

        if isinstance(exc, OSError) and not isinstance(exc, requests.RequestException):
            raise RegistryError(
                f"Could not write to {destination}: {exc.strerror or exc}"
            ) from None
        where = f"the artifacts of {plan.model} v{plan.version}"
        raise describe_exception(exc, where) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return DownloadResult(destination, tuple(written), tuple(skipped), done)


def human_bytes(count: float) -> str:
    """1.2 MB, 340 kB, 12 B."""
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(count) < 1000 or unit == "TB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    return f"{count:.1f} TB"
