"""Sync whole models from one registry to another: Modelyard's sync against mlflow-export-import.

    .venv/bin/python bench/sync.py [--models 200] [--versions 3] [--mb 1] [--jobs 4]

Real ``mlflow server`` processes: A (the source, no auth) holding ``--models`` models of
``--versions`` versions, each with ``--mb`` MB of files, params and a metric history; B and C
(basic auth) empty. Modelyard syncs A → B (``plan_sync`` + ``run_sync``, ``--jobs`` at once) in
a fresh process; mlflow-export-import (``export-models`` then ``import-models``, in a venv of its
own with the MLflow this project runs) moves the same models A → C, also in fresh processes.
(A and C keep their files in local folders the clients read and write themselves:
export-import splits a version's source at the first "artifacts", which ``mlflow-artifacts:``
URIs break, and registers a version only when its new files are a local path. B is proxied,
as most servers are: Modelyard uploads through it, which is slower — the ratio errs
export-import's way.)
Then: the sync run again with nothing new (its requests counted by a proxy in front of B: 0
writes wanted), and a sync into new names killed (SIGKILL) half way and run again (the time
to finish). Peak RSS of each child. Prints JSON; targets (#27): ≤ 0.5 × export-import, a rerun
≤ 5 % of the first run with 0 writes.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from _common import ROOT, emit

os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
# It imports tabulate, which MLflow 3 no longer brings along.
EXPORT_IMPORT = ["mlflow-export-import==1.2.0", "tabulate"]
WRITES = ("create", "update", "delete", "set-tag", "transition", "alias", "log-batch")


def _seed(url: str, models: int, versions: int, megabytes: int, scratch: Path) -> None:
    """The source's models, 8 at a time, each version from its own run (params, a metric
    history of 20 steps, a model folder with an MLmodel and ``megabytes`` MB of weights)."""
    from mlflow import MlflowClient

    client = MlflowClient(url)
    experiment = client.create_experiment("bench-sync")
    mlmodel = scratch / "MLmodel"
    mlmodel.write_text("flavors:\n  python_function:\n    loader_module: mlflow.pyfunc.model\n")

    def one(m: int) -> None:
        name = f"bench-sync-{m:04d}"
        client.create_registered_model(name)
        weights = scratch / f"weights-{m}" / "weights.bin"
        weights.parent.mkdir()
        for v in range(versions):
            weights.write_bytes(os.urandom(megabytes * 1024 * 1024))  # each version its own
            run = client.create_run(experiment)
            run_id = run.info.run_id
            client.log_param(run_id, "alpha", str(0.1 * v))
            for step in range(20):
                client.log_metric(run_id, "loss", 1.0 / (step + 1), step=step)
            client.log_artifact(run_id, str(mlmodel), "model")
            client.log_artifact(run_id, str(weights), "model/data")
            client.set_terminated(run_id)
            client.create_model_version(name, f"{run.info.artifact_uri}/model", run_id)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, range(models)))


def _child_sync(source: str, target: str, password: str, prefix: str, jobs: str) -> None:
    """One sync in this (child) process; prints its figures."""
    import keyring
    from tests.support.memory_keyring import MemoryKeyring
    from tests.support.servers import ADMIN_USER

    from modelyard.core.actions.copy_plan import Endpoint
    from modelyard.core.actions.sync import NameMap, Selection, plan_sync, run_sync
    from modelyard.core.connectors import open_registry
    from modelyard.core.kinds import MlflowServerSettings
    from modelyard.core.profiles.profile import Profile
    from modelyard.core.profiles.secrets import SecretStore

    started = time.perf_counter()
    keyring.set_keyring(MemoryKeyring())
    secrets = SecretStore()
    a = Profile(name="A", settings=MlflowServerSettings(url=source))
    b = Profile(
        name="B",
        settings=MlflowServerSettings(url=target, auth="basic", username=ADMIN_USER),
    )
    secrets.set(b.id, "password", password)
    src, dst = open_registry(a, secrets), open_registry(b, secrets)
    try:
        origin, into = Endpoint(src, "A"), Endpoint(dst, "B")
        plan = plan_sync(origin, into, Selection(("bench-sync-*",)), NameMap(prefix))
        report = run_sync(origin, into, plan, jobs=int(jobs))
    finally:
        src.close()
        dst.close()
    print(
        json.dumps(
            {
                "seconds": time.perf_counter() - started,
                "copied": report.count("copied"),
                "there": report.count("there"),
                "messages": sorted({o.message for o in report.outcomes if o.message})[:5],
                "failed": report.count("failed"),
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def _sync(source: str, target: str, prefix: str, jobs: int) -> subprocess.Popen[str]:
    from tests.support.servers import ADMIN_PASSWORD

    return subprocess.Popen(
        [sys.executable, __file__, "--child", source, target, ADMIN_PASSWORD, prefix, str(jobs)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'app'}"},
    )


def _figures(child: subprocess.Popen[str]) -> dict[str, Any]:
    out, err = child.communicate()
    if child.returncode != 0:
        raise RuntimeError(f"the sync failed:\n{err[-3000:]}")
    figures: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return figures


def _export_import(source: str, target: str, scratch: Path, models: int) -> dict[str, float]:
    """mlflow-export-import's export-models (from A) then import-models (into C), timed."""
    from tests.support.server_versions import cached_venv
    from tests.support.servers import ADMIN_PASSWORD, ADMIN_USER

    venv = cached_venv("mlflow-export-import", [*EXPORT_IMPORT, "mlflow==3.17.2"])
    folder = scratch / "exported"
    names = ",".join(f"bench-sync-{m:04d}" for m in range(models))
    base = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_TRACKING")}
    started = time.perf_counter()
    exported = subprocess.run(
        [str(venv / "bin" / "export-models"), "--models", names, "--output-dir", str(folder)],
        env={**base, "MLFLOW_TRACKING_URI": source},
        capture_output=True,
        text=True,
        check=False,
    )
    middle = time.perf_counter()
    if exported.returncode != 0:
        raise RuntimeError(f"export-models failed:\n{exported.stderr[-3000:]}")
    imported = subprocess.run(
        [str(venv / "bin" / "import-models"), "--input-dir", str(folder)],
        env={
            **base,
            "MLFLOW_TRACKING_URI": target,
            "MLFLOW_TRACKING_USERNAME": ADMIN_USER,
            "MLFLOW_TRACKING_PASSWORD": ADMIN_PASSWORD,
        },
        capture_output=True,
        text=True,
        check=False,
    )
    if imported.returncode != 0:
        raise RuntimeError(f"import-models failed:\n{imported.stderr[-3000:]}")
    return {
        "seconds": time.perf_counter() - started,
        "export_seconds": middle - started,
        "import_seconds": time.perf_counter() - middle,
    }


