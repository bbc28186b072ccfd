"""The comparison windows on two real local registries: registries model by model (filter,
export, double-click to the latest versions) and two versions of a model from its table."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel
from pytestqt.qtbot import QtBot

from modelyard.core.connectors import open_registry
from modelyard.core.model.domain import Stage
from modelyard.core.profiles.profile import Profile, ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from modelyard.ui.compare.compare_view import RegistryCompareDialog
from modelyard.ui.compare.version_compare import VersionCompareDialog
from tests.conftest import save_artifact
from tests.helpers.values import some
from tests.helpers.window import open_window, select_model


def test_compare_registries_filter_export_and_drill_down(
    qtbot: QtBot,
    demo_profile: Profile,
    prod_profile: Profile,
    store: ProfileStore,
    secrets: SecretStore,
    tmp_path: Path,
) -> None:
    prod = open_registry(prod_profile, secrets)
    try:
        prod.transition_stage("churn-classifier", "5", Stage.PRODUCTION, archive_existing=True)
        prod.set_alias("demand-forecast", "champion", "6")
    finally:
        prod.close()
    window = open_window(qtbot, store)
    window.compare_action.trigger()
    dialog = window.across.compare_dialog
    assert isinstance(dialog, RegistryCompareDialog)
    assert (dialog.left.currentText(), dialog.right.currentText()) == ("demo", "prod")
    with qtbot.waitSignal(dialog.finished_loading, timeout=60_000):
        dialog.compare_button.click()
    assert dialog.status.text() == "6 models: 4 same, 2 different, 0 only in demo, 0 only in prod."
    # what the comparison read is the registries' one state: the tree's prod row agrees
    prod_state = window.connections.states.get(prod_profile.id)
    assert prod_state.live and len(prod_state.models) == 6
    assert prod_state.aliases_of("demand-forecast")["champion"] == "6"
    assert len(dialog.visible_rows()) == 6
    dialog.only_differences.setChecked(True)
    shown = dialog.visible_rows()
    assert [r[0] for r in shown] == ["churn-classifier", "demand-forecast"]
    assert shown[1][4] == "@champion: v7 ≠ v6"
    dialog.search.setText("demand")
    assert [r[0] for r in dialog.visible_rows()] == ["demand-forecast"]
    dialog.search.clear()
    dialog.only_differences.setChecked(False)
    dialog.table.setCurrentItem(some(dialog.table.topLevelItem(0)))
    assert "Production: v4 ≠ v5" in dialog.detail.text()
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    dialog.grab().save(str(save_artifact("compare-registries.png")))
    dialog.only_differences.setChecked(True)

    target = tmp_path / "diff.json"
    dialog.save_path = lambda fmt, suggested: str(target)
    dialog.export("json")
    data = json.loads(target.read_text())
    assert [m["name"] for m in data["models"]] == ["churn-classifier", "demand-forecast"]
    assert dialog.status.text() == f"Exported to {target}"

    churn = dialog.table.topLevelItem(0)
    assert churn is not None and churn.text(0) == "churn-classifier"
    versions = dialog._open_versions(churn)
    assert isinstance(versions, VersionCompareDialog)
    qtbot.waitUntil(lambda: versions.job is None, timeout=60_000)
    # The versions that make the difference: the Production holders (#23.4), not the latest.
    assert versions.left_title == "demo: churn-classifier v4"
    assert versions.right_title == "prod: churn-classifier v5"
    rows = {(r[0], r[1]): r for r in versions.visible_rows()}  # only differences by default
    assert rows[("Version", "version")][2:4] == ["4", "5"]
    assert ("Version", "stage") not in rows  # both hold Production
    # Models that differ only in an alias: the two versions it points to.
    demand = dialog.table.topLevelItem(1)
    assert demand is not None and demand.text(0) == "demand-forecast"
    held = dialog._open_versions(demand)
    assert isinstance(held, VersionCompareDialog)
    qtbot.waitUntil(lambda: held.job is None, timeout=60_000)
    assert (held.left_title, held.right_title) == (
        "demo: demand-forecast v7",
        "prod: demand-forecast v6",
    )
    held.close()
    dialog.swap()
    assert (dialog.left.currentText(), dialog.right.currentText()) == ("prod", "demo")
    qtbot.waitUntil(lambda: dialog.job is None, timeout=60_000)
    assert dialog.table.headerItem().text(2) == "prod"
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    versions.close()
    dialog.close()
    window.close()


def test_compare_two_versions_from_the_versions_table(
    qtbot: QtBot, demo_profile: Profile, store: ProfileStore
) -> None:
    window = open_window(qtbot, store)
    select_model(qtbot, window, "demo", "churn-classifier")
    view = window.details.model_view
    view.tabs.setCurrentIndex(2)  # Versions
    assert not view.compare_button.isEnabled()
    table = view.table
    selection = table.selectionModel()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for row in range(table.rowCount()):
        if some(table.item(row, 0)).text() in ("v4", "v5"):
            selection.select(table.model().index(row, 0), flags)
    assert view.selected_versions() == ["4", "5"]
    assert view.compare_button.isEnabled()
    view.compare_button.click()
    (dialog,) = window.details.compare_dialogs
    qtbot.waitUntil(lambda: dialog.job is None, timeout=60_000)
    rows = {(r[0], r[1]): r for r in dialog.visible_rows()}
    assert rows[("Version", "stage")][2:4] == ["Production", "Staging"]
    assert rows[("Metrics", "val_accuracy")][4].startswith("+")
    assert dialog.status.text().endswith("fields differ.")
    dialog.only_differences.setChecked(False)
    assert len(dialog.visible_rows()) > len(rows)
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    dialog.only_differences.setChecked(True)
    dialog.grab().save(str(save_artifact("compare-versions.png")))
    dialog.close()
    window.close()


def test_compare_with_from_the_tree_menu_starts_at_once(
    qtbot: QtBot, demo_profile: Profile, prod_profile: Profile, store: ProfileStore
) -> None:
    window = open_window(qtbot, store)
    dialog = window.across.compare_registries(prod_profile, demo_profile)
    assert dialog is not None and dialog.job is not None  # started without a click
    assert (dialog.left.currentText(), dialog.right.currentText()) == ("prod", "demo")
    qtbot.waitUntil(lambda: dialog.job is None, timeout=60_000)
    assert dialog.status.text().startswith("6 models: 6 same")
    dialog.close()
    window.close()


def test_compare_needs_two_profiles(
    qtbot: QtBot, demo_profile: Profile, store: ProfileStore
) -> None:
    window = open_window(qtbot, store)
    window.compare_action.trigger()
    assert window.across.compare_dialog is None
    assert "needs two registry profiles" in window.statusBar().currentMessage()
    window.close()


def _delete_one(profile: Profile, secrets: SecretStore, which: int) -> str:
    """Delete the model at ``which`` (in name order) from the profile's registry; its name."""
    registry = open_registry(profile, secrets)
    try:
        name = sorted(m.name for m in registry.list_models().items)[which]
        registry.delete_model(name)  # type: ignore[attr-defined]
    finally:
        registry.close()
    return name


