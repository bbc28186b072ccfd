"""Reading registries: ``ls``, ``show``, ``history``, ``changes``, and the state kept for
``--offline`` (``cache``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime

import click

from modelyard.cli.app import _all_pages, _registry, cli
from modelyard.cli.output import (
    OFFLINE_OPTION,
    _echo,
    _echo_exact,
    _event_json,
    _fail,
    _p,
    _print_events,
    _print_model,
    _print_models,
    _print_offline_version,
    _print_version_head,
    _print_versions,
    _reported,
    _when,
)
from modelyard.core.model.domain import (
    ModelSummary,
    VersionSummary,
)
from modelyard.core.model.errors import UNREACHABLE, ModelyardError
from modelyard.core.model.registry import Registry
from modelyard.core.model.snapshot import version_record
from modelyard.core.model.state import RegistryState
from modelyard.core.profiles.profile import (
    Profile,
    ProfileStore,
)


@cli.command("ls")
@click.argument("profile")
@click.argument("model", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@OFFLINE_OPTION
def ls(profile: str, model: str | None, as_json: bool, offline: bool) -> None:
    """List the models of PROFILE, or the versions of MODEL (kept for --offline)."""
    from modelyard.core.model.snapshot import keep_snapshot, load_snapshot

    with _reported():
        prof = ProfileStore().get(profile)
        cached = load_snapshot(prof.id)
        if offline:
            state = _cached_state(prof, cached, model)
        else:
            state = cached or RegistryState(prof.id)
            quick = _quick_models(prof) if model is None else None
            if quick is not None:  # a local registry file, read without importing MLflow
                state.merge_models(quick, complete=True)
            else:
                with _offline_hint(cached), _registry(profile) as registry:
                    if model is None:
                        items = _all_pages(lambda token: registry.list_models(token, 500))
                        state.merge_models(items, complete=True)
                    else:
                        versions = _all_pages(lambda t: registry.list_versions(model, t, 1000))
                        state.merge_versions(model, versions, complete=True)
            _warn_unkept(keep_snapshot(state))
        if model is None:
            _print_models(sorted(state.models.values(), key=lambda m: m.name.lower()), as_json)
        else:
            _print_versions(state.sorted_versions(model), as_json)


QUICK_LIMIT = 10_000  # more models than this: the registry's own paged listing


def _quick_models(prof: Profile) -> list[ModelSummary] | None:
    """Every model of a local registry file straight from its schema (what its connector
    lists, tested to be equal), or None: another kind, too many, or a schema it does not know."""
    from modelyard.core.kinds import LocalSettings
    from modelyard.core.profiles.secrets import SecretStore
    from modelyard.core.reads.quick_list import first_models_page

    if not isinstance(prof.settings, LocalSettings):
        return None
    page = first_models_page(prof, SecretStore(), QUICK_LIMIT)
    if page is None or page.next_page_token is not None:
        return None
    return list(page.items)


def _warn_unkept(problem: str | None) -> None:
    """The cache could not be written: a warning on stderr, never a failure."""
    if problem is not None:
        _echo(f"modelyard: warning: {problem}", err=True)


def _cached_state(prof: Profile, cached: RegistryState | None, model: str | None) -> RegistryState:
    """The snapshot for --offline, its age said on stderr; a clear failure when it lacks
    what was asked."""
    from modelyard.core.reads.history import humanize_age

    if cached is None or (cached.models_read_at is None and not cached.versions):
        _fail(f"no cached state of {prof.name!r} yet: list it once while it can be reached")
    if model is not None and model not in cached.versions_read_at:
        _fail(f"the versions of {model!r} were never listed while {prof.name!r} was reachable")
    read_at = cached.versions_read_at.get(model) if model else cached.models_read_at
    when = (
        humanize_age(datetime.now(tz=UTC) - read_at) if read_at is not None else "an unknown time"
    )
    _echo(f"modelyard: offline: the state of {prof.name} as last seen {when} ago", err=True)
    return cached


@contextmanager
def _offline_hint(cached: object) -> Iterator[None]:
    """A registry that cannot be reached: say that --offline has its last-seen state."""
    try:
        yield
    except ModelyardError as exc:
        if cached is not None and exc.kind in UNREACHABLE:
            exc.message += " Its last-seen state is kept: add --offline to see it."
        raise


def _offline_model(profile: str, model: str) -> tuple[ModelSummary, list[VersionSummary]]:
    """A model and its versions from the profile's snapshot (its age said on stderr)."""
    from modelyard.core.model.snapshot import load_snapshot

    prof = ProfileStore().get(profile)
    state = _cached_state(prof, load_snapshot(prof.id), model)
    info = state.models.get(model)
    if info is None:
        _fail(f"{model!r} is not in the last-seen state of {prof.name!r}")
    return info, state.sorted_versions(model)


