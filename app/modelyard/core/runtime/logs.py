"""The app's log: a rotating file in the user log dir, with secrets and URL credentials
redacted from every record, and the one place that makes a crash report.

Loggers are named per concern (:data:`CONCERNS`: ``modelyard.net`` for every HTTP call,
``modelyard.state`` for the registry state's writes, ``modelyard.ui``, ``modelyard.copy`` …).
``--debug`` logs every concern in full; ``MODELYARD_DEBUG=net,copy`` only those (``all``: every
one). A fatal fault (a segfault in Qt, a deadlock killed by SIGABRT) is written by faulthandler
to :data:`FAULT_FILE`; the next start offers to show it (:func:`last_fault`).

Every secret value the process handles is registered here when it is read from or written to
the keyring (:func:`remember_secret`); :func:`redact` replaces them, and the password of any
``scheme://user:password@`` URL, in every log line, every crash report and every message a
worker hands to the GUI.
"""

from __future__ import annotations

import collections
import faulthandler
import logging
import logging.handlers
import os
import platform
import sys
import threading
import traceback
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from types import TracebackType
from typing import IO

from modelyard.core.runtime.text import printable, redact_url, scrub

LOG_FILE = "modelyard.log"
FAULT_FILE = "faults.log"  # faulthandler's: a fatal fault of the last run, if any
MAX_BYTES = 1_000_000
BACKUPS = 3
RECENT_LINES = 40  # the last log lines a crash report carries
DEBUG_ENV = "MODELYARD_DEBUG"
# One logger per concern; ``--debug`` / MODELYARD_DEBUG select them by these short names.
CONCERNS: dict[str, str] = {
    "net": "modelyard.net",  # every HTTP call: method, host, path, status, time (no bodies)
    "state": "modelyard.state",  # the registry state's writes and who was told
    "ui": "modelyard.ui",  # what the user asked for and what the window did about it
    "copy": "modelyard.copy",  # copies between registries, step by step
    "keyring": "modelyard.keyring",  # secret store calls (never the values)
    "demo": "modelyard.demo",
    "crash": "modelyard.crash",
}
_recent: collections.deque[str] = collections.deque(maxlen=RECENT_LINES)
_fault_stream: dict[str, IO[str]] = {}  # the one open fault file, once enabled
_secrets: set[str] = set()
_lock = threading.Lock()


def remember_secret(value: str | None) -> None:
    """From now on, ``value`` never appears in a log line, report or worker message."""
    if value and len(value) >= 3:
        with _lock:
            _secrets.add(value)


def redact(text: str) -> str:
    """``text`` without any secret this process has seen, and without URL passwords."""
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)  # longest first: no partial leftovers
    return redact_url(scrub(text, known))


class RedactingFilter(logging.Filter):
    """Formats each record's message once, redacted (arguments included) and with control
    characters escaped: registry text (a model named ``\x1b[2J``) reaches the terminal and
    the log file as text, never as a terminal command."""

    def filter(self, record: logging.LogRecord) -> bool:  # overrides logging.Filter.filter
        record.msg = printable(redact(record.getMessage()), keep_newlines=True)
        record.args = None
        if record.exc_info:
            report = "".join(traceback.format_exception(*record.exc_info))
            record.exc_text = printable(redact(report), keep_newlines=True)
            record.exc_info = None
        return True


class RecentLines(logging.Handler):
    """Keeps the last formatted (redacted) lines for crash reports."""

    def emit(self, record: logging.LogRecord) -> None:  # overrides logging.Handler.emit
        try:
            _recent.append(self.format(record))
        except Exception:  # a log line must never raise into the caller
            self.handleError(record)


def recent_lines() -> list[str]:
    """The last lines logged in this process (redacted), oldest first."""
    return list(_recent)


def debug_concerns(debug: bool, environ: dict[str, str] | None = None) -> set[str]:
    """The logger names to log in full: all of them with ``debug``, else those MODELYARD_DEBUG
    names (``net,copy``; ``all`` or ``1`` for every one). Unknown names are ignored."""
    raw = (os.environ if environ is None else environ).get(DEBUG_ENV, "").strip().lower()
    if debug or raw in ("1", "all", "true", "yes"):
        return {"modelyard", *CONCERNS.values()}
    wanted = {part.strip() for part in raw.split(",") if part.strip()}
    return {CONCERNS[name] for name in wanted if name in CONCERNS}


