"""One registry state per profile (issue #12): the tree, the board and the details read the same
core state, so after any change every view shows the server's truth; the last-seen state opens at
once and stays browsable offline; a hung registry never delays another's rows."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from modelyard.core.actions.promote import Target
from modelyard.core.kinds import MlflowServerSettings
from modelyard.core.model.domain import Stage
from modelyard.core.model.snapshot import load_snapshot
from modelyard.core.profiles.profile import Profile, ProfileStore
from modelyard.ui.board.promote_dialog import PromotionChoice
from modelyard.ui.shell.main_window import MainWindow
from modelyard.ui.tree import tree_model as tm_module
from modelyard.ui.tree.tree_model import Column
from modelyard.ui.tree.tree_panel import choose_row
from tests.conftest import save_artifact
from tests.helpers.board import lane_versions
from tests.helpers.registry import admin_store, create_version, ensure_model
from tests.helpers.window import open_window, select_model
from tests.support.fault_proxy import FaultProxy, fault_proxy
from tests.support.servers import MlflowServer, start_server

MODEL = "one-state"


@pytest.fixture(scope="module")
def module_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowServer]:
    server = start_server(tmp_path_factory.mktemp("one-state") / "server")
    yield server
    server.stop()


@pytest.fixture()
def own_server(module_server: MlflowServer) -> MlflowServer:
    """The module's server with only what each test starts from: MODEL (v1 in Production, v2,
    v3) and other-model. Emptied and filled again per test (a new server took 10 s)."""
    admin = admin_store(module_server)
    for model in admin.search_registered_models():
        admin.delete_registered_model(model.name)  # its versions go with it; numbers restart
    ensure_model(admin, MODEL)
    ensure_model(admin, "other-model")
    numbers = [create_version(module_server, MODEL).version for _ in range(3)]
    assert numbers == ["1", "2", "3"], numbers  # what the tests' rows and lanes name
    admin.transition_model_version_stage(MODEL, "1", "Production", False)
    return module_server


@pytest.fixture()
def proxy(own_server: MlflowServer) -> Iterator[FaultProxy]:
    with fault_proxy(own_server.url, max_stall_s=20.0) as running:
        yield running


def _add(store: ProfileStore, name: str, url: str, timeout_s: float = 2.0) -> Profile:
    return store.add(
        Profile(
            name=name,
            settings=MlflowServerSettings(url=url),
            connect_timeout_s=timeout_s,
            read_timeout_s=timeout_s,
        )
    )


def _rows(window: MainWindow, parent_index: QModelIndex) -> list[tuple[str, str, str]]:
    tm = window.tree_model
    return [
        (
            tm.index(r, Column.NAME, parent_index).data(),
            tm.index(r, Column.STAGE, parent_index).data(),
            tm.index(r, Column.ALIASES, parent_index).data(),
        )
        for r in range(tm.rowCount(parent_index))
    ]


def _model_index(window: MainWindow, profile: str, model: str) -> QModelIndex:
    tm = window.tree_model
    root = tm.profile_index(profile)
    row = next(r for r in range(tm.rowCount(root)) if tm.index(r, 0, root).data() == model)
    return tm.index(row, 0, root)


def test_a_change_made_elsewhere_reaches_every_view_after_a_refresh(
    qtbot: QtBot, own_server: MlflowServer, store: ProfileStore
) -> None:
    """(a) another client promotes and sets an alias while the window is open: after F5 the
    model row, the version rows, the board and the details agree with the server."""
    _add(store, "p", own_server.url)
    window = open_window(qtbot, store)
    select_model(qtbot, window, "p", MODEL)
    model_index = _model_index(window, "p", MODEL)
    assert model_index.siblingAtColumn(Column.STAGE).data() == "Prod v1"
    expanded = window.proxy.mapFromSource(model_index)
    assert window.tree.isExpanded(expanded)

    admin = admin_store(own_server)  # another client, straight to the server
    admin.transition_model_version_stage(MODEL, "3", "Production", True)
    admin.transition_model_version_stage(MODEL, "2", "Staging", False)
    admin.set_registered_model_alias(MODEL, "champion", "3")

    inserted: list[int] = []
    window.tree_model.rowsInserted.connect(lambda *_args: inserted.append(1))
    removed: list[int] = []
    window.tree_model.rowsRemoved.connect(lambda *_args: removed.append(1))
    window.refresh_selected()  # F5 on the model: its versions are read again
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    qtbot.waitUntil(
        lambda: model_index.siblingAtColumn(Column.STAGE).data() == "Prod v3 · Stg v2",
        timeout=30_000,
    )
    assert not inserted and not removed, "a refresh changes rows in place: nothing collapses"
    assert window.tree.isExpanded(expanded)
    assert window.tree.currentIndex() == expanded, "the selection is kept"
    assert model_index.siblingAtColumn(Column.ALIASES).data() == "champion→v3"
    assert _rows(window, model_index) == [
        ("v3", "Production", "champion"),
        ("v2", "Staging", ""),
        ("v1", "Archived", ""),
    ]
    board = window.details.model_view.board
    qtbot.waitUntil(lambda: lane_versions(board.stage_lanes["Production"]) == ["3"], timeout=30_000)
    assert lane_versions(board.stage_lanes["Staging"]) == ["2"]
    assert lane_versions(board.stage_lanes["Archived"]) == ["1"]
    shown = {v.version: (v.stage, v.aliases) for v in window.details.model_view.versions}
    assert shown == {
        "3": (Stage.PRODUCTION, ("champion",)),
        "2": (Stage.STAGING, ()),
        "1": (Stage.ARCHIVED, ()),
    }
    state = window.connections.states.get(store.get("p").id)
    assert state.stage_line(MODEL) == "Prod v3 · Stg v2"
    window.close()


def test_a_promotion_in_the_window_updates_the_tree_from_the_servers_answer(
    qtbot: QtBot, own_server: MlflowServer, store: ProfileStore
) -> None:
    _add(store, "p", own_server.url)
    window = open_window(qtbot, store)
    select_model(qtbot, window, "p", MODEL)
    model_index = _model_index(window, "p", MODEL)
    window.details.promotions.confirm_promotion = lambda *args: PromotionChoice(
        archive_existing=True, comment=""
    )
    removed: list[int] = []
    window.tree_model.rowsRemoved.connect(lambda *_args: removed.append(1))
    with qtbot.waitSignal(window.details.loaded, timeout=60_000):
        window.details.promotions.promote("2", Target("stage", "Production"))
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    assert model_index.siblingAtColumn(Column.STAGE).data() == "Prod v2"
    assert [(name, stage) for name, stage, _a in _rows(window, model_index)] == [
        ("v3", "None"),
        ("v2", "Production"),
        ("v1", "Archived"),
    ]
    assert not removed and window.tree.isExpanded(window.proxy.mapFromSource(model_index))
    window.close()


def test_offline_keeps_the_rows_refuses_writes_and_comes_back(
    qtbot: QtBot,
    own_server: MlflowServer,
    proxy: FaultProxy,
    store: ProfileStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """(b) the registry goes away: the rows stay, marked offline; a write is refused without a
    request; when it is back, the automatic retry refreshes the state."""
    monkeypatch.setattr(tm_module, "RETRY_FIRST_S", 0.5)
    _add(store, "p", proxy.url)
    window = open_window(qtbot, store)
    select_model(qtbot, window, "p", MODEL)
    tm = window.tree_model
    root = tm.profile_index("p")
    node = tm.node(root)
    proxy.set("refuse")
    choose_row(window.tree, window.proxy.mapFromSource(root))
    window.refresh_selected()
    qtbot.waitUntil(lambda: node.load.offline is not None, timeout=30_000)
    assert [name for name, _s, _a in _rows(window, root)] == [MODEL, "other-model"]
    assert tm.index(root.row(), Column.INFO).data().startswith("⚠ 2 models, offline, as seen")
    assert window.connection_label.text() == "● p: offline"

    choose_row(window.tree, window.proxy.mapFromSource(_model_index(window, "p", MODEL)))
    qtbot.waitUntil(lambda: window.details.current is not None, timeout=10_000)
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    seen = len(proxy.requests_seen)
    asked: list[object] = []
    window.details.promotions.confirm_promotion = lambda *args: asked.append(args)
    window.details.promotions.promote("3", Target("stage", "Staging"))
    banner = window.details.model_view.banner
    assert "Cannot promote while the registry is offline" in banner.label.text()
    assert not asked and len(proxy.requests_seen) == seen, "nothing was asked or sent"

    admin = admin_store(own_server)  # meanwhile, someone changes the registry
    admin.transition_model_version_stage(MODEL, "3", "Staging", False)
    proxy.set("pass")  # back: the automatic retry (with backoff) refreshes it
    qtbot.waitUntil(lambda: node.load.offline is None and node.load.all_fetched, timeout=30_000)
    qtbot.waitUntil(lambda: not node.load.fetching, timeout=30_000)
    assert tm.state(store.get("p").id).offline is None
    assert tm.index(root.row(), Column.INFO).data() == "2 models"
    model_index = _model_index(window, "p", MODEL)
    qtbot.waitUntil(  # the model changed: its shown versions are read again
        lambda: model_index.siblingAtColumn(Column.STAGE).data() == "Prod v1 · Stg v3",
        timeout=30_000,
    )
    qtbot.waitUntil(lambda: _rows(window, model_index)[0][:2] == ("v3", "Staging"), timeout=30_000)
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    window.close()


def test_a_restart_shows_the_cached_rows_before_the_registry_answers(
    qtbot: QtBot, proxy: FaultProxy, store: ProfileStore
) -> None:
    """(c) the second launch shows the last-seen rows, marked with their age, while the
    registry has not answered yet; the live answer then applies only the differences."""
    profile = _add(store, "p", proxy.url, timeout_s=10.0)
    window = open_window(qtbot, store)
    select_model(qtbot, window, "p", MODEL)
    qtbot.waitUntil(
        lambda: (s := load_snapshot(profile.id)) is not None and MODEL in s.versions_read_at,
        timeout=30_000,
    )
    window.close()

    proxy.set("never", when="registered-models/search")  # the registry is slow to answer
    window = open_window(qtbot, store)
    window.open_profile("p")
    tm = window.tree_model
    root = tm.profile_index("p")
    qtbot.waitUntil(lambda: tm.rowCount(root) == 2, timeout=10_000)
    node = tm.node(root)
    assert node.load.fetching and not node.load.all_fetched, "cached rows came before the live ones"
    info = tm.index(root.row(), Column.INFO).data()
    assert info.startswith("2 models as seen") and info.endswith("refreshing…")
    model_index = _model_index(window, "p", MODEL)
    assert model_index.siblingAtColumn(Column.STAGE).data() == "Prod v1"
    window.grab().save(str(save_artifact("cached-start.png")))
    inserted: list[int] = []
    tm.rowsInserted.connect(lambda *_args: inserted.append(1))
    proxy.set("pass")
    window.refresh_selected()
    qtbot.waitUntil(lambda: node.load.all_fetched and not node.load.fetching, timeout=30_000)
    assert not inserted, "the live answer changed nothing: no row was inserted again"
    assert tm.index(root.row(), Column.INFO).data() == "2 models"
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    window.close()


@pytest.fixture()
def hung_url() -> Iterator[str]:
    """A loopback socket that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(5)
    for conn in held:
        conn.close()
    listener.close()


