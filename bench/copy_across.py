"""Copy a big version from one registry to another: Modelyard's copy against raw MLflow calls.

    .venv/bin/python bench/copy_across.py [--mb 200] [--repeat 2]

(Not "copy.py": a script of that name in bench/ would shadow the standard library's copy.)

Two real ``mlflow server`` processes (sqlite, proxied artifacts), A holding a version whose model
has one file of ``--mb`` MB. The floor, in a child process, is what a script does with MLflow:
download the version's files from A (``mlflow.artifacts.download_artifacts``), create a run in B,
``log_artifacts`` them, create the model and the version. Modelyard's copy (plan + copy, with
lineage, checksum, run params/metrics and history entry), also in a child process, does the same
through its connectors. Each child's peak RSS is reported too: the copy streams, it does not
hold the version in memory. Prints JSON; target (#14): copy ≤ 1.1 × the floor.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from _common import ROOT, emit

if TYPE_CHECKING:
    from tests.support.servers import MlflowServer

os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
CHUNK = 8 * 1024 * 1024


def _seed(server: MlflowServer, model: str, megabytes: int, scratch: Path) -> str:
    """A version of ``model`` in A whose model folder holds a real model and one big file,
    uploaded streamed from disk through the server's proxied-artifact API."""
    from urllib.parse import quote, urlsplit

    import requests
    from tests.helpers.registry import admin_store, create_run_with_model, ensure_model

    from modelyard.core.connectors._artifacts import PROXY_API

    big = scratch / "weights.bin"
    with big.open("wb") as out:
        for _ in range(megabytes * 1024 * 1024 // CHUNK):
            out.write(os.urandom(CHUNK))
    ensure_model(admin_store(server), model)
    run = create_run_with_model(server)
    root = urlsplit(run.info.artifact_uri).path.strip("/")
    url = f"{server.url}{PROXY_API}/{quote(root + '/model/data/weights.bin')}"
    with big.open("rb") as body:
        requests.put(url, data=body, timeout=600).raise_for_status()
    big.unlink()
    created = admin_store(server).create_model_version(
        model, source=f"{run.info.artifact_uri}/model", run_id=run.info.run_id
    )
    return str(created.version)


def _child(kind: str, a_url: str, b_url: str, model: str, version: str) -> None:
    """One measured copy, in this (child) process; prints its seconds."""
    start = time.perf_counter()
    if kind == "floor":
        import mlflow
        from mlflow import MlflowClient

        with tempfile.TemporaryDirectory() as tmp:
            mlflow.set_tracking_uri(a_url)
            source = MlflowClient(a_url).get_model_version_download_uri(model, version)
            local = mlflow.artifacts.download_artifacts(artifact_uri=source, dst_path=tmp)
            b = MlflowClient(b_url, registry_uri=b_url)
            experiment = b.get_experiment_by_name("floor") or b.get_experiment(
                b.create_experiment("floor")
            )
            run = b.create_run(experiment.experiment_id)
            b.log_artifacts(run.info.run_id, local, "model")
            name = f"{model}-floor-{uuid.uuid4().hex[:6]}"
            b.create_registered_model(name)
            b.create_model_version(name, f"{run.info.artifact_uri}/model", run_id=run.info.run_id)
            b.set_terminated(run.info.run_id)
    else:
        from modelyard.core.actions.copy import copy_version
        from modelyard.core.actions.copy_plan import Endpoint, plan_copy
        from modelyard.core.connectors import open_registry
        from modelyard.core.kinds import MlflowServerSettings
        from modelyard.core.profiles.profile import Profile
        from modelyard.core.profiles.secrets import SecretStore

        secrets = SecretStore()
        a = open_registry(Profile(name="A", settings=MlflowServerSettings(url=a_url)), secrets)
        b = open_registry(Profile(name="B", settings=MlflowServerSettings(url=b_url)), secrets)
        try:
            source, target = Endpoint(a, "A"), Endpoint(b, "B")
            name = f"{model}-copy-{uuid.uuid4().hex[:6]}"
            copy_version(source, target, plan_copy(source, model, version, target, name))
        finally:
            a.close()
            b.close()
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports kB
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_mb}))


def _measure(kind: str, a_url: str, b_url: str, model: str, version: str) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one copy in a fresh child process."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, a_url, b_url, model, version],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'app'}"},
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return float(figures["seconds"]), float(figures["peak_rss_mb"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--child", nargs=5)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    from tests.support.servers import start_server

    with tempfile.TemporaryDirectory(prefix="modelyard-bench-") as tmp:
        os.environ["XDG_CONFIG_HOME"] = str(Path(tmp) / "config")
        a = start_server(Path(tmp) / "a")
        b = start_server(Path(tmp) / "b")
        try:
            model = "bench-copy"
            version = _seed(a, model, args.mb, Path(tmp))
            floors, copies, floor_rss, copy_rss = [], [], 0.0, 0.0
            for _ in range(args.repeat):  # alternate, so both see the same machine state
                seconds, rss = _measure("floor", a.url, b.url, model, version)
                floors.append(seconds)
                floor_rss = max(floor_rss, rss)
                seconds, rss = _measure("modelyard", a.url, b.url, model, version)
                copies.append(seconds)
                copy_rss = max(copy_rss, rss)
        finally:
            a.stop()
            b.stop()
    floor, copy = min(floors), min(copies)
    emit(
        {
            "version_mb": args.mb,
            "floor_seconds": round(floor, 2),
            "modelyard_seconds": round(copy, 2),
            "ratio": round(copy / floor, 2),
            "target_ratio": 1.1,
            "floor_peak_rss_mb": round(floor_rss),
            "modelyard_peak_rss_mb": round(copy_rss),
            "note": "best of --repeat runs each; peak RSS of the child process doing the copy",
        }
    )


if __name__ == "__main__":
    main()
