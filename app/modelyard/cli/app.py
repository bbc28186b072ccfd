"""The ``modelyard`` command group: no sub-command opens the GUI; shared helpers of the commands."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import click

from modelyard import __version__
from modelyard.cli.output import _echo, _fail, _reported
from modelyard.core.model.domain import (
    Page,
    VersionSummary,
)
from modelyard.core.model.registry import Registry
from modelyard.core.profiles.profile import (
    ProfileStore,
)
from modelyard.core.profiles.secrets import SecretStore


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--demo", is_flag=True, help="Open the GUI on the embedded demo registry.")
@click.option("--reset", is_flag=True, help="With --demo: rebuild the demo registry first.")
@click.option(
    "--debug",
    is_flag=True,
    help="Log everything (redacted) to the log file and to stderr; MODELYARD_DEBUG=net,state,"
    "ui,copy,keyring logs only those concerns.",
)
@click.version_option(__version__, prog_name="modelyard")
@click.pass_context
def cli(ctx: click.Context, demo: bool, reset: bool, debug: bool) -> None:
    """Modelyard: one window onto every MLflow model registry you use.

    Without a sub-command, opens the desktop app. The log (secrets redacted) is kept in the
    user log folder; `modelyard --debug` makes it verbose.
    """
    from modelyard.core.runtime.activity import set_tool
    from modelyard.core.runtime.waiting import reporting_waits

    set_tool("cli" if ctx.invoked_subcommand else "gui")
    ctx.obj = {"debug": debug}
    ctx.with_resource(reporting_waits(WaitLines()))  # for the sub-command's calls
    if ctx.invoked_subcommand is None:
        _gui(demo=demo, reset=reset, debug=debug)
    elif debug or os.environ.get("MODELYARD_DEBUG"):
        from modelyard.core.runtime.logs import setup_logging, watch_faults

        log_file = setup_logging(debug=debug)
        if log_file is not None:
            watch_faults(log_file.parent)


def no_display_reason(environ: dict[str, str] | None = None) -> str | None:
    """Why no window can be shown here (Linux without DISPLAY/WAYLAND_DISPLAY), or None."""
    env = dict(os.environ if environ is None else environ)
    if not sys.platform.startswith("linux") or env.get("QT_QPA_PLATFORM"):
        return None
    if env.get("WAYLAND_DISPLAY"):
        return None
    display = env.get("DISPLAY")
    if display:
        if x_server_answers(display):
            return None
        return (
            f"DISPLAY is {display!r}, but no X server answers there (it is not running, or "
            "this session cannot reach it), so the window cannot open. Start one, fix DISPLAY, "
            "or use the command line (`modelyard --help`), or run headless with "
            "QT_QPA_PLATFORM=offscreen."
        )
    return (
        "no display found (neither DISPLAY nor WAYLAND_DISPLAY is set), so the window cannot "
        "open. Use the command line instead (`modelyard demo --no-gui`, `modelyard ls demo`, "
        "`modelyard --help`), or run headless with QT_QPA_PLATFORM=offscreen."
    )


def x_server_answers(display: str) -> bool:
    """Whether an X server accepts a connection at ``display`` (":1", "host:0.0", a socket
    path): Qt aborts the process with a misleading message about xcb-cursor when none does."""
    import re
    import socket

    found = re.fullmatch(r"(?P<host>[^:]*):(?P<number>\d+)(\.\d+)?", display)
    if display.startswith("/"):  # a socket path (XQuartz's launchd DISPLAY)
        target: tuple[int, object] = (socket.AF_UNIX, display.split(":", 1)[0])
    elif found is None:
        return True  # a form we do not know: let Qt judge
    elif found["host"] in ("", "unix"):
        target = (socket.AF_UNIX, f"/tmp/.X11-unix/X{found['number']}")
    else:
        target = (socket.AF_INET, (found["host"], 6000 + int(found["number"])))
    family, address = target
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(2.0)
        try:
            sock.connect(address)  # type: ignore[arg-type]
        except OSError:
            # An abstract-namespace socket (Linux) answers where the file is missing.
            if family == socket.AF_UNIX and found is not None:
                try:
                    sock.connect(f"\0/tmp/.X11-unix/X{found['number']}")
                except OSError:
                    return False
                return True
            return False
    return True


def _gui(demo: bool, reset: bool = False, debug: bool = False) -> None:
    reason = no_display_reason()
    if reason is not None:
        _fail(reason)
    from modelyard.ui.shell.app import run_gui

    sys.exit(run_gui(demo=demo, reset_demo=reset, debug=debug))


@cli.command()
@click.option("--no-gui", is_flag=True, help="Only create and seed the demo registry.")
@click.option("--reset", is_flag=True, help="Rebuild the demo registry from scratch.")
def demo(no_gui: bool, reset: bool) -> None:
    """Create (once) the embedded demo registry and open the app on it."""
    if not no_gui:
        debug = bool((click.get_current_context().find_root().obj or {}).get("debug"))
        _gui(demo=True, reset=reset, debug=debug)
        return
    from modelyard.core.demo.registry import ensure_demo, is_seeded

    with _reported():
        store = ProfileStore()
        existing = store.find("demo")
        if existing is not None and is_seeded(existing) and not reset:
            _echo(f"Demo registry ready: {existing.settings.describe()}")
            return
        with click.progressbar(length=1, label="Seeding the demo registry", file=sys.stderr) as bar:

            def progress(done: int, total: int, text: str) -> None:
                bar.length = total
                bar.update(done - bar.pos)

            profile = ensure_demo(store, reset=reset, progress=progress)
        _echo(f"Demo registry ready: {profile.settings.describe()}")


T = TypeVar("T")


def _all_pages(fetch: Callable[[str | None], Page[T]]) -> list[T]:
    """Every item of a paged listing."""
    items: list[T] = []
    token: str | None = None
    while True:
        page = fetch(token)
        items.extend(page.items)
        token = page.next_page_token
        if not token:
            return items


@contextmanager
def _registry(profile: str, *, writing: bool = False) -> Iterator[Registry]:
    """The registry of ``profile``; for a command that writes, refused at once when the profile
    is read-only (before any plan is read or shown; ``--yes`` does not change it)."""
    from modelyard.core.connectors import open_registry
    from modelyard.core.profiles.profile import read_only_refusal

    chosen = ProfileStore().get(profile)
    if writing and chosen.read_only:
        raise read_only_refusal(chosen)
    registry = open_registry(chosen, SecretStore())
    try:
        yield registry
    finally:
        registry.close()


class WaitLines:
    """Writes past their first-byte limit, said on stderr: a line when the wait starts, then every
    10 s (the call goes on up to the profile's write limit)."""

    def __init__(self) -> None:
        self.said: dict[str, int] = {}  # host -> seconds last said

    def __call__(self, host: str, seconds: float) -> None:
        if seconds < 0:  # it answered
            self.said.pop(host, None)
            return
        whole, last = int(seconds), self.said.get(host)
        if last is None or whole - last >= 10:
            self.said[host] = whole
            click.echo(f"modelyard: still waiting for {host} ({whole} s)… Ctrl+C stops", err=True)


def main() -> None:
    """Entry point of the ``modelyard`` command and ``python -m modelyard``."""
    os.environ.setdefault("MODELYARD_T0", repr(time.time()))  # the self-test reports from here
    cli(prog_name="modelyard")


def _with_model_aliases(registry: Registry, model: str, version: str) -> VersionSummary:
    from dataclasses import replace

    summary = registry.get_version(model, version)
    aliases = {a for a, v in registry.get_model(model).aliases.items() if v == summary.version}
    return replace(summary, aliases=tuple(sorted(aliases | set(summary.aliases))))
