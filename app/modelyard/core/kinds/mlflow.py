"""An MLflow tracking server reached over HTTP(S): self-hosted, with or without sign-in."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from pydantic import ValidationInfo, field_validator, model_validator

from modelyard.core.kinds.base import (
    Env,
    FormField,
    Kind,
    KindSettings,
    SignIn,
    normalise_url,
    text,
)
from modelyard.core.profiles.stores import ArtifactStore, AzureBlobStore, GcsStore, S3Store

if TYPE_CHECKING:
    from modelyard.core.profiles.secrets import SecretField

AuthKind = Literal["none", "basic", "token"]


class MlflowServerSettings(KindSettings):
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


class MlflowServerKind(Kind[MlflowServerSettings]):
    name = "mlflow"
    title = "MLflow server"
    description = "An MLflow tracking server you run (self-hosted, http or https)."
    settings = MlflowServerSettings
    opener = "modelyard.core.connectors.mlflow_server:open_mlflow_server"
    imports = ("modelyard.core.connectors.mlflow_server",)
    registry = "modelyard.core.connectors._publish:PublishingRegistry"
    connection = (
        FormField("url", "Server URL", "https://mlflow.example.com", required=True),
        FormField(
            "ca_bundle",
            "CA bundle",
            "optional: CA bundle (PEM) for a private certificate authority",
            browse="open",
        ),
        FormField(
            "client_cert", "Client certificate", "optional: client certificate (PEM)", browse="open"
        ),
        FormField(
            "insecure_tls", "Do not verify the TLS certificate (test servers only)", check=True
        ),
    )
    sign_ins = (
        SignIn("none", "No sign-in"),
        SignIn(
            "basic",
            "Username and password (MLflow basic auth)",
            frozenset({"username", "password"}),
            implied_by=("password_stdin",),
        ),
        SignIn("token", "Bearer token", frozenset({"token"}), implied_by=("token_stdin",)),
    )
    default_auth = "none"
    neutral_auth = "none"
    artifact_stores = True

    def settings_from(self, values: Mapping[str, Any]) -> MlflowServerSettings:
        auth = values.get("auth") or "none"
        return MlflowServerSettings.model_validate(
            {
                "url": values.get("url") or "",
                "auth": auth,
                "username": text(values, "username") if auth == "basic" else None,
                "insecure_tls": bool(values.get("insecure_tls")),
                "ca_bundle": text(values, "ca_bundle"),
                "client_cert": text(values, "client_cert"),
                "store": values.get("store"),
            }
        )

    def form_values(self, settings: MlflowServerSettings) -> dict[str, Any]:
        return {
            "url": settings.url,
            "ca_bundle": settings.ca_bundle or "",
            "client_cert": settings.client_cert or "",
            "insecure_tls": settings.insecure_tls,
            "username": settings.username or "",
        }

    def secret_fields(self, settings: MlflowServerSettings) -> tuple[SecretField, ...]:
        by_auth: dict[str, tuple[SecretField, ...]] = {"basic": ("password",), "token": ("token",)}
        store = settings.store
        kept: tuple[SecretField, ...] = ()
        if isinstance(store, AzureBlobStore):
            kept = ("azure_storage_secret",) if store.keeps_secret else ()
        elif isinstance(store, S3Store) and store.access_key_id:
            kept = ("s3_secret", "s3_session_token") if store.session_token else ("s3_secret",)
        return by_auth.get(settings.auth, ()) + kept

    def who(self, settings: MlflowServerSettings, identity: str) -> str:
        if settings.auth == "none":
            return (
                "No sign-in: the server does not ask for one (history is recorded as "
                f"{identity}, your login on this computer)."
            )
        if settings.auth == "token":
            return "Signed in with a token."
        return super().who(settings, identity)

    def short_name(self, settings: MlflowServerSettings) -> str:
        return settings.url.split("://", 1)[-1].split("/")[0]

    def tracking_uri(self, settings: MlflowServerSettings) -> str:
        return settings.url

    def credentials(self, settings: MlflowServerSettings) -> tuple[Env, list[str]]:
        env: Env = []
        if settings.auth == "basic":
            env += [
                ("MLFLOW_TRACKING_USERNAME", shlex.quote(settings.username or "<user>")),
                ("MLFLOW_TRACKING_PASSWORD", "<password>"),
            ]
        elif settings.auth == "token":
            env.append(("MLFLOW_TRACKING_TOKEN", "<token>"))
        if settings.insecure_tls:
            env.append(("MLFLOW_TRACKING_INSECURE_TLS", "true"))
        if settings.ca_bundle:
            env.append(("MLFLOW_TRACKING_SERVER_CERT_PATH", shlex.quote(settings.ca_bundle)))
        if settings.client_cert:
            env.append(("MLFLOW_TRACKING_CLIENT_CERT_PATH", shlex.quote(settings.client_cert)))
        store_env, notes = store_credentials(settings.store)
        return env + store_env, notes

    def web_url(self, settings: MlflowServerSettings, model: str, version: str | None) -> str:
        page = f"{settings.url.rstrip('/')}/#/models/{quote(model, safe='')}"
        return page + (f"/versions/{quote(version, safe='')}" if version else "")


def store_credentials(store: ArtifactStore | None) -> tuple[Env, list[str]]:
    """What a process that reads the files itself needs for the profile's own store."""
    env: Env = []
    notes: list[str] = []
    if isinstance(store, AzureBlobStore):  # read by the loading process itself
        notes.append("azure-storage-blob for the files: pip install azure-storage-blob")
        if store.auth == "service-principal":  # MLflow's repository: DefaultAzureCredential
            notes.append("azure-identity for the sign-in: pip install azure-identity")
            env += [
                ("AZURE_TENANT_ID", shlex.quote(str(store.tenant_id))),
                ("AZURE_CLIENT_ID", shlex.quote(str(store.client_id))),
                ("AZURE_CLIENT_SECRET", "<client secret>"),
            ]
        elif store.auth == "azure-cli":
            notes.append("azure-identity for the sign-in, and `az login`")
        elif store.auth == "connection-string" or store.account_url:
            env.append(("AZURE_STORAGE_CONNECTION_STRING", "<connection string>"))
        else:
            env.append(("AZURE_STORAGE_ACCESS_KEY", "<account key>"))
    elif isinstance(store, GcsStore):
        notes.append("google-cloud-storage for the files: pip install google-cloud-storage")
        if store.key_file:
            env.append(("GOOGLE_APPLICATION_CREDENTIALS", shlex.quote(store.key_file)))
        elif not store.anonymous:
            notes.append("`gcloud auth application-default login` (or a service-account key)")
        if store.endpoint_url and store.anonymous:  # an emulator, as google-cloud-storage
            env.append(("STORAGE_EMULATOR_HOST", shlex.quote(store.endpoint_url)))
        elif store.endpoint_url:
            notes.append(f"google-cloud-storage pointed at {store.endpoint_url}")
    elif store is not None:  # the files are read from S3 by the loading process itself
        notes.append("boto3 for the files in S3: pip install boto3")
        if store.endpoint_url:
            env.append(("MLFLOW_S3_ENDPOINT_URL", shlex.quote(store.endpoint_url)))
        if store.region:
            env.append(("AWS_DEFAULT_REGION", shlex.quote(store.region)))
        if store.aws_profile:
            env.append(("AWS_PROFILE", shlex.quote(store.aws_profile)))
        if store.access_key_id:
            env += [
                ("AWS_ACCESS_KEY_ID", shlex.quote(store.access_key_id)),
                ("AWS_SECRET_ACCESS_KEY", "<S3 secret key>"),
            ]
        if store.session_token:
            env.append(("AWS_SESSION_TOKEN", "<S3 session token>"))
    return env, notes


MLFLOW = MlflowServerKind()
