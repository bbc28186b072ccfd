"""The main window: registry tree with search on the left, details on the right."""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import (
    QFileSystemWatcher,
    QItemSelection,
    QModelIndex,
    QSize,
    Qt,
    QTimer,
    Slot,
)
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QMainWindow,
    QMessageBox,
    QSplitter,
    QToolBar,
)

from modelyard import APP_NAME, __version__
from modelyard.core.demo.registry import ensure_demo
from modelyard.core.model.errors import ModelyardError
from modelyard.core.profiles.profile import Profile, ProfileStore
from modelyard.core.session import Connections
from modelyard.ui.activity.activity_view import ActivityOpener
from modelyard.ui.common import icons
from modelyard.ui.common.screen_fit import fit_size
from modelyard.ui.common.wait_indicator import WaitIndicator
from modelyard.ui.common.workers import CancelToken, WorkerPool
from modelyard.ui.compare.across import AcrossRegistries
from modelyard.ui.compare.copy_dialog import Revealer
from modelyard.ui.details import DetailsPane
from modelyard.ui.downloads.files import Files
from modelyard.ui.profiles.actions import ProfileActions
from modelyard.ui.search.find_opener import FindOpener
from modelyard.ui.shell import window_state
from modelyard.ui.shell.status import StatusPanel
from modelyard.ui.tree.tree_menu import TreeMenus
from modelyard.ui.tree.tree_model import (
    Node,
    NodeKind,
    RegistryTreeModel,
)
from modelyard.ui.tree.tree_panel import TreePanel, choose_row

PROFILE_WATCH_DELAY_MS = 200  # a save writes a temp file, then replaces: one reload for both