def log_dir() -> Path:
    """Where the log files are (platformdirs' user log dir)."""
    import platformdirs

    return Path(platformdirs.user_log_dir("modelyard", appauthor=False))


def stop_logging() -> None:
    """Remove (and close) the handlers :func:`setup_logging` added."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_modelyard", False):
            root.removeHandler(handler)
            handler.close()


def setup_logging(debug: bool = False) -> Path | None:
    """Log to a rotating file (and warnings, or with ``debug`` everything, to stderr too);
    returns the log file — or None when its folder cannot be written (a read-only or full
    home): then one line on stderr says so and how to move it, and the app runs on."""
    folder = log_dir()
    path: Path | None = folder / LOG_FILE
    stop_logging()
    root = logging.getLogger()
    handlers: list[logging.Handler] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        file_handler = logging.handlers.RotatingFileHandler(
            folder / LOG_FILE, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
        )
    except OSError as exc:
        path = None
        print(
            f"modelyard: note: no log file: {exc.filename or folder} cannot be written "
            f"({exc.strerror or exc}); set XDG_STATE_HOME to a writable folder to keep one.",
            file=sys.stderr,
        )
    else:
        file_handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
        )
        handlers.append(file_handler)
    verbose = debug_concerns(debug)
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.DEBUG if verbose else logging.WARNING)
    console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handlers.append(console)
    recent = RecentLines()
    recent.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handlers.append(recent)
    for handler in handlers:
        handler.addFilter(RedactingFilter())
        handler._modelyard = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    if debug:
        root.setLevel(logging.DEBUG)
    for name in (*CONCERNS.values(), "modelyard"):
        logging.getLogger(name).setLevel(logging.DEBUG if name in verbose else logging.NOTSET)
    for noisy in ("urllib3", "alembic", "mlflow", "databricks", "azure"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if debug else logging.WARNING)
    return path


def watch_faults(folder: Path | None = None) -> None:
    """faulthandler writes a fatal fault's tracebacks (every thread) to FAULT_FILE in the log
    folder; the file keeps the last run's fault until :func:`last_fault` takes it. (Called by
    the app's entry points, not by setup_logging: a test process keeps pytest's own.)"""
    folder = folder or log_dir()
    if _fault_stream:
        return
    try:
        stream = (folder / FAULT_FILE).open("a", encoding="utf-8")
    except OSError:
        return
    _fault_stream["file"] = stream
    faulthandler.enable(stream, all_threads=True)


def last_fault(folder: Path | None = None) -> str | None:
    """What faulthandler wrote during an earlier run (redacted), once: it is copied to
    ``faults.log.seen`` and the file emptied, so the next start does not ask again. None when
    there was none."""
    path = (folder or log_dir()) / FAULT_FILE
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    if not text.strip():  # only faulthandler writes this file
        return None
    try:
        seen = path.with_name(FAULT_FILE + ".seen")
        seen.write_text(text, encoding="utf-8")
        with path.open("w", encoding="utf-8"):  # emptied (it may be open for this run)
            pass
    except OSError:
        pass
    return redact(text.strip())


def versions(
    packages: Iterable[str] = ("PySide6-Essentials", "mlflow", "databricks-sdk", "keyring"),
) -> str:
    """Python, OS and the versions of what the app stands on (read from the installed
    metadata: nothing is imported; Qt's own version when Qt is loaded), in one line."""
    parts = [f"Python {platform.python_version()}", platform.platform()]
    qt = sys.modules.get("PySide6.QtCore")  # loaded in the GUI; never imported from core
    if qt is not None:
        parts.append(f"Qt {qt.qVersion()}")
    for name in packages:
        try:
            parts.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name} not installed")
    return " · ".join(parts)


def crash_report(
    exc_type: type[BaseException],
    exc: BaseException,
    tb: TracebackType | None,
    where: str = "",
) -> str:
    """A report a user can paste into an issue: versions, where, the traceback — redacted."""
    from modelyard import __version__

    lines = [
        f"Modelyard {__version__}",
        versions(),
        f"Where: {where or threading.current_thread().name}",
        "",
        "".join(traceback.format_exception(exc_type, exc, tb)).rstrip(),
    ]
    recent = recent_lines()
    if recent:
        lines += ["", f"The last {len(recent)} log lines:", *recent]
    return redact("\n".join(lines))
