"""``modelyard tag`` and ``set-description``: one tag set or removed, or the description set, on
one model version — planned, confirmed where the profile asks, read back."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from modelyard.cli.app import _registry, cli
from modelyard.cli.output import _echo, _fail, _p, _reported

if TYPE_CHECKING:
    from modelyard.core.actions.bulk import Change


@cli.command("tag")
@click.argument("profile")
@click.argument("model")
@click.argument("version")
@click.argument("pair", required=False, metavar="KEY=VALUE")
@click.option("--remove", "remove", metavar="KEY", help="Remove this tag instead.")
@click.option(
    "--confirm", "typed", metavar="MODEL", help="The typed name a protected profile asks for."
)
def tag(
    profile: str, model: str, version: str, pair: str | None, remove: str | None, typed: str | None
) -> None:
    """Set KEY=VALUE on MODEL's VERSION, or --remove KEY; read back from the server."""
    from modelyard.core.actions.bulk import Change
    from modelyard.core.reads.history import RESERVED_PREFIX

    if bool(pair) == bool(remove):
        _fail("give KEY=VALUE, or --remove KEY")
    if pair is not None and "=" not in pair:
        _fail(f"{pair!r} is not KEY=VALUE")
    key, _, value = (pair or "").partition("=") if pair else (remove or "", "", "")
    key = key.strip()
    if not key:
        _fail("the tag's key is empty")
    if key.startswith(RESERVED_PREFIX):
        _fail(f"tags starting with {RESERVED_PREFIX!r} are Modelyard's own (history, lineage)")
    change = Change("tag", key, value) if pair else Change("untag", key)
    _one_change(profile, model, version, change, typed)


@cli.command("set-description")
@click.argument("profile")
@click.argument("model")
@click.argument("version")
@click.argument("text", required=False)
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False),
    help="Read the description (Markdown) from this file ('-': standard input).",
)
@click.option(
    "--confirm", "typed", metavar="MODEL", help="The typed name a protected profile asks for."
)
def set_description(
    profile: str, model: str, version: str, text: str | None, path: str | None, typed: str | None
) -> None:
    """Set the description of MODEL's VERSION to TEXT (or a file's); read back from the server."""
    from modelyard.core.actions.bulk import Change

    if (text is None) == (path is None):
        _fail("give the description as TEXT, or --file FILE")
    if path is not None:
        with click.open_file(path, encoding="utf-8") as handle:
            text = handle.read()
    assert text is not None
    _one_change(profile, model, version, Change("description", text), typed)


def _one_change(profile: str, model: str, version: str, change: Change, typed: str | None) -> None:
    """Plan ``change`` on one version, ask the typed name where the profile wants it, apply it
    and say what it was and is now (from the server's answer)."""
    from modelyard.cli.promote import _typed_ok
    from modelyard.core.actions.bulk import plan_bulk, run_bulk
    from modelyard.core.profiles.profile import ProfileStore

    with _reported(), _registry(profile, writing=True) as registry:
        prof = ProfileStore().get(profile)
        plan = plan_bulk(registry, profile, [(model, version)], change)
        (item,) = plan.items
        if item.skip:
            _echo(f"Nothing to do: {_p(model)} v{version}: {item.skip}.")
            return
        _typed_ok(prof, model, None, typed)  # a protected profile: the name typed
        outcome = run_bulk(registry, plan, record_history=prof.record_history)
        if outcome.failed:
            _fail(f"{model} v{version} not changed: {outcome.failed[0][1]}")
        _echo(f"{_p(model)} v{version}: {_p(item.before)} → {_p(item.after)}")