def _kill_half_then_finish(a: str, b: str, jobs: int, total: int) -> dict[str, float]:
    """A sync into new names killed once half its versions are in, then run again."""
    from modelyard.core.actions.sync_journal import Journal

    child = _sync(a, b, "killed-", jobs)
    while child.poll() is None:
        entries = Journal(a, b).entries  # read again: the child appends a line per step
        done = [k for k, e in entries.items() if "→ killed-" in k and e.get("state") == "done"]
        if len(done) >= total // 2:
            child.send_signal(signal.SIGKILL)
            break
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=0.05)
    child.wait()
    started = time.perf_counter()
    finish = _figures(_sync(a, b, "killed-", jobs))
    return {
        "finish_seconds": round(time.perf_counter() - started, 2),
        "copied_after_kill": finish["copied"],
        "there_after_kill": finish["there"],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=200)
    parser.add_argument("--versions", type=int, default=3)
    parser.add_argument("--mb", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument("--child", nargs=5)
    args = parser.parse_args()
    if args.child:
        _child_sync(*args.child)
        return
    from tests.support.fault_proxy import fault_proxy
    from tests.support.servers import Storage, start_server

    total = args.models * args.versions
    with tempfile.TemporaryDirectory(prefix="modelyard-bench-") as tmp:
        root = Path(tmp)
        os.environ["XDG_DATA_HOME"] = str(root / "data")  # the sync journal
        # export-import reads a version's files only from a source whose artifact URI does
        # not contain "artifacts" before the run id (it splits the source at the first
        # "artifacts": mlflow-artifacts:/… breaks it): A keeps its files in a local folder too.
        a_files = root / "a-files"
        a_files.mkdir()
        a = start_server(root / "a", storage=Storage(direct=str(a_files)))
        b = start_server(root / "b", auth=True)
        # export-import registers a version only when its files are a local path (its
        # import checks os.path.exists on the new source): C keeps them in a folder that the
        # client writes itself — faster than B's proxied uploads, so the ratio errs its way.
        c_files = root / "c-files"
        c_files.mkdir()
        c = start_server(root / "c", auth=True, storage=Storage(direct=str(c_files)))
        try:
            seeded = time.perf_counter()
            _seed(a.url, args.models, args.versions, args.mb, root)
            seed_seconds = time.perf_counter() - seeded
            first = _figures(_sync(a.url, b.url, "", args.jobs))
            with fault_proxy(b.url, max_requests=1_000_000) as proxy:
                again = _figures(_sync(a.url, proxy.url, "", args.jobs))
                seen = list(proxy.requests_seen)
            writes = [r for r in seen if any(w in r.lower() for w in WRITES)]
            theirs = _export_import(a.url, c.url, root, args.models)
            killed = _kill_half_then_finish(a.url, b.url, args.jobs, total)
        finally:
            for server in (a, b, c):
                server.stop()
            shutil.rmtree(root / "exported", ignore_errors=True)
    emit(
        {
            "models": args.models,
            "versions": total,
            "mb_per_version": args.mb,
            "jobs": args.jobs,
            "seed_seconds": round(seed_seconds, 1),
            "modelyard_seconds": round(first["seconds"], 2),
            "modelyard_copied": first["copied"],
            "modelyard_peak_rss_mb": round(first["peak_rss_mb"]),
            "export_import_seconds": round(theirs["seconds"], 2),
            "export_import_export_seconds": round(theirs["export_seconds"], 2),
            "export_import_import_seconds": round(theirs["import_seconds"], 2),
            "ratio_to_export_import": round(first["seconds"] / theirs["seconds"], 2),
            "target_ratio": 0.5,
            "rerun_seconds": round(again["seconds"], 2),
            "rerun_share_of_first": round(again["seconds"] / first["seconds"], 3),
            "rerun_requests": len(seen),
            "rerun_writes": len(writes),
            **killed,
            "note": "each in a fresh process; the sync's figures include its imports",
        }
    )


if __name__ == "__main__":
    main()
