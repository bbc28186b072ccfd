"""What every registry kind states about itself, in one shape (see :mod:`modelyard.core.kinds`).

A kind is one object: its settings model, the secrets those settings keep in the keyring, the
connector that opens it, what the registry can do (stages, aliases, transition requests), the
URIs and environment a snippet needs, the page of a model in the registry's web UI, and the
fields the wizard and the CLI ask for. Nothing here imports a connector or MLflow: the
connector is named by module and opened through the import gate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict

from modelyard.core.model.domain import Capabilities
from modelyard.core.runtime.text import redact_url

if TYPE_CHECKING:
    from modelyard.core.profiles.secrets import SecretField


class Frozen(BaseModel):
    """Settings are values: frozen, and no field that the model does not know."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class KindSettings(Frozen):
    """The settings of one kind of registry (each names its ``kind`` as a literal)."""

    def describe(self) -> str:
        """Where these settings point, for people."""
        raise NotImplementedError


S = TypeVar("S", bound=KindSettings)
Env = list[tuple[str, str]]  # (variable, shell-quoted value or a <placeholder>)


@dataclass(frozen=True, slots=True)
class FormField:
    """One field of a kind's connection form (the wizard) and option (the CLI).

    ``key`` is the name the kind's ``settings_from`` reads (and the CLI's option, with dashes);
    ``widget`` names the wizard's widget where two kinds' forms would share a key.
    """

    key: str
    label: str
    placeholder: str = ""
    browse: str = ""  # "open" or "save": a button that picks a file
    check: bool = False  # a tick box instead of a line
    choices: tuple[tuple[str, str], ...] = ()  # (value, label): a drop-down
    tooltip: str = ""
    widget: str = ""
    required: bool = False  # the CLI names it when missing
    fills: bool = False  # a value that stands for the required fields (a pasted URI)

    @property
    def name(self) -> str:
        """The wizard's name for the widget."""
        return self.widget or self.key


@dataclass(frozen=True, slots=True)
class SignIn:
    """One way to sign in to a kind: the sign-in fields it asks for (the secrets are the
    settings' ``secret_fields``), and the CLI options that choose it without ``--auth``."""

    key: str
    label: str
    fields: frozenset[str] = frozenset()
    implied_by: tuple[str, ...] = ()


# The fields a sign-in may ask for, whichever kind: the wizard's sign-in page and the CLI's
# options (a secret's option is ``--<key>-stdin``: secrets are never taken as arguments).
SIGN_IN_FIELDS: dict[str, FormField] = {
    f.key: f
    for f in (
        FormField("username", "Username", "user name"),
        FormField("password", "Password", "stored in the OS keyring"),
        FormField("token", "Token", "stored in the OS keyring"),
        FormField("tenant_id", "Tenant id", "00000000-0000-0000-0000-000000000000"),
        FormField("client_id", "Client id", "application (client) id"),
        FormField("client_secret", "Client secret", "stored in the OS keyring"),
        FormField("config_profile", "~/.databrickscfg profile", "a profile name"),
    )
}


class Kind(Generic[S]):
    """A registry kind. One instance per kind, listed in ``modelyard.core.kinds.KINDS``."""

    name: ClassVar[str]
    title: ClassVar[str]  # "MLflow server"
    description: ClassVar[str]  # one sentence for the wizard's first page
    settings: type[S]
    # What the registry can do. The connectors' Capabilities are built from these, and a test
    # checks them against the roles each connector's registry implements.
    stages: ClassVar[bool] = True
    aliases: ClassVar[bool] = True
    requests: ClassVar[bool] = False  # transition requests (approve, reject, withdraw)
    comments: ClassVar[bool] = False
    listed_version_tags: ClassVar[bool] = True  # listings carry versions' tags
    # "module:function" opening a Registry from (profile, secrets), and what that connector
    # needs imported first (under the one import gate: lanes open registries at once).
    opener: ClassVar[str]
    imports: ClassVar[tuple[str, ...]] = ()
    # "module:Class" of the Registry the opener returns: its roles (TransitionRequests,
    # Publishing) are the runtime test of what it can do, checked against the flags above.
    registry: ClassVar[str]
    connection: ClassVar[tuple[FormField, ...]] = ()
    sign_ins: ClassVar[tuple[SignIn, ...]] = ()
    default_auth: ClassVar[str | None] = None  # the CLI's, when neither --auth nor a hint
    # A sign-in that needs no field of its own: the connection fields are checked with it.
    neutral_auth: ClassVar[str | None] = None
    artifact_stores: ClassVar[bool] = False  # the profile may name the store of its files
    optional_host: ClassVar[bool] = False  # the place may come from a config profile

    # --- settings ----------------------------------------------------------------------------
    def settings_from(self, values: Mapping[str, Any]) -> S:
        """Settings (validated; raises ValidationError/ValueError) from form or CLI values:
        the connection fields' keys, the chosen ``auth``, the sign-in fields, ``store``."""
        raise NotImplementedError

    def form_values(self, settings: S) -> dict[str, Any]:
        """The form's values for ``settings`` (what the wizard shows when editing)."""
        data = settings.model_dump()
        return {f.key: data.get(f.key) for f in self.connection}

    def pasted(self, key: str, value: str) -> dict[str, Any] | None:
        """The other fields a value pasted into ``key`` fills in (None: nothing to fill)."""
        return None

    def secret_fields(self, settings: S) -> tuple[SecretField, ...]:
        """Which secrets these settings keep in the keyring."""
        return ()

    def model_name(self, settings: S, model: str) -> str:
        """The name a model copied here gets by default (the source's, unless the kind
        needs another shape)."""
        return model

    def who(self, settings: S, identity: str) -> str:
        """Who the registry sees, in words."""
        return f"Signed in as {identity}."

    def short_name(self, settings: S) -> str:
        """A profile name to suggest: the first word of the host."""
        return settings.describe().split("://", 1)[-1].split(".")[0]

    # --- what the registry can do ------------------------------------------------------------
    def capabilities(self, **told: Any) -> Capabilities:
        """The kind's capabilities, with what the connector was told (can_edit, server…)."""
        return Capabilities(
            stages=self.stages,
            aliases=self.aliases,
            transition_requests=self.requests,
            comments=self.comments,
            listed_version_tags=self.listed_version_tags,
            **told,
        )

    # --- outside Modelyard: snippets and web pages -------------------------------------------
    def tracking_uri(self, settings: S) -> str:
        """The URI that points MLflow at this registry's tracking server / workspace."""
        raise NotImplementedError

    def registry_uri(self, settings: S) -> str:
        """The URI that points MLflow's model registry at this registry."""
        return self.tracking_uri(settings)

    def credentials(self, settings: S) -> tuple[Env, list[str]]:
        """Where a snippet's process finds its credentials: environment variables (values as
        placeholders for secrets) and notes on what it needs installed or done."""
        return [], []

    def web_url(self, settings: S, model: str, version: str | None) -> str | None:
        """The page of ``model`` (or a version) in the registry's own web UI, if it has one."""
        return None


def normalise_url(value: str) -> str:
    """Check a server URL and return it without a trailing slash.

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


def text(values: Mapping[str, Any], key: str) -> str | None:
    """A text value stripped, or None when empty or missing."""
    value = values.get(key)
    if value is None:
        return None
    value = str(value).strip()
    return value or None
