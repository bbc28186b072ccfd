"""The tree when a registry cannot be reached (issue #12, offline slice): the last-seen state,
kept on disk from complete listings, is shown at once, marked offline with its age and the
reason; F5 tries the registry again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from modelyard.core.kinds import MlflowServerSettings
from modelyard.core.model.snapshot import load_snapshot
from modelyard.core.profiles.profile import Profile, ProfileStore
from modelyard.ui.tree.tree_panel import choose_row
from tests.conftest import save_artifact
from tests.helpers.registry import admin_store, create_version, ensure_model
from tests.helpers.window import open_window, select_model
from tests.support.servers import MlflowServer, start_server


@pytest.fixture()
def own_server(tmp_path: Path) -> Iterator[MlflowServer]:
    server = start_server(tmp_path / "server")
    yield server
    server.stop()


def test_a_registry_that_is_down_shows_its_last_seen_rows(
    qtbot: QtBot, own_server: MlflowServer, store: ProfileStore
) -> None:
    admin = admin_store(own_server)
    ensure_model(admin, "kept-a")
    ensure_model(admin, "kept-b")
    create_version(own_server, "kept-a")
    admin.transition_model_version_stage("kept-a", "1", "Production", False)
    profile = store.add(
        Profile(
            name="p",
            settings=MlflowServerSettings(url=own_server.url),
            connect_timeout_s=1.0,
            read_timeout_s=2.0,
        )
    )
    window = open_window(qtbot, store)
    select_model(qtbot, window, "p", "kept-a")  # lists the models and kept-a's versions
    qtbot.waitUntil(window.workers.is_idle, timeout=30_000)

    def kept() -> bool:
        state = load_snapshot(profile.id)
        return state is not None and "kept-a" in state.versions and len(state.models) == 2

    qtbot.waitUntil(kept, timeout=30_000)
    window.close()
    own_server.stop()

    window = open_window(qtbot, store)
    tm = window.tree_model
    window.open_profile("p")
    root = tm.profile_index("p")
    node = tm.node(root)
    qtbot.waitUntil(
        lambda: node.load.offline is not None or node.load.error is not None, timeout=30_000
    )
    assert node.load.error is None, node.load.error
    assert [tm.index(r, 0, root).data() for r in range(tm.rowCount(root))] == ["kept-a", "kept-b"]
    info = tm.index(root.row(), 3).data()
    assert info.startswith("⚠ 2 models, offline, as seen") and "F5" in info
    assert "connection refused" in (tm.index(root.row(), 0).data(3) or "")  # the tooltip says why
    model_index = tm.index(0, 0, root)
    window.tree.expand(window.proxy.mapFromSource(model_index))
    model_node = tm.node(model_index)
    qtbot.waitUntil(lambda: model_node.load.offline is not None, timeout=30_000)
    version = tm.index(0, 0, model_index)
    assert (version.data(), version.siblingAtColumn(1).data()) == ("v1", "Production")
    # kept-b's versions were never listed: its expansion says why, without rows.
    other = tm.index(1, 0, root)
    window.tree.expand(window.proxy.mapFromSource(other))
    qtbot.waitUntil(lambda: tm.node(other).load.error is not None, timeout=30_000)
    qtbot.waitUntil(window.workers.is_idle, timeout=30_000)
    choose_row(window.tree, window.proxy.mapFromSource(version))
    qtbot.waitUntil(window.workers.is_idle, timeout=30_000)
    window.grab().save(str(save_artifact("offline-tree.png")))
    # The registry's pane offers to try again now.
    choose_row(window.tree, window.proxy.mapFromSource(root))
    banner = window.details.profile_view.banner
    qtbot.waitUntil(banner.button.isVisible, timeout=10_000)
    assert banner.button.text() == "Retry now"
    banner.button.click()
    assert node.load.fetching  # read again at once, not at the next automatic retry
    qtbot.waitUntil(
        lambda: not node.load.fetching and node.load.offline is not None, timeout=30_000
    )
    qtbot.waitUntil(window.workers.is_idle, timeout=30_000)
    window.close()
