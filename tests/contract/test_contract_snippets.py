"""Contract tests: the load snippet of the Databricks kinds runs, as a user would paste it, with
MLflow's own client against the stand-in (credentials only from the environment it names)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from modelyard.core.kinds import DatabricksSettings, DatabricksUCSettings
from modelyard.core.model.domain import VersionSummary
from modelyard.core.profiles.profile import Profile
from modelyard.core.reads.snippet import load_snippet
from tests.helpers.registry import new_version
from tests.support.contract_server import Contract
from tests.support.servers import MlflowServer

PREDICT = (
    "import pandas as pd\n"
    "print('PRED', list(model.predict(pd.DataFrame([[0.5, 0.1, 0.2], [-1, 0, 0]],"
    " columns=['a', 'b', 'c']))))\n"
)


def _run(code: str, env_extra: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    script = cwd / "snippet.py"
    script.write_text(code + PREDICT)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MLFLOW_", "DATABRICKS_", "AZURE_"))
    }
    env.update(env_extra, HOME=str(cwd))  # no ~/.databrickscfg of the machine
    return subprocess.run(
        [sys.executable, str(script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
    )


@pytest.mark.parametrize("kind", ["databricks", "databricks-uc"])
def test_contract_databricks_snippets_load_the_model(
    kind: str, contract: Contract, mlflow_server: MlflowServer, tmp_path: Path
) -> None:
    name = f"cat{uuid.uuid4().hex[:6]}.ml.snip" if kind == "databricks-uc" else "snip-dbx"
    version = new_version(mlflow_server, name)
    settings = (
        DatabricksUCSettings(host=contract.url)
        if kind == "databricks-uc"
        else DatabricksSettings(host=contract.url)
    )
    code = load_snippet(Profile(name="p", settings=settings), VersionSummary(name, version), None)
    token = contract.issue("ana@example.com")
    assert token not in code and "DATABRICKS_TOKEN=<personal access token>" in code
    result = _run(code, {"DATABRICKS_HOST": contract.url, "DATABRICKS_TOKEN": token}, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "PRED [" in result.stdout
    assert contract.storage_requests, "the files came from pre-signed storage URLs"
    assert all("Authorization" not in h for h in contract.storage_requests)
