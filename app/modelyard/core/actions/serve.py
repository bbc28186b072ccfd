"""Serving a version locally with ``mlflow models serve`` in a child process the app owns.

The version is first downloaded (with the profile's own credentials) into the cache, then
served from that folder: the child process needs no registry access and no credentials.
"""

from __future__ import annotations

import collections
import contextlib
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

from modelyard.core.model.domain import ModelFile
from modelyard.core.runtime.paths import cache_dir

# flavor -> the package its loader needs in this environment
FLAVOR_PACKAGES = {
    "sklearn": "sklearn",
    "xgboost": "xgboost",
    "lightgbm": "lightgbm",
    "catboost": "catboost",
    "pytorch": "torch",
    "tensorflow": "tensorflow",
    "keras": "keras",
    "onnx": "onnxruntime",
    "statsmodels": "statsmodels",
    "prophet": "prophet",
    "transformers": "transformers",
}


def servable(model_file: ModelFile | None) -> tuple[bool, str]:
    """Whether this environment can serve the model, and why not when it cannot."""
    if model_file is None:
        return False, "The MLmodel file could not be read, so the model's flavor is unknown."
    if "python_function" not in model_file.flavors:
        flavors = ", ".join(model_file.flavors) or "none"
        return False, f"The model has no python_function flavor (flavors: {flavors})."
    if frozen():  # the mlflow on PATH serves it, with its own environment's packages
        return (True, "") if mlflow_command() is not None else (False, NO_MLFLOW)
    for flavor, package in FLAVOR_PACKAGES.items():
        if flavor in model_file.flavors and importlib.util.find_spec(package) is None:
            return False, (
                f"The {flavor} flavor needs the Python package {package!r}, which is not "
                "installed here."
            )
    return True, ""


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_dir(profile_id: str, model: str, version: str) -> Path:
    """Where a version is downloaded for serving."""
    return cache_dir() / "serve" / profile_id / model / version


NO_MLFLOW = (
    "Serving runs `mlflow models serve`: the packaged app carries no model server of its own "
    "and found no `mlflow` on PATH. Install MLflow and the model's flavor package (e.g. "
    "pip install mlflow scikit-learn) and start Modelyard again."
)


def frozen() -> bool:
    """Whether this is the packaged (PyInstaller) app."""
    return bool(getattr(sys, "frozen", False))


def mlflow_command() -> list[str] | None:
    """How to run the ``mlflow`` CLI: this environment's, or (packaged app) the one on PATH;
    None when there is none."""
    if frozen():
        found = shutil.which("mlflow")
        return [found] if found else None
    script = Path(sys.executable).with_name("mlflow")
    return [str(script)] if script.exists() else [sys.executable, "-m", "mlflow"]


class LocalServer:
    """One ``mlflow models serve`` child process on 127.0.0.1; keeps the last log lines."""

    def __init__(self, model_dir: Path, port: int | None = None) -> None:
        self.model_dir = model_dir
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log: collections.deque[str] = collections.deque(maxlen=500)
        self._process: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None

    def start(self) -> None:
        """Start the child process (returns at once; see ``is_running`` and the log)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_TRACKING_")}
        env["MLFLOW_DISABLE_TELEMETRY"] = "true"
        # mlflow starts its scoring server as `uvicorn …` through bash: find ours first
        bin_dir = str(Path(sys.executable).parent)
        env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
        program = mlflow_command()
        if program is None:
            raise RuntimeError(NO_MLFLOW)
        command = [
            *program,
            "models",
            "serve",
            "-m",
            str(self.model_dir),
            "--env-manager",
            "local",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        self.log.append("$ " + " ".join(command))
        self._process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True, name="serve-log")
        self._reader.start()

    def _read(self) -> None:
        process = self._process
        if process is None or process.stdout is None:
            return
        for line in process.stdout:
            self.log.append(line.rstrip())

    @property
    def is_running(self) -> bool:
        """Whether the child process is alive."""
        return self._process is not None and self._process.poll() is None

    @property
    def exit_code(self) -> int | None:
        """The child's exit code once it has ended."""
        return None if self._process is None else self._process.poll()

    def wait(self, seconds: float) -> None:
        """Wait up to ``seconds`` for the child process to end."""
        if self._process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=seconds)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the child process and its workers; safe to call twice."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=timeout)
        except ProcessLookupError:
            pass
        if self._reader is not None:
            self._reader.join(timeout=timeout)


def wait_until_serving(server: LocalServer, cancel: object = None, timeout: float = 180.0) -> None:
    """Block until the server answers /ping (or fail with its last log lines)."""
    import time

    import requests

    from modelyard.core.model.errors import Cancelled, ErrorKind, RegistryError

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if getattr(cancel, "cancelled", False):
            server.stop()
            raise Cancelled()
        if not server.is_running:
            tail = "\n".join(list(server.log)[-8:])
            raise RegistryError(f"The model server exited (code {server.exit_code}):\n{tail}")
        try:
            if requests.get(f"{server.url}/ping", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        server.wait(0.25)  # returns at once if the child process ends
    server.stop()
    raise RegistryError(
        f"The model server did not answer within {timeout:.0f} s.", ErrorKind.TIMEOUT
    )
