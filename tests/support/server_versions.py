"""Real MLflow servers of older releases, and other test servers (moto's S3), each in a venv
of its own (cached between runs).

The tier of servers users still run: 2.2 (before aliases), 2.9, 2.16, the last 2.x, 3.1. Each
venv holds only that release's ``mlflow`` (with the pins it needs on today's packages), is built
once into the cache folder, and is reused while its marker file says it was built complete.
``python3 -m tests.support.server_versions`` builds them all at once (CI starts it early, in the
background, with the machine's own Python: this module needs nothing but the standard library
to build), so the tests find them ready; a test that finds one missing builds it itself.

Each server is seeded by its own client (``seed_server.py`` under that venv's Python), so what
the tests read is what that release writes.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import venv
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.support.servers import MlflowServer

# Release → what it needs pinned to install and run on today's packages: SQLAlchemy 2.1 broke
# every release before 3.2; 2.2 also predates SQLAlchemy 2, Flask 3 (and its Werkzeug) and NumPy 2.
TIER: dict[str, tuple[str, ...]] = {
    "2.2.2": ("sqlalchemy<2", "flask<3", "werkzeug<3", "numpy<2"),
    "2.9.2": ("sqlalchemy<2.1",),
    "2.16.2": ("sqlalchemy<2.1",),
    "2.22.5": ("sqlalchemy<2.1",),
    "3.1.4": ("sqlalchemy<2.1",),
}

# Read once, before any test points HOME and XDG_CACHE_HOME at its own tmp folder.
CACHE = Path(
    os.environ.get("MODELYARD_TEST_SERVER_VENVS")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    / "modelyard-tests"
    / "mlflow-servers"
)
SEED = Path(__file__).with_name("seed_server.py")
BUILD_TIMEOUT_S = 900


def _env() -> dict[str, str]:
    """A child's environment without MLflow credentials or settings of the caller's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    env["MLFLOW_DISABLE_TELEMETRY"] = "true"
    return env


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One builder per venv at a time, across processes (CI's warm-up and the tests)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def server_venv(version: str) -> Path:
    """The venv of MLflow ``version``, built now if the cache does not hold a complete one."""
    return cached_venv(version, [f"mlflow=={version}", *TIER[version]])


# Test servers of other kinds, each in its own cached venv (kept out of the project's venv:
# their dependencies are not the product's).
TOOLS: dict[str, tuple[str, ...]] = {
    "moto": ("moto[server]==5.2.5",),  # a loopback S3 (and IAM) server
    "gcs-emulator": ("gcp-storage-emulator==2026.7.19",),  # GCS's JSON API on loopback
}


def tool_venv(name: str) -> Path:
    """The cached venv of one of ``TOOLS``."""
    return cached_venv(name, list(TOOLS[name]))


def cached_venv(name: str, requirements: list[str]) -> Path:
    """The venv ``name`` holding ``requirements``, built now unless the cache holds it whole."""
    folder = CACHE / name
    marker = folder / "modelyard-built"
    wanted = json.dumps(requirements)
    if marker.is_file() and marker.read_text() == wanted:
        return folder
    with _locked(CACHE / f"{name}.lock"):
        if marker.is_file() and marker.read_text() == wanted:
            return folder  # built by another process meanwhile
        # Symlinks, not a copy of the interpreter: a copy is a file open for writing while
        # build_all's other thread forks, and the child's copy of that descriptor made the exec
        # of the new interpreter fail ("Text file busy"), leaving the tests to build it late.
        venv.EnvBuilder(clear=True, with_pip=True, symlinks=True).create(folder)
        # Compiled here, beside the run (with --no-compile, each server's first start
        # compiled what it imports instead: 13-24 s of setup each at the end of the run)
        done = subprocess.run(
            [str(folder / "bin" / "python"), "-m", "pip", "install", "-q", *requirements],
            timeout=BUILD_TIMEOUT_S,
            env=_env(),
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"installing {requirements} failed:\n{done.stderr[-3000:]}")
        marker.write_text(wanted)
    return folder


def start_version(version: str, root: Path) -> MlflowServer:
    """A server of MLflow ``version`` (sqlite, proxied artifacts, no auth) in ``root``."""
    from tests.support.servers import start_server

    return start_server(root, mlflow_bin=server_venv(version) / "bin" / "mlflow")


def seed(
    version: str | None, server: MlflowServer, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Seed ``server`` with MLflow ``version``'s own client (None: this venv's), with ``env``
    for its artifact store; what it made (seed_server.py)."""
    out = server.root / "seed.json"
    python = server_venv(version) / "bin" / "python" if version else Path(sys.executable)
    done = subprocess.run(
        [str(python), str(SEED), server.url, str(out)],
        env={**_env(), **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        raise RuntimeError(f"seeding {server.url} failed:\n{done.stderr[-3000:]}")
    data: dict[str, Any] = json.loads(out.read_text())
    return data


# npm packages of test servers, each installed into a cached folder of its own.
NPM_TOOLS: dict[str, str] = {
    "azurite": "azurite@3.37.0",  # Microsoft's Azure Storage emulator (Blob)
}


def npm_tool(name: str) -> Path:
    """The cached folder holding the npm package ``name`` (its bins in node_modules/.bin)."""
    folder = CACHE / f"npm-{name}"
    marker = folder / "modelyard-built"
    wanted = NPM_TOOLS[name]
    if marker.is_file() and marker.read_text() == wanted:
        return folder
    with _locked(CACHE / f"npm-{name}.lock"):
        if marker.is_file() and marker.read_text() == wanted:
            return folder
        folder.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            ["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(folder),
             wanted],
            timeout=BUILD_TIMEOUT_S,
            capture_output=True,
            text=True,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"npm install {wanted} failed:\n{done.stderr[-3000:]}")
        marker.write_text(wanted)
    return folder


def build_all() -> int:
    """Build every venv of the tier and the tools (two at a time: downloads and unpacking
    overlap). One failing does not stop the others (a failure in ``map`` cancelled those not
    started yet); each is said, and the count of failures returned."""
    jobs: list[tuple[str, Callable[[str], Path]]] = [
        *((name, npm_tool) for name in NPM_TOOLS),
        *((name, tool_venv) for name in TOOLS),
        *((name, server_venv) for name in TIER),
    ]
    failed = 0
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {pool.submit(build, name): name for name, build in jobs}
        for future in as_completed(futures):
            try:
                print(f"ready: {future.result()}", flush=True)
            except Exception as exc:  # said; a test that needs it builds it itself
                failed += 1
                print(f"failed: {futures[future]}: {exc}", flush=True)
    return failed


if __name__ == "__main__":
    sys.exit(1 if build_all() else 0)
