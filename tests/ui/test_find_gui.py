"""Find across registries (#29) against a real server and a registry that went away: typing
searches what is kept, Enter reads every registry (metrics included), a registry that is down
answers from its kept state marked "as seen", and a result opens in the tree by keyboard."""

from __future__ import annotations

import time
import uuid

from mlflow.entities import Metric
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from modelyard.core.kinds import MlflowServerSettings
from modelyard.core.profiles.profile import Profile, ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from modelyard.ui.tree.tree_model import NodeKind
from tests.conftest import save_artifact
from tests.helpers.cli import run
from tests.helpers.registry import (
    add_server_profile,
    admin_store,
    admin_tracking_store,
    create_version,
    ensure_model,
)
from tests.helpers.window import open_window
from tests.support.servers import MlflowServer


def _rows(dialog: object) -> list[tuple[str, str, str, str]]:
    table = dialog.table  # type: ignore[attr-defined]
    cells = [[table.item(r, c).text() for c in (0, 1, 2, 6)] for r in range(table.rowCount())]
    return [(a, b, c, d) for a, b, c, d in cells]


def test_find_types_then_reads_every_registry_and_opens_a_result(
    qtbot: QtBot, mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    tag = uuid.uuid4().hex[:6]
    model = f"find-{tag}"
    admin = admin_store(mlflow_server)
    ensure_model(admin, model, {"team": "fraud"})
    for auc in (0.80, 0.95):
        made = create_version(mlflow_server, model)
        stamp = int(time.time() * 1000)
        admin_tracking_store(mlflow_server).log_metric(
            made.run_id, Metric("val_auc", auc, stamp, 0)
        )
    admin.transition_model_version_stage(model, "2", "Production", False)
    add_server_profile(store, secrets, mlflow_server, "live")
    gone = add_server_profile(store, secrets, mlflow_server, "gone")
    assert run("ls", "gone")[0] == 0 and run("ls", "gone", model)[0] == 0  # kept while it answers
    dead = MlflowServerSettings(url="http://127.0.0.1:9", auth="none")
    store.replace(gone.model_copy(update={"settings": dead}))

    window = open_window(qtbot, store)
    dialog = window.finder.show()
    QTest.keyClicks(dialog.query, f"{tag} stage:prod")
    # typing: what is kept (the registry that went away, from its snapshot)
    qtbot.waitUntil(lambda: any(r[0] == "gone" for r in _rows(dialog)), timeout=10_000)
    assert [r[:3] for r in _rows(dialog) if r[0] == "gone"] == [("gone", model, "v2")]
    assert all(r[3].endswith("ago") for r in _rows(dialog) if r[0] == "gone")
    QTest.keyClick(dialog.query, Qt.Key.Key_Return)  # read every registry
    qtbot.waitUntil(lambda: not dialog.reading, timeout=60_000)
    rows = _rows(dialog)
    assert ("live", model, "v2", "now") in rows
    assert [r[:3] for r in rows] == [("live", model, "v2"), ("gone", model, "v2")]  # tree order
    assert "gone: 1 — shown as seen" in dialog.status.text() and "127.0.0.1" in dialog.status.text()
    # a metric term: read for the candidates on Enter; the kept state has no metrics
    dialog.query.clear()
    QTest.keyClicks(dialog.query, f"{tag} metric:val_auc>0.9")
    QTest.keyClick(dialog.query, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.reading, timeout=60_000)
    qtbot.waitUntil(
        lambda: [r[:3] for r in _rows(dialog)] == [("live", model, "v2")], timeout=10_000
    )
    item = dialog.table.item(0, 5)
    assert item is not None and item.text().endswith("val_auc=0.95")
    dialog.resize(1000, 420)
    dialog.grab().save(str(save_artifact("find-across-registries.png")))
    # a wrong term is named, the results stay
    QTest.keyClicks(dialog.query, " metric:auc>high")
    qtbot.waitUntil(dialog.problem.isVisible, timeout=5_000)
    assert "'high' is not a number" in dialog.problem.text()
    for _ in " metric:auc>high":
        QTest.keyClick(dialog.query, Qt.Key.Key_Backspace)
    qtbot.waitUntil(lambda: not dialog.problem.isVisible(), timeout=5_000)
    # by keyboard: Down into the results, Enter opens the version in the tree
    dialog.query.setFocus()
    QTest.keyClick(dialog.query, Qt.Key.Key_Down)
    assert dialog.table.hasFocus() or dialog.table.currentRow() == 0
    QTest.keyClick(dialog.table, Qt.Key.Key_Return)

    def shown() -> bool:
        node = window.node_at(window.tree.currentIndex())
        return (
            node is not None
            and node.kind is NodeKind.VERSION
            and node.profile.name == "live"
            and node.key == "2"
        )

    qtbot.waitUntil(shown, timeout=30_000)
    dialog.close()
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    window.close()


def test_find_over_the_demo_with_a_metric_and_a_negation(
    qtbot: QtBot, demo_profile: object, store: ProfileStore
) -> None:
    window = open_window(qtbot, store)
    dialog = window.finder.show()
    QTest.keyClicks(dialog.query, "metric:val_accuracy>0.6 -stage:archived")
    QTest.keyClick(dialog.query, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.reading and dialog.table.rowCount() > 0, timeout=60_000)
    stages = {dialog.table.item(r, 3).text() for r in range(dialog.table.rowCount())}  # type: ignore[union-attr]
    assert "Archived" not in stages
    matched = [dialog.table.item(r, 5).text() for r in range(dialog.table.rowCount())]  # type: ignore[union-attr]
    assert all(float(m.split("val_accuracy=")[1]) > 0.6 for m in matched), matched
    assert dialog.status.text().startswith(f"{len(matched)} version")
    dialog.resize(1000, 420)
    dialog.grab().save(str(save_artifact("find-demo.png")))
    # kept under a name: in the Saved menu, in the palette, and for the CLI
    dialog.ask_name = lambda _query: "accurate live"
    dialog.save_button.click()
    assert run("searches")[1].count("accurate live") == 1
    dialog.query.clear()
    dialog.saved_menu.aboutToShow.emit()
    (saved,) = [a for a in dialog.saved_menu.actions() if a.text().startswith("accurate live")]
    saved.trigger()
    assert dialog.query.text() == "metric:val_accuracy>0.6 -stage:archived"
    qtbot.waitUntil(lambda: not dialog.reading and dialog.table.rowCount() == len(matched))
    qtbot.waitUntil(lambda: bool(window.finder.saved_bar.searches), timeout=10_000)  # read
    palette = window.finder.show_palette()
    QTest.keyClicks(palette.line, "saved accurate")
    assert palette.shown and palette.shown[0].text == "Saved search ▸ accurate live"
    palette.hide()
    dialog.close()
    # above the tree, like a smart folder: its results in place of the tree
    bar = window.finder.saved_bar
    qtbot.waitUntil(lambda: [b.text() for b in bar.buttons] == ["accurate live"], timeout=10_000)
    assert bar.isVisible()
    bar.buttons[0].click()
    inline = window.finder.inline
    assert window.search.text() == "metric:val_accuracy>0.6 -stage:archived"
    assert window.panel.views.currentWidget() is inline
    qtbot.waitUntil(lambda: not inline.reading and inline.table.rowCount() == len(matched))
    window.grab().save(str(save_artifact("saved-search-bar.png")))
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    window.close()


def test_help_lists_every_shortcut_of_the_menus_and_the_widgets_keys(
    qtbot: QtBot, store: ProfileStore
) -> None:
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QMenu

    window = open_window(qtbot, store)
    dialog = window.finder.show_shortcuts()
    listed = {
        (item.text(0), item.text(2))
        for n in range(dialog.table.topLevelItemCount())
        if (item := dialog.table.topLevelItem(n)) is not None
    }
    menu_keys = {
        a.shortcut().toString()
        for a in window.findChildren(QAction)
        if not a.shortcut().isEmpty() and any(isinstance(o, QMenu) for o in a.associatedObjects())
    }  # every action in a menu, found apart from how the dialog reads the menus
    assert {"Ctrl+K", "Ctrl+Shift+F", "Ctrl+Shift+A"} <= menu_keys
    assert menu_keys <= {keys for keys, where in listed if where == "Menu"}
    assert ("Menu, Shift+F10", "Versions table") in listed
    dialog.close()
    window.close()


def test_a_query_in_the_filter_box_shows_results_in_place_of_the_tree(
    qtbot: QtBot, demo_profile: object, store: ProfileStore
) -> None:
    window = open_window(qtbot, store)
    panel = window.panel
    qtbot.waitUntil(lambda: window.profiles_loaded, timeout=30_000)
    window.search.setFocus()
    QTest.keyClicks(window.search, "churn")  # words: the tree is filtered, as before
    panel.apply_filter_now()
    assert panel.views.currentWidget() is panel.tree and not panel.in_query()
    window.search.clear()
    QTest.keyClicks(window.search, "stage:prod @champion churn")
    panel.apply_filter_now()
    results = window.finder.inline
    assert panel.in_query() and panel.views.currentWidget() is results
    QTest.keyClick(window.search, Qt.Key.Key_Return)  # read every registry
    qtbot.waitUntil(lambda: not results.reading and results.table.rowCount() == 1, timeout=60_000)
    assert [c.text() for c in (results.table.item(0, i) for i in range(3)) if c] == [
        "demo",
        "churn-classifier",
        "v4",
    ]
    window.resize(1100, 600)
    window.grab().save(str(save_artifact("filter-box-query.png")))
    QTest.keyClick(window.search, Qt.Key.Key_Down)  # into the results
    assert results.table.hasFocus() and results.table.currentRow() == 0
    QTest.keyClick(results.table, Qt.Key.Key_Return)  # opens it: the filter goes, the tree is back

    def opened() -> bool:
        node = window.node_at(window.tree.currentIndex())
        return node is not None and node.kind is NodeKind.VERSION and node.key == "4"

    qtbot.waitUntil(opened, timeout=30_000)
    assert window.search.text() == "" and panel.views.currentWidget() is panel.tree
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    window.close()


def test_the_results_follow_the_registrys_state_as_it_changes(
    qtbot: QtBot, demo_profile: Profile, store: ProfileStore
) -> None:
    from dataclasses import replace

    from modelyard.core.model.domain import Stage

    window = open_window(qtbot, store)
    dialog = window.finder.show()
    QTest.keyClicks(dialog.query, "churn -stage:archived")
    QTest.keyClick(dialog.query, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.reading and dialog.table.rowCount() == 3, timeout=60_000)
    state = window.connections.states.get(demo_profile.id)
    v3 = state.versions["churn-classifier"]["3"]
    state.apply_version(replace(v3, stage=Stage.ARCHIVED))  # as a promotion's answer does
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 2, timeout=10_000)
    shown = [c.text() for r in range(2) if (c := dialog.table.item(r, 2)) is not None]
    assert shown == ["v5", "v4"]
    dialog.close()
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    window.close()


def test_registry_text_in_the_results_and_the_palette_is_shown_as_written(
    qtbot: QtBot, mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    name = f"r&d <i>x {uuid.uuid4().hex[:6]}"
    ensure_model(admin_store(mlflow_server), name)
    create_version(mlflow_server, name)
    add_server_profile(store, secrets, mlflow_server, "odd")
    window = open_window(qtbot, store)
    dialog = window.finder.show()
    QTest.keyClicks(dialog.query, f'"{name[-6:]}" -stage:archived')
    QTest.keyClick(dialog.query, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.reading and dialog.table.rowCount() == 1, timeout=60_000)
    item = dialog.table.item(0, 1)
    assert item is not None and item.text() == name  # no "&&", no markup
    assert "&lt;i&gt;" in item.toolTip()  # the tooltip shows the tags as text
    palette = window.finder.show_palette()
    QTest.keyClicks(palette.line, name[-6:])
    texts = [palette.list.item(r).text() for r in range(palette.list.count())]
    assert any(name in t and "&&" not in t for t in texts), texts
    palette.hide()
    dialog.close()
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    window.close()
