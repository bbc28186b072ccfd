"""Copy a version into another registry: what will be written, the target model's name, a stage
or alias to set there ("promote to prod"), then progress with Cancel and the outcome.

The plan and the copy run on workers with each profile's own connection; nothing touches the
network on the GUI thread.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QModelIndex, QObject, QSortFilterProxyModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from modelyard.core.actions.across import Across
from modelyard.core.actions.copy import CopyProgress
from modelyard.core.actions.copy_plan import CopyPlan, Endpoint, suggested_name
from modelyard.core.actions.promote import Target
from modelyard.core.model.aliases import RULE, alias_problem
from modelyard.core.model.errors import ErrorKind, ModelyardError
from modelyard.core.profiles.profile import Profile, typed_confirmation
from modelyard.core.reads.download import human_bytes
from modelyard.core.session import Connections
from modelyard.ui.common.theme import set_tone
from modelyard.ui.common.workers import CancelToken, WorkerPool
from modelyard.ui.tree.tree_model import RegistryTreeModel
from modelyard.ui.tree.tree_panel import choose_row

NOTHING = "nothing"
REVEAL_FOR_MS = 60_000


class CopyDialog(QDialog):
    """One copy, from asking to its outcome. ``copied`` carries the Across on success."""

    copied = Signal(object)

    def __init__(
        self,
        connections: Connections,
        workers: WorkerPool,
        *,
        source: Profile,
        model: str,
        version: str,
        target: Profile,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("copyDialog")
        self.connections, self.workers = connections, workers
        self.source, self.model, self.version, self.target = source, model, version, target
        self.plan: CopyPlan | None = None
        self.outcome: Across | None = None
        self.state = "planning"  # planning → ready → copying → done | failed
        self._stop = threading.Event()
        self.setWindowTitle(f"Copy {model} v{version} to {target.name}")
        self.setMinimumWidth(560)

        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setWordWrap(True)
        self.heading.setStyleSheet("font-weight: 600;")
        self.lines = QLabel("Reading what will be copied…")
        self.lines.setTextFormat(Qt.TextFormat.PlainText)
        self.lines.setWordWrap(True)
        self.lines.setObjectName("copyPlan")
        self.name = QLineEdit(suggested_name(target, model))
        self.name.setObjectName("copyTargetName")
        self.then = QComboBox()
        self.then.setObjectName("copyThen")
        self.then.addItem("Nothing else", NOTHING)
        if target.has_stages:
            for stage in ("Staging", "Production", "Archived"):
                self.then.addItem(f"Move it to {stage}", f"stage:{stage}")
        self.then.addItem("Set an alias…", "alias")
        self.alias = QLineEdit()
        self.alias.setPlaceholderText("e.g. champion")
        self.alias.setVisible(False)
        self.hint = QLabel()
        self.hint.setTextFormat(Qt.TextFormat.PlainText)
        self.hint.setWordWrap(True)
        set_tone(self.hint, "muted")
        form = QFormLayout()
        form.addRow(f"Model name in {target.name}", self.name)
        form.addRow("Then, there", self.then)
        form.addRow("", self.alias)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setVisible(False)
        self.status = QLabel()
        self.status.setObjectName("copyStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        # a Confirm registry: the copy's model name typed before anything is sent
        self.typed = QLineEdit()
        self.typed.setObjectName("typedConfirmation")
        self.typed.setVisible(bool(typed_confirmation(target, model)))
        self.typed.setPlaceholderText(f"{target.name} asks for the model's name typed to copy")
        self.typed.textChanged.connect(self._check)
        self.buttons = QDialogButtonBox()
        self.go = QPushButton("Copy")
        self.go.setObjectName("copyGo")
        self.go.setEnabled(False)
        widest = max(
            self.go.fontMetrics().horizontalAdvance(t)
            for t in ("Copy", "Copy and promote", "Set it there")
        )
        self.go.setMinimumWidth(widest + 32)  # its text changes with the choice below
        self.cancel = QPushButton("Cancel")
        self.buttons.addButton(self.go, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.cancel, QDialogButtonBox.ButtonRole.RejectRole)
        self.go.clicked.connect(self.start)
        self.cancel.clicked.connect(self._cancel_or_close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.lines)
        layout.addLayout(form)
        layout.addWidget(self.hint)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        layout.addWidget(self.typed)
        layout.addWidget(self.buttons)
        self.go.setDefault(True)  # once in the dialog (before, the dialog chose its own)
        self.heading.setText(f"Copy {model} v{version} from {source.name} to {target.name}")
        self.then.currentIndexChanged.connect(self._then_changed)
        self.alias.textChanged.connect(self._check)
        self.name.editingFinished.connect(self._name_changed)
        self._plan()

    # --- what will be written ------------------------------------------------------------------
    def _plan(self) -> None:
        self.state = "planning"
        self.go.setEnabled(False)
        connections, source, target = self.connections, self.source, self.target
        model, version, name = self.model, self.version, self.name.text().strip()

        def work(_token: CancelToken) -> CopyPlan:
            from modelyard.core.actions.copy_plan import plan_copy

            return plan_copy(
                Endpoint(connections.get(source), source.name),
                model,
                version,
                Endpoint(connections.get(target), target.name),
                name,
            )

        self.workers.submit(work, self._planned, self._failed, "copy: plan")

    def _planned(self, plan: CopyPlan) -> None:
        self.plan = plan
        self.state = "ready"
        text = "\n".join(plan.lines())
        if plan.earlier is not None:
            text = (
                f"{self.target.name} already has this version as {plan.earlier.model} "
                f"v{plan.earlier.version}: nothing will be copied; you may set its stage or "
                "alias there."
            )
        self.lines.setText(text)
        self._check()
        self.adjustSize()  # the plan's lines in full

    def _name_changed(self) -> None:
        plan = self.plan
        if self.state == "ready" and plan and self.name.text().strip() != plan.target_model:
            self._plan()

    def _then_changed(self, _index: int) -> None:
        self.alias.setVisible(self.then.currentData() == "alias")
        if self.alias.isVisible():
            self.alias.setFocus()
        self._check()

    def then_target(self) -> Target | None:
        """The stage or alias to set in the target afterwards, or None."""
        choice = str(self.then.currentData())
        if choice.startswith("stage:"):
            return Target("stage", choice.removeprefix("stage:"))
        if choice == "alias":
            return Target("alias", self.alias.text().strip().lstrip("@"))
        return None

    def _check(self, *_: object) -> None:
        problem = None
        if self.then.currentData() == "alias":
            name = self.alias.text().strip().lstrip("@")
            problem = alias_problem(name) if name else f"Allowed: {RULE}."
        self.hint.setText(problem or "")
        self.hint.setVisible(bool(problem))
        reuse = self.plan is not None and self.plan.earlier is not None
        then = self.then_target()
        self.go.setText(
            "Set it there" if reuse else "Copy and promote" if then is not None else "Copy"
        )
        self.go.setEnabled(
            self.state == "ready"
            and problem is None
            and not (reuse and then is None)
            and self._typed_ok()
        )

    def _typed_ok(self) -> bool:
        """Nothing asked, or the copy's model name typed (a Confirm target)."""
        return self.typed.isHidden() or self.typed.text() == self.name.text().strip()

    # --- the copy ------------------------------------------------------------------------------
    def start(self) -> None:
        """Copy (or reuse), then set the stage or alias; progress below, Cancel stops it."""
        plan = self.plan
        if plan is None or self.state != "ready" or not self._typed_ok():
            return
        self.state = "copying"
        self.go.setEnabled(False)
        self.name.setEnabled(False)
        self.then.setEnabled(False)
        self.alias.setEnabled(False)
        self.bar.setVisible(True)
        self.status.setText("Reading the files from " + self.source.name + "…")
        connections, source, target = self.connections, self.source, self.target
        then, stop = self.then_target(), self._stop
        record = target.record_history

        def work(token: CancelToken) -> Across:
            from modelyard.core.actions.across import promote_across

            return promote_across(
                Endpoint(connections.get(source), source.name),
                Endpoint(connections.get(target), target.name),
                plan,
                then,
                progress=token.report,
                cancelled=stop.is_set,
                record_history=record,
            )

        self.workers.submit(
            work, self._done, self._failed, "copy: run", on_progress=self._progressed
        )

    def _progressed(self, value: object) -> None:
        if not isinstance(value, CopyProgress) or self.state != "copying":
            return
        total = max(value.total_bytes, 1)
        done = value.done_bytes + (total if value.phase == "write" else 0)
        self.bar.setValue(int(1000 * done / (2 * total)))
        where = self.source.name if value.phase == "read" else self.target.name
        verb = "Reading from" if value.phase == "read" else "Writing to"
        self.status.setText(
            f"{verb} {where}: {human_bytes(value.done_bytes)} of "
            f"{human_bytes(value.total_bytes)}  {value.current}"
        )

    def _done(self, result: Across) -> None:
        self.outcome = result
        self.state = "done"
        self.bar.setValue(1000)
        v = result.version
        said = (
            f"Copied: {v.model} v{v.version} in {self.target.name}."
            if not result.reused
            else f"{self.target.name} had it already: {v.model} v{v.version}."
        )
        if result.promotion is not None:
            said += f" Now {v.stage.value}" + "".join(f" @{a}" for a in v.aliases) + "."
        if result.copied is not None and result.copied.note:
            said += " " + result.copied.note
        self.status.setText(said)
        self.cancel.setText("Close")
        self.cancel.setEnabled(True)
        self.adjustSize()
        self.copied.emit(result)

    def _failed(self, error: ModelyardError) -> None:
        self.state = "failed"
        self.bar.setVisible(False)
        kind = "Cancelled" if error.kind is ErrorKind.CANCELLED else "Not copied"
        self.status.setText(f"{kind}: {error.message}")
        set_tone(self.status, "error" if kind == "Not copied" else "")
        self.cancel.setText("Close")
        self.cancel.setEnabled(True)
        self.adjustSize()

    def _cancel_or_close(self) -> None:
        if self.state == "copying":
            self._stop.set()
            self.status.setText("Cancelling: removing what was written…")
            self.cancel.setEnabled(False)  # back as "Close" when the copy has ended
            return
        self.reject()


