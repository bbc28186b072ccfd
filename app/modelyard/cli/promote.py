"""Changing stages and aliases: ``promote`` and Databricks transition ``requests``."""

from __future__ import annotations

import json
import sys

import click

from modelyard.cli.app import _registry, cli
from modelyard.cli.output import _echo, _echo_exact, _fail, _reported, _table, _when
from modelyard.core.actions.promote import PromotionResult, Target
from modelyard.core.model.domain import (
    Stage,
    version_sort_key,
)
from modelyard.core.model.errors import ErrorKind, ModelyardError
from modelyard.core.model.registry import Registry
from modelyard.core.profiles.profile import (
    Profile,
    ProfileStore,
    confirmation_reason,
    typed_confirmation,
)


@cli.command()
@click.argument("profile")
@click.argument("model")
@click.argument("version")
@click.option(
    "--stage",
    type=click.Choice(["None", "Staging", "Production", "Archived"], case_sensitive=False),
    help="Move to this stage.",
)
@click.option("--archive-existing", is_flag=True, help="With --stage: archive the versions there.")
@click.option("--alias", help="Point this alias at VERSION.")
@click.option("--remove-alias", help="Remove this alias (VERSION must hold it).")
@click.option(
    "--request",
    "as_request",
    is_flag=True,
    help="With --stage: ask for the transition instead (Databricks workspace registry); "
    "someone who manages the model approves it.",
)
@click.option("--comment", default="", help="Why; kept in the stage history.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--confirm",
    "typed",
    metavar="MODEL",
    help="The model's name, typed: the confirmation a protected profile or alias asks for "
    "(--yes does not replace it).",
)
def promote(
    profile: str,
    model: str,
    version: str,
    stage: str | None,
    archive_existing: bool,
    alias: str | None,
    remove_alias: str | None,
    as_request: bool,
    comment: str,
    yes: bool,
    typed: str | None,
) -> None:
    """Move VERSION to a stage, or set/remove an alias; recorded in the stage history."""
    from modelyard.core.actions.promote import ShownModel, nothing_to_do, plan_lines
    from modelyard.core.actions.promote import promote as do_promote

    if alias:
        from modelyard.core.model.aliases import alias_problem

        problem = alias_problem(alias)
        if problem:
            _fail(problem)
    chosen = [o for o in (stage, alias, remove_alias) if o]
    if len(chosen) != 1:
        _fail("give exactly one of --stage, --alias, --remove-alias")
    if archive_existing and not stage:
        _fail("--archive-existing goes with --stage")
    if as_request:
        if not stage or archive_existing:
            _fail("--request goes with --stage (the approver decides about archiving)")
        _request(profile, model, version, stage or "", comment, yes, typed)
        return
    target = (
        Target("stage", stage)
        if stage
        else Target("alias", alias)
        if alias
        else Target("remove-alias", remove_alias or "")
    )
    with _reported(), _registry(profile, writing=True) as registry:
        prof = ProfileStore().get(profile)
        shown = ShownModel.read(registry, model)
        if version not in shown.versions:
            _fail(f"{model} has no version {version}")
        if target.kind == "remove-alias" and shown.aliases.get(target.value) != version:
            holder = shown.aliases.get(target.value)
            _fail(
                f"v{version} does not hold @{target.value}"
                + (f" (v{holder} does)" if holder else "")
            )
        idle = nothing_to_do(shown, version, target)
        if idle:
            _echo(f"Nothing to do: {idle}")
            return
        _check_rules(registry, model, shown.versions[version].stage, target)
        _echo(f"{model}:")
        for line in plan_lines(shown, version, target, archive_existing):
            _echo(f"  {line}")
        moved_alias = None if target.kind == "stage" else target.value
        if not _typed_ok(prof, model, moved_alias, typed):
            _confirm(yes, "promote")
        try:
            result = do_promote(
                registry,
                model,
                version,
                target,
                shown=shown,
                archive_existing=archive_existing,
                comment=comment,
                record_history=prof.record_history,
            )
        except ModelyardError as exc:
            if exc.kind is ErrorKind.PERMISSION and registry.capabilities().transition_requests:
                _fail(f"{exc.message} Ask for it instead: add --request.")
            raise
        v = result.version
        aliases = " ".join(
            "@" + a
            for a in registry.get_model(model).aliases
            if registry.get_model(model).aliases[a] == v.version
        )
        _echo(f"Now: v{v.version} {v.stage.value} {aliases}".rstrip())
        for other in result.changed:
            _echo(f"     v{other.version} {other.stage.value}")
        for line in result.stale_aliases():
            _echo(f"modelyard: note: {line}", err=True)
        _keep_answer(prof.id, result)
        _report_outcome(result)


