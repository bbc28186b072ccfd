"""Start-up with three profiles at once in a fresh interpreter: their lanes open MLflow's stores
at the same moment. Importing MLflow on two threads at once deadlocks on Python's module locks
(``_DeadlockError``) or sees a half-imported module (``partially initialized module 'mlflow'``)
unless heavy imports happen once, in one place."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from modelyard.core.profiles.profile import Profile, ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from tests.conftest import demo_copy
from tests.helpers.registry import add_server_profile
from tests.support.servers import MlflowServer

HERE = Path(__file__).parent
ROUNDS = int(os.environ.get("ROUNDS", "10"))  # fresh interpreters, ~6 s each here


def test_three_profiles_opened_at_once_in_a_fresh_interpreter_never_fail_to_import(
    mlflow_server: MlflowServer,
    seeded_demo: Path,
    tmp_path: Path,
    store: ProfileStore,
    secrets: SecretStore,
    demo_profile: Profile,
) -> None:
    store.add(demo_copy(seeded_demo, tmp_path / "second", "second-local"))
    add_server_profile(store, secrets, mlflow_server, "srv")
    env = {
        **os.environ,
        "PYTHONPATH": str(HERE.parents[1]) + os.pathsep + os.environ.get("PYTHONPATH", ""),
    }
    failures = []
    for round_ in range(ROUNDS):
        result = subprocess.run(
            [sys.executable, str(HERE / "concurrent_start.py")],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert result.returncode == 0, result.stderr
        outcome = json.loads(result.stdout.strip().splitlines()[-1])
        assert set(outcome) == {"demo", "second-local", "srv"}, outcome
        bad = {name: text for name, text in outcome.items() if not text.startswith("ok")}
        if bad:
            failures.append((round_, bad))
    assert not failures, failures
