"""Driving the setup wizard page by page (shared by the store tests)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QDialog, QLineEdit
from pytestqt.qtbot import QtBot

from modelyard.core.profiles.profile import Profile, ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from modelyard.ui.common.workers import WorkerPool
from modelyard.ui.profiles.fields import PAGE_TEST
from modelyard.ui.profiles.wizard import ProfileWizard
from modelyard.ui.shell.app import create_app


def wizard_pool() -> WorkerPool:
    """The application (made first: a pool's objects need it), and a pool for wizards."""
    create_app()
    return WorkerPool()


def open_wizard(
    qtbot: QtBot,
    store: ProfileStore,
    secrets: SecretStore,
    pool: WorkerPool,
    editing: Profile | None = None,
) -> ProfileWizard:
    wizard = ProfileWizard(store, secrets, pool, editing=editing)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitUntil(lambda: wizard.probed, timeout=30_000)  # the keyring is asked on a worker
    return wizard


def type_into(wizard: ProfileWizard, key: str, text: str) -> None:
    widget = wizard.fields[key]
    assert isinstance(widget, QLineEdit)
    widget.setText(text)


def tested(wizard: ProfileWizard, qtbot: QtBot) -> Any:
    """Next onto the test page; the connection test's Diagnosis once it is there."""
    wizard.next()
    assert wizard.currentId() == PAGE_TEST
    qtbot.waitUntil(lambda: wizard.test_page.result is not None, timeout=60_000)
    return wizard.test_page.result


def save(wizard: ProfileWizard, qtbot: QtBot) -> None:
    """Press Save: the save runs on a worker; the dialog closes when it is done."""
    wizard.accept()
    qtbot.waitUntil(lambda: wizard.result() == QDialog.DialogCode.Accepted, timeout=30_000)
