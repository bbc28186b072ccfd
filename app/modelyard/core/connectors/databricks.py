"""Connectors for Databricks: the workspace model registry and models in Unity Catalog.

Authentication is databricks-sdk's ``Config`` built from the profile alone (host, auth type,
client id, or a named ~/.databrickscfg profile) plus the secret from the keyring: the SDK
handles personal access tokens, OAuth M2M/U2M and Azure CLI, and refreshes OAuth tokens. Its
``authenticate()`` is asked for the Authorization header on every request, and the bearer token
goes into this profile's own ``MlflowHostCreds`` for MLflow's REST stores.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
from mlflow.store.model_registry.rest_store import RestStore as RegistryRestStore
from mlflow.store.tracking.rest_store import RestStore as TrackingRestStore
from mlflow.utils.rest_utils import MlflowHostCreds

from modelyard.core.connectors._artifacts import ArtifactAccess
from modelyard.core.connectors._mlflow_store import MlflowStoreRegistry
from modelyard.core.domain import Capabilities, ModelSummary, Page
from modelyard.core.errors import ErrorKind, ProfileError, RegistryError, describe_exception
from modelyard.core.http import TIMEOUT, make_session
from modelyard.core.profiles import (
    DatabricksSettings,
    DatabricksUCSettings,
    Profile,
    secret_fields,
)
from modelyard.core.registry import DEFAULT_MODEL_PAGE
from modelyard.core.secrets import SecretStore

SDK_AUTH_TYPE = {
    "pat": "pat",
    "oauth-m2m": "oauth-m2m",
    "oauth-u2m": "external-browser",
    "azure-cli": "azure-cli",
}
# Permission levels of the workspace registry that may move versions between stages.
PROMOTING_LEVELS = {"CAN_MANAGE", "CAN_MANAGE_PRODUCTION_VERSIONS", "CAN_MANAGE_STAGING_VERSIONS"}
DETAIL_WORKERS = 8


class DatabricksAuth:
    """The SDK's credentials for one profile; thread-safe, refreshes OAuth tokens itself."""

    def __init__(self, settings: DatabricksSettings, secret: str | None, where: str) -> None:
        self._settings = settings
        self._secret = secret
        self._where = where
        self._config: Any = None
        self._lock = threading.Lock()

    @property
    def secrets(self) -> tuple[str | None, ...]:
        """Values to scrub from messages."""
        return (self._secret,)

    def _build(self) -> Any:
        from databricks.sdk.config import Config

        s = self._settings
        limits: dict[str, Any] = {"http_timeout_seconds": 15, "retry_timeout_seconds": 30}
        if s.auth == "config-profile":
            extra: dict[str, Any] = {"host": s.host} if s.host else {}
            return Config(profile=s.config_profile, **extra, **limits)
        kwargs: dict[str, Any] = {"host": s.host, "auth_type": SDK_AUTH_TYPE[s.auth]}
        if s.auth == "pat":
            kwargs["token"] = self._secret
        elif s.auth == "oauth-m2m":
            kwargs["client_id"] = s.client_id
            kwargs["client_secret"] = self._secret
        return Config(**kwargs, **limits)

    def config(self) -> Any:
        """The SDK Config (built on first use: it may talk to the workspace)."""
        with self._lock:
            if self._config is None:
                try:
                    self._config = self._build()
                except Exception as exc:
                    raise self._explain(exc) from None
            return self._config

    @property
    def host(self) -> str:
        """The workspace URL (from the profile, or from ~/.databrickscfg)."""
        return str(self.config().host).rstrip("/")

    def header(self) -> str:
        """A valid Authorization header (refreshed by the SDK when it has expired)."""
        try:
            headers = self.config().authenticate()
        except RegistryError:
            raise
        except Exception as exc:
            raise self._explain(exc) from None
        value = headers.get("Authorization")
        if not value:
            raise RegistryError(
                f"Databricks authentication for {self._where} produced no token.", ErrorKind.AUTH
            )
        return str(value)

    def token(self) -> str:
        """The bearer token itself (what MlflowHostCreds wants)."""
        return self.header().split(" ", 1)[-1]

    def _explain(self, exc: Exception) -> RegistryError:
        described = describe_exception(exc, self._where, self.secrets)
        if described.kind is not ErrorKind.UNKNOWN:
            return RegistryError(described.message, described.kind)
        text = str(described).split(": ", 1)[-1]
        if "config file" in text.lower() or (
            "has no" in text.lower() and "profile" in text.lower()
        ):
            return RegistryError(
                f"The ~/.databrickscfg profile {self._settings.config_profile!r} cannot be "
                f"used: {text}",
                ErrorKind.INVALID,
            )
        return RegistryError(
            f"Databricks sign-in for {self._where} failed ({self._settings.auth}): {text}",
            ErrorKind.AUTH,
        )


