"""The app's log: a rotating file in the user log dir, with secrets and URL credentials
redacted from every record, and the one place that makes a crash report.

Every secret value the process handles is registered here when it is read from or written to
the keyring (:func:`remember_secret`); :func:`redact` replaces them, and the password of any
``scheme://user:password@`` URL, in every log line, every crash report and every message a
worker hands to the GUI.
"""

from __future__ import annotations

import logging
import logging.handlers
import platform
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType

from modelyard.core.errors import scrub
from modelyard.core.text import redact_url

LOG_FILE = "modelyard.log"
MAX_BYTES = 1_000_000
BACKUPS = 3
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
    """Formats each record's message once, redacted (arguments included)."""

    def filter(self, record: logging.LogRecord) -> bool:  # overrides logging.Filter.filter
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)))
            record.exc_info = None
        return True


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
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.DEBUG if debug else logging.WARNING)
    console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handlers.append(console)
    for handler in handlers:
        handler.addFilter(RedactingFilter())
        handler._modelyard = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    for noisy in ("urllib3", "alembic", "mlflow", "databricks", "azure"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if debug else logging.WARNING)
    return path


def crash_report(
    exc_type: type[BaseException],
    exc: BaseException,
    tb: TracebackType | None,
    where: str = "",
) -> str:
    """A report a user can paste into an issue: versions, where, the traceback — redacted."""
    from modelyard import __version__

    lines = [
        f"Modelyard {__version__} on Python {platform.python_version()} ({platform.platform()})",
        f"Where: {where or threading.current_thread().name}",
        "",
        "".join(traceback.format_exception(exc_type, exc, tb)).rstrip(),
    ]
    return redact("\n".join(lines))
