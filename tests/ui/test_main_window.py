"""The main window on the demo registry: load, filter, details, status bar, screenshot."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from modelyard.core.profiles.profile import Profile, ProfileStore
from modelyard.ui.shell.app import create_app
from modelyard.ui.shell.main_window import MainWindow
from modelyard.ui.tree.tree_model import NODE_ROLE, NodeKind
from modelyard.ui.tree.tree_panel import choose_row
from tests.conftest import save_artifact
from tests.helpers.menus import submenu


def open_window(qtbot: QtBot, store: ProfileStore) -> MainWindow:
    create_app()
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.profiles_loaded, timeout=30_000)  # read on a worker
    return window


def expand_and_wait(qtbot: QtBot, window: MainWindow, name: str) -> None:
    window.open_profile(name)
    source = window.tree_model.profile_index(name)
    qtbot.waitUntil(lambda: window.tree_model.node(source).load.all_fetched, timeout=60_000)


def test_window_browses_the_demo_registry(
    qtbot: QtBot, demo_profile: Profile, store: ProfileStore
) -> None:
    window = open_window(qtbot, store)
    expand_and_wait(qtbot, window, "demo")
    proxy = window.proxy
    demo = proxy.index(0, 0)
    assert proxy.rowCount(demo) == 6
    churn = next(
        proxy.index(r, 0, demo)
        for r in range(proxy.rowCount(demo))
        if proxy.index(r, 0, demo).data() == "churn-classifier"
    )
    window.tree.expand(churn)
    qtbot.waitUntil(lambda: proxy.rowCount(churn) == 5, timeout=60_000)
    v4 = proxy.index(1, 0, churn)
    choose_row(window.tree, v4)
    assert window.details.current is v4.data(NODE_ROLE)
    fields = window.details.version_view.fields.values
    assert fields["Stage"] == "Production"
    assert fields["Model URI"] == "models:/churn-classifier/4"
    assert "champion" in fields["Aliases"]
    assert "connected" in window.connection_label.text()
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    window.grab().save(str(save_artifact("main-window-demo.png")))
    window.close()


def test_filter_narrows_the_tree(qtbot: QtBot, demo_profile: Profile, store: ProfileStore) -> None:
    window = open_window(qtbot, store)
    expand_and_wait(qtbot, window, "demo")
    QTest.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.search.hasFocus()
    QTest.keyClicks(window.search, "FRAUD")
    demo = window.proxy.index(0, 0)
    qtbot.waitUntil(lambda: window.proxy.rowCount(demo) == 1, timeout=5_000)
    assert window.proxy.index(0, 0, demo).data() == "fraud-detector"
    # Down goes into the results; the details of a row the filter hides stay shown.
    QTest.keyClick(window.search, Qt.Key.Key_Down)
    assert window.tree.hasFocus()
    assert window.tree.currentIndex().data() == "fraud-detector"
    qtbot.waitUntil(lambda: window.details.current is not None, timeout=5_000)
    shown = window.details.current
    window.search.setFocus()
    window.search.setText("no-such-model")
    qtbot.waitUntil(window.no_matches.isVisible, timeout=5_000)
    assert "no-such-model" in window.no_matches.text()
    assert window.details.current is shown
    QTest.keyClick(window.search, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.proxy.rowCount(demo) == 6, timeout=5_000)
    assert not window.no_matches.isVisible()
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    window.close()


def test_a_version_filter_finds_versions_of_models_never_opened(
    qtbot: QtBot, demo_profile: Profile, store: ProfileStore
) -> None:
    """A filter "v3" shows version 3 of every model that has one, though no model was opened: their
    versions are read for the filter; a model whose newest version is v2 is not read (#23.11)."""
    window = open_window(qtbot, store)
    expand_and_wait(qtbot, window, "demo")
    tm, proxy = window.tree_model, window.proxy
    models = {n.key: n for n in tm.node(tm.profile_index("demo")).children}
    assert not any(n.load.opened for n in models.values())
    window.search.setFocus()
    QTest.keyClicks(window.search, "v3")
    demo = proxy.index(0, 0)

    def found() -> dict[str, list[str]]:
        shown: dict[str, list[str]] = {}
        for r in range(proxy.rowCount(demo)):
            model = proxy.index(r, 0, demo)
            shown[model.data()] = [
                proxy.index(c, 0, model).data() for c in range(proxy.rowCount(model))
            ]
        return shown

    with_v3 = {"churn-classifier", "demand-forecast", "fraud-detector", "support-ticket-router"}
    qtbot.waitUntil(lambda: set(found()) == with_v3, timeout=60_000)
    qtbot.waitUntil(lambda: all(v == ["v3"] for v in found().values()), timeout=60_000)
    for r in range(proxy.rowCount(demo)):
        assert window.tree.isExpanded(proxy.index(r, 0, demo))  # the matches are in sight
    # newest v2 and v1: nothing to find there, nothing read
    assert (
        not models["price-elasticity"].load.opened
        and not models["image-quality-scorer"].load.opened
    )
    assert window.panel.versions_read_for_filter == len(with_v3)
    assert not window.no_matches.isVisible()
    QTest.keyClick(window.search, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: proxy.rowCount(demo) == 6, timeout=5_000)
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    window.close()


def test_profile_details_and_refresh_shortcut(
    qtbot: QtBot, demo_profile: Profile, store: ProfileStore
) -> None:
    window = open_window(qtbot, store)
    expand_and_wait(qtbot, window, "demo")
    choose_row(window.tree, window.proxy.index(0, 0))
    node = window.details.current
    assert node is not None and node.kind is NodeKind.PROFILE
    fields = window.details.profile_view.fields.values
    assert fields["Kind"].startswith("A registry in a local sqlite file")
    assert "6 models" in fields["State"]
    window.tree.setFocus()
    QTest.keyClick(window.tree, Qt.Key.Key_F5)
    qtbot.waitUntil(
        lambda: window.tree_model.node(window.tree_model.profile_index("demo")).load.all_fetched,
        timeout=60_000,
    )
    assert window.proxy.rowCount(window.proxy.index(0, 0)) == 6
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    window.close()


def test_demo_is_prepared_in_the_background(qtbot: QtBot, store: ProfileStore) -> None:
    """--demo with no demo yet: the window shows at once, seeding runs in a worker."""
    window = open_window(qtbot, store)
    assert window.tree_model.rowCount() == 0
    window.prepare_demo()
    assert window.busy.isVisible()
    qtbot.waitUntil(lambda: window.tree_model.rowCount() == 1, timeout=120_000)
    source = window.tree_model.profile_index("demo")
    qtbot.waitUntil(lambda: window.tree_model.rowCount(source) == 6, timeout=60_000)
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    window.close()


def test_filter_by_alias(qtbot: QtBot, demo_profile: Profile, store: ProfileStore) -> None:
    window = open_window(qtbot, store)
    expand_and_wait(qtbot, window, "demo")
    demo = window.proxy.index(0, 0)

    def shown() -> list[str]:
        return sorted(
            str(window.proxy.index(r, 0, demo).data()) for r in range(window.proxy.rowCount(demo))
        )

    window.search.setText("@candidate")
    qtbot.waitUntil(lambda: shown() == ["image-quality-scorer"], timeout=5_000)
    window.search.setText("@champ")  # aliases starting with it
    qtbot.waitUntil(lambda: len(shown()) == 4, timeout=5_000)
    assert "price-elasticity" not in shown()
    window.search.setText("baseline")  # plain text: names and aliases
    qtbot.waitUntil(lambda: shown() == ["demand-forecast"], timeout=5_000)
    window.search.setText("@")  # anything with an alias
    qtbot.waitUntil(lambda: len(shown()) == 5, timeout=5_000)
    assert "price-elasticity" not in shown()
    window.search.clear()
    qtbot.waitUntil(lambda: len(shown()) == 6, timeout=5_000)
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    window.close()


def test_a_profile_file_that_is_not_utf8_opens_the_window_and_says_why(
    qtbot: QtBot, store: ProfileStore
) -> None:
    """#11.13: the window shows; the status bar names the problem; the file is untouched."""
    store.directory.mkdir(parents=True)
    store.path.write_bytes(b'{"profiles": [{"name": "caf\xe9"}]}')
    window = open_window(qtbot, store)
    assert window.tree_model.rowCount() == 0
    assert "not UTF-8" in window.statusBar().currentMessage()
    assert store.path.read_bytes() == b'{"profiles": [{"name": "caf\xe9"}]}'
    window.close()


def test_profiles_added_or_removed_elsewhere_show_without_a_restart(
    qtbot: QtBot, demo_profile: Profile, store: ProfileStore
) -> None:
    """#12.7: the CLI (another process, or here in-process) changes the profile file."""
    from tests.helpers.cli import run

    window = open_window(qtbot, store)
    assert [p.name for p in window.tree_model.profiles()] == ["demo"]
    code, _, err = run("profiles", "add", "--name", "team", "--kind", "mlflow", "--url", "http://t")
    assert code == 0, err
    qtbot.waitUntil(
        lambda: [p.name for p in window.tree_model.profiles()] == ["demo", "team"], timeout=10_000
    )
    assert run("profiles", "remove", "team")[0] == 0
    qtbot.waitUntil(
        lambda: [p.name for p in window.tree_model.profiles()] == ["demo"], timeout=10_000
    )
    qtbot.waitUntil(window.workers.is_idle, timeout=10_000)
    window.close()


def test_the_registry_pane_says_what_a_newcomer_can_do_next(
    qtbot: QtBot, demo_profile: Profile, store: ProfileStore
) -> None:
    from tests.helpers.window import open_window

    window = open_window(qtbot, store)
    window.open_profile("demo")
    qtbot.waitUntil(lambda: window.details.currentWidget() is window.details.profile_view)
    view = window.details.profile_view
    text = view.next_steps.text()
    assert "What you can do here" in text and "Promote" in text and "Ctrl+Shift+C" in text
    assert demo_profile.id not in view.fields.values.values()  # no raw uuid on the page
    assert "local sqlite file" in view.fields.values["Kind"]
    # The environment label is a badge by the name, not text in the Stage column.
    from modelyard.ui.tree.tree_node import LABEL_ROLE

    row = window.tree_model.profile_index("demo")
    assert row.siblingAtColumn(1).data() in (None, "")
    assert row.data(LABEL_ROLE) == ("demo", "#2e7d32")
    qtbot.waitUntil(window.workers.is_idle, timeout=30_000)
    window.grab().save(str(save_artifact("registry-pane.png")))
    window.close()


def test_saving_a_new_profile_keeps_the_tree_as_it_was(
    qtbot: QtBot, demo_profile: Profile, store: ProfileStore
) -> None:
    from modelyard.core.kinds import MlflowServerSettings
    from tests.helpers.window import open_window, select_model

    window = open_window(qtbot, store)
    select_model(qtbot, window, "demo", "churn-classifier")
    tm, proxy = window.tree_model, window.proxy

    def expanded(name: str) -> bool:
        profile = tm.profile_index("demo")
        if name == "demo":
            return window.tree.isExpanded(proxy.mapFromSource(profile))
        rows = [tm.index(r, 0, profile) for r in range(tm.rowCount(profile))]
        found = [i for i in rows if i.data() == name]
        return bool(found) and window.tree.isExpanded(proxy.mapFromSource(found[0]))

    assert expanded("demo") and expanded("churn-classifier")
    added = store.add(
        Profile(name="later", settings=MlflowServerSettings(url="http://127.0.0.1:9"))
    )
    window.profiles.profile_saved(added)
    qtbot.waitUntil(lambda: tm.profile_index("later").isValid(), timeout=30_000)
    qtbot.waitUntil(lambda: expanded("demo") and expanded("churn-classifier"), timeout=30_000)
    qtbot.waitUntil(window.workers.is_idle, timeout=30_000)
    window.close()


def test_the_file_menu_asks_before_deleting_and_its_export_writes(
    qtbot: QtBot,
    demo_profile: Profile,
    store: ProfileStore,
    tmp_path: object,
    monkeypatch: object,
) -> None:
    """The menu's actions were connected to methods with defaults: Qt's triggered(checked)
    came in as confirm=False (Delete profile… deleted without asking) and as path=False
    (Export and Import did nothing)."""
    from pathlib import Path

    import pytest
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    assert isinstance(monkeypatch, pytest.MonkeyPatch) and isinstance(tmp_path, Path)
    window = open_window(qtbot, store)
    asked: list[str] = []

    def question(_parent: object, title: str, text: str, *args: object) -> object:
        asked.append(title)
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", question)
    choose_row(window.tree, window.proxy.mapFromSource(window.tree_model.profile_index("demo")))
    window.delete_profile_action.trigger()
    assert asked == ["Delete profile"]
    assert store.find("demo") is not None  # "No": nothing deleted
    out = tmp_path / "exported.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    file_menu = submenu(window.menuBar().actions()[0])
    export = next(a for a in file_menu.actions() if "xport" in a.text())
    export.trigger()
    assert '"demo"' in out.read_text()
    window.close()
