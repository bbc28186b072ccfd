"""Sync whole models between two real MLflow servers: A (no auth) → B (basic auth)."""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from modelyard.core.actions.copy_plan import SOURCE_TAG, STATE_TAG, Endpoint
from modelyard.core.actions.sync import NameMap, Selection, plan_sync, run_sync
from modelyard.core.actions.sync_journal import Journal
from modelyard.core.actions.sync_progress import Pause, SyncProgress
from modelyard.core.connectors import open_registry
from modelyard.core.model.domain import Stage
from modelyard.core.profiles.profile import ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from tests.helpers.cli import run
from tests.helpers.registry import (
    TAKES_NAMES,
    add_server_profile,
    admin_store,
    admin_tracking_store,
    new_version,
)
from tests.support.fault_proxy import fault_proxy
from tests.support.servers import ADMIN_PASSWORD, ADMIN_USER, MlflowServer

HERE = Path(__file__).parent
WRITES = ("create", "update", "delete", "set-tag", "transition", "alias", "log-batch")


def _source_models(server: MlflowServer, prefix: str, versions: int, models: int = 2) -> None:
    """``models`` models of ``versions`` versions each: v2 in Staging, the last @champion."""
    store = admin_store(server)
    for m in range(models):
        name = f"{prefix}-{m}"
        for _ in range(versions):
            new_version(server, name, {"data/weights.bin": os.urandom(20_000)})
        if versions >= 2:
            store.transition_model_version_stage(name, "2", "Staging", False)
        store.set_registered_model_alias(name, "champion", str(versions))


def _copies(server: MlflowServer, model: str) -> list[Any]:
    found = admin_store(server).search_model_versions(f"name='{model}'", max_results=1000)
    return [v for v in found if v.tags.get(SOURCE_TAG)]


def _point(store: ProfileStore, name: str, url: str) -> None:
    """The profile ``name`` now goes to ``url`` (a proxy in front of its server)."""
    profile = store.get(name)
    settings = profile.settings.model_copy(update={"url": url})
    store.replace(profile.model_copy(update={"settings": settings}))


def _profiles(store: ProfileStore, secrets: SecretStore, a: MlflowServer, b: MlflowServer) -> None:
    add_server_profile(store, secrets, a, "dev")
    add_server_profile(store, secrets, b, "prod", ADMIN_USER, ADMIN_PASSWORD)


def test_sync_copies_what_is_new_mirrors_stages_and_aliases_and_a_rerun_writes_nothing(
    mlflow_server: MlflowServer,
    auth_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
) -> None:
    prefix = f"sync-{uuid.uuid4().hex[:6]}"
    _source_models(mlflow_server, prefix, versions=3)
    _profiles(store, secrets, mlflow_server, auth_server)
    code, out, err = run("sync", "dev", "prod", "--model", f"{prefix}-*", "--dry-run", "--json")
    assert code == 0, err
    planned = json.loads(out)
    assert [i["action"] for i in planned["items"]] == ["copy"] * 6
    assert _copies(auth_server, f"{prefix}-0") == []  # a dry run writes nothing
    code, out, err = run("sync", "dev", "prod", "--model", f"{prefix}-*", "--mirror-stages",
                         "--mirror-aliases", "--yes", "--json")  # fmt: skip
    assert code == 0, err
    report = json.loads(out[out.index("{") :])
    assert Counter(o["result"] for o in report["outcomes"]) == {"copied": 6}
    for m in range(2):
        name = f"{prefix}-{m}"
        copies = sorted(_copies(auth_server, name), key=lambda v: int(v.version))
        # in the source's order, so the numbers match
        assert [v.tags[SOURCE_TAG].rsplit("/", 1)[1] for v in copies] == ["1", "2", "3"]
        assert [v.version for v in copies] == ["1", "2", "3"]
        assert copies[1].current_stage == "Staging"
        model = admin_store(auth_server).get_registered_model(name)
        assert dict(model.aliases) == {"champion": "3"}
    # The rerun: nothing new, nothing written — through a proxy that sees every request.
    with fault_proxy(auth_server.url) as proxy:
        _point(store, "prod", proxy.url)
        code, out, err = run("sync", "dev", "prod", "--model", f"{prefix}-*", "--mirror-stages",
                             "--mirror-aliases", "--yes")  # fmt: skip
        assert code == 0, err
        assert "0 to copy, 6 there already" in out and "Nothing to do" in out
        writes = [r for r in proxy.requests_seen if any(w in r.lower() for w in WRITES)]
        assert proxy.requests_seen and writes == []
        # the two models' versions in one search where the server takes many names at once
        searches = [r for r in proxy.requests_seen if "model-versions/search" in r]
        assert len(searches) == (1 if TAKES_NAMES else 2)


