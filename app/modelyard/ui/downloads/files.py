"""Files of versions, started from the window: downloads into a folder (asked for, remembered
per profile) and models served on 127.0.0.1. A controller with explicit dependencies; the
window holds one (``window.files``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QSettings
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QLabel, QWidget

from modelyard.core.actions.serve import LocalServer, serve_dir, wait_until_serving
from modelyard.core.model.domain import VersionSummary
from modelyard.core.model.errors import ModelyardError
from modelyard.core.profiles.profile import Profile
from modelyard.core.reads.download import plan_download, run_download
from modelyard.core.session import Connections
from modelyard.ui.common.workers import CancelToken, WorkerPool
from modelyard.ui.downloads.downloads import DownloadManager, DownloadsDialog
from modelyard.ui.downloads.serving import ServeDialog


class Files(QObject):
    """The download queue and its dialog, and the local model servers of one window."""

    def __init__(
        self,
        window: QWidget,
        connections: Connections,
        workers: WorkerPool,
        *,
        serve_status: Callable[[], QLabel],
        show_error: Callable[[str], None],
    ) -> None:
        super().__init__(window)
        self.window = window
        self.connections, self.workers = connections, workers
        self.serve_status, self.show_error = serve_status, show_error
        self.downloads = DownloadManager(connections, workers, window)
        self.downloads_dialog: DownloadsDialog | None = None
        self.downloads_action = QAction("&Downloads", window)  # View ▸ Downloads
        self.downloads_action.setShortcut(QKeySequence("Ctrl+Shift+D"))
        self.downloads_action.triggered.connect(lambda _checked=False: self.show_downloads())
        self.stop_servers_action = QAction("Stop local servers", window)  # File ▸
        self.stop_servers_action.triggered.connect(lambda _checked=False: self.stop_servers())
        self.servers: list[LocalServer] = []
        self.serve_dialogs: list[ServeDialog] = []
        self.choose_folder: Callable[[str], str | None] = self._ask_folder

    # --- downloads ---------------------------------------------------------------------------
    def _ask_folder(self, start: str) -> str | None:
        folder = QFileDialog.getExistingDirectory(self.window, "Download to folder", start)
        return folder or None

    def start_download(self, profile: Profile, model: str, version: str, paths: object) -> None:
        """Ask for a folder (remembered per profile) and queue the download."""
        settings = QSettings()
        key = f"downloads/{profile.id}"
        start = str(settings.value(key, str(Path.home())))
        folder = self.choose_folder(start)
        if not folder:
            return
        settings.setValue(key, folder)
        selected = tuple(paths) if isinstance(paths, tuple | list) and paths else None
        target = Path(folder) / f"{model}-v{version}"
        self.downloads.enqueue(profile, model, version, selected, target)
        self.show_downloads()

    def start_downloads(self, profile: Profile, targets: object) -> None:
        """Several versions' files (``targets``: (model, version) pairs): one folder asked,
        each version into its own ``model-vN`` folder in it, queued one after the other."""
        pairs = [(str(m), str(v)) for m, v in targets] if isinstance(targets, list | tuple) else []
        if not pairs:
            return
        settings = QSettings()
        key = f"downloads/{profile.id}"
        folder = self.choose_folder(str(settings.value(key, str(Path.home()))))
        if not folder:
            return
        settings.setValue(key, folder)
        for model, version in pairs:
            target = Path(folder) / f"{model}-v{version}"
            self.downloads.enqueue(profile, model, version, None, target)
        self.show_downloads()

    def show_downloads(self) -> None:
        """Show the (non-modal) downloads dialog."""
        if self.downloads_dialog is None:
            self.downloads_dialog = DownloadsDialog(self.downloads, self.window)
        self.downloads_dialog.show()
        self.downloads_dialog.raise_()

    # --- local servers -----------------------------------------------------------------------
    def serve_version(self, profile: Profile, version: VersionSummary) -> None:
        """Download the version into the cache and serve it on 127.0.0.1 in the background."""
        status = self.serve_status()
        status.setText("Preparing: downloading the model for serving…")
        connections = self.connections

        def work(token: CancelToken) -> LocalServer:
            registry = connections.get(profile)
            folder = serve_dir(profile.id, version.model, version.version)
            plan = plan_download(registry, version.model, version.version)
            run_download(registry, plan, folder, cancelled=lambda: token.cancelled)
            server = LocalServer(folder)
            server.start()
            wait_until_serving(server, token)
            return server

        def done(server: LocalServer) -> None:
            self.servers.append(server)
            status.setText(
                f"Serving {version.model} v{version.version} at {server.url}/invocations; "
                "it stops when Modelyard exits (or from its window, or File → Stop local "
                "servers)."
            )
            dialog = ServeDialog(f"{version.model} v{version.version}", server, self.window)
            self.serve_dialogs.append(dialog)
            dialog.show()

        def failed(error: ModelyardError) -> None:
            status.setText(f"Could not serve: {error.message}")

        self.workers.submit(work, done, failed, "serve locally")

    def stop_servers(self) -> None:
        """Stop every local model server this window started (off the GUI thread: a server
        may take seconds to end)."""
        servers, self.servers = list(self.servers), []

        def work(_token: CancelToken) -> None:
            for server in servers:
                server.stop()

        def done(_result: object) -> None:
            for dialog in self.serve_dialogs:
                dialog.refresh()

        self.workers.submit(work, done, lambda error: self.show_error(error.message), "stop")

    def shutdown(self) -> None:
        """The window is closing: stop the download queue."""
        self.downloads.shutdown()

    def stop_servers_now(self) -> None:
        """End every server now (the app is closing; blocking)."""
        for server in self.servers:
            server.stop()
        self.servers.clear()
