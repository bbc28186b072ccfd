"""Logging a user can switch on per concern, faults kept for the next start, and crash reports
that carry the versions and the last (redacted) log lines."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelyard.core.model.state import RegistryState, StateEvent
from modelyard.core.runtime.logs import (
    CONCERNS,
    crash_report,
    debug_concerns,
    last_fault,
    log_dir,
    remember_secret,
    setup_logging,
    stop_logging,
)
from tests.helpers.cli import add_admin_profile, run
from tests.helpers.registry import admin_store, ensure_model
from tests.support.servers import MlflowServer


@pytest.fixture()
def logging_off() -> Iterator[None]:
    yield
    stop_logging()
    for name in (*CONCERNS.values(), "modelyard"):
        logging.getLogger(name).setLevel(logging.NOTSET)
    logging.getLogger().setLevel(logging.WARNING)


def test_concerns_are_chosen_by_name() -> None:
    assert debug_concerns(False, {}) == set()
    assert debug_concerns(False, {"MODELYARD_DEBUG": "net, copy,nonsense"}) == {
        "modelyard.net",
        "modelyard.copy",
    }
    assert debug_concerns(False, {"MODELYARD_DEBUG": "all"}) >= set(CONCERNS.values())
    assert debug_concerns(True, {}) >= set(CONCERNS.values())


def test_modelyard_debug_net_logs_each_call_and_nothing_else(
    auth_server: MlflowServer, monkeypatch: pytest.MonkeyPatch, logging_off: None
) -> None:
    """MODELYARD_DEBUG=net: each HTTP call is one line on stderr (method, host, path, status,
    time) — no password, no body — and the other concerns stay quiet."""
    ensure_model(admin_store(auth_server), "logged-model")
    add_admin_profile(auth_server)
    monkeypatch.setenv("MODELYARD_DEBUG", "net")
    code, out, err = run("ls", "secured")
    assert code == 0 and "logged-model" in out
    host = auth_server.url.split("://", 1)[1]
    calls = [line for line in err.splitlines() if line.startswith("DEBUG modelyard.net: ")]
    assert any(
        f"GET {host}/api/2.0/mlflow/registered-models/search" in line and "→ 200 in " in line
        for line in calls
    ), err
    assert "DEBUG modelyard.state" not in err and "DEBUG modelyard.keyring" not in err
    assert "password" not in err.lower()


def test_a_fatal_fault_is_offered_at_the_next_start_once(tmp_path: Path) -> None:
    """A segfault in a run (faulthandler on, as the app's entry points set it): the next start
    gets what every thread was doing; the start after that is not asked again."""
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}
    crash = subprocess.run(
        [
            sys.executable,
            "-c",
            "from modelyard.core.runtime.logs import setup_logging, watch_faults\n"
            "path = setup_logging()\n"
            "watch_faults(path.parent)\n"
            "import faulthandler; faulthandler._sigsegv()\n",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert crash.returncode != 0
    folders = list((tmp_path / "state").rglob("faults.log"))
    assert len(folders) == 1, crash.stderr
    fault = last_fault(folders[0].parent)
    assert fault is not None and "Segmentation fault" in fault
    assert "Current thread" in fault or "Thread 0x" in fault
    assert last_fault(folders[0].parent) is None  # asked once


def test_a_crash_report_carries_versions_and_the_last_log_lines(logging_off: None) -> None:
    setup_logging()
    remember_secret("hunter2-secret")
    logging.getLogger("modelyard.ui").warning("promote asked with token hunter2-secret")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        report = crash_report(*sys.exc_info())
    head = report.splitlines()[:3]
    assert head[0].startswith("Modelyard ")
    assert "Python " in head[1] and "Qt " in head[1] and "mlflow " in head[1]
    assert re.search(r"PySide6-Essentials 6\.\d+", head[1]), head[1]
    assert "The last " in report and "promote asked with token" in report
    assert "hunter2-secret" not in report
    assert (log_dir() / "modelyard.log").is_file()


def test_a_subscriber_that_raises_does_not_keep_the_others_out_of_step(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from modelyard.core.model.domain import ModelSummary

    state = RegistryState("p1")
    seen: list[StateEvent] = []

    def broken(_event: StateEvent) -> None:
        raise ValueError("a view's bug")

    state.subscribe(broken)
    state.subscribe(seen.append)
    with caplog.at_level(logging.ERROR, logger="modelyard.state"):
        state.merge_models([ModelSummary("m")], complete=True)
    assert len(seen) == 1 and seen[0].changes.added == ("m",)
    assert any("a subscriber of p1 failed" in r.getMessage() for r in caplog.records)


def test_registry_text_reaches_the_terminal_as_text(
    capsys: pytest.CaptureFixture[str], logging_off: None
) -> None:
    """A model named with terminal escapes, logged (stderr with --debug, and the file): the
    escape arrives as the characters backslash-x-1-b, never as ESC."""
    setup_logging(debug=True)
    logging.getLogger("modelyard.copy").info("%s v1 registered", "evil\x1b[2J\x07name")
    err = capsys.readouterr().err
    assert "evil\\x1b[2J\\x07name v1 registered" in err
    assert "\x1b" not in err and "\x07" not in err
    assert "\x1b" not in (log_dir() / "modelyard.log").read_text()
