"""The ``modelyard`` command: no sub-command opens the GUI; sub-commands script the same core.

Every failure ends with a one-line reason on stderr and a non-zero exit code.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from modelyard import __version__
from modelyard.core.domain import (
    ModelFile,
    ModelSummary,
    Page,
    Stage,
    StageEvent,
    VersionSummary,
    version_sort_key,
)
from modelyard.core.download import DownloadProgress
from modelyard.core.errors import UNREACHABLE, ErrorKind, ModelyardError, ProfileError
from modelyard.core.history import stage_summary, visible_tags
from modelyard.core.profiles import (
    AZURE_AUTH_LABELS,
    DATABRICKS_AUTH_LABELS,
    KIND_LABELS,
    AnySettings,
    AuthKind,
    AzureMLSettings,
    DatabricksSettings,
    DatabricksUCSettings,
    LocalSettings,
    MlflowServerSettings,
    Profile,
    ProfileStore,
    secret_fields,
    validation_message,
)
from modelyard.core.promote import PromotionResult
from modelyard.core.registry import Registry
from modelyard.core.secrets import SecretField, SecretStore
from modelyard.core.snapshot import model_record, version_record
from modelyard.core.state import RegistryState
from modelyard.core.text import printable


def _echo(text: str = "", *, err: bool = False, nl: bool = True) -> None:
    """Human output: control characters from registry text are shown as escapes, never sent to
    the terminal (newlines and tabs of multi-line text stay)."""
    click.echo(printable(text, keep_newlines=True), err=err, nl=nl)


def _echo_exact(text: str, *, nl: bool = True) -> None:
    """Machine output (JSON): exact; json.dumps already escapes control characters."""
    click.echo(text, nl=nl)


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
        _fail(f"{exc.filename or 'file'}: {exc.strerror or exc}")
    except KeyboardInterrupt:
        _fail("interrupted")


def _when(value: datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value else "-"


def _table(rows: list[list[str]], headers: list[str]) -> str:
    rows = [[_p(c) for c in row] for row in rows]
    headers = [_p(h) for h in headers]
    widths = [max(len(c) for c in col) for col in zip(headers, *rows, strict=False)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--demo", is_flag=True, help="Open the GUI on the embedded demo registry.")
@click.option("--reset", is_flag=True, help="With --demo: rebuild the demo registry first.")
@click.option(
    "--debug", is_flag=True, help="Log everything (redacted) to the log file and to stderr."
)
@click.version_option(__version__, prog_name="modelyard")
@click.pass_context
def cli(ctx: click.Context, demo: bool, reset: bool, debug: bool) -> None:
    """Modelyard: one window onto every MLflow model registry you use.

    Without a sub-command, opens the desktop app. The log (secrets redacted) is kept in the
    user log folder; `modelyard --debug` makes it verbose.
    """
    ctx.obj = {"debug": debug}
    if ctx.invoked_subcommand is None:
        _gui(demo=demo, reset=reset, debug=debug)
    elif debug:
        from modelyard.core.logs import setup_logging

        setup_logging(debug=True)


def no_display_reason(environ: dict[str, str] | None = None) -> str | None:
    """Why no window can be shown here (Linux without DISPLAY/WAYLAND_DISPLAY), or None."""
    env = dict(os.environ if environ is None else environ)
    if not sys.platform.startswith("linux") or env.get("QT_QPA_PLATFORM"):
        return None
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return None
    return (
        "no display found (neither DISPLAY nor WAYLAND_DISPLAY is set), so the window cannot "
        "open. Use the command line instead (`modelyard demo --no-gui`, `modelyard ls demo`, "
        "`modelyard --help`), or run headless with QT_QPA_PLATFORM=offscreen."
    )


def _gui(demo: bool, reset: bool = False, debug: bool = False) -> None:
    reason = no_display_reason()
    if reason is not None:
        _fail(reason)
    from modelyard.ui.app import run_gui

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
    from modelyard.core.demo import ensure_demo, is_seeded

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
@click.option("--kind", type=click.Choice(list(KIND_LABELS)), required=True)
@click.option("--url", help="mlflow: the tracking server's base URL.")
@click.option("--username", help="mlflow: user for username+password authentication.")
@click.option("--password-stdin", is_flag=True, help="mlflow: read the password from stdin.")
@click.option("--token-stdin", is_flag=True, help="mlflow/databricks: read a token from stdin.")
@click.option("--insecure-tls", is_flag=True, help="mlflow: do not verify TLS certificates.")
@click.option("--ca-bundle", type=click.Path(dir_okay=False), help="mlflow: CA bundle (PEM).")
@click.option(
    "--client-cert", type=click.Path(dir_okay=False), help="mlflow: client certificate (PEM)."
)
@click.option("--path", "path", help="local: the registry's sqlite file.")
@click.option("--host", help="databricks/databricks-uc: the workspace URL.")
@click.option(
    "--auth",
    help="databricks: pat, oauth-m2m, oauth-u2m, azure-cli, config-profile; "
    "azureml: service-principal, azure-cli, browser, default.",
)
@click.option("--client-id", help="OAuth M2M / service principal client id.")
@click.option(
    "--client-secret-stdin", is_flag=True, help="OAuth M2M / service principal: secret from stdin."
)
@click.option("--config-profile", help="databricks: a profile name from ~/.databrickscfg.")
@click.option("--catalog", help="databricks-uc: default catalog.")
@click.option("--schema", help="databricks-uc: default schema.")
@click.option("--tracking-uri", help="azureml: the workspace's MLflow tracking URI, as is.")
@click.option("--subscription", help="azureml: subscription id.")
@click.option("--resource-group", help="azureml: resource group.")
@click.option("--workspace", help="azureml: workspace name.")
@click.option("--region", help="azureml: region, e.g. westeurope.")
@click.option("--tenant-id", help="azureml: Microsoft Entra tenant id.")
@click.option("--label", help="An environment label such as dev, staging or prod.")
@click.option("--color", help="A colour for the tree, e.g. #d9534f.")
@click.option(
    "--timeout",
    type=click.FloatRange(0.5, 600),
    help="Seconds to wait for the registry's answer (default 8; connecting: 4).",
)
def profiles_add(
    name: str, kind: str, label: str | None, color: str | None, timeout: float | None, **o: Any
) -> None:
    """Add a profile (secrets are read from stdin and go to the OS keyring)."""
    with _reported():
        settings = _settings_from_options(kind, o)
        secret: tuple[SecretField, str] | None = None
        for field in secret_fields(settings)[:1]:
            secret = (field, _read_secret_stdin(field.replace("_", "-")))
        from modelyard.core.profile_service import save_profile

        store = ProfileStore()
        if store.find(name) is not None:
            _fail(f"a profile named {name!r} exists already")
        profile = Profile(name=name, settings=settings, label=label, color=color)
        if timeout is not None:
            profile = profile.model_copy(update={"read_timeout_s": timeout})
        typed = dict([secret]) if secret is not None else {}
        save_profile(store, SecretStore(), profile, typed)  # both or neither
        _notes(store)
        _echo(f"Added profile {profile.name!r} ({profile.kind}: {settings.describe()}).")


def _notes(store: ProfileStore, problems: bool = False) -> None:
    """What the profile file's reading or writing had to say, on stderr."""
    for note in [*(store.problems if problems else ()), *store.notes]:
        _echo(f"modelyard: note: {note}", err=True)