def _check_rules(registry: Registry, model: str, stage: Stage, target: Target) -> None:
    """The same rules as the board and the menus, before anything is sent: a change the
    identity may only ask for says so (add --request); one it may not make says why."""
    from modelyard.core.actions.permissions import Mode, Rules

    rules = Rules.of(registry.capabilities(), registry.access(model))
    mode = rules.change(stage, target.kind, target.value)
    if mode is Mode.REQUEST:
        _fail(
            f"your permission on {model} ({rules.access.describe()}) lets you ask for "
            f"{target.describe()}, not make it: add --request"
        )
    if mode is Mode.REFUSED:
        _fail(f"{registry.location}: {rules.why_not(stage, target.kind, target.value)}")


def _keep_answer(profile_id: str, result: PromotionResult | None) -> None:
    """The server's answer goes into the profile's kept state, so that `ls --offline` and the
    next launch's "since you last looked" start from it (a cache problem never fails a write)."""
    from modelyard.core.model.snapshot import keep_snapshot, load_snapshot

    if result is None:
        return
    state = load_snapshot(profile_id)
    if state is None or result.version.model not in state.versions_read_at:
        return
    for version in (result.version, *result.changed):
        state.apply_version(version)
    keep_snapshot(state)  # best effort: the write stands either way


def _report_outcome(result: PromotionResult | None) -> None:
    """Warn when the history entry failed; exit 1 when the server's state is not what was
    asked (someone else moved it at the same moment), saying what it is."""
    for note in result.notes if result is not None else ():
        _echo(f"modelyard: note: {note}", err=True)
    if result is not None and result.record_problem:
        _echo(f"modelyard: warning: {result.record_problem}", err=True)
    if result is not None and result.outcome_problem:
        _fail(result.outcome_problem)


def _typed_ok(prof: Profile, model: str, alias: str | None, typed: str | None) -> bool:
    """The typed confirmation a protected profile or alias asks for: ``--confirm MODEL``, or
    the name typed at the prompt (never ``--yes``); True when it was given, False when none
    is asked (the usual question follows)."""
    needed = typed_confirmation(prof, model, alias)
    if not needed:
        return False
    why = confirmation_reason(prof, alias)
    if typed is not None:
        if typed != needed:
            _fail(f"not confirmed: {why}, and --confirm {typed!r} is not the model's name")
        return True
    if not sys.stdin or not sys.stdin.isatty():
        _fail(f"not confirmed: {why}; add --confirm {needed!r} (the model's name, typed)")
    answer = click.prompt(f"{why}. Type the model's name ({needed}) to apply", default="")
    if answer != needed:
        _fail("not confirmed: the name typed is not the model's; nothing was changed")
    return True


def _confirm(yes: bool, what: str) -> None:
    if yes:
        return
    if not sys.stdin or not sys.stdin.isatty():
        _fail(f"not confirmed: add --yes to {what} without a question")
    click.confirm("Apply?", abort=True)


def _request(
    profile: str,
    model: str,
    version: str,
    stage_name: str,
    comment: str,
    yes: bool,
    typed: str | None = None,
) -> None:
    from modelyard.core.actions.promote import ShownModel
    from modelyard.core.actions.transitions import request_transition

    stage = Stage.parse(stage_name)
    with _reported(), _registry(profile, writing=True) as registry:
        shown = ShownModel.read(registry, model)
        current = shown.versions.get(version)
        if current is None:
            _fail(f"{model} has no version {version}")
        from modelyard.core.actions.permissions import Rules

        rules = Rules.of(registry.capabilities(), registry.access(model))
        if not rules.requests:
            _fail(f"{registry.location} has no transition requests: promote without --request")
        if not rules.may_request() and rules.access.edit is False:
            _fail(f"your permission on {model} ({rules.access.describe()}) does not allow it")
        _echo(f"{model}: request v{version} ({current.stage.value}) → {stage.value}")
        if not _typed_ok(ProfileStore().get(profile), model, None, typed):
            _confirm(yes, "request")
        made = request_transition(registry, model, version, stage, comment=comment, shown=shown)
        _echo(f"Requested: {made.describe()}. Someone who manages {model} approves or rejects it.")


@cli.group()
def requests() -> None:
    """Transition requests (Databricks workspace registry): list, approve, reject, withdraw."""