def test_a_hung_registry_does_not_delay_another_profiles_rows(
    qtbot: QtBot, own_server: MlflowServer, store: ProfileStore, hung_url: str
) -> None:
    """(f) one registry never answers; another's rows arrive while it is still being read."""
    _add(store, "hung", hung_url, timeout_s=20.0)
    _add(store, "live", own_server.url)
    window = open_window(qtbot, store)
    tm = window.tree_model
    hung = tm.profile_index("hung")
    for _ in range(4):  # the hung profile is asked again and again (F5 on it)
        window.open_profile("hung")
        choose_row(window.tree, window.proxy.mapFromSource(hung))
        tm.refresh(hung)
    window.open_profile("live")
    live = tm.profile_index("live")
    qtbot.waitUntil(lambda: tm.node(live).load.all_fetched, timeout=10_000)
    assert tm.rowCount(live) == 2
    assert tm.node(hung).load.fetching, "the hung registry is still being read"
    waited = window.workers.shutdown
    shown_while_waiting: list[bool] = []

    def shutdown(wait_ms: int = 30_000) -> bool:
        shown_while_waiting.append(window.isVisible())
        return waited(wait_ms)  # the read ends at its timeout; nothing is left running

    window.workers.shutdown = shutdown  # type: ignore[method-assign]
    window.close()  # closing does not wait, shown, for the read that never answers
    assert shown_while_waiting == [False]


