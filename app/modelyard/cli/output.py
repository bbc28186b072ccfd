"""How the CLI speaks: human output with registry text escaped, exact JSON, tables, and
one-line failures."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, NoReturn

import click

from modelyard.core.model.domain import (
    ModelSummary,
    StageEvent,
    VersionSummary,
)
from modelyard.core.model.errors import ModelyardError
from modelyard.core.model.snapshot import model_record, version_record
from modelyard.core.profiles.profile import (
    validation_message,
)
from modelyard.core.reads.history import stage_summary, visible_tags
from modelyard.core.runtime.text import markdown_to_plain, printable


def _echo(text: str = "", *, err: bool = False, nl: bool = True) -> None:
    """Human output: control characters from registry text are shown as escapes, never sent to
    the terminal (newlines and tabs of multi-line text stay)."""
    click.echo(printable(text, keep_newlines=True), err=err, nl=nl)


def _echo_exact(text: str, *, nl: bool = True) -> None:
    """Machine output (JSON, and CSV/Markdown into a pipe): exact, byte for byte. (click would
    strip CSI sequences from it when stdout is not a terminal and pass OSC sequences: neither
    exact nor escaped.) json.dumps already escapes control characters."""
    click.echo(text, nl=nl, color=True)


def _p(text: object) -> str:
    """One registry value inside a line of human output: every control character escaped."""
    return printable(str(text))


def _fail(message: str) -> NoReturn:
    _echo(f"modelyard: {message}", err=True)
    sys.exit(1)


@contextmanager
def _reported() -> Iterator[None]:
    """Turn Modelyard and validation errors into one line on stderr and exit code 1."""
    from pydantic import ValidationError

    try:
        yield
    except ModelyardError as exc:
        _fail(exc.message)
    except ValidationError as exc:
        _fail(validation_message(exc))
    except OSError as exc:
        _fail(f"{exc.filename or 'file'}: {exc.strerror or exc}{_way_out(exc)}")
    except KeyboardInterrupt:
        _fail("interrupted")


def _way_out(exc: OSError) -> str:
    """For a file Modelyard keeps in a user folder that cannot be written: which variable moves
    that folder (a read-only or full home)."""
    import os

    if not exc.filename:
        return ""
    where = str(exc.filename)
    for variable, default in (
        ("XDG_CONFIG_HOME", "~/.config"),
        ("XDG_DATA_HOME", "~/.local/share"),
        ("XDG_STATE_HOME", "~/.local/state"),
        ("XDG_CACHE_HOME", "~/.cache"),
    ):
        base = os.environ.get(variable) or os.path.expanduser(default)
        if where == base or where.startswith(base.rstrip("/") + "/"):
            return f" (Modelyard keeps its files there: set {variable} to a writable folder)"
    return ""


def _when(value: datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value else "-"


MAX_CELL = 60  # a table column is never wider: one 10 kB name must not pad every row


def _fit(text: str) -> str:
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def _table(rows: list[list[str]], headers: list[str]) -> str:
    """Columns for people: registry text escaped, cells over MAX_CELL characters cut with "…"
    (--json has every value whole)."""
    rows = [[_fit(_p(c)) for c in row] for row in rows]
    headers = [_fit(_p(h)) for h in headers]
    widths = [max(len(c) for c in col) for col in zip(headers, *rows, strict=False)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)


def _print_model(info: ModelSummary, versions: list[VersionSummary], as_json: bool) -> None:
    if as_json:
        data = model_record(info)
        data["versions"] = [version_record(v) for v in versions]
        _echo_exact(json.dumps(data, indent=2))
        return
    _echo(f"{_p(info.name)}\n")
    if info.description:
        _echo(markdown_to_plain(info.description) + "\n")
    for stage, text in stage_summary(versions):
        _echo(f"{stage}: {text}")
    aliases = ", ".join(f"@{_p(a)} → v{_p(v)}" for a, v in sorted(info.aliases.items()))
    _echo(f"Aliases: {aliases or '-'}")
    tags = ", ".join(f"{_p(k)}={_p(v)}" for k, v in sorted(visible_tags(info.tags).items()))
    _echo(f"Tags: {tags or '-'}\n")
    rows = [
        [v.version, v.stage.value, ", ".join(v.aliases), v.status, _when(v.created)]
        for v in versions
    ]
    _echo(_table(rows, ["VERSION", "STAGE", "ALIASES", "STATUS", "CREATED"]))


def _print_offline_version(v: VersionSummary, as_json: bool) -> None:
    """A version's registry entry as last seen (its run and signature are not kept)."""
    if as_json:
        _echo_exact(json.dumps(version_record(v), indent=2))
        return
    _print_version_head(v)
    _echo(f"Run: {_p(v.run_id) or '-'}   (offline: run metrics and signature are not kept)")


def _print_models(models: list[ModelSummary], as_json: bool) -> None:
    if as_json:
        _echo_exact(json.dumps([model_record(m) for m in models], indent=2))
        return
    rows = [
        [
            m.name,
            m.latest_versions[0] if m.latest_versions else "-",
            ", ".join(f"{a}→v{v}" for a, v in sorted(m.aliases.items())),
            _when(m.updated),
        ]
        for m in models
    ]
    _echo(_table(rows, ["MODEL", "LATEST", "ALIASES", "UPDATED"]))


def _print_versions(versions: list[VersionSummary], as_json: bool) -> None:
    if as_json:
        _echo_exact(json.dumps([version_record(v) for v in versions], indent=2))
        return
    rows = [
        [
            v.version,
            v.stage.value,
            ", ".join(v.aliases),
            v.status,
            v.run_id or "-",
            _when(v.created),
        ]
        for v in versions
    ]
    _echo(_table(rows, ["VERSION", "STAGE", "ALIASES", "STATUS", "RUN", "CREATED"]))


def _event_json(event: StageEvent) -> dict[str, Any]:
    return {
        "kind": event.kind.value,
        "version": event.version,
        "when": event.when.isoformat() if event.when else None,
        "who": event.who,
        "from": event.from_value,
        "to": event.to_value,
        "comment": event.comment,
        "source": event.source.value,
        "text": event.describe(),
    }


def _print_events(events: tuple[StageEvent, ...]) -> None:
    rows = [[_when(e.when), e.describe(), e.who or "-", e.source.value, e.comment] for e in events]
    _echo(_table(rows, ["WHEN", "WHAT", "WHO", "SOURCE", "COMMENT"]))


def _print_version_head(v: VersionSummary) -> None:
    """A version's first lines: name, stage, aliases, URI, status, created, description."""
    _echo(
        f"{_p(v.model)} v{_p(v.version)}  [{v.stage.value}]  "
        + " ".join("@" + _p(a) for a in v.aliases)
    )
    _echo(f"URI: {_p(v.uri)}   status: {_p(v.status)}   created: {_when(v.created)}")
    if v.description:
        _echo(markdown_to_plain(v.description))
    tags = visible_tags(v.tags)
    if tags:
        _echo("Tags: " + ", ".join(f"{_p(k)}={_p(val)}" for k, val in sorted(tags.items())))


OFFLINE_OPTION = click.option(
    "--offline",
    is_flag=True,
    help="Print the last-seen state (kept from earlier listings) without asking the registry.",
)
FORMAT_OPTION = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "csv", "json", "md"]),
    default="text",
    help="text (a table), csv, json or md (Markdown).",
)
