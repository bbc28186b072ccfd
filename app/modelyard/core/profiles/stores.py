"""The artifact store a profile reaches itself, when its MLflow server does not serve the files
(``mlflow server --no-serve-artifacts`` with an ``s3://``, ``wasbs://`` or ``gs://`` root).

Kept in the profile file without its secrets: the S3 secret key and session token, or the
Azure account key, SAS token or connection string, live in the keyring under the profile's id
(fields ``s3_secret``, ``s3_session_token``, ``azure_storage_secret``); a GCS store names its
service-account key file by path.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class S3Store(BaseModel):
    """S3 or an S3-compatible store (MinIO, Ceph, R2): where, and as whom."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["s3"] = "s3"
    endpoint_url: str | None = None  # an S3-compatible store; none: AWS S3 itself
    region: str | None = None
    access_key_id: str | None = None  # its secret key in the keyring
    session_token: bool = False  # a session token is kept in the keyring too
    aws_profile: str | None = None  # or a profile of this machine's ~/.aws files, by name

    @field_validator("endpoint_url")
    @classmethod
    def _check_endpoint(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("the S3 endpoint is a URL such as https://minio.example.com:9000")
        return value.strip().rstrip("/")

    @field_validator("region", "access_key_id", "aws_profile")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @model_validator(mode="after")
    def _one_identity(self) -> S3Store:
        if self.access_key_id and self.aws_profile:
            raise ValueError("give either an S3 access key or an AWS profile, not both")
        if self.session_token and not self.access_key_id:
            raise ValueError("a session token goes with an access key")
        return self

    def describe(self) -> str:
        """For people: "S3 at http://127.0.0.1:9000 (key AKIA…)"."""
        where = self.endpoint_url or "AWS S3" + (f" ({self.region})" if self.region else "")
        who = (
            f"key {self.access_key_id}"
            if self.access_key_id
            else f"AWS profile {self.aws_profile}"
            if self.aws_profile
            else "this machine's AWS credentials"
        )
        return f"S3 at {where} ({who})" if self.endpoint_url else f"{where} ({who})"


AZURE_AUTH_WORDS = {
    "key": "the account key",
    "sas": "a SAS token",
    "connection-string": "a connection string",
    "service-principal": "a service principal (Microsoft Entra ID)",
    "azure-cli": "the Azure CLI sign-in (az login)",
}
AzureBlobAuth = Literal["key", "sas", "connection-string", "service-principal", "azure-cli"]


class AzureBlobStore(BaseModel):
    """Azure Blob Storage: the account's blob endpoint (None: Azure's own for the account the
    location names) and how the profile signs in — a key, SAS or connection string in the
    keyring, or Microsoft Entra ID: a service principal (its client secret in the keyring) or
    this machine's Azure CLI sign-in."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["azure-blob"] = "azure-blob"
    account_url: str | None = None  # an emulator, a private endpoint or another cloud
    auth: AzureBlobAuth = "key"
    tenant_id: str | None = None  # Microsoft Entra ID: the tenant (service principal, az)
    client_id: str | None = None  # the service principal's application (client) id
    authority_host: str | None = None  # a sovereign cloud's or a private sign-in authority

    @field_validator("tenant_id", "client_id", "authority_host")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @model_validator(mode="after")
    def _entra_needs(self) -> AzureBlobStore:
        entra = self.auth in ("service-principal", "azure-cli")
        if self.auth == "service-principal" and not (self.tenant_id and self.client_id):
            raise ValueError("a service principal needs its tenant id and client id")
        if not entra and (self.tenant_id or self.client_id or self.authority_host):
            raise ValueError("a tenant, client id or authority goes with Microsoft Entra sign-in")
        return self

    @property
    def keeps_secret(self) -> bool:
        """Whether the keyring holds a secret for it (not for the Azure CLI's sign-in)."""
        return self.auth != "azure-cli"

    @field_validator("account_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(
                "the account URL is a URL such as https://myaccount.blob.core.windows.net"
            )
        return value.strip().rstrip("/")

    def describe(self) -> str:
        """For people: "Azure Blob at … (the account key)"."""
        who = AZURE_AUTH_WORDS[self.auth]
        if self.auth == "service-principal":
            who = f"service principal {self.client_id} of tenant {self.tenant_id}"
        return f"Azure Blob at {self.account_url or 'Azure'} ({who})"


class GcsStore(BaseModel):
    """Google Cloud Storage: the JSON API's endpoint (None: Google's own) and the credentials,
    a service-account key file (a path: the key stays where the user keeps it), this
    machine's application default credentials, or none at all (an emulator)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["gcs"] = "gcs"
    endpoint_url: str | None = None  # an emulator or a private endpoint
    key_file: str | None = None  # a service-account key (JSON); none: application defaults
    anonymous: bool = False

    @field_validator("endpoint_url")
    @classmethod
    def _check_endpoint(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("the GCS endpoint is a URL such as https://storage.googleapis.com")
        return value.strip().rstrip("/")

    @field_validator("key_file")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @model_validator(mode="after")
    def _one_identity(self) -> GcsStore:
        if self.key_file and self.anonymous:
            raise ValueError("give either a service-account key file or no credentials, not both")
        return self

    def describe(self) -> str:
        """For people: "GCS at … (key file ~/keys/sa.json)"."""
        who = (
            "no credentials"
            if self.anonymous
            else f"key file {self.key_file}"
            if self.key_file
            else "application default credentials"
        )
        return f"GCS at {self.endpoint_url or 'Google Cloud Storage'} ({who})"


ArtifactStore = Annotated[S3Store | AzureBlobStore | GcsStore, Field(discriminator="kind")]