def _only(kind: str, o: dict[str, Any], allowed: set[str]) -> None:
    given = {k for k, v in o.items() if v not in (None, False)}
    extra = sorted(given - allowed)
    if extra:
        _fail(
            f"--kind {kind} does not take " + ", ".join("--" + e.replace("_", "-") for e in extra)
        )


def _settings_from_options(kind: str, o: dict[str, Any]) -> AnySettings:
    """Profile settings (validated) from CLI options."""
    if kind == "mlflow":
        _only(
            kind,
            o,
            {
                "url",
                "username",
                "password_stdin",
                "token_stdin",
                "insecure_tls",
                "ca_bundle",
                "client_cert",
            },
        )
        if not o["url"]:
            _fail("--kind mlflow needs --url")
        if o["password_stdin"] and o["token_stdin"]:
            _fail("give either --password-stdin or --token-stdin, not both")
        if o["password_stdin"] and not o["username"]:
            _fail("--password-stdin needs --username")
        if o["username"] and not o["password_stdin"]:
            _fail("--username needs --password-stdin (secrets are never taken as arguments)")
        auth: AuthKind = "basic" if o["password_stdin"] else "token" if o["token_stdin"] else "none"
        mlflow = MlflowServerSettings(
            url=o["url"],
            auth=auth,
            username=o["username"],
            insecure_tls=o["insecure_tls"],
            ca_bundle=o["ca_bundle"],
            client_cert=o["client_cert"],
        )
        return mlflow
    if kind == "local":
        _only(kind, o, {"path"})
        if not o["path"]:
            _fail("--kind local needs --path")
        return LocalSettings(path=o["path"])
    if kind in ("databricks", "databricks-uc"):
        allowed = {
            "host",
            "auth",
            "client_id",
            "client_secret_stdin",
            "token_stdin",
            "config_profile",
        }
        if kind == "databricks-uc":
            allowed |= {"catalog", "schema"}
        _only(kind, o, allowed)
        auth_kind = o["auth"] or ("config-profile" if o["config_profile"] else "pat")
        if auth_kind not in DATABRICKS_AUTH_LABELS:
            _fail(f"--auth for Databricks is one of: {', '.join(DATABRICKS_AUTH_LABELS)}")
        if auth_kind == "pat" and not o["token_stdin"]:
            _fail("--auth pat needs --token-stdin (secrets are never taken as arguments)")
        if auth_kind == "oauth-m2m" and not o["client_secret_stdin"]:
            _fail("--auth oauth-m2m needs --client-id and --client-secret-stdin")
        fields = {
            "host": o["host"],
            "auth": auth_kind,
            "client_id": o["client_id"],
            "config_profile": o["config_profile"],
        }
        dbx: AnySettings
        if kind == "databricks-uc":
            dbx = DatabricksUCSettings.model_validate(
                {**fields, "default_catalog": o["catalog"], "default_schema": o["schema"]}
            )
        else:
            dbx = DatabricksSettings.model_validate(fields)
        return dbx
    _only(
        kind,
        o,
        {
            "tracking_uri",
            "subscription",
            "resource_group",
            "workspace",
            "region",
            "auth",
            "tenant_id",
            "client_id",
            "client_secret_stdin",
        },
    )
    auth_kind = o["auth"] or "default"
    if auth_kind not in AZURE_AUTH_LABELS:
        _fail(f"--auth for AzureML is one of: {', '.join(AZURE_AUTH_LABELS)}")
    extra = {"auth": auth_kind, "tenant_id": o["tenant_id"], "client_id": o["client_id"]}
    if o["tracking_uri"]:
        try:
            azure = AzureMLSettings.from_tracking_uri(o["tracking_uri"], **extra)
        except ValueError as exc:
            raise ProfileError(str(exc).removeprefix("Value error, ")) from None
    else:
        missing = [
            f"--{k.replace('_', '-')}"
            for k in ("subscription", "resource_group", "workspace", "region")
            if not o[k]
        ]
        if missing:
            _fail("--kind azureml needs --tracking-uri, or " + ", ".join(missing))
        azure = AzureMLSettings.model_validate(
            {
                "subscription_id": o["subscription"],
                "resource_group": o["resource_group"],
                "workspace": o["workspace"],
                "region": o["region"],
                **extra,
            }
        )
    if auth_kind == "service-principal" and not o["client_secret_stdin"]:
        _fail("--auth service-principal needs --client-secret-stdin")
    return azure


