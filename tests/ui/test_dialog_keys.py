"""Return does what a dialog's main button says. A button made the default before it was in
its dialog was forgotten when the dialog showed (the dialog chose its own: in the sync dialog
the hidden "Retry failed", so Return did nothing)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QPushButton
from pytestqt.qtbot import QtBot

from modelyard.core.profiles.profile import Profile, ProfileStore
from tests.helpers.window import open_window


def defaults(dialog: QDialog) -> list[QPushButton]:
    return [b for b in dialog.findChildren(QPushButton) if b.isDefault()]


def test_return_starts_the_sync_copy_and_comparison_dialogs_main_action(
    qtbot: QtBot, demo_profile: Profile, prod_profile: Profile, store: ProfileStore
) -> None:
    window = open_window(qtbot, store)
    sync = window.across.sync_models(demo_profile, prod_profile, ("fraud-detector",))
    qtbot.waitUntil(lambda: sync.state == "ready", timeout=60_000)
    assert defaults(sync) == [sync.go]
    sync.prefix.setText("copy-")  # typed into the name prefix, then Return
    sync.prefix.setFocus()
    QTest.keyClick(sync.prefix, Qt.Key.Key_Return)  # planned again with the prefix …
    qtbot.waitUntil(lambda: sync.state == "ready", timeout=60_000)
    assert sync.rows()[0].text(1).startswith("copy-fraud-detector")
    QTest.keyClick(sync.prefix, Qt.Key.Key_Return)  # … and Return again syncs
    assert sync.state == "syncing"
    qtbot.waitUntil(lambda: sync.state in ("done", "failed"), timeout=120_000)
    assert sync.state == "done", sync.status.text()
    sync.reject()

    copy = window.across.copy_version(demo_profile, "churn-classifier", "3", prod_profile)
    assert defaults(copy) == [copy.go]
    copy.reject()

    compare = window.across.compare_registries(demo_profile, prod_profile)
    assert compare is not None and defaults(compare) == [compare.compare_button]
    compare.close()
    qtbot.waitUntil(window.workers.is_idle, timeout=30_000)
    window.close()
