"""Connection profiles: the non-secret half of how to reach a registry.

Profiles live in one versioned JSON file under the user config dir, written atomically.
Secrets (passwords, tokens) are never part of a profile: they sit in the OS keyring, keyed by
the profile's uuid (see :mod:`modelyard.core.secrets`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, NamedTuple
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from modelyard.core.errors import ProfileError
from modelyard.core.http import Timeouts
from modelyard.core.paths import config_dir
from modelyard.core.stores import ArtifactStore, AzureBlobStore, S3Store
from modelyard.core.text import redact_url

if TYPE_CHECKING:
    from modelyard.core.secrets import SecretField

SCHEMA_VERSION = 1
_ID_NAMESPACE = uuid.UUID("5b0c7f7e-2f6a-4d1c-9a43-6d6f64656c79")  # ids for entries without one
PROFILE_FILE = "profiles.json"
MAX_PROFILE_FILE = 16 * 1024 * 1024  # far beyond thousands of profiles: larger is not one

AuthKind = Literal["none", "basic", "token"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MlflowServerSettings(_Frozen):
    """An MLflow tracking server reached over HTTP(S)."""

    kind: Literal["mlflow"] = "mlflow"
    url: str
    auth: AuthKind = "none"
    username: str | None = None
    insecure_tls: bool = False
    ca_bundle: str | None = None
    client_cert: str | None = None
    # Where the client reaches the files itself when the server does not serve them
    # (``--no-serve-artifacts``); None: as the server says (proxied, or the machine's own
    # credentials for the storage).
    store: ArtifactStore | None = None

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        return normalise_url(value)

    @field_validator("ca_bundle", "client_cert")
    @classmethod
    def _check_file(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or value == "":
            return None
        if isinstance(info.context, dict) and info.context.get("from_file"):
            return value  # checked when entered and when connecting, not when loading
        path = Path(value).expanduser()
        if not path.is_file():
            raise ValueError(f"no such file: {path}")
        return str(path.resolve())

    @model_validator(mode="after")
    def _check_combination(self) -> MlflowServerSettings:
        if self.auth == "basic" and not self.username:
            raise ValueError("enter the username to sign in with (it needs a username)")
        if self.insecure_tls and self.ca_bundle:
            raise ValueError("choose either a CA bundle or insecure TLS, not both")
        return self

    def describe(self) -> str:
        """Where this profile points, for people."""
        return self.url


class LocalSettings(_Frozen):
    """A registry kept in a local sqlite file (artifacts in a folder beside it)."""

    kind: Literal["local"] = "local"
    path: str
    artifacts: str | None = None

    @field_validator("path")
    @classmethod
    def _check_path(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("enter the registry file, e.g. ~/models/registry.db")
        return str(Path(value).expanduser().resolve())

    @property
    def artifact_dir(self) -> Path:
        """Folder of the artifacts of runs created through this registry."""
        if self.artifacts:
            return Path(self.artifacts)
        db = Path(self.path)
        return db.with_name(db.stem + "-artifacts")

    def describe(self) -> str:
        """Where this profile points, for people."""
        return self.path


DatabricksAuth = Literal["pat", "oauth-m2m", "oauth-u2m", "azure-cli", "config-profile"]
DATABRICKS_AUTH_LABELS: dict[str, str] = {
    "pat": "Personal access token",
    "oauth-m2m": "OAuth machine-to-machine (service principal client id + secret)",
    "oauth-u2m": "OAuth user-to-machine (log in with the browser)",
    "azure-cli": "Azure CLI (az login)",
    "config-profile": "A profile from ~/.databrickscfg",
}


def normalise_databricks_host(value: str) -> str:
    """A workspace URL: https://… without a path; a bare host name gets https://."""
    value = value.strip()
    if value and "://" not in value:
        value = "https://" + value
    value = normalise_url(value)
    parts = urlsplit(value)
    if parts.path not in ("", "/"):
        raise ValueError(
            "the workspace URL is the address without a path, e.g. "
            "https://adb-1234567890123456.7.azuredatabricks.net"
        )
    return f"{parts.scheme}://{parts.netloc}"