class MainWindow(QMainWindow):
    """Modelyard's main window."""

    def __init__(
        self, store: ProfileStore | None = None, connections: Connections | None = None
    ) -> None:
        super().__init__()
        self.setWindowTitle(APP_NAME)
        self.setWindowIcon(icons.app_icon())
        fit_size(self, QSize(1360, 840))
        self.store = store if store is not None else ProfileStore()
        self.connections = connections if connections is not None else Connections()
        self.connections.states.bind_owner()  # only this (the GUI) thread changes the states
        self.workers = WorkerPool(self)

        self.tree_model = RegistryTreeModel(self.connections, self.workers, self)
        self.panel = TreePanel(self.tree_model)
        # The panel's parts, as the window's actions, menus and tests use them:
        self.proxy, self.search, self.tree = self.panel.proxy, self.panel.search, self.panel.tree
        self.no_matches = self.panel.no_matches
        self.tree.selectionModel().selectionChanged.connect(self._selection_changed)

        self.details = DetailsPane(self.connections, self.workers)
        self.details.versionActivated.connect(self.select_version)
        self.details.notice.connect(lambda text: self.statusBar().showMessage(text))
        self.files = Files(  # downloads and local model servers
            self,
            self.connections,
            self.workers,
            serve_status=lambda: self.details.version_view.artifacts.serve_status,
            show_error=self.show_error,
        )
        self.details.downloadRequested.connect(self.files.start_download)
        self.details.serveRequested.connect(self.files.serve_version)
        self.demo_error: str | None = None  # why the demo registry could not be prepared
        splitter = QSplitter()
        splitter.addWidget(self.panel)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([700, 560])
        self.splitter = splitter
        self.setCentralWidget(splitter)

        self.profiles = ProfileActions(self, self, self.details.profile_view)  # new, edit, …
        self.across = AcrossRegistries(  # copy, sync and compare between registries
            self,
            self.connections,
            self.workers,
            tree=self.tree,
            proxy=self.proxy,
            tree_model=self.tree_model,
            say=lambda text, ms: self.statusBar().showMessage(text, ms),
            selected_profile=self.selected_profile,
        )
        self._build_actions()
        self.wait_indicator = WaitIndicator(self.workers)
        self.wait_indicator.given_up.connect(self._stopped_waiting)
        self.status = StatusPanel(
            self.statusBar(),
            names=lambda: {p.id: p.name for p in self.tree_model.profiles()},
            selected=self._selected_profile_id,
            before_connection=self.wait_indicator,
        )
        self.connection_label, self.busy = self.status.connection, self.status.busy
        self.workers.reached.connect(self._reached)
        self.tree_model.loadFailed.connect(self._load_failed)
        self.tree_model.fetchingChanged.connect(
            lambda: self.status.reading(self.tree_model.fetching_names())
        )
        self.tree_model.nodeChanged.connect(self._refresh_profile_details)
        self.tree_model.sinceLastLooked.connect(self._since_last_looked)
        self.details.profile_view.newsDismissed.connect(self.tree_model.dismiss_news)
        self.details.profile_view.retryRequested.connect(self.retry_profile)
        self.tree_model.rowsInserted.connect(self._rows_arrived)
        self._pending_version: tuple[str, str] | None = None
        self.profiles_loaded = False  # the profile file is read on a worker
        self._pending_profile: str | None = None  # asked to open before the profiles arrived
        self._watch_profile_file()
        window_state.restore_layout(self, self._splitters())
        self._selection_to_restore = window_state.saved_selection()
        self._restoring: Revealer | None = None  # the last selection, being shown again
        self._state_saved = False

        self.reload_profiles()

    # --- actions ---------------------------------------------------------------------------
    def _build_actions(self) -> None:
        self.refresh_action = QAction(icons.icon("refresh"), "&Refresh", self)
        self.refresh_action.setShortcut(QKeySequence.StandardKey.Refresh)
        self.refresh_action.setToolTip("Reload the selected registry or model from the server (F5)")
        self.refresh_action.triggered.connect(self.refresh_selected)
        find = QAction("&Find", self)
        find.setShortcut(QKeySequence.StandardKey.Find)
        find.triggered.connect(self.panel.focus_search)
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        about = QAction(f"&About {APP_NAME}", self)
        about.triggered.connect(self._about)
        escape = QAction(self)
        escape.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        escape.triggered.connect(self.panel.clear_search)
        self.addAction(escape)

        file_menu = self.menuBar().addMenu("&File")
        self.new_profile_action = QAction(icons.icon("add"), "&New profile…", self)
        self.new_profile_action.setShortcut(QKeySequence.StandardKey.New)
        self.new_profile_action.setToolTip("Connect to another registry (Ctrl+N)")
        # Called without arguments: triggered(checked) must not reach confirm= or path=.
        profiles = self.profiles
        self.new_profile_action.triggered.connect(lambda _checked=False: profiles.new_profile())
        self.edit_profile_action = QAction("&Edit profile…", self)
        self.edit_profile_action.setShortcut(QKeySequence("Ctrl+E"))
        self.edit_profile_action.triggered.connect(lambda _checked=False: profiles.edit_profile())
        self.duplicate_profile_action = QAction("D&uplicate profile…", self)
        self.duplicate_profile_action.triggered.connect(
            lambda _checked=False: profiles.duplicate_profile()
        )
        self.delete_profile_action = QAction("De&lete profile…", self)
        self.delete_profile_action.triggered.connect(
            lambda _checked=False: profiles.delete_profile()
        )
        self.test_profile_action = QAction("&Test connection", self)
        self.test_profile_action.setShortcut(QKeySequence("Ctrl+T"))
        self.test_profile_action.triggered.connect(lambda _checked=False: profiles.test_profile())
        export_action = QAction("E&xport profiles…", self)
        export_action.triggered.connect(lambda _checked=False: profiles.export_profiles())
        import_action = QAction("&Import profiles…", self)
        import_action.triggered.connect(lambda _checked=False: profiles.import_profiles())
        for action in (
            self.new_profile_action,
            self.edit_profile_action,
            self.duplicate_profile_action,
            self.delete_profile_action,
            self.test_profile_action,
        ):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addActions([export_action, import_action])
        file_menu.addSeparator()
        file_menu.addAction(self.files.stop_servers_action)
        file_menu.addSeparator()
        file_menu.addAction(quit_action)
        view_menu = self.menuBar().addMenu("&View")
        view_menu.addActions([self.refresh_action, find, self.files.downloads_action])
        listed = self.tree_model.profiles
        self.activity = ActivityOpener(self, self.connections, self.workers, listed)
        view_menu.addAction(self.activity.action)
        self.finder = FindOpener(self, self, self.connections, self.workers, listed)
        view_menu.addActions([self.finder.action, self.finder.palette_action])
        self.compare_action = QAction(icons.icon("compare"), "&Compare registries…", self)
        self.compare_action.setShortcut(QKeySequence("Ctrl+Shift+C"))
        self.compare_action.setToolTip("Compare two registries side by side (Ctrl+Shift+C)")
        self.compare_action.triggered.connect(self.across.compare_from_menu)
        view_menu.addAction(self.compare_action)
        help_menu = self.menuBar().addMenu("&Help")
        open_logs = QAction("Open &log folder", self)
        open_logs.setToolTip("The log of this app (passwords and tokens redacted)")
        open_logs.triggered.connect(self._open_log_folder)
        help_menu.addActions([self.finder.shortcuts_action, open_logs, about])

        toolbar = QToolBar("Main")
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.addAction(self.new_profile_action)
        toolbar.addAction(self.refresh_action)
        toolbar.addAction(self.compare_action)
        self.addToolBar(toolbar)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree_menus = TreeMenus(self, self)

    def _stopped_waiting(self) -> None:
        """A slow write was given up on: it may still be applied, so read again what is shown."""
        self.statusBar().showMessage(
            "Stopped waiting. The server may still make the change: reading it again…", 8000
        )
        self.refresh_selected()

    def retry_profile(self, node: Node) -> None:
        """Load a registry row again (after a failure or while offline)."""
        index = self.tree_model.index_for(node)
        if index.isValid():
            self.tree_model.refresh(index)

    def select_node(self, node: Node) -> None:
        """Make ``node``'s row the current one (the details pane follows)."""
        source = self.tree_model.index_for(node)
        if source.isValid():
            index = self.proxy.mapFromSource(source)
            choose_row(self.tree, index)
            self.tree.scrollTo(index)

    @Slot()
    def _about(self) -> None:
        QMessageBox.about(
            self,
            f"About {APP_NAME}",
            f"<b>{APP_NAME} {__version__}</b><p>One window onto every MLflow model registry "
            "you use.</p>",
        )

    # --- profiles and loading ----------------------------------------------------------------
    def _open_log_folder(self) -> None:
        from modelyard.ui.shell.crash import open_log_folder

        open_log_folder()

    def _watch_profile_file(self) -> None:
        """A profile added, edited or removed elsewhere (the CLI, another window) shows here
        without a restart: the profile folder is watched (saves replace the file, so the
        folder, not the file, tells)."""
        self._profile_watcher = QFileSystemWatcher(self)
        self._profile_timer = QTimer(self)
        self._profile_timer.setSingleShot(True)
        self._profile_timer.setInterval(PROFILE_WATCH_DELAY_MS)
        self._profile_timer.timeout.connect(self.reload_profiles)
        try:
            self.store.directory.mkdir(parents=True, exist_ok=True)
        except OSError:
            return  # nothing to watch; File ▸ New profile still works
        self._profile_watcher.addPath(str(self.store.directory))
        self._profile_watcher.directoryChanged.connect(lambda _path: self._profile_timer.start())

    def reload_profiles(self, then: Callable[[], None] | None = None) -> None:
        """Re-read the profile file on a worker (a profile folder may sit on a slow or network
        disk), then show its profiles and run ``then``."""
        store = self.store

        def work(_token: CancelToken) -> tuple[list[Profile], list[str]]:
            return store.load()  # what could not be loaded is said, never fatal

        def done(result: tuple[list[Profile], list[str]]) -> None:
            self._show_profiles(*result)
            if then is not None:
                then()

        def failed(error: ModelyardError) -> None:
            self._show_profiles([], [error.message])

        self.workers.submit(work, done, failed, "read profiles")

    def _show_profiles(self, profiles: list[Profile], problems: list[str]) -> None:
        if not self.profiles_loaded or profiles != self.tree_model.profiles():
            expanded = self.panel.expanded_rows()  # a saved or new profile keeps the tree as it was
            self.tree_model.set_profiles(profiles)  # unchanged: the tree stays as it is
            self.details.show_placeholder()
            self.panel.expand_again(expanded)
        self.profiles_loaded = True
        self._restore_selection()
        pending, self._pending_profile = self._pending_profile, None
        if pending is not None:
            self.open_profile(pending)
        if problems:
            more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
            self.statusBar().showMessage(problems[0] + more)
        self.statusBar().setToolTip("\n".join(problems))
        if not problems and not profiles:
            self.statusBar().showMessage(
                "No profiles yet: File ▸ New profile… (Ctrl+N), or `modelyard --demo`."
            )

    def prepare_demo(self, reset: bool = False) -> None:
        """Create/seed the demo registry in the background, then show and open it."""
        self.statusBar().showMessage("Preparing the demo registry…")
        self.status.busy_with("Preparing the demo registry…")
        store = self.store

        def work(token: CancelToken) -> Profile:
            return ensure_demo(store, reset=reset)

        self.workers.submit(work, self._demo_ready, self._demo_failed, "prepare demo")

    def _demo_ready(self, profile: Profile) -> None:
        self.reload_profiles(then=lambda: self.open_profile(profile.name))
        self.statusBar().showMessage("Demo registry ready: its models are being read.", 5000)

    def _demo_failed(self, error: ModelyardError) -> None:
        self.demo_error = error.message
        self.status.busy_with(None)
        self.show_error(f"Could not prepare the demo registry: {error.message}")

    def open_profile(self, name: str) -> None:
        """Select and expand a profile (which starts loading its models); asked before the
        profile file has been read, it happens when it has."""
        if not self.profiles_loaded:
            self._pending_profile = name
            return
        source = self.tree_model.profile_index(name)
        if not source.isValid():
            return
        index = self.proxy.mapFromSource(source)
        restoring = self._restoring is not None and shiboken6.isValid(self._restoring)
        if not restoring:  # the row selected when the app last closed wins over the registry's
            choose_row(self.tree, index)
        self.tree.expand(index)

    @Slot()
    def refresh_selected(self) -> None:
        """Reload the selected registry or model (a version reloads its model); an explicit
        reload also forgets the run metrics remembered for the cards."""
        self.details.forget_run_metrics()
        index = self.tree.currentIndex()
        if not index.isValid():
            for row in range(self.tree_model.rowCount()):
                self.tree_model.refresh(self.tree_model.index(row, 0))
            return
        node = self.node_at(index)
        source = self.proxy.mapToSource(index.siblingAtColumn(0))
        if node is not None and node.kind is NodeKind.VERSION:
            source = source.parent()
        self.tree_model.refresh(source)
        self.tree.expand(self.proxy.mapFromSource(source))

    # --- selection and details ---------------------------------------------------------------
    def node_at(self, index: QModelIndex) -> Node | None:
        """The tree node of a (proxy) index."""
        return self.panel.node_at(index)

    def selected_nodes(self) -> list[Node]:  # the selected rows, top to bottom
        return self.panel.selected_nodes()

    @Slot(QItemSelection, QItemSelection)
    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        chosen = self.tree.selectionModel()
        current = self.tree.currentIndex()
        rows = chosen.selectedRows(0)
        shown = current if current.isValid() and chosen.isSelected(current) else None
        self.status.show()
        if shown is None and not rows and self.panel.filtering():
            return  # the filter hid the selected row: its details stay shown
        # Several rows selected: the details are the current row's (the last one clicked).
        self.details.show_node(self.node_at(shown or (rows[0] if rows else QModelIndex())))

    def _refresh_profile_details(self, node: object) -> None:
        if node is self.details.current:
            self.details.refresh_profile_state()

    def _since_last_looked(self, node: object) -> None:
        """Teammates changed a registry since the last session: say so where it is seen."""
        if isinstance(node, Node):
            many = len(node.news)
            self.statusBar().showMessage(
                f"{node.name}: {many} change{'' if many == 1 else 's'} since you last "
                "looked — marked in bold; select the registry for the list"
            )

    @Slot(str, str)
    def select_version(self, model: str, version: str, expand: bool = True) -> None:
        node = self.details.current
        if node is None:
            return
        source = self.tree_model.find_version(node.profile.id, model, version)
        if source.isValid():
            index = self.proxy.mapFromSource(source)
            self.tree.scrollTo(index)
            choose_row(self.tree, index)
            self._pending_version = None
        elif expand:  # its model's versions are not in the tree yet: expand, select when in
            self._pending_version = (model, version)
            self.tree.expand(self.tree.currentIndex())

    @Slot(QModelIndex, int, int)
    def _rows_arrived(self, _parent: QModelIndex, _first: int, _last: int) -> None:
        if self._pending_version is not None:
            model, version = self._pending_version
            QTimer.singleShot(0, self, lambda: self.select_version(model, version, False))

    # --- status -----------------------------------------------------------------------------
    def show_error(self, message: str) -> None:
        """Show an error in the status bar (it stays until the next message)."""
        self.statusBar().showMessage("⚠ " + message)

    def _splitters(self) -> dict[str, QSplitter]:
        """The splitters whose positions are kept across restarts (window_state's keys)."""
        view = self.details.version_view
        return {
            window_state.SPLITTER: self.splitter,
            window_state.ARTIFACT_SPLIT: view.artifacts.split,
            window_state.METRIC_SPLIT: view.metric_split,
        }

    def say(self, message: str, timeout_ms: int = 0) -> None:
        """A message in the status bar (for ``timeout_ms``; 0: until the next one)."""
        self.statusBar().showMessage(message, timeout_ms)

    def selected_profile(self) -> Profile | None:
        """The profile of the selected tree row (or the only profile)."""
        node = self.node_at(self.tree.currentIndex())
        if node is not None and node.profile is not None:
            return node.profile
        profiles = self.tree_model.profiles()
        return profiles[0] if len(profiles) == 1 else None

    @Slot(str, str)
    def _load_failed(self, profile: str, message: str) -> None:
        self.show_error(message)  # the status itself follows every call's outcome (_reached)

    def _reached(self, profile_id: str, error: object) -> None:
        """The outcome of a call to a registry: the tree's rows and the status follow it."""
        assert error is None or isinstance(error, ModelyardError)
        self.tree_model.reached(profile_id, error)
        self.status.reached(profile_id, error)

    def _selected_profile_id(self) -> str | None:
        node = self.node_at(self.tree.currentIndex())
        return node.profile.id if node is not None else None

    # --- lifetime ---------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # overrides QWidget.closeEvent
        """Cancel background work, wait for it, close connections; hidden first (a read that
        never answers ends at its timeout: the window stayed 12 s)."""
        self._save_window_state()
        self.hide()
        self.shutdown()
        super().closeEvent(event)

    def _restore_selection(self) -> None:
        """Once, after the first read of the profiles: the row selected when the app last
        closed is opened and selected again (if its registry is still there)."""
        where, self._selection_to_restore = self._selection_to_restore, None
        if where is None or self.tree.currentIndex().isValid():
            return
        if self.tree_model.profile_index(where[0]).isValid():
            self._restoring = Revealer(
                self.tree, self.proxy, self.tree_model, where, self, reread=False
            )

    def _save_window_state(self) -> None:
        if not self._state_saved:
            self._state_saved = True
            window_state.save(self, self._splitters(), self.node_at(self.tree.currentIndex()))

    def shutdown(self) -> None:
        """Stop timers and workers and close registries; safe to call twice."""
        self._save_window_state()
        self.tree_model.stop()
        self.details.show_placeholder()  # stops following the registry state
        self.panel.shutdown()
        self.files.shutdown()
        self.workers.shutdown()
        self.files.stop_servers_now()  # the app is closing: here is the last place to end them
        self.connections.close_all()
