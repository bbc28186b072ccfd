"""Metric-history charts (QtCharts): one plot per metric, one colour per version across plots.

Each plot has its metric's name on the y axis and "step" on the x axis, with nice tick values.
One legend above the plots names the versions by colour (it always fits). Hovering a line
reads out (version, metric, step, value) of the nearest logged point. Zoom with the mouse wheel
or a dragged rectangle, pan with the middle button or the arrow keys, reset with the button, 0
or Home (+/- zoom by keyboard). "Save as PNG…" saves the plots with their legend.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCharts import QChart, QChartView, QLineSeries, QScatterSeries, QValueAxis
from PySide6.QtCore import QMargins, QPoint, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QCursor,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPen,
    QPixmap,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from modelyard.core.actions.board import format_metric
from modelyard.core.model.domain import MetricPoint
from modelyard.ui.common.theme import is_dark

PALETTE = ("#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#4b5563")
SEPARATOR = " · "  # the pane names a history "v4 · val_accuracy"


def version_color(version: str) -> str:
    """A version's colour, the same whatever else is plotted beside it (it was its place in
    the list, so adding a version changed the others' colours)."""
    digits = re.sub(r"\D", "", version)
    index = int(digits) if digits else sum(map(ord, version))
    return PALETTE[index % len(PALETTE)]


ZOOM_STEP = 1.25
PAN_PIXELS = 40


def split_name(name: str) -> tuple[str, str]:
    """("v4", "val_accuracy") from "v4 · val_accuracy" (a bare name is its own metric)."""
    version, sep, metric = name.partition(SEPARATOR)
    return (version, metric) if sep else ("", name)


def _version_key(label: str) -> tuple[int, str]:
    digits = re.sub(r"\D", "", label)
    return (int(digits) if digits else -1, label)