def _offline_version(versions: list[VersionSummary], model: str, version: str) -> VersionSummary:
    found = next((v for v in versions if v.version == version), None)
    if found is None:
        _fail(f"{model!r} v{version} is not in the last-seen state")
    return found


def _versions_of(registry: Registry, model: str) -> list[VersionSummary]:
    return _all_pages(lambda token: registry.list_versions(model, token, 1000))


@cli.group()
def cache() -> None:
    """The last-seen state of registries kept for --offline (no secrets in it)."""


@cache.command("clear")
@click.argument("profile", required=False)
def cache_clear(profile: str | None) -> None:
    """Forget the last-seen state of PROFILE (or of every profile)."""
    from modelyard.core.model.snapshot import clear_snapshots

    with _reported():
        profile_id = ProfileStore().get(profile).id if profile else None
        count = clear_snapshots(profile_id)
        _echo(f"Cleared {count} cached registry state(s).")


@cli.command()
@click.argument("profile")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def changes(profile: str, as_json: bool) -> None:
    """What changed in PROFILE's registry since you last looked: new and removed models and
    versions, stage moves and alias moves (then the new state is kept)."""
    from modelyard.core.model.snapshot import changes_between, keep_snapshot, load_snapshot

    with _reported():
        prof = ProfileStore().get(profile)
        before = load_snapshot(prof.id)
        if before is None:
            _fail(f"nothing seen of {prof.name!r} yet: `modelyard ls {prof.name}` first")
        now = RegistryState(prof.id)
        with _offline_hint(before), _registry(profile) as registry:
            now.merge_models(
                _all_pages(lambda token: registry.list_models(token, 500)), complete=True
            )
            for name in now.models:
                if name in before.versions or name not in before.models:
                    now.merge_versions(name, _versions_of(registry, name), complete=True)
        found = changes_between(before, now)
        _warn_unkept(keep_snapshot(now))
        if as_json:
            _echo_exact(
                json.dumps(
                    [
                        {
                            "kind": c.kind,
                            "model": c.model,
                            "version": c.version,
                            "before": c.before,
                            "after": c.after,
                            "when": c.when.isoformat() if c.when else None,
                            "who": c.who,
                            "text": c.describe(),
                        }
                        for c in found
                    ],
                    indent=2,
                )
            )
            return
        if not found:
            _echo("Nothing changed since you last looked.")
        for change in found:
            _echo(f"{_when(change.when):16}  {change.describe()}")


