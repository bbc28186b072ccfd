"""The packaged app serves with an `mlflow` found on PATH, and says what to install without one."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from modelyard.core.actions.serve import NO_MLFLOW, mlflow_command, servable
from modelyard.core.model.domain import ModelFile

MODEL = ModelFile(flavors=("python_function", "sklearn"))


def test_frozen_app_uses_the_mlflow_on_path_or_says_what_it_needs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert mlflow_command() is None
    assert servable(MODEL) == (False, NO_MLFLOW)
    assert "pip install mlflow" in NO_MLFLOW
    program = tmp_path / "mlflow"
    program.write_text("#!/bin/sh\nexit 0\n")
    program.chmod(0o755)
    assert mlflow_command() == [str(program)]
    assert servable(MODEL) == (True, "")  # its environment's flavor packages are its own


def test_in_a_venv_the_environments_own_mlflow_serves() -> None:
    command = mlflow_command()
    assert command is not None and "mlflow" in " ".join(command)
