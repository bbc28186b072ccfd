"""The card menu of the promotion board: "Promote to ▸" (or "Request transition to ▸"),
"Set alias ▸", "Remove alias ▸" and the open requests of one version, each item enabled by the
core's rules (``core.actions.permissions``), the same rules a drop follows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from PySide6.QtWidgets import QMenu, QWidget

from modelyard.core.actions.promote import Target
from modelyard.core.model.domain import Stage, TransitionRequest, VersionSummary

NEW_ALIAS = "\u2026new alias"  # the alias target that asks for a name


class MenuHost(Protocol):
    """What the menu reads of the board and asks it to do."""

    @property
    def stages_supported(self) -> bool: ...
    @property
    def aliases_supported(self) -> bool: ...
    @property
    def editable(self) -> bool: ...
    @property
    def busy(self) -> bool: ...
    @property
    def versions(self) -> Sequence[VersionSummary]: ...
    @property
    def aliases(self) -> Mapping[str, str]: ...

    def open_requests(self, version: str) -> tuple[TransitionRequest, ...]: ...
    def drop_mode(self, version: str, target: Target) -> str: ...
    def decisions(self, v: VersionSummary, request: TransitionRequest) -> tuple[str, ...]: ...
    def request(self, version: str, target: Target) -> None: ...
    def card_action(self, request: TransitionRequest, action: str) -> None: ...
    def menu_parent(self) -> QWidget: ...


def card_menu(board: MenuHost, version: str) -> QMenu:
    """ "Promote to ▸" (or "Request transition to ▸"), "Set alias ▸", "Remove alias ▸",
    and the open requests of one version."""
    menu = QMenu(board.menu_parent())
    current = next((v for v in board.versions if v.version == version), None)
    if board.stages_supported:
        moves = menu.addMenu("Promote to")
        asks = QMenu("Request transition to", menu)
        for stage in Stage:
            target = Target("stage", stage.value)
            mode = board.drop_mode(version, target)
            action = moves.addAction(stage.value)
            action.setEnabled(mode == "move")
            action.triggered.connect(lambda _=False, t=target: board.request(version, t))
            ask = asks.addAction(stage.value)
            ask.setEnabled(mode == "request")
            ask.triggered.connect(lambda _=False, t=target: board.request(version, t))
        if any(a.isEnabled() for a in asks.actions()):
            menu.addMenu(asks)
    if board.aliases_supported:
        aliases = menu.addMenu("Set alias")
        for name in sorted(board.aliases):
            action = aliases.addAction(f"@{name}")
            action.setEnabled(board.aliases[name] != version)
            action.triggered.connect(
                lambda _=False, n=name: board.request(version, Target("alias", n))
            )
        new = aliases.addAction("New alias…")
        new.triggered.connect(lambda: board.request(version, Target("alias", NEW_ALIAS)))
        held = [a for a, v in board.aliases.items() if v == version]
        if held:
            remove = menu.addMenu("Remove alias")
            for name in held:
                action = remove.addAction(f"@{name}")
                action.triggered.connect(
                    lambda _=False, n=name: board.request(version, Target("remove-alias", n))
                )
        aliases.setEnabled(board.drop_mode(version, Target("alias", NEW_ALIAS)) == "move")
    requests = board.open_requests(version)
    if requests and current is not None:
        menu.addSeparator()
        for r in requests:
            for action_name in board.decisions(current, r):
                label = {
                    "approve": f"Approve {r.requester or 'the'} request → {r.to_stage.value}",
                    "reject": f"Reject {r.requester or 'the'} request → {r.to_stage.value}…",
                    "withdraw": f"Withdraw my request → {r.to_stage.value}",
                }[action_name]
                action = menu.addAction(label)
                action.triggered.connect(
                    lambda _=False, req=r, a=action_name: board.card_action(req, a)
                )
    menu.setEnabled(board.editable and not board.busy)
    return menu
