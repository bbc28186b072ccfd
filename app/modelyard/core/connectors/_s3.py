"""A version's files in S3 or an S3-compatible store (MinIO, Ceph, R2), with one profile's own
store settings.

Self-hosted MLflow often runs with ``--no-serve-artifacts`` and an ``s3://`` artifact root: the
client then reads and writes the files itself. MLflow's S3 repository takes its endpoint from
the process environment (``MLFLOW_S3_ENDPOINT_URL``) and its keys from boto3's default chain,
so two registries with two stores could not both be read in one process. Here every profile
has its own boto3 client — its endpoint, region and access key (secret and session token from
the keyring), or a named AWS profile of this machine — and nothing is read from or put into
``os.environ`` for it. Failures are raised as what they are, from the exception's type and
the store's error code: the key refused, the bucket missing, the endpoint not answering.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from modelyard.core.connectors._imports import IMPORT_LOCK
from modelyard.core.model.domain import ArtifactEntry, ArtifactStream
from modelyard.core.model.errors import ErrorKind, RegistryError

CHUNK = 256 * 1024
DELETE_BATCH = 1000  # S3's DeleteObjects limit

# The store's error codes, by what they mean for the person (S3's documented codes).
REFUSED_KEY = frozenset({"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken"})
EXPIRED = frozenset({"ExpiredToken", "TokenRefreshRequired", "RequestExpired"})
DENIED = frozenset({"AccessDenied", "AllAccessDisabled", "AccountProblem"})
MISSING_KEY = frozenset({"NoSuchKey", "404", "NotFound"})
WRONG_REGION = frozenset(
    {"PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException"}
)


@dataclass(frozen=True, slots=True)
class S3Settings:
    """Where and as whom one profile reaches its S3 store (secrets filled from the keyring)."""

    endpoint_url: str | None = None  # an S3-compatible store; None: AWS itself
    region: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    session_token: str | None = None
    aws_profile: str | None = None  # a profile of this machine's ~/.aws files, by name
    path_style: bool = True  # bucket in the path (MinIO and most S3-compatible stores)

    @classmethod
    def from_machine(cls) -> S3Settings:
        """A profile without a store of its own: boto3's credential chain of this machine,
        and MLflow's own endpoint variable when it is set (read here, never written)."""
        import os

        return cls(endpoint_url=os.environ.get("MLFLOW_S3_ENDPOINT_URL") or None)

    def where(self) -> str:
        """The store, for messages: its endpoint, or AWS S3 in its region."""
        if self.endpoint_url:
            return self.endpoint_url.rstrip("/")
        return f"AWS S3 ({self.region})" if self.region else "AWS S3"


def split_location(location: str) -> tuple[str, str]:
    """(bucket, key prefix without slashes at either end) of an ``s3://bucket/prefix``."""
    parts = urlsplit(location)
    if parts.scheme not in ("s3", "s3a") or not parts.netloc:
        raise RegistryError(f"Not an S3 location: {location}", ErrorKind.INVALID)
    return parts.netloc, parts.path.strip("/")


def _join(*parts: str) -> str:
    return "/".join(p.strip("/") for p in parts if p.strip("/"))


