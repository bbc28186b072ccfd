"""The promotion board of one model: a column per stage, a lane per alias, version cards.

Dragging a card (or a version from the tree) onto a column or lane asks to promote it; the
context menu (also on the keyboard's Menu key) does the same for people who do not drag.
Where the registry has transition requests (Databricks workspace registry), a drop the user
may not make directly becomes a *request*, and open requests show on their cards with
Approve / Reject for people who may decide. The board only *asks*: the details pane
confirms, checks for conflicts and writes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QPoint, QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidgetItem,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from modelyard.core.actions.board import chosen_metric, digits_to_tell_apart, metric_choices
from modelyard.core.actions.permissions import Rules, request_decisions
from modelyard.core.actions.promote import Target
from modelyard.core.model.domain import (
    Access,
    Stage,
    TransitionRequest,
    VersionSummary,
    version_sort_key,
)
from modelyard.ui.board.card_menu import NEW_ALIAS, card_menu
from modelyard.ui.board.cards import Card, CardDelegate
from modelyard.ui.board.hint import board_hint
from modelyard.ui.board.lanes import VERSION_ROLE, AliasNameDialog, Lane
from modelyard.ui.tree.tree_model import STAGE_COLORS

__all__ = ["VERSION_ROLE", "AliasNameDialog", "BoardContext", "Lane", "PromoteBoard"]


@dataclass(frozen=True)
class BoardContext:
    """What the registry says beyond versions and aliases."""

    access: Access = field(default_factory=Access)
    requests_supported: bool = False
    requests: Mapping[str, tuple[TransitionRequest, ...]] | None = None
    metrics: Mapping[str, Mapping[str, float]] | None = None
    identity: str = ""


class PromoteBoard(QWidget):
    """Stage columns and alias lanes for one model.

    Signals:
        promoteRequested(str, object): version and Target (a direct change).
        transitionRequested(str, str): version and stage (a request someone approves).
        requestAction(object, str): a TransitionRequest and "approve", "reject" or "withdraw".
        refused(str): a change was asked that the rules do not allow, and why.
    """

    promoteRequested = Signal(str, object)
    transitionRequested = Signal(str, str)
    requestAction = Signal(object, str)
    refused = Signal(str)  # asked for a change the rules do not allow: why

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.profile_id = ""
        self.model = ""
        self.editable = True
        self.readonly_reason = ""
        self.refusal = ""  # why the registry refused a change to this model (a 403)
        self.busy = False
        self.versions: list[VersionSummary] = []
        self.aliases: dict[str, str] = {}
        self.stages_supported = True
        self.aliases_supported = True
        self.server = ""  # "MLflow 2.2.2" when the server says
        self.context = BoardContext()
        self.key_metric = ""
        self.metric_digits = 3
        self.ask_alias_name = self._ask_alias_name
        self.delegate = CardDelegate(self.card_action, self)
        self.menu: QMenu | None = None  # the card menu last opened (tests read it)
        self._notes: dict[str, str] = {}  # each stage column's note when nothing is dragged
        self.alias_titles: dict[str, QLabel] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 10, 16, 10)
        top = QHBoxLayout()
        self.hint = QLabel()
        self.hint.setTextFormat(Qt.TextFormat.PlainText)  # reasons quote the server's words
        self.hint.setObjectName("muted")
        self.hint.setWordWrap(True)
        top.addWidget(self.hint, 1)
        self.metric_label = QLabel("Key metric:")
        self.metric_box = QComboBox()
        self.metric_box.setObjectName("keyMetric")
        self.metric_box.setMinimumContentsLength(10)
        self.metric_box.setToolTip("The metric of each version's source run shown on its card")
        self.metric_box.currentTextChanged.connect(self._metric_chosen)
        top.addWidget(self.metric_label)
        top.addWidget(self.metric_box)
        layout.addLayout(top)
        self.stage_box = QHBoxLayout()
        self.stage_lanes: dict[str, Lane] = {}
        self.stage_titles: dict[str, QLabel] = {}
        self.stage_notes: dict[str, QLabel] = {}
        for stage in Stage:
            column = QVBoxLayout()
            title = QLabel(stage.value)
            title.setObjectName("laneTitle")
            title.setStyleSheet(f"color: {STAGE_COLORS[stage]};")
            note = QLabel()
            note.setObjectName("laneNote")
            note.setMinimumHeight(note.fontMetrics().height())  # columns stay aligned
            lane = Lane(Target("stage", stage.value), self)
            lane.dropped.connect(self._dropped)
            column.setSpacing(2)
            column.addWidget(title)
            column.addWidget(note)
            column.addWidget(lane, 1)
            self.stage_box.addLayout(column)
            self.stage_lanes[stage.value] = lane
            self.stage_titles[stage.value] = title
            self.stage_notes[stage.value] = note
        layout.addLayout(self.stage_box, 1)
        self.alias_title = QLabel("Aliases")
        self.alias_title.setObjectName("sectionTitle")
        layout.addWidget(self.alias_title)
        self.alias_grid = QGridLayout()
        self.alias_grid.setVerticalSpacing(2)
        layout.addLayout(self.alias_grid, 0)
        self.alias_lanes: dict[str, Lane] = {}
        self._show_metric_box()

    # --- state ---------------------------------------------------------------------------------
    def set_state(
        self,
        profile_id: str,
        model: str,
        versions: Sequence[VersionSummary],
        aliases: Mapping[str, str],
        stages: bool = True,
        *,
        aliases_supported: bool = True,
        server: str = "",
    ) -> None:
        """Show the server's truth for ``model`` (``server``: what runs it, when it says)."""
        if (profile_id, model) != (self.profile_id, self.model):
            self.context = BoardContext()  # permissions, requests, metrics are per model
            self.editable, self.readonly_reason, self.refusal = True, "", ""
            self.key_metric = ""  # the next model's own (remembered) choice applies
        self.profile_id, self.model = profile_id, model
        self.versions = sorted(versions, key=lambda v: version_sort_key(v.version), reverse=True)
        self.aliases = dict(aliases)
        self.stages_supported = stages
        self.aliases_supported = aliases_supported
        self.server = server
        for stage, lane in self.stage_lanes.items():
            lane.setVisible(stages)
            self.stage_titles[stage].setVisible(stages)
            self.stage_notes[stage].setVisible(stages)
        self.alias_title.setVisible(aliases_supported)
        self._render()

    def set_context(self, context: BoardContext) -> None:
        """What the registry says about the current identity, open requests and run metrics."""
        self.context = context
        access = context.access
        if self.refusal:  # the registry refused a change to this model: believe it
            self.editable, self.readonly_reason = False, self.refusal
        elif Rules(access, requests=context.requests_supported).read_only():
            self.editable = False
            self.readonly_reason = access.protected or f"your permission: {access.describe()}."
        else:
            self.editable, self.readonly_reason = True, ""
        choices = metric_choices(context.metrics or {})
        remembered = str(QSettings().value(self._metric_key(), "") or "")
        keep = chosen_metric(choices, self.key_metric, remembered)
        self.metric_box.blockSignals(True)
        self.metric_box.clear()
        self.metric_box.addItems(choices)
        self.metric_box.setCurrentText(keep)
        self.metric_box.blockSignals(False)
        self.key_metric = keep
        self._show_metric_box()
        self._render()

    def _show_metric_box(self) -> None:
        shown = self.metric_box.count() > 0
        self.metric_box.setVisible(shown)
        self.metric_label.setVisible(shown)

    def _metric_key(self) -> str:
        return f"board/metric/{self.profile_id}/{self.model}"

    def _metric_chosen(self, name: str) -> None:
        """The user picked the card metric: shown at once, remembered for this model."""
        self.key_metric = name
        if name and self.model:
            QSettings().setValue(self._metric_key(), name)
        self._render()

    def _render(self) -> None:
        shown = [
            m[self.key_metric]
            for m in (self.context.metrics or {}).values()
            if self.key_metric in m
        ]
        self.metric_digits = digits_to_tell_apart(shown) if shown else 3
        for stage, lane in self.stage_lanes.items():
            lane.clear()
            for v in self.versions:
                if v.stage.value == stage:
                    lane.addItem(self._card(v))
        self._build_alias_lanes()
        self._update_lanes()
        self._update_hint()

    # --- permissions ---------------------------------------------------------------------------
    def rules(self) -> Rules:
        """The core's rules for this model and identity (shared with the menus and the CLI)."""
        return Rules(
            self.context.access,
            self.stages_supported,
            self.aliases_supported,
            self.context.requests_supported,
            "" if self.editable else (self.readonly_reason or "read-only"),
        )

    def _may_request(self) -> bool:
        return self.rules().may_request()

    def _stage_of(self, version: str) -> Stage:
        current = next((v for v in self.versions if v.version == version), None)
        return current.stage if current else Stage.NONE

    def drop_mode(self, version: str, target: Target) -> str:
        """What dropping ``version`` on ``target`` would do: "move", "request" or "" (nothing,
        the user may not)."""
        if not version:
            return ""
        return self.rules().change(self._stage_of(version), target.kind, target.value).value

    def _locked(self, v: VersionSummary) -> tuple[bool, str]:
        """Whether the identity can neither move nor request a move of ``v`` anywhere."""
        if not self.editable:
            return True, self.readonly_reason
        if any(self.drop_mode(v.version, lane.target) for lane in self._all_lanes()):
            return False, ""
        return (
            True,
            f"Your permission ({self.context.access.describe()}) does not cover v{v.version}.",
        )

    def _all_lanes(self) -> list[Lane]:
        lanes = list(self.alias_lanes.values())
        if self.stages_supported:
            lanes += self.stage_lanes.values()
        return lanes

    def decisions(self, v: VersionSummary, request: TransitionRequest) -> tuple[str, ...]:
        """What the identity may do with an open request on ``v`` (the core's rule)."""
        return request_decisions(self.rules(), v.stage, request, self.context.identity)

    # --- cards and lanes -------------------------------------------------------------------------
    def _card(self, v: VersionSummary) -> QListWidgetItem:
        metrics = (self.context.metrics or {}).get(v.version, {})
        metric = (self.key_metric, metrics[self.key_metric]) if self.key_metric in metrics else None
        requests = self.open_requests(v.version)
        locked, why = self._locked(v)
        card = Card(
            v,
            metric,
            requests,
            tuple(self.decisions(v, r) for r in requests),
            locked,
            why,
            self.metric_digits,
        )
        return card.item()

    def _build_alias_lanes(self) -> None:
        for lane in self.alias_lanes.values():
            lane.setParent(None)
            lane.deleteLater()
        while self.alias_grid.count():
            child = self.alias_grid.takeAt(0)
            widget = child.widget() if child else None
            if widget is not None:
                widget.deleteLater()
        self.alias_lanes = {}
        if not self.aliases_supported:
            return
        by_version = {v.version: v for v in self.versions}
        may_set = self.drop_mode("x", Target("alias", NEW_ALIAS)) == "move"
        names = [*sorted(self.aliases), *([NEW_ALIAS] if may_set else [])]
        self.alias_title.setVisible(bool(names))
        self.alias_titles = {}
        for index, name in enumerate(names):
            title = QLabel(f"@{name}" if name != NEW_ALIAS else "New alias (drop a card)")
            title.setObjectName("laneTitle")
            title.setProperty("base", title.text())
            lane = Lane(Target("alias", name), self)
            lane.dropped.connect(self._dropped)
            holder = by_version.get(self.aliases.get(name, ""))
            if holder is not None:
                lane.addItem(self._card(holder))
            # Compact: one card high (a lane holds at most one version).
            card = (
                lane.sizeHintForRow(0) if lane.count() else self.delegate.card_height(lane.font())
            )
            lane.setFixedHeight(card + 2 * lane.frameWidth() + 2 * lane.spacing() + 2)
            self.alias_titles[name] = title
            row, column = divmod(index, 3)
            self.alias_grid.addWidget(title, row * 2, column)
            self.alias_grid.addWidget(lane, row * 2 + 1, column)
            title.show()  # added to a shown board: show now, not on the next event loop turn
            lane.show()
            self.alias_lanes[name] = lane

    def _update_lanes(self) -> None:
        """Lanes say, before any drag, whether drops there move, request or are not allowed."""
        access = self.context.access
        for stage_name, lane in self.stage_lanes.items():
            stage = Stage.parse(stage_name)
            movable = [v for v in self.versions if v.stage is not stage]
            modes = (
                {self.drop_mode(v.version, lane.target) for v in movable}
                if movable
                else {self._lane_mode(stage)}
            )
            note = self.stage_notes[stage_name]
            if not self.editable or modes <= {""}:
                lane.accepting = False
                note.setText("read-only")
                tip = (
                    self.readonly_reason
                    or f"Your permission ({access.describe()}) does not allow it."
                )
            elif "move" in modes:
                lane.accepting = True
                note.setText("")
                tip = ""
            else:
                lane.accepting = True
                note.setText("drop to request")
                tip = (
                    f"Your permission ({access.describe()}) lets you request a move to "
                    f"{stage_name}; someone who may manage the model approves it."
                )
            lane.setToolTip(tip)
            note.setToolTip(tip)
            self._notes[stage_name] = note.text()
        for lane in self.alias_lanes.values():
            allowed = self.drop_mode("x", lane.target) == "move"
            lane.accepting = allowed
            lane.setToolTip(
                "" if allowed else self.readonly_reason or "You may not change aliases."
            )

    def _lane_mode(self, stage: Stage) -> str:
        """What a drop on an empty-of-candidates lane would do (a version from elsewhere)."""
        elsewhere = Stage.ARCHIVED if stage is Stage.NONE else Stage.NONE
        return self.rules().stage_change(elsewhere, stage).value

    def refuse(self, why: str) -> None:
        """The registry refused a change (403): read-only for this model from now on."""
        self.refusal = why
        self.set_editable(False, why)

    def set_editable(self, editable: bool, why: str = "") -> None:
        """Show whether the current identity may promote here (before any drag)."""
        self.editable = editable
        self.readonly_reason = "" if editable else why
        if self.versions or self.alias_lanes:
            self._render()
        else:
            self._update_lanes()
            self._update_hint()

    def set_busy(self, busy: bool) -> None:
        """While a promotion is in flight, further drops are refused (no double apply)."""
        self.busy = busy
        self._update_hint()

    def _update_hint(self) -> None:
        self.hint.setText(
            board_hint(
                self.context.access,
                self._may_request(),
                editable=self.editable,
                readonly_reason=self.readonly_reason,
                busy=self.busy,
                stages=self.stages_supported,
                aliases=self.aliases_supported,
                server=self.server,
            )
        )

    # --- requests ------------------------------------------------------------------------------
    def _dropped(self, payload: object, target: object) -> None:
        assert isinstance(payload, dict) and isinstance(target, Target)
        self.request(str(payload.get("version", "")), target)

    def request(self, version: str, target: Target) -> None:
        """Ask to promote (the drop, menu and keyboard paths all end here); becomes a
        transition request where the user may only ask."""
        if self.busy:
            return
        mode = self.drop_mode(version, target)
        if not mode:
            self.refused.emit(
                self.rules().why_not(self._stage_of(version), target.kind, target.value)
            )
            return
        if mode == "request":
            self.transitionRequested.emit(version, target.value)
            return
        if target.kind == "alias" and target.value == NEW_ALIAS:
            name = self.ask_alias_name()
            if not name:
                return
            target = Target("alias", name)
        self.promoteRequested.emit(version, target)

    def card_action(self, request: TransitionRequest, action: str) -> None:
        """Approve, reject or withdraw an open request (unless a change is in flight)."""
        if not self.busy:
            self.requestAction.emit(request, action)

    def _ask_alias_name(self) -> str | None:
        dialog = AliasNameDialog(self)
        return dialog.name() if dialog.exec() == QDialog.DialogCode.Accepted else None

    # --- keyboard and drag feedback ---------------------------------------------------------
    def _lanes_in_order(self) -> list[Lane]:
        """Left to right, top to bottom: the stage columns, then the alias lanes."""
        lanes = list(self.stage_lanes.values()) if self.stages_supported else []
        return lanes + list(self.alias_lanes.values())

    def focus_next_lane(self, lane: Lane, step: int) -> None:
        """Move the keyboard focus to the nearest lane with cards to the left (-1) or right."""
        lanes = self._lanes_in_order()
        if lane not in lanes:
            return
        index = lanes.index(lane) + step
        while 0 <= index < len(lanes):
            other = lanes[index]
            if other.count():
                other.setCurrentRow(min(max(lane.currentRow(), 0), other.count() - 1))
                other.setFocus(Qt.FocusReason.OtherFocusReason)
                return
            index += step

    def open_menu(self, version: str, lane: Lane, position: QPoint) -> QMenu:
        """The card's menu at ``position`` of ``lane`` (mouse, Menu key, Enter, Space)."""
        if self.menu is not None:
            self.menu.deleteLater()
        self.menu = self.menu_for(version)
        self.menu.popup(lane.viewport().mapToGlobal(position))
        return self.menu

    def drop_words(self, version: str, target: Target) -> str:
        """What a drop of ``version`` on ``target`` would do, in a few words."""
        if target.kind == "alias" and target.value == NEW_ALIAS:
            return "sets a new alias" if self.drop_mode(version, target) else "not allowed"
        if self.busy:
            return "wait: a change is being applied"
        return self.rules().describe(self._stage_of(version), target.kind, target.value)

    def show_drop_note(self, lane: Lane, words: str) -> None:
        """While a card is over ``lane``: say there what dropping it would do."""
        if lane.target.kind == "stage":
            note = self.stage_notes[lane.target.value]
            note.setText(f"Drop here: {words}" if words else self._notes.get(lane.target.value, ""))
            return
        title = self.alias_titles.get(lane.target.value)
        if title is not None:
            base = str(title.property("base") or "")
            title.setText(f"{base} — {words}" if words else base)

    def menu_for(self, version: str) -> QMenu:
        """The card menu of one version (``card_menu``)."""
        return card_menu(self, version)

    def menu_parent(self) -> QWidget:
        return self

    def open_requests(self, version: str) -> tuple[TransitionRequest, ...]:
        """The open transition requests on ``version``."""
        return tuple((self.context.requests or {}).get(version, ()))
