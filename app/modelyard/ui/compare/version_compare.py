"""Two versions side by side, field by field (of one model, or of two registries)."""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QLabel, QTreeWidgetItem, QWidget

from modelyard.core.actions.compare import FieldRow, Status, compare_versions, export_versions
from modelyard.core.model.domain import VersionDetail
from modelyard.core.model.errors import ModelyardError
from modelyard.core.profiles.profile import Profile
from modelyard.core.reads.details import load_version_detail
from modelyard.core.session import Connections
from modelyard.ui.common.plain import plain_tooltip
from modelyard.ui.common.screen_fit import fit_size
from modelyard.ui.common.theme import tone_color
from modelyard.ui.common.workers import CancelToken, Job, WorkerPool
from modelyard.ui.compare.compare_window import CompareWindow


class VersionCompareDialog(CompareWindow):
    """Two versions (of one model or of two registries), field by field."""

    def __init__(
        self,
        left: tuple[Profile, str, str],
        right: tuple[Profile, str, str],
        connections: Connections,
        workers: WorkerPool,
        parent: QWidget | None = None,
    ) -> None:
        (lp, lm, lv), (rp, rm, rv) = left, right
        self.model_context = ""  # what differs between the models, when opened from them
        self.left_title = f"{lm} v{lv}" if lp.id == rp.id else f"{lp.name}: {lm} v{lv}"
        self.right_title = f"{rm} v{rv}" if lp.id == rp.id else f"{rp.name}: {rm} v{rv}"
        super().__init__(
            f"Compare {self.left_title} and {self.right_title}",
            ("Section", "Field", self.left_title, self.right_title, "Change"),
            parent,
        )
        fit_size(self, QSize(900, 640))
        heading = QLabel(f"<b>{escape(self.left_title)}</b> ↔ <b>{escape(self.right_title)}</b>")
        heading.setObjectName("compareHeading")
        self.controls.addWidget(heading, 1)
        self.rows: list[FieldRow] = []
        self.only_differences.setChecked(True)

        def work(token: CancelToken) -> tuple[VersionDetail, VersionDetail]:
            a = load_version_detail(connections.get(lp), lm, lv)
            token.raise_if_cancelled()
            return a, load_version_detail(connections.get(rp), rm, rv)

        self._busy(f"Reading {self.left_title} and {self.right_title}…")
        job: Job[Any] = workers.submit(
            work,
            lambda details: self._shown(job, *details),
            lambda error: self._failed(job, error),
            f"compare {self.left_title} and {self.right_title}",
        )
        self.job = job

    def _failed(self, job: Job[Any], error: ModelyardError) -> None:
        if job is self.job:
            self._idle(f"Could not compare: {error.message}", error=True)

    def _shown(self, job: Job[Any], a: VersionDetail, b: VersionDetail) -> None:
        if job is not self.job:
            return
        self.rows = compare_versions(a, b)
        self.table.clear()
        items = []
        for row in self.rows:
            item = QTreeWidgetItem([row.section, row.name, row.left, row.right, row.note])
            item.setData(0, Qt.ItemDataRole.UserRole, row.status.value)
            if row.status is Status.DIFFERENT:
                for column in (2, 3):
                    item.setForeground(column, QBrush(tone_color("warning")))
            if row.better is not None:  # green: improved; red: got worse (loss going up)
                item.setForeground(4, QBrush(tone_color("better" if row.better else "worse")))
            for column in range(5):
                item.setToolTip(column, plain_tooltip(item.text(column)))
            items.append(item)
        self.table.addTopLevelItems(items)
        for column, width in enumerate((70, 150, 235, 235)):
            self.table.setColumnWidth(column, width)
        self._refilter()
        self.export_button.setEnabled(True)
        different = sum(r.status is Status.DIFFERENT for r in self.rows)
        problems = " ".join((*a.problems, *b.problems))
        said = f"{different} of {len(self.rows)} fields differ."
        if not different:
            said = f"These two versions are the same in all {len(self.rows)} fields." + (
                f" The models differ elsewhere: {self.model_context}." if self.model_context else ""
            )
        self._idle(said + (f" Note: {problems}" if problems else ""))

    def _exported_text(self, fmt: str) -> str:
        return export_versions(
            self.left_title, self.right_title, self.rows, fmt, self.only_differences.isChecked()
        )

    def _suggested_name(self) -> str:
        return f"compare-{self.left_title}-{self.right_title}".replace(" ", "-").replace(":", "")
