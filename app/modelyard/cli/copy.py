"""``copy``: a version from one registry into another, optionally promoted there."""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack

import click

from modelyard.cli.app import _registry, cli
from modelyard.cli.output import _echo, _echo_exact, _fail, _p, _reported
from modelyard.cli.promote import _confirm, _report_outcome, _typed_ok
from modelyard.core.actions.copy import CopyProgress
from modelyard.core.profiles.profile import ProfileStore


@cli.command("copy")
@click.argument("source")
@click.argument("model")
@click.argument("version")
@click.argument("target")
@click.option(
    "--name",
    "target_name",
    help="The model's name in TARGET (default: the same; for Unity Catalog in the profile's "
    "default catalog and schema).",
)
@click.option(
    "--stage",
    type=click.Choice(["None", "Staging", "Production", "Archived"], case_sensitive=False),
    help="Then move the copy to this stage in TARGET.",
)
@click.option("--alias", help="Then point this alias at the copy in TARGET.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--confirm", "typed", metavar="NAME", help="The copy's model name, typed (a protected TARGET)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def copy_command(
    source: str,
    model: str,
    version: str,
    target: str,
    target_name: str | None,
    stage: str | None,
    alias: str | None,
    yes: bool,
    typed: str | None,
    as_json: bool,
) -> None:
    """Copy VERSION of MODEL from the SOURCE profile's registry into TARGET's: its files, its
    run's params and metrics, description, tags and lineage; then optionally set a stage or an
    alias there ("promote to prod"). Re-copying finds the version already there."""
    from modelyard.core.actions.across import promote_across, then_problem
    from modelyard.core.actions.copy_plan import Endpoint, plan_copy, suggested_name
    from modelyard.core.actions.promote import Target
    from modelyard.core.reads.download import human_bytes

    if alias:
        from modelyard.core.model.aliases import alias_problem

        problem = alias_problem(alias)
        if problem:
            _fail(problem)
    # Both may be given: the stage is set first, then the alias (as the board would).
    then = [
        *([Target("stage", stage)] if stage else []),
        *([Target("alias", alias)] if alias else []),
    ]

    def say(text: str) -> None:
        """A line for people: on stdout, or on stderr when stdout is the JSON."""
        _echo(text, err=as_json)

    store = ProfileStore()
    with _reported(), ExitStack() as stack:
        src = stack.enter_context(_registry(source))
        dst = stack.enter_context(_registry(target, writing=True))
        origin, into = Endpoint(src, source), Endpoint(dst, target)
        problem = then_problem(into, then)
        if problem:
            _fail(problem)
        name = target_name or suggested_name(store.get(target), model)
        plan = plan_copy(origin, model, version, into, name)
        if plan.earlier is not None:
            say(
                f"{_p(target)} already has {_p(model)} v{_p(version)} as "
                f"{_p(plan.earlier.model)} v{plan.earlier.version}."
            )
            if not then:
                say("Nothing to copy. Add --stage or --alias to promote it there.")
                if as_json:
                    _print_json(plan.earlier.model, plan.earlier.version, None, True)
                return
        else:
            for line in plan.lines():
                say(_p(line))
        if then:
            what = " and ".join(
                f"stage {t.value}" if t.kind == "stage" else f"alias @{t.value}" for t in then
            )
            say(f"Then in {_p(target)}: set {_p(what)}.")
        if not _typed_ok(store.get(target), plan.target_model, None, typed):
            _confirm(yes, "copy")
        record = store.get(target).record_history
        total = max(plan.total_bytes, 1)
        label = f"{model} v{version} → {target} ({human_bytes(plan.total_bytes)})"
        with click.progressbar(
            length=2 * total, label=_p(label), file=sys.stderr, show_eta=True
        ) as bar:

            def progress(p: CopyProgress) -> None:
                done = p.done_bytes + (total if p.phase == "write" else 0)
                bar.update(max(0, done - bar.pos))

            result = promote_across(
                origin, into, plan, then, progress=progress, record_history=record
            )
        v = result.version
        if result.copied is not None:
            made = " (new model)" if result.copied.created_model else ""
            say(f"Copied to {_p(target)}: {_p(v.model)} v{v.version}{made}.")
            if result.copied.note:
                _echo(f"modelyard: warning: {result.copied.note}", err=True)
        else:
            say(f"{_p(target)} had it already: {_p(v.model)} v{v.version}.")
        if result.promotions:
            say(f"Now: v{v.version} {v.stage.value} {' '.join('@' + a for a in v.aliases)}")
        if as_json:
            checksum = result.copied.checksum if result.copied else None
            _print_json(v.model, v.version, checksum, result.reused)
        for promotion in result.promotions:
            _report_outcome(promotion)


def _print_json(model: str, version: str, checksum: str | None, reused: bool) -> None:
    _echo_exact(
        json.dumps({"model": model, "version": version, "checksum": checksum, "reused": reused})
    )
