"""``modelyard profiles …``: add, list, remove, test, export and import connection profiles."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from modelyard.cli.app import cli
from modelyard.cli.output import _echo, _echo_exact, _fail, _reported, _table
from modelyard.core.kinds import KINDS, SIGN_IN_FIELDS, AnySettings, FormField
from modelyard.core.kinds.base import Kind, SignIn
from modelyard.core.model.errors import ProfileError
from modelyard.core.profiles.profile import (
    PROTECTIONS,
    Profile,
    ProfileStore,
    secret_fields,
    validation_message,
)
from modelyard.core.profiles.secrets import SECRET_FIELDS, SecretField, SecretStore
from modelyard.core.profiles.stores import AzureBlobStore, GcsStore, S3Store


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


def _option(key: str) -> str:
    return "--" + key.replace("_", "-")


def kind_fields() -> dict[str, tuple[FormField, tuple[str, ...]]]:
    """Every field some kind asks for — its connection form, then its sign-ins' fields — with
    the kinds that ask for it, in the order of KINDS: the CLI's options, generated, so a new
    kind's fields reach ``profiles add`` with nothing written here."""
    found: dict[str, tuple[FormField, list[str]]] = {}
    for kind in KINDS.values():
        signing = [SIGN_IN_FIELDS[k] for s in kind.sign_ins for k in sorted(s.fields)]
        for field in (*kind.connection, *signing):
            shown, kinds = found.setdefault(field.key, (field, []))
            if (shown.check, bool(shown.browse), shown.choices) != (
                field.check,
                bool(field.browse),
                field.choices,
            ):
                raise TypeError(f"kinds give the field {field.key!r} two shapes")
            if kind.name not in kinds:
                kinds.append(kind.name)
    return {key: (field, tuple(kinds)) for key, (field, kinds) in found.items()}


