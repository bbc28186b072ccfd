"""The details pane against real registries: chart data, stale results, edits, errors."""

from __future__ import annotations

import itertools
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from modelyard.core.connectors import open_registry
from modelyard.core.kinds import LocalSettings
from modelyard.core.model.domain import EventSource
from modelyard.core.profiles.profile import Profile, ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from modelyard.ui.tree.tree_model import NodeKind
from tests.conftest import save_artifact
from tests.helpers.registry import (
    add_server_profile,
    admin_store,
    create_version,
    ensure_model,
    new_version,
)
from tests.helpers.values import some
from tests.helpers.window import open_window, select_model, select_version
from tests.support.servers import MlflowServer


def test_version_pane_shows_run_chart_signature_and_history(
    qtbot: QtBot, demo_profile: Profile, store: ProfileStore, secrets: SecretStore
) -> None:
    window = open_window(qtbot, store)
    select_model(qtbot, window, "demo", "churn-classifier")
    select_version(qtbot, window, "4")
    view = window.details.version_view
    detail = view.detail
    assert detail is not None and detail.run is not None
    assert view.banner.isHidden()
    # the chart shows exactly the logged history of the default metric
    registry = open_registry(demo_profile, secrets)
    try:
        expected = registry.metric_history(detail.run.run_id, "val_accuracy")
    finally:
        registry.close()
    assert view.selected_metrics() == ["val_accuracy"]
    assert view.chart.series_points == {
        "v4 · val_accuracy": [(float(p.step), p.value) for p in expected]
    }
    # overlay another version
    some(view.compare.item(0)).setCheckState(Qt.CheckState.Checked)  # v1
    qtbot.waitUntil(lambda: len(view.chart.series_points) == 2, timeout=30_000)
    assert "v1 · val_accuracy" in view.chart.series_points
    # the versions to overlay sit in rows as tall as a box and its padding, none touching (#23.11)
    rects = [view.compare.visualItemRect(view.compare.item(r)) for r in range(view.compare.count())]
    assert len(rects) == 4
    assert all(r.height() >= 22 for r in rects), [r.height() for r in rects]
    assert all(a.bottom() < b.top() for a, b in itertools.pairwise(rects))
    assert view.params.rowCount() == len(detail.run.params)
    assert view.inputs.rowCount() == 6 and some(view.inputs.item(0, 0)).text() == "f0"
    assert "sklearn" in view.flavors.text()
    recorded = [e for e in view.history.events if e.source is EventSource.RECORDED]
    assert [e.to_value for e in recorded][:2] == ["Staging", "Production"]
    assert view.lineage.values["Experiment"].startswith("/demo/churn-classifier")
    view.tabs.setCurrentIndex(1)
    window.grab().save(str(save_artifact("version-pane-metrics.png")))
    view.tabs.setCurrentIndex(5)
    window.grab().save(str(save_artifact("version-history.png")))
    window.close()


def test_model_pane_summary_versions_and_timeline(
    qtbot: QtBot, demo_profile: Profile, store: ProfileStore
) -> None:
    window = open_window(qtbot, store)
    select_model(qtbot, window, "demo", "demand-forecast")
    view = window.details.model_view
    assert view.banner.isHidden()
    assert "Production</b>: v7 since" in view.summary.text()
    assert "Staging</b>: v8 since" in view.summary.text()
    assert view.table.rowCount() == 8
    view.table.sortItems(0, Qt.SortOrder.AscendingOrder)
    assert [some(view.table.item(r, 0)).text() for r in range(8)][:3] == ["v1", "v2", "v3"]
    assert view.aliases.rowCount() == 3
    kinds = {e.source for e in view.history.events}
    assert kinds == {EventSource.RECORDED, EventSource.DERIVED}
    window.grab().save(str(save_artifact("model-pane.png")))
    view.tabs.setCurrentIndex(view.tabs.indexOf(some(view.history.parentWidget())))
    assert view.tabs.tabText(view.tabs.currentIndex()) == "History"
    # the timeline: the demo's recorded moves, v7 holding Production now
    lanes = view.timeline.chart.lanes
    assert lanes[0] == "Production" and "Staging" in lanes
    held_now = [
        s.version for s in view.timeline.chart.spans if s.what == "Production" and not s.end
    ]
    assert held_now == ["7"]
    window.resize(1280, 800)
    window.grab().save(str(save_artifact("model-history.png")))
    # a moment before v7 went to Production: v7 and @champion can be put back as they were
    staged = next(
        i
        for i in range(view.history.topLevelItemCount())
        if some(view.history.topLevelItem(i)).text(1) == "v7: None → Staging"
    )
    view.history.setCurrentItem(some(view.history.topLevelItem(staged)))
    restores = [a.text() for a in view.timeline.restore_menu.actions() if a.isEnabled()]
    assert any(text.startswith("Production → v") for text in restores), restores
    window.grab().save(str(save_artifact("timeline-past.png")))
    # double-clicking a version row selects it in the tree
    view.tabs.setCurrentIndex(1)
    view.table.cellDoubleClicked.emit(0, 0)
    qtbot.waitUntil(
        lambda: (
            window.details.current is not None and window.details.current.kind is NodeKind.VERSION
        ),
        timeout=10_000,
    )
    assert some(window.details.current).version_summary.version == "1"
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    window.close()


