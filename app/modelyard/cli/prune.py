"""``modelyard prune``: retention clean-up — the plan first, then archive or delete."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from modelyard.cli.app import _registry, cli
from modelyard.cli.output import _echo, _echo_exact, _fail, _p, _reported, _table

if TYPE_CHECKING:
    from modelyard.core.actions.prune import Mode, PruneItem, PruneOutcome, PrunePlan
    from modelyard.core.profiles.profile import Profile


@cli.command("prune")
@click.argument("profile")
@click.argument("model", required=False)
@click.option(
    "--model", "globs", multiple=True, metavar="GLOB", help="Models by name (repeatable)."
)
@click.option(
    "--keep-latest", type=click.IntRange(0), required=True, help="Versions kept per model."
)
@click.option("--keep-staged", is_flag=True, help="Keep versions in Staging or Production too.")
@click.option("--keep-aliased", is_flag=True, help="Keep versions holding an alias too.")
@click.option("--archive", "mode", flag_value="archive", help="Move the others to Archived.")
@click.option("--delete", "mode", flag_value="delete", help="Delete the others.")
@click.option("--only", metavar="VERSION", help="Of the versions the rules pick, this one alone.")
@click.option("--dry-run", is_flag=True, help="Print the plan; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="The plan and the outcome as JSON.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--confirm", "typed", metavar="NAME", help="The typed name a protected profile asks for."
)
def prune(
    profile: str,
    model: str | None,
    globs: tuple[str, ...],
    keep_latest: int,
    keep_staged: bool,
    keep_aliased: bool,
    mode: str | None,
    only: str | None,
    dry_run: bool,
    as_json: bool,
    yes: bool,
    typed: str | None,
) -> None:
    """Keep the latest versions of MODEL (or of the models matching --model), archive or
    delete the rest. The plan is printed first; --dry-run stops there."""
    from modelyard.core.actions.prune import Keep, models_matching, plan_prune, run_prune
    from modelyard.core.profiles.profile import ProfileStore

    if mode is None:
        _fail("give --archive or --delete")
    if bool(model) == bool(globs):
        _fail("give one MODEL, or --model GLOB (repeatable)")
    with _reported(), _registry(profile, writing=not dry_run) as registry:
        prof = ProfileStore().get(profile)
        names = [model] if model else models_matching(registry, globs)
        if not names:
            _fail(f"no model of {profile} matches " + ", ".join(globs))
        keep = Keep(keep_latest, keep_staged, keep_aliased)
        chosen: Mode = "delete" if mode == "delete" else "archive"
        plan = plan_prune(registry, profile, names, keep, mode=chosen, only=only)
        changes = plan.changes
        if as_json and dry_run:
            _echo_exact(json.dumps(_plan_json(plan), indent=2))
            return
        rows = [[i.model, f"v{i.version}", i.stage.value, i.action, i.why] for i in plan.items]
        _echo(_table(rows, ["MODEL", "VERSION", "STAGE", "ACTION", "WHY"]), err=as_json)
        for note in plan.notes:
            _echo(f"modelyard: note: {note}", err=True)
        _echo(f"{len(changes)} to {mode}, {len(plan.items) - len(changes)} kept.", err=as_json)
        if dry_run or not changes:
            if dry_run and changes:
                _echo("The same, one command each:", err=as_json)
                for line in plan.commands():
                    _echo(f"  {line}", err=as_json)
            return
        _confirmed(prof, names, yes, typed, mode)

        def step(n: int, total: int, item: PruneItem) -> None:
            _echo(f"  [{n}/{total}] {_p(item.model)} v{item.version}: {item.action}", err=True)

        outcome = run_prune(registry, plan, record_history=prof.record_history, progress=step)
        if as_json:
            _echo_exact(json.dumps(_outcome_json(outcome), indent=2))
        else:
            _echo(f"{len(outcome.done)} done, {len(outcome.failed)} failed.")
        for item, why in outcome.failed:
            _echo(f"modelyard: {_p(item.model)} v{item.version} not changed: {_p(why)}", err=True)
        if outcome.failed:
            raise SystemExit(1)


def _confirmed(prof: Profile, names: list[str], yes: bool, typed: str | None, mode: str) -> None:
    """A protected profile asks for the model's name typed (the profile's, for several)."""
    import sys

    from modelyard.cli.promote import _confirm, _typed_ok
    from modelyard.core.profiles.profile import typed_confirmation

    if len(names) == 1:
        if not _typed_ok(prof, names[0], None, typed):
            _confirm(yes, mode)
        return
    if typed_confirmation(prof, names[0]):
        if typed != prof.name:
            if typed is None and sys.stdin and sys.stdin.isatty():
                typed = click.prompt(
                    f"Type the registry's name ({prof.name}) to {mode}", default=""
                )
            if typed != prof.name:
                _fail(
                    f"not confirmed: {prof.name} asks for each write to be confirmed; for "
                    f"several models add --confirm {prof.name!r} (the profile's name, typed)"
                )
        return
    _confirm(yes, mode)


def _plan_json(plan: PrunePlan) -> dict[str, object]:
    from dataclasses import asdict

    return {
        "profile": plan.profile,
        "mode": plan.mode,
        "items": [{**asdict(i), "stage": i.stage.value} for i in plan.items],
        "notes": list(plan.notes),
        "commands": plan.commands(),
    }


def _outcome_json(outcome: PruneOutcome) -> dict[str, object]:
    return {
        "done": [
            {"model": i.model, "version": i.version, "action": i.action} for i in outcome.done
        ],
        "failed": [
            {"model": i.model, "version": i.version, "action": i.action, "why": why}
            for i, why in outcome.failed
        ],
    }
