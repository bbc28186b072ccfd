"""The background work of the Artifacts tab for the version shown: listing folders, previewing
the selected file, the total size, fetching a file to open it with the system's app."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

from modelyard.core.model.domain import ArtifactEntry
from modelyard.core.model.errors import ModelyardError
from modelyard.core.model.registry import Registry
from modelyard.core.reads.preview import Preview, fetch_for_opening, read_preview, total_size
from modelyard.core.session import Connections
from modelyard.ui.common.workers import CancelToken, Job, WorkerPool
from modelyard.ui.details.artifacts import ArtifactsPanel
from modelyard.ui.tree.tree_model import Node


def open_with_app(path: Path) -> None:
    """Hand a file to the desktop's app for its type."""
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class ArtifactJobs:
    """Runs the Artifacts tab's reads off the GUI thread; results of another version are
    dropped. ``opener`` opens a fetched file (tests replace it)."""

    def __init__(
        self, panel: ArtifactsPanel, connections: Connections, workers: WorkerPool
    ) -> None:
        self.panel = panel
        self.connections = connections
        self.workers = workers
        self.node: Node | None = None
        self.jobs: list[Job[Any]] = []
        self.preview_job: Job[Any] | None = None
        self.opener: Callable[[Path], None] = open_with_app
        panel.listRequested.connect(self.list)
        panel.previewRequested.connect(self.preview)
        panel.openRequested.connect(self.open)

    def cancel(self) -> None:
        """Another selection: stop everything in flight."""
        for job in (*self.jobs, self.preview_job):
            if job is not None:
                job.cancel()
        self.jobs, self.preview_job = [], None
        self.node = None

    def start(self, node: Node) -> None:
        """A version is shown: list its top folder and add up its size."""
        self.node = node
        self.list("")
        self._submit(
            lambda registry, location, _token: total_size(registry, location),
            lambda total: self.panel.set_total(*total),
            lambda error: self.panel.total.setText(f"Total size unknown: {error.message}"),
            "total size of the version's files",
        )

    def _submit(
        self,
        work: Callable[[Registry, str, CancelToken], Any],
        done: Callable[[Any], None],
        failed: Callable[[ModelyardError], None],
        description: str,
    ) -> Job[Any]:
        node = self.node
        assert node is not None
        summary = node.version_summary
        profile, connections = node.profile, self.connections

        def run(token: CancelToken) -> Any:
            registry = connections.get(profile)
            return work(registry, registry.artifact_location(summary.model, summary.version), token)

        job = self.workers.submit(
            run,
            lambda result: done(result) if self.node is node else None,
            lambda error: failed(error) if self.node is node else None,
            description,
            talks_to=profile.id,
        )
        self.jobs.append(job)
        return job

    def list(self, path: str) -> None:
        """The children of a folder ("" is the top)."""
        if self.node is None:
            return
        self._submit(
            lambda registry, location, _token: registry.list_artifacts(location, path),
            lambda entries: self.panel.set_entries(path, entries),
            lambda error: self.panel.set_error(path, error.message),
            f"list artifacts {path or '/'}",
        )

    def preview(self, path: str, size: object) -> None:
        """Read the head of one file and show it (a newer selection wins)."""
        if self.node is None:
            return
        if self.preview_job is not None:
            self.preview_job.cancel()
        entry = ArtifactEntry(path, False, size if isinstance(size, int) else None)
        view = self.panel.preview

        def shown(preview: Preview) -> None:
            if job is self.preview_job:
                view.show_preview(preview)

        def failed(error: ModelyardError) -> None:
            if job is self.preview_job:
                view.failed(path, error.message)

        job = self._submit(
            lambda registry, location, _token: read_preview(registry, location, entry),
            shown,
            failed,
            f"preview {path}",
        )
        self.preview_job = job

    def open(self, path: str) -> None:
        """Fetch one file into the cache and open it with its app."""
        if self.node is None:
            return
        summary = self.node.version_summary
        status = self.panel.serve_status
        status.setText(f"Fetching {path} to open it…")

        def opened(local: Path) -> None:
            status.setText(f"Opened {path} with its app ({local}).")
            self.opener(local)

        self._submit(
            lambda registry, _location, token: fetch_for_opening(
                registry, summary.model, summary.version, path, lambda: token.cancelled
            ),
            opened,
            lambda error: status.setText(f"Could not open {path}: {error.message}"),
            f"fetch {path} to open it",
        )