@profiles.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def profiles_list(as_json: bool) -> None:
    """List profiles."""
    with _reported():
        store = ProfileStore()
        items = store.list()
        _notes(store, problems=True)
        if as_json:
            _echo_exact(json.dumps([p.model_dump(exclude_none=True) for p in items], indent=2))
            return
        if not items:
            _echo("No profiles yet: add one with `modelyard profiles add` or run `modelyard demo`.")
            return
        rows = [[p.name, p.kind, p.settings.describe(), p.label or ""] for p in items]
        _echo(_table(rows, ["NAME", "KIND", "WHERE", "LABEL"]))


@profiles.command("remove")
@click.argument("name")
def profiles_remove(name: str) -> None:
    """Remove a profile and its secrets from the keyring."""
    with _reported():
        from modelyard.core.profile_service import remove_profile

        store = ProfileStore()
        profile = remove_profile(store, SecretStore(), name)
        _notes(store)
        _echo(f"Removed profile {profile.name!r}.")


@profiles.command("test")
@click.argument("name")
def profiles_test(name: str) -> None:
    """Connect for real and list one page; explain any failure (exit 1 on failure)."""
    from modelyard.core.diagnose import test_connection

    with _reported():
        profile = ProfileStore().get(name)
        result = test_connection(profile, SecretStore())
        stream_err = not result.ok
        _echo(f"{'OK' if result.ok else 'FAILED'}: {result.headline}", err=stream_err)
        _echo(result.message, err=stream_err)
        if not result.ok:
            sys.exit(1)


