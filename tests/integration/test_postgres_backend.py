"""An MLflow server as teams run it (seed 004): PostgreSQL for the registry, and its files in S3
that the server proxies (``--artifacts-destination s3://…``; only the server holds the keys).
Modelyard through the CLI: listing, details, history, promotion, download, copy in and out.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from modelyard.core.profiles.profile import ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from tests.helpers.cli import run
from tests.helpers.registry import add_server_profile
from tests.support.postgres import Postgres, start_postgres
from tests.support.s3_server import S3Server, start_s3
from tests.support.server_versions import seed
from tests.support.servers import MlflowServer, Storage, start_server


@dataclass
class Team:
    postgres: Postgres
    s3: S3Server
    mlflow: MlflowServer
    seeded: dict[str, Any]


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Team]:
    root = tmp_path_factory.mktemp("postgres-s3")
    postgres = start_postgres(root / "postgres")
    s3 = start_s3(root / "s3", {"mlflow-server": "team-models"})
    try:
        key = s3.keys["mlflow-server"]
        storage = Storage(
            backend=postgres.url,
            destination="s3://team-models/proxied",
            env=tuple(s3.env_for(key).items()),
        )
        mlflow = start_server(root / "mlflow", storage=storage)
        try:
            yield Team(postgres, s3, mlflow, seed(None, mlflow))
        finally:
            mlflow.stop()
    finally:
        s3.stop()
        postgres.stop()


def _json(*args: str) -> Any:
    code, out, err = run(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_listing_details_and_history_come_from_postgres(
    team: Team, store: ProfileStore, secrets: SecretStore
) -> None:
    add_server_profile(store, secrets, team.mlflow, "team")
    assert [m["name"] for m in _json("ls", "team")] == ["churn", "fraud-detector", "unreleased"]
    versions = {v["version"]: v for v in _json("ls", "team", "churn")}
    assert versions["2"]["stage"] == "Production" and versions["2"]["aliases"] == ["champion"]
    shown = _json("show", "team", "churn", "2")
    assert shown["run"]["metrics"]["accuracy"] == 0.79 and shown["problems"] == []
    now = {
        e["version"]: e["to"] for e in _json("history", "team", "churn") if e["kind"] == "current"
    }
    assert now == {"1": "Archived", "2": "Production", "3": "Staging"}


def test_files_in_the_proxied_s3_store_download_byte_identical(
    team: Team, store: ProfileStore, secrets: SecretStore, tmp_path: Path
) -> None:
    add_server_profile(store, secrets, team.mlflow, "team")
    code, _out, err = run("download", "team", "churn", "3", str(tmp_path / "got"))
    assert code == 0, err
    got = {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in (tmp_path / "got").rglob("*")
        if p.is_file() and not p.name.startswith(".modelyard")
    }
    assert got == team.seeded["models"]["churn"]["versions"]["3"]["files"]
    key = team.s3.keys["mlflow-server"]
    assert any(k.endswith("model/model.bin") for k in team.s3.objects(key, "team-models"))


def test_promotion_and_a_copy_in_and_out(
    team: Team,
    store: ProfileStore,
    secrets: SecretStore,
    mlflow_server: MlflowServer,
) -> None:
    add_server_profile(store, secrets, team.mlflow, "team")
    add_server_profile(store, secrets, mlflow_server, "local-dev")
    code, _out, err = run(
        "promote", "team", "churn", "3", "--stage", "production", "--archive-existing", "--yes"
    )
    assert code == 0, err
    stages = {v["version"]: v["stage"] for v in _json("ls", "team", "churn")}
    assert stages == {"1": "Archived", "2": "Archived", "3": "Production"}
    code, _out, err = run("copy", "team", "churn", "3", "local-dev", "--name", "churn-from-pg",
                          "--yes")  # fmt: skip
    assert code == 0, err
    code, _out, err = run("copy", "local-dev", "churn-from-pg", "1", "team", "--name",
                          "churn-back", "--alias", "returned", "--yes")  # fmt: skip
    assert code == 0, err
    back = next(m for m in _json("ls", "team") if m["name"] == "churn-back")
    assert back["aliases"] == {"returned": "1"}
