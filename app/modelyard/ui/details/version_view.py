"""The version pane: overview, metrics with a history chart, params, lineage, signature,
history — in tabs that fit the window."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from modelyard.core.actions.serve import servable
from modelyard.core.model.domain import (
    ModelFile,
    RunDetail,
    SchemaColumn,
    VersionDetail,
    VersionSummary,
    version_sort_key,
)
from modelyard.core.reads.history import visible_tags
from modelyard.ui.details.artifacts import ArtifactsPanel
from modelyard.ui.details.charts import MetricChart
from modelyard.ui.details.history_view import HistoryView
from modelyard.ui.details.widgets import (
    Banner,
    DescriptionEditor,
    FieldForm,
    KeyValueTable,
    SectionTitle,
    TagEditor,
    when,
)
from modelyard.ui.tree.tree_model import STAGE_COLORS


def _scrolling(inner: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setWidget(inner)
    return area


def _page() -> tuple[QWidget, QVBoxLayout]:
    page = QWidget()
    page.setObjectName("detailsBody")
    layout = QVBoxLayout(page)
    layout.setContentsMargins(16, 12, 16, 12)
    layout.setSpacing(10)
    return page, layout


def _default_metric(metrics: dict[str, float]) -> str | None:
    """The metric most worth a chart: a validation metric, else a loss, else the first."""
    keys = sorted(metrics)
    for prefix in ("val_", "valid", "eval", "test_"):
        for key in keys:
            if key.startswith(prefix):
                return key
    for key in keys:
        if "loss" in key:
            return key
    return keys[0] if keys else None


class Header(QWidget):
    """Title, a coloured badge and a subtitle."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 0)
        row = QHBoxLayout()
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)  # a model name is text, not markup
        self.title.setObjectName("detailsTitle")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.badge = QLabel()
        self.badge.setObjectName("badge")
        row.addWidget(self.title)
        row.addWidget(self.badge)
        row.addStretch(1)
        self.subtitle = QLabel()
        self.subtitle.setTextFormat(Qt.TextFormat.PlainText)
        self.subtitle.setObjectName("detailsSubtitle")
        self.subtitle.setWordWrap(True)
        layout.addLayout(row)
        layout.addWidget(self.subtitle)

    def set(self, title: str, subtitle: str, badge: str = "", color: str = "#475569") -> None:
        """Update the texts."""
        self.title.setText(title)
        self.subtitle.setText(subtitle)
        self.badge.setText(badge)
        self.badge.setVisible(bool(badge))
        self.badge.setStyleSheet(f"background: {color};")


