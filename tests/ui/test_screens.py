"""The screens #15 asks to look at, at 1600×1000 and 1024×700 on the demo registry: the board,
the metric charts, a file preview, the tree's menu, a comparison difference. Each is saved
(tests/_artifacts/screen-<name>-<size>.png) and checked for what cramping would break."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from modelyard.core.connectors import open_registry
from modelyard.core.profiles.profile import Profile, ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from modelyard.ui.board.cards import CARD_ROLE
from modelyard.ui.compare.compare_view import RegistryCompareDialog
from tests.conftest import save_artifact
from tests.helpers.menus import grab_with_popups, item, open_menu_by_key, submenu
from tests.helpers.values import some
from tests.helpers.window import open_window, select_model, select_version

SIZES = [(1600, 1000), (1024, 700)]


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_screens_at_both_sizes(
    qtbot: QtBot,
    demo_profile: Profile,
    prod_profile: Profile,
    store: ProfileStore,
    secrets: SecretStore,
    width: int,
    height: int,
) -> None:
    size = f"{width}x{height}"
    prod = open_registry(prod_profile, secrets)
    try:
        prod.set_model_description("churn-classifier", "Churn model — retrained weekly (prod).")
    finally:
        prod.close()
    window = open_window(qtbot, store)
    window.resize(width, height)
    select_model(qtbot, window, "demo", "churn-classifier")
    view = window.details.model_view
    board = view.board
    view.tabs.setCurrentWidget(board)
    qtbot.waitUntil(lambda: board.metric_box.count() > 0, timeout=60_000)
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    # Cards are at least as tall as their wrapped text needs (nothing cut off).
    for lane in board.stage_lanes.values():
        for row in range(lane.count()):
            card = lane.item(row).data(CARD_ROLE)
            assert lane.visualItemRect(lane.item(row)).height() >= 3 * lane.fontMetrics().height()
            assert card.text()
    window.grab().save(str(save_artifact(f"screen-board-{size}.png")))

    select_version(qtbot, window, "4")
    version = window.details.version_view
    version.tabs.setCurrentIndex(1)
    rows = {
        some(version.metric_table.item(r, 0)).text(): r
        for r in range(version.metric_table.rowCount())
    }
    some(version.metric_table.item(rows["train_loss"], 0)).setCheckState(Qt.CheckState.Checked)
    some(version.compare.item(0)).setCheckState(Qt.CheckState.Checked)
    qtbot.waitUntil(lambda: len(version.chart.series_points) == 4, timeout=30_000)
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    for plot in version.chart.plots.values():
        assert plot.height() >= 180 and plot.width() >= 220  # readable plots at this size
    window.grab().save(str(save_artifact(f"screen-chart-{size}.png")))

    version.tabs.setCurrentWidget(version.artifacts)
    panel = version.artifacts
    qtbot.waitUntil(lambda: panel.tree.topLevelItemCount() > 0, timeout=30_000)
    mlmodel = next(
        some(panel.tree.topLevelItem(i))
        for i in range(panel.tree.topLevelItemCount())
        if some(panel.tree.topLevelItem(i)).text(0) == "MLmodel"
    )
    panel.tree.setCurrentItem(mlmodel)
    qtbot.waitUntil(lambda: panel.preview.shown is not None, timeout=30_000)
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    assert panel.preview.width() >= 300
    window.grab().save(str(save_artifact(f"screen-preview-{size}.png")))

    menu = open_menu_by_key(qtbot, window)
    promote = item(menu, "Promote to")
    menu.setActiveAction(promote)
    QTest.keyClick(menu, Qt.Key.Key_Right)
    qtbot.waitUntil(submenu(promote).isVisible)
    grab_with_popups(window, menu, submenu(promote)).save(
        str(save_artifact(f"screen-tree-menu-{size}.png"))
    )
    menu.close()

    dialog = window.across.compare_registries(demo_profile, prod_profile)
    assert isinstance(dialog, RegistryCompareDialog)
    dialog.resize(min(width - 80, 1200), min(height - 80, 760))
    qtbot.waitUntil(lambda: dialog.job is None, timeout=60_000)
    dialog.only_differences.setChecked(True)
    dialog.table.setCurrentItem(some(dialog.table.topLevelItem(0)))
    detail = dialog.detail.text()
    assert "Churn model — retrained weekly (prod)." in detail  # both values are shown
    dialog.grab().save(str(save_artifact(f"screen-compare-{size}.png")))
    dialog.close()
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    window.close()