def _kind_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``profiles add``'s kind options, from ``kind_fields`` and the kinds' sign-ins."""
    options: list[Callable[[Callable[..., Any]], Callable[..., Any]]] = []
    for key, (field, kinds) in kind_fields().items():
        who = "/".join(kinds)
        if key in SECRET_FIELDS:
            text = f"{who}: read the {field.label.lower()} from stdin."
            options.append(click.option(_option(key) + "-stdin", is_flag=True, help=text))
        elif field.check:
            options.append(click.option(_option(key), is_flag=True, help=f"{who}: {field.label}."))
        else:
            hint = f" — {field.placeholder}" if field.placeholder else ""
            kind_type: click.ParamType[Any] | None = None
            if field.choices:
                kind_type = click.Choice([value for value, _ in field.choices])
            elif field.browse:
                kind_type = click.Path(dir_okay=False)
            text = f"{who}: {field.label}{hint}."
            options.append(click.option(_option(key), type=kind_type, help=text))
    by_ways: dict[str, list[str]] = {}  # kinds with the same sign-ins are named together
    for kind in KINDS.values():
        if kind.sign_ins:
            by_ways.setdefault(", ".join(s.key for s in kind.sign_ins), []).append(kind.name)
    ways = "; ".join(f"{'/'.join(kinds)}: {keys}" for keys, kinds in by_ways.items())
    options.append(click.option("--auth", help=f"How to sign in — {ways}."))
    for option in reversed(options):
        command = option(command)
    return command


@profiles.command("add")
@click.option("--name", required=True, help="A name for people, e.g. prod-registry.")
@click.option("--kind", type=click.Choice(list(KINDS)), required=True)
@_kind_options
@click.option(
    "--s3-endpoint-url",
    help="mlflow: the S3-compatible store (MinIO…) where the server keeps the files it does not "
    "serve itself (--no-serve-artifacts with an s3:// root).",
)
@click.option("--s3-region", help="mlflow: that S3 store's region.")
@click.option("--s3-access-key-id", help="mlflow: the access key for that S3 store.")
@click.option(
    "--s3-secret-stdin", is_flag=True, help="mlflow: read that access key's secret from stdin."
)
@click.option(
    "--s3-session-token-stdin",
    is_flag=True,
    help="mlflow: also read a session token for that key from stdin (after the secret).",
)
@click.option("--aws-profile", help="mlflow: or an AWS profile of this machine, by name.")
@click.option(
    "--azure-account-url",
    help="mlflow: the Azure Blob endpoint of the storage account where the server keeps the "
    "files it does not serve (wasbs:// root), e.g. for an emulator or a private endpoint.",
)
@click.option("--azure-key-stdin", is_flag=True, help="mlflow: read that account's key from stdin.")
@click.option("--azure-sas-stdin", is_flag=True, help="mlflow: or a SAS token, from stdin.")
@click.option(
    "--azure-connection-string-stdin", is_flag=True, help="mlflow: or a connection string."
)
@click.option(
    "--azure-client-secret-stdin",
    is_flag=True,
    help="mlflow: or sign in to that store as a Microsoft Entra service principal "
    "(--azure-tenant-id, --azure-client-id), its client secret from stdin.",
)
@click.option(
    "--azure-cli", is_flag=True, help="mlflow: or with this machine's Azure CLI sign-in (az login)."
)
@click.option("--azure-tenant-id", help="mlflow: the Microsoft Entra tenant of that sign-in.")
@click.option("--azure-client-id", help="mlflow: the service principal's client id.")
@click.option(
    "--azure-authority-host",
    help="mlflow: the Microsoft Entra sign-in authority to use (sovereign or private clouds).",
)
@click.option(
    "--gcs-endpoint-url",
    help="mlflow: the GCS JSON API endpoint where the server keeps the files it does not serve "
    "(gs:// root), for an emulator or a private endpoint (default Google's).",
)
@click.option(
    "--gcs-key-file",
    type=click.Path(dir_okay=False),
    help="mlflow: a service-account key file (JSON) for that GCS store (default: this "
    "machine's application default credentials).",
)
@click.option(
    "--gcs-anonymous", is_flag=True, help="mlflow: reach that GCS store with no credentials."
)
@click.option("--label", help="An environment label such as dev, staging or prod.")
@click.option("--color", help="A colour for the tree, e.g. #d9534f.")
@click.option(
    "--protection",
    type=click.Choice(PROTECTIONS),
    help="none, confirm (each write needs the model's name typed) or read-only (no write is "
    "sent); default: confirm for a profile labelled prod, else none (see `profiles edit`).",
)
@click.option(
    "--protect-alias", "protect", multiple=True, metavar="ALIAS", help="A protected alias."
)
@click.option(
    "--timeout",
    type=click.FloatRange(0.5, 600),
    help="Seconds to wait for the registry's answer (default 8; connecting: 4).",
)
def profiles_add(
    name: str,
    kind: str,
    label: str | None,
    color: str | None,
    protection: str | None,
    protect: tuple[str, ...],
    timeout: float | None,
    **o: Any,
) -> None:
    """Add a profile (secrets are read from stdin and go to the OS keyring)."""
    with _reported():
        settings = _settings_from_options(kind, o)
        # One line of stdin per secret, in this order: password or token, S3 secret, S3 token.
        typed: dict[SecretField, str] = {}
        for field in secret_fields(settings):
            option = STDIN_OPTION.get(field, field.replace("_", "-"))
            if field == "azure_storage_secret":
                option = next(k for k in AZURE_STDIN if o[k]).removesuffix("_stdin")
                option = option.replace("_", "-")
            typed[field] = _read_secret_stdin(option)
        from modelyard.core.profiles.profile_service import save_profile

        store = ProfileStore()
        if store.find(name) is not None:
            _fail(f"a profile named {name!r} exists already")
        profile = Profile(name=name, settings=settings, label=label, color=color)
        aliases = tuple(dict.fromkeys(a.strip().lstrip("@") for a in protect if a.strip()))
        profile = profile.model_copy(
            update={"protection": protection, "protected_aliases": aliases}
        )
        if timeout is not None:
            profile = profile.model_copy(update={"read_timeout_s": timeout})
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


S3_OPTIONS = (
    "s3_endpoint_url",
    "s3_region",
    "s3_access_key_id",
    "s3_secret_stdin",
    "s3_session_token_stdin",
    "aws_profile",
)
AZURE_OPTIONS = (
    "azure_account_url",
    "azure_key_stdin",
    "azure_sas_stdin",
    "azure_connection_string_stdin",
    "azure_client_secret_stdin",
    "azure_cli",
    "azure_tenant_id",
    "azure_client_id",
    "azure_authority_host",
)
GCS_OPTIONS = ("gcs_endpoint_url", "gcs_key_file", "gcs_anonymous")
STDIN_OPTION = {"s3_secret": "s3-secret", "s3_session_token": "s3-session-token"}
AZURE_STDIN = {
    "azure_key_stdin": "key",
    "azure_sas_stdin": "sas",
    "azure_connection_string_stdin": "connection-string",
    "azure_client_secret_stdin": "service-principal",
}


def _store(o: dict[str, Any]) -> S3Store | AzureBlobStore | GcsStore | None:
    """The profile's own artifact store from the --s3-*, --azure-* or --gcs-* options (None:
    none)."""
    s3, azure = any(o[k] for k in S3_OPTIONS), any(o[k] for k in AZURE_OPTIONS)
    gcs = any(o[k] for k in GCS_OPTIONS)
    if s3 + azure + gcs > 1:
        _fail("give the options of one artifact store: --s3-…, --azure-… or --gcs-…")
    if gcs:
        if o["gcs_key_file"] and o["gcs_anonymous"]:
            _fail("give --gcs-key-file or --gcs-anonymous, not both")
        key_file = o["gcs_key_file"]
        return GcsStore(
            endpoint_url=o["gcs_endpoint_url"],
            key_file=str(Path(key_file).expanduser().resolve()) if key_file else None,
            anonymous=bool(o["gcs_anonymous"]),
        )
    if azure:
        chosen = [auth for option, auth in AZURE_STDIN.items() if o[option]]
        chosen += ["azure-cli"] if o["azure_cli"] else []
        if len(chosen) != 1:
            _fail(
                "an Azure Blob store needs exactly one of --azure-key-stdin, --azure-sas-stdin, "
                "--azure-connection-string-stdin, --azure-client-secret-stdin and --azure-cli "
                "(secrets are never taken as arguments)"
            )
        return AzureBlobStore.model_validate(
            {
                "account_url": o["azure_account_url"],
                "auth": chosen[0],
                "tenant_id": o["azure_tenant_id"],
                "client_id": o["azure_client_id"],
                "authority_host": o["azure_authority_host"],
            }
        )
    return _s3_store(o) if s3 else None


def _s3_store(o: dict[str, Any]) -> S3Store:
    """The profile's own S3 store from the --s3-* options."""
    if o["s3_access_key_id"] and not o["s3_secret_stdin"]:
        _fail("--s3-access-key-id needs --s3-secret-stdin (secrets are never taken as arguments)")
    if o["s3_secret_stdin"] and not o["s3_access_key_id"]:
        _fail("--s3-secret-stdin needs --s3-access-key-id")
    return S3Store(
        endpoint_url=o["s3_endpoint_url"],
        region=o["s3_region"],
        access_key_id=o["s3_access_key_id"],
        session_token=bool(o["s3_session_token_stdin"]),
        aws_profile=o["aws_profile"],
    )


