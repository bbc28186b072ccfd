"""``sync``: whole models from one registry into another — planned, parallel, resumable."""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import click

from modelyard.cli.app import _registry, cli
from modelyard.cli.output import _echo, _echo_exact, _fail, _p, _reported, _table
from modelyard.cli.promote import _confirm
from modelyard.core.profiles.profile import (
    Profile,
    ProfileStore,
    confirmation_reason,
    typed_confirmation,
)

ACTION_WORDS = {"copy": "copy", "there": "there already", "skip": "skipped"}


@cli.command("sync")
@click.argument("source")
@click.argument("target")
@click.option(
    "--model", "models", multiple=True, help="Models to sync, by name or glob (default: all)."
)
@click.option(
    "--versions",
    default="all",
    show_default=True,
    help="all, staged (holding a stage or an alias) or latest:N per model.",
)
@click.option("--mirror-stages", is_flag=True, help="Set each copy's stage to the source's.")
@click.option("--mirror-aliases", is_flag=True, help="Point the source's aliases at the copies.")
@click.option("--prefix", default="", help="Put this before each model's name in TARGET.")
@click.option("--suffix", default="", help="Put this after each model's name in TARGET.")
@click.option(
    "--map",
    "map_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help='A JSON file {"source name": "target name", …}; names it lacks get --prefix/--suffix.',
)
@click.option(
    "--uc-schema",
    help="For a Unity Catalog TARGET: CATALOG.SCHEMA put before each model's name.",
)
@click.option("--jobs", type=click.IntRange(1, 16), default=4, show_default=True)
@click.option("--dry-run", is_flag=True, help="Print the plan; change nothing.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--confirm",
    "typed",
    metavar="TARGET",
    help="The target profile's name, typed: what a protected TARGET asks for (not --yes).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the plan or the report as JSON.")
def sync_command(
    source: str,
    target: str,
    models: tuple[str, ...],
    versions: str,
    mirror_stages: bool,
    mirror_aliases: bool,
    prefix: str,
    suffix: str,
    map_file: Path | None,
    uc_schema: str | None,
    jobs: int,
    dry_run: bool,
    yes: bool,
    typed: str | None,
    as_json: bool,
) -> None:
    """Copy the versions of SOURCE's models that TARGET does not have yet (found by the
    lineage tags every copy writes), each with its files, run, tags and lineage; models in
    parallel, each model's versions in order. A rerun copies only what is new; a run that was
    stopped (even killed) is finished by the next one. Exit code 1 when any version failed."""
    from modelyard.core.actions.copy_plan import Endpoint
    from modelyard.core.actions.sync import NameMap, Selection, plan_sync, run_sync

    if uc_schema:
        parts = uc_schema.split(".")
        if len(parts) != 2 or not all(parts):
            _fail(f"--uc-schema takes CATALOG.SCHEMA, not {uc_schema!r}")
        prefix = f"{uc_schema}.{prefix}"

    def say(text: str) -> None:
        _echo(text, err=as_json)

    with _reported(), ExitStack() as stack:
        names = NameMap(prefix, suffix)
        if map_file is not None:
            names = NameMap(prefix, suffix, NameMap.from_file(map_file).mapping)
        selection = Selection(tuple(models), versions)
        src = stack.enter_context(_registry(source))
        dst = stack.enter_context(_registry(target, writing=not dry_run))
        origin, into = Endpoint(src, source), Endpoint(dst, target)
        plan = plan_sync(
            origin,
            into,
            selection,
            names,
            mirror_stages=mirror_stages,
            mirror_aliases=mirror_aliases,
        )
        for note in plan.notes:
            say(f"Note: {_p(note)}")
        if dry_run and as_json:
            _echo_exact(json.dumps(_plan_json(plan), indent=2))
            return
        rows = [
            [
                f"{i.model} v{i.version}",
                i.target_model + (f" v{i.target_version}" if i.target_version else ""),
                ACTION_WORDS[i.action],
                " ".join(t.describe() for t in i.mirror) or i.reason,
            ]
            for i in plan.items
        ]
        if rows:
            say(_table(rows, ["SOURCE", "TARGET", "ACTION", "THEN / WHY"]))
        say(
            f"{plan.count('copy')} to copy, {plan.count('there')} there already, "
            f"{plan.count('skip')} skipped; {plan.writes} write(s) in {_p(target)}."
        )
        if dry_run:
            return
        if not plan.writes:
            say("Nothing to do.")
            if as_json:
                _echo_exact(json.dumps({"outcomes": [], "ok": True}))
            return
        if not _typed_target(ProfileStore().get(target), typed):
            _confirm(yes, "sync")
        with click.progressbar(
            length=len(plan.items), label=f"{source} → {target}", file=sys.stderr, show_eta=True
        ) as bar:

            def progress(p: Any) -> None:
                bar.update(max(0, p.done - bar.pos))

            report = run_sync(origin, into, plan, jobs=jobs, progress=progress)
        for outcome in report.outcomes:
            if outcome.result == "failed":
                _echo(f"modelyard: {_p(outcome.item.key)} failed: {_p(outcome.message)}", err=True)
        say(
            f"Copied {report.count('copied')}, there already {report.count('there')}, "
            f"skipped {report.count('skipped')}, failed {report.count('failed')}, "
            f"not started {report.count('not started')} in {report.seconds:.1f} s."
        )
        if as_json:
            _echo_exact(json.dumps(_report_json(report), indent=2))
        if not report.ok:
            sys.exit(1)


def _plan_json(plan: Any) -> dict[str, Any]:
    return {
        "source": plan.source_profile,
        "target": plan.target_profile,
        "notes": list(plan.notes),
        "writes": plan.writes,
        "items": [
            {
                "model": i.model,
                "version": i.version,
                "target_model": i.target_model,
                "target_version": i.target_version or None,
                "action": i.action,
                "reason": i.reason or None,
                "then": [{"kind": t.kind, "value": t.value} for t in i.mirror],
            }
            for i in plan.items
        ],
    }


def _report_json(report: Any) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "seconds": round(report.seconds, 2),
        "journal": str(report.journal),
        "outcomes": [
            {
                "model": o.item.model,
                "version": o.item.version,
                "target_model": o.item.target_model,
                "target_version": o.target_version or None,
                "result": o.result,
                "message": o.message or None,
                "bytes": o.bytes,
            }
            for o in report.outcomes
        ],
    }


def _typed_target(target: Profile, typed: str | None) -> bool:
    """A sync into a Confirm registry waits for the target profile's name typed (its models
    are many): ``--confirm TARGET`` or typed at the prompt. True when given, False when none is
    asked (the usual question follows)."""
    if not typed_confirmation(target, target.name):
        return False
    if typed is None and sys.stdin and sys.stdin.isatty():
        typed = click.prompt(f"Type the target's name ({target.name}) to sync", default="")
    if typed != target.name:
        _fail(
            f"not confirmed: {confirmation_reason(target)}; add --confirm {target.name!r} "
            "(the target profile's name, typed)"
        )
    return True
