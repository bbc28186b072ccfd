"""Connector for an MLflow tracking server over HTTP(S).

The registry store is MLflow's ``RestStore`` with a per-instance ``get_host_creds`` callable
returning this profile's ``MlflowHostCreds``, sending its calls through the profile's own
transport (timeouts, retries, typed errors: see ``_rest``): no environment variable and no
global ``set_tracking_uri`` is involved, so registries with different credentials coexist.
(``RestStore(get_host_creds)`` is internal MLflow API: the pinned range is covered by the
integration tests.)
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests

from modelyard.core.connectors._artifacts import ArtifactAccess
from modelyard.core.connectors._azure_blob import AzureBlobSettings
from modelyard.core.connectors._gcs import GcsSettings
from modelyard.core.connectors._mlflow_store import MlflowStoreRegistry
from modelyard.core.connectors._policy import apply_process_policy
from modelyard.core.connectors._publish import PublishingRegistry
from modelyard.core.connectors._rest import ProfileRegistryStore, ProfileTrackingStore, Transport
from modelyard.core.connectors._s3 import S3Settings
from modelyard.core.connectors._seams import HOST_CREDS, resolve
from modelyard.core.kinds import MlflowServerSettings
from modelyard.core.kinds.mlflow import MLFLOW
from modelyard.core.model.domain import Access
from modelyard.core.model.errors import ProfileError
from modelyard.core.profiles.profile import Profile
from modelyard.core.profiles.secrets import SecretStore
from modelyard.core.profiles.stores import AZURE_AUTH_WORDS, AzureBlobStore, GcsStore, S3Store
from modelyard.core.reads.server_version import ServerVersion, parse_version_answer
from modelyard.core.runtime.http import (
    TIMEOUT,
    Timeouts,
    authorization_header,
    check_resolves,
    make_session,
)
from modelyard.core.runtime.paths import local_user


def host_creds(settings: MlflowServerSettings, password: str | None, token: str | None) -> Any:
    """This profile's credentials in MLflow's shape."""
    return resolve(HOST_CREDS)(
        host=settings.url,
        username=settings.username if settings.auth == "basic" else None,
        password=password if settings.auth == "basic" else None,
        token=token if settings.auth == "token" else None,
        ignore_tls_verification=settings.insecure_tls,
        client_cert_path=settings.client_cert,
        server_cert_path=settings.ca_bundle,
    )


EDITING = {"EDIT", "MANAGE"}


def basic_auth_permission(
    session: requests.Session, url: str, model: str, timeout: tuple[float, float] = TIMEOUT
) -> Access:
    """The MLflow basic-auth app's advisory view of our permission on ``model``.

    Admins may edit; an explicit grant on the model (or ``*``) decides; otherwise the server's
    default permission applies, which it does not tell: None. A server without the auth app
    answers 404: None.
    """
    response = session.get(f"{url}/api/3.0/mlflow/users/current/permissions", timeout=timeout)
    if response.status_code != 200:
        return Access()
    data = response.json()
    if data.get("is_admin"):
        return Access(edit=True, level="admin")
    grants = [
        str(row.get("permission", "")).upper()
        for row in data.get("permissions", [])
        if row.get("resource_type") in ("registered_model", "registered-model")
        and row.get("resource_pattern") in (model, "*")
    ]
    if not grants:
        return Access()
    best = next((g for g in ("MANAGE", "EDIT", "READ") if g in grants), grants[0])
    return Access(edit=any(g in EDITING for g in grants), level=best)


def server_version(session: requests.Session, url: str, timeouts: Timeouts) -> ServerVersion:
    """The version the server reports at ``GET /version`` (every MLflow release since 1.x
    answers it); connection failures raise, anything but a version says nothing."""
    check_resolves(urlsplit(url).hostname, timeouts.connect)
    response = session.get(f"{url.rstrip('/')}/version", timeout=(timeouts.connect, timeouts.read))
    with response:
        return parse_version_answer(response.status_code, response.text)


def s3_settings(profile: Profile, secrets: SecretStore) -> S3Settings | None:
    """The profile's own S3 store with its secrets from the keyring (None: it has none)."""
    settings = profile.settings
    store = settings.store if isinstance(settings, MlflowServerSettings) else None
    if not isinstance(store, S3Store):
        return None
    secret = secrets.get(profile.id, "s3_secret") if store.access_key_id else None
    if store.access_key_id and not secret:
        raise ProfileError(
            f"Profile {profile.name!r} reaches its files with the S3 access key "
            f"{store.access_key_id}, but no secret key for it is in the keyring. Set it again "
            "in the profile editor (File ▸ Edit profile…), or add the profile again with "
            "`modelyard profiles add … --s3-secret-stdin`."
        )
    return S3Settings(
        endpoint_url=store.endpoint_url,
        region=store.region,
        access_key_id=store.access_key_id,
        secret_access_key=secret,
        session_token=secrets.get(profile.id, "s3_session_token") if store.session_token else None,
        aws_profile=store.aws_profile,
    )