def test_a_selection_and_a_name_map_decide_what_goes_where(
    mlflow_server: MlflowServer,
    auth_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
    tmp_path: Path,
) -> None:
    prefix = f"pick-{uuid.uuid4().hex[:6]}"
    _source_models(mlflow_server, prefix, versions=3)
    _profiles(store, secrets, mlflow_server, auth_server)
    names = tmp_path / "names.json"
    names.write_text(json.dumps({f"{prefix}-0": f"renamed-{prefix}"}))
    code, out, err = run(
        "sync", "dev", "prod", "--model", f"{prefix}-*", "--versions", "latest:1",
        "--map", str(names), "--prefix", "mirror-", "--yes",
    )  # fmt: skip
    assert code == 0, err
    renamed = _copies(auth_server, f"renamed-{prefix}")
    assert [v.tags[SOURCE_TAG].rsplit("/", 1)[1] for v in renamed] == ["3"]
    assert len(_copies(auth_server, f"mirror-{prefix}-1")) == 1
    # staged: v2 (Staging) and v3 (@champion); v3 of -1 is there already under its new name
    code, out, err = run("sync", "dev", "prod", "--model", f"{prefix}-1", "--versions", "staged",
                         "--prefix", "mirror-", "--yes", "--json")  # fmt: skip
    assert code == 0, err
    report = json.loads(out[out.index("{") :])
    assert {(o["version"], o["result"]) for o in report["outcomes"]} == {
        ("2", "copied"),
        ("3", "there"),
    }
    code, _out, err = run("sync", "dev", "prod", "--versions", "newest")
    assert code == 1 and "all, staged or latest:N" in err
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    code, _out, err = run("sync", "dev", "prod", "--map", str(bad))
    assert code == 1 and "must be a JSON object" in err


def test_killed_at_random_points_then_run_again_every_version_is_there_exactly_once(
    mlflow_server: MlflowServer,
    auth_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
) -> None:
    """Five rounds: a sync in its own process is killed (SIGKILL) after a random number of
    journal steps; the next sync finishes the job — no version twice, none missing, no run
    the journal knew of left behind, and every copy's run marked complete."""
    prefix = f"kill-{uuid.uuid4().hex[:6]}"
    _source_models(mlflow_server, prefix, versions=2, models=3)
    _profiles(store, secrets, mlflow_server, auth_server)
    env = {**os.environ, "MODELYARD_TEST_TARGET_PASSWORD": ADMIN_PASSWORD}
    env["PYTHONPATH"] = os.pathsep.join([str(HERE.parents[1]), env.get("PYTHONPATH", "")])
    journal_path = Journal(mlflow_server.url, auth_server.url).path
    rng = random.Random(20261202)
    killed = 0
    for round_ in range(5):
        wanted_steps = rng.randint(1, 12)
        child = subprocess.Popen(
            [sys.executable, str(HERE / "sync_child.py"), "dev", "prod", "--model", f"{prefix}-*",
             "--jobs", "2", "--yes"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        _kill_after_steps(child, journal_path, wanted_steps)
        killed += child.returncode == -signal.SIGKILL
        code, out, err = run("sync", "dev", "prod", "--model", f"{prefix}-*", "--yes")
        assert code == 0, f"round {round_}: {out}{err}"
        for m in range(3):
            sources = Counter(v.tags[SOURCE_TAG] for v in _copies(auth_server, f"{prefix}-{m}"))
            assert sorted(sources.values()) == [1, 1], (round_, sources)
            assert all(
                v.tags.get(STATE_TAG) != "incomplete" for v in _copies(auth_server, f"{prefix}-{m}")
            )
        _no_orphans(auth_server, Journal(mlflow_server.url, auth_server.url).entries)
        for m in range(3):  # the next round starts over from an empty target
            admin_store(auth_server).delete_registered_model(f"{prefix}-{m}")
    assert killed >= 4, f"only {killed} of 5 syncs were killed before they ended"


def _kill_after_steps(child: subprocess.Popen[bytes], journal: Path, steps: int) -> None:
    """SIGKILL ``child`` once the journal has changed ``steps`` times (or it ended)."""
    seen, last = 0, b""
    while child.poll() is None and seen < steps:
        try:
            now = journal.read_bytes()
        except OSError:
            now = b""
        if now != last:
            seen, last = seen + 1, now
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=0.01)
    if child.poll() is None:
        child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)


def _no_orphans(server: MlflowServer, entries: dict[str, dict[str, str]]) -> None:
    """Every run the journal names belongs to a registered copy, and is marked complete."""
    tracking = admin_tracking_store(server)
    registered = set()
    for v in admin_store(server).search_model_versions("", max_results=10_000):
        registered.add(v.run_id)
    for key, entry in entries.items():
        if not entry.get("run"):
            continue
        from mlflow.exceptions import MlflowException

        try:
            found = tracking.get_run(entry["run"])
        except MlflowException:
            continue  # removed: an orphan the next run cleaned up
        if found.info.lifecycle_stage == "deleted":
            continue
        assert entry["run"] in registered, (key, entry)
        assert found.data.tags.get(STATE_TAG) == "complete", (key, entry)


