"""``modelyard history PROFILE MODEL --at WHEN [--restore STAGE|@ALIAS]``: what held each stage
and alias at a moment, and putting one back as it was then (a promotion: shown, confirmed,
checked against changes made meanwhile, recorded in the history)."""

from __future__ import annotations

import json
from datetime import datetime

from modelyard.cli.output import _echo, _echo_exact, _fail, _p
from modelyard.core.model.registry import Registry
from modelyard.core.reads.timeline import Moment, plan_restore, state_at


def moment_of(registry: Registry, model: str, at: datetime) -> tuple[Moment, dict[str, str]]:
    """The model's stages and aliases at ``at``, and its aliases now."""
    from modelyard.core.reads.details import all_versions, model_history

    versions = all_versions(registry, model)
    aliases = dict(registry.get_model(model).aliases)
    return state_at(versions, model_history(versions), aliases, at), aliases


def print_moment(model: str, moment: Moment, as_json: bool) -> None:
    if as_json:
        _echo_exact(
            json.dumps(
                {
                    "model": model,
                    "at": moment.at.isoformat(),
                    "held": [
                        {
                            "what": h.what,
                            "version": h.version,
                            "since": h.since.isoformat() if h.since else None,
                            "exact": h.exact,
                        }
                        for h in moment.held
                    ],
                    "unknown": list(moment.unknown),
                },
                indent=2,
            )
        )
        return
    _echo(f"{_p(model)} at {moment.at.astimezone():%Y-%m-%d %H:%M %Z}:")
    for held in moment.held:
        _echo(f"  {_p(held.describe())}")
    if not moment.held:
        _echo("  no version held a stage or an alias then")
    for line in moment.unknown:
        _echo(f"  ? {_p(line)}")


def restore(
    profile: str,
    model: str,
    registry: Registry,
    moment: Moment,
    aliases: dict[str, str],
    what: str,
    yes: bool,
    typed: str | None,
) -> None:
    """Put ``what`` back as it was at the moment, as a promotion."""
    from modelyard.cli.promote import _confirm, _report_outcome, _typed_ok
    from modelyard.core.actions.promote import ShownModel, Target, nothing_to_do, plan_lines
    from modelyard.core.actions.promote import promote as do_promote
    from modelyard.core.profiles.profile import ProfileStore

    plan = plan_restore(moment, what, aliases)
    if plan.idle:
        _echo(f"Nothing to do: {_p(plan.idle)}")
        return
    prof = ProfileStore().get(profile)
    shown = ShownModel.read(registry, model)
    target = Target(plan.kind, plan.value)
    idle = nothing_to_do(shown, plan.version, target)
    if idle:
        _echo(f"Nothing to do: {_p(idle)}")
        return
    if plan.version not in shown.versions:
        _fail(f"v{plan.version}, which held {plan.what} then, is not in {model} any more")
    _echo(f"{_p(model)}: restore {_p(plan.what)} as it was at {moment.at:%Y-%m-%d %H:%M}:")
    for line in plan_lines(shown, plan.version, target, plan.archive_existing):
        _echo(f"  {_p(line)}")
    alias = None if plan.kind == "stage" else plan.value
    if not _typed_ok(prof, model, alias, typed):
        _confirm(yes, "restore")
    result = do_promote(
        registry,
        model,
        plan.version,
        target,
        shown=shown,
        archive_existing=plan.archive_existing,
        comment=f"restored to {moment.at.isoformat(timespec='minutes')}",
        record_history=prof.record_history,
    )
    v = result.version
    _echo(f"Now: v{v.version} {v.stage.value}")
    _report_outcome(result)
