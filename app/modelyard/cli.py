"""The ``modelyard`` command: no sub-command opens the GUI; sub-commands script the same core.

Every failure ends with a one-line reason on stderr and a non-zero exit code.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

import click

from modelyard import __version__
from modelyard.core.domain import ModelFile, ModelSummary, Page, StageEvent, VersionSummary
from modelyard.core.download import DownloadProgress
from modelyard.core.errors import ModelyardError
from modelyard.core.history import stage_summary, visible_tags
from modelyard.core.profiles import (
    AuthKind,
    LocalSettings,
    MlflowServerSettings,
    Profile,
    ProfileStore,
    validation_message,
)
from modelyard.core.registry import Registry
from modelyard.core.secrets import SecretField, SecretStore


def _fail(message: str) -> None:
    click.echo(f"modelyard: {message}", err=True)
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
    except KeyboardInterrupt:
        _fail("interrupted")


def _when(value: datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value else "-"


def _table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows, strict=False)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += [
        "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
    ]
    return "\n".join(lines)


def _model_json(model: ModelSummary) -> dict[str, Any]:
    return {
        "name": model.name,
        "description": model.description,
        "tags": dict(model.tags),
        "aliases": dict(model.aliases),
        "latest_versions": list(model.latest_versions),
        "created": model.created.isoformat() if model.created else None,
        "updated": model.updated.isoformat() if model.updated else None,
    }


def _version_json(version: VersionSummary) -> dict[str, Any]:
    return {
        "model": version.model,
        "version": version.version,
        "stage": version.stage.value,
        "aliases": list(version.aliases),
        "status": version.status,
        "run_id": version.run_id,
        "source": version.source,
        "description": version.description,
        "tags": dict(version.tags),
        "created": version.created.isoformat() if version.created else None,
        "updated": version.updated.isoformat() if version.updated else None,
        "creator": version.creator,
    }


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--demo", is_flag=True, help="Open the GUI on the embedded demo registry.")
@click.option("--reset", is_flag=True, help="With --demo: rebuild the demo registry first.")
@click.version_option(__version__, prog_name="modelyard")
@click.pass_context
def cli(ctx: click.Context, demo: bool, reset: bool) -> None:
    """Modelyard: one window onto every MLflow model registry you use.

    Without a sub-command, opens the desktop app.
    """
    if ctx.invoked_subcommand is None:
        _gui(demo=demo, reset=reset)


def _gui(demo: bool, reset: bool = False) -> None:
    from modelyard.ui.app import run_gui

    sys.exit(run_gui(demo=demo, reset_demo=reset))


@cli.command()
@click.option("--no-gui", is_flag=True, help="Only create and seed the demo registry.")
@click.option("--reset", is_flag=True, help="Rebuild the demo registry from scratch.")
def demo(no_gui: bool, reset: bool) -> None:
    """Create (once) the embedded demo registry and open the app on it."""
    if not no_gui:
        _gui(demo=True, reset=reset)
        return
    from modelyard.core.demo import ensure_demo, is_seeded

    with _reported():
        store = ProfileStore()
        existing = store.find("demo")
        if existing is not None and is_seeded(existing) and not reset:
            click.echo(f"Demo registry ready: {existing.settings.describe()}")
            return
        with click.progressbar(length=1, label="Seeding the demo registry", file=sys.stderr) as bar:

            def progress(done: int, total: int, text: str) -> None:
                bar.length = total
                bar.update(done - bar.pos)

            profile = ensure_demo(store, reset=reset, progress=progress)
        click.echo(f"Demo registry ready: {profile.settings.describe()}")


@cli.group()
def profiles() -> None:
    """Manage connection profiles (secrets go to the OS keyring)."""


def _read_secret_stdin(kind: str) -> str:
    if sys.stdin is None or sys.stdin.closed:
        _fail(f"--{kind}-stdin given but standard input is closed")
    value = sys.stdin.readline().rstrip("\r\n")
    if not value:
        _fail(f"--{kind}-stdin given but standard input was empty")
    return value


@profiles.command("add")
@click.option("--name", required=True, help="A name for people, e.g. prod-registry.")
@click.option("--kind", type=click.Choice(["mlflow", "local"]), required=True)
@click.option("--url", help="mlflow: the tracking server's base URL.")
@click.option("--username", help="mlflow: user for username+password authentication.")
@click.option("--password-stdin", is_flag=True, help="mlflow: read the password from stdin.")
@click.option("--token-stdin", is_flag=True, help="mlflow: read a bearer token from stdin.")
@click.option("--insecure-tls", is_flag=True, help="mlflow: do not verify TLS certificates.")
@click.option("--ca-bundle", type=click.Path(dir_okay=False), help="mlflow: CA bundle (PEM).")
@click.option(
    "--client-cert", type=click.Path(dir_okay=False), help="mlflow: client certificate (PEM)."
)
@click.option("--path", "path", help="local: the registry's sqlite file.")
@click.option("--label", help="An environment label such as dev, staging or prod.")
def profiles_add(
    name: str,
    kind: str,
    url: str | None,
    username: str | None,
    password_stdin: bool,
    token_stdin: bool,
    insecure_tls: bool,
    ca_bundle: str | None,
    client_cert: str | None,
    path: str | None,
    label: str | None,
) -> None:
    """Add a profile."""
    with _reported():
        settings: MlflowServerSettings | LocalSettings
        secret: tuple[SecretField, str] | None = None
        if kind == "mlflow":
            if not url:
                _fail("--kind mlflow needs --url")
            if password_stdin and token_stdin:
                _fail("give either --password-stdin or --token-stdin, not both")
            if password_stdin and not username:
                _fail("--password-stdin needs --username")
            auth: AuthKind = (
                "basic" if password_stdin or username else "token" if token_stdin else "none"
            )
            if auth == "basic" and not password_stdin:
                _fail("--username needs --password-stdin (secrets are never taken as arguments)")
            settings = MlflowServerSettings(
                url=url or "",
                auth=auth,
                username=username,
                insecure_tls=insecure_tls,
                ca_bundle=ca_bundle,
                client_cert=client_cert,
            )
            if password_stdin:
                secret = ("password", _read_secret_stdin("password"))
            elif token_stdin:
                secret = ("token", _read_secret_stdin("token"))
        else:
            if not path:
                _fail("--kind local needs --path")
            if url or username or password_stdin or token_stdin:
                _fail("--kind local takes --path only")
            settings = LocalSettings(path=path or "")
        store = ProfileStore()
        profile = Profile(name=name, settings=settings, label=label)
        if store.find(name) is not None:
            _fail(f"a profile named {name!r} exists already")
        if secret is not None:
            SecretStore().set(profile.id, secret[0], secret[1])
        store.add(profile)
        click.echo(f"Added profile {profile.name!r} ({profile.kind}: {settings.describe()}).")


@profiles.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def profiles_list(as_json: bool) -> None:
    """List profiles."""
    with _reported():
        items = ProfileStore().list()
        if as_json:
            click.echo(json.dumps([p.model_dump(exclude_none=True) for p in items], indent=2))
            return
        if not items:
            click.echo(
                "No profiles yet: add one with `modelyard profiles add` or run `modelyard demo`."
            )
            return
        rows = [[p.name, p.kind, p.settings.describe(), p.label or ""] for p in items]
        click.echo(_table(rows, ["NAME", "KIND", "WHERE", "LABEL"]))


@profiles.command("remove")
@click.argument("name")
def profiles_remove(name: str) -> None:
    """Remove a profile and its secrets from the keyring."""
    with _reported():
        store = ProfileStore()
        profile = store.get(name)
        if isinstance(profile.settings, MlflowServerSettings) and profile.settings.auth != "none":
            SecretStore().delete_all(profile.id)
        store.remove(profile.id)
        click.echo(f"Removed profile {profile.name!r}.")


@cli.command("ls")
@click.argument("profile")
@click.argument("model", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def ls(profile: str, model: str | None, as_json: bool) -> None:
    """List the models of PROFILE, or the versions of MODEL."""
    from modelyard.core.connectors import open_registry

    with _reported():
        prof = ProfileStore().get(profile)
        registry = open_registry(prof, SecretStore())
        try:
            if model is None:
                models = _all_pages(lambda token: registry.list_models(token, 500))
                if as_json:
                    click.echo(json.dumps([_model_json(m) for m in models], indent=2))
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
                click.echo(_table(rows, ["MODEL", "LATEST", "ALIASES", "UPDATED"]))
            else:
                versions = _all_pages(lambda token: registry.list_versions(model, token, 1000))
                if as_json:
                    click.echo(json.dumps([_version_json(v) for v in versions], indent=2))
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
                click.echo(
                    _table(rows, ["VERSION", "STAGE", "ALIASES", "STATUS", "RUN", "CREATED"])
                )
        finally:
            registry.close()


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
    click.echo(_table(rows, ["WHEN", "WHAT", "WHO", "SOURCE", "COMMENT"]))


@contextmanager
def _registry(profile: str) -> Iterator[Registry]:
    from modelyard.core.connectors import open_registry

    registry = open_registry(ProfileStore().get(profile), SecretStore())
    try:
        yield registry
    finally:
        registry.close()


@cli.command()
@click.argument("profile")
@click.argument("model")
@click.argument("version", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def show(profile: str, model: str, version: str | None, as_json: bool) -> None:
    """Show a registered MODEL, or one VERSION of it with its run and signature."""
    from modelyard.core.details import all_versions, load_version_detail

    with _reported(), _registry(profile) as registry:
        if version is None:
            info = registry.get_model(model)
            versions = all_versions(registry, model)
            if as_json:
                data = _model_json(info)
                data["versions"] = [_version_json(v) for v in versions]
                click.echo(json.dumps(data, indent=2))
                return
            click.echo(f"{info.name}\n")
            if info.description:
                click.echo(info.description.strip() + "\n")
            for stage, text in stage_summary(versions):
                click.echo(f"{stage}: {text}")
            aliases = ", ".join(f"@{a} → v{v}" for a, v in sorted(info.aliases.items()))
            click.echo(f"Aliases: {aliases or '-'}")
            tags = ", ".join(f"{k}={v}" for k, v in sorted(visible_tags(info.tags).items()))
            click.echo(f"Tags: {tags or '-'}\n")
            rows = [
                [v.version, v.stage.value, ", ".join(v.aliases), v.status, _when(v.created)]
                for v in versions
            ]
            click.echo(_table(rows, ["VERSION", "STAGE", "ALIASES", "STATUS", "CREATED"]))
            return
        detail = load_version_detail(registry, model, version)
        if as_json:
            data = _version_json(detail.version)
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
            click.echo(json.dumps(data, indent=2))
            return
        v = detail.version
        click.echo(
            f"{v.model} v{v.version}  [{v.stage.value}]  {' '.join('@' + a for a in v.aliases)}"
        )
        click.echo(f"URI: {v.uri}   status: {v.status}   created: {_when(v.created)}")
        if v.description:
            click.echo(v.description.strip())
        if detail.run:
            run = detail.run
            click.echo(
                f"\nRun {run.run_id} ({run.name}) in {run.experiment_name or run.experiment_id}"
            )
            for key, value in sorted(run.metrics.items()):
                click.echo(f"  {key} = {value:.6g}")
            params = ", ".join(f"{k}={val}" for k, val in sorted(run.params.items()))
            click.echo(f"  params: {params or '-'}")
        if detail.model_file:
            mf = detail.model_file
            click.echo(f"\nFlavors: {', '.join(mf.flavors) or '-'}")
            click.echo("Inputs: " + (", ".join(f"{c.name}: {c.type}" for c in mf.inputs) or "-"))
            click.echo("Outputs: " + (", ".join(f"{c.name}: {c.type}" for c in mf.outputs) or "-"))
        for problem in detail.problems:
            click.echo(f"! {problem}")


@cli.command()
@click.argument("profile")
@click.argument("model")
@click.argument("version", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def history(profile: str, model: str, version: str | None, as_json: bool) -> None:
    """Stage and alias history of MODEL (or one VERSION): recorded, server and derived."""
    from modelyard.core.details import all_versions, model_history
    from modelyard.core.history import version_history

    with _reported(), _registry(profile) as registry:
        if version is None:
            events = model_history(all_versions(registry, model))
        else:
            v = registry.get_version(model, version)
            events = version_history(v, registry.server_history(model, version))
        if as_json:
            click.echo(json.dumps([_event_json(e) for e in events], indent=2))
        else:
            _print_events(events)


@cli.command()
@click.argument("profile")
@click.argument("model")
@click.argument("version")
@click.argument("dest", type=click.Path(file_okay=False))
@click.option("--files", "files", multiple=True, help="Only these files or folders (repeatable).")
def download(profile: str, model: str, version: str, dest: str, files: tuple[str, ...]) -> None:
    """Download the artifacts of VERSION into DEST (resumes; never leaves partial files)."""
    from pathlib import Path

    from modelyard.core.download import human_bytes, plan_download, run_download

    with _reported(), _registry(profile) as registry:
        plan = plan_download(registry, model, version, list(files) or None)
        label = f"{model} v{version} ({len(plan.files)} files, {human_bytes(plan.total_bytes)})"
        with click.progressbar(
            length=max(plan.total_bytes, 1), label=label, file=sys.stderr, show_eta=True
        ) as bar:

            def progress(p: DownloadProgress) -> None:
                bar.update(p.done_bytes - bar.pos)

            result = run_download(registry, plan, Path(dest), progress)
            bar.update(max(plan.total_bytes, 1) - bar.pos)
        skipped = f", {len(result.skipped)} already there" if result.skipped else ""
        click.echo(f"Downloaded {len(result.written)} files to {result.destination}{skipped}.")


@cli.command()
@click.argument("profile")
@click.argument("model")
@click.argument("version")
def uri(profile: str, model: str, version: str) -> None:
    """Print the model URIs of VERSION (by number, alias and stage)."""
    from modelyard.core.snippet import model_uris

    with _reported(), _registry(profile) as registry:
        for _label, value in model_uris(_with_model_aliases(registry, model, version)):
            click.echo(value)


@cli.command()
@click.argument("profile")
@click.argument("model")
@click.argument("version")
def snippet(profile: str, model: str, version: str) -> None:
    """Print Python that loads VERSION from this registry (credentials from the environment)."""
    from modelyard.core.snippet import load_snippet

    with _reported(), _registry(profile) as registry:
        summary = _with_model_aliases(registry, model, version)
        try:
            model_file: ModelFile | None = registry.read_model_file(model, version)
        except ModelyardError:
            model_file = None
        click.echo(load_snippet(ProfileStore().get(profile), summary, model_file), nl=False)


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
@click.option("--comment", default="", help="Why; kept in the stage history.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def promote(
    profile: str,
    model: str,
    version: str,
    stage: str | None,
    archive_existing: bool,
    alias: str | None,
    remove_alias: str | None,
    comment: str,
    yes: bool,
) -> None:
    """Move VERSION to a stage, or set/remove an alias; recorded in the stage history."""
    from modelyard.core.promote import Snapshot, Target, nothing_to_do, plan_lines
    from modelyard.core.promote import promote as do_promote

    chosen = [o for o in (stage, alias, remove_alias) if o]
    if len(chosen) != 1:
        _fail("give exactly one of --stage, --alias, --remove-alias")
    if archive_existing and not stage:
        _fail("--archive-existing goes with --stage")
    target = (
        Target("stage", stage)
        if stage
        else Target("alias", alias)
        if alias
        else Target("remove-alias", remove_alias or "")
    )
    with _reported(), _registry(profile) as registry:
        prof = ProfileStore().get(profile)
        shown = Snapshot.read(registry, model)
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
            click.echo(f"Nothing to do: {idle}")
            return
        click.echo(f"{model}:")
        for line in plan_lines(shown, version, target, archive_existing):
            click.echo(f"  {line}")
        if not yes:
            if not sys.stdin or not sys.stdin.isatty():
                _fail("not confirmed: add --yes to promote without a question")
            click.confirm("Apply?", abort=True)
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
        v = result.version
        aliases = " ".join(
            "@" + a
            for a in registry.get_model(model).aliases
            if registry.get_model(model).aliases[a] == v.version
        )
        click.echo(f"Now: v{v.version} {v.stage.value} {aliases}".rstrip())
        for other in result.changed:
            click.echo(f"     v{other.version} {other.stage.value}")
        if result.record_problem:
            click.echo(f"modelyard: warning: {result.record_problem}", err=True)


def _with_model_aliases(registry: Registry, model: str, version: str) -> VersionSummary:
    from dataclasses import replace

    summary = registry.get_version(model, version)
    aliases = {a for a, v in registry.get_model(model).aliases.items() if v == summary.version}
    return replace(summary, aliases=tuple(sorted(aliases | set(summary.aliases))))


def main() -> None:
    """Entry point of the ``modelyard`` command and ``python -m modelyard``."""
    cli(prog_name="modelyard")
