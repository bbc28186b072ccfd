"""A real PostgreSQL server for one test session: Debian's ``postgresql`` binaries, a cluster of
its own in a tmp folder, on a free loopback port, trust authentication, one database.

PostgreSQL refuses to run as root: as root (CI), the cluster belongs to the ``postgres`` user
the Debian package made, and its commands run as that user (``runuser``). Without the binaries
the tests that need it are skipped, unless ``MODELYARD_REQUIRE_POSTGRES=1`` (CI sets it, and
installs the package) makes that a failure.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.servers import free_port, machine_scale

DATABASE = "mlflow"
USER = "mlflow"


def _bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


def _as_owner(command: list[str]) -> list[str]:
    if os.getuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@dataclass
class Postgres:
    url: str  # for SQLAlchemy (MLflow's --backend-store-uri)
    data: Path
    bindir: Path
    root: Path

    def stop(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError):
            subprocess.run(
                _as_owner([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast",
                           "-w", "stop"]),
                capture_output=True,
                timeout=60,
            )  # fmt: skip
        shutil.rmtree(self.root, ignore_errors=True)


def start_postgres(root: Path) -> Postgres:
    """A cluster in ``root``, started, with database ``mlflow`` owned by user ``mlflow``."""
    bindir = _bin()
    if bindir is None:
        if os.environ.get("MODELYARD_REQUIRE_POSTGRES") == "1":
            raise RuntimeError("PostgreSQL is required here: apt-get install postgresql")
        pytest.skip("PostgreSQL's server binaries are not installed (Debian: postgresql)")
    root.mkdir(parents=True, exist_ok=True)
    if os.getuid() == 0:
        # pytest's tmp folders are private to root: the cluster lives where its owner can reach
        root = Path(tempfile.mkdtemp(prefix="modelyard-postgres-"))
        os.chmod(root, 0o755)
        shutil.chown(root, "postgres", "postgres")
    data, sockets = root / "data", root / "sockets"
    sockets.mkdir(exist_ok=True)
    if os.getuid() == 0:
        shutil.chown(sockets, "postgres", "postgres")
    port = free_port()
    done = subprocess.run(
        _as_owner([str(bindir / "initdb"), "-D", str(data), "-U", USER, "-A", "trust",
                   "-E", "UTF8", "--no-sync"]),
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"initdb failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
    log = root / "postgres.log"
    if os.getuid() == 0:
        log.touch()
        shutil.chown(log, "postgres", "postgres")
    started = subprocess.run(
        _as_owner([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options,
                   "-w", "-t", str(int(60 * machine_scale())), "start"]),
        capture_output=True,
        text=True,
        timeout=180,
    )  # fmt: skip
    if started.returncode != 0:
        raise RuntimeError(f"PostgreSQL did not start:\n{log.read_text()[-3000:]}")
    # psycopg2, as MLflow documents it (with psycopg 3, MLflow 3.17 fails archive-existing on
    # PostgreSQL: "operator does not exist: integer <> character varying")
    url = f"postgresql+psycopg2://{USER}@127.0.0.1:{port}/{DATABASE}"
    server = Postgres(url, data, bindir, root)
    deadline = time.monotonic() + 30 * machine_scale()
    while True:
        made = subprocess.run(
            [str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", USER, DATABASE],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if made.returncode == 0:
            return server
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"createdb failed: {made.stderr}")
        time.sleep(0.2)  # pg_ctl -w waited for it to accept connections; a pause between tries