@profiles.command("export")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--profile", "names", multiple=True, help="Only these profiles (repeatable).")
def profiles_export(file: str, names: tuple[str, ...]) -> None:
    """Write profiles as JSON (no secrets) to FILE, or - for standard output."""
    from modelyard.core.importers import export_profiles

    with _reported():
        store = ProfileStore()
        chosen = [store.get(n) for n in names] if names else store.list()
        text = export_profiles(chosen)
        if file == "-":
            _echo_exact(text)
            return
        Path(file).write_text(text + "\n", encoding="utf-8")
        _echo(f"Exported {len(chosen)} profile(s) to {file} (without secrets).")


@profiles.command("import")
@click.argument("file", required=False, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--dry-run", is_flag=True, help="Only show what would be imported.")
def profiles_import(file: str | None, dry_run: bool) -> None:
    """Import profiles from an export FILE, or — without FILE — what this machine already has:
    MLFLOW_TRACKING_* variables, ~/.mlflow/credentials and ~/.databrickscfg."""
    from modelyard.core.importers import (
        Candidate,
        already_known,
        discover,
        read_export,
        save_candidate,
    )

    with _reported():
        store = ProfileStore()
        notes: list[str] = []
        if file:
            text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
            candidates = [Candidate(f"{file}", p) for p in read_export(text)]
        else:
            found = discover()
            candidates, notes = found.candidates, found.notes
        for note in notes:
            _echo(f"note: {note}", err=True)
        if not candidates:
            _echo("Nothing to import.")
            return
        secrets = SecretStore()
        for candidate in candidates:
            where = f"{candidate.profile.kind}: {candidate.profile.settings.describe()}"
            known = already_known(store, candidate)
            if known is not None:
                _echo(f"skipped  {where} — profile {known.name!r} has the same settings")
                continue
            if dry_run:
                _echo(f"would add {candidate.profile.name!r} ({where}) from {candidate.source}")
                continue
            saved = save_candidate(store, secrets, candidate)
            with_secret = " + secret in the keyring" if candidate.secrets else ""
            _echo(f"added    {saved.name!r} ({where}) from {candidate.source}{with_secret}")


@cli.command("ls")
@click.argument("profile")
@click.argument("model", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.option(
    "--offline",
    is_flag=True,
    help="Print the last-seen state (kept from earlier listings) without asking the registry.",
)
def ls(profile: str, model: str | None, as_json: bool, offline: bool) -> None:
    """List the models of PROFILE, or the versions of MODEL (kept for --offline)."""
    from modelyard.core.snapshot import load_snapshot, save_snapshot

    with _reported():
        prof = ProfileStore().get(profile)
        cached = load_snapshot(prof.id)
        if offline:
            state = _cached_state(prof, cached, model)
        else:
            state = cached or RegistryState(prof.id)
            with _offline_hint(cached), _registry(profile) as registry:
                if model is None:
                    items = _all_pages(lambda token: registry.list_models(token, 500))
                    state.merge_models(items, complete=True)
                else:
                    versions = _all_pages(lambda t: registry.list_versions(model, t, 1000))
                    state.merge_versions(model, versions, complete=True)
            save_snapshot(state)
        if model is None:
            _print_models(sorted(state.models.values(), key=lambda m: m.name.lower()), as_json)
        else:
            _print_versions(state.sorted_versions(model), as_json)


def _cached_state(prof: Profile, cached: RegistryState | None, model: str | None) -> RegistryState:
    """The snapshot for --offline, its age said on stderr; a clear failure when it lacks
    what was asked."""
    from modelyard.core.history import humanize_age

    if cached is None or (cached.models_read_at is None and not cached.versions):
        _fail(f"no cached state of {prof.name!r} yet: list it once while it can be reached")
    if model is not None and model not in cached.versions:
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
    from modelyard.core.snapshot import load_snapshot

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


def _print_model(info: ModelSummary, versions: list[VersionSummary], as_json: bool) -> None:
    if as_json:
        data = model_record(info)
        data["versions"] = [version_record(v) for v in versions]
        _echo_exact(json.dumps(data, indent=2))
        return
    _echo(f"{_p(info.name)}\n")
    if info.description:
        _echo(info.description.strip() + "\n")
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
    _echo(
        f"{_p(v.model)} v{_p(v.version)}  [{v.stage.value}]  "
        + " ".join("@" + _p(a) for a in v.aliases)
    )
    _echo(f"URI: {_p(v.uri)}   status: {_p(v.status)}   created: {_when(v.created)}")
    if v.description:
        _echo(v.description.strip())
    _echo(f"Run: {_p(v.run_id) or '-'}   (offline: run metrics and signature are not kept)")


def _versions_of(registry: Registry, model: str) -> list[VersionSummary]:
    return _all_pages(lambda token: registry.list_versions(model, token, 1000))


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


@cli.group()
def cache() -> None:
    """The last-seen state of registries kept for --offline (no secrets in it)."""


@cache.command("clear")
@click.argument("profile", required=False)
def cache_clear(profile: str | None) -> None:
    """Forget the last-seen state of PROFILE (or of every profile)."""
    from modelyard.core.snapshot import clear_snapshots

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
    from modelyard.core.snapshot import changes_between, load_snapshot, save_snapshot

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
        save_snapshot(now)
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
    _echo(_table(rows, ["WHEN", "WHAT", "WHO", "SOURCE", "COMMENT"]))


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
@click.option(
    "--offline",
    is_flag=True,
    help="Print the last-seen state (kept from earlier listings) without asking the registry.",
)
def show(profile: str, model: str, version: str | None, as_json: bool, offline: bool) -> None:
    """Show a registered MODEL, or one VERSION of it with its run and signature."""
    from modelyard.core.details import all_versions, load_version_detail

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
        _echo(
            f"{_p(v.model)} v{_p(v.version)}  [{v.stage.value}]  "
            + " ".join("@" + _p(a) for a in v.aliases)
        )
        _echo(f"URI: {_p(v.uri)}   status: {_p(v.status)}   created: {_when(v.created)}")
        if v.description:
            _echo(v.description.strip())
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
@click.option(
    "--offline",
    is_flag=True,
    help="Print the last-seen state (kept from earlier listings) without asking the registry.",
)
def history(profile: str, model: str, version: str | None, as_json: bool, offline: bool) -> None:
    """Stage and alias history of MODEL (or one VERSION): recorded, server and derived."""
    from modelyard.core.details import all_versions, model_history
    from modelyard.core.history import version_history

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


@cli.command()
@click.argument("profile")
@click.argument("model")
@click.argument("version")
@click.argument("dest", type=click.Path(file_okay=False))
@click.option("--files", "files", multiple=True, help="Only these files or folders (repeatable).")
@click.option(
    "--overwrite",
    is_flag=True,
    help="Replace files in DEST that this download did not write (yours, or another version's).",
)
def download(
    profile: str, model: str, version: str, dest: str, files: tuple[str, ...], overwrite: bool
) -> None:
    """Download the artifacts of VERSION into DEST (resumes; never leaves partial files; never
    overwrites a file it did not write unless --overwrite)."""
    from modelyard.core.download import human_bytes, plan_download, run_download

    with _reported(), _registry(profile) as registry:
        plan = plan_download(registry, model, version, list(files) or None)
        label = f"{model} v{version} ({len(plan.files)} files, {human_bytes(plan.total_bytes)})"
        with click.progressbar(
            length=max(plan.total_bytes, 1), label=_p(label), file=sys.stderr, show_eta=True
        ) as bar:

            def progress(p: DownloadProgress) -> None:
                bar.update(p.done_bytes - bar.pos)

            result = run_download(registry, plan, Path(dest), progress, overwrite=overwrite)
            bar.update(max(plan.total_bytes, 1) - bar.pos)
        extra = [f"{len(result.skipped)} already there"] if result.skipped else []
        extra += [f"{len(result.replaced)} replaced"] if result.replaced else []
        more = f" ({', '.join(extra)})" if extra else ""
        _echo(f"Downloaded {len(result.written)} files to {result.destination.resolve()}{more}.")


@cli.command()
@click.argument("profile")
@click.argument("model")
@click.argument("version")
def uri(profile: str, model: str, version: str) -> None:
    """Print the model URIs of VERSION (by number, alias and stage)."""
    from modelyard.core.snippet import model_uris

    with _reported(), _registry(profile) as registry:
        for _label, value in model_uris(_with_model_aliases(registry, model, version)):
            _echo(value)


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
        _echo(load_snippet(ProfileStore().get(profile), summary, model_file), nl=False)


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
) -> None:
    """Move VERSION to a stage, or set/remove an alias; recorded in the stage history."""
    from modelyard.core.promote import Snapshot, Target, nothing_to_do, plan_lines
    from modelyard.core.promote import promote as do_promote

    chosen = [o for o in (stage, alias, remove_alias) if o]
    if len(chosen) != 1:
        _fail("give exactly one of --stage, --alias, --remove-alias")
    if archive_existing and not stage:
        _fail("--archive-existing goes with --stage")
    if as_request:
        if not stage or archive_existing:
            _fail("--request goes with --stage (the approver decides about archiving)")
        _request(profile, model, version, stage or "", comment, yes)
        return
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
            _echo(f"Nothing to do: {idle}")
            return
        _echo(f"{model}:")
        for line in plan_lines(shown, version, target, archive_existing):
            _echo(f"  {line}")
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
        _report_outcome(result)


def _report_outcome(result: PromotionResult | None) -> None:
    """Warn when the history entry failed; exit 1 when the server's state is not what was
    asked (someone else moved it at the same moment), saying what it is."""
    if result is not None and result.record_problem:
        _echo(f"modelyard: warning: {result.record_problem}", err=True)
    if result is not None and result.outcome_problem:
        _fail(result.outcome_problem)


def _confirm(yes: bool, what: str) -> None:
    if yes:
        return
    if not sys.stdin or not sys.stdin.isatty():
        _fail(f"not confirmed: add --yes to {what} without a question")
    click.confirm("Apply?", abort=True)


def _request(
    profile: str, model: str, version: str, stage_name: str, comment: str, yes: bool
) -> None:
    from modelyard.core.promote import Snapshot
    from modelyard.core.transitions import request_transition

    stage = Stage.parse(stage_name)
    with _reported(), _registry(profile) as registry:
        shown = Snapshot.read(registry, model)
        current = shown.versions.get(version)
        if current is None:
            _fail(f"{model} has no version {version}")
        _echo(f"{model}: request v{version} ({current.stage.value}) → {stage.value}")
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
    from modelyard.core.details import all_versions
    from modelyard.core.transitions import open_requests

    with _reported(), _registry(profile) as registry:
        if not registry.capabilities().transition_requests:
            _fail(f"{registry.location} has no transition requests")
        if version:
            found = {version: registry.transition_requests(model, version)}
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
) -> None:
    from modelyard.core import transitions

    stage = Stage.parse(stage_name)
    with _reported(), _registry(profile) as registry:
        me = registry.identity() if action == "withdraw" else requester
        request = transitions.find_request(registry, model, version, stage, me)
        _echo(
            f"{model}: {action} {request.describe()}"
            + (f" (“{request.comment}”)" if request.comment else "")
        )
        _confirm(yes, action)
        record = ProfileStore().get(profile).record_history
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


