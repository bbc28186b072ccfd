"""The journal of every write Modelyard makes, shared by the GUI and the CLI.

One JSON line when a write starts and one when its answer comes (linked by an id), appended
to ``activity.jsonl`` in the user data dir: a process killed between the two leaves a write
whose outcome is "unknown" (the registry is then the one to ask). Each line is one
``O_APPEND`` write of at most ``MAX_LINE`` bytes, so the GUI and a CLI run side by side never
mix their lines. It holds no secret: profile names, model names, versions, what changed (a
tag's value, not a description's text), the outcome and the server's answer in a sentence
(messages are built without credentials, see ``modelyard.core.model.errors``).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Literal

from modelyard.core.runtime.paths import data_dir

ACTIVITY_FILE = "activity.jsonl"
MAX_LINE = 4000  # bytes: under PIPE_BUF, one write(2) per line
MAX_FILE = 16 * 1024 * 1024  # beyond this, the older half is dropped when a process opens it
Outcome = Literal["started", "ok", "failed", "refused", "unknown"]
_TEXT_LIMITS = {"change": 400, "answer": 1000, "model": 300, "profile": 120, "version": 40}


@dataclass(frozen=True)
class Write:
    """One write: what, where, when, and how it ended."""

    id: str
    at: float  # when it started (seconds since the epoch)
    profile: str
    model: str
    version: str
    change: str  # in words: "@champion → v3", "stage → Production"
    outcome: Outcome = "started"
    duration_s: float | None = None
    answer: str = ""  # the server's answer, or why it failed, in a sentence
    kind: str = ""  # the error's kind when it failed (auth, permission, conflict…)
    tool: str = ""  # "gui" or "cli"
    pid: int = 0  # the process that made it (while it runs, a write without an end is going on)
    op: str = ""  # the Registry method, where the write can be made again from here (Retry)
    args: tuple[tuple[str, str], ...] = ()  # its arguments, by name (short values only)

    @property
    def failed(self) -> bool:
        return self.outcome in ("failed", "refused")

    @property
    def retryable(self) -> bool:
        """Failed, or cut off before its answer (then a retry reads what the server has first),
        and made again from its record."""
        return bool(self.op) and (self.failed or self.outcome == "unknown")


_TOOL = {"name": ""}


def set_tool(name: str) -> None:
    """What this process is ("gui", "cli"), written with each of its writes."""
    _TOOL["name"] = name


def activity_path() -> Path:
    return data_dir() / ACTIVITY_FILE


class Activity:
    """Appends writes to the journal and reads them back."""

    def __init__(self, path: Path | None = None, tool: str = "") -> None:
        self.path = path or activity_path()
        self.tool = tool or _TOOL["name"]

    def started(
        self,
        profile: str,
        model: str,
        version: str,
        change: str,
        *,
        op: str = "",
        args: tuple[tuple[str, str], ...] = (),
    ) -> Write:
        write = Write(
            uuid.uuid4().hex,
            time.time(),
            profile,
            model,
            version,
            change,
            tool=self.tool,
            pid=os.getpid(),
            op=op,
            args=args,
        )
        line = asdict(write)
        line["args"] = dict(args)
        self._append(line)
        return write

    def finished(self, write: Write, outcome: Outcome, answer: str = "", kind: str = "") -> Write:
        done = replace(
            write,
            outcome=outcome,
            duration_s=round(time.time() - write.at, 3),
            answer=answer,
            kind=kind,
        )
        self._append(
            {
                "id": done.id,
                "outcome": outcome,
                "duration_s": done.duration_s,
                "answer": answer,
                "kind": kind,
            }
        )
        return done

    def entries(self) -> list[Write]:
        """Every write, oldest first; one that started and never ended is "unknown"."""
        return list(merge(self._lines()))

    def _lines(self) -> Iterable[dict[str, object]]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        out = []
        for line in raw.splitlines():
            try:
                item = json.loads(line)
            except ValueError:  # a line cut short by a full disk: the others stand
                continue
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                out.append(item)
        return out

    def _append(self, item: dict[str, object]) -> None:
        for key, limit in _TEXT_LIMITS.items():
            value = item.get(key)
            if isinstance(value, str) and len(value) > limit:
                item[key] = value[: limit - 1] + "…"
        data = (json.dumps(item, ensure_ascii=False) + "\n").encode("utf-8")
        if len(data) > MAX_LINE:  # only the answer can still be long: shorten it further
            item["answer"] = str(item.get("answer", ""))[:200] + "…"
            data = (json.dumps(item, ensure_ascii=False) + "\n").encode("utf-8")[:MAX_LINE]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)

    def trim(self) -> None:
        """Drop the older half of a journal grown past ``MAX_FILE`` (whole lines only)."""
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return
        if size <= MAX_FILE:
            return
        raw = self.path.read_bytes()
        cut = raw.find(b"\n", len(raw) // 2) + 1
        from modelyard.core.runtime.paths import write_atomic

        write_atomic(self.path, raw[cut:].decode("utf-8", errors="replace"))


def merge(lines: Iterable[dict[str, object]]) -> Iterable[Write]:
    """Writes from journal lines: each start, completed by its end line when there is one."""
    started: dict[str, Write] = {}
    for item in lines:
        key = str(item["id"])
        if "change" in item:
            try:
                started[key] = Write(
                    id=key,
                    at=float(item.get("at") or 0.0),  # type: ignore[arg-type]
                    profile=str(item.get("profile", "")),
                    model=str(item.get("model", "")),
                    version=str(item.get("version", "")),
                    change=str(item.get("change", "")),
                    tool=str(item.get("tool", "")),
                    pid=int(item.get("pid") or 0),  # type: ignore[call-overload]
                    op=str(item.get("op", "")),
                    args=_args(item.get("args")),
                )
            except (TypeError, ValueError):
                continue
        elif key in started:
            outcome = str(item.get("outcome", "unknown"))
            duration = item.get("duration_s")
            started[key] = replace(
                started[key],
                outcome=outcome if outcome in ("ok", "failed", "refused") else "unknown",  # type: ignore[arg-type]
                duration_s=float(duration) if isinstance(duration, int | float) else None,
                answer=str(item.get("answer", "")),
                kind=str(item.get("kind", "")),
            )
    for write in started.values():
        going_on = write.outcome == "started" and _running(write.pid)
        yield write if write.outcome != "started" or going_on else replace(write, outcome="unknown")


def _args(raw: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, dict):
        return ()
    return tuple((str(k), str(v)) for k, v in raw.items())


def _running(pid: int) -> bool:
    """Whether the process that started a write still runs (then its answer may yet come)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process of that number: not ours
        return False
    return True


