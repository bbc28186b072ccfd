"""Across restarts: geometry, splitter positions and the selected row come back; each test's
settings are its own. The dark colour scheme is followed (system hint or MODELYARD_THEME)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QCheckBox, QRadioButton, QWidget
from pytestqt.qtbot import QtBot

from modelyard.core.profiles.profile import Profile, ProfileStore
from modelyard.ui.board.cards import card_colors
from modelyard.ui.common.theme import apply_theme, is_dark
from modelyard.ui.shell.app import create_app
from modelyard.ui.shell.main_window import MainWindow
from tests.conftest import save_artifact
from tests.helpers.board import open_board
from tests.helpers.values import some
from tests.helpers.window import open_window, select_model, select_version


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
            and again.details.current.version_summary.version == "4"
        ),
        timeout=60_000,
    )
    assert some(again.details.current).version_summary.model == "churn-classifier"
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

        from modelyard.ui.common.theme import set_tone

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


def _contrast(a: QColor, b: QColor) -> float:
    def lum(c: QColor) -> float:
        def ch(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return 0.2126 * ch(c.redF()) + 0.7152 * ch(c.greenF()) + 0.0722 * ch(c.blueF())

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _best_contrast(widget: QWidget) -> float:
    """The strongest contrast between any pixel of the widget's picture and its background."""
    widget.ensurePolished()
    image = widget.grab().toImage()
    background = widget.palette().color(QPalette.ColorRole.Window)
    return max(
        _contrast(image.pixelColor(x, y), background)
        for x in range(min(image.width(), 24))
        for y in range(image.height())
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_unticked_boxes_and_radio_buttons_are_visible(
    qtbot: QtBot, scheme: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unticked indicator's outline stands out from the window (WCAG's 3:1 for controls) in
    both schemes: Fusion drew dark-scheme radio buttons in a shade of the navy window (#23)."""
    monkeypatch.setenv("MODELYARD_THEME", scheme)
    app = create_app()
    try:
        for widget in (QRadioButton(""), QCheckBox("")):
            qtbot.addWidget(widget)
            widget.resize(30, 24)
            assert _best_contrast(widget) >= 3.0, type(widget).__name__
        checked = QRadioButton("")
        qtbot.addWidget(checked)
        checked.setChecked(True)
        checked.resize(30, 24)
        assert _best_contrast(checked) >= 3.0
    finally:
        monkeypatch.setenv("MODELYARD_THEME", "light")
        apply_theme(app)