@requests.command("approve")
@click.argument("profile")
@click.argument("model")
@click.argument("version")
@_STAGE_OPTION
@_REQUESTER_OPTION
@click.option("--archive-existing", is_flag=True, help="Archive the versions now in that stage.")
@click.option("--comment", default="", help="Shown in the request's activity.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def requests_approve(
    profile: str,
    model: str,
    version: str,
    stage: str,
    requester: str,
    archive_existing: bool,
    comment: str,
    yes: bool,
) -> None:
    """Approve the open request VERSION → STAGE (the version moves)."""
    _decide("approve", profile, model, version, stage, requester, comment, yes, archive_existing)


@requests.command("reject")
@click.argument("profile")
@click.argument("model")
@click.argument("version")
@_STAGE_OPTION
@_REQUESTER_OPTION
@click.option("--comment", default="", help="Why not; shown to the requester.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def requests_reject(
    profile: str, model: str, version: str, stage: str, requester: str, comment: str, yes: bool
) -> None:
    """Reject the open request VERSION → STAGE (the version stays)."""
    _decide("reject", profile, model, version, stage, requester, comment, yes)


@requests.command("withdraw")
@click.argument("profile")
@click.argument("model")
@click.argument("version")
@_STAGE_OPTION
@click.option("--comment", default="", help="Optional.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def requests_withdraw(
    profile: str, model: str, version: str, stage: str, comment: str, yes: bool
) -> None:
    """Withdraw your own open request VERSION → STAGE."""
    _decide("withdraw", profile, model, version, stage, "", comment, yes)


