"""The tree model: listings read off the GUI thread page by page, model correctness, errors,
stale results."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex
from pytestqt.qtbot import QtBot

from modelyard.core.kinds import LocalSettings, MlflowServerSettings
from modelyard.core.profiles.profile import Profile, ProfileStore
from modelyard.core.session import Connections
from modelyard.ui.common.workers import WorkerPool
from modelyard.ui.tree import listing
from modelyard.ui.tree.tree_model import NODE_ROLE, Column, NodeKind, RegistryTreeModel
from tests.helpers.registry import add_server_profile, admin_store, ensure_model
from tests.support.servers import MlflowServer


def make_model(
    connections: Connections, workers: WorkerPool, profiles: list[Profile]
) -> RegistryTreeModel:
    model = RegistryTreeModel(connections, workers)
    model.set_profiles(profiles)
    return model


def load(qtbot: QtBot, model: RegistryTreeModel, index: QModelIndex) -> None:
    """Open ``index`` and wait until every page of its children is in."""
    model.open(index)

    def done() -> bool:
        node = model.node(index)
        return (node.load.all_fetched and not node.load.fetching) or node.load.error is not None

    qtbot.waitUntil(done, timeout=60_000)


def test_demo_registry_loads_lazily(
    qtbot: QtBot,
    qtmodeltester: object,
    demo_profile: Profile,
    connections: Connections,
    workers: WorkerPool,
) -> None:
    model = make_model(connections, workers, [demo_profile])
    profile_index = model.index(0, 0)
    # not opened yet: an expander (one placeholder row), no rows read
    assert model.hasChildren(profile_index) and not model.node(profile_index).children
    assert model.can_open(profile_index)
    model.open(profile_index)
    assert not model.can_open(profile_index), "a second read must not start meanwhile"
    assert model.data(profile_index.siblingAtColumn(Column.INFO)) == "loading…"
    with qtbot.waitSignal(model.rowsInserted, timeout=60_000):
        pass
    load(qtbot, model, profile_index)
    names = [
        model.data(model.index(r, 0, profile_index)) for r in range(model.rowCount(profile_index))
    ]
    assert names == sorted(names) and "churn-classifier" in names and len(names) == 6
    churn = model.index(names.index("churn-classifier"), 0, profile_index)
    load(qtbot, model, churn)
    versions = [model.data(model.index(r, 0, churn)) for r in range(model.rowCount(churn))]
    assert versions == ["v5", "v4", "v3", "v2", "v1"]
    v4 = model.index(1, 0, churn)
    assert model.data(v4.siblingAtColumn(Column.STAGE)) == "Production"
    assert model.data(v4.siblingAtColumn(Column.ALIASES)) == "champion"
    assert model.data(v4, NODE_ROLE).kind is NodeKind.VERSION
    assert not model.hasChildren(v4)
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    qtbot.waitUntil(workers.is_idle, timeout=30_000)


def test_paging_in_the_tree_against_a_real_server(
    qtbot: QtBot,
    qtmodeltester: object,
    mlflow_server: MlflowServer,
    store: ProfileStore,
    connections: Connections,
    workers: WorkerPool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin = admin_store(mlflow_server)
    for i in range(12):
        ensure_model(admin, f"tree-{i:02d}")
    monkeypatch.setattr(listing, "MODEL_PAGE", 5)
    monkeypatch.setattr(listing, "MODEL_PAGE_MORE", 4)
    profile = add_server_profile(store, connections.secrets, mlflow_server, "server")
    model = make_model(connections, workers, [profile])
    root = model.index(0, 0)
    inserts: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda parent, first, last: inserts.append((first, last)))
    model.open(root)
    assert not model.can_open(root), "one read of the whole listing, page after page"
    load(qtbot, model, root)
    names = [model.data(model.index(r, 0, root)) for r in range(model.rowCount(root))]
    assert len(names) == len(set(names)) and names == sorted(names)
    assert {f"tree-{i:02d}" for i in range(12)} <= set(names)
    # each page is one batch of rows (5, then 4 at a time), appended in order
    assert inserts[0] == (0, 4) and all(last - first + 1 <= 5 for first, last in inserts)
    assert len(inserts) == -(-(len(names) - 5) // 4) + 1
    assert model.data(root.siblingAtColumn(Column.INFO)) == f"{len(names)} models"
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    qtbot.waitUntil(workers.is_idle, timeout=30_000)


def test_a_failing_profile_shows_its_error_and_others_still_load(
    qtbot: QtBot,
    tmp_path: Path,
    demo_profile: Profile,
    connections: Connections,
    workers: WorkerPool,
) -> None:
    broken = Profile(name="broken", settings=LocalSettings(path=str(tmp_path / "missing.db")))
    model = make_model(connections, workers, [broken, demo_profile])
    bad, good = model.index(0, 0), model.index(1, 0)
    with qtbot.waitSignal(model.loadFailed, timeout=60_000) as failure:
        model.open(bad)
        model.open(good)
    assert failure.args[0] == "broken" and "does not exist" in failure.args[1]
    assert str(model.data(bad.siblingAtColumn(Column.INFO))).startswith("⚠")
    assert not model.can_open(bad) and not model.node(bad).load.fetching, "no retry in a loop"
    qtbot.waitUntil(lambda: model.rowCount(good) == 6, timeout=60_000)
    qtbot.waitUntil(workers.is_idle, timeout=30_000)


def test_refresh_drops_the_stale_page_in_flight(
    qtbot: QtBot, demo_profile: Profile, connections: Connections, workers: WorkerPool
) -> None:
    model = make_model(connections, workers, [demo_profile])
    root = model.index(0, 0)
    model.open(root)
    stale_job = model.node(root).load.job
    model.refresh(root)  # cancels the first read and starts a new one
    assert stale_job is not None and stale_job.cancelled
    qtbot.waitUntil(lambda: not model.node(root).load.fetching, timeout=60_000)
    qtbot.waitUntil(workers.is_idle, timeout=30_000)
    assert model.rowCount(root) == 6  # once, not twice


def test_server_going_away_shows_an_error(
    qtbot: QtBot,
    tmp_path: Path,
    store: ProfileStore,
    connections: Connections,
    workers: WorkerPool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.support.servers import free_port

    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    profile = store.add(
        Profile(name="down", settings=MlflowServerSettings(url=f"http://127.0.0.1:{free_port()}"))
    )
    model = make_model(connections, workers, [profile])
    with qtbot.waitSignal(model.loadFailed, timeout=60_000) as failure:
        model.open(model.index(0, 0))
    assert "connection refused" in failure.args[1]
    qtbot.waitUntil(workers.is_idle, timeout=30_000)