def test_rapid_selection_ends_on_the_last_selection(
    qtbot: QtBot, mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    admin = admin_store(mlflow_server)
    ensure_model(admin, "many-versions")
    existing = len(admin.search_model_versions("name='many-versions'"))
    for _ in range(50 - existing):
        create_version(mlflow_server, "many-versions")
    add_server_profile(store, secrets, mlflow_server, "srv")
    window = open_window(qtbot, store)
    select_model(qtbot, window, "srv", "many-versions")
    shown: list[str] = []
    window.details.loaded.connect(
        lambda: (
            shown.append(window.details.version_view.detail.version.version)
            if window.details.version_view.detail
            else None
        )
    )
    for version in range(1, 51):
        select_version(qtbot, window, str(version), wait=False)
    qtbot.waitUntil(window.workers.is_idle, timeout=120_000)
    view = window.details.version_view
    assert view.detail is not None and view.detail.version.version == "50"
    assert view.header.title.text().endswith("v50")
    assert view.fields.values["Model URI"] == "models:/many-versions/50"
    assert shown[-1] == "50"
    assert len(shown) < 50  # stale loads were dropped, not all delivered
    window.close()


def test_edits_go_to_the_server_and_come_back(
    qtbot: QtBot, mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    admin = admin_store(mlflow_server)
    ensure_model(admin, "editable")
    if not admin.search_model_versions("name='editable'"):
        create_version(mlflow_server, "editable")
    add_server_profile(store, secrets, mlflow_server, "srv")
    window = open_window(qtbot, store)
    select_model(qtbot, window, "srv", "editable")
    select_version(qtbot, window, "1")
    view = window.details.version_view
    answers = iter([("reviewed-by", True), ("ana", True)])
    view.tags.ask_text = lambda *_args: next(answers)
    with qtbot.waitSignal(window.details.loaded, timeout=60_000):
        view.tags.add_button.click()
    assert view.tags.tags["reviewed-by"] == "ana"
    assert admin.get_model_version("editable", "1").tags["reviewed-by"] == "ana"
    view.description.edit_button.click()
    view.description.editor.setPlainText("Approved for **canary**.")
    with qtbot.waitSignal(window.details.loaded, timeout=60_000):
        view.description.save_button.click()
    assert admin.get_model_version("editable", "1").description == "Approved for **canary**."
    assert view.description.text == "Approved for **canary**."
    assert (
        some(window.details.current).version_summary.description == "Approved for **canary**."
    )  # tree too
    # delete the tag again
    view.tags.table.selectRow(
        next(
            r
            for r in range(view.tags.table.rowCount())
            if some(view.tags.table.item(r, 0)).text() == "reviewed-by"
        )
    )
    view.tags.confirm = lambda _question: True
    with qtbot.waitSignal(window.details.loaded, timeout=60_000):
        view.tags.delete_button.click()
    assert "reviewed-by" not in admin.get_model_version("editable", "1").tags
    window.close()


def test_failed_load_shows_inline_error_and_retry(
    qtbot: QtBot, mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    admin = admin_store(mlflow_server)
    ensure_model(admin, "vanishing")
    for _ in range(2 - len(admin.search_model_versions("name='vanishing'"))):
        create_version(mlflow_server, "vanishing")
    add_server_profile(store, secrets, mlflow_server, "srv")
    window = open_window(qtbot, store)
    select_model(qtbot, window, "srv", "vanishing")
    select_version(qtbot, window, "1")
    run_id = some(window.details.version_view.detail).version.run_id
    admin.delete_model_version("vanishing", "1")  # someone else deletes it meanwhile
    window.details.reload()
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    view = window.details.version_view
    assert view.banner.isVisible()
    assert view.banner.button.text() == "Retry"
    assert "Not found" in view.banner.label.text()
    assert view.fields.values["Source run"].startswith(run_id)  # what was shown stays
    window.grab().save(str(save_artifact("details-load-error.png")))
    window.close()


def test_retry_recovers_when_the_registry_is_back(
    qtbot: QtBot, demo_profile: Profile, store: ProfileStore
) -> None:
    window = open_window(qtbot, store)
    select_model(qtbot, window, "demo", "fraud-detector")
    select_version(qtbot, window, "2")
    assert isinstance(demo_profile.settings, LocalSettings)
    db = Path(demo_profile.settings.path)
    moved = db.with_suffix(".away")
    db.rename(moved)  # the registry file goes away (unmounted share, moved file)
    window.connections.forget(demo_profile.id)
    window.details.reload()
    view = window.details.version_view
    qtbot.waitUntil(view.banner.button.isVisible, timeout=60_000)
    assert "does not exist" in view.banner.label.text()
    moved.rename(db)
    with qtbot.waitSignal(window.details.loaded, timeout=60_000):
        view.banner.button.click()
    assert view.banner.isHidden()
    assert view.detail is not None and view.detail.version.version == "2"
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    window.close()


def test_model_and_version_link_to_the_servers_web_ui(
    qtbot: QtBot, mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    from PySide6.QtWidgets import QPushButton

    version = new_version(mlflow_server, "web-ui-model")
    add_server_profile(store, secrets, mlflow_server, "srv")
    window = open_window(qtbot, store)
    select_model(qtbot, window, "srv", "web-ui-model")
    model_fields = window.details.model_view.fields
    assert model_fields.values["Web UI"] == f"{mlflow_server.url}/#/models/web-ui-model"
    select_version(qtbot, window, version)
    fields = window.details.version_view.fields
    assert fields.values["Web UI"] == (
        f"{mlflow_server.url}/#/models/web-ui-model/versions/{version}"
    )
    assert any(b.text() == "Open" for b in fields.findChildren(QPushButton))
    qtbot.waitUntil(window.workers.is_idle, timeout=30_000)
    window.close()