class SchemaTable(QTableWidget):
    """Name / type / required rows of a signature."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 3, parent)
        self.setHorizontalHeaderLabels(["Name", "Type", "Required"])
        self.setTabKeyNavigation(False)
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.setAlternatingRowColors(True)

    def set_columns(self, columns: Sequence[SchemaColumn]) -> None:
        """Replace the rows."""
        self.setRowCount(len(columns))
        for row, column in enumerate(columns):
            self.setItem(row, 0, QTableWidgetItem(column.name))
            self.setItem(row, 1, QTableWidgetItem(column.type))
            self.setItem(row, 2, QTableWidgetItem("yes" if column.required else "optional"))
        self.resizeRowsToContents()
        height = self.horizontalHeader().sizeHint().height() + self.verticalHeader().length() + 4
        self.setFixedHeight(min(max(height, 50), 260))


class VersionView(QWidget):
    """Everything about one model version.

    Signals:
        saveDescription(str): the user saved a new description.
        setTag(str, str): add or change a tag.
        deleteTag(str): delete a tag.
        chartRequested(): the selected metrics or compared versions changed.
        retryRequested(): the user pressed Retry after a failed load.
    """

    saveDescription = Signal(str)
    setTag = Signal(str, str)
    deleteTag = Signal(str)
    chartRequested = Signal()
    retryRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary: VersionSummary | None = None
        self.detail: VersionDetail | None = None
        self.siblings: list[VersionSummary] = []
        self.stages = True
        self.web_url: str | None = None  # the version's page in the registry's web UI
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.header = Header()
        layout.addWidget(self.header)
        self.banner = Banner()
        self.banner.actionClicked.connect(self.retryRequested)
        banner_box = QHBoxLayout()
        banner_box.setContentsMargins(16, 4, 16, 0)
        banner_box.addWidget(self.banner)
        layout.addLayout(banner_box)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("versionTabs")
        self.tabs.setDocumentMode(True)
        layout.addWidget(self.tabs, 1)

        overview, ov = _page()
        self.fields = FieldForm()
        self.description = DescriptionEditor()
        self.tags = TagEditor()
        ov.addWidget(self.fields)
        ov.addWidget(self.description)
        ov.addWidget(self.tags)
        ov.addStretch(1)
        self.description.saveRequested.connect(self.saveDescription)
        self.tags.setRequested.connect(self.setTag)
        self.tags.deleteRequested.connect(self.deleteTag)
        self.tabs.addTab(_scrolling(overview), "Overview")

        metrics_page, mp = _page()
        self.metric_table = QTableWidget(0, 2)
        self.metric_table.setObjectName("metricTable")
        self.metric_table.setTabKeyNavigation(False)
        self.metric_table.setHorizontalHeaderLabels(["Metric", "Latest value"])
        self.metric_table.verticalHeader().setVisible(False)
        self.metric_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.metric_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.metric_table.itemChanged.connect(lambda _item: self.chartRequested.emit())
        self.compare = QListWidget()
        self.compare.setObjectName("compareVersions")
        self.compare.setToolTip("Overlay the same metrics of other versions of this model")
        self.compare.itemChanged.connect(lambda _item: self.chartRequested.emit())
        top = QSplitter()
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(SectionTitle("Metrics of the source run"))
        left_layout.addWidget(self.metric_table)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(SectionTitle("Compare with"))
        right_layout.addWidget(self.compare)
        top.addWidget(left)
        top.addWidget(right)
        top.setSizes([320, 160])
        self.chart = MetricChart()
        split = QSplitter(Qt.Orientation.Vertical)
        self.metric_split = split
        split.addWidget(top)
        split.addWidget(self.chart)
        split.setSizes([220, 320])
        mp.addWidget(split, 1)
        self.tabs.addTab(metrics_page, "Metrics")

        params_page, pp = _page()
        self.params = KeyValueTable(("Param", "Value"))
        self.params.setObjectName("paramTable")
        pp.addWidget(self.params)
        pp.addStretch(1)
        self.tabs.addTab(params_page, "Params")

        lineage_page, lp = _page()
        self.lineage = FieldForm()
        lp.addWidget(self.lineage)
        lp.addStretch(1)
        self.tabs.addTab(_scrolling(lineage_page), "Lineage")

        schema_page, sp = _page()
        self.flavors = QLabel()
        self.flavors.setWordWrap(True)
        self.inputs = SchemaTable()
        self.inputs.setObjectName("inputsTable")
        self.outputs = SchemaTable()
        self.outputs.setObjectName("outputsTable")
        self.example = QPlainTextEdit()
        self.example.setObjectName("inputExample")
        self.example.setReadOnly(True)
        self.example.setMaximumHeight(140)
        sp.addWidget(self.flavors)
        sp.addWidget(SectionTitle("Inputs"))
        sp.addWidget(self.inputs)
        sp.addWidget(SectionTitle("Outputs"))
        sp.addWidget(self.outputs)
        sp.addWidget(SectionTitle("Input example"))
        sp.addWidget(self.example)
        sp.addStretch(1)
        self.tabs.addTab(_scrolling(schema_page), "Signature")

        self.artifacts = ArtifactsPanel()
        self.tabs.addTab(self.artifacts, "Artifacts")

        history_page, hp = _page()
        self.history = HistoryView()
        hp.addWidget(self.history)
        self.tabs.addTab(history_page, "History")

    # --- filling ----------------------------------------------------------------------------
    def show_summary(
        self, summary: VersionSummary, siblings: Sequence[VersionSummary], stages: bool = True
    ) -> None:
        """What the tree already knows, at once; the rest arrives with show_detail()."""
        if self.summary is None or (self.summary.model, self.summary.version) != (
            summary.model,
            summary.version,
        ):
            self.artifacts.reset(summary)
        self.summary = summary
        self.detail = None
        self.siblings = [s for s in siblings if s.version != summary.version]
        self.stages = stages  # a registry without stages (Unity Catalog) shows none
        self.header.set(
            f"{summary.model}  v{summary.version}",
            "Model version" + (f" · @{', @'.join(summary.aliases)}" if summary.aliases else ""),
            summary.stage.value if stages else "",
            STAGE_COLORS[summary.stage],
        )
        self._fill_overview(summary, None)
        self.description.set_text(summary.description)
        self.tags.set_tags(visible_tags(summary.tags))
        self._fill_metrics(None)
        self.params.set_items({})
        self.lineage.set_rows([("Run", summary.run_id), ("Registered from", summary.source)])
        self._fill_schema(None)
        self.history.set_events(())
        self.banner.show_message("Loading run, signature and history…", "busy")

    def show_detail(self, detail: VersionDetail) -> None:
        """The full detail, fresh from the registry."""
        self.show_summary(detail.version, self.siblings, self.stages)
        self.detail = detail
        self._fill_overview(detail.version, detail.run)
        self._fill_metrics(detail.run, detail.model_metrics)
        self.params.set_items(dict(detail.run.params) if detail.run else {}, max_height=2000)
        self._fill_lineage(detail)
        self._fill_schema(detail.model_file)
        self.history.set_events(detail.history)
        self.artifacts.set_servable(*servable(detail.model_file))
        if detail.problems:
            self.banner.show_message("\n".join(detail.problems), "notice")
        else:
            self.banner.hide()

    def show_error(self, message: str) -> None:
        """A failed load: say why, offer Retry; what is shown stays."""
        self.banner.show_message(message, "error", "Retry")

    def _fill_overview(self, v: VersionSummary, run: RunDetail | None) -> None:
        self.fields.set_rows(
            [
                *([("Stage", v.stage.value)] if self.stages else []),
                ("Aliases", ", ".join(v.aliases)),
                ("Status", v.status),
                ("Created", when(v.created)),
                ("Updated", when(v.updated)),
                ("Creator", v.creator),
                ("Source run", v.run_id + (f"  ({run.name})" if run and run.name else "")),
                ("Model URI", v.uri),
                *([("Web UI", self.web_url)] if self.web_url else []),
            ],
            copyable=("Model URI", "Source run"),
            openable=("Web UI",),
        )

    def _fill_metrics(
        self, run: RunDetail | None, model_metrics: Mapping[str, float] | None = None
    ) -> None:
        self.metric_table.blockSignals(True)
        metrics = dict(run.metrics) if run else {}
        own = dict(model_metrics or {})
        self.metric_table.setRowCount(len(metrics) + len(own))
        default = _default_metric(metrics)
        for row, (key, value) in enumerate(sorted(metrics.items())):
            item = QTableWidgetItem(key)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            checked = Qt.CheckState.Checked if key == default else Qt.CheckState.Unchecked
            item.setCheckState(checked)
            self.metric_table.setItem(row, 0, item)
            self.metric_table.setItem(row, 1, QTableWidgetItem(f"{value:.6g}"))
        for offset, (key, value) in enumerate(sorted(own.items())):
            item = QTableWidgetItem(f"{key}  (logged model)")
            item.setToolTip("A metric of the MLflow 3 logged model this version came from")
            self.metric_table.setItem(len(metrics) + offset, 0, item)
            self.metric_table.setItem(len(metrics) + offset, 1, QTableWidgetItem(f"{value:.6g}"))
        self.metric_table.blockSignals(False)
        self.compare.blockSignals(True)
        self.compare.clear()
        for sibling in sorted(self.siblings, key=lambda s: version_sort_key(s.version)):
            if not sibling.run_id:
                continue
            label = f"v{sibling.version}  {sibling.stage.value}"
            entry = QListWidgetItem(label)
            entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            entry.setCheckState(Qt.CheckState.Unchecked)
            entry.setData(Qt.ItemDataRole.UserRole, sibling)
            self.compare.addItem(entry)
        self.compare.blockSignals(False)
        if run is None:
            self.chart.set_histories({})

    def _fill_lineage(self, detail: VersionDetail) -> None:
        v, run, mf = detail.version, detail.run, detail.model_file
        rows = [
            ("Experiment", f"{run.experiment_name} ({run.experiment_id})" if run else "—"),
            ("Run", f"{run.name} · {run.run_id}" if run else v.run_id or "—"),
            ("Run status", (run.status + (" · deleted" if run.deleted else "")) if run else "—"),
            ("Run by", run.user if run else "—"),
            ("Started", when(run.start) if run else "—"),
            ("Ended", when(run.end) if run else "—"),
            ("Registered from", v.source),
            ("Run artifacts", run.artifact_uri if run else "—"),
        ]
        copied = v.tags.get("modelyard.copied_from")
        if copied:
            rows.append(("Copied from", copied))
        if mf:
            rows.append(("Logged with MLflow", mf.mlflow_version))
            rows.append(("Model UUID", mf.model_uuid))
        self.lineage.set_rows(rows, copyable=("Run", "Registered from"))

    def _fill_schema(self, mf: ModelFile | None) -> None:
        if mf is None:
            self.flavors.setText("Flavors: —")
            self.inputs.set_columns(())
            self.outputs.set_columns(())
            self.example.setPlainText("")
            return
        self.flavors.setText("Flavors: " + (", ".join(mf.flavors) or "—"))
        self.inputs.set_columns(mf.inputs)
        self.outputs.set_columns(mf.outputs)
        self.example.setPlainText(mf.input_example or "No input example was logged.")

    # --- chart selection --------------------------------------------------------------------
    def selected_metrics(self) -> list[str]:
        """Metric keys whose boxes are ticked."""
        keys = []
        for row in range(self.metric_table.rowCount()):
            item = self.metric_table.item(row, 0)
            if item is not None and item.checkState() == Qt.CheckState.Checked:
                keys.append(item.text())
        return keys

    def compared_versions(self) -> list[VersionSummary]:
        """Other versions ticked for comparison."""
        out = []
        for row in range(self.compare.count()):
            item = self.compare.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(item.data(Qt.ItemDataRole.UserRole))
        return out

    def set_busy(self, busy: bool) -> None:
        """Disable editing while a write is in flight."""
        self.description.set_busy(busy)
        self.tags.set_busy(busy)
