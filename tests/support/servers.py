"""Real ``mlflow server`` processes for the integration tests (127.0.0.1, free ports)."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.support.tls import ServerCert

ADMIN_USER = "admin"
ADMIN_PASSWORD = "admin-password-for-tests"  # test server only; ≥ 12 characters
STARTUP_TIMEOUT_S = 120


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env() -> dict[str, str]:
    """The environment for child processes, without any MLflow credentials."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_TRACKING_")}
    env["MLFLOW_DISABLE_TELEMETRY"] = "true"
    # MLflow 3.x servers start a job runner and five huey consumers by default (GenAI scorers,
    # trace rollups), each a Python process importing MLflow: seconds of CPU per server start on
    # a 2-core machine, for features the registry API never uses. The registry endpoints are
    # the same without them.
    env["MLFLOW_SERVER_ENABLE_JOB_EXECUTION"] = "false"
    return env


@dataclass
class MlflowServer:
    url: str
    root: Path
    process: subprocess.Popen[bytes]
    auth: bool

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    def stop(self) -> None:
        stop_group(self.process)


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """Stop a server started in a session of its own: SIGTERM to its group, SIGKILL if it
    lingers past 15 s."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


def machine_scale() -> float:
    """How much longer than on a quiet machine things may take now: the load per core (at least
    1). Limits that wait for servers scale with it; a loaded CI machine is slow, not broken."""
    try:
        load = os.getloadavg()[0] / (os.cpu_count() or 1)
    except OSError:
        return 1.0
    return max(1.0, min(load, 4.0))


@dataclass(frozen=True)
class Storage:
    """Where a server keeps its data: the backend store (None: sqlite in its folder), and
    its files — proxied to ``destination`` (None: a folder of its own), or, with ``direct``,
    not served (``--no-serve-artifacts``) under that artifact root, which clients reach
    themselves; ``env`` is the server process's environment for that storage."""

    backend: str | None = None
    destination: str | None = None
    direct: str | None = None
    env: tuple[tuple[str, str], ...] = ()

    def arguments(self, root: Path) -> list[str]:
        backend = self.backend or f"sqlite:///{root / 'mlflow.db'}"
        if self.direct is not None:
            files = ["--no-serve-artifacts", "--default-artifact-root", self.direct]
        else:
            files = ["--artifacts-destination", self.destination or str(root / "artifacts")]
        return ["--backend-store-uri", backend, *files]


# The schema, without the Default experiment the store makes with it: its artifact location is
# the server's own, so each server makes it on its first start, as on an empty database.
SCHEMA_SCRIPT = """
import sqlite3, sys
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
SqlAlchemyStore("sqlite:///" + sys.argv[1], sys.argv[2]).engine.dispose()
database = sqlite3.connect(sys.argv[1])
database.execute("DELETE FROM experiment_tags")
database.execute("DELETE FROM experiments")
database.commit()
database.close()
"""


