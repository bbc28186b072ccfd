"""The secrets sweep (issue #11): one session adds profiles with secrets of every kind the CLI
takes (MLflow basic and token, Databricks PAT and OAuth M2M), lists, promotes, downloads, fails on
purpose, exports, makes snippets and a crash report, with the log file on; then every file under
the config, data, cache and log dirs, every exported file, everything printed and every snippet
is searched for every secret value. Zero hits."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelyard.core.profiles.profile import ProfileStore
from modelyard.core.runtime.logs import crash_report, log_dir, setup_logging, stop_logging
from tests.helpers.cli import add_admin_profile, run
from tests.helpers.registry import new_version
from tests.support.contract_server import Contract, contract_server
from tests.support.servers import ADMIN_PASSWORD, MlflowServer

WRONG = "wrong-password-4242"
TOKEN = "plain-server-token-777"
M2M_SECRET = "m2m-client-secret-9191"


@pytest.fixture()
def contract(mlflow_server: MlflowServer) -> Iterator[Contract]:
    with contract_server(mlflow_server.url) as running:
        yield running


@pytest.fixture()
def logging_on() -> Iterator[Path]:
    path = setup_logging(debug=True)  # everything goes to the log: the hardest case
    assert path is not None
    yield path
    stop_logging()


def test_no_secret_anywhere_but_the_keyring(
    auth_server: MlflowServer,
    mlflow_server: MlflowServer,
    contract: Contract,
    logging_on: Path,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
) -> None:
    pat = contract.issue("someone@example.com")
    contract.add_client("sp-client-id", M2M_SECRET, "sp@example.com")
    secrets = [ADMIN_PASSWORD, WRONG, TOKEN, pat, M2M_SECRET]
    version = new_version(auth_server, "sweep-model")
    printed: list[str] = []

    def cli(*args: str, stdin: str | None = None) -> int:
        code, out, err = run(*args, stdin=stdin)
        printed.append(out + err)
        return code

    assert add_admin_profile(auth_server, "basic")[0] == 0
    add_admin_profile(auth_server, "wrong", WRONG)
    assert cli(
        "profiles", "add", "--name", "tok", "--kind", "mlflow", "--url", mlflow_server.url,
        "--token-stdin", stdin=TOKEN + "\n",
    ) == 0  # fmt: skip
    assert cli(
        "profiles", "add", "--name", "pat", "--kind", "databricks", "--host", contract.url,
        "--token-stdin", stdin=pat + "\n",
    ) == 0  # fmt: skip
    assert cli(
        "profiles", "add", "--name", "m2m", "--kind", "databricks", "--host", contract.url,
        "--auth", "oauth-m2m", "--client-id", "sp-client-id", "--client-secret-stdin",
        stdin=M2M_SECRET + "\n",
    ) == 0  # fmt: skip
    export = tmp_path / "export.json"
    dest = tmp_path / "download"
    for args in (
        ("profiles", "list"),
        ("profiles", "list", "--json"),
        ("profiles", "test", "basic"),
        ("profiles", "test", "wrong"),  # fails on purpose
        ("profiles", "test", "tok"),
        ("profiles", "test", "pat"),
        ("profiles", "test", "m2m"),
        ("ls", "basic"),
        ("ls", "wrong"),
        ("ls", "pat"),
        ("ls", "m2m"),
        ("show", "basic", "sweep-model", version),
        ("promote", "basic", "sweep-model", version, "--stage", "Staging", "--yes"),
        ("promote", "wrong", "sweep-model", version, "--stage", "Production", "--yes"),
        ("download", "basic", "sweep-model", version, str(dest)),
        ("snippet", "basic", "sweep-model", version),
        ("snippet", "tok", "sweep-model", version),
        ("profiles", "export", str(export)),
        ("profiles", "export", "-"),
    ):
        cli(*args)
    try:
        raise RuntimeError(f"a crash while holding {ADMIN_PASSWORD} and http://u:{TOKEN}@h")
    except RuntimeError:
        report = crash_report(*sys.exc_info())
        logging.getLogger("modelyard").exception("crash with %s", pat)
    assert dest.is_dir() and any(dest.iterdir())  # the download really happened
    assert (log_dir() / "modelyard.log").stat().st_size > 0
    everything = "\n".join(printed) + report + "".join(capfd.readouterr())
    owned = [
        Path(os.environ[v]) for v in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME")
    ] + [log_dir(), export.parent]
    files = {p for d in owned if d.exists() for p in d.rglob("*") if p.is_file()}
    assert export in files and ProfileStore().path in files
    hits = [
        f"{secret[:4]}… in {where}"
        for secret in secrets
        for where, text in [("output", everything.encode())]
        + [(str(p), p.read_bytes()) for p in sorted(files)]
        if secret.encode() in text
    ]
    assert hits == []
