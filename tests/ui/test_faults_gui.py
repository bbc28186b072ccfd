"""The fault matrix in the window (issue #11): listing, details and promotion through the loopback
fault proxy in front of the real server. Each fault is named where it happened, within the
profile's timeouts; what was shown before stays; a refused write changes nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from modelyard.core.kinds import MlflowServerSettings
from modelyard.core.profiles.profile import Profile, ProfileStore
from modelyard.ui.board.promote_dialog import PromotionChoice
from tests.conftest import save_artifact
from tests.helpers.board import drop, lane_versions, tree_mime
from tests.helpers.registry import admin_store, create_version, ensure_model
from tests.helpers.window import open_window, select_model, select_version
from tests.support.fault_proxy import FaultProxy, fault_proxy
from tests.support.servers import MlflowServer

MODEL = "gui-fault-model"
TIMEOUT_S = 2.0


@pytest.fixture()
def proxy(mlflow_server: MlflowServer) -> Iterator[FaultProxy]:
    admin = admin_store(mlflow_server)
    ensure_model(admin, MODEL)
    for _ in range(2 - len(admin.search_model_versions(f"name='{MODEL}'"))):
        create_version(mlflow_server, MODEL)
    for version in ("1", "2"):
        admin.transition_model_version_stage(MODEL, version, "None", False)
    with fault_proxy(mlflow_server.url, max_stall_s=15.0) as running:
        yield running


def _profile(store: ProfileStore, url: str) -> None:
    store.add(
        Profile(
            name="gf",
            settings=MlflowServerSettings(url=url),
            connect_timeout_s=TIMEOUT_S,
            read_timeout_s=TIMEOUT_S,
        )
    )


@pytest.mark.parametrize(
    ("fault", "words"),
    [("502", "502 Bad Gateway"), ("html", "web page"), ("refuse", "connection refused")],
)
def test_a_listing_that_fails_names_the_cause_on_the_registry(
    qtbot: QtBot, proxy: FaultProxy, store: ProfileStore, fault: str, words: str
) -> None:
    _profile(store, proxy.url)
    proxy.set(fault, when="registered-models/search")
    window = open_window(qtbot, store)
    window.open_profile("gf")
    node = window.tree_model.node(window.tree_model.profile_index("gf"))
    qtbot.waitUntil(lambda: node.load.error is not None, timeout=30_000)
    assert words in (node.load.error or "")
    assert "127.0.0.1" in (node.load.error or "")
    qtbot.waitUntil(window.workers.is_idle, timeout=30_000)
    window.close()


@pytest.mark.parametrize(
    ("fault", "words"),
    [("never", "did not answer in time"), ("reset", "reset"), ("500", "500")],
)
def test_a_details_load_that_fails_keeps_what_was_shown(
    qtbot: QtBot, proxy: FaultProxy, store: ProfileStore, fault: str, words: str
) -> None:
    _profile(store, proxy.url)
    window = open_window(qtbot, store)
    select_model(qtbot, window, "gf", MODEL)
    select_version(qtbot, window, "1")
    view = window.details.version_view
    assert view.detail is not None
    shown_run = view.fields.values["Source run"]
    proxy.set(fault, when="GET /api/2.0/mlflow/model-versions/get")
    started = time.monotonic()
    window.details.reload()
    qtbot.waitUntil(view.banner.button.isVisible, timeout=30_000)
    assert time.monotonic() - started < 2 * TIMEOUT_S + 4
    assert words in view.banner.label.text()
    assert view.banner.button.text() == "Retry"
    window.grab().save(str(save_artifact(f"fault-details-{fault}.png")))
    assert view.fields.values["Source run"] == shown_run  # earlier data stays visible
    proxy.set("pass")
    with qtbot.waitSignal(window.details.loaded, timeout=30_000):
        view.banner.button.click()
    qtbot.waitUntil(window.workers.is_idle, timeout=30_000)
    window.close()


@pytest.mark.parametrize(("fault", "words"), [("503", "503"), ("html", "web page")])
def test_a_promotion_that_fails_changes_nothing_and_says_why(
    qtbot: QtBot,
    proxy: FaultProxy,
    mlflow_server: MlflowServer,
    store: ProfileStore,
    fault: str,
    words: str,
) -> None:
    _profile(store, proxy.url)
    window = open_window(qtbot, store)
    select_model(qtbot, window, "gf", MODEL)
    window.details.model_view.tabs.setCurrentWidget(window.details.model_view.board)
    board = window.details.model_view.board
    window.details.promotions.confirm_promotion = lambda *a: PromotionChoice(False, "")
    proxy.set(fault, when="POST /api/2.0/mlflow/model-versions/transition-stage")
    drop(board.stage_lanes["Staging"], tree_mime(window, "2"))
    view = window.details.model_view
    qtbot.waitUntil(lambda: "Not promoted" in view.banner.label.text(), timeout=30_000)
    assert words in view.banner.label.text()
    qtbot.waitUntil(window.workers.is_idle, timeout=30_000)
    assert admin_store(mlflow_server).get_model_version(MODEL, "2").current_stage == "None"
    assert "2" in lane_versions(board.stage_lanes["None"])  # the board shows the server's truth
    window.close()


def test_a_slow_promotion_is_waited_for_visibly_and_succeeds(
    qtbot: QtBot, mlflow_server: MlflowServer, store: ProfileStore
) -> None:
    """Slow is not dead (#23.6): a write answered after the first-byte limit is waited for with
    "Still waiting for <host> (N s) · Cancel" in the status bar, and then made."""
    admin = admin_store(mlflow_server)
    ensure_model(admin, "gui-slow-model")
    create_version(mlflow_server, "gui-slow-model")
    with fault_proxy(mlflow_server.url, max_stall_s=15.0, delay_s=3.0) as slow:
        store.add(
            Profile(name="slow", settings=MlflowServerSettings(url=slow.url), read_timeout_s=1.0)
        )
        window = open_window(qtbot, store)
        select_model(qtbot, window, "slow", "gui-slow-model")
        view = window.details.model_view
        view.tabs.setCurrentWidget(view.board)
        window.details.promotions.confirm_promotion = lambda *a: PromotionChoice(False, "")
        slow.set("delay", when="POST /api/2.0/mlflow/model-versions/transition-stage")
        drop(view.board.stage_lanes["Staging"], tree_mime(window, "1"))
        indicator = window.wait_indicator
        qtbot.waitUntil(indicator.isVisible, timeout=30_000)
        assert "Still waiting for 127.0.0.1" in indicator.label.text()
        assert indicator.cancel.isVisible() and indicator.cancel.text() == "Cancel"
        window.grab().save(str(save_artifact("still-waiting.png")))
        qtbot.waitUntil(lambda: not indicator.isVisible(), timeout=30_000)
        qtbot.waitUntil(lambda: "Staging" in view.banner.label.text(), timeout=30_000)
        qtbot.waitUntil(window.workers.is_idle, timeout=30_000)
        slow.set("pass")
        assert admin.get_model_version("gui-slow-model", "1").current_stage == "Staging"
        assert "1" in lane_versions(view.board.stage_lanes["Staging"])
        window.close()


def test_one_status_per_profile_follows_the_latest_call_of_any_view(
    qtbot: QtBot, proxy: FaultProxy, store: ProfileStore
) -> None:
    """#23.3: "● gf: connected" stayed while every read failed (a version showing a red load
    error); after recovery "offline, as seen … ago" stayed beside "● connected"."""
    _profile(store, proxy.url)
    window = open_window(qtbot, store)
    select_model(qtbot, window, "gf", MODEL)
    select_version(qtbot, window, "1")
    label = window.connection_label
    qtbot.waitUntil(lambda: label.text() == "● gf: connected", timeout=30_000)
    root = window.tree_model.node(window.tree_model.profile_index("gf"))
    proxy.set("refuse")
    window.details.reload()  # a details read, not the tree's
    qtbot.waitUntil(lambda: label.text() == "● gf: offline", timeout=30_000)
    assert root.load.offline and "connection refused" in root.load.offline  # the row says so too
    window.grab().save(str(save_artifact("status-offline.png")))
    proxy.set("pass")
    with qtbot.waitSignal(window.details.loaded, timeout=30_000):
        window.details.reload()
    qtbot.waitUntil(lambda: label.text() == "● gf: connected", timeout=30_000)
    qtbot.waitUntil(lambda: root.load.offline is None and not root.load.fetching, timeout=30_000)
    qtbot.waitUntil(window.workers.is_idle, timeout=30_000)
    window.close()
