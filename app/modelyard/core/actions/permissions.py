"""What a stage or alias change would do for the current identity: move, request, or nothing.

One set of rules for every place that offers a change — the promotion board's drops, the tree's
and the board's menus, the CLI's ``promote`` — so that they agree before anything is sent. The
rules read what the registry told about the identity (``Access``) and what the registry kind
supports (stages, aliases, transition requests); where the registry does not say, a change is
offered and a refusal is explained when it happens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from modelyard.core.model.domain import Access, Capabilities, Stage, TransitionRequest
from modelyard.core.reads.server_version import ALIASES


class Mode(Enum):
    """What a change would do."""

    MOVE = "move"  # made directly
    REQUEST = "request"  # asked for; someone who manages the model approves
    REFUSED = ""  # not allowed (or nothing to change)

    def __bool__(self) -> bool:
        return self is not Mode.REFUSED


@dataclass(frozen=True)
class Rules:
    """The current identity's rights on one model, and what the registry kind supports.

    ``refusal`` is set once the registry refused a change to this model (a 403), or when it
    cannot be written at all (offline): then nothing is offered, and it says why.
    """

    access: Access = field(default_factory=Access)
    stages: bool = True
    aliases: bool = True
    requests: bool = False  # the registry has transition requests
    refusal: str = ""
    server: str = ""  # what runs the registry, when it says ("MLflow 2.2.2")

    @classmethod
    def of(cls, capabilities: Capabilities, access: Access, refusal: str = "") -> Rules:
        """The rules of a registry kind and an identity's access to one model."""
        return cls(
            access,
            capabilities.stages,
            capabilities.aliases,
            capabilities.transition_requests,
            refusal,
            capabilities.server,
        )

    def may_request(self) -> bool:
        """The identity may ask for stage transitions."""
        return self.requests and self.access.request

    def stage_change(self, from_stage: Stage, to_stage: Stage) -> Mode:
        """Moving a version from one stage to another."""
        if self.refusal or not self.stages or from_stage is to_stage:
            return Mode.REFUSED
        if self.access.may_move(from_stage, to_stage) is not False:
            return Mode.MOVE
        return Mode.REQUEST if self.may_request() else Mode.REFUSED

    def alias_change(self) -> Mode:
        """Setting, moving or removing an alias."""
        if self.refusal or not self.aliases or self.access.edit is False:
            return Mode.REFUSED
        return Mode.MOVE

    def change(self, from_stage: Stage, kind: str, value: str) -> Mode:
        """A change of kind "stage" (to stage ``value``), "alias" or "remove-alias"."""
        if kind == "stage":
            return self.stage_change(from_stage, Stage.parse(value))
        return self.alias_change()

    def read_only(self) -> bool:
        """Nothing can be changed or asked for."""
        return bool(self.refusal) or (self.access.edit is False and not self.may_request())

    def why_not(self, from_stage: Stage, kind: str, value: str) -> str:
        """Why a change is refused, in plain words ("" when it is not)."""
        if self.change(from_stage, kind, value):
            return ""
        if self.refusal:
            return self.refusal
        if self.access.protected:
            return self.access.protected
        if kind == "stage" and not self.stages:
            return "This registry has no stages (it uses aliases)."
        if kind != "stage" and not self.aliases:
            if self.server:
                return f"This server runs {self.server}, which has {ALIASES.words}."
            return "This registry has no aliases."
        if kind == "stage" and from_stage is Stage.parse(value):
            return f"It is already in {from_stage.value}."
        return f"Your permission ({self.access.describe()}) does not allow it."

    def describe(self, from_stage: Stage, kind: str, value: str) -> str:
        """What the change would do, for a drop target's highlight: "moves to Production",
        "requests Production", "not allowed"."""
        mode = self.change(from_stage, kind, value)
        where = value if kind == "stage" else f"@{value}"
        if mode is Mode.MOVE:
            return f"removes {where}" if kind == "remove-alias" else f"moves to {where}"
        if mode is Mode.REQUEST:
            return f"requests {where}"
        return "not allowed"


def request_decisions(
    rules: Rules, stage: Stage, request: TransitionRequest, identity: str
) -> tuple[str, ...]:
    """What ``identity`` may do with an open request on a version now in ``stage``:
    "approve", "reject" (where the service says so, or where they may make the move
    themselves) and "withdraw" (their own request)."""
    actions: list[str] = []
    if request.actions:  # the service said what this viewer may do
        if "APPROVE_TRANSITION_REQUEST" in request.actions:
            actions.append("approve")
        if "REJECT_TRANSITION_REQUEST" in request.actions:
            actions.append("reject")
    elif not rules.refusal and rules.access.may_move(stage, request.to_stage) is True:
        actions += ["approve", "reject"]
    if identity and request.requester == identity:
        actions.append("withdraw")
    return tuple(actions)
