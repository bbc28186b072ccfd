"""Find the registries a user already has configured, and import/export profiles as JSON.

Sources: the MLFLOW_TRACKING_* environment variables, ``~/.mlflow/credentials`` (MLflow's own
username/password file), and the profiles of ``~/.databrickscfg``. Secrets found in the
environment or in ~/.mlflow/credentials are offered for the keyring; Databricks profiles are
imported as references to their ~/.databrickscfg entry (the SDK reads that file itself).
Exports hold no secrets.
"""

from __future__ import annotations

import configparser
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from pydantic import ValidationError

from modelyard.core.kinds import AzureMLSettings, DatabricksSettings, MlflowServerSettings
from modelyard.core.model.errors import ProfileError
from modelyard.core.profiles.databrickscfg import read_config
from modelyard.core.profiles.profile import Profile, ProfileStore, validation_message
from modelyard.core.profiles.secrets import SecretField, SecretStore
from modelyard.core.runtime.text import redact_url

EXPORT_FORMAT = "modelyard-profiles"
TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Candidate:
    """A profile found on this machine, with where it came from and the secrets that go with it."""

    source: str
    profile: Profile
    secrets: Mapping[SecretField, str] = field(default_factory=dict, repr=False)


@dataclass
class Discovery:
    """What :func:`discover` found, and what it could not use (in words)."""

    candidates: list[Candidate] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _mlflow_credentials_file(home: Path) -> tuple[str | None, str | None]:
    path = home / ".mlflow" / "credentials"
    if not path.is_file():
        return None, None
    parser = configparser.ConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error:
        return None, None
    section = parser["mlflow"] if parser.has_section("mlflow") else None
    if section is None:
        return None, None
    return section.get("mlflow_tracking_username"), section.get("mlflow_tracking_password")


def _split_credentials(uri: str) -> tuple[str | None, str | None, str]:
    """(user, password, URL without them) for ``http://user:pw@host``: MLflow accepts such
    URLs, Modelyard keeps the password in the keyring and the URL clean."""
    parts = urlsplit(uri)
    if parts.username is None and parts.password is None:
        return None, None, uri
    host = parts.netloc.rpartition("@")[2]
    clean = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    return user, password, clean


def _from_environment(environ: Mapping[str, str], home: Path, found: Discovery) -> None:
    uri = environ.get("MLFLOW_TRACKING_URI", "").strip()
    file_user, file_password = _mlflow_credentials_file(home)
    if not uri:
        if file_user:
            found.notes.append(
                "~/.mlflow/credentials has a username, but MLFLOW_TRACKING_URI is not set, so "
                "the server it belongs to is unknown: add the profile by hand."
            )
        return
    if uri == "databricks" or uri.startswith("databricks://"):
        name = uri.removeprefix("databricks://") or "DEFAULT"
        dbx = DatabricksSettings(auth="config-profile", config_profile=name)
        found.candidates.append(
            Candidate(
                "MLFLOW_TRACKING_URI", Profile(name=f"databricks-{name.lower()}", settings=dbx)
            )
        )
        return
    if uri.startswith("azureml://"):
        try:
            azure = AzureMLSettings.from_tracking_uri(uri)
        except ValueError as exc:
            found.notes.append(f"MLFLOW_TRACKING_URI: {exc}")
            return
        found.candidates.append(
            Candidate(
                "MLFLOW_TRACKING_URI", Profile(name=f"azureml-{azure.workspace}", settings=azure)
            )
        )
        return
    if not uri.startswith(("http://", "https://")):
        found.notes.append(
            f"MLFLOW_TRACKING_URI is {redact_url(uri)!r}: a local store, not a server (add it "
            "as a local registry if it is a sqlite file)."
        )
        return
    url_user, url_password, uri = _split_credentials(uri)
    username = url_user or environ.get("MLFLOW_TRACKING_USERNAME") or file_user
    password = (
        url_password
        or environ.get("MLFLOW_TRACKING_PASSWORD")
        or (file_password if username == file_user else None)
    )
    token = environ.get("MLFLOW_TRACKING_TOKEN")
    secrets: dict[SecretField, str] = {}
    auth = "none"
    if username and password:
        auth, secrets = "basic", {"password": password}
    elif token:
        auth, secrets = "token", {"token": token}
    source = "environment (MLFLOW_TRACKING_*)"
    if url_user:
        source = "MLFLOW_TRACKING_URI (credentials taken out of the URL)"
    elif auth == "basic" and not environ.get("MLFLOW_TRACKING_PASSWORD"):
        source += " + ~/.mlflow/credentials"
    try:
        settings = MlflowServerSettings(
            url=uri,
            auth=auth,  # type: ignore[arg-type]
            username=username if auth == "basic" else None,
            insecure_tls=environ.get("MLFLOW_TRACKING_INSECURE_TLS", "").lower() in TRUE,
            ca_bundle=environ.get("MLFLOW_TRACKING_SERVER_CERT_PATH") or None,
            client_cert=environ.get("MLFLOW_TRACKING_CLIENT_CERT_PATH") or None,
        )
    except ValidationError as exc:
        found.notes.append(f"MLFLOW_TRACKING_URI {redact_url(uri)!r}: {validation_message(exc)}")
        return
    host = (settings.url.split("://", 1)[1].split("/", 1)[0]).split(":")[0]
    found.candidates.append(
        Candidate(source, Profile(name=f"mlflow-{host}", settings=settings), secrets)
    )


