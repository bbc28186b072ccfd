"""Connector for an Azure Machine Learning workspace's MLflow-compatible registry.

No azureml-mlflow (it pins an older MLflow): the workspace's REST base URL is built from the
profile, and a bearer token from azure-identity goes into this profile's ``MlflowHostCreds``.
Tokens are cached and refreshed five minutes before they expire. AzureML rejects MLflow's
prompt filter, so prompts are filtered out on this side.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from modelyard.core.connectors._azureml_files import AzureMLArtifacts, history_url
from modelyard.core.connectors._mlflow_store import MlflowStoreRegistry
from modelyard.core.connectors._publish import PublishingStore
from modelyard.core.connectors._rest import ProfileRegistryStore, ProfileTrackingStore, Transport
from modelyard.core.connectors._seams import HOST_CREDS, resolve
from modelyard.core.kinds import AzureMLSettings
from modelyard.core.kinds.azureml import AZUREML
from modelyard.core.model.errors import (
    ErrorKind,
    ModelyardError,
    ProfileError,
    RegistryError,
    describe_exception,
)
from modelyard.core.profiles.profile import Profile
from modelyard.core.profiles.secrets import SecretStore
from modelyard.core.runtime.http import make_session

SCOPE = "https://management.azure.com/.default"
REFRESH_MARGIN = 300.0  # seconds before expiry


def make_credential(settings: AzureMLSettings, client_secret: str | None) -> Any:
    """The azure-identity credential this profile asks for (never built from os.environ,
    except for DefaultAzureCredential, whose point is to read the environment)."""
    from azure import identity

    authority: dict[str, Any] = {}
    if settings.authority_host:  # an explicit authority (private tenants): no discovery
        authority["authority"] = settings.authority_host
        authority["disable_instance_discovery"] = True
    elif settings.cloud != "public":  # a sovereign cloud's well-known authority
        authority["authority"] = settings.authority
    if settings.auth == "service-principal":
        return identity.ClientSecretCredential(
            tenant_id=str(settings.tenant_id),
            client_id=str(settings.client_id),
            client_secret=str(client_secret),
            **authority,
        )
    if settings.auth == "azure-cli":
        return identity.AzureCliCredential(tenant_id=settings.tenant_id or "", process_timeout=30)
    if settings.auth == "browser":
        return identity.InteractiveBrowserCredential(
            tenant_id=settings.tenant_id or "organizations", **authority
        )
    return identity.DefaultAzureCredential(exclude_interactive_browser_credential=True, **authority)


class AzureToken:
    """A cached bearer token, refreshed before expiry; thread-safe."""

    def __init__(
        self, credential: Any, where: str, secrets: tuple[str | None, ...], scope: str = SCOPE
    ) -> None:
        self._credential = credential
        self._scope = scope
        self._where = where
        self._secrets = secrets
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()
        self.fetches = 0

    def get(self) -> str:
        """A token valid for at least the refresh margin."""
        with self._lock:
            if self._token is None or time.time() > self._expires - REFRESH_MARGIN:
                try:
                    access = self._credential.get_token(self._scope)
                except Exception as exc:
                    raise _explain(exc, self._where, self._secrets) from None
                self._token = str(access.token)
                self._expires = float(access.expires_on)
                self.fetches += 1
            return self._token


def sign_in_where(settings: AzureMLSettings) -> str:
    """The sign-in step in words, naming its host (failures there are not the workspace's)."""
    workspace = f"AzureML workspace {settings.workspace}"
    if settings.auth == "azure-cli":
        return f"the Azure CLI sign-in (az) for {workspace}"
    return f"the sign-in authority {settings.authority} (Microsoft Entra ID, for {workspace})"


def _explain(exc: Exception, where: str, secrets: tuple[str | None, ...]) -> RegistryError:
    described = describe_exception(exc, where, secrets)
    if described.kind not in (ErrorKind.UNKNOWN,):
        return RegistryError(described.message, described.kind)
    text = str(described).split(": ", 1)[-1]
    name = type(exc).__name__
    if name == "CredentialUnavailableError":
        return RegistryError(
            f"No Azure credentials are available for {where}: {text} "
            "(for Azure CLI, run `az login` first).",
            ErrorKind.AUTH,
        )
    return RegistryError(f"Azure sign-in failed at {where}: {text}", ErrorKind.AUTH)


def token_identity(token: str) -> str | None:
    """Who the token was issued to (upn, unique_name or app id), read from its claims."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return None
    for key in ("upn", "unique_name", "preferred_username", "appid", "oid"):
        if claims.get(key):
            return str(claims[key])
    return None


class AzureMLRegistry(MlflowStoreRegistry, PublishingStore):
    """An AzureML workspace; it also takes copied versions. A copy's run goes to the
    "modelyard-copies" experiment (AzureML experiment names allow no spaces); its files are
    written through the run history (a blob SAS URL per file), so the version's source is
    ``azureml://experiments/modelyard-copies/runs/<run>/artifacts/model``, as for a job's."""

    copy_experiment = "modelyard-copies"

    def __init__(self, *, files: AzureMLArtifacts, **kwargs: Any) -> None:
        super().__init__(artifacts=files, **kwargs)
        self._files = files

    def create_copy_run(self, run_name: str, tags: dict[str, str]) -> tuple[str, str]:
        """A run in "modelyard-copies"; its files are addressed through the run history."""
        run_id, _service_uri = super().create_copy_run(run_name, tags)
        return run_id, f"azureml://experiments/{self.copy_experiment}/runs/{run_id}/artifacts"

    def upload_file(
        self, artifact_uri: str, relative: str, source: Path, on_bytes: Callable[[int], None]
    ) -> None:
        """Through the run history's upload addresses (no Entra token at storage)."""
        try:
            self._files.upload(artifact_uri, relative, source, on_bytes)
        except ModelyardError:
            raise
        except Exception as exc:
            raise describe_exception(exc, self._location, self._secrets) from None

    def delete_files(self, artifact_uri: str) -> None:
        """AzureML's run history has no call that deletes a run's files: say so (the copy
        then leaves the run tagged incomplete rather than pretend it was removed)."""
        raise RegistryError(
            f"AzureML's run history keeps a run's files ({artifact_uri}); "
            "delete the run in AzureML studio.",
            ErrorKind.INVALID,
        )


def open_azureml(profile: Profile, secrets: SecretStore) -> MlflowStoreRegistry:
    """A Registry for an AzureML workspace profile."""
    settings = profile.settings
    if not isinstance(settings, AzureMLSettings):
        raise ProfileError(f"Profile {profile.name!r} is not an AzureML profile.")
    from modelyard.core.connectors._policy import apply_process_policy

    apply_process_policy()
    client_secret = None
    if settings.auth == "service-principal":
        client_secret = secrets.get(profile.id, "client_secret")
        if not client_secret:
            raise ProfileError(
                f"Profile {profile.name!r} signs in as a service principal, but no client "
                "secret is stored in the keyring for it. Enter it again in the profile editor."
            )
    sign_in = sign_in_where(settings)
    try:
        credential = make_credential(settings, client_secret)
    except Exception as exc:
        raise _explain(exc, sign_in, (client_secret,)) from None
    token = AzureToken(credential, sign_in, (client_secret,), settings.token_scope)
    base = settings.base_url

    def creds() -> Any:
        return resolve(HOST_CREDS)(host=base, token=token.get())

    session = make_session(authorization=lambda: f"Bearer {token.get()}")
    transport = Transport(profile.timeouts)

    def close() -> None:
        transport.close()
        session.close()

    identity = token_identity(token.get()) or settings.client_id or "unknown user"
    return AzureMLRegistry(
        name=profile.name,
        location=base,
        registry_store=ProfileRegistryStore(creds, transport),
        tracking_store=ProfileTrackingStore(creds, transport),
        capabilities=AZUREML.capabilities(),
        identity=identity,
        files=AzureMLArtifacts(history_url(base), session, profile.timeouts.transfer),
        secrets=(client_secret,),
        server_side_prompt_filter=False,
        on_close=close,
    )
