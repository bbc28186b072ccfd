"""Databricks: the workspace model registry (stages, transition requests) and Unity Catalog
(catalog.schema.model, aliases, no stages)."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Literal
from urllib.parse import quote, urlsplit

from pydantic import field_validator, model_validator

from modelyard.core.kinds.base import (
    Env,
    FormField,
    Kind,
    KindSettings,
    SignIn,
    normalise_url,
    text,
)

if TYPE_CHECKING:
    from modelyard.core.profiles.secrets import SecretField

DatabricksAuth = Literal["pat", "oauth-m2m", "oauth-u2m", "azure-cli", "config-profile"]
SIGN_INS = (
    SignIn("pat", "Personal access token", frozenset({"token"})),
    SignIn(
        "oauth-m2m",
        "OAuth machine-to-machine (service principal client id + secret)",
        frozenset({"client_id", "client_secret"}),
    ),
    SignIn("oauth-u2m", "OAuth user-to-machine (log in with the browser)"),
    SignIn("azure-cli", "Azure CLI (az login)"),
    SignIn(
        "config-profile",
        "A profile from ~/.databrickscfg",
        frozenset({"config_profile"}),
        implied_by=("config_profile",),
    ),
)
DATABRICKS_AUTH_LABELS: dict[str, str] = {s.key: s.label for s in SIGN_INS}


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


class DatabricksSettings(KindSettings):
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


def _uri(scheme: str, settings: DatabricksSettings) -> str:
    if settings.auth == "config-profile" and settings.config_profile:
        return f"{scheme}://{settings.config_profile}"
    return scheme


def _version_part(word: str, version: str | None) -> str:
    return f"/{word}/{quote(version, safe='')}" if version else ""


class WorkspaceKind(Kind[DatabricksSettings]):
    name = "databricks"
    title = "Databricks workspace registry"
    description = "The workspace model registry of Databricks (stages, transition requests)."
    settings: type[DatabricksSettings] = DatabricksSettings
    # The workspace registry has stages and transition requests; aliases are a Unity Catalog
    # feature (its REST API has no alias endpoints).
    aliases = False
    requests = True
    comments = True
    opener = "modelyard.core.connectors.databricks:open_databricks"
    imports: ClassVar[tuple[str, ...]] = ("modelyard.core.connectors.databricks",)
    registry = "modelyard.core.connectors.databricks:WorkspaceRegistry"
    connection: ClassVar[tuple[FormField, ...]] = (
        FormField("host", "Workspace URL", "https://adb-1234567890123456.7.azuredatabricks.net"),
    )
    sign_ins = SIGN_INS
    default_auth = "pat"
    neutral_auth = "azure-cli"
    optional_host = True

    def _values(self, values: Mapping[str, Any]) -> dict[str, Any]:
        auth = values.get("auth") or "pat"
        return {
            "host": text(values, "host"),
            "auth": auth,
            "client_id": text(values, "client_id") if auth == "oauth-m2m" else None,
            "config_profile": text(values, "config_profile") if auth == "config-profile" else None,
        }

    def settings_from(self, values: Mapping[str, Any]) -> DatabricksSettings:
        return DatabricksSettings.model_validate(self._values(values))

    def form_values(self, settings: DatabricksSettings) -> dict[str, Any]:
        return {
            "host": settings.host or "",
            "client_id": settings.client_id or "",
            "config_profile": settings.config_profile or "",
        }

    def secret_fields(self, settings: DatabricksSettings) -> tuple[SecretField, ...]:
        by_auth: dict[str, tuple[SecretField, ...]] = {
            "pat": ("token",),
            "oauth-m2m": ("client_secret",),
        }
        return by_auth.get(settings.auth, ())

    def tracking_uri(self, settings: DatabricksSettings) -> str:
        return _uri("databricks", settings)

    def credentials(self, settings: DatabricksSettings) -> tuple[Env, list[str]]:
        env: Env = []
        notes: list[str] = []
        if settings.auth == "config-profile":
            notes.append(f"the [{settings.config_profile}] profile of ~/.databrickscfg")
        else:
            env.append(("DATABRICKS_HOST", shlex.quote(settings.host or "<workspace URL>")))
        if settings.auth == "pat":
            env.append(("DATABRICKS_TOKEN", "<personal access token>"))
        elif settings.auth == "oauth-m2m":
            env += [
                ("DATABRICKS_CLIENT_ID", shlex.quote(settings.client_id or "<client id>")),
                ("DATABRICKS_CLIENT_SECRET", "<client secret>"),
            ]
        elif settings.auth == "oauth-u2m":
            notes.append("`databricks auth login --host <workspace URL>` (browser login)")
        elif settings.auth == "azure-cli":
            env.append(("DATABRICKS_AUTH_TYPE", "azure-cli"))
            notes.append("`az login`")
        return env, notes

    def web_url(self, settings: DatabricksSettings, model: str, version: str | None) -> str | None:
        if not settings.host:
            return None
        page = f"{settings.host.rstrip('/')}/ml/models/{quote(model, safe='')}"
        return page + _version_part("versions", version)


class UnityCatalogKind(WorkspaceKind):
    name = "databricks-uc"
    title = "Databricks Unity Catalog"
    description = "Models in Databricks Unity Catalog (catalog.schema.model, aliases)."
    settings = DatabricksUCSettings
    stages = False
    aliases = True
    requests = False
    comments = False
    listed_version_tags = False  # its listings leave versions' tags out
    imports = (
        "modelyard.core.connectors.databricks",
        "mlflow.store._unity_catalog.registry.rest_store",
    )
    registry = "modelyard.core.connectors.databricks:UnityCatalogRegistry"
    connection = (
        FormField(
            "host",
            "Workspace URL",
            "https://dbc-1234abcd-5678.cloud.databricks.com",
            widget="uc_host",
        ),
        FormField("catalog", "Default catalog", "optional, e.g. main"),
        FormField("schema", "Default schema", "optional, e.g. ml"),
    )

    def settings_from(self, values: Mapping[str, Any]) -> DatabricksUCSettings:
        return DatabricksUCSettings.model_validate(
            {
                **self._values(values),
                "default_catalog": values.get("catalog"),
                "default_schema": values.get("schema"),
            }
        )

    def form_values(self, settings: DatabricksSettings) -> dict[str, Any]:
        assert isinstance(settings, DatabricksUCSettings)
        return {
            **super().form_values(settings),
            "catalog": settings.default_catalog or "",
            "schema": settings.default_schema or "",
        }

    def registry_uri(self, settings: DatabricksSettings) -> str:
        return _uri("databricks-uc", settings)

    def model_name(self, settings: DatabricksSettings, model: str) -> str:
        """catalog.schema.model: the profile's default catalog and schema before the
        model's own last part."""
        assert isinstance(settings, DatabricksUCSettings)
        if len(model.split(".")) == 3 or not (settings.default_catalog and settings.default_schema):
            return model
        return f"{settings.default_catalog}.{settings.default_schema}.{model.rsplit('.', 1)[-1]}"

    def web_url(self, settings: DatabricksSettings, model: str, version: str | None) -> str | None:
        parts = model.split(".")
        if not settings.host or len(parts) != 3:
            return None
        path = "/".join(quote(p, safe="") for p in parts)
        return f"{settings.host.rstrip('/')}/explore/data/models/{path}" + _version_part(
            "version", version
        )


DATABRICKS = WorkspaceKind()
UNITY_CATALOG = UnityCatalogKind()