def _secret_for(profile: Profile, settings: DatabricksSettings, secrets: SecretStore) -> str | None:
    fields = secret_fields(settings)
    if not fields:
        return None
    field = fields[0]
    value = secrets.get(profile.id, field)
    if not value:
        what = "personal access token" if field == "token" else "client secret"
        raise ProfileError(
            f"Profile {profile.name!r} signs in with a {what}, but none is stored in the "
            "keyring for it. Enter it again in the profile editor."
        )
    return value


def current_user(session: requests.Session, host: str) -> str | None:
    """The signed-in user or service principal, from SCIM ``/Me``."""
    response = session.get(f"{host}/api/2.0/preview/scim/v2/Me", timeout=TIMEOUT)
    if response.status_code != 200:
        return None
    data = response.json()
    return str(data.get("userName") or data.get("displayName") or "") or None


def workspace_permission(session: requests.Session, host: str, model: str) -> bool | None:
    """Whether we may move ``model``'s versions between stages (Databricks permission_level)."""
    response = session.get(
        f"{host}/api/2.0/mlflow/databricks/registered-models/get",
        params={"name": model},
        timeout=TIMEOUT,
    )
    if response.status_code != 200:
        return None
    level = response.json().get("registered_model_databricks", {}).get("permission_level")
    if not level:
        return None
    return str(level).upper() in PROMOTING_LEVELS


class UnityCatalogRegistry(MlflowStoreRegistry):
    """Unity Catalog: search returns bare names, so details are fetched per item, in parallel;
    an optional default catalog/schema narrows the listing."""

    def __init__(self, *, scope: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._scope = scope  # "", "catalog." or "catalog.schema."

    def list_models(
        self, page_token: str | None = None, page_size: int = DEFAULT_MODEL_PAGE
    ) -> Page[ModelSummary]:
        """One page of models (with tags and aliases), inside the default scope if set."""
        while True:
            page = super().list_models(page_token, page_size)
            bare = [m for m in page.items if m.name.startswith(self._scope)]
            if bare or not page.next_page_token:
                break
            page_token = page.next_page_token  # a page outside the scope: read on
        with ThreadPoolExecutor(max_workers=DETAIL_WORKERS) as pool:
            detailed = list(pool.map(self._detail, bare))
        return Page(tuple(detailed), page.next_page_token)

    def _detail(self, model: ModelSummary) -> ModelSummary:
        try:
            return self.get_model(model.name)
        except RegistryError:  # listed but not readable in detail: keep the bare entry
            return model


def _open(
    profile: Profile, secrets: SecretStore, settings: DatabricksSettings
) -> MlflowStoreRegistry:
    from modelyard.core.connectors._policy import apply_process_policy

    apply_process_policy()
    secret = _secret_for(profile, settings, secrets)
    where = settings.describe()
    auth = DatabricksAuth(settings, secret, where)
    host = auth.host  # builds the SDK config (may read ~/.databrickscfg or discover OIDC)
    session = make_session(authorization=auth.header)

    def creds() -> MlflowHostCreds:
        return MlflowHostCreds(host=host, token=auth.token())

    try:
        identity = current_user(session, host)
    except Exception as exc:
        session.close()
        raise describe_exception(exc, host, auth.secrets) from None
    identity = identity or settings.client_id or "unknown user"
    common: dict[str, Any] = {
        "name": profile.name,
        "location": host,
        "tracking_store": TrackingRestStore(get_host_creds=creds),
        "identity": identity,
        "artifacts": ArtifactAccess(host, session),
        "secrets": auth.secrets,
        "on_close": session.close,
    }
    if isinstance(settings, DatabricksUCSettings):
        from mlflow.store._unity_catalog.registry.rest_store import UcModelRegistryStore

        store = UcModelRegistryStore(store_uri="databricks-uc", tracking_uri="databricks")
        store.get_host_creds = creds  # this profile's credentials, not the process' ones
        store.get_tracking_host_creds = creds
        scope = "".join(f"{p}." for p in (settings.default_catalog, settings.default_schema) if p)
        return UnityCatalogRegistry(
            scope=scope,
            registry_store=store,
            capabilities=Capabilities(stages=False, aliases=True),
            server_side_prompt_filter=False,
            server_side_order=False,
            **common,
        )
    permission: Callable[[str], bool | None] = lambda model: workspace_permission(  # noqa: E731
        session, host, model
    )
    return MlflowStoreRegistry(
        registry_store=RegistryRestStore(get_host_creds=creds),
        capabilities=Capabilities(
            stages=True, aliases=True, transition_requests=True, comments=True
        ),
        model_permission=permission,
        **common,
    )


def open_databricks(profile: Profile, secrets: SecretStore) -> MlflowStoreRegistry:
    """A Registry for a Databricks workspace-registry or Unity Catalog profile."""
    settings = profile.settings
    if not isinstance(settings, DatabricksSettings):
        raise ProfileError(f"Profile {profile.name!r} is not a Databricks profile.")
    return _open(profile, secrets, settings)