@requests.command("list")
@click.argument("profile")
@click.argument("model")
@click.argument("version", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def requests_list(profile: str, model: str, version: str | None, as_json: bool) -> None:
    """Open requests of MODEL (or of one VERSION)."""
    from modelyard.core.actions.transitions import open_requests, requests_of
    from modelyard.core.reads.details import all_versions

    with _reported(), _registry(profile) as registry:
        if not registry.capabilities().transition_requests:
            _fail(f"{registry.location} has no transition requests")
        if version:
            found = {version: requests_of(registry).transition_requests(model, version)}
        else:
            found = open_requests(registry, model, all_versions(registry, model))
        ordered = sorted(found, key=version_sort_key, reverse=True)
        items = [r for v in ordered for r in found[v]]
        if as_json:
            _echo_exact(
                json.dumps(
                    [
                        {
                            "model": r.model,
                            "version": r.version,
                            "to_stage": r.to_stage.value,
                            "requester": r.requester,
                            "comment": r.comment,
                            "created": r.created.isoformat() if r.created else None,
                        }
                        for r in items
                    ],
                    indent=2,
                )
            )
            return
        if not items:
            _echo("No open transition requests.")
            return
        rows = [
            [f"v{r.version}", r.to_stage.value, r.requester, _when(r.created), r.comment]
            for r in items
        ]
        _echo(_table(rows, ["VERSION", "TO", "REQUESTER", "CREATED", "COMMENT"]))


def _decide(
    action: str,
    profile: str,
    model: str,
    version: str,
    stage_name: str,
    requester: str,
    comment: str,
    yes: bool,
    archive_existing: bool = False,
    typed: str | None = None,
) -> None:
    from modelyard.core.actions import transitions

    stage = Stage.parse(stage_name)
    with _reported(), _registry(profile, writing=True) as registry:
        me = registry.identity() if action == "withdraw" else requester
        request = transitions.find_request(registry, model, version, stage, me)
        _echo(
            f"{model}: {action} {request.describe()}"
            + (f" (“{request.comment}”)" if request.comment else "")
        )
        prof = ProfileStore().get(profile)
        if not _typed_ok(prof, model, None, typed):  # a Confirm registry: the name typed
            _confirm(yes, action)
        record = prof.record_history
        result: PromotionResult | None = None
        if action == "approve":
            result = transitions.approve(
                registry,
                request,
                archive_existing=archive_existing,
                comment=comment,
                record_history=record,
            )
        elif action == "reject":
            result = transitions.reject(registry, request, comment=comment, record_history=record)
        else:
            transitions.withdraw(registry, request, comment=comment)
        now = registry.get_version(model, version)
        _echo(f"Done. Now: v{now.version} {now.stage.value}")
        for other in result.changed if result else ():
            _echo(f"     v{other.version} {other.stage.value}")
        _keep_answer(prof.id, result)
        _report_outcome(result)


_STAGE_OPTION = click.option(
    "--stage",
    required=True,
    type=click.Choice(["None", "Staging", "Production", "Archived"], case_sensitive=False),
    help="The stage the request asks for.",
)


_REQUESTER_OPTION = click.option(
    "--requester", default="", help="Whose request, when several people asked for the same."
)
_CONFIRM_OPTION = click.option(
    "--confirm", "typed", metavar="MODEL", help="The typed name a protected profile asks for."
)


@requests.command("approve")
@click.argument("profile")
@click.argument("model")
@click.argument("version")
@_STAGE_OPTION
@_REQUESTER_OPTION
@click.option("--archive-existing", is_flag=True, help="Archive the versions now in that stage.")
@click.option("--comment", default="", help="Shown in the request's activity.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@_CONFIRM_OPTION
def requests_approve(
    profile: str,
    model: str,
    version: str,
    stage: str,
    requester: str,
    archive_existing: bool,
    comment: str,
    yes: bool,
    typed: str | None,
) -> None:
    """Approve the open request VERSION → STAGE (the version moves)."""
    _decide(
        "approve", profile, model, version, stage, requester, comment, yes, archive_existing, typed
    )


@requests.command("reject")
@click.argument("profile")
@click.argument("model")
@click.argument("version")
@_STAGE_OPTION
@_REQUESTER_OPTION
@click.option("--comment", default="", help="Why not; shown to the requester.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@_CONFIRM_OPTION
def requests_reject(
    profile: str,
    model: str,
    version: str,
    stage: str,
    requester: str,
    comment: str,
    yes: bool,
    typed: str | None,
) -> None:
    """Reject the open request VERSION → STAGE (the version stays)."""
    _decide("reject", profile, model, version, stage, requester, comment, yes, typed=typed)


@requests.command("withdraw")
@click.argument("profile")
@click.argument("model")
@click.argument("version")
@_STAGE_OPTION
@click.option("--comment", default="", help="Optional.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@_CONFIRM_OPTION
def requests_withdraw(
    profile: str, model: str, version: str, stage: str, comment: str, yes: bool, typed: str | None
) -> None:
    """Withdraw your own open request VERSION → STAGE."""
    _decide("withdraw", profile, model, version, stage, "", comment, yes, typed=typed)
