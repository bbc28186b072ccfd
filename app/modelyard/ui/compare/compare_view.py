"""Two registries side by side, model by model (two versions: ``version_compare``).

Both registries are listed off the GUI thread at the same time, with progress and a Cancel;
the rows filter to the differences and export (``compare_window``); a row's versions open
side by side, and a version can be copied across.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QPushButton,
    QToolButton,
    QTreeWidgetItem,
    QWidget,
)

from modelyard.core.actions.compare import (
    STATUS_WORDS,
    ModelRow,
    RegistryComparison,
    Status,
    compare_registries,
    export_registries,
    value_differences,
    version_pairs,
)
from modelyard.core.model.domain import version_sort_key
from modelyard.core.model.errors import ModelyardError
from modelyard.core.profiles.profile import Profile
from modelyard.core.session import Connections
from modelyard.ui.common.plain import plain_tooltip
from modelyard.ui.common.workers import CancelToken, Job, WorkerPool
from modelyard.ui.compare.compare_window import CompareWindow
from modelyard.ui.compare.version_compare import VersionCompareDialog

STATUS_COLORS = {
    Status.SAME: "#64748b",
    Status.DIFFERENT: "#b45309",
    Status.ONLY_LEFT: "#1d4ed8",
    Status.ONLY_RIGHT: "#7c3aed",
}


class RegistryCompareDialog(CompareWindow):
    """Two registries, model by model; the selected model's latest version can be copied (and
    promoted) to the other side.

    Signals:
        copyAsked(source Profile, model, version, target Profile): the window asks for it.
        syncAsked(source Profile, target Profile, models): sync those models (the ones that
            differ or are only on the source's side) — the window plans it.
    """

    copyAsked = Signal(object, str, str, object)
    syncAsked = Signal(object, object, tuple)

    def __init__(
        self,
        profiles: Sequence[Profile],
        connections: Connections,
        workers: WorkerPool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            "Compare registries", ("Model", "Status", "Left", "Right", "Differences"), parent
        )
        self.connections = connections
        self.workers = workers
        self.profiles = list(profiles)
        self.comparison: RegistryComparison | None = None
        self.left = QComboBox()
        self.right = QComboBox()
        for combo in (self.left, self.right):
            combo.setMinimumContentsLength(14)
            for profile in self.profiles:
                combo.addItem(profile.name, profile.id)
        if len(self.profiles) > 1:
            self.right.setCurrentIndex(1)
        swap = QToolButton()
        swap.setText("⇄")
        swap.setToolTip("Swap left and right")
        swap.clicked.connect(self.swap)
        self.compare_button = QPushButton("Compare")
        self.compare_button.clicked.connect(self.start)
        self.controls.addWidget(QLabel("Left:"))
        self.controls.addWidget(self.left, 1)
        self.controls.addWidget(swap)
        self.controls.addWidget(QLabel("Right:"))
        self.controls.addWidget(self.right, 1)
        self.controls.addWidget(self.compare_button)
        self.compare_button.setDefault(True)  # once in the dialog: Return compares
        self.status.setText(
            "Pick two registries and press Compare: every model of either side, with what "
            "differs (latest version, Production/Staging, aliases, description, tags). "
            "Double-click a model to compare its latest versions field by field."
        )
        self.compared: tuple[Profile, Profile] | None = None
        self.version_dialogs: list[VersionCompareDialog] = []
        self.table.itemActivated.connect(self._open_versions)
        self.table.currentItemChanged.connect(self._describe)
        self.copy_left = QPushButton("◂ Copy to left…")
        self.copy_right = QPushButton("Copy to right ▸…")
        for button, direction in ((self.copy_left, "left"), (self.copy_right, "right")):
            button.setEnabled(False)
            button.clicked.connect(lambda _=False, d=direction: self.copy_selected(d))
            self.actions_row.addWidget(button)
        self.table.currentItemChanged.connect(self._copy_buttons)
        self.sync_left = QPushButton("◂ Sync differences to left…")
        self.sync_right = QPushButton("Sync differences to right ▸…")
        for button, direction in ((self.sync_left, "left"), (self.sync_right, "right")):
            button.setObjectName(f"sync-{direction}")
            button.setEnabled(False)
            button.clicked.connect(lambda _=False, d=direction: self.sync_differences(d))
            self.status_row.addWidget(button)  # beside the summary: for every differing row

    def _profile(self, combo: QComboBox) -> Profile | None:
        pid = combo.currentData()
        return next((p for p in self.profiles if p.id == pid), None)

    def swap(self) -> None:
        """Exchange the two sides (and compare again if a result is shown)."""
        a, b = self.left.currentIndex(), self.right.currentIndex()
        self.left.setCurrentIndex(b)
        self.right.setCurrentIndex(a)
        if self.comparison is not None:
            self.start()

    def start(self) -> None:
        """Compare the chosen registries off the GUI thread."""
        left, right = self._profile(self.left), self._profile(self.right)
        if left is None or right is None:
            return
        if left.id == right.id:
            self._idle("Pick two different registries.", error=True)
            return
        if self.job is not None:
            self.job.cancel()
        connections = self.connections

        def work(token: CancelToken) -> RegistryComparison:
            a, b = connections.get(left), connections.get(right)
            token.raise_if_cancelled()
            return compare_registries(a, b, token.raise_if_cancelled)

        self._busy(f"Listing {left.name} and {right.name}…")
        job: Job[Any] = self.workers.submit(
            work,
            lambda result: self._shown(job, result, (left, right)),
            lambda error: self._failed(job, error),
            f"compare {left.name} and {right.name}",
        )
        self.job = job

    def _failed(self, job: Job[Any], error: ModelyardError) -> None:
        if job is self.job:
            self._idle(f"Could not compare: {error.message}", error=True)

    def _shown(
        self, job: Job[Any], result: RegistryComparison, sides: tuple[Profile, Profile]
    ) -> None:
        if job is not self.job:
            return
        self.comparison, self.compared = result, sides
        # Both complete listings go into the registries' one state: the tree agrees with them.
        for profile, models in (
            (sides[0], [row.left for row in result.rows if row.left is not None]),
            (sides[1], [row.right for row in result.rows if row.right is not None]),
        ):
            self.connections.states.get(profile.id).read_models(models)
        self.table.setHeaderLabels(
            ["Model", "Status", result.left_name, result.right_name, "Differences"]
        )
        self.table.clear()
        items = []
        for row in result.rows:
            item = QTreeWidgetItem(
                [
                    row.name,
                    STATUS_WORDS[row.status],
                    row.side("left"),
                    row.side("right"),
                    "; ".join(row.differences),
                ]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, row.status.value)
            item.setForeground(1, QBrush(QColor(STATUS_COLORS[row.status])))
            item.setToolTip(4, plain_tooltip("\n".join(row.differences)))
            items.append(item)
        self.table.addTopLevelItems(items)
        for column, width in enumerate((200, 90, 330, 330)):
            self.table.setColumnWidth(column, width)
        first = self.table.topLevelItem(0)
        if first is not None:
            self.table.setCurrentItem(first)
        self._refilter()
        self.export_button.setEnabled(True)
        for button, direction in ((self.sync_left, "left"), (self.sync_right, "right")):
            differing = self.differences(direction)
            button.setEnabled(bool(differing))
            target = sides[0 if direction == "left" else 1].name
            button.setToolTip(
                plain_tooltip(
                    f"Plan a sync of the {len(differing)} model(s) that differ or are missing in "
                    f"{target}: the plan shows each version first."
                    if differing
                    else f"Nothing to sync: {target} has every model of the other side."
                )
            )
        self._idle(" ".join([result.summary() + ".", *result.notes]))

    def differences(self, direction: str) -> tuple[str, ...]:
        """The models a sync to ``direction`` would take: those that differ, and those only
        on the other side."""
        if self.comparison is None:
            return ()
        only = Status.ONLY_LEFT if direction == "right" else Status.ONLY_RIGHT
        return tuple(
            row.name for row in self.comparison.rows if row.status in (Status.DIFFERENT, only)
        )

    def sync_differences(self, direction: str) -> None:
        """Ask for a sync of the differing models towards ``direction``."""
        sides, models = self.compared, self.differences(direction)
        if sides is None or not models:
            return
        source, target = sides if direction == "right" else sides[::-1]
        self.syncAsked.emit(source, target, models)

    def _describe(self, item: QTreeWidgetItem | None) -> None:
        """The selected model in full below the table (the columns are cut to fit)."""
        row = None
        if item is not None and self.comparison is not None:
            row = next((r for r in self.comparison.rows if r.name == item.text(0)), None)
        if row is None or self.comparison is None:
            self.detail.hide()
            return
        color = STATUS_COLORS[row.status]
        lines = [
            f"<b>{escape(row.name)}</b> — <span style='color:{color}'>"
            f"{STATUS_WORDS[row.status]}</span>",
            f"<b>{escape(self.comparison.left_name)}</b>: {escape(row.side('left'))}",
            f"<b>{escape(self.comparison.right_name)}</b>: {escape(row.side('right'))}",
        ]
        lines += [f"• {escape(d)}" for d in row.differences]
        lines += [f"• {escape(c)} (the same version: no difference)" for c in row.copies]
        for what, a, b in value_differences(row):  # both values, in full (selectable)
            sides = "".join(
                f"<tr><td valign='top' style='padding-right:8px'><i>{escape(name)}</i></td>"
                f"<td>{_shown(value)}</td></tr>"
                for name, value in (
                    (self.comparison.left_name, a),
                    (self.comparison.right_name, b),
                )
            )
            lines.append(
                f"<b>{escape(what)}</b><table cellspacing='0' cellpadding='1' "
                f"style='margin-left:14px'>{sides}</table>"
            )
        if row.left is not None and row.right is not None:
            lines.append(
                "<i>Double-click or Enter: compare the latest versions field by field.</i>"
            )
        self.detail.setText("<br>".join(lines))
        self.detail.show()

    def _open_versions(self, item: QTreeWidgetItem) -> VersionCompareDialog | None:
        """The versions that make the difference, field by field: the first stage holder or
        alias that differs (Production before Staging before aliases), else the latest ones."""
        if self.comparison is None or self.compared is None:
            return None
        row = next((r for r in self.comparison.rows if r.name == item.text(0)), None)
        if row is None or row.left is None or row.right is None:
            self.status.setText(f"{item.text(0)} is only on one side: nothing to compare it with.")
            return None
        latest_l = max(row.left.latest_versions, key=version_sort_key, default="")
        latest_r = max(row.right.latest_versions, key=version_sort_key, default="")
        held = [(a, b) for what, a, b in version_pairs(row.left, row.right) if a and b]
        held_first = [p for p in held if p != (latest_l, latest_r)]
        if held_first:  # "Production: v3 ≠ v1": those two, not the latest
            latest_l, latest_r = held_first[0]
        if not latest_l or not latest_r:
            self.status.setText(f"{row.name} has no listed version on one side.")
            return None
        left, right = self.compared
        dialog = VersionCompareDialog(
            (left, row.name, latest_l),
            (right, row.name, latest_r),
            self.connections,
            self.workers,
            self,
        )
        dialog.model_context = "; ".join(row.differences)
        self.version_dialogs.append(dialog)
        dialog.show()
        return dialog

    def _selected_row(self) -> ModelRow | None:
        item = self.table.currentItem()
        if item is None or self.comparison is None:
            return None
        return next((r for r in self.comparison.rows if r.name == item.text(0)), None)

    def _copy_buttons(self, *_: object) -> None:
        row = self._selected_row()
        sides = self.compared
        for button, source, target in (
            (self.copy_right, row.left if row else None, 1),
            (self.copy_left, row.right if row else None, 0),
        ):
            latest = max(source.latest_versions, key=version_sort_key, default="") if source else ""
            button.setEnabled(bool(latest) and sides is not None)
            if latest and sides is not None and row is not None:
                button.setToolTip(
                    plain_tooltip(
                        f"Copy {row.name} v{latest} from {sides[1 - target].name} to "
                        f"{sides[target].name}, and set its stage or alias there if you like."
                    )
                )

    def copy_selected(self, direction: str) -> None:
        """Ask to copy the selected model's latest version to the other side."""
        row, sides = self._selected_row(), self.compared
        if row is None or sides is None:
            return
        source, target = (row.left, sides) if direction == "right" else (row.right, sides[::-1])
        if source is None:
            return
        latest = max(source.latest_versions, key=version_sort_key, default="")
        if latest:
            self.copyAsked.emit(target[0], row.name, latest, target[1])

    def _exported_text(self, fmt: str) -> str:
        assert self.comparison is not None
        return export_registries(self.comparison, fmt, self.only_differences.isChecked())

    def _suggested_name(self) -> str:
        assert self.comparison is not None
        return f"compare-{self.comparison.left_name}-{self.comparison.right_name}"


def _shown(value: str) -> str:
    """A registry value in the rich-text detail: escaped, its line breaks kept."""
    return escape(value).replace("\n", "<br>") if value else "<i>(none)</i>"