def _emit(text: str, output: str | None, fmt: str) -> None:
    """A report to a file (exact), or to stdout: the text table always escaped, CSV/JSON/Markdown
    exact for pipes and escaped only when a terminal shows them."""
    from modelyard.core.paths import write_atomic

    if output:
        write_atomic(Path(output), text)
        _echo(f"Written to {output}", err=True)
    elif fmt == "text" or sys.stdout.isatty():
        _echo(text, nl=not text.endswith("\n"))
    else:
        _echo_exact(text, nl=not text.endswith("\n"))


@cli.command()
@click.argument("left")
@click.argument("right")
@click.option("--only-differences", is_flag=True, help="Leave out models that are the same.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "csv", "json", "md"]),
    default="text",
    help="text (a table), csv, json or md (Markdown).",
)
@click.option("--output", type=click.Path(dir_okay=False), help="Write to this file instead.")
@click.option("--exit-code", is_flag=True, help="Exit 1 when the registries differ (like diff).")
def compare(
    left: str, right: str, only_differences: bool, fmt: str, output: str | None, exit_code: bool
) -> None:
    """Compare two registries model by model: only on one side, the same, or what differs
    (latest version, Production/Staging holders, aliases, description, tags)."""
    from modelyard.core.compare import STATUS_WORDS, Status, compare_registries, export_registries

    with _reported(), _registry(left) as a, _registry(right) as b:
        result = compare_registries(a, b)
        if fmt == "text":
            rows = [
                [
                    r.name,
                    STATUS_WORDS[r.status],
                    r.side("left"),
                    r.side("right"),
                    "; ".join(r.differences),
                ]
                for r in result.rows
                if not only_differences or r.status is not Status.SAME
            ]
            text = _table(rows, ["MODEL", "STATUS", left.upper(), right.upper(), "DIFFERENCES"])
            text = f"{text}\n\n{result.summary()}\n" if rows else f"{result.summary()}\n"
        else:
            text = export_registries(result, fmt, only_differences)
        _emit(text, output, fmt)
        if exit_code and any(r.status is not Status.SAME for r in result.rows):
            sys.exit(1)


