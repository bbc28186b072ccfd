"""Real ``mlflow server`` processes for the integration tests (127.0.0.1, free ports)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
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
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)


def start_server(root: Path, auth: bool = False, tls: ServerCert | None = None) -> MlflowServer:
    """Start ``mlflow server`` (sqlite, proxied artifacts); with ``tls``, uvicorn serves HTTPS
    with that certificate."""
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = clean_env()
    mlflow_bin = Path(sys.executable).parent / "mlflow"
    cmd = [
        str(mlflow_bin),
        "server",
        "--backend-store-uri",
        f"sqlite:///{root / 'mlflow.db'}",
        "--artifacts-destination",
        str(root / "artifacts"),
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
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"mlflow server exited early:\n{server.log.read_text()[-3000:]}")
        try:
            verify = str(tls.ca) if tls is not None else True
            health = requests.get(f"{server.url}/health", timeout=2, verify=verify)
            if health.status_code in (200, 401):
                return server
        except requests.RequestException:
            pass
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=0.25)  # a little, returning at once if the server dies
    server.stop()
    raise RuntimeError(
        f"mlflow server did not start in {STARTUP_TIMEOUT_S}s:\n{server.log.read_text()[-3000:]}"
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
