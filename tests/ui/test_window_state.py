"""Across restarts: geometry, splitter positions and the selected row come back; each test's
settings are its own. The dark colour scheme is followed (system hint or MODELYARD_THEME)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from modelyard.core.profiles import Profile, ProfileStore
from modelyard.ui.app import create_app
from modelyard.ui.cards import card_colors
from modelyard.ui.main_window import MainWindow
from modelyard.ui.theme import apply_theme, is_dark
from tests.conftest import save_artifact
from tests.ui.test_details_pane import open_window, select_model, select_version
from tests.ui.test_promote_board import open_board


def test_settings_of_one_test_a() -> None:
    QSettings().setValue("isolation/probe", "set by test a")
    assert QSettings().value("isolation/probe") == "set by test a"


def test_settings_of_one_test_b() -> None:
    assert QSettings().value("isolation/probe") is None  # test a's value is not seen here


def test_geometry_splitters_and_selection_come_back(
    qtbot: QtBot, demo_profile: Profile, store: ProfileStore
) -> None:
    window = open_window(qtbot, store)
    window.resize(780, 560)  # fits the offscreen screen (800 × 600): restored as it was
    window.splitter.setSizes([300, 480])
    select_model(qtbot, window, "demo", "churn-classifier")
    select_version(qtbot, window, "4")
    sizes, size = window.splitter.sizes(), (window.width(), window.height())
    assert size[1] == 560
    window.close()  # saves

    again = MainWindow(store)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)
    assert (again.width(), again.height()) == size
    assert again.splitter.sizes() == sizes
    qtbot.waitUntil(
        lambda: (
            again.details.current is not None
            and again.details.current.kind.name == "VERSION"
            and again.details.current.payload.version == "4"
        ),
        timeout=60_000,
    )
    assert again.details.current.payload.model == "churn-classifier"
    qtbot.waitUntil(again.workers.is_idle, timeout=60_000)
    again.close()


def test_dark_scheme_is_followed(
    qtbot: QtBot, demo_profile: Profile, store: ProfileStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELYARD_THEME", "dark")
    app = create_app()
    try:
        assert is_dark()
        assert app.palette().color(QPalette.ColorRole.Window).lightness() < 60
        assert "Modelyard dark theme" in app.styleSheet()
        assert card_colors()["card"] == "#1e293b"
        from PySide6.QtWidgets import QLabel

        from modelyard.ui.theme import set_tone

        label = QLabel("Not copied: …")
        set_tone(label, "error")
        label.ensurePolished()
        assert label.palette().color(QPalette.ColorRole.WindowText).name() == "#f87171"
        window = open_board(qtbot, store, "demo", "churn-classifier")
        window.resize(1600, 1000)
        qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
        window.grab().save(str(save_artifact("dark-board.png")))
        window.close()
    finally:
        monkeypatch.setenv("MODELYARD_THEME", "light")
        apply_theme(app)
    assert not is_dark()
    assert QApplication.palette().color(QPalette.ColorRole.Window).lightness() > 200