class S3Files:
    """One profile's S3 store: list, read (streamed or only the head), write and remove."""

    def __init__(self, settings: S3Settings, timeout: tuple[float, float]) -> None:
        self.settings = settings
        self.timeout = timeout  # connect, and the longest wait between two bytes
        self._client: Any = None
        self._lock = threading.Lock()

    # --- the client ---------------------------------------------------------------------------
    def client(self) -> Any:
        """This profile's boto3 client (made at first use; boto3 imported then)."""
        with self._lock:
            if self._client is None:
                self._client = self._make_client()
            return self._client

    def _make_client(self) -> Any:
        s = self.settings
        try:
            with IMPORT_LOCK:
                import boto3
                from botocore.config import Config
        except ImportError:
            raise RegistryError(
                "This version's files are in an S3 store; reading them needs boto3 "
                "(pip install boto3).",
                ErrorKind.INVALID,
            ) from None
        if s.aws_profile:
            session = boto3.session.Session(profile_name=s.aws_profile, region_name=s.region)
        else:
            # Explicit keys, or none at all: then boto3's own chain of this machine (~/.aws,
            # an instance role) — the profile said nothing more.
            session = boto3.session.Session(
                aws_access_key_id=s.access_key_id or None,
                aws_secret_access_key=s.secret_access_key or None,
                aws_session_token=s.session_token or None,
                region_name=s.region or ("us-east-1" if s.endpoint_url else None),
            )
        config = Config(
            connect_timeout=self.timeout[0],
            read_timeout=self.timeout[1],
            retries={"max_attempts": 2, "mode": "standard"},
            # the bucket in the path for S3-compatible stores; AWS itself chooses
            s3={"addressing_style": "path" if s.path_style and s.endpoint_url else "auto"},
            signature_version="s3v4",
        )
        return session.client("s3", endpoint_url=s.endpoint_url or None, config=config)

    # --- failures -----------------------------------------------------------------------------
    def _failure(self, exc: Exception, bucket: str, key: str = "") -> Exception:
        """What a boto3/botocore exception means, named as the store's (by type and code)."""
        from botocore import exceptions as bx

        where = f"the S3 store at {self.settings.where()}"
        s = self.settings
        who = (
            f"the access key {s.access_key_id}"
            if s.access_key_id
            else f"the keys of AWS profile {s.aws_profile}"
            if s.aws_profile
            else "this machine's AWS credentials"
        )
        if isinstance(exc, bx.ClientError):
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
            if code in MISSING_KEY and key:
                return FileNotFoundError(f"s3://{bucket}/{key}")
            if code == "NoSuchBucket":
                return RegistryError(
                    f"{where} has no bucket {bucket!r} (the registry names it for this "
                    "version's files): check the profile's store endpoint.",
                    ErrorKind.NOT_FOUND,
                )
            if code in WRONG_REGION or status == 301:
                return RegistryError(
                    f"{where}: bucket {bucket!r} is in another region than the profile's "
                    f"({self.settings.region or 'none set'}; {code}): set the profile's S3 "
                    "region to the bucket's.",
                    ErrorKind.INVALID,
                )
            if code in REFUSED_KEY:
                return RegistryError(
                    f"{where} refused {who} ({code}): check the profile's S3 access key "
                    "and secret.",
                    ErrorKind.AUTH,
                )
            if code in EXPIRED:
                return RegistryError(
                    f"{where}: the session token of {who} has expired ({code}).",
                    ErrorKind.AUTH,
                )
            if code in DENIED or status == 403:
                return RegistryError(
                    f"{where} denied {who} access to bucket {bucket!r} ({code}).",
                    ErrorKind.PERMISSION,
                )
            if status >= 500:
                return RegistryError(f"{where} had an error ({status} {code}).", ErrorKind.SERVER)
            return RegistryError(f"{where} refused the request ({status} {code}).")
        if isinstance(exc, bx.NoCredentialsError):
            return RegistryError(
                f"No S3 credentials for {where}: this profile has no access key and this "
                "machine none either. Set the profile's artifact store (S3 access key and "
                "secret, or an AWS profile) in the profile editor (File ▸ Edit profile…) or "
                "with `modelyard profiles add … --s3-access-key-id ID --s3-secret-stdin`.",
                ErrorKind.INVALID,
            )
        if isinstance(exc, bx.ProfileNotFound):
            return RegistryError(
                f"The AWS profile {self.settings.aws_profile!r} is not in this machine's "
                "~/.aws files.",
                ErrorKind.INVALID,
            )
        if isinstance(exc, bx.EndpointConnectionError | bx.ConnectTimeoutError):
            return RegistryError(
                f"{where} does not answer (the tracking server does; the files are kept "
                "there): check the profile's store endpoint, or try again.",
                ErrorKind.REFUSED,
            )
        if isinstance(exc, bx.ReadTimeoutError):
            return RegistryError(
                f"{where} stopped answering in the middle of a transfer.", ErrorKind.TIMEOUT
            )
        if isinstance(exc, bx.SSLError):
            return RegistryError(f"{where}: TLS certificate problem ({exc}).", ErrorKind.TLS)
        if isinstance(exc, bx.BotoCoreError):
            return RegistryError(f"{where}: {type(exc).__name__}: {exc}")
        return exc

    def _do(self, what: Any, bucket: str, key: str = "") -> Any:
        try:
            return what(self.client())
        except RegistryError:
            raise
        except Exception as exc:
            raise self._failure(exc, bucket, key) from None

    # --- listing ------------------------------------------------------------------------------
    def list_dir(self, location: str, path: str = "") -> list[ArtifactEntry]:
        """Entries directly below ``path`` of ``location`` (folders from common prefixes)."""
        bucket, root = split_location(location)
        prefix = _join(root, path)
        prefix = f"{prefix}/" if prefix else ""
        entries: list[ArtifactEntry] = []
        token: str | None = None
        while True:
            args: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix, "Delimiter": "/"}
            if token:
                args["ContinuationToken"] = token
            page = self._do(lambda c, a=args: c.list_objects_v2(**a), bucket)
            for folder in page.get("CommonPrefixes", []):
                name = str(folder["Prefix"])[len(prefix) :].strip("/")
                entries.append(ArtifactEntry(_join(path, name), True))
            for item in page.get("Contents", []):
                name = str(item["Key"])[len(prefix) :]
                if name and not name.endswith("/"):  # a "folder/" marker is no file
                    entries.append(ArtifactEntry(_join(path, name), False, int(item["Size"])))
            token = page.get("NextContinuationToken") if page.get("IsTruncated") else None
            if not token:
                return entries

    # --- reading ------------------------------------------------------------------------------
    def open(self, location: str, path: str, first: int | None = None) -> ArtifactStream:
        """One file, streamed as it arrives; ``first``: only its first bytes (a ranged read)."""
        bucket, root = split_location(location)
        key = _join(root, path)
        args: dict[str, Any] = {"Bucket": bucket, "Key": key}
        if first is not None:
            args["Range"] = f"bytes=0-{max(first, 1) - 1}"
        answer = self._do(lambda c: c.get_object(**args), bucket, key)
        body = answer["Body"]
        size = answer.get("ContentLength")
        if first is not None:
            total = str(answer.get("ContentRange", "")).rpartition("/")[2]
            size = int(total) if total.isdigit() else size

        def chunks() -> Iterator[bytes]:
            try:
                while True:
                    chunk = body.read(CHUNK)
                    if not chunk:
                        return
                    yield chunk
            except Exception as exc:
                raise self._failure(exc, bucket, key) from None

        return ArtifactStream(int(size) if size is not None else None, chunks(), body.close)

    # --- writing (a copy into this store) -----------------------------------------------------
    def write(
        self, location: str, path: str, source: Path, on_bytes: Callable[[int], None]
    ) -> None:
        """Upload one file to ``path`` below ``location`` (multipart for big files), telling
        ``on_bytes`` what went."""
        bucket, root = split_location(location)
        key = _join(root, path)
        self._do(lambda c: c.upload_file(str(source), bucket, key, Callback=on_bytes), bucket, key)

    def remove_below(self, location: str) -> int:
        """Delete every object below ``location``; how many were deleted."""
        bucket, root = split_location(location)
        prefix = f"{root}/" if root else ""
        if not prefix:
            raise RegistryError(f"Refusing to empty the whole bucket {bucket!r}.")
        removed = 0
        token: str | None = None
        while True:
            args: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
            if token:
                args["ContinuationToken"] = token
            page = self._do(lambda c, a=args: c.list_objects_v2(**a), bucket)
            keys = [{"Key": str(item["Key"])} for item in page.get("Contents", [])]
            for start in range(0, len(keys), DELETE_BATCH):
                batch = keys[start : start + DELETE_BATCH]
                self._do(
                    lambda c, b=batch: c.delete_objects(
                        Bucket=bucket, Delete={"Objects": b, "Quiet": True}
                    ),
                    bucket,
                )
                removed += len(batch)
            token = page.get("NextContinuationToken") if page.get("IsTruncated") else None
            if not token:
                return removed
