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
from mlflow.utils.rest_utils import MlflowHostCreds

from modelyard.core.connectors._artifacts import ArtifactAccess, ModelVersionArtifacts
from modelyard.core.connectors._mlflow_store import MlflowStoreRegistry
from modelyard.core.connectors._rest import (
    ProfileRegistryStore,
    ProfileTrackingStore,
    RegistryCalls,
    Transport,
)
from modelyard.core.domain import (
    Access,
    Capabilities,
    EventKind,
    EventSource,
    ModelSummary,
    Page,
    Stage,
    StageEvent,
    TransitionRequest,
    from_millis,
)
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
# ...and those that may ask for a transition (Databricks: "Can Edit" and above).
REQUESTING_LEVELS = PROMOTING_LEVELS | {"CAN_EDIT"}
STAGING_ONLY = frozenset({Stage.NONE, Stage.STAGING, Stage.ARCHIVED})
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


def access_of_level(level: str) -> Access:
    """What a Databricks model permission level allows: CAN_READ reads, CAN_EDIT may request
    transitions, CAN_MANAGE_STAGING_VERSIONS moves versions between None, Staging and Archived,
    CAN_MANAGE_PRODUCTION_VERSIONS and CAN_MANAGE move versions anywhere."""
    level = level.upper()
    return Access(
        edit=level in PROMOTING_LEVELS,
        request=level in REQUESTING_LEVELS,
        level=level,
        stages=STAGING_ONLY if level == "CAN_MANAGE_STAGING_VERSIONS" else None,
    )


def workspace_permission(session: requests.Session, host: str, model: str) -> Access:
    """Our access to ``model`` (Databricks ``permission_level``)."""
    response = session.get(
        f"{host}/api/2.0/mlflow/databricks/registered-models/get",
        params={"name": model},
        timeout=TIMEOUT,
    )
    if response.status_code != 200:
        return Access()
    level = response.json().get("registered_model_databricks", {}).get("permission_level")
    return access_of_level(str(level)) if level else Access()


def _request_from(model: str, version: str, item: dict[str, Any]) -> TransitionRequest:
    return TransitionRequest(
        model=model,
        version=version,
        to_stage=Stage.parse(str(item.get("to_stage") or "None")),
        requester=str(item.get("user_id") or ""),
        comment=str(item.get("comment") or ""),
        created=from_millis(item.get("creation_timestamp")),
        actions=frozenset(str(a) for a in item.get("available_actions") or ()),
    )


class WorkspaceRegistry(MlflowStoreRegistry):
    """The Databricks workspace model registry: stages, no aliases, and transition requests
    (``/api/2.0/mlflow/transition-requests/…``) for people who may not move versions."""

    def __init__(self, *, session: requests.Session, host: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._session = session
        self._host = host

    def _api(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        from mlflow.exceptions import RestException

        try:
            response = self._session.request(
                method, f"{self._host}{path}", params=params, json=body, timeout=TIMEOUT
            )
        except Exception as exc:
            raise describe_exception(exc, self._host, self._secrets) from None
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if response.status_code == 200 and isinstance(payload, dict):
            return payload
        if isinstance(payload, dict) and payload.get("error_code"):
            failure: Exception = RestException(payload)
        else:
            failure = RuntimeError(f"status code {response.status_code}: {response.text[:300]}")
        raise describe_exception(failure, self._host, self._secrets) from None

    def transition_requests(self, model: str, version: str) -> tuple[TransitionRequest, ...]:
        """Open requests for one version, oldest first."""
        data = self._api(
            "GET",
            "/api/2.0/mlflow/transition-requests/list",
            params={"name": model, "version": str(version)},
        )
        items = [_request_from(model, str(version), r) for r in data.get("requests") or ()]
        return tuple(sorted(items, key=lambda r: r.created.timestamp() if r.created else 0.0))

    def request_transition(
        self, model: str, version: str, stage: Stage, comment: str = ""
    ) -> TransitionRequest:
        """Create a transition request."""
        data = self._api(
            "POST",
            "/api/2.0/mlflow/transition-requests/create",
            body={"name": model, "version": str(version), "stage": stage.value, "comment": comment},
        )
        return _request_from(model, str(version), data.get("request") or {})

    def approve_transition(
        self,
        model: str,
        version: str,
        stage: Stage,
        archive_existing: bool = False,
        comment: str = "",
    ) -> None:
        """Approve an open request (the service then moves the version)."""
        self._api(
            "POST",
            "/api/2.0/mlflow/transition-requests/approve",
            body={
                "name": model,
                "version": str(version),
                "stage": stage.value,
                "archive_existing_versions": archive_existing,
                "comment": comment,
            },
        )

    def reject_transition(self, model: str, version: str, stage: Stage, comment: str = "") -> None:
        """Reject an open request."""
        self._api(
            "POST",
            "/api/2.0/mlflow/transition-requests/reject",
            body={"name": model, "version": str(version), "stage": stage.value, "comment": comment},
        )

    def withdraw_transition(
        self, model: str, version: str, stage: Stage, comment: str = ""
    ) -> None:
        """Delete our own open request."""
        params = {
            "name": model,
            "version": str(version),
            "stage": stage.value,
            "creator": self.identity(),
        }
        if comment:
            params["comment"] = comment
        self._api("DELETE", "/api/2.0/mlflow/transition-requests/delete", params=params)

    def artifact_location(self, model: str, version: str) -> str:
        """The version itself: its files are listed and downloaded through the registry
        (``model-versions/list-artifacts`` and pre-signed URLs), not through ``dbfs:/``."""
        return f"models:/{model}/{version}"

    def server_history(self, model: str, version: str) -> tuple[StageEvent, ...]:
        """The open requests of the version, as history entries the service keeps."""
        return tuple(
            StageEvent(
                EventKind.REQUESTED,
                r.version,
                r.created,
                r.requester,
                "",
                r.to_stage.value,
                r.comment,
                EventSource.SERVER,
            )
            for r in self.transition_requests(model, version)
        )


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
    transport = Transport(profile.timeouts)

    def close() -> None:
        transport.close()
        session.close()

    def creds() -> MlflowHostCreds:
        return MlflowHostCreds(host=host, token=auth.token())

    try:
        identity = current_user(session, host)
    except Exception as exc:
        close()
        raise describe_exception(exc, host, auth.secrets) from None
    identity = identity or settings.client_id or "unknown user"
    common: dict[str, Any] = {
        "name": profile.name,
        "location": host,
        "tracking_store": ProfileTrackingStore(creds, transport),
        "identity": identity,
        "artifacts": ArtifactAccess(host, session, profile.timeouts.transfer),
        "secrets": auth.secrets,
        "on_close": close,
    }
    if isinstance(settings, DatabricksUCSettings):
        from mlflow.store._unity_catalog.registry.rest_store import UcModelRegistryStore

        class ProfileUcStore(RegistryCalls, UcModelRegistryStore):  # type: ignore[misc]
            """Unity Catalog's store over this profile's transport."""

        store = ProfileUcStore(store_uri="databricks-uc", tracking_uri="databricks")
        store._transport = transport
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
    permission: Callable[[str], Access] = lambda model: workspace_permission(  # noqa: E731
        session, host, model
    )
    common["artifacts"] = ModelVersionArtifacts(host, session, profile.timeouts.transfer)
    return WorkspaceRegistry(
        session=session,
        host=host,
        registry_store=ProfileRegistryStore(creds, transport),
        # The workspace registry has stages and transition requests; aliases are a Unity
        # Catalog feature (its REST API has no alias endpoints).
        capabilities=Capabilities(
            stages=True, aliases=False, transition_requests=True, comments=True
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
