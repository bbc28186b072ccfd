"""View ▸ Activity over a real server: a write that failed (the server answered 503) is listed,
Retry makes it (read first: a second Retry sends nothing), and the list exports as CSV."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from modelyard.core.model.errors import ModelyardError
from modelyard.core.profiles.profile import ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from modelyard.core.runtime.activity import Activity
from modelyard.ui.activity.activity_view import ActivityDialog
from tests.conftest import save_artifact
from tests.helpers.board import fresh_model
from tests.helpers.registry import add_server_profile, admin_store
from tests.helpers.window import open_window
from tests.support.fault_proxy import fault_proxy
from tests.support.servers import MlflowServer


def click_row(dialog: ActivityDialog, row: int) -> None:
    """A click on the row, as a person makes it (selectRow would read held modifiers)."""
    table = dialog.table
    where = table.visualRect(dialog.model.index(row, 4)).center()
    QTest.mouseClick(
        table.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, where
    )


def test_a_failed_write_is_listed_retried_once_and_exported(
    qtbot: QtBot,
    mlflow_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
    tmp_path: Path,
) -> None:
    fresh_model(mlflow_server, "act-model", 2)
    with fault_proxy(mlflow_server.url) as proxy:
        profile = add_server_profile(store, secrets, mlflow_server, "act")
        settings = profile.settings.model_copy(update={"url": proxy.url})
        profile = store.replace(profile.model_copy(update={"settings": settings}))
        window = open_window(qtbot, store)
        registry = window.connections.get(profile)
        registry.set_version_tag("act-model", "1", "checked", "yes")  # one that went well
        proxy.set("503", when="registered-models/alias")
        with pytest.raises(ModelyardError):
            registry.set_alias("act-model", "champion", "2")
        proxy.set("pass")
        QTest.keyClick(
            window,
            Qt.Key.Key_A,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
        dialog = window.activity.dialog
        assert isinstance(dialog, ActivityDialog)
        qtbot.waitUntil(lambda: dialog.model.rowCount() == 2, timeout=30_000)
        newest = dialog.model.writes[0]
        assert (newest.change, newest.outcome, newest.kind) == (
            "@champion → v2",
            "failed",
            "server",
        )
        assert "503" in newest.answer or "server" in newest.answer.lower()
        dialog.failures.setChecked(True)
        assert dialog.model.rowCount() == 1
        assert not dialog.retry_button.isEnabled()  # nothing selected yet
        click_row(dialog, 0)
        assert dialog.retry_button.isEnabled()
        dialog.grab().save(str(save_artifact("activity.png")))
        QTest.mouseClick(dialog.retry_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "made again" in dialog.said.text(), timeout=60_000)
        aliases = admin_store(mlflow_server).get_registered_model("act-model").aliases
        assert dict(aliases) == {"champion": 2} or dict(aliases) == {"champion": "2"}
        # the failed line stays failed (it happened), still selected after the list is read
        # again; a second Retry reads, finds the alias there, and sends nothing
        sent = len([r for r in proxy.requests_seen if r.startswith("POST")])
        qtbot.waitUntil(lambda: dialog.model.rowCount() == 1 and dialog.retry_button.isEnabled())
        QTest.mouseClick(dialog.retry_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "already so" in dialog.said.text(), timeout=60_000)
        assert len([r for r in proxy.requests_seen if r.startswith("POST")]) == sent
        dialog.failures.setChecked(False)
        qtbot.waitUntil(lambda: dialog.model.rowCount() >= 3, timeout=30_000)
        target = tmp_path / "activity.csv"
        dialog.ask_path = lambda: str(target)
        QTest.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(target.exists, timeout=30_000)
        rows = list(csv.DictReader(target.open()))
        # a cell starting like a spreadsheet formula (@…) is kept as text
        assert {r["change"] for r in rows} >= {"'@champion → v2", "set tag checked='yes'"}
        assert {r["profile"] for r in rows} == {"act"}
        assert [w.outcome for w in Activity().entries()].count("failed") == 1
        dialog.close()
        qtbot.waitUntil(window.workers.is_idle, timeout=30_000)
        window.close()
