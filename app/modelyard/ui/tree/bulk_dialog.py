"""One change to many selected versions (#28): the plan (before → after for each version, and
the same as CLI commands), then Apply with progress, then the result with Retry failed. Every
read and write runs on a worker; a protected registry asks for its name typed first."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from modelyard.core.actions.bulk import (
    BulkOutcome,
    BulkPlan,
    Change,
    plan_bulk,
    retry_plan,
    run_bulk,
)
from modelyard.core.model.errors import ModelyardError
from modelyard.core.model.registry import Registry
from modelyard.core.profiles.profile import Profile, confirmation_reason, typed_confirmation
from modelyard.core.session import Connections
from modelyard.ui.common.screen_fit import fit_size
from modelyard.ui.common.workers import CancelToken, WorkerPool


class BulkDialog(QDialog):
    """Plan, apply and report one change to several versions of one registry.

    Signals:
        applied(object): the BulkOutcome, once a run ended (the tree reads the models again).
    """

    applied = Signal(object)

    def __init__(
        self,
        connections: Connections,
        workers: WorkerPool,
        profile: Profile,
        targets: Sequence[tuple[str, str]],
        change: Change,
        *,
        planner: Callable[[Registry], BulkPlan] | None = None,
        models: Sequence[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        """``planner``: how the versions are chosen, when they are not ``targets`` (a clean-up
        picks them by its rules); ``models``: theirs, for the typed confirmation."""
        super().__init__(parent)
        self.connections, self.workers, self.profile = connections, workers, profile
        self.targets, self.change = list(targets), change
        self.plan: BulkPlan | None = None
        self.outcome: BulkOutcome | None = None
        self.running = False
        models = sorted({m for m, _v in targets} | set(models))
        what = change.describe()
        count = f"{len(targets)} versions" if targets else ", ".join(models)
        self.setWindowTitle(f"{what[:1].upper()}{what[1:]} — {count}")
        self.setObjectName("bulkDialog")
        layout = QVBoxLayout(self)
        self.heading = QLabel(f"Reading the versions of {profile.name}…")
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.table = QTreeWidget()
        self.table.setObjectName("bulkPlan")
        self.table.setRootIsDecorated(False)
        self.table.setHeaderLabels(["Model", "Version", "Now", "After", "Note"])
        layout.addWidget(self.table, 1)
        layout.addWidget(QLabel("The same from the command line:"))
        self.commands = QPlainTextEdit()
        self.commands.setObjectName("bulkCommands")
        self.commands.setReadOnly(True)
        self.commands.setMaximumHeight(90)
        layout.addWidget(self.commands)
        # one model: its name; several: the registry's (they are all in it)
        alias = change.value if change.kind == "alias" else None  # a protected one asks too
        self.needed = (
            (models[0] if len(models) == 1 else profile.name)
            if typed_confirmation(profile, models[0] if models else "", alias)
            else ""
        )
        self.typed = QLineEdit()
        self.typed.setObjectName("typedConfirmation")
        if self.needed:
            what = "the model's name" if len(models) == 1 else "the registry's name"
            asked = QLabel(
                f"{confirmation_reason(profile, alias)}: type {what} ({self.needed}) to apply."
            )
            asked.setTextFormat(Qt.TextFormat.PlainText)
            asked.setWordWrap(True)
            layout.addWidget(asked)
            self.typed.setPlaceholderText(self.needed)
            self.typed.textChanged.connect(lambda _t: self._update_buttons())
            layout.addWidget(self.typed)
        else:
            self.typed.hide()
        self.bar = QProgressBar()
        self.bar.hide()
        layout.addWidget(self.bar)
        self.said = QLabel()
        self.said.setObjectName("bulkResult")
        self.said.setTextFormat(Qt.TextFormat.PlainText)
        self.said.setWordWrap(True)
        layout.addWidget(self.said)
        buttons = QHBoxLayout()
        self.copy_button = QPushButton("Copy commands")
        self.retry_button = QPushButton("&Retry failed")
        self.retry_button.hide()
        self.apply_button = QPushButton("&Apply")
        self.close_button = QPushButton("Cancel")
        buttons.addWidget(self.copy_button)
        buttons.addStretch(1)
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.apply_button)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
        self.copy_button.clicked.connect(self._copy_commands)
        self.apply_button.clicked.connect(self.apply)
        self.retry_button.clicked.connect(self.retry_failed)
        self.close_button.clicked.connect(self.close)
        self.apply_button.setDefault(True)  # once in the dialog (before, it would be forgotten)
        fit_size(self, QSize(820, 520))
        self._update_buttons()
        self._read(planner or (lambda registry: plan_bulk(registry, profile.name, targets, change)))

    # --- planning --------------------------------------------------------------------------
    def _read(self, plan: Callable[..., BulkPlan]) -> None:
        profile, connections = self.profile, self.connections

        def work(_token: CancelToken) -> BulkPlan:
            return plan(connections.get(profile))

        self.running = True
        self.workers.submit(work, self._planned, self._failed, "plan bulk change",
                            lane=profile.id)  # fmt: skip

    def _planned(self, plan: BulkPlan) -> None:
        self.running = False
        self.plan = plan
        self.table.clear()
        for item in plan.items:
            row = QTreeWidgetItem([item.model, f"v{item.version}", item.before, item.after,
                                   item.skip])  # fmt: skip
            self.table.addTopLevelItem(row)
        for column in range(4):
            self.table.resizeColumnToContents(column)
        n, total = len(plan.changes), len(plan.items)
        which = f"all {n} versions change" if n == total else f"{n} of {total} versions change"
        rest = "" if n == total else "; the others are noted (nothing is sent for them)"
        self.heading.setText(f"{self.profile.name}: {self.change.describe()} — {which}{rest}.")
        self.commands.setPlainText("\n".join(plan.commands(confirm=bool(self.needed))))
        self._update_buttons()
        # the keys go where the next step is: the name to type, else Apply (Return)
        (self.typed if self.needed else self.apply_button).setFocus()

    def _failed(self, error: ModelyardError) -> None:
        self.running = False
        self.said.setText(f"Nothing was changed: {error.message}")
        self._update_buttons()

    def _update_buttons(self) -> None:
        ready = self.plan is not None and bool(self.plan.changes) and not self.running
        typed = not self.needed or self.typed.text() == self.needed
        self.apply_button.setEnabled(ready and typed and self.outcome is None)
        self.retry_button.setEnabled(not self.running)
        self.copy_button.setEnabled(bool(self.commands.toPlainText()))

    def _copy_commands(self) -> None:
        QGuiApplication.clipboard().setText(self.commands.toPlainText())
        self.said.setText("The commands are on the clipboard.")

    # --- applying --------------------------------------------------------------------------
    def apply(self) -> None:
        """Apply the plan's changes (on the registry's lane), showing progress."""
        plan = self.plan
        if plan is None or not plan.changes or self.running:
            return
        profile, connections = self.profile, self.connections
        self.running = True
        self.bar.setRange(0, len(plan.changes))
        self.bar.setValue(0)
        self.bar.show()
        self.close_button.setText("Cancel")
        self._update_buttons()

        def work(token: CancelToken) -> BulkOutcome:
            registry = connections.get(profile)
            return run_bulk(
                registry,
                plan,
                record_history=profile.record_history,
                progress=lambda n, _total: token.report(n),
                cancelled=lambda: token.cancelled,
            )

        self.job = self.workers.submit(work, self._done, self._failed, "bulk change",
                                       self.bar.setValue, lane=profile.id)  # fmt: skip

    def _done(self, outcome: BulkOutcome) -> None:
        self.running = False
        self.outcome = outcome
        lines = [f"{len(outcome.done)} done, {len(outcome.failed)} failed."]
        lines += [f"{i.model} v{i.version}: {why}" for i, why in outcome.failed]
        self.said.setText("\n".join(lines))
        results = {(i.model, i.version): "done" for i in outcome.done}
        results.update({(i.model, i.version): f"failed: {why}" for i, why in outcome.failed})
        for row in range(self.table.topLevelItemCount()):
            shown = self.table.topLevelItem(row)
            if shown is None:
                continue
            said = results.get((shown.text(0), shown.text(1).removeprefix("v")))
            if said is not None:
                shown.setText(4, said)
                shown.setToolTip(4, said)
                if said != "done":
                    shown.setForeground(4, QColor("#c62828"))
        self.retry_button.setVisible(bool(outcome.failed))
        self.close_button.setText("Close")
        self._update_buttons()
        self.applied.emit(outcome)

    def retry_failed(self) -> None:
        """Plan the failed versions again from a fresh read, then apply what still needs it."""
        plan, outcome = self.plan, self.outcome
        if plan is None or outcome is None or not outcome.failed:
            return
        self.outcome = None
        self.retry_button.hide()
        self._read(lambda registry: retry_plan(registry, plan, outcome))

    def closeEvent(self, event: object) -> None:  # overrides QWidget.closeEvent
        job = getattr(self, "job", None)
        if self.running and job is not None:
            job.cancel()  # stops before the next version; those done stay done
        super().closeEvent(event)  # type: ignore[arg-type]
