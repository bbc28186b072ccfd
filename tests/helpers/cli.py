"""Shared by tests: moved from test_cli.py."""

from __future__ import annotations

from click.testing import CliRunner

from modelyard.cli import cli
from tests.support.servers import ADMIN_PASSWORD, ADMIN_USER, MlflowServer


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=stdin, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def add_admin_profile(
    server: MlflowServer, name: str = "secured", password: str = ADMIN_PASSWORD
) -> tuple[int, str, str]:
    """`modelyard profiles add` for the basic-auth server's admin, password on stdin."""
    return run(
        "profiles",
        "add",
        "--name",
        name,
        "--kind",
        "mlflow",
        "--url",
        server.url,
        "--username",
        ADMIN_USER,
        "--password-stdin",
        stdin=password + "\n",
    )