class DatabricksSettings(_Frozen):
    """The workspace model registry of a Databricks workspace (stages, transition requests)."""

    kind: Literal["databricks"] = "databricks"
    host: str | None = None  # may come from the ~/.databrickscfg profile
    auth: DatabricksAuth = "pat"
    client_id: str | None = None  # oauth-m2m
    config_profile: str | None = None  # config-profile

    @field_validator("host")
    @classmethod
    def _check_host(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        return normalise_databricks_host(value)

    @model_validator(mode="after")
    def _check_combination(self) -> DatabricksSettings:
        if self.auth == "config-profile":
            if not self.config_profile:
                raise ValueError("name the ~/.databrickscfg profile to use")
        elif not self.host:
            raise ValueError("the workspace URL is needed")
        if self.auth == "oauth-m2m" and not self.client_id:
            raise ValueError("OAuth machine-to-machine needs the service principal's client id")
        return self

    def describe(self) -> str:
        """Where this profile points, for people."""
        if self.auth == "config-profile" and not self.host:
            return f"~/.databrickscfg [{self.config_profile}]"
        return str(self.host)


class DatabricksUCSettings(DatabricksSettings):
    """Models in Unity Catalog (catalog.schema.model; aliases, no stages)."""

    kind: Literal["databricks-uc"] = "databricks-uc"  # type: ignore[assignment]
    default_catalog: str | None = None
    default_schema: str | None = None

    @field_validator("default_catalog", "default_schema")
    @classmethod
    def _check_part(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if "." in value or "/" in value or " " in value:
            raise ValueError(f"{value!r} is not a catalog or schema name (no dots or spaces)")
        return value

    @model_validator(mode="after")
    def _check_scope(self) -> DatabricksUCSettings:
        if self.default_schema and not self.default_catalog:
            raise ValueError("a default schema needs a default catalog")
        return self

    def describe(self) -> str:
        """Where this profile points, for people."""
        scope = ".".join(p for p in (self.default_catalog, self.default_schema) if p)
        return super().describe() + (f" ({scope})" if scope else "")


AzureAuth = Literal["service-principal", "azure-cli", "browser", "default"]
AZURE_AUTH_LABELS: dict[str, str] = {
    "service-principal": "Service principal (tenant, client id, client secret)",
    "azure-cli": "Azure CLI (az login)",
    "browser": "Log in with the browser",
    "default": "DefaultAzureCredential (environment, managed identity, CLI …)",
}


class AzureCloud(NamedTuple):
    """One Azure cloud: its Microsoft Entra sign-in authority, the AzureML API host suffix
    (``<region>.<suffix>``) and the token scope of its resource manager."""

    label: str
    authority: str
    api_suffix: str
    scope: str


AzureCloudName = Literal["public", "usgov", "china"]
AZURE_CLOUDS: dict[str, AzureCloud] = {
    "public": AzureCloud(
        "Azure (public)",
        "login.microsoftonline.com",
        "api.azureml.ms",
        "https://management.azure.com/.default",
    ),
    "usgov": AzureCloud(
        "Azure Government",
        "login.microsoftonline.us",
        "api.ml.azure.us",
        "https://management.usgovcloudapi.net/.default",
    ),
    "china": AzureCloud(
        "Azure China (21Vianet)",
        "login.chinacloudapi.cn",
        "api.ml.azure.cn",
        "https://management.chinacloudapi.cn/.default",
    ),
}
AZURE_API_PATH = (
    "mlflow/v2.0/subscriptions/{subscription}/resourceGroups/{group}"
    "/providers/Microsoft.MachineLearningServices/workspaces/{workspace}"
)
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_AZURE_URI = re.compile(
    r"^(?:azureml|https)://(?P<host>[^/]+)/mlflow/v\d\.\d/subscriptions/(?P<sub>[^/]+)"
    r"/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.MachineLearningServices"
    r"/workspaces/(?P<ws>[^/?#]+)/?$",
    re.IGNORECASE,
)


class AzureMLSettings(_Frozen):
    """An Azure Machine Learning workspace's MLflow-compatible registry."""

    kind: Literal["azureml"] = "azureml"
    subscription_id: str
    resource_group: str
    workspace: str
    region: str  # e.g. westeurope; the API host is <region>.api.azureml.ms
    cloud: AzureCloudName = "public"  # sets the default sign-in authority, API host and scope
    api_host: str | None = None  # overrides <region>.<cloud's API suffix> (e.g. private link)
    auth: AzureAuth = "default"
    tenant_id: str | None = None
    client_id: str | None = None
    authority_host: str | None = None  # e.g. login.microsoftonline.us for sovereign clouds

    @field_validator("subscription_id", "tenant_id")
    @classmethod
    def _check_guid(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not _GUID.match(value):
            raise ValueError(f"{value!r} is not an id like 00000000-0000-0000-0000-000000000000")
        return value.lower()

    @field_validator("resource_group", "workspace", "region")
    @classmethod
    def _check_word(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("this field is empty")
        if "/" in value or " " in value:
            raise ValueError(f"{value!r} must not contain slashes or spaces")
        return value

    @model_validator(mode="after")
    def _check_combination(self) -> AzureMLSettings:
        if self.auth == "service-principal" and not (self.tenant_id and self.client_id):
            raise ValueError("a service principal needs the tenant id and the client id")
        return self

    @classmethod
    def from_tracking_uri(cls, uri: str, **extra: object) -> AzureMLSettings:
        """Settings from the workspace's MLflow tracking URI (azureml://… as the portal shows)."""
        match = _AZURE_URI.match(uri.strip())
        if not match:
            raise ValueError(
                "this is not an AzureML MLflow tracking URI (azureml://<region>.api.azureml.ms/"
                "mlflow/v1.0/subscriptions/…/resourceGroups/…/providers/"
                "Microsoft.MachineLearningServices/workspaces/…)"
            )
        host = match["host"]
        region, _, suffix = host.lower().partition(".")
        cloud = next((n for n, c in AZURE_CLOUDS.items() if c.api_suffix == suffix), None)
        values: dict[str, object] = {
            "subscription_id": match["sub"],
            "resource_group": match["rg"],
            "workspace": match["ws"],
            "region": region,
            "api_host": None if cloud else host,
            **extra,
        }
        if cloud:
            values["cloud"] = cloud
        return cls.model_validate(values)

    @property
    def base_url(self) -> str:
        """The URL MLflow's REST paths (/api/2.0/mlflow/…) are appended to."""
        host = self.api_host or f"{self.region}.{AZURE_CLOUDS[self.cloud].api_suffix}"
        scheme = "" if "://" in host else "https://"
        path = AZURE_API_PATH.format(
            subscription=self.subscription_id, group=self.resource_group, workspace=self.workspace
        )
        return f"{scheme}{host}/{path}"

    @property
    def authority(self) -> str:
        """The Microsoft Entra sign-in authority host (explicit, or the cloud's)."""
        return self.authority_host or AZURE_CLOUDS[self.cloud].authority

    @property
    def token_scope(self) -> str:
        """The scope tokens for the workspace's API are asked with (the cloud's manager)."""
        return AZURE_CLOUDS[self.cloud].scope

    def describe(self) -> str:
        """Where this profile points, for people."""
        cloud = "" if self.cloud == "public" else f", {AZURE_CLOUDS[self.cloud].label}"
        return f"{self.workspace} ({self.resource_group}, {self.region}{cloud})"


Settings = Annotated[
    MlflowServerSettings
    | LocalSettings
    | DatabricksSettings
    | DatabricksUCSettings
    | AzureMLSettings,
    Field(discriminator="kind"),
]
AnySettings = (
    MlflowServerSettings
    | LocalSettings
    | DatabricksSettings
    | DatabricksUCSettings
    | AzureMLSettings
)
KIND_LABELS: dict[str, str] = {
    "mlflow": "An MLflow tracking server you run (self-hosted, http or https).",
    "databricks": "The workspace model registry of Databricks (stages, transition requests).",
    "databricks-uc": "Models in Databricks Unity Catalog (catalog.schema.model, aliases).",
    "azureml": "An Azure Machine Learning workspace (MLflow-compatible registry).",
    "local": "A registry in a local sqlite file (no server, e.g. for experiments).",
}


def secret_fields(settings: AnySettings) -> tuple[SecretField, ...]:
    """Which secrets this profile keeps in the keyring."""
    if isinstance(settings, MlflowServerSettings):
        by_auth: dict[str, tuple[SecretField, ...]] = {"basic": ("password",), "token": ("token",)}
        store = settings.store
        kept: tuple[SecretField, ...] = ()
        if isinstance(store, AzureBlobStore):
            kept = ("azure_storage_secret",) if store.keeps_secret else ()
        elif isinstance(store, S3Store) and store.access_key_id:
            kept = ("s3_secret", "s3_session_token") if store.session_token else ("s3_secret",)
        return by_auth.get(settings.auth, ()) + kept
    if isinstance(settings, DatabricksSettings):
        by_auth = {"pat": ("token",), "oauth-m2m": ("client_secret",)}
        return by_auth.get(settings.auth, ())
    if isinstance(settings, AzureMLSettings):
        return ("client_secret",) if settings.auth == "service-principal" else ()
    return ()


class Profile(_Frozen):
    """A named way to reach one registry. Identified by ``id``; ``name`` is for people."""

    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    name: str
    settings: Settings
    color: str | None = None
    label: str | None = None  # dev / staging / prod
    record_history: bool = True  # write promotion events into the registry (modelyard.* tags)
    # How long an API call waits to connect and for the first byte of a read's answer, and how
    # long a write's answer is waited for (visibly, past the first-byte limit), in seconds.
    connect_timeout_s: float = Field(default=4.0, ge=0.5, le=120)
    read_timeout_s: float = Field(default=8.0, ge=0.5, le=600)
    write_timeout_s: float = Field(default=120.0, ge=1.0, le=3600)

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("the profile name is empty")
        if len(value) > 80:
            raise ValueError("the profile name is longer than 80 characters")
        return value

    @property
    def kind(self) -> str:
        """The registry kind: mlflow, local, …"""
        return self.settings.kind

    @property
    def has_stages(self) -> bool:
        """Whether the registry has stages (Unity Catalog has aliases only)."""
        return not isinstance(self.settings, DatabricksUCSettings)

    @property
    def has_aliases(self) -> bool:
        """Whether the registry has aliases (the Databricks workspace registry has none)."""
        return self.settings.kind != "databricks"  # Unity Catalog's kind is "databricks-uc"

    @property
    def has_requests(self) -> bool:
        """Whether the registry has transition requests (the Databricks workspace registry)."""
        return self.settings.kind == "databricks"

    @property
    def timeouts(self) -> Timeouts:
        """This profile's waits for API calls."""
        return Timeouts(
            self.connect_timeout_s,
            self.read_timeout_s,
            max(self.write_timeout_s, self.read_timeout_s),
        )


def normalise_url(value: str) -> str:
    """Check an MLflow server URL and return it without a trailing slash.

    Credentials inside the URL are refused: MLflow would echo them in error messages. No
    message here repeats a password typed into the URL.
    """
    value = value.strip()
    shown = redact_url(value)
    parts = urlsplit(value)
    if not value:
        raise ValueError("enter the server's address, e.g. https://mlflow.example.com")
    if "://" not in value:
        raise ValueError(
            f"the address must start with http:// or https:// — did you mean "
            f"http://{shown} (or https://{shown})?"
        )
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"the address must start with http:// or https:// (you typed {shown!r})")
    if parts.username or parts.password or "@" in parts.netloc:
        raise ValueError(
            "put the username and password in their own fields, not in the URL "
            "(a URL with credentials ends up in logs and error messages)"
        )
    if not parts.hostname:
        raise ValueError(f"the URL has no host name: {shown!r}")
    if parts.query or parts.fragment:
        raise ValueError("the URL must not have a query (?…) or fragment (#…)")
    try:
        _ = parts.port
    except ValueError:
        raise ValueError(f"the port in {shown!r} is not a number from 1 to 65535") from None
    return value.rstrip("/")


# Field names as the wizard and the CLI's options present them.
FIELD_WORDS = {
    "url": "Server URL",
    "path": "Registry file",
    "host": "Workspace URL",
    "subscription_id": "Subscription id",
    "tenant_id": "Tenant id",
    "resource_group": "Resource group",
    "workspace": "Workspace",
    "region": "Region",
}


def validation_message(exc: ValidationError) -> str:
    """One line per problem, without pydantic's internals."""
    lines = []
    for error in exc.errors():
        raised = (error.get("ctx") or {}).get("error")  # a validator's own ValueError
        if error.get("type") == "value_error" and raised is not None:
            msg = str(raised)
        else:
            msg = str(error.get("msg", "invalid value"))
        loc = ".".join(str(p) for p in error.get("loc", ()) if p not in ("settings",))
        for kind in ("mlflow", "local", "databricks-uc", "databricks", "azureml"):
            loc = loc.replace(f"{kind}.", "")
        loc = FIELD_WORDS.get(loc, loc)
        lines.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(lines)


class _Loaded:
    """The profile file as read: each entry raw, with its Profile when it is valid and loaded."""

    def __init__(self) -> None:
        self.entries: list[tuple[object, Profile | None]] = []
        self.problems: list[str] = []
        self.unreadable: str | None = None  # the whole file could not be read: why
        self.blocked: str | None = None  # nor written (a folder in its place, absurd size): why
        self.newer: int | None = None  # written by a newer Modelyard (schema version)

    @property
    def profiles(self) -> list[Profile]:
        return [p for _, p in self.entries if p is not None]


class ProfileStore:
    """The profile file: load, add, replace, remove; every write is atomic and keeps a backup.

    A damaged file never stops the app: valid profiles load, each invalid or duplicated one is
    named in :attr:`problems` and kept in the file as it was; a file that cannot be read at all
    (not UTF-8, not JSON) is kept aside under a new name before anything new is written.
    """

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory if directory is not None else config_dir()
        self.path = self.directory / PROFILE_FILE
        self.notes: list[str] = []  # what a write did besides its job (a file kept aside)
        self._cached: tuple[tuple[int, int, int], _Loaded] | None = None  # (stat key, read)

    def _read(self) -> _Loaded:
        """The file as read; read and validated once while it does not change (a command asks
        several times), each caller getting its own list of entries."""
        try:
            info = self.path.stat()
        except OSError:
            info = None
        key = (info.st_ino, info.st_size, info.st_mtime_ns) if info is not None else None
        if key is not None and self._cached is not None and self._cached[0] == key:
            loaded = self._cached[1]
        else:
            loaded = self._parse()
            self._cached = (key, loaded) if key is not None else None
        copy = _Loaded()
        copy.entries = list(loaded.entries)
        copy.problems = list(loaded.problems)
        copy.unreadable, copy.newer, copy.blocked = loaded.unreadable, loaded.newer, loaded.blocked
        return copy

    def _parse(self) -> _Loaded:
        loaded = _Loaded()
        try:
            size = self.path.stat().st_size
            if self.path.is_file() and size > MAX_PROFILE_FILE:
                loaded.blocked = (
                    f"it is {size / 1e6:.0f} MB, far larger than a profile file can be "
                    f"({MAX_PROFILE_FILE // 2**20} MB at most): not read"
                )
                raw = b""
            else:
                raw = self.path.read_bytes()
        except FileNotFoundError:
            return loaded
        except OSError as exc:  # a folder in its place, no permission …: named, never fatal
            loaded.blocked = f"{exc.strerror or exc}"
            raw = b""
        if loaded.blocked is not None:
            loaded.unreadable = loaded.blocked
            loaded.problems.append(
                f"The profile file {self.path} cannot be read: {loaded.blocked}. No profiles "
                "were loaded from it, and none can be saved until it is moved away or fixed."
            )
            return loaded
        try:
            # A byte that is not UTF-8 spoils only the entry it is in (kept as it was).
            data = json.loads(raw.decode("utf-8", errors="surrogateescape"))
        except json.JSONDecodeError as exc:
            loaded.unreadable = f"it is not valid JSON (line {exc.lineno})"
        else:
            if not isinstance(data, dict) or not isinstance(data.get("profiles", []), list):
                loaded.unreadable = "it does not hold a list of profiles"
        if loaded.unreadable is not None:
            loaded.problems.append(
                f"The profile file {self.path} cannot be read: {loaded.unreadable}. No profiles "
                "were loaded from it; it is kept as it is until a profile is saved (then it is "
                "kept aside under a new name)."
            )
            return loaded
        version = data.get("schema_version")
        if isinstance(version, int) and version > SCHEMA_VERSION:
            loaded.newer = version
            loaded.problems.append(
                f"The profile file {self.path} was written by a newer Modelyard (schema "
                f"{version}); this one reads schema {SCHEMA_VERSION} and will not change it."
            )
        names: set[str] = set()
        ids: set[str] = set()
        for number, entry in enumerate(data.get("profiles", []), start=1):
            label = _entry_label(number, entry)
            bad_bytes = _not_utf8(entry)
            if bad_bytes is not None:
                loaded.problems.append(
                    f"{label} has bytes that are not UTF-8 text in {bad_bytes}: not loaded "
                    "(kept in the file as it is; fix it there)"
                )
                loaded.entries.append((entry, None))
                continue
            item = entry
            if isinstance(entry, dict) and "id" not in entry and isinstance(entry.get("name"), str):
                # A hand-written entry without an id: one derived from its name keeps it (and
                # its keyring secrets) the same from one read to the next; saved on next write.
                item = {**entry, "id": str(uuid.uuid5(_ID_NAMESPACE, entry["name"]))}
            try:
                profile = Profile.model_validate(item, context={"from_file": True})
            except ValidationError as exc:
                loaded.problems.append(f"{label} is invalid: {validation_message(exc)}")
                loaded.entries.append((item, None))
                continue
            if profile.name in names:
                loaded.problems.append(f"{label} has the name of an earlier profile: not loaded")
                loaded.entries.append((item, None))
            elif profile.id in ids:
                loaded.problems.append(f"{label} has the id of an earlier profile: not loaded")
                loaded.entries.append((item, None))
            else:
                names.add(profile.name)
                ids.add(profile.id)
                loaded.entries.append((item, profile))
        return loaded

    def load(self) -> tuple[list[Profile], list[str]]:
        """The valid profiles and the problems of the file, from one read."""
        loaded = self._read()
        return loaded.profiles, loaded.problems

    @property
    def problems(self) -> list[str]:
        """What is wrong with the profile file, one sentence each (empty when all is well)."""
        return self._read().problems

    def check_writable(self) -> None:
        """Raise ProfileError now if the profile file could not be written."""
        loaded = self._read()
        if loaded.newer is not None:
            raise ProfileError(loaded.problems[0])
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".profiles-check-", dir=self.directory)
        except OSError as exc:
            raise ProfileError(
                f"The profile folder {self.directory} is not writable: {exc.strerror}"
            ) from None
        os.close(fd)
        Path(tmp).unlink(missing_ok=True)

    def _write(self, loaded: _Loaded) -> None:
        if loaded.newer is not None or loaded.blocked is not None:
            raise ProfileError(loaded.problems[0])
        self._cached = None
        self.directory.mkdir(parents=True, exist_ok=True)
        if loaded.unreadable is not None and self.path.exists():
            stamp = time.strftime("%Y%m%d-%H%M%S")
            aside = self.path.with_name(f"{PROFILE_FILE}.unreadable-{stamp}")
            os.replace(self.path, aside)
            self.notes.append(f"The unreadable profile file was kept as {aside}.")
        elif self.path.exists():
            shutil.copy2(self.path, self.path.with_name(PROFILE_FILE + ".bak"))
        items = [
            profile.model_dump(mode="json", exclude_none=True) if profile is not None else raw
            for raw, profile in loaded.entries
        ]
        payload = json.dumps(
            {"schema_version": SCHEMA_VERSION, "profiles": items}, indent=2, ensure_ascii=False
        )
        fd, tmp = tempfile.mkstemp(prefix=".profiles-", suffix=".json", dir=self.directory)
        try:
            # surrogateescape: an entry with bytes that are not UTF-8 goes back byte for byte.
            with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as handle:
                handle.write(payload + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def list(self) -> list[Profile]:
        """All valid profiles, in the order they were added."""
        return self._read().profiles

    def __iter__(self) -> Iterator[Profile]:
        return iter(self.list())

    def get(self, name_or_id: str) -> Profile:
        """The profile with this name (or uuid)."""
        loaded = self._read()
        for profile in loaded.profiles:
            if name_or_id in (profile.name, profile.id):
                return profile
        names = ", ".join(p.name for p in loaded.profiles) or "none yet"
        hint = f" ({loaded.problems[0]})" if loaded.problems else ""
        raise ProfileError(f"No profile named {name_or_id!r} (profiles: {names}).{hint}")

    def mentions_id(self, profile_id: str) -> bool:
        """Whether any entry of the file (loaded or not) has this id."""
        return any(
            (p is not None and p.id == profile_id)
            or (isinstance(raw, dict) and raw.get("id") == profile_id)
            for raw, p in self._read().entries
        )

    def find(self, name_or_id: str) -> Profile | None:
        """The profile with this name (or uuid), or None."""
        try:
            return self.get(name_or_id)
        except ProfileError:
            return None

    def add(self, profile: Profile) -> Profile:
        """Add a new profile; its name (and id) must be free."""
        loaded = self._read()
        if any(p.name == profile.name for p in loaded.profiles):
            raise ProfileError(f"A profile named {profile.name!r} exists already.")
        if any(p.id == profile.id for p in loaded.profiles):
            raise ProfileError(f"A profile with the id {profile.id} exists already.")
        loaded.entries.append((None, profile))
        self._write(loaded)
        return profile

    def replace(self, profile: Profile) -> Profile:
        """Replace the profile with the same uuid (or add it)."""
        loaded = self._read()
        if any(p.name == profile.name and p.id != profile.id for p in loaded.profiles):
            raise ProfileError(f"A profile named {profile.name!r} exists already.")
        for index, (raw, existing) in enumerate(loaded.entries):
            if existing is not None and existing.id == profile.id:
                loaded.entries[index] = (raw, profile)
                break
        else:
            loaded.entries.append((None, profile))
        self._write(loaded)
        return profile

    def remove(self, name_or_id: str) -> Profile:
        """Remove one profile (the loaded one: never a copy that shares its id) and return it;
        its secrets are the caller's to delete."""
        loaded = self._read()
        profile = next((p for p in loaded.profiles if name_or_id in (p.name, p.id)), None)
        if profile is None:
            return self.get(name_or_id)  # raises, naming the profiles there are
        loaded.entries = [(raw, p) for raw, p in loaded.entries if p is not profile]
        self._write(loaded)
        return profile


def _not_utf8(item: object, where: str = "") -> str | None:
    """Where a file entry holds bytes that were not UTF-8 (read as lone surrogates), or None."""
    if isinstance(item, str):
        return where or "a value" if any("\udc80" <= c <= "\udcff" for c in item) else None
    if isinstance(item, dict):
        for key, value in item.items():
            found = _not_utf8(key, "a field name") or _not_utf8(value, str(key))
            if found is not None:
                return found
    if isinstance(item, list):
        for value in item:
            found = _not_utf8(value, where)
            if found is not None:
                return found
    return None


def _entry_label(number: int, item: object) -> str:
    name = item.get("name") if isinstance(item, dict) else None
    if not isinstance(name, str):
        return f"Profile {number}"
    # Bytes that were not UTF-8 (read as lone surrogates) are shown as "�", never passed on.
    shown = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return f"Profile {number} ({shown!r})"