def _sign_in(kind: Kind[Any], o: dict[str, Any]) -> SignIn | None:
    """The sign-in the options choose: --auth, else the one its options imply (--password-
    stdin: basic), else the kind's default."""
    if not kind.sign_ins:
        return None
    by_key = {s.key: s for s in kind.sign_ins}
    if o["auth"]:
        if o["auth"] not in by_key:
            _fail(f"--auth for {kind.title} is one of: {', '.join(by_key)}")
        return by_key[o["auth"]]
    implied = [s for s in kind.sign_ins if s.implied_by and all(o[k] for k in s.implied_by)]
    if len(implied) > 1:
        given = " or ".join(_option(k) for s in implied for k in s.implied_by)
        _fail(f"give either {given}, not both")
    return implied[0] if implied else by_key.get(str(kind.default_auth))


def _settings_from_options(name: str, o: dict[str, Any]) -> AnySettings:
    """Profile settings (validated) from CLI options: the kind says which options it takes,
    which it needs and how its sign-ins are chosen."""
    kind = KINDS[name]
    keys = {f.key for f in kind.connection}
    signing = set().union(*(s.fields for s in kind.sign_ins))
    secrets = {f for f in signing if f in SECRET_FIELDS}
    allowed = keys | (signing - secrets) | {f"{f}_stdin" for f in secrets}
    allowed |= {"auth"} if kind.sign_ins else set()
    allowed |= {*S3_OPTIONS, *GCS_OPTIONS, *AZURE_OPTIONS} if kind.artifact_stores else set()
    _only(name, o, allowed)
    if not any(o[f.key] for f in kind.connection if f.fills):
        missing = [_option(f.key) for f in kind.connection if f.required and not o[f.key]]
        if missing:
            fills = [_option(f.key) for f in kind.connection if f.fills]
            _fail(f"--kind {name} needs " + ", or ".join([*fills, ", ".join(missing)]))
    sign_in = _sign_in(kind, o)
    for key in sorted(signing - secrets):
        if o[key] and (sign_in is None or key not in sign_in.fields):
            users = " or ".join(
                f"--auth {s.key}" + "".join(f" ({_option(k)})" for k in s.implied_by)
                for s in kind.sign_ins
                if key in s.fields
            )
            _fail(f"{_option(key)} goes with {users}")
    for secret in sorted(secrets & (sign_in.fields if sign_in else frozenset())):
        if not o[f"{secret}_stdin"]:
            how = f"--auth {sign_in.key}" if sign_in else ""
            _fail(f"{how} needs {_option(secret)}-stdin (secrets are never taken as arguments)")
    values: dict[str, Any] = {k: o[k] for k in keys | (signing - secrets)}
    values["auth"] = sign_in.key if sign_in else None
    if kind.artifact_stores:
        values["store"] = _store(o)
    try:
        settings: AnySettings = kind.settings_from(values)
    except ValidationError as exc:
        raise ProfileError(validation_message(exc)) from None
    except ValueError as exc:
        raise ProfileError(str(exc)) from None
    return settings


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
        rows = [
            [p.name, p.kind, p.settings.describe(), p.label or "", p.protection_level]
            for p in items
        ]
        _echo(_table(rows, ["NAME", "KIND", "WHERE", "LABEL", "PROTECTION"]))


@profiles.command("remove")
@click.argument("name")
def profiles_remove(name: str) -> None:
    """Remove a profile and its secrets from the keyring."""
    with _reported():
        from modelyard.core.profiles.profile_service import remove_profile

        store = ProfileStore()
        profile = remove_profile(store, SecretStore(), name)
        _notes(store)
        _echo(f"Removed profile {profile.name!r}.")


@profiles.command("test")
@click.argument("name")
def profiles_test(name: str) -> None:
    """Connect for real and list one page; explain any failure (exit 1 on failure)."""
    from modelyard.core.reads.diagnose import test_connection

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
    from modelyard.core.profiles.importers import export_profiles

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
    from modelyard.core.profiles.importers import (
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
