"""The tree's context menus by keyboard: Menu key on a version row → Promote to ▸ Production →
Enter promotes on a real server; what the menus offer follows the permission rules."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QContextMenuEvent, QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu
from pytestqt.qtbot import QtBot

from modelyard.core.profiles.profile import Profile, ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from modelyard.ui.board.promote_dialog import PromoteDialog
from modelyard.ui.tree.tree_panel import choose_row
from tests.conftest import save_artifact
from tests.helpers.board import fresh_model
from tests.helpers.menus import grab_with_popups, item, open_menu_by_key, submenu, submenu_of
from tests.helpers.registry import add_server_profile, admin_store
from tests.helpers.window import open_window, select_model, select_version
from tests.support.servers import MlflowServer


def key_to(qtbot: QtBot, menu: QMenu, text: str) -> None:
    """Down through ``menu`` until ``text`` is the active item (as a keyboard user does)."""
    for _ in range(len(menu.actions()) + 1):
        active = menu.activeAction()
        if active is not None and active.text() == text:
            return
        QTest.keyClick(menu, Qt.Key.Key_Down)
    raise AssertionError(f"{text!r} not in {[a.text() for a in menu.actions()]}")


def test_menu_key_promote_to_production_and_enter_promotes(
    qtbot: QtBot, mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    fresh_model(mlflow_server, "menu-a", 2)
    admin = admin_store(mlflow_server)
    add_server_profile(store, secrets, mlflow_server, "srv")
    window = open_window(qtbot, store)
    select_model(qtbot, window, "srv", "menu-a")
    select_version(qtbot, window, "2")
    menu = open_menu_by_key(qtbot, window)
    labels = [a.text() for a in menu.actions() if a.text()]
    for expected in (
        "Promote to",
        "Set alias",
        "Copy URI",
        "Copy load snippet",
        "Download…",
        "Compare with",
        "Copy to",
        "Open in web UI",
        "&Refresh",
    ):
        assert expected in labels
    key_to(qtbot, menu, "Promote to")
    QTest.keyClick(menu, Qt.Key.Key_Right)
    stages = submenu(menu.activeAction())
    qtbot.waitUntil(stages.isVisible)
    assert {a.text(): a.isEnabled() for a in stages.actions()} == {
        "None": False,  # it is there already
        "Staging": True,
        "Production": True,
        "Archived": True,
    }
    key_to(qtbot, stages, "Production")
    seen: list[str] = []

    def press_enter_on_the_dialog() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, PromoteDialog):
            seen.append(dialog.plan.text())
            seen.append(dialog.windowTitle())
            # Typing goes into the comment (#23.12): it has the focus when the dialog opens.
            focused = dialog.focusWidget()
            seen.append("comment focused" if focused is dialog.comment else repr(focused))
            QTest.keyClicks(dialog.comment, "canary ok")
            QTest.keyClick(dialog.comment, Qt.Key.Key_Return)  # the default button: Promote
        else:
            QTimer.singleShot(20, press_enter_on_the_dialog)

    QTimer.singleShot(0, press_enter_on_the_dialog)
    QTest.keyClick(stages, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: admin.get_model_version("menu-a", "2").current_stage == "Production",
        timeout=60_000,
    )
    assert seen and "v2 (None) → Production" in seen[0]
    assert seen[1] == "Promote menu-a v2" and seen[2] == "comment focused"
    # The selection is back on the version the menu was opened on, showing its new stage.
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    current = window.node_at(window.tree.currentIndex())
    assert current is not None and current.kind.name == "VERSION" and current.key == "2"
    qtbot.waitUntil(
        lambda: (
            window.details.version_view.detail is not None
            and window.details.version_view.detail.version.stage.value == "Production"
        ),
        timeout=60_000,
    )
    tags = admin.get_model_version("menu-a", "2").tags
    assert any("canary ok" in value for key, value in tags.items() if "event" in key)
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    window.close()


def test_model_and_registry_rows_have_menus_and_uris_are_copied(
    qtbot: QtBot, demo_profile: Profile, store: ProfileStore
) -> None:
    window = open_window(qtbot, store)
    select_model(qtbot, window, "demo", "churn-classifier")
    menu = open_menu_by_key(qtbot, window)
    labels = [a.text() for a in menu.actions() if a.text()]
    assert labels[:2] == ["Open promotion board", "Copy URI"]
    uris = submenu_of(menu, "Copy URI")
    first = uris.actions()[0]
    assert first.text().startswith("models:/churn-classifier@champion")
    first.trigger()
    assert QGuiApplication.clipboard().text() == "models:/churn-classifier@champion"
    menu.close()
    select_version(qtbot, window, "4")
    menu = open_menu_by_key(qtbot, window)
    remove = submenu_of(menu, "Remove alias")
    assert [a.text() for a in remove.actions()] == ["@champion"]
    compare_item = item(menu, "Compare with")
    compare = submenu(compare_item)
    menu.setActiveAction(compare_item)
    QTest.keyClick(menu, Qt.Key.Key_Right)
    qtbot.waitUntil(compare.isVisible)
    assert [a.text() for a in compare.actions()][:2] == ["v5  (Staging)", "v3"]
    snippet = next(a for a in menu.actions() if a.text() == "Copy load snippet")
    snippet.trigger()
    assert "models:/churn-classifier/4" in QGuiApplication.clipboard().text()
    grab_with_popups(window, menu, compare).save(str(save_artifact("tree-menu.png")))
    menu.close()
    # The registry row: Shift+F10 opens its menu too.
    choose_row(
        window.tree, window.proxy.mapFromSource(window.tree_model.profile_index(demo_profile.id))
    )
    QTest.keyClick(window.tree, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
    registry_menu = window.tree_menus.menu
    assert registry_menu is not None and registry_menu.isVisible()
    assert "&Test connection" in [a.text() for a in registry_menu.actions()]
    registry_menu.close()
    window.close()


def test_profile_names_with_an_ampersand_read_as_written_in_menus(
    qtbot: QtBot, demo_profile: Profile, store: ProfileStore
) -> None:
    from modelyard.core.kinds import LocalSettings

    assert isinstance(demo_profile.settings, LocalSettings)
    store.add(Profile(name="R&D", settings=LocalSettings(path=str(demo_profile.settings.path))))
    window = open_window(qtbot, store)
    select_model(qtbot, window, "demo", "churn-classifier")
    select_version(qtbot, window, "4")
    menu = open_menu_by_key(qtbot, window)
    copy_to = submenu_of(menu, "Copy to")
    assert [a.text() for a in copy_to.actions()] == ["R&&D"]  # shown as "R&D", no mnemonic
    menu.close()
    window.close()


def test_a_keyboard_context_menu_event_acts_on_the_current_row_not_its_position(
    qtbot: QtBot, demo_profile: Profile, store: ProfileStore
) -> None:
    """The window system turns the Menu key into a context-menu event whose position is in the
    tree's frame coordinates (a header's height above the viewport's): read as a row position it
    names the row below. Such a menu must be the current row's."""
    window = open_window(qtbot, store)
    select_model(qtbot, window, "demo", "churn-classifier")
    select_version(qtbot, window, "5")
    tree = window.tree
    current = tree.currentIndex()
    below = tree.indexBelow(current)
    assert below.isValid()
    position = tree.visualRect(below).center()  # where a shifted position points: the next row
    event = QContextMenuEvent(
        QContextMenuEvent.Reason.Keyboard, position, tree.mapToGlobal(position)
    )
    QApplication.sendEvent(tree, event)
    menu = window.tree_menus.menu
    assert menu is not None and menu.isVisible()
    node = window.tree_menus.node
    assert node is not None and node is window.node_at(current)
    assert str(node.key) == "5"
    menu.close()


def test_the_confirmation_is_titled_by_what_it_does(qtbot: QtBot) -> None:
    from modelyard.core.actions.promote import ShownModel, Target

    snapshot = ShownModel({}, {"champion": "4"})
    for target, title, ok in (
        (Target("stage", "Production"), "Promote m v5", "Promote"),
        (Target("alias", "champion"), "Set @champion — m v5", "Set alias"),
        (Target("remove-alias", "champion"), "Remove @champion — m", "Remove alias"),
    ):
        dialog = PromoteDialog.for_promotion("m", "5", target, snapshot, [])
        qtbot.addWidget(dialog)
        assert dialog.windowTitle() == title and dialog.ok_button.text() == ok
