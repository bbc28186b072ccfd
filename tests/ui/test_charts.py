"""Metric charts on the demo registry: a plot per metric with its name on the axis, one colour
per version across plots, a hover read-out of the nearest logged point, zoom/pan and reset by
mouse wheel and keyboard, Save as PNG."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCharts import QLineSeries
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QWheelEvent
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from modelyard.core.profiles.profile import Profile, ProfileStore
from tests.conftest import save_artifact
from tests.helpers.values import some
from tests.helpers.window import open_window, select_model, select_version


def series_of(plot: object) -> list[QLineSeries]:
    return [s for s in plot.chart_.series() if isinstance(s, QLineSeries)]  # type: ignore[attr-defined]


def test_plot_per_metric_readout_zoom_and_save(
    qtbot: QtBot, demo_profile: Profile, store: ProfileStore, tmp_path: Path
) -> None:
    window = open_window(qtbot, store)
    select_model(qtbot, window, "demo", "churn-classifier")
    select_version(qtbot, window, "4")
    view = window.details.version_view
    view.tabs.setCurrentIndex(1)
    chart = view.chart
    qtbot.waitUntil(lambda: list(chart.plots) == ["val_accuracy"], timeout=30_000)
    rows = {
        some(view.metric_table.item(r, 0)).text(): r for r in range(view.metric_table.rowCount())
    }
    some(view.metric_table.item(rows["train_loss"], 0)).setCheckState(Qt.CheckState.Checked)
    some(view.compare.item(0)).setCheckState(Qt.CheckState.Checked)  # v1
    qtbot.waitUntil(lambda: len(chart.series_points) == 4, timeout=30_000)
    qtbot.waitUntil(window.workers.is_idle, timeout=30_000)
    qtbot.waitUntil(lambda: all(p.isVisible() and p.width() > 200 for p in chart.plots.values()))
    assert set(chart.plots) == {"val_accuracy", "train_loss"}  # one plot per metric
    loss = chart.plots["train_loss"]
    assert (loss.y_axis.titleText(), loss.x_axis.titleText()) == ("train_loss", "step")
    # One colour per version, the same in every plot; the legend names them.
    for plot in chart.plots.values():
        colours = {s.name().split(" · ")[0]: s.pen().color().name() for s in series_of(plot)}
        assert colours == {"v4": chart.colors["v4"], "v1": chart.colors["v1"]}
    assert chart.colors["v4"] != chart.colors["v1"]
    assert "v4" in chart.legend.text() and "v1" in chart.legend.text()
    # Nice ticks: the axis range starts and ends on round numbers.
    accuracy = chart.plots["val_accuracy"]
    assert round(accuracy.y_axis.min(), 6) * 10 == round(accuracy.y_axis.min() * 10)

    # Hover read-out: the nearest logged point of that version.
    v4_loss = next(s for s in series_of(loss) if s.name() == "v4 · train_loss")
    step, value = chart.series_points["v4 · train_loss"][3]
    v4_loss.hovered.emit(QPointF(step + 0.3, value), True)
    assert chart.readout.text().startswith(f"v4 · train_loss — step {step:g}: ")
    v4_loss.hovered.emit(QPointF(step, value), False)
    assert chart.readout.text() == ""

    # Zoom by wheel and keyboard, pan by arrows, reset.
    before = (accuracy.x_axis.min(), accuracy.x_axis.max())
    accuracy.wheelEvent(
        QWheelEvent(
            QPointF(50, 50),
            QPointF(50, 50),
            QPoint(0, 0),
            QPoint(0, 120),
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
            Qt.ScrollPhase.NoScrollPhase,
            False,
        )
    )
    assert accuracy.zoomed()
    zoomed = accuracy.x_axis.max() - accuracy.x_axis.min()
    assert zoomed < before[1] - before[0]
    QTest.keyClick(accuracy, Qt.Key.Key_Right)
    assert accuracy.x_axis.min() > before[0]
    QTest.keyClick(accuracy, Qt.Key.Key_Plus)
    assert accuracy.x_axis.max() - accuracy.x_axis.min() < zoomed
    chart.reset_button.click()
    assert (accuracy.x_axis.min(), accuracy.x_axis.max()) == before
    QTest.keyClick(loss, Qt.Key.Key_Minus)
    QTest.keyClick(loss, Qt.Key.Key_Home)
    assert not loss.zoomed()

    chart.choose_path = lambda suggested: str(tmp_path / "chart")
    saved = chart.save_png()
    assert saved == tmp_path / "chart.png"
    image = QImage(str(saved))
    assert not image.isNull() and image.width() == chart.width()
    window.grab().save(str(save_artifact("metric-charts.png")))
    window.close()


def test_colours_stay_ticks_stay_nice_after_zoom_and_the_readout_marks_the_point(
    qtbot: QtBot,
) -> None:
    """#23.10: after zooming, ticks showed raw values crowding each other ("7.00589 9.07892");
    a version's colour changed when other versions were added; the read-out had no marker."""
    from modelyard.core.model.domain import MetricPoint
    from modelyard.ui.details.charts import MetricChart

    chart = MetricChart()
    qtbot.addWidget(chart)
    chart.resize(700, 420)
    chart.show()
    t0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    history = [
        MetricPoint(step=s, value=0.3 + s / 97, timestamp=t0 + timedelta(seconds=s))
        for s in range(40)
    ]
    chart.set_histories({"v4 · acc": history})
    alone = chart.colors["v4"]
    chart.set_histories({"v5 · acc": history, "v4 · acc": history, "v1 · acc": history})
    assert chart.colors["v4"] == alone  # the same colour whatever is plotted beside it
    plot = chart.plots["acc"]
    qtbot.waitUntil(lambda: plot.width() > 300)
    for _ in range(3):
        plot.chart_.zoom(1.37)

    def nice(low: float, high: float, ticks: int) -> bool:
        step = (high - low) / (ticks - 1)
        mantissa = step / 10 ** math.floor(math.log10(step))
        return any(abs(mantissa - m) < 1e-6 for m in (1, 2, 2.5, 5, 10))

    qtbot.waitUntil(
        lambda: (
            nice(plot.x_axis.min(), plot.x_axis.max(), plot.x_axis.tickCount())
            and nice(plot.y_axis.min(), plot.y_axis.max(), plot.y_axis.tickCount())
        )
    )
    assert plot.x_axis.tickCount() <= 7 and plot.y_axis.tickCount() <= 7
    plot.read_out("v4", 10.2)
    assert plot.marker.isVisible() and plot.marker.count() == 1
    assert plot.marker.at(0) == QPointF(10.0, 0.3 + 10 / 97)
    plot.read_out("v4", None)
    assert not plot.marker.isVisible()
