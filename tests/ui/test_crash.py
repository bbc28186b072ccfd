"""The crash handler, the log file and worker failures: reported, redacted, survivable
(issue #11: 5, 15, 18)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from modelyard.core.model.errors import ModelyardError
from modelyard.core.profiles.secrets import SecretStore
from modelyard.core.runtime.logs import log_dir, remember_secret, setup_logging, stop_logging
from modelyard.ui.common.workers import WorkerPool
from modelyard.ui.shell.app import create_app
from modelyard.ui.shell.crash import CrashHandler
from tests.conftest import save_artifact
from tests.helpers.cli import run
from tests.helpers.values import some

SECRET = "s3cr3t-token-value-42"


@pytest.fixture()
def handler(qtbot: QtBot) -> Iterator[CrashHandler]:
    create_app()
    setup_logging()
    crash = CrashHandler()
    crash.install()
    yield crash
    crash.uninstall()
    stop_logging()
    if crash.dialog is not None:
        crash.dialog.close()


def _raise_with_secret() -> None:
    raise RuntimeError(f"boom near http://ana:{SECRET}@host/x and {SECRET}")


def test_an_uncaught_exception_shows_a_redacted_report_and_logs_it(
    qtbot: QtBot, handler: CrashHandler, secrets: SecretStore
) -> None:
    secrets.set("profile-id", "token", SECRET)  # the keyring path registers it for redaction
    try:
        _raise_with_secret()
    except RuntimeError:
        sys.excepthook(*sys.exc_info())  # what Qt calls for an exception in a slot
    qtbot.waitUntil(lambda: handler.dialog is not None and handler.dialog.isVisible())
    dialog = some(handler.dialog)
    report = dialog.detailedText()
    assert "RuntimeError" in report and "_raise_with_secret" in report
    assert SECRET not in report and "http://ana:•••@host/x" in report
    assert "Copy report" in [b.text() for b in dialog.buttons()]
    dialog.grab().save(str(save_artifact("crash-dialog.png")))
    log_text = (log_dir() / "modelyard.log").read_text()
    assert "RuntimeError" in log_text and SECRET not in log_text


def test_an_exception_in_a_thread_reaches_the_window(qtbot: QtBot, handler: CrashHandler) -> None:
    remember_secret(SECRET)
    thread = threading.Thread(target=_raise_with_secret, name="background")
    thread.start()
    thread.join(timeout=10)
    qtbot.waitUntil(lambda: handler.dialog is not None)
    assert "thread background" in handler.reports[0]
    assert SECRET not in handler.reports[0]


def test_a_worker_that_exits_or_crashes_does_not_end_the_app(qtbot: QtBot) -> None:
    create_app()
    remember_secret(SECRET)
    pool = WorkerPool()
    errors: list[ModelyardError] = []

    def exits(_token: object) -> None:
        raise SystemExit(3)

    def leaks(_token: object) -> None:
        raise ValueError(f"token {SECRET} in a message")

    for work in (exits, leaks):
        pool.submit(work, lambda _r: None, errors.append, "bad job")
    qtbot.waitUntil(lambda: len(errors) == 2, timeout=10_000)
    texts = sorted(e.message for e in errors)
    assert any("SystemExit" in t for t in texts) and any("ValueError" in t for t in texts)
    assert all(SECRET not in t for t in texts)
    assert pool.shutdown()


def test_no_display_is_said_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    code, _, err = run("--demo")
    assert code == 1
    assert err.count("\n") == 1 and "no display found" in err
    assert "modelyard demo --no-gui" in err and "QT_QPA_PLATFORM=offscreen" in err


def test_the_last_runs_fault_is_offered_without_blocking_the_window(qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QWidget

    from modelyard.ui.shell.crash import offer_last_fault

    create_app()
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    box = offer_last_fault("Fatal Python error: Segmentation fault\n\nCurrent thread 0x1:", window)
    qtbot.addWidget(box)
    qtbot.waitUntil(box.isVisible, timeout=5_000)
    assert box.windowTitle() == "Modelyard stopped unexpectedly last time"
    assert not box.isModal()  # the window behind stays usable
    detail = box.detailedText()
    assert "Segmentation fault" in detail and "Python " in detail and "Qt " in detail
    box.grab().save(str(save_artifact("last-fault-dialog.png")))
    box.close()
