"""Download a big version: Modelyard's download against raw MLflow, per store kind.

    .venv/bin/python bench/download.py [--mb 100] [--repeat 3] [--stores proxied,s3]

A real ``mlflow server`` per store: ``proxied`` (sqlite, proxied artifacts) and ``s3``
(``--no-serve-artifacts`` with an ``s3://`` root on a loopback S3 server, moto, with IAM keys),
each holding a version whose model has one file of ``--mb`` MB. The floor, in a child process,
is what a script does with MLflow: ``mlflow.artifacts.download_artifacts`` of the version's
``models:/`` download URI into a fresh folder (for S3 with MLflow's environment variables).
Modelyard's download, also in a child process, is ``plan_download`` + ``run_download`` through
the profile's connector (for S3 its own store settings, the secret from the keyring), with its
checksums and manifest. Prints JSON; target (#26): ≤ 1.1 × the floor on each store.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import ROOT, emit

os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
CHUNK = 8 * 1024 * 1024
MODEL = "bench-download"


def _big_file(path: Path, megabytes: int) -> Path:
    with path.open("wb") as out:
        for _ in range(max(1, megabytes * 1024 * 1024 // CHUNK)):
            out.write(os.urandom(CHUNK))
    return path


def _seed(server: Any, big: Path, env: dict[str, str]) -> str:
    """A version of MODEL whose model folder holds MLmodel and the big file, logged by MLflow's
    own client (into the server's store: proxied, or S3 with ``env``)."""
    script = (
        "import mlflow, sys\n"
        "from mlflow import MlflowClient\n"
        "mlflow.set_tracking_uri(sys.argv[1])\n"
        "c = MlflowClient()\n"
        "run = c.create_run(c.get_experiment_by_name('Default').experiment_id)\n"
        "c.log_text(run.info.run_id, 'flavors: {}\\n', 'model/MLmodel')\n"
        "c.log_artifact(run.info.run_id, sys.argv[2], 'model/data')\n"
        "c.create_registered_model(sys.argv[3])\n"
        "source = run.info.artifact_uri + '/model'\n"
        "v = c.create_model_version(sys.argv[3], source, run.info.run_id)\n"
        "print(v.version)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, server.url, str(big), MODEL],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **env},
    )
    return done.stdout.strip().splitlines()[-1]


def _child(kind: str, url: str, version: str, destination: str, store: str) -> None:
    """One measured download, in this (child) process; prints its seconds."""
    start = time.perf_counter()
    if kind == "floor":
        import mlflow
        from mlflow import MlflowClient

        mlflow.set_tracking_uri(url)
        source = MlflowClient(url).get_model_version_download_uri(MODEL, version)
        mlflow.artifacts.download_artifacts(artifact_uri=source, dst_path=destination)
    else:
        import keyring
        from tests.support.memory_keyring import MemoryKeyring

        from modelyard.core.connectors import open_registry
        from modelyard.core.kinds import MlflowServerSettings
        from modelyard.core.profiles.profile import Profile
        from modelyard.core.profiles.secrets import SecretStore
        from modelyard.core.profiles.stores import S3Store
        from modelyard.core.reads.download import plan_download, run_download

        keyring.set_keyring(MemoryKeyring())
        secrets = SecretStore()
        settings = MlflowServerSettings(url=url)
        if store:
            s3 = json.loads(store)
            settings = MlflowServerSettings(
                url=url,
                store=S3Store(endpoint_url=s3["endpoint"], access_key_id=s3["key"]),
            )
        profile = Profile(name="bench", settings=settings)
        if store:
            secrets.set(profile.id, "s3_secret", json.loads(store)["secret"])
        registry = open_registry(profile, secrets)
        try:
            plan = plan_download(registry, MODEL, version)
            run_download(registry, plan, Path(destination))
        finally:
            registry.close()
    print(json.dumps({"seconds": time.perf_counter() - start}))


def _measure(
    kind: str, url: str, version: str, scratch: Path, *, env: dict[str, str], store: str
) -> float:
    """Seconds of one download in a fresh child process."""
    destination = Path(tempfile.mkdtemp(dir=scratch))
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, url, version, str(destination), store],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **env, "PYTHONPATH": f"{ROOT}:{ROOT / 'app'}"},
    )
    if done.returncode != 0:
        raise RuntimeError(f"{kind} download failed:\n{done.stderr[-3000:]}")
    subprocess.run(["rm", "-rf", str(destination)], check=True)
    return float(json.loads(done.stdout.strip().splitlines()[-1])["seconds"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--stores", default="proxied,s3")
    parser.add_argument("--child", nargs=5)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    from tests.support.s3_server import start_s3
    from tests.support.servers import Storage, start_server

    figures: dict[str, object] = {"version_mb": args.mb, "target_ratio": 1.1}
    with tempfile.TemporaryDirectory(prefix="modelyard-bench-") as tmp:
        root = Path(tmp)
        os.environ["XDG_CONFIG_HOME"] = str(root / "config")
        big = _big_file(root / "weights.bin", args.mb)
        for kind in args.stores.split(","):
            s3 = None
            env: dict[str, str] = {}
            store = ""
            storage = Storage()
            if kind == "s3":
                s3 = start_s3(root / "s3", {"bench": "models"})
                key = s3.keys["bench"]
                env = s3.env_for(key)
                storage = Storage(direct="s3://models/mlflow", env=tuple(env.items()))
                store = json.dumps(
                    {"endpoint": s3.url, "key": key.access_key_id, "secret": key.secret_access_key}
                )
            server = start_server(root / kind, storage=storage)
            try:
                version = _seed(server, big, env)
                floors, ours = [], []
                for _ in range(args.repeat):  # alternate, so both see the same machine state
                    floors.append(
                        _measure("floor", server.url, version, root, env=env, store=store)
                    )
                    # Modelyard's child gets no store variables: its profile carries the store
                    ours.append(
                        _measure("modelyard", server.url, version, root, env={}, store=store)
                    )
            finally:
                server.stop()
                if s3 is not None:
                    s3.stop()
            floor, mine = min(floors), min(ours)
            figures[kind] = {
                "floor_seconds": round(floor, 2),
                "modelyard_seconds": round(mine, 2),
                "ratio": round(mine / floor, 2),
                "floor_mb_per_s": round(args.mb / floor, 1),
                "modelyard_mb_per_s": round(args.mb / mine, 1),
            }
    figures["note"] = "best of --repeat runs each, in fresh child processes (imports included)"
    emit(figures)


if __name__ == "__main__":
    main()