def azure_settings(profile: Profile, secrets: SecretStore) -> AzureBlobSettings | None:
    """The profile's own Azure Blob store with its secret from the keyring (None: none)."""
    settings = profile.settings
    store = settings.store if isinstance(settings, MlflowServerSettings) else None
    if not isinstance(store, AzureBlobStore):
        return None
    secret = secrets.get(profile.id, "azure_storage_secret") if store.keeps_secret else None
    if store.keeps_secret and not secret:
        raise ProfileError(
            f"Profile {profile.name!r} reaches its files in Azure Blob Storage with "
            f"{AZURE_AUTH_WORDS[store.auth]}, but its secret is not in the keyring. Set it in the "
            "profile editor, or add the profile again with `modelyard profiles add … "
            "--azure-key-stdin` (or --azure-sas-stdin, --azure-connection-string-stdin, "
            "--azure-client-secret-stdin)."
        )
    return AzureBlobSettings(
        account_url=store.account_url,
        auth=store.auth,
        secret=secret,
        tenant_id=store.tenant_id,
        client_id=store.client_id,
        authority_host=store.authority_host,
    )


def gcs_settings(profile: Profile) -> GcsSettings | None:
    """The profile's own GCS store (None: none; then application default credentials)."""
    settings = profile.settings
    store = settings.store if isinstance(settings, MlflowServerSettings) else None
    if not isinstance(store, GcsStore):
        return None
    return GcsSettings(
        endpoint_url=store.endpoint_url, key_file=store.key_file, anonymous=store.anonymous
    )


def open_mlflow_server(profile: Profile, secrets: SecretStore) -> MlflowStoreRegistry:
    """A Registry for an MLflow server profile, with the profile's own credentials."""
    settings = profile.settings
    if not isinstance(settings, MlflowServerSettings):
        raise ProfileError(f"Profile {profile.name!r} is not an MLflow server profile.")
    apply_process_policy()
    password = secrets.get(profile.id, "password") if settings.auth == "basic" else None
    token = secrets.get(profile.id, "token") if settings.auth == "token" else None
    if settings.auth == "basic" and not password:
        raise ProfileError(
            f"Profile {profile.name!r} uses a username and password, but no password is stored "
            "in the keyring for it. Set it again with `modelyard profiles add … "
            "--password-stdin` or in the profile editor."
        )
    if settings.auth == "token" and not token:
        raise ProfileError(f"Profile {profile.name!r} uses a token, but none is in the keyring.")
    if settings.insecure_tls:  # the user's explicit choice for this server: no warning per call
        import urllib3

        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    creds = host_creds(settings, password, token)
    s3 = s3_settings(profile, secrets)
    azure = azure_settings(profile, secrets)
    session = make_session(
        authorization=authorization_header(creds.username, creds.password, creds.token),
        verify=settings.ca_bundle or not settings.insecure_tls,
        client_cert=settings.client_cert,
    )

    transport = Transport(profile.timeouts)

    def close() -> None:
        transport.close()
        session.close()

    return PublishingRegistry(
        name=profile.name,
        location=settings.url,
        registry_store=ProfileRegistryStore(lambda: creds, transport),
        tracking_store=ProfileTrackingStore(lambda: creds, transport),
        capabilities=MLFLOW.capabilities(),
        identity=(settings.username if settings.auth == "basic" else None) or local_user(),
        artifacts=ArtifactAccess(
            settings.url,
            session,
            profile.timeouts.transfer,
            s3=s3,
            azure=azure,
            gcs=gcs_settings(profile),
        ),
        server_version=lambda: server_version(session, settings.url, profile.timeouts),
        model_permission=lambda model: basic_auth_permission(
            session, settings.url, model, (profile.timeouts.connect, profile.timeouts.read)
        ),
        secrets=(
            password,
            token,
            *((s3.secret_access_key, s3.session_token) if s3 else ()),
            azure.secret if azure else None,
        ),
        on_close=close,
    )
