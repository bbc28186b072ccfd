"""The details pane: picks the view for the selection and runs its loads and edits off the GUI
thread. A newer selection cancels the older load, so stale data is never shown.

What it reads goes into the profile's one registry state (``Connections.states``), and a write's
answer from the server too; the pane shows the model and its versions from that state and follows
its changes, so the tree, the board and the details always agree."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QStackedWidget, QWidget

from modelyard.core.actions.board import BoardData, load_board
from modelyard.core.model.domain import (
    Capabilities,
    ModelSummary,
    VersionDetail,
    VersionSummary,
)
from modelyard.core.model.errors import ModelyardError
from modelyard.core.model.registry import Registry
from modelyard.core.model.state import RegistryState, StateEvent
from modelyard.core.profiles.profile import Profile, read_only_refusal
from modelyard.core.reads.details import load_version_detail
from modelyard.core.reads.snippet import load_snippet
from modelyard.core.reads.weburl import web_ui_url
from modelyard.core.session import Connections
from modelyard.ui.board.promote_board import BoardContext
from modelyard.ui.common.workers import CancelToken, Job, WorkerPool
from modelyard.ui.compare.version_compare import VersionCompareDialog
from modelyard.ui.details.artifact_jobs import ArtifactJobs
from modelyard.ui.details.chart_jobs import ChartJobs
from modelyard.ui.details.model_view import ModelView
from modelyard.ui.details.profile_view import ProfileView
from modelyard.ui.details.promotions import (
    PromotionController,
)
from modelyard.ui.details.version_view import VersionView
from modelyard.ui.details.widgets import Sticky
from modelyard.ui.tree.tree_model import Node, NodeKind


class DetailsPane(QStackedWidget):
    """Shows the selected profile, model or version.

    Signals:
        downloadRequested(object, str, str, object): profile, model, version, paths or None.
        serveRequested(object, object): profile and VersionSummary to serve locally.
        versionActivated(str, str): model and version to select (from the versions table).
        loaded(): a load finished and its data is shown (tests wait for it).
        notice(str): the outcome of a change made on a model no longer shown (status bar).
    """

    downloadRequested = Signal(object, str, str, object)  # profile, model, version, paths|None
    serveRequested = Signal(object, object)  # profile, VersionSummary
    versionActivated = Signal(str, str)
    loaded = Signal()
    notice = Signal(str)

    def __init__(
        self,
        connections: Connections,
        workers: WorkerPool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("details")
        self.connections = connections
        self.workers = workers
        self.current: Node | None = None
        self._job: Job[Any] | None = None
        self.charts = ChartJobs(connections, workers)  # the version chart's histories
        self._sticky: Sticky | None = None  # a message that outlives the next reload
        self._unsubscribe: Callable[[], None] | None = None  # from the shown profile's state
        # Per profile: run id → metrics of ended runs (cards' key metric; never change).
        self._run_metrics: dict[str, dict[str, Mapping[str, float]]] = {}

        self.placeholder = QLabel(
            "Select a registry, model or version on the left.\n\n"
            "Ctrl+F filters the tree · F5 reloads the selected registry or model"
        )
        self.placeholder.setObjectName("placeholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.profile_view = ProfileView()
        self.model_view = ModelView()
        self.version_view = VersionView()
        for widget in (self.placeholder, self.profile_view, self.model_view, self.version_view):
            self.addWidget(widget)

        mv, vv = self.model_view, self.version_view
        mv.saveDescription.connect(self._save_model_description)
        mv.setTag.connect(self._set_model_tag)
        mv.deleteTag.connect(self._delete_model_tag)
        mv.retryRequested.connect(self.reload)
        mv.versionActivated.connect(self._activate_version)
        mv.compareRequested.connect(self.compare_versions)
        self.compare_dialogs: list[VersionCompareDialog] = []
        self.promotions = PromotionController(self, connections, workers, self)
        self.promotions.notice.connect(self.notice)
        mv.board.promoteRequested.connect(self.promotions.promote)
        mv.restoreRequested.connect(self.promotions.restore)
        mv.board.refused.connect(
            lambda why: mv.banner.show_message(f"Not possible: {why}", "error")
        )
        mv.board.transitionRequested.connect(self.promotions.request_transition)
        mv.board.requestAction.connect(self.promotions.decide_request)
        vv.saveDescription.connect(self._save_version_description)
        vv.setTag.connect(self._set_version_tag)
        vv.deleteTag.connect(self._delete_version_tag)
        vv.retryRequested.connect(self.reload)
        vv.chartRequested.connect(self._load_chart)
        self.artifacts = ArtifactJobs(vv.artifacts, connections, workers)
        vv.artifacts.downloadRequested.connect(self._request_download)
        vv.artifacts.snippetRequested.connect(self._copy_snippet)
        vv.artifacts.serveRequested.connect(self._request_serve)
        self.show_placeholder()

    # --- selection --------------------------------------------------------------------------
    def show_placeholder(self) -> None:
        """Nothing selected."""
        self._cancel()
        self.current = None
        self._follow(None)
        self.setCurrentWidget(self.placeholder)

    def state(self, profile_id: str) -> RegistryState:
        """The one state of a profile's registry."""
        return self.connections.states.get(profile_id)

    def _follow(self, profile_id: str | None) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if profile_id is not None:
            self._unsubscribe = self.state(profile_id).subscribe(self._state_changed)

    def _model_from_state(self, state: RegistryState, name: str, fallback: ModelSummary) -> Any:
        """The model as the state has it, its aliases derived from its versions."""
        model = state.models.get(name, fallback)
        return replace(model, aliases=MappingProxyType(state.aliases_of(name)))

    def _state_changed(self, event: StateEvent) -> None:
        """Another view (or a refresh) changed what the registry holds: show it."""
        node = self.current
        if node is None or node.kind is NodeKind.PROFILE or self._job is not None:
            return  # a load in flight shows the state when it lands
        if node.kind is NodeKind.MODEL:
            name = node.model_summary.name
            touched = event.model == name or (event.model is None and name in event.changes.changed)
            if touched and self.model_view.model is not None:
                state = self.state(node.profile.id)
                self.model_view.show_summary(
                    self._model_from_state(state, name, self.model_view.model),
                    state.sorted_versions(name) or self.model_view.versions,
                    node.profile.id,
                    self.capabilities(node.profile.id),
                )
            return
        summary = node.version_summary
        if event.model != summary.model:
            return
        fresh = self.state(node.profile.id).versions.get(summary.model, {}).get(summary.version)
        shown = self.version_view.detail.version if self.version_view.detail else summary
        if fresh is not None and _visible(fresh) != _visible(shown):
            self.reload()

    def show_node(self, node: Node | None) -> None:
        """Show the selected node; loads what the tree does not know in the background."""
        if node is None or node.kind is NodeKind.ROOT:
            self.show_placeholder()
            return
        same = node is self.current
        self._cancel()
        self.current = node
        self._follow(node.profile.id)
        locked = read_only_refusal(node.profile).message if node.profile.read_only else ""
        for view in (self.model_view, self.version_view):
            view.description.set_locked(locked)
            view.tags.set_locked(locked)
        if node.kind is NodeKind.PROFILE:
            self.profile_view.show_profile(node.profile, node, self.capabilities(node.profile.id))
            self.setCurrentWidget(self.profile_view)
        elif node.kind is NodeKind.MODEL:
            if not same:
                self.model_view.web_url = web_ui_url(node.profile, node.model_summary.name)
                self.model_view.show_summary(
                    node.model_summary,
                    self._child_versions(node),
                    node.profile.id,
                    self.capabilities(node.profile.id),
                )
            self.setCurrentWidget(self.model_view)
            self.reload()
        else:
            if not same:
                siblings = self._child_versions(node.parent) if node.parent else []
                v = node.version_summary
                self.version_view.web_url = web_ui_url(node.profile, v.model, v.version)
                self.version_view.show_summary(v, siblings, node.profile.has_stages)
            self.setCurrentWidget(self.version_view)
            self.reload()

    def refresh_profile_state(self) -> None:
        """The tree state of the shown profile changed (loading, error, count)."""
        if self.current is not None and self.current.kind is NodeKind.PROFILE:
            self.profile_view.show_profile(
                self.current.profile, self.current, self.capabilities(self.current.profile.id)
            )

    @staticmethod
    def _child_versions(node: Node) -> list[VersionSummary]:
        return [c.version_summary for c in node.children if c.kind is NodeKind.VERSION]

    def _cancel(self) -> None:
        if self._job is not None:
            self._job.cancel()
        self.charts.cancel()
        self.artifacts.cancel()
        self._job = None
        self._sticky = None

    # --- loading ----------------------------------------------------------------------------
    def reload(self) -> None:
        """(Re)load the shown model or version from its registry."""
        node = self.current
        if node is None or node.kind not in (NodeKind.MODEL, NodeKind.VERSION):
            return
        if self._job is not None:
            self._job.cancel()
        profile = node.profile
        connections = self.connections
        if node.kind is NodeKind.MODEL:
            name = node.model_summary.name
            self.model_view.show_loading()

            cache = self._run_metrics.setdefault(profile.id, {})

            def load_model(token: CancelToken) -> BoardData:
                return load_board(connections.get(profile), name, token.raise_if_cancelled, cache)

            job: Job[Any] = self.workers.submit(
                load_model,
                lambda data: self._model_loaded(job, node, data),
                lambda error: self._load_failed(job, error),
                description=f"details of {name}",
                talks_to=profile.id,
            )
        else:
            summary = node.version_summary

            def load_version(token: CancelToken) -> VersionDetail:
                registry = connections.get(profile)
                return load_version_detail(registry, summary.model, summary.version)

            job = self.workers.submit(
                load_version,
                lambda detail: self._version_loaded(job, node, detail),
                lambda error: self._load_failed(job, error),
                description=f"details of {summary.model} v{summary.version}",
                talks_to=profile.id,
            )
        self._job = job

    def _model_loaded(self, job: Job[Any], node: Node, data: BoardData) -> None:
        if job is not self._job:
            return
        self._job = None
        state = self.state(node.profile.id)
        state.learn_capabilities(data.capabilities)
        name = data.model.name
        state.read_model(data.model, data.versions)  # a complete live read
        self.model_view.show_summary(
            self._model_from_state(state, name, data.model),
            state.sorted_versions(name),
            node.profile.id,
            data.capabilities,
        )
        self.model_view.show_loaded()
        # Known before any drag: the permission level, open requests, each card's metrics.
        self.model_view.board.set_context(
            BoardContext(
                data.access,
                data.capabilities.transition_requests,
                data.requests,
                data.metrics,
                data.identity,
            )
        )
        if data.problems:
            self.model_view.banner.show_message(" ".join(data.problems), "notice")
        if self._sticky is not None:
            self.model_view.banner.show_message(*self._sticky)
            self._sticky = None
        self.loaded.emit()
        self.promotions.shown(node)

    # --- what the promotion controller reads of the pane (PaneHost) ----------------------
    def is_loading(self) -> bool:
        return self._job is not None

    def capabilities(self, profile_id: str) -> Capabilities | None:
        return self.state(profile_id).capabilities

    def keep_message(self, sticky: Sticky) -> None:
        self._sticky = sticky
        self.model_view.banner.show_message(*sticky)

    def copy_snippet_of(self, node: Node) -> None:
        """Put the load snippet of a version row on the clipboard."""
        detail = self.version_view.detail
        shown = detail is not None and self.current is node
        text = load_snippet(
            node.profile, node.version_summary, detail.model_file if shown and detail else None
        )
        QGuiApplication.clipboard().setText(text)

    def _version_loaded(self, job: Job[Any], node: Node, detail: VersionDetail) -> None:
        if job is not self._job:
            return
        self._job = None
        self.version_view.show_detail(detail)
        self.state(node.profile.id).apply_version(detail.version)
        self._load_chart()
        self.artifacts.node = node  # previews and opening follow the version shown
        if self.version_view.artifacts.tree.topLevelItemCount() == 0:
            self.artifacts.start(node)
        self.loaded.emit()

    def _load_failed(self, job: Job[Any], error: ModelyardError) -> None:
        if job is not self._job:
            return
        self._job = None
        view = self.currentWidget()
        if isinstance(view, ModelView | VersionView):
            view.show_error(error.message)
        self.loaded.emit()

    # --- metric chart -----------------------------------------------------------------------
    def _load_chart(self) -> None:
        node = self.current
        if node is not None and node.kind is NodeKind.VERSION:
            self.charts.load(node.profile, self.version_view)

    # --- artifacts --------------------------------------------------------------------------
    def _request_download(self, paths: object) -> None:
        node = self.current
        if node is not None and node.kind is NodeKind.VERSION:
            summary = node.version_summary
            self.downloadRequested.emit(node.profile, summary.model, summary.version, paths)

    def _request_serve(self) -> None:
        node = self.current
        if node is not None and node.kind is NodeKind.VERSION:
            self.serveRequested.emit(node.profile, node.version_summary)

    def _copy_snippet(self) -> None:
        node = self.current
        if node is None or node.kind is not NodeKind.VERSION:
            return
        self.copy_snippet_of(node)
        self.version_view.artifacts.serve_status.setText(
            "Load snippet copied: paste it into a notebook. It reads credentials from the "
            "environment variables it names."
        )

    def forget_run_metrics(self) -> None:
        """Read runs' metrics again on the next load (the user asked for a reload)."""
        self._run_metrics.clear()

    # --- edits ------------------------------------------------------------------------------
    def _save_model_description(self, text: str) -> None:
        self._edit(lambda r, m, _v: r.set_model_description(m, text), self.model_view)

    def _set_model_tag(self, key: str, value: str) -> None:
        self._edit(lambda r, m, _v: r.set_model_tag(m, key, value), self.model_view)

    def _delete_model_tag(self, key: str) -> None:
        self._edit(lambda r, m, _v: r.delete_model_tag(m, key), self.model_view)

    def _save_version_description(self, text: str) -> None:
        self._edit(lambda r, m, v: r.set_version_description(m, v, text), self.version_view)

    def _set_version_tag(self, key: str, value: str) -> None:
        self._edit(lambda r, m, v: r.set_version_tag(m, v, key, value), self.version_view)

    def _delete_version_tag(self, key: str) -> None:
        self._edit(lambda r, m, v: r.delete_version_tag(m, v, key), self.version_view)

    def compare_versions(self, left: str, right: str) -> VersionCompareDialog | None:
        """Two versions of the shown model, field by field, in their own window."""
        node = self.current
        if node is None or node.kind is not NodeKind.MODEL:
            return None
        return self.open_version_compare(node.profile, node.model_summary.name, left, right)

    def open_version_compare(
        self, profile: Profile, model: str, left: str, right: str
    ) -> VersionCompareDialog:
        """Two versions of ``model`` in ``profile``'s registry, in their own window."""
        dialog = VersionCompareDialog(
            (profile, model, left),
            (profile, model, right),
            self.connections,
            self.workers,
            self,
        )
        self.compare_dialogs = [d for d in self.compare_dialogs if d.isVisible()] + [dialog]
        dialog.show()
        return dialog

    def _activate_version(self, version: str) -> None:
        if self.model_view.model is not None:
            self.versionActivated.emit(self.model_view.model.name, version)

    def _edit(
        self,
        write: Callable[[Registry, str, str], None],
        view: ModelView | VersionView,
    ) -> None:
        """Run a write in the background, then re-read the server's state."""
        node = self.current
        if node is None or node.kind not in (NodeKind.MODEL, NodeKind.VERSION):
            return
        if self.promotions.refused_offline(node, "save changes", view.banner):
            return
        if not self.promotions.typed_ok(node, view.banner):  # a Confirm registry: the name
            return
        profile = node.profile
        model = node.model_name
        version = node.version_summary.version if node.kind is NodeKind.VERSION else ""
        connections = self.connections
        view.set_busy(True)

        def work(token: CancelToken) -> None:
            write(connections.get(profile), model, version)

        def done(_result: None) -> None:
            view.set_busy(False)
            if self.current is node:
                self.reload()

        def failed(error: ModelyardError) -> None:
            view.set_busy(False)
            if self.current is node:
                view.show_error(f"Not saved: {error.message}")

        self.workers.submit(work, done, failed, f"edit {model}", talks_to=profile.id)


def _visible(version: VersionSummary) -> tuple[object, ...]:
    """What the version view shows of a version's registry entry (a change reloads it)."""
    return (version.stage, version.aliases, version.description, dict(version.tags))