def _from_databrickscfg(environ: Mapping[str, str], home: Path, found: Discovery) -> None:
    config = read_config(environ, home)
    if not config.exists:
        return
    if config.problem:
        found.notes.append(f"{config.path} could not be read: {config.problem}")
        return
    for entry in config.workspaces():  # account consoles have no model registry
        try:
            settings = DatabricksSettings(
                host=entry.host, auth="config-profile", config_profile=entry.name
            )
        except ValidationError as exc:
            found.notes.append(f"{config.path} [{entry.name}]: {validation_message(exc)}")
            continue
        found.candidates.append(
            Candidate(
                f"~/.databrickscfg [{entry.name}]",
                Profile(name=f"databricks-{entry.name.lower()}", settings=settings),
            )
        )


def discover(environ: Mapping[str, str] | None = None, home: Path | None = None) -> Discovery:
    """Everything importable on this machine (nothing is saved)."""
    environ = os.environ if environ is None else environ
    home = Path.home() if home is None else home
    found = Discovery()
    _from_environment(environ, home, found)
    _from_databrickscfg(environ, home, found)
    return found


def free_name(store: ProfileStore, wanted: str) -> str:
    """``wanted``, or ``wanted-2``, ``wanted-3`` … whichever is not taken."""
    taken = {p.name for p in store.list()}
    name, n = wanted, 2
    while name in taken:
        name, n = f"{wanted}-{n}", n + 1
    return name


def save_candidate(store: ProfileStore, secrets: SecretStore, candidate: Candidate) -> Profile:
    """Add a found profile (under a free name) and put its secrets in the keyring first."""
    from modelyard.core.profiles.profile_service import save_profile

    profile = candidate.profile.model_copy(
        update={"name": free_name(store, candidate.profile.name)}
    )
    return save_profile(store, secrets, profile, candidate.secrets)


def already_known(store: ProfileStore, candidate: Candidate) -> Profile | None:
    """An existing profile with the same settings, if any."""
    for profile in store.list():
        if profile.settings == candidate.profile.settings:
            return profile
    return None


def export_profiles(profiles: list[Profile]) -> str:
    """Profiles as JSON for sharing: settings, names, colours, labels — never secrets."""
    return json.dumps(
        {
            "format": EXPORT_FORMAT,
            "schema_version": 1,
            "profiles": [p.model_dump(mode="json", exclude_none=True) for p in profiles],
        },
        indent=2,
    )


def read_export(text: str) -> list[Profile]:
    """Profiles from an export (new ids, so importing twice never clashes with the original)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProfileError(f"The file is not JSON (line {exc.lineno}).") from None
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        raise ProfileError("The file is not a Modelyard profile export.")
    out = []
    for raw in data.get("profiles", []):
        if not isinstance(raw, dict):
            raise ProfileError("The export has an entry that is not a profile.")
        fields = {k: v for k, v in raw.items() if k != "id"}
        try:
            out.append(Profile.model_validate(fields))
        except ValidationError as exc:
            raise ProfileError(
                f"Profile {fields.get('name')!r} in the export is invalid: "
                + validation_message(exc)
            ) from None
    return out
