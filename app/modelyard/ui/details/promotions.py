"""Changes to a model's stages and aliases, for the details pane: promotions asked from the
board (drops, card menus) or the tree's menu, transition requests and their decisions. Each is
confirmed, checked against what changed meanwhile, written off the GUI thread, and the server's
answer goes into the profile's one registry state; a 403 makes the board read-only.

A controller by composition: it is given the pane as a small :class:`PaneHost` (what is shown,
the state, reload) and owns its own state (the change queued from the tree's menu, the
confirmation hooks); the pane forwards its board's signals here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QInputDialog, QWidget

from modelyard.core.actions import transitions
from modelyard.core.actions.permissions import Rules
from modelyard.core.actions.promote import (
    PromotionConflict,
    PromotionResult,
    ShownModel,
    Target,
    nothing_to_do,
)
from modelyard.core.actions.promote import promote as do_promote
from modelyard.core.model.domain import Access, Capabilities, Stage, TransitionRequest
from modelyard.core.model.errors import ErrorKind, ModelyardError
from modelyard.core.model.registry import Registry
from modelyard.core.profiles.profile import (
    confirmation_reason,
    read_only_access,
    read_only_refusal,
    typed_confirmation,
)
from modelyard.core.reads.timeline import Restore
from modelyard.core.session import Connections
from modelyard.ui.board.promote_dialog import PromotionChoice, TransitionAsk, ask_transition
from modelyard.ui.board.promote_dialog import ask as ask_promotion
from modelyard.ui.common.workers import WorkerPool
from modelyard.ui.details.model_view import ModelView
from modelyard.ui.details.widgets import Banner, Sticky
from modelyard.ui.tree.tree_model import Node, NodeKind

if TYPE_CHECKING:
    from modelyard.core.model.state import RegistryState

ConfirmPromotion = Callable[[str, str, Target, ShownModel, list[str]], PromotionChoice | None]
ConfirmTransition = Callable[[TransitionAsk], PromotionChoice | None]


class PaneHost(Protocol):
    """What the controller needs of the pane that shows the board."""

    @property
    def current(self) -> Node | None: ...

    @property
    def model_view(self) -> ModelView: ...

    def state(self, profile_id: str) -> RegistryState: ...

    def reload(self) -> None: ...

    def is_loading(self) -> bool: ...

    def capabilities(self, profile_id: str) -> Capabilities | None: ...

    def keep_message(self, sticky: Sticky) -> None:
        """Show it now and again after the next reload."""


class PromotionController(QObject):
    """Promotions, alias moves and transition requests of the model the pane shows.

    Signals:
        notice(str): the outcome of a change made on a model no longer shown (status bar).
    """

    notice = Signal(str)

    def __init__(
        self,
        host: PaneHost,
        connections: Connections,
        workers: WorkerPool,
        dialog_parent: QWidget | None = None,
    ) -> None:
        super().__init__(dialog_parent)
        self.host = host
        self.connections = connections
        self.workers = workers
        # asked from the tree's menu: (model row, version, target, then)
        self._queued: tuple[Node, str, Target, Callable[[], None] | None] | None = None
        # the typed confirmation the next promotion asks for: (name to type, why) or ("", "")
        self.typed: tuple[str, str] = ("", "")
        # what the promotion dialog being asked starts with (a restore: its comment, archive)
        self.preset: PromotionChoice | None = None
        self.confirm_promotion: ConfirmPromotion = lambda *args: ask_promotion(
            *args, parent=dialog_parent, typed=self.typed, preset=self.preset
        )
        self.confirm_transition: ConfirmTransition = lambda ask: ask_transition(
            ask, dialog_parent, self.typed
        )
        self.parent_widget = dialog_parent
        self.ask_typed: Callable[[str, str], str | None] = self._ask_typed  # (why, name)

    @property
    def current(self) -> Node | None:
        return self.host.current

    @property
    def model_view(self) -> ModelView:
        return self.host.model_view

    def state(self, profile_id: str) -> RegistryState:
        return self.host.state(profile_id)

    def reload(self) -> None:
        self.host.reload()

    def shown(self, node: Node) -> None:
        """The pane finished loading ``node``'s board: a change queued for it is asked now
        (after this load's handlers have run)."""
        if self._queued is not None and self._queued[0] is node:
            QTimer.singleShot(0, self._ask_queued)

    # --- changes asked from the tree's menu --------------------------------------------------
    def ask_on_board(
        self,
        node: Node,
        version: str,
        target: Target,
        then: Callable[[], None] | None = None,
    ) -> None:
        """Show ``node``'s board and ask for the change there (confirmation, rules, conflicts
        as for a drop); the caller selects ``node`` in the tree when it is not shown. ``then``
        runs once the change was confirmed or declined (the tree menu goes back to the version
        row it was opened on)."""
        self._queued = (node, version, target, then)
        board = self.model_view.board
        loading = self.host.is_loading()
        if self.current is node and not loading and board.model == node.model_name:
            self._ask_queued()

    def _ask_queued(self) -> None:
        queued, self._queued = self._queued, None
        if queued is None or self.current is not queued[0]:
            return
        _node, version, target, then = queued
        self.model_view.tabs.setCurrentWidget(self.model_view.board)
        self.model_view.board.request(version, target)
        if then is not None:
            then()

    def rules_for(self, node: Node) -> Rules:
        """What the identity may do to ``node``'s model, as far as is known now: the board's
        rules when it shows that model, else the registry kind's (the board checks again)."""
        board = self.model_view.board
        name = node.model_name
        capabilities = self.host.capabilities(node.profile.id)
        if node.profile.read_only:
            return Rules.of(capabilities or Capabilities(), read_only_access(node.profile))
        shows_it = (board.profile_id, board.model) == (node.profile.id, name)
        if shows_it and not self.host.is_loading():
            return board.rules()
        if capabilities is not None:
            return Rules.of(capabilities, Access())
        return Rules(
            stages=node.profile.has_stages,
            aliases=node.profile.has_aliases,
            requests=node.profile.has_requests,
        )

    # --- promotions -------------------------------------------------------------------------
    def restore(self, plan: object, moment: object) -> None:
        """ "Restore to this point" on the timeline: put one stage or alias back as it was at
        ``moment``, as a promotion (confirmed, conflict-checked, recorded in the history)."""
        assert isinstance(plan, Restore) and isinstance(moment, datetime)
        target = Target(plan.kind, plan.value)
        stamp = moment.astimezone().isoformat(timespec="minutes")
        preset = PromotionChoice(plan.archive_existing, f"restored to {stamp}")
        self.promote(plan.version, target, preset=preset)

    def promote(
        self,
        version: str,
        target: object,
        shown: ShownModel | None = None,
        changed: list[str] | None = None,
        preset: PromotionChoice | None = None,
    ) -> None:
        """Confirm, check for changes made meanwhile, write, re-read (board stays true).
        ``preset``: what the dialog starts with (kept for the re-ask after a conflict)."""
        node = self.current
        view = self.model_view
        if node is None or node.kind is not NodeKind.MODEL or view.model is None:
            return
        assert isinstance(target, Target)
        if self.refused_offline(node, "promote", view.banner):
            return
        model = view.model.name
        snapshot = shown or self._shown_snapshot()
        if snapshot is None:
            return
        idle = nothing_to_do(snapshot, version, target)
        if idle:
            view.banner.show_message(f"Nothing to do: {idle}", "notice")
            return
        alias = None if target.kind == "stage" else target.value
        self._ask_typed_for(node, model, alias)
        self.preset = preset  # for this dialog only
        try:
            choice = self.confirm_promotion(model, version, target, snapshot, changed or [])
        finally:
            self.preset = None
        if choice is None:
            return
        profile = node.profile

        def work(registry: Registry) -> PromotionResult:
            return do_promote(
                registry,
                model,
                version,
                target,
                shown=snapshot,
                archive_existing=choice.archive_existing,
                comment=choice.comment,
                record_history=profile.record_history,
            )

        self._apply_change(
            node,
            work,
            f"Done: v{version} → {target.describe()}.",
            "Not promoted",
            lambda fresh, changed: self.promote(
                version, target, shown=fresh, changed=changed, preset=preset
            ),
        )

    def _ask_typed_for(self, node: Node, model: str, alias: str | None = None) -> None:
        """The typed confirmation the next dialog asks for (a Confirm registry, a protected
        alias), or none."""
        needed = typed_confirmation(node.profile, model, alias)
        self.typed = (needed, confirmation_reason(node.profile, alias) if needed else "")

    def _apply_change(
        self,
        node: Node,
        work: Callable[[Registry], PromotionResult | None],
        success: str,
        failure: str,
        again: Callable[[ShownModel, list[str]], None],
    ) -> None:
        """Run one confirmed change off the GUI thread; afterwards show the server's truth.
        A conflict shows the fresh state and asks again; a 403 makes the board read-only."""
        view = self.model_view
        profile, connections = node.profile, self.connections
        view.board.set_busy(True)

        def done(result: PromotionResult | None) -> None:
            view.board.set_busy(False)
            if result is not None:  # the server's answer, not what was asked
                state = self.state(profile.id)
                for version in (result.version, *result.changed):
                    state.apply_version(version)
            text, kind = success, "notice"
            if result is not None and result.also():
                text += " Also: " + "; ".join(result.also())
            if result is not None and result.outcome_problem:
                text, kind = result.outcome_problem, "error"
            if result is not None and result.record_problem:
                text += f" {result.record_problem}"
            if result is not None and result.notes:
                text += " " + " ".join(result.notes)
            if self.current is not node:  # another model is shown: its banner is not ours
                self.notice.emit(f"{node.model_name}: {text}")
                return
            action, on_action = "", None
            stale = (
                [
                    (alias, v)
                    for v in result.changed
                    if v.stage is Stage.ARCHIVED
                    for alias in v.aliases
                ]
                if result is not None
                else []
            )
            if stale and result is not None and not result.outcome_problem:
                alias, _archived = stale[0]
                moved = result.version.version
                action = f"Move @{alias} to v{moved}…"

                def on_action(alias: str = alias, moved: str = moved) -> None:
                    self.ask_on_board(node, moved, Target("alias", alias))

            self.host.keep_message((text, kind, action, on_action))
            self.reload()

        def failed(error: ModelyardError) -> None:
            view.board.set_busy(False)
            if self.current is not node:  # the failure belongs to a model no longer shown
                self.notice.emit(f"{node.model_name}: {failure}: {error.message}")
                return
            if isinstance(error, PromotionConflict):
                view.show_summary(
                    view.model or node.model_summary,
                    list(error.fresh.versions.values()),
                    profile.id,
                    self.host.capabilities(profile.id),
                )
                again(error.fresh, error.differences)
                return
            if error.kind is ErrorKind.PERMISSION:
                view.board.refuse(error.message)
            self.host.keep_message((f"{failure}: {error.message}", "error", "", None))
            self.reload()  # show the server's truth

        what = success.removeprefix("Done: ").rstrip(".")
        self.workers.submit(
            lambda _token: work(connections.get(profile)),
            done,
            failed,
            f"{node.model_name} {what}",
            talks_to=profile.id,
        )

    def typed_ok(self, node: Node, banner: Banner) -> bool:
        """A write to a Confirm registry waits for the model's name typed (``ask_typed``);
        False when it was not (nothing is sent; the banner says why)."""
        model = node.model_name
        needed = typed_confirmation(node.profile, model)
        if not needed:
            return True
        typed = self.ask_typed(confirmation_reason(node.profile), needed)
        if typed == needed:
            return True
        if typed is not None:
            banner.show_message("Not saved: the name typed is not the model's.", "error")
        return False

    def _ask_typed(self, why: str, needed: str) -> str | None:
        text, ok = QInputDialog.getText(
            self.parent_widget, "Confirm the change", f"{why}.\nType {needed} to save the change:"
        )
        return text if ok else None

    def refused_offline(self, node: Node, action: str, banner: Banner) -> bool:
        """A write to a read-only profile, or while the registry is offline, is refused with
        the reason (nothing sent)."""
        if node.profile.read_only:
            banner.show_message(read_only_refusal(node.profile).message, "error")
            return True
        try:
            self.state(node.profile.id).check_writable(action)
        except ModelyardError as exc:
            banner.show_message(exc.message, "error")
            return True
        return False

    def _shown_snapshot(self) -> ShownModel | None:
        view = self.model_view
        if view.model is None:
            return None
        return ShownModel({v.version: v for v in view.versions}, dict(view.model.aliases))

    def request_transition(
        self,
        version: str,
        stage_name: str,
        shown: ShownModel | None = None,
        changed: list[str] | None = None,
    ) -> None:
        """Ask for a stage transition someone else approves (Databricks workspace registry)."""
        node = self.current
        snapshot = shown or self._shown_snapshot()
        if node is None or node.kind is not NodeKind.MODEL or snapshot is None:
            return
        if self.refused_offline(node, "request a transition", self.model_view.banner):
            return
        model, stage = node.model_name, Stage.parse(stage_name)
        self._ask_typed_for(node, model)
        choice = self.confirm_transition(
            TransitionAsk("request", model, version, stage, snapshot, None, tuple(changed or ()))
        )
        if choice is None:
            return

        def work(registry: Registry) -> None:
            transitions.request_transition(
                registry, model, version, stage, comment=choice.comment, shown=snapshot
            )

        self._apply_change(
            node,
            work,
            f"Requested v{version} → {stage.value}: someone who manages {model} approves it.",
            "Not requested",
            lambda fresh, diff: self.request_transition(version, stage_name, fresh, diff),
        )

    def decide_request(self, request: object, action: str) -> None:
        """Approve, reject or withdraw an open transition request (after confirmation)."""
        node = self.current
        snapshot = self._shown_snapshot()
        if node is None or node.kind is not NodeKind.MODEL or snapshot is None:
            return
        assert isinstance(request, TransitionRequest)
        if self.refused_offline(node, f"{action} a request", self.model_view.banner):
            return
        self._ask_typed_for(node, request.model)
        choice = self.confirm_transition(
            TransitionAsk(
                action, request.model, request.version, request.to_stage, snapshot, request
            )
        )
        if choice is None:
            return
        record_history = node.profile.record_history

        def work(registry: Registry) -> PromotionResult | None:
            if action == "approve":
                return transitions.approve(
                    registry,
                    request,
                    archive_existing=choice.archive_existing,
                    comment=choice.comment,
                    record_history=record_history,
                )
            if action == "reject":
                return transitions.reject(
                    registry, request, comment=choice.comment, record_history=record_history
                )
            transitions.withdraw(registry, request, comment=choice.comment)
            return None

        done = {"approve": "Approved", "reject": "Rejected", "withdraw": "Withdrew"}[action]
        self._apply_change(
            node,
            work,
            f"{done} the request v{request.version} → {request.to_stage.value}.",
            f"Could not {action} the request",
            lambda _fresh, differences: self._show_after_conflict(differences),
        )

    def _show_after_conflict(self, differences: list[str]) -> None:
        self.host.keep_message(("Not done: " + "; ".join(differences) + ".", "error", "", None))
        self.reload()
