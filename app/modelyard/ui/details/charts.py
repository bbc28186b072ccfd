"""Metric-history chart (QtCharts): steps on x, values on y, one line per version and metric."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCharts import QChart, QChartView, QLineSeries, QValueAxis
from PySide6.QtCore import QMargins, QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QWidget

from modelyard.core.domain import MetricPoint

PALETTE = ("#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#4b5563")


class MetricChart(QChartView):
    """Shows any number of named metric histories."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self._chart = QChart()
        super().__init__(self._chart, parent)
        self.setObjectName("metricChart")
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(240)
        self._chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self._chart.setMargins(QMargins(4, 4, 4, 4))
        self._chart.setBackgroundRoundness(4)
        self.x_axis = QValueAxis()
        self.x_axis.setTitleText("step")
        self.x_axis.setLabelFormat("%d")
        self.y_axis = QValueAxis()
        self.y_axis.setTitleText("value")
        self._chart.addAxis(self.x_axis, Qt.AlignmentFlag.AlignBottom)
        self._chart.addAxis(self.y_axis, Qt.AlignmentFlag.AlignLeft)
        self.series_points: dict[str, list[tuple[float, float]]] = {}
        self.set_histories({})

    def set_histories(self, histories: dict[str, Sequence[MetricPoint]]) -> None:
        """Replace the lines; keys are legend names such as "v4 · val_accuracy"."""
        self._chart.removeAllSeries()
        self.series_points = {}
        xs: list[float] = []
        ys: list[float] = []
        for index, (name, points) in enumerate(histories.items()):
            series = QLineSeries()
            series.setName(name)
            pen = QPen(QColor(PALETTE[index % len(PALETTE)]))
            pen.setWidthF(2.0)
            series.setPen(pen)
            pairs = [(float(p.step), float(p.value)) for p in points]
            series.append([QPointF(x, y) for x, y in pairs])
            if len(pairs) == 1:
                series.setPointsVisible(True)
            self._chart.addSeries(series)
            series.attachAxis(self.x_axis)
            series.attachAxis(self.y_axis)
            self.series_points[name] = pairs
            xs += [x for x, _ in pairs]
            ys += [y for _, y in pairs]
        if xs:
            first, last = min(xs), max(xs)
            span = max(1.0, last - first)
            self.x_axis.setRange(first, first + span)
            self.x_axis.setTickCount(int(span) + 1 if span < 6 else 6)
            if span >= 6:
                self.x_axis.applyNiceNumbers()
            low, high = min(ys), max(ys)
            pad = (high - low) * 0.08 or abs(high) * 0.1 or 1.0
            self.y_axis.setRange(low - pad, high + pad)
        else:
            self.x_axis.setRange(0, 1)
            self.y_axis.setRange(0, 1)
        self._chart.setTitle("" if histories else "Select metrics (and versions) to plot")
