"""Confirmation of a promotion: exactly what will change, archive option, comment."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from modelyard.core.domain import Stage
from modelyard.core.promote import Snapshot, Target, plan_lines


@dataclass(frozen=True)
class PromotionChoice:
    """What the user confirmed."""

    archive_existing: bool
    comment: str


class PromoteDialog(QDialog):
    """Names every change before it is made; shows what changed meanwhile on a re-ask."""

    def __init__(
        self,
        model: str,
        version: str,
        target: Target,
        snapshot: Snapshot,
        changed: list[str],
        *,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Promote {model} v{version}")
        self.setMinimumWidth(460)
        self._args = (snapshot, version, target)
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
        layout.addWidget(QLabel(f"<b>{model}</b> — this will change:"))
        self.plan = QLabel()
        self.plan.setObjectName("planText")
        layout.addWidget(self.plan)
        self.archive = QCheckBox()
        stage = Stage.parse(target.value) if target.kind == "stage" else None
        if stage in (Stage.STAGING, Stage.PRODUCTION):
            self.archive.setText(f"Archive the versions now in {target.value}")
            self.archive.toggled.connect(self._update)
        else:
            self.archive.hide()
        layout.addWidget(self.archive)
        self.comment = QLineEdit()
        self.comment.setPlaceholderText("Comment (optional, kept in the stage history)")
        layout.addWidget(self.comment)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Promote")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._update()

    def _update(self) -> None:
        snapshot, version, target = self._args
        lines = plan_lines(snapshot, version, target, self.archive.isChecked())
        self.plan.setText("\n".join(f"   {line}" for line in lines))

    def choice(self) -> PromotionChoice:
        """The user's answers."""
        return PromotionChoice(self.archive.isChecked(), self.comment.text().strip())


def ask(
    model: str,
    version: str,
    target: Target,
    snapshot: Snapshot,
    changed: list[str],
    *,
    parent: QWidget | None = None,
) -> PromotionChoice | None:
    """Show the dialog modally; None when cancelled."""
    dialog = PromoteDialog(model, version, target, snapshot, changed, parent=parent)
    return dialog.choice() if dialog.exec() == QDialog.DialogCode.Accepted else None
