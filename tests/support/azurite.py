"""A real Azure Blob Storage endpoint on loopback: Azurite (Microsoft's emulator, from npm, in a
cached folder), with its well-known development account and a container per test module; with
``tls``, over HTTPS and taking Microsoft Entra ID bearer tokens too (``--oauth basic``: it
checks a token's issuer, audience and lifetime, not its signature).
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support.server_versions import npm_tool
from tests.support.servers import free_port, machine_scale, stop_group
from tests.support.tls import ServerCert

ACCOUNT = "devstoreaccount1"
# Azurite's published development key (the same in every Azurite; not a secret).
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


@dataclass
class Azurite:
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    tls: ServerCert | None = None

    @property
    def account_url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}/{ACCOUNT}"

    @property
    def connection_string(self) -> str:
        scheme = "https" if self.tls else "http"
        return (
            f"DefaultEndpointsProtocol={scheme};AccountName={ACCOUNT};AccountKey={KEY};"
            f"BlobEndpoint={self.account_url};"
        )

    def root(self, container: str, path: str) -> str:
        """The wasbs:// URI MLflow takes for an artifact root in ``container``."""
        return f"wasbs://{container}@{ACCOUNT}.blob.core.windows.net/{path}"

    def blobs(self, container: str, prefix: str = "") -> list[str]:
        from azure.storage.blob import ContainerClient

        client = ContainerClient.from_connection_string(
            self.connection_string, container, connection_verify=self._verify()
        )
        return [b.name for b in client.list_blobs(name_starts_with=prefix or None)]

    def make_container(self, container: str) -> None:
        from azure.storage.blob import ContainerClient

        ContainerClient.from_connection_string(
            self.connection_string, container, connection_verify=self._verify()
        ).create_container()

    def _verify(self) -> str | bool:
        """The CA to trust for HTTPS; True (the system's) for plain HTTP, where it is unused."""
        return str(self.tls.ca) if self.tls else True

    def stop(self) -> None:
        stop_group(self.process)


def start_azurite(root: Path, tls: ServerCert | None = None) -> Azurite:
    """Azurite's Blob service on a free port, its data in ``root``; HTTPS with ``tls``."""
    root.mkdir(parents=True, exist_ok=True)
    binary = npm_tool("azurite") / "node_modules" / ".bin" / "azurite-blob"
    port = free_port()
    log = root / "azurite.log"
    process = subprocess.Popen(
        [str(binary), "--blobHost", "127.0.0.1", "--blobPort", str(port), "--location",
         str(root / "data"), "--skipApiVersionCheck", "--loose", "--silent",
         *(["--cert", str(tls.cert), "--key", str(tls.key), "--oauth", "basic"] if tls else [])],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    server = Azurite(port, process, log, tls)
    deadline = time.monotonic() + 60 * machine_scale()
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"azurite exited:\n{log.read_text()[-3000:]}")
        with socket.socket() as sock:
            sock.settimeout(1)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return server
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"azurite did not start:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=0.2)