def test_a_target_that_goes_away_mid_run_leaves_nothing_half_made_and_the_next_run_finishes(
    mlflow_server: MlflowServer,
    auth_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
) -> None:
    prefix = f"gone-{uuid.uuid4().hex[:6]}"
    _source_models(mlflow_server, prefix, versions=3, models=1)
    _profiles(store, secrets, mlflow_server, auth_server)
    with fault_proxy(auth_server.url) as proxy:
        _point(store, "prod", proxy.url)
        a = open_registry(store.get("dev"), secrets)
        b = open_registry(store.get("prod"), secrets)
        try:
            source, target = Endpoint(a, "dev"), Endpoint(b, "prod")
            plan = plan_sync(source, target, Selection((f"{prefix}-*",)), NameMap())
            assert plan.count("copy") == 3

            def progress(p: Any) -> None:
                if p.done == 1:
                    proxy.set("refuse")  # the target goes away after the first version

            report = run_sync(source, target, plan, jobs=1, progress=progress)
        finally:
            a.close()
            b.close()
        assert not report.ok
        results = [o.result for o in report.outcomes]
        assert results[0] == "copied" and "copied" not in results[1:]
        failed = [o for o in report.outcomes if o.result == "failed"]
        assert len(failed) <= 1  # stopped at the first: the rest were not started
        assert all(proxy.url.split("//")[1] in o.message for o in failed), failed
        assert len(_copies(auth_server, f"{prefix}-0")) == 1  # nothing half-made
        proxy.set("pass")
        code, out, err = run("sync", "dev", "prod", "--model", f"{prefix}-*", "--yes")
        assert code == 0, out + err
        assert "Copied 2, there already 1" in out
    assert len(_copies(auth_server, f"{prefix}-0")) == 3
    assert {Stage.parse(v.current_stage) for v in _copies(auth_server, f"{prefix}-0")} == {
        Stage.NONE
    }  # no --mirror-stages: stages are left alone


class _Watched(Pause):
    """A Pause that tells when a lane is held by it."""

    def __init__(self) -> None:
        super().__init__()
        self.held = threading.Event()

    def hold(self, cancelled: Callable[[], bool]) -> None:
        if self.paused:
            self.held.set()
        super().hold(cancelled)


def test_a_paused_sync_starts_no_version_until_resumed_and_a_cancel_while_paused_stops_it(
    mlflow_server: MlflowServer,
    auth_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
) -> None:
    prefix = f"pause-{uuid.uuid4().hex[:6]}"
    _source_models(mlflow_server, prefix, versions=3, models=2)
    _profiles(store, secrets, mlflow_server, auth_server)
    a = open_registry(store.get("dev"), secrets)
    b = open_registry(store.get("prod"), secrets)
    try:
        source, target = Endpoint(a, "dev"), Endpoint(b, "prod")
        seen: list[SyncProgress] = []

        def run_paused(model: str, cancel: threading.Event) -> tuple[_Watched, Any]:
            plan = plan_sync(source, target, Selection((model,)), NameMap())
            pause = _Watched()

            def progress(p: SyncProgress) -> None:
                seen.append(p)
                if p.done == 1:
                    pause.pause()  # after the first version: the lane waits before the next

            done: list[Any] = []
            worker = threading.Thread(
                target=lambda: done.append(
                    run_sync(
                        source,
                        target,
                        plan,
                        jobs=1,
                        progress=progress,
                        cancelled=cancel.is_set,
                        pause=pause,
                    )
                )
            )
            worker.start()
            assert pause.held.wait(120), "the lane never reached the pause"
            assert len(_copies(auth_server, model)) == 1  # held: the next has not started
            return pause, (worker, done)

        pause, (worker, done) = run_paused(f"{prefix}-0", threading.Event())
        pause.resume()
        worker.join(120)
        assert [o.result for o in done[0].outcomes] == ["copied"] * 3
        assert len(_copies(auth_server, f"{prefix}-0")) == 3
        assert seen[-1].bytes_done > 60_000 and seen[-1].bytes_per_second > 0

        cancel = threading.Event()
        pause, (worker, done) = run_paused(f"{prefix}-1", cancel)
        cancel.set()  # while paused: the held lane lets go and starts nothing more
        worker.join(120)
        assert [o.result for o in done[0].outcomes] == ["copied", "not started", "not started"]
        assert len(_copies(auth_server, f"{prefix}-1")) == 1
    finally:
        a.close()
        b.close()