def test_what_changed_between_two_launches_is_shown_since_you_last_looked(
    qtbot: QtBot, own_server: MlflowServer, store: ProfileStore
) -> None:
    """(g) another client changes the registry between two launches: the second launch marks
    the changed model, says what changed on the registry, and the marks go when dismissed."""
    profile = _add(store, "p", own_server.url)
    window = open_window(qtbot, store)
    select_model(qtbot, window, "p", MODEL)
    qtbot.waitUntil(lambda: load_snapshot(profile.id) is not None, timeout=30_000)
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    window.close()

    admin = admin_store(own_server)
    create_version(own_server, MODEL)  # v4
    admin.transition_model_version_stage(MODEL, "4", "Production", True)
    admin.set_registered_model_alias(MODEL, "champion", "4")

    window = open_window(qtbot, store)
    tm = window.tree_model
    with qtbot.waitSignal(tm.sinceLastLooked, timeout=30_000) as news:
        window.open_profile("p")
    node = news.args[0]
    assert set(node.news) >= {
        f"{MODEL}: Production v1 → v4",
        f"{MODEL}: new version v4",
        f"{MODEL}: @champion none → v4",
    }, node.news
    model_index = _model_index(window, "p", MODEL)
    assert model_index.data(Qt.ItemDataRole.FontRole).bold()
    assert "Since you last looked" in model_index.data(Qt.ItemDataRole.ToolTipRole)
    other = _model_index(window, "p", "other-model")
    assert not (other.data(Qt.ItemDataRole.FontRole) or QFont()).bold()
    root = tm.profile_index("p")
    assert "3 changes since you last looked" in root.siblingAtColumn(Column.INFO).data()
    assert "since you last looked" in window.statusBar().currentMessage()
    choose_row(window.tree, window.proxy.mapFromSource(root))
    banner = window.details.profile_view.banner
    qtbot.waitUntil(banner.isVisible, timeout=10_000)
    assert f"• {MODEL}: Production v1 → v4" in banner.label.text()
    model_index = _model_index(window, "p", MODEL)  # the changed model's versions are re-read
    qtbot.waitUntil(lambda: model_index.siblingAtColumn(Column.STAGE).data() == "Prod v4")
    assert model_index.siblingAtColumn(Column.ALIASES).data() == "champion→v4"
    QApplication.processEvents()  # the profile's fields are laid out before the picture
    window.grab().save(str(save_artifact("since-you-last-looked.png")))
    banner.button.click()  # Dismiss
    assert not node.news and not model_index.data(Qt.ItemDataRole.FontRole).bold()
    assert root.siblingAtColumn(Column.INFO).data() == "2 models"
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    window.close()