def _version_ref(ref: str) -> tuple[str, str, str]:
    profile, sep, rest = ref.partition(":")
    model, slash, version = rest.rpartition("/")
    if not sep or not slash or not profile or not model or not version:
        _fail(f"{ref!r}: expected PROFILE:MODEL/VERSION, e.g. demo:churn-classifier/4")
    return profile, model, version


@cli.command("compare-versions")
@click.argument("left")
@click.argument("right")
@click.option("--only-differences", is_flag=True, help="Leave out fields that are the same.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "csv", "json", "md"]),
    default="text",
    help="text (a table), csv, json or md (Markdown).",
)
@click.option("--output", type=click.Path(dir_okay=False), help="Write to this file instead.")
def compare_versions_command(
    left: str, right: str, only_differences: bool, fmt: str, output: str | None
) -> None:
    """Compare two versions field by field (stage, aliases, params, metrics with deltas, tags,
    signature). LEFT and RIGHT are PROFILE:MODEL/VERSION, from the same or two registries."""
    from modelyard.core.compare import Status, compare_versions, export_versions
    from modelyard.core.details import load_version_detail

    (lp, lm, lv), (rp, rm, rv) = _version_ref(left), _version_ref(right)
    with _reported(), _registry(lp) as a:
        detail_a = load_version_detail(a, lm, lv)
        if rp == lp:
            detail_b = load_version_detail(a, rm, rv)
        else:
            with _registry(rp) as b:
                detail_b = load_version_detail(b, rm, rv)
        rows = compare_versions(detail_a, detail_b)
        left_title, right_title = f"{lm} v{lv}", f"{rm} v{rv}"
        if lp != rp:
            left_title, right_title = f"{lp}: {left_title}", f"{rp}: {right_title}"
        if fmt == "text":
            table = [
                [r.section, r.name, r.left, r.right, r.note]
                for r in rows
                if not only_differences or r.status is Status.DIFFERENT
            ]
            if table:
                text = _table(table, ["SECTION", "FIELD", left_title, right_title, "DELTA"]) + "\n"
            else:
                text = f"No differences: all {len(rows)} compared fields are the same.\n"
        else:
            text = export_versions(left_title, right_title, rows, fmt, only_differences)
        _emit(text, output, fmt)


def _with_model_aliases(registry: Registry, model: str, version: str) -> VersionSummary:
    from dataclasses import replace

    summary = registry.get_version(model, version)
    aliases = {a for a, v in registry.get_model(model).aliases.items() if v == summary.version}
    return replace(summary, aliases=tuple(sorted(aliases | set(summary.aliases))))


def main() -> None:
    """Entry point of the ``modelyard`` command and ``python -m modelyard``."""
    cli(prog_name="modelyard")
