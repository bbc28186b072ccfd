"""A real GCS JSON API on loopback: gcp-storage-emulator (its own cached venv), in memory, with
a bucket; and service-account key files whose sign-in is the contract stand-in's Google token
endpoint (the emulator itself checks no credentials; the stand-in in front of it does).
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

from tests.support.server_versions import seed, tool_venv
from tests.support.servers import (
    MlflowServer,
    Storage,
    free_port,
    machine_scale,
    start_server,
    stop_group,
)


@dataclass
class GcsEmulator:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def root(self, bucket: str, path: str) -> str:
        """The gs:// URI MLflow takes for an artifact root in ``bucket``."""
        return f"gs://{bucket}/{path}"

    def make_bucket(self, bucket: str) -> None:
        made = requests.post(f"{self.url}/storage/v1/b", json={"name": bucket}, timeout=10)
        made.raise_for_status()

    def objects(self, bucket: str, prefix: str = "") -> list[str]:
        names: list[str] = []
        params = {"prefix": prefix}
        while True:
            page = requests.get(
                f"{self.url}/storage/v1/b/{quote(bucket, safe='')}/o", params=params, timeout=10
            ).json()
            names += [str(item["name"]) for item in page.get("items", [])]
            if not page.get("nextPageToken"):
                return names
            params["pageToken"] = page["nextPageToken"]

    def stop(self) -> None:
        stop_group(self.process)


def start_gcs(root: Path) -> GcsEmulator:
    """The emulator on a free port (its objects in memory)."""
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = root / "gcs-emulator.log"
    binary = tool_venv("gcs-emulator") / "bin" / "gcp-storage-emulator"
    process = subprocess.Popen(
        [str(binary), "start", "--host", "127.0.0.1", "--port", str(port), "--in-memory"],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = GcsEmulator(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + 60 * machine_scale()
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"gcp-storage-emulator exited:\n{log.read_text()[-3000:]}")
        try:
            requests.get(f"{server.url}/", timeout=2).raise_for_status()
            return server
        except requests.RequestException:
            if time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(
                    f"gcp-storage-emulator did not start:\n{log.read_text()[-3000:]}"
                ) from None
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.2)


def service_account_key(folder: Path, email: str, token_uri: str) -> tuple[Path, bytes]:
    """A service-account key file as the Cloud console gives it (a fresh RSA key), whose
    token URI is ``token_uri``; and the key's public half (PEM) for the token endpoint."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{email.partition('@')[0]}-{len(list(folder.iterdir()))}.json"
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "modelyard-test",
                "private_key_id": "0" * 40,
                "private_key": private,
                "client_email": email,
                "client_id": "1" * 21,
                "token_uri": token_uri,
            }
        )
    )
    return path, public


@dataclass
class GcsRegistry:
    """An MLflow server keeping its files in the emulator's bucket without serving them."""

    gcs: GcsEmulator
    mlflow: MlflowServer
    seeded: dict[str, Any]
    bucket: str = "models"


@contextlib.contextmanager
def gcs_registry(root: Path) -> Iterator[GcsRegistry]:
    """The emulator, a bucket, and an MLflow server (``--no-serve-artifacts``, a ``gs://``
    root) seeded by MLflow's own client through its GCS repository (google-cloud-storage,
    pointed at the emulator by ``STORAGE_EMULATOR_HOST`` in the child processes only)."""
    gcs = start_gcs(root / "gcs")
    try:
        gcs.make_bucket("models")
        env = {"STORAGE_EMULATOR_HOST": gcs.url}
        storage = Storage(direct=gcs.root("models", "mlflow"), env=tuple(env.items()))
        mlflow = start_server(root / "mlflow", storage=storage)
        try:
            yield GcsRegistry(gcs, mlflow, seed(None, mlflow, env=env))
        finally:
            mlflow.stop()
    finally:
        gcs.stop()