class MetricPlot(QChartView):
    """One metric's histories: zoom (wheel, rubber band, +/-), pan (middle drag, arrows).

    Signals:
        hovered(str, str, float, float): version, metric, step and value of the nearest point;
            empty version when the mouse left the line.
    """

    hovered = Signal(str, str, float, float)

    def __init__(self, metric: str, parent: QWidget | None = None) -> None:
        self.chart_ = QChart()
        super().__init__(self.chart_, parent)
        self.metric_name = metric
        self.setObjectName("metricPlot")
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setRubberBand(QChartView.RubberBand.RectangleRubberBand)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(220, 180)
        self.chart_.legend().hide()  # one shared legend names the versions
        self.chart_.setMargins(QMargins(2, 2, 6, 2))
        self.chart_.setBackgroundRoundness(4)
        self.chart_.setTitle(metric)
        self.x_axis = QValueAxis()
        self.x_axis.setTitleText("step")
        self.x_axis.setLabelFormat("%g")
        self.y_axis = QValueAxis()
        self.y_axis.setTitleText(metric)
        self.y_axis.setLabelFormat("%.4g")
        self.chart_.addAxis(self.x_axis, Qt.AlignmentFlag.AlignBottom)
        self.chart_.addAxis(self.y_axis, Qt.AlignmentFlag.AlignLeft)
        self.points: dict[str, list[tuple[float, float]]] = {}  # version -> (step, value)
        self.colors: dict[str, str] = {}
        self._panning: QPoint | None = None
        # The point read out, marked on its curve (the read-out is shown at the pointer).
        self.marker = QScatterSeries()
        self.marker.setMarkerSize(11.0)
        self.marker.setBorderColor(QColor("#f8fafc"))
        self.chart_.addSeries(self.marker)
        self.marker.attachAxis(self.x_axis)
        self.marker.attachAxis(self.y_axis)
        self.marker.setVisible(False)
        # After a zoom or pan the ticks are nice numbers again, and few enough to read.
        self._tidying = False
        for axis in (self.x_axis, self.y_axis):
            axis.rangeChanged.connect(lambda *_: QTimer.singleShot(0, self, self._tidy))
        self._fitted = self._ranges()
        if is_dark():
            self.chart_.setTheme(QChart.ChartTheme.ChartThemeDark)

    def add(self, version: str, points: Sequence[MetricPoint], color: str) -> None:
        """One version's history of this metric, in the version's colour."""
        series = QLineSeries()
        series.setName(f"{version}{SEPARATOR}{self.metric_name}")
        self.colors[version] = color
        pen = QPen(QColor(color))
        pen.setWidthF(2.0)
        series.setPen(pen)
        pairs = [(float(p.step), float(p.value)) for p in points]
        series.append([QPointF(x, y) for x, y in pairs])
        series.setPointsVisible(len(pairs) < 30)
        self.chart_.addSeries(series)
        series.attachAxis(self.x_axis)
        series.attachAxis(self.y_axis)
        self.points[version] = pairs
        series.hovered.connect(
            lambda point, state, v=version: self.read_out(v, point.x() if state else None)
        )

    def fit(self) -> None:
        """Axes around all points, with nice tick values."""
        xs = [x for pairs in self.points.values() for x, _ in pairs]
        ys = [y for pairs in self.points.values() for _, y in pairs]
        if not xs:
            return
        first, last = min(xs), max(xs)
        self.x_axis.setRange(first, max(last, first + 1.0))
        low, high = min(ys), max(ys)
        pad = (high - low) * 0.05 or abs(high) * 0.05 or 1.0
        self.y_axis.setRange(low - pad, high + pad)
        self.x_axis.applyNiceNumbers()
        self.y_axis.applyNiceNumbers()
        self._fitted = self._ranges()

    def _tidy(self) -> None:
        """Nice tick values for the range shown, as many as the plot has room for."""
        if self._tidying:
            return
        self._tidying = True
        try:
            self.x_axis.setTickCount(max(3, min(7, self.width() // 110)))
            self.y_axis.setTickCount(max(3, min(7, self.height() // 55)))
            self.x_axis.applyNiceNumbers()
            self.y_axis.applyNiceNumbers()
        finally:
            self._tidying = False

    def resizeEvent(self, event: QResizeEvent) -> None:  # overrides QChartView
        """Tick counts follow the plot's size."""
        super().resizeEvent(event)
        QTimer.singleShot(0, self, self._tidy)

    def _ranges(self) -> tuple[float, float, float, float]:
        return (self.x_axis.min(), self.x_axis.max(), self.y_axis.min(), self.y_axis.max())

    def read_out(self, version: str, step: float | None) -> None:
        """Emit the logged point of ``version`` nearest to ``step`` (None: left the line)."""
        pairs = self.points.get(version, [])
        if step is None or not pairs:
            self.marker.setVisible(False)
            QToolTip.hideText()
            self.hovered.emit("", self.metric_name, 0.0, 0.0)
            return
        x, y = min(pairs, key=lambda pair: abs(pair[0] - step))
        self.marker.replace([QPointF(x, y)])
        self.marker.setColor(QColor(self.colors.get(version, "#2563eb")))
        self.marker.setVisible(True)
        QToolTip.showText(
            QCursor.pos() + QPoint(12, 12),
            f"{version} · {self.metric_name}\nstep {x:g}: {format_metric(y, 6)}",
            self,
        )
        self.hovered.emit(version, self.metric_name, x, y)

    # zoom and pan -----------------------------------------------------------------------------
    def wheelEvent(self, event: QWheelEvent) -> None:  # overrides QGraphicsView
        """Zoom in or out around the plot's centre."""
        delta = event.angleDelta().y()
        if delta:
            self.chart_.zoom(ZOOM_STEP if delta > 0 else 1 / ZOOM_STEP)
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # overrides QChartView
        """The middle button pans."""
        if event.button() == Qt.MouseButton.MiddleButton:
            self._panning = event.position().toPoint()
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # overrides QChartView
        """Pan while the middle button is down."""
        if self._panning is not None:
            now = event.position().toPoint()
            moved = now - self._panning
            self.chart_.scroll(-moved.x(), moved.y())
            self._panning = now
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # overrides QChartView
        """End a pan."""
        if event.button() == Qt.MouseButton.MiddleButton:
            self._panning = None
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # overrides QGraphicsView
        """+/- zoom, arrows pan, 0 or Home resets."""
        key = event.key()
        pans = {
            Qt.Key.Key_Left: (-PAN_PIXELS, 0),
            Qt.Key.Key_Right: (PAN_PIXELS, 0),
            Qt.Key.Key_Up: (0, PAN_PIXELS),
            Qt.Key.Key_Down: (0, -PAN_PIXELS),
        }
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.chart_.zoom(ZOOM_STEP)
        elif key == Qt.Key.Key_Minus:
            self.chart_.zoom(1 / ZOOM_STEP)
        elif key in (Qt.Key.Key_0, Qt.Key.Key_Home):
            self.reset()
        elif key in pans:
            self.chart_.scroll(*pans[Qt.Key(key)])
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def reset(self) -> None:
        """Back to all points."""
        self.chart_.zoomReset()
        self.fit()

    def zoomed(self) -> bool:
        """Whether the view shows less (or other) than all points."""
        return self._ranges() != self._fitted


class MetricChart(QWidget):
    """Plots of named metric histories ("v4 · val_accuracy"), a legend, a read-out, tools."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("metricChart")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        tools = QHBoxLayout()
        self.legend = QLabel()
        self.legend.setObjectName("chartLegend")
        self.legend.setTextFormat(Qt.TextFormat.RichText)  # built from escaped version labels
        self.legend.setWordWrap(True)
        tools.addWidget(self.legend, 1)
        self.reset_button = QPushButton("Reset zoom")
        self.reset_button.setToolTip("Show all points again (0 or Home in a plot)")
        self.reset_button.clicked.connect(self.reset_zoom)
        self.save_button = QPushButton("Save as PNG…")
        self.save_button.clicked.connect(self.save_png)
        tools.addWidget(self.reset_button)
        tools.addWidget(self.save_button)
        layout.addLayout(tools)
        self.hint = QLabel(
            "Wheel or drag a rectangle to zoom, middle button or arrows to pan, "
            "right-click to zoom out."
        )
        self.hint.setObjectName("muted")
        self.hint.setWordWrap(True)
        self.readout = QLabel()
        self.readout.setObjectName("chartReadout")
        self.readout.setTextFormat(Qt.TextFormat.PlainText)
        self.readout.setStyleSheet("font-weight: 600;")
        self.readout.hide()
        status = QHBoxLayout()
        status.addWidget(self.hint, 1)
        status.addWidget(self.readout, 1)
        layout.addLayout(status)
        self.grid = QGridLayout()
        self.grid.setSpacing(6)
        self.plots_area = QWidget()
        self.plots_area.setLayout(self.grid)
        layout.addWidget(self.plots_area, 1)
        self.empty = QLabel("Select metrics (and versions) to plot.")
        self.empty.setObjectName("placeholder")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.empty, 1)
        self.plots: dict[str, MetricPlot] = {}
        self.colors: dict[str, str] = {}
        self.series_points: dict[str, list[tuple[float, float]]] = {}
        self.choose_path: Callable[[str], str] = self._ask_path
        self.set_histories({})

    def set_histories(self, histories: dict[str, Sequence[MetricPoint]]) -> None:
        """Replace the plots; keys are names such as "v4 · val_accuracy"."""
        for plot in self.plots.values():
            plot.setParent(None)
            plot.deleteLater()
        self.plots, self.series_points = {}, {}
        by_metric: dict[str, dict[str, Sequence[MetricPoint]]] = {}
        for name, points in histories.items():
            version, metric = split_name(name)
            by_metric.setdefault(metric, {})[version] = points
            self.series_points[name] = [(float(p.step), float(p.value)) for p in points]
        versions = sorted({split_name(n)[0] for n in histories}, key=_version_key, reverse=True)
        self.colors = {v: version_color(v) for v in versions}
        columns = 1 if len(by_metric) == 1 else 2
        for index, (metric, lines) in enumerate(by_metric.items()):
            plot = MetricPlot(metric)
            for version in sorted(lines, key=_version_key, reverse=True):
                plot.add(version, lines[version], self.colors[version])
            plot.fit()
            plot.hovered.connect(self._hovered)
            self.grid.addWidget(plot, *divmod(index, columns))
            self.plots[metric] = plot
        self.legend.setText(
            "   ".join(
                f'<span style="color:{self.colors[v]}; font-size:14px">■</span> {_escape(v)}'
                for v in versions
                if v
            )
        )
        shown = bool(histories)
        self.plots_area.setVisible(shown)
        self.empty.setVisible(not shown)
        for widget in (self.reset_button, self.save_button, self.hint):
            widget.setEnabled(shown)
        self._say("")

    def _say(self, text: str) -> None:
        """The read-out line (in place of the hint while it says something)."""
        self.readout.setText(text)
        self.readout.setVisible(bool(text))
        self.hint.setVisible(not text)

    def _hovered(self, version: str, metric: str, step: float, value: float) -> None:
        if not version:
            self._say("")
            return
        self._say(f"{version} · {metric} — step {step:g}: {format_metric(value, 6)}")

    def reset_zoom(self) -> None:
        """Every plot back to all of its points."""
        for plot in self.plots.values():
            plot.reset()

    def image(self) -> QPixmap:
        """The legend and the plots as one picture."""
        return self.grab()

    def save_png(self) -> Path | None:
        """Ask where, then save the plots as a PNG; returns where it was saved."""
        chosen = self.choose_path("metrics.png")
        if not chosen:
            return None
        path = Path(chosen if chosen.lower().endswith(".png") else f"{chosen}.png")
        if not self.image().save(str(path), "PNG"):
            self._say(f"Could not save {path}.")
            return None
        self._say(f"Saved {path}.")
        return path

    def _ask_path(self, suggested: str) -> str:
        path, _filter = QFileDialog.getSaveFileName(
            self, "Save chart as PNG", str(Path.home() / suggested), "PNG images (*.png)"
        )
        return path


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