def test_copy_a_model_missing_on_one_side_from_the_comparison(
    qtbot: QtBot,
    demo_profile: Profile,
    prod_profile: Profile,
    store: ProfileStore,
    secrets: SecretStore,
) -> None:
    missing = _delete_one(prod_profile, secrets, -1)
    window = open_window(qtbot, store)
    dialog = window.across.compare_registries(demo_profile, prod_profile)
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.comparison is not None, timeout=60_000)
    assert "1 only in demo" in dialog.status.text()
    item = next(
        some(dialog.table.topLevelItem(i))
        for i in range(dialog.table.topLevelItemCount())
        if some(dialog.table.topLevelItem(i)).text(0) == missing
    )
    dialog.table.setCurrentItem(item)
    assert dialog.copy_right.isEnabled() and not dialog.copy_left.isEnabled()
    assert "to prod" in dialog.copy_right.toolTip()
    dialog.copy_right.click()
    copy = window.across.copy_dialog
    assert copy is not None and copy.target.id == prod_profile.id
    qtbot.waitUntil(lambda: copy.state == "ready", timeout=60_000)
    copy.then.setCurrentIndex(copy.then.findData("alias"))
    copy.alias.setText("champion")
    copy.go.click()
    qtbot.waitUntil(lambda: copy.state in ("done", "failed"), timeout=120_000)
    assert copy.state == "done", copy.status.text()
    qtbot.waitUntil(lambda: "0 only in demo" in dialog.status.text(), timeout=60_000)
    copy.close()
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)


def test_sync_the_differences_from_the_comparison_plans_only_the_models_that_differ(
    qtbot: QtBot,
    demo_profile: Profile,
    prod_profile: Profile,
    store: ProfileStore,
    secrets: SecretStore,
) -> None:
    missing = _delete_one(prod_profile, secrets, 0)
    window = open_window(qtbot, store)
    dialog = window.across.compare_registries(demo_profile, prod_profile)
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.comparison is not None, timeout=60_000)
    assert dialog.differences("right") == (missing,), dialog.status.text()
    assert dialog.sync_right.isEnabled() and not dialog.sync_left.isEnabled()
    assert "1 model(s)" in dialog.sync_right.toolTip()
    dialog.grab().save(str(save_artifact("compare-sync-differences.png")))
    dialog.sync_right.click()
    sync = window.across.sync_dialog
    assert sync is not None and sync.models == (missing,)
    assert (sync.source.id, sync.target.id) == (demo_profile.id, prod_profile.id)
    qtbot.waitUntil(lambda: sync.state == "ready", timeout=60_000)
    assert sync.rows() and all(r.text(0).startswith(f"{missing} v") for r in sync.rows())
    sync.go.click()
    qtbot.waitUntil(lambda: sync.state in ("done", "failed"), timeout=120_000)
    assert sync.state == "done", sync.status.text()
    # The comparison is read again: the model is on both sides now.
    qtbot.waitUntil(lambda: "0 only in demo" in dialog.status.text(), timeout=60_000)
    row = next(r for r in some(dialog.comparison).rows if r.name == missing)
    assert row.left is not None and row.right is not None
    sync.reject()
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    dialog.close()
    window.close()