def schema_template(mlflow_bin: Path) -> Path | None:
    """An empty sqlite database with that MLflow's whole schema, made once per MLflow install
    (keyed by its path and its files' time) and copied into each new server's folder: a server
    started on it skips the ~50 schema migrations (2–4 s of CPU a start, dozens of starts a
    run). None if it cannot be made — the server then migrates its own database as usual."""
    found = sorted(mlflow_bin.parent.parent.glob("lib/python*/site-packages/mlflow/version.py"))
    stamp = found[0] if found else mlflow_bin
    key = hashlib.sha256(f"{mlflow_bin.resolve()}:{stamp.stat().st_mtime_ns}".encode()).hexdigest()
    folder = Path(tempfile.gettempdir()) / "modelyard-mlflow-schemas"
    folder.mkdir(exist_ok=True)
    template = folder / f"{key[:16]}.db"
    with (folder / f"{key[:16]}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one maker at a time; the others then copy its file
        if template.exists():
            return template
        making = folder / f"{key[:16]}.{os.getpid()}.tmp"
        made = subprocess.run(
            [str(mlflow_bin.parent / "python"), "-c", SCHEMA_SCRIPT, str(making), str(folder)],
            env=clean_env(),
            capture_output=True,
            timeout=STARTUP_TIMEOUT_S * machine_scale(),
        )
        if made.returncode != 0 or not making.exists():
            making.unlink(missing_ok=True)
            return None
        os.replace(making, template)
        return template


def start_server(
    root: Path,
    auth: bool = False,
    tls: ServerCert | None = None,
    mlflow_bin: Path | None = None,
    storage: Storage = Storage(),
) -> MlflowServer:
    """Start ``mlflow server`` (sqlite, proxied artifacts, unless ``storage`` says otherwise);
    with ``tls``, uvicorn serves HTTPS with that certificate; ``mlflow_bin`` another release's
    ``mlflow`` (default: this venv's). A server that does not come up is started once more (on
    a new port) before the fixture fails: one slow start must not turn into dozens of errors."""
    binary = mlflow_bin or Path(sys.executable).parent / "mlflow"
    try:
        return _start_server(root, auth, tls, binary, storage)
    except RuntimeError as first:
        try:
            return _start_server(root, auth, tls, binary, storage)
        except RuntimeError as second:
            raise RuntimeError(f"{second}\n(first try: {first})") from second


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _start_server(
    root: Path,
    auth: bool,
    tls: ServerCert | None,
    mlflow_bin: Path,
    storage: Storage,
) -> MlflowServer:
    root.mkdir(parents=True, exist_ok=True)
    database = root / "mlflow.db"
    if storage.backend is None and not database.exists():
        template = schema_template(mlflow_bin)
        if template is not None:
            shutil.copyfile(template, database)
    port = free_port()
    env = clean_env()
    # Its own venv first on PATH: MLflow 2.2 starts ``gunicorn`` by name.
    env["PATH"] = f"{mlflow_bin.parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(storage.env)
    cmd = [
        str(mlflow_bin),
        "server",
        *storage.arguments(root),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
    ]
    if auth:
        ini = root / "basic_auth.ini"
        ini.write_text(
            "[mlflow]\n"
            "default_permission = READ\n"
            f"database_uri = sqlite:///{root / 'auth.db'}\n"
            f"admin_username = {ADMIN_USER}\n"
            f"admin_password = {ADMIN_PASSWORD}\n"
            "authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n"
            "auth_cache_ttl_seconds = 60\n",
            encoding="utf-8",
        )
        env["MLFLOW_AUTH_CONFIG_PATH"] = str(ini)
        env["MLFLOW_FLASK_SERVER_SECRET_KEY"] = "modelyard-tests"
        cmd += ["--app-name", "basic-auth"]
    if tls is not None:
        cmd += ["--uvicorn-opts", f"--ssl-keyfile {tls.key} --ssl-certfile {tls.cert}"]
    scheme = "https" if tls is not None else "http"
    log = (root / "server.log").open("wb")
    process = subprocess.Popen(
        cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    server = MlflowServer(f"{scheme}://127.0.0.1:{port}", root, process, auth)
    limit = STARTUP_TIMEOUT_S * machine_scale()
    deadline = time.monotonic() + limit
    verify = str(tls.ca) if tls is not None else True
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"mlflow server exited early:\n{server.log.read_text()[-3000:]}")
        # Readiness from the server itself: its port answers, then its health check — waited
        # for as long as a loaded machine needs (a 2 s limit never got through under load).
        if _port_open(port):
            try:
                left = max(1.0, deadline - time.monotonic())
                health = requests.get(f"{server.url}/health", timeout=left, verify=verify)
                if health.status_code in (200, 401):
                    return server
            except requests.RequestException:
                pass
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=0.25)  # a little, returning at once if the server dies
    server.stop()
    raise RuntimeError(
        f"mlflow server did not start in {limit:.0f}s:\n{server.log.read_text()[-3000:]}"
    )


def create_user(server: MlflowServer, username: str, password: str) -> None:
    """Create a user on the basic-auth server (as admin)."""
    response = requests.post(
        f"{server.url}/api/2.0/mlflow/users/create",
        json={"username": username, "password": password},
        auth=(ADMIN_USER, ADMIN_PASSWORD),
        timeout=30,
    )
    response.raise_for_status()
