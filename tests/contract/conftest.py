"""Contract tests: Databricks and AzureML through the stand-in of tests/support/contract_server,
which forwards the shared MLflow API to a real ``mlflow server``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.contract_server import Contract, contract_server
from tests.support.servers import MlflowServer


@pytest.fixture()
def contract(mlflow_server: MlflowServer) -> Iterator[Contract]:
    with contract_server(mlflow_server.url) as running:
        yield running