@cli.command()
@click.argument("profile")
@click.argument("model")
@click.argument("version", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@OFFLINE_OPTION
def show(profile: str, model: str, version: str | None, as_json: bool, offline: bool) -> None:
    """Show a registered MODEL, or one VERSION of it with its run and signature."""
    from modelyard.core.reads.details import all_versions, load_version_detail

    if offline:
        with _reported():
            info, versions = _offline_model(profile, model)
            if version is None:
                _print_model(info, versions, as_json)
            else:
                _print_offline_version(_offline_version(versions, model, version), as_json)
        return
    with _reported(), _registry(profile) as registry:
        if version is None:
            _print_model(registry.get_model(model), all_versions(registry, model), as_json)
            return
        detail = load_version_detail(registry, model, version)
        if as_json:
            data = version_record(detail.version)
            data["run"] = (
                {
                    "run_id": detail.run.run_id,
                    "name": detail.run.name,
                    "experiment": detail.run.experiment_name,
                    "deleted": detail.run.deleted,
                    "params": dict(detail.run.params),
                    "metrics": dict(detail.run.metrics),
                }
                if detail.run
                else None
            )
            data["signature"] = (
                {
                    "flavors": list(detail.model_file.flavors),
                    "inputs": [[c.name, c.type] for c in detail.model_file.inputs],
                    "outputs": [[c.name, c.type] for c in detail.model_file.outputs],
                }
                if detail.model_file
                else None
            )
            data["history"] = [_event_json(e) for e in detail.history]
            data["problems"] = list(detail.problems)
            _echo_exact(json.dumps(data, indent=2))
            return
        v = detail.version
        _print_version_head(v)
        if detail.run:
            run = detail.run
            _echo(
                f"\nRun {_p(run.run_id)} ({_p(run.name)}) in "
                + _p(run.experiment_name or run.experiment_id)
            )
            for key, value in sorted(run.metrics.items()):
                _echo(f"  {_p(key)} = {value:.6g}")
            params = ", ".join(f"{_p(k)}={_p(val)}" for k, val in sorted(run.params.items()))
            _echo(f"  params: {params or '-'}")
        if detail.model_file:
            mf = detail.model_file
            _echo(f"\nFlavors: {_p(', '.join(mf.flavors)) or '-'}")
            _echo("Inputs: " + (", ".join(f"{_p(c.name)}: {_p(c.type)}" for c in mf.inputs) or "-"))
            _echo(
                "Outputs: " + (", ".join(f"{_p(c.name)}: {_p(c.type)}" for c in mf.outputs) or "-")
            )
        for problem in detail.problems:
            _echo(f"! {_p(problem)}")


@cli.command()
@click.argument("profile")
@click.argument("model")
@click.argument("version", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@OFFLINE_OPTION
@click.option(
    "--at",
    "at_text",
    metavar="WHEN",
    help='What held each stage and alias then: "2026-11-20 14:00" (local time) or ISO 8601.',
)
@click.option(
    "--restore",
    metavar="STAGE|@ALIAS",
    help="With --at: put that stage's or alias's version back as it was then (a promotion: "
    "shown first, confirmed, recorded).",
)
@click.option("--yes", is_flag=True, help="With --restore: do not ask for confirmation.")
@click.option("--confirm", "typed", metavar="MODEL", help="With --restore: the typed name.")
def history(
    profile: str,
    model: str,
    version: str | None,
    as_json: bool,
    offline: bool,
    at_text: str | None,
    restore: str | None,
    yes: bool,
    typed: str | None,
) -> None:
    """Stage and alias history of MODEL (or one VERSION): recorded, server and derived; with
    --at, what held each stage and alias at that moment (and --restore puts one back)."""
    from modelyard.core.reads.details import all_versions, model_history
    from modelyard.core.reads.history import version_history

    if restore and not at_text:
        _fail("--restore goes with --at (the moment to go back to)")
    if at_text is not None:
        _history_at(profile, model, at_text, as_json, restore, yes, typed)
        return
    with _reported(), ExitStack() as stack:
        if offline:  # what the kept tags say; the server's own transition log is not kept
            _info, versions = _offline_model(profile, model)
            if version is None:
                events = model_history(versions)
            else:
                events = version_history(_offline_version(versions, model, version), ())
        else:
            registry = stack.enter_context(_registry(profile))
            if version is None:
                events = model_history(all_versions(registry, model))
            else:
                v = registry.get_version(model, version)
                events = version_history(v, registry.server_history(model, version))
        if as_json:
            _echo_exact(json.dumps([_event_json(e) for e in events], indent=2))
        else:
            _print_events(events)


def _history_at(
    profile: str,
    model: str,
    at_text: str,
    as_json: bool,
    restore: str | None,
    yes: bool,
    typed: str | None,
) -> None:
    from modelyard.cli import timeline
    from modelyard.core.reads.timeline import parse_moment

    try:
        at = parse_moment(at_text)
    except ValueError as exc:
        _fail(str(exc))
    with _reported(), _registry(profile, writing=bool(restore)) as registry:
        moment, aliases = timeline.moment_of(registry, model, at)
        timeline.print_moment(model, moment, as_json and not restore)
        if restore:
            timeline.restore(profile, model, registry, moment, aliases, restore, yes, typed)