class Revealer(QObject):
    """Shows a version (or, with version "", a model) in the tree: the registry's listing is
    read again (``reread``; else only opened, and a row chosen meanwhile wins), then the
    model's, and the row is selected once it has arrived (given up after a minute)."""

    def __init__(
        self,
        tree: QTreeView,
        proxy: QSortFilterProxyModel,
        model: RegistryTreeModel,
        where: tuple[str, str, str],  # profile id, model, version ("": the model itself)
        parent: QObject,
        *,
        reread: bool = True,
    ) -> None:
        super().__init__(parent)
        self._tree, self._proxy, self._model, self._where = tree, proxy, model, where
        self._reread = reread
        self._model_read = False
        profile = model.profile_index(where[0])
        if reread:
            model.refresh(profile)
        tree.expand(proxy.mapFromSource(profile))
        self._timer = QTimer(self)
        self._timer.setInterval(100)
        self._timer.timeout.connect(self._try)
        self._left = REVEAL_FOR_MS // 100
        self._timer.start()

    def _find(self) -> QModelIndex:
        pid, name, version = self._where
        shown = self._model.find_version(pid, name, version) if version else QModelIndex()
        if shown.isValid():
            return self._proxy.mapFromSource(shown)
        profile = self._model.profile_index(pid)
        for row in range(self._model.rowCount(profile)):
            index = self._model.index(row, 0, profile)
            if index.data() != name:
                continue
            if not version:
                return self._proxy.mapFromSource(index)
            if not self._model_read:
                self._model_read = True  # its versions listing, read again once
                if self._reread:
                    self._model.refresh(index)
                self._tree.expand(self._proxy.mapFromSource(index))
        return QModelIndex()

    def _try(self) -> None:
        self._left -= 1
        if not self._reread and self._tree.currentIndex().isValid():
            self._timer.stop()  # restoring, but a row was chosen meanwhile: that one stands
            self.deleteLater()
            return
        index = self._find()
        if index.isValid():
            self._tree.scrollTo(index)
            choose_row(self._tree, index)
        if index.isValid() or self._left <= 0:
            self._timer.stop()
            self.deleteLater()
