"""Contract tests: Databricks and AzureML through the stand-in of tests/support/contract_server,
which forwards the shared MLflow API to a real ``mlflow server``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.contract import SUBSCRIPTION
from tests.support.contract_server import Contract, contract_server
from tests.support.servers import MlflowServer
from tests.support.tls import make_server_cert


@pytest.fixture()
def contract(mlflow_server: MlflowServer) -> Iterator[Contract]:
    with contract_server(mlflow_server.url) as running:
        yield running


@pytest.fixture()
def azure(
    mlflow_server: MlflowServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Contract]:
    """The stand-in over HTTPS (azure-identity only talks to https authorities)."""
    cert = make_server_cert(tmp_path / "tls")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert.ca))  # trust the test's own CA
    with contract_server(mlflow_server.url, tls=cert) as running:
        running.azure_workspace = (SUBSCRIPTION, "rg-ml", "ws-prod")
        running.add_client("app-client-id", "app-secret-value", "deploy-app")
        yield running
