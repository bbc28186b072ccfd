"""Confirmation of a change: exactly what will change, archive option, comment.

Direct promotions (stage or alias) and the transition-request actions of the Databricks
workspace registry (request, approve, reject, withdraw) share one dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from modelyard.core.actions.promote import ShownModel, Target, plan_lines
from modelyard.core.model.domain import Stage, TransitionRequest


@dataclass(frozen=True)
class TransitionAsk:
    """A transition-request action to confirm: "request", "approve", "reject", "withdraw"."""

    action: str
    model: str
    version: str
    stage: Stage
    snapshot: ShownModel
    request: TransitionRequest | None = None
    changed: tuple[str, ...] = ()


@dataclass(frozen=True)
class PromotionChoice:
    """What the user confirmed."""

    archive_existing: bool
    comment: str


class PromoteDialog(QDialog):
    """Names every change before it is made; shows what changed meanwhile on a re-ask."""

    def __init__(
        self,
        title: str,
        intro: str,
        lines: Callable[[bool], list[str]],
        changed: list[str],
        *,
        archive_stage: Stage | None = None,
        note: str = "",
        ok_text: str = "Promote",
        comment_hint: str = "Comment (optional, kept in the stage history)",
        typed: tuple[str, str] = ("", ""),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(480)
        self._lines = lines
        layout = QVBoxLayout(self)
        if changed:
            warning = QLabel(
                "Someone changed this model since it was shown:\n• "
                + "\n• ".join(changed)
                + "\n\nThe plan below is based on the registry as it is now."
            )
            warning.setObjectName("conflictText")
            warning.setWordWrap(True)
            layout.addWidget(warning)
        heading = QLabel(intro)
        heading.setWordWrap(True)
        layout.addWidget(heading)
        self.plan = QLabel()
        self.plan.setObjectName("planText")
        layout.addWidget(self.plan)
        if note:
            explained = QLabel(note)
            explained.setObjectName("muted")
            explained.setWordWrap(True)
            layout.addWidget(explained)
        self.archive = QCheckBox()
        if archive_stage in (Stage.STAGING, Stage.PRODUCTION):
            assert archive_stage is not None
            self.archive.setText(f"Archive the versions now in {archive_stage.value}")
            self.archive.toggled.connect(self._update)
        else:
            self.archive.hide()
        layout.addWidget(self.archive)
        self.comment = QLineEdit()
        self.comment.setPlaceholderText(comment_hint)
        layout.addWidget(self.comment)
        self.needed, why = typed  # a protected registry or alias: the model's name, typed
        self.typed = QLineEdit()
        self.typed.setObjectName("typedConfirmation")
        if self.needed:
            asked = QLabel(f"{escape(why)}. Type <b>{escape(self.needed)}</b> to confirm:")
            asked.setWordWrap(True)
            layout.addWidget(asked)
            self.typed.setPlaceholderText(self.needed)
            self.typed.textChanged.connect(lambda _text: self._update())
            layout.addWidget(self.typed)
        else:
            self.typed.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._update()
        # Typing goes into the comment (Enter then confirms: the OK button is the default);
        # Tab reaches the archive switch, which shows its focus. A typed confirmation first.
        (self.typed if self.needed else self.comment).setFocus()
        self.ok_button.setDefault(True)

    @classmethod
    def for_promotion(
        cls,
        model: str,
        version: str,
        target: Target,
        snapshot: ShownModel,
        changed: list[str],
        *,
        typed: tuple[str, str] = ("", ""),
        parent: QWidget | None = None,
    ) -> PromoteDialog:
        """A direct stage or alias change, titled by what it does (``typed``: the name to
        type before it is made, and why)."""
        stage = Stage.parse(target.value) if target.kind == "stage" else None
        title, ok = {
            "stage": (f"Promote {model} v{version}", "Promote"),
            "alias": (f"Set @{target.value} — {model} v{version}", "Set alias"),
            "remove-alias": (f"Remove @{target.value} — {model}", "Remove alias"),
        }[target.kind]
        return cls(
            title,
            f"<b>{escape(model)}</b> — this will change:",
            lambda archive: plan_lines(snapshot, version, target, archive),
            changed,
            archive_stage=stage,
            ok_text=ok,
            typed=typed,
            parent=parent,
        )

    @classmethod
    def for_transition(
        cls,
        ask: TransitionAsk,
        parent: QWidget | None = None,
        typed: tuple[str, str] = ("", ""),
    ) -> PromoteDialog:
        """Request, approve, reject or withdraw a transition request (``typed``: the name a
        protected registry asks for, and why)."""
        action, model, version, stage = ask.action, ask.model, ask.version, ask.stage
        snapshot, request, changed = ask.snapshot, ask.request, list(ask.changed)
        target = Target("stage", stage.value)
        current = snapshot.versions.get(version)
        where = current.stage.value if current else "its stage"
        who = escape(request.requester) if request and request.requester else "Someone"
        asked = (
            f"<b>{who}</b> asked for v{escape(version)} → {stage.value} in "
            f"<b>{escape(model)}</b>"
            + (f": “{escape(request.comment)}”" if request and request.comment else ".")
        )
        stays = [f"v{version} stays in {where}"]
        if action == "request":
            return cls(
                f"Request transition — {model} v{version}",
                f"<b>{escape(model)}</b> — you ask for:",
                lambda _archive: [f"v{version} ({where}) → {stage.value}"],
                changed,
                note="Nothing moves until someone who manages the model approves; they see "
                "your comment and may archive the versions now in that stage.",
                ok_text="Request",
                comment_hint="Why? (shown to whoever approves)",
                typed=typed,
                parent=parent,
            )
        if action == "approve":
            return cls(
                f"Approve request — {model} v{version}",
                asked + "<br>Approving changes:",
                lambda archive: plan_lines(snapshot, version, target, archive),
                changed,
                archive_stage=stage,
                ok_text="Approve",
                comment_hint="Comment (optional, shown in the request's activity)",
                typed=typed,
                parent=parent,
            )
        if action == "reject":
            return cls(
                f"Reject request — {model} v{version}",
                asked + "<br>Rejecting closes the request:",
                lambda _archive: stays,
                changed,
                ok_text="Reject",
                comment_hint="Why not? (shown to the requester)",
                typed=typed,
                parent=parent,
            )
        return cls(
            f"Withdraw request — {model} v{version}",
            f"Withdraw your request v{escape(version)} → {stage.value}?",
            lambda _archive: stays,
            changed,
            ok_text="Withdraw",
            comment_hint="Comment (optional)",
            typed=typed,
            parent=parent,
        )

    def _update(self) -> None:
        lines = self._lines(self.archive.isChecked())
        self.plan.setText("\n".join(f"   {line}" for line in lines))
        self.ok_button.setEnabled(not self.needed or self.typed.text() == self.needed)

    def choice(self) -> PromotionChoice:
        """The user's answers."""
        return PromotionChoice(self.archive.isChecked(), self.comment.text().strip())


def _run(dialog: PromoteDialog) -> PromotionChoice | None:
    return dialog.choice() if dialog.exec() == QDialog.DialogCode.Accepted else None


def ask(
    model: str,
    version: str,
    target: Target,
    snapshot: ShownModel,
    changed: list[str],
    *,
    typed: tuple[str, str] = ("", ""),
    parent: QWidget | None = None,
    preset: PromotionChoice | None = None,
) -> PromotionChoice | None:
    """Confirm a direct promotion modally; None when cancelled. ``preset``: what the dialog
    starts with (a restore: archive what holds the stage now, a comment naming the moment)."""
    dialog = PromoteDialog.for_promotion(
        model, version, target, snapshot, changed, typed=typed, parent=parent
    )
    if preset is not None:
        dialog.archive.setChecked(preset.archive_existing and not dialog.archive.isHidden())
        dialog.comment.setText(preset.comment)
    return _run(dialog)


def ask_transition(
    ask: TransitionAsk, parent: QWidget | None = None, typed: tuple[str, str] = ("", "")
) -> PromotionChoice | None:
    """Confirm a transition-request action modally; None when cancelled."""
    return _run(PromoteDialog.for_transition(ask, parent, typed))
