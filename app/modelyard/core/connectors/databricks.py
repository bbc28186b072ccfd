"""Connectors for Databricks: the workspace model registry and models in Unity Catalog.

Authentication is databricks-sdk's ``Config`` built from the profile alone (host, auth type,
client id, or a named ~/.databrickscfg profile) plus the secret from the keyring: the SDK
handles personal access tokens, OAuth M2M/U2M and Azure CLI, and refreshes OAuth tokens. Its
``authenticate()`` is asked for the Authorization header on every request, and the bearer token
goes into this profile's own ``MlflowHostCreds`` for MLflow's REST stores.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

from modelyard.core.connectors._artifacts import ArtifactAccess, safe_relative
from modelyard.core.connectors._databricks_auth import (
    DatabricksAuth,
    current_user,
    secret_for,
)
from modelyard.core.connectors._mlflow_store import MlflowStoreRegistry
from modelyard.core.connectors._rest import (
    ProfileRegistryStore,
    ProfileTrackingStore,
    RegistryCalls,
    Transport,
)
from modelyard.core.connectors._run_files import WorkspaceRunFiles
from modelyard.core.connectors._seams import HOST_CREDS, UC_REGISTRY_STORE, resolve
from modelyard.core.connectors._uc_files import UnityCatalogArtifacts
from modelyard.core.connectors._uc_publish import UnityCatalogWrites
from modelyard.core.connectors._workspace_files import ModelVersionArtifacts
from modelyard.core.kinds import DatabricksSettings, DatabricksUCSettings
from modelyard.core.kinds.databricks import DATABRICKS, UNITY_CATALOG
from modelyard.core.model.domain import (
    Access,
    EventKind,
    EventSource,
    ModelSummary,
    Page,
    Stage,
    StageEvent,
    TransitionRequest,
    VersionSummary,
    from_millis,
)
from modelyard.core.model.errors import (
    ModelyardError,
    ProfileError,
    RegistryError,
    describe_exception,
)
from modelyard.core.model.registry import DEFAULT_MODEL_PAGE
from modelyard.core.profiles.profile import Profile
from modelyard.core.profiles.secrets import SecretStore
from modelyard.core.runtime.http import make_session
from modelyard.core.runtime.waiting import watched

# Permission levels of the workspace registry that may move versions between stages.
PROMOTING_LEVELS = {"CAN_MANAGE", "CAN_MANAGE_PRODUCTION_VERSIONS", "CAN_MANAGE_STAGING_VERSIONS"}
# ...and those that may ask for a transition (Databricks: "Can Edit" and above).
REQUESTING_LEVELS = PROMOTING_LEVELS | {"CAN_EDIT"}
STAGING_ONLY = frozenset({Stage.NONE, Stage.STAGING, Stage.ARCHIVED})
DETAIL_WORKERS = 8


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


def workspace_permission(client: Any, model: str) -> Access:
    """Our access to ``model`` (the ``permission_level`` of databricks-sdk's ``get_model``)."""
    from databricks.sdk.errors.base import DatabricksError

    try:
        found = client.model_registry.get_model(model).registered_model_databricks
    except DatabricksError:
        return Access()
    level = getattr(found, "permission_level", None) if found else None
    if level is None:
        return Access()
    return access_of_level(str(getattr(level, "value", level)))


def _request_from(model: str, version: str, item: Any) -> TransitionRequest:
    """A databricks-sdk ``Activity`` (listing) or ``TransitionRequest`` (create) as ours."""
    actions = getattr(item, "available_actions", None) or ()
    return TransitionRequest(
        model=model,
        version=version,
        to_stage=Stage.parse(str(getattr(item, "to_stage", None) or "None")),
        requester=str(getattr(item, "user_id", None) or ""),
        comment=str(getattr(item, "comment", None) or ""),
        created=from_millis(getattr(item, "creation_timestamp", None)),
        actions=frozenset(str(getattr(a, "value", a)) for a in actions),
    )


class WorkspaceRegistry(MlflowStoreRegistry, WorkspaceRunFiles):
    """The Databricks workspace model registry: stages, no aliases, and transition requests for
    people who may not move versions — through databricks-sdk's ``model_registry`` client (its
    typed errors, retries and token refresh). It takes copied versions (WorkspaceRunFiles)."""

    def __init__(
        self, *, client: Any, write_client: Any = None, first_byte_s: float = 8.0, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self._first_byte_s = first_byte_s
        self._client = client
        # Writes (request, approve, reject, withdraw) wait up to the profile's write limit,
        # visibly past the first-byte limit: a slow workspace still applies them.
        self._writes = write_client or client
        self._copy_runs = {}
        self._storage = requests.Session()  # signed URLs: no workspace token goes there

    def close(self) -> None:
        """Close the storage session too."""
        self._storage.close()
        super().close()

    def _sdk(self, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return call(*args, **kwargs)
        except Exception as exc:
            raise describe_exception(exc, self._location, self._secrets) from None

    def _sdk_write(self, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """A write through the SDK, its wait reported once past the first-byte limit."""
        from urllib.parse import urlsplit

        with watched(urlsplit(self._location).netloc or self._location, self._first_byte_s):
            return self._sdk(call, *args, **kwargs)

    def transition_requests(self, model: str, version: str) -> tuple[TransitionRequest, ...]:
        """Open requests for one version, oldest first."""
        found = self._sdk(self._client.model_registry.list_transition_requests, model, str(version))
        items = [_request_from(model, str(version), r) for r in found or ()]
        return tuple(sorted(items, key=lambda r: r.created.timestamp() if r.created else 0.0))

    def request_transition(
        self, model: str, version: str, stage: Stage, comment: str = ""
    ) -> TransitionRequest:
        """Create a transition request."""
        answer = self._sdk_write(
            self._writes.model_registry.create_transition_request,
            model,
            str(version),
            stage.value,
            comment=comment,
        )
        return _request_from(model, str(version), answer.request)

    def approve_transition(
        self,
        model: str,
        version: str,
        stage: Stage,
        archive_existing: bool = False,
        comment: str = "",
    ) -> None:
        """Approve an open request (the service then moves the version)."""
        self._sdk_write(
            self._writes.model_registry.approve_transition_request,
            model,
            str(version),
            stage.value,
            archive_existing,
            comment=comment,
        )

    def reject_transition(self, model: str, version: str, stage: Stage, comment: str = "") -> None:
        """Reject an open request."""
        self._sdk_write(
            self._writes.model_registry.reject_transition_request,
            model,
            str(version),
            stage.value,
            comment=comment,
        )

    def withdraw_transition(
        self, model: str, version: str, stage: Stage, comment: str = ""
    ) -> None:
        """Delete our own open request."""
        self._sdk_write(
            self._writes.model_registry.delete_transition_request,
            model,
            str(version),
            stage.value,
            self.identity(),
            comment=comment or None,
        )

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


class UnityCatalogRegistry(MlflowStoreRegistry, WorkspaceRunFiles):
    """Unity Catalog: search returns bare names, so details are fetched per item, in parallel;
    an optional default catalog/schema narrows the listing. It takes copied versions: the run
    and its files in the workspace (WorkspaceRunFiles), then the version registered the UC way
    (pending, files written with temporary credentials, finalized)."""

    unity_catalog = True  # copies need catalog.schema.model names and a signature

    def __init__(self, *, scope: str, files: UnityCatalogArtifacts, **kwargs: Any) -> None:
        super().__init__(artifacts=files, **kwargs)
        self._scope = scope  # "", "catalog." or "catalog.schema."
        self._copy_runs = {}
        self._storage = requests.Session()
        self._uploaded: dict[str, list[tuple[str, Path]]] = {}  # run artifact URI -> files
        self._writes = UnityCatalogWrites(files)

    def close(self) -> None:
        """Close the storage session too."""
        self._storage.close()
        super().close()

    def upload_file(
        self, artifact_uri: str, relative: str, source: Path, on_bytes: Callable[[int], None]
    ) -> None:
        """Into the copy's run, and remembered for the version's own storage."""
        super().upload_file(artifact_uri, relative, source, on_bytes)
        self._uploaded.setdefault(artifact_uri, []).append((safe_relative(relative), source))

    def create_version(
        self, model: str, source: str, run_id: str, description: str, tags: dict[str, str]
    ) -> VersionSummary:
        """Pending version → its files into Unity Catalog's storage → finalized. A version
        left pending by a failure is deleted again before the failure is raised."""
        run_root = next((u for u in self._uploaded if source.startswith(u.rstrip("/") + "/")), "")
        below = source[len(run_root) :].strip("/")
        files = [
            (rel[len(below) + 1 :], path)
            for rel, path in self._uploaded.get(run_root, [])
            if rel.startswith(below + "/")
        ]
        version = ""
        try:
            pending = self._writes.create_pending(model, source, run_id, description, tags)
            version = str(pending["version"])
            self._writes.write_files(model, version, files, lambda _count: None)
            self._writes.finalize(model, version)
        except Exception as exc:
            if version:
                with contextlib.suppress(Exception):
                    self.delete_version(model, version)
            if isinstance(exc, ModelyardError):
                raise
            raise describe_exception(exc, self._location, self._secrets) from None
        return self.get_version(model, version)

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

    def artifact_location(self, model: str, version: str) -> str:
        """The version itself: its files are read through Unity Catalog (temporary
        credentials, the Files API), never from its storage URL with ambient credentials."""
        return f"models:/{model}/{version}"

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
    secret = secret_for(profile, settings, secrets)
    where = settings.describe()
    auth = DatabricksAuth(settings, secret, where)
    host = auth.host  # builds the SDK config (may read ~/.databrickscfg or discover OIDC)
    session = make_session(authorization=auth.header)
    transport = Transport(profile.timeouts)

    def close() -> None:
        transport.close()
        session.close()

    def creds() -> Any:
        return resolve(HOST_CREDS)(host=host, token=auth.token())

    from databricks.sdk import WorkspaceClient

    client = WorkspaceClient(config=auth.config())
    writes_config = auth.config().copy()
    writes_config.http_timeout_seconds = max(profile.timeouts.write, 15)
    write_client = WorkspaceClient(config=writes_config)
    try:
        auth.header()  # sign in first: a refused sign-in is explained as one
        identity = current_user(client)
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

        class ProfileUcStore(RegistryCalls, resolve(UC_REGISTRY_STORE)):  # type: ignore[misc]
            """Unity Catalog's store over this profile's transport."""

        store = ProfileUcStore(store_uri="databricks-uc", tracking_uri="databricks")
        store._transport = transport
        store.get_host_creds = creds  # this profile's credentials, not the process' ones
        store.get_tracking_host_creds = creds
        common.pop("artifacts")
        scope = "".join(f"{p}." for p in (settings.default_catalog, settings.default_schema) if p)
        return UnityCatalogRegistry(
            scope=scope,
            files=UnityCatalogArtifacts(host, session, profile.timeouts.transfer),
            registry_store=store,
            capabilities=UNITY_CATALOG.capabilities(),
            server_side_prompt_filter=False,
            server_side_order=False,
            **common,
        )
    permission: Callable[[str], Access] = lambda model: workspace_permission(  # noqa: E731
        client, model
    )
    common["artifacts"] = ModelVersionArtifacts(host, session, profile.timeouts.transfer)
    return WorkspaceRegistry(
        client=client,
        write_client=write_client,
        first_byte_s=profile.timeouts.read,
        registry_store=ProfileRegistryStore(creds, transport),
        capabilities=DATABRICKS.capabilities(),  # stages and requests; no aliases
        model_permission=permission,
        # Like MLflow's own client (prompt/registry_utils.py): the legacy workspace registry
        # is not sent the prompt filter; prompts are hidden on this side.
        server_side_prompt_filter=False,
        **common,
    )


def open_databricks(profile: Profile, secrets: SecretStore) -> MlflowStoreRegistry:
    """A Registry for a Databricks workspace-registry or Unity Catalog profile."""
    settings = profile.settings
    if not isinstance(settings, DatabricksSettings):
        raise ProfileError(f"Profile {profile.name!r} is not a Databricks profile.")
    return _open(profile, secrets, settings)