EXPORT_FIELDS = (
    "at",
    "profile",
    "model",
    "version",
    "change",
    "outcome",
    "duration_s",
    "answer",
    "kind",
    "tool",
)


def export_writes(writes: Iterable[Write], path: Path) -> int:
    """Write ``writes`` to ``path`` as CSV (``.csv``) or JSON (anything else), times in UTC
    ISO 8601; how many were written. Written whole or not at all."""
    import csv
    import io
    from datetime import UTC, datetime

    from modelyard.core.runtime.paths import write_atomic
    from modelyard.core.runtime.text import csv_cell

    rows = []
    for write in writes:
        row: dict[str, object] = {k: getattr(write, k) for k in EXPORT_FIELDS}
        row["at"] = datetime.fromtimestamp(write.at, tz=UTC).isoformat(timespec="seconds")
        rows.append(row)
    if path.suffix.lower() == ".csv":
        out = io.StringIO()
        table = csv.DictWriter(out, fieldnames=EXPORT_FIELDS, lineterminator="\n")
        table.writeheader()
        for row in rows:  # a cell starting like a formula is text, never a formula
            table.writerow({k: "" if v is None else csv_cell(str(v)) for k, v in row.items()})
        text = out.getvalue()
    else:
        text = json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    write_atomic(path, text)
    return len(rows)
