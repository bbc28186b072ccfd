"""Alias names are checked before anything is sent, with MLflow's own rules: this test holds
the check against MLflow's validators so that the two never drift apart."""

from __future__ import annotations

import pytest
from mlflow.exceptions import MlflowException
from mlflow.utils.validation import (
    _validate_model_alias_name,
    _validate_model_alias_name_reserved,
)

from modelyard.core.model.aliases import alias_problem

NAMES = [
    "champion",
    "challenger-2",
    "shadow_test",
    "Shadow Test",
    "café",
    "a.b",
    "@champion",
    "latest",
    "LATEST",
    "v3",
    "V12",
    "v3a",
    "version3",
    "x" * 255,
    "x" * 256,
    "",
    "tab\there",
    "-",
]


def mlflow_accepts(name: str) -> bool:
    try:
        _validate_model_alias_name(name)
        _validate_model_alias_name_reserved(name)
    except MlflowException:
        return False
    return True


@pytest.mark.parametrize("name", NAMES)
def test_same_verdict_as_mlflow(name: str) -> None:
    assert (alias_problem(name) is None) == mlflow_accepts(name)


def test_the_reason_is_plain() -> None:
    assert "no spaces" in (alias_problem("Shadow Test") or "")
    assert "reserved" in (alias_problem("v3") or "")
    assert "reserved" in (alias_problem("Latest") or "")


def test_the_cli_refuses_before_sending() -> None:
    from click.testing import CliRunner

    from modelyard.cli import cli

    result = CliRunner().invoke(
        cli, ["promote", "nowhere", "m", "1", "--alias", "Shadow Test", "--yes"]
    )
    assert result.exit_code == 1
    assert "'Shadow Test' cannot be an alias" in result.output and "no spaces" in result.output


def test_the_dialog_says_what_is_allowed_as_it_is_typed(qapp: object) -> None:
    from modelyard.ui.board.promote_board import AliasNameDialog

    dialog = AliasNameDialog()
    assert not dialog.ok.isEnabled() and "letters, digits" in dialog.hint.text()
    dialog.edit.setText("Shadow Test")
    assert not dialog.ok.isEnabled() and "no spaces" in dialog.hint.text()
    dialog.edit.setText("v2")
    assert not dialog.ok.isEnabled() and "reserved" in dialog.hint.text()
    dialog.edit.setText("@shadow-test")
    assert dialog.ok.isEnabled() and dialog.name() == "shadow-test"
    assert dialog.ok.text() == "Set alias"
    dialog.deleteLater()
