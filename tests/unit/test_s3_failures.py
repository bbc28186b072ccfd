"""What an S3 store's failure means, from botocore's exception type and S3's error code."""

from __future__ import annotations

import pytest
from botocore import exceptions as bx

from modelyard.core.connectors._s3 import S3Files, S3Settings
from modelyard.core.model.errors import ErrorKind, RegistryError

STORE = S3Files(S3Settings(endpoint_url="http://minio.lan:9000", access_key_id="AKIA1"), (1, 1))


def client_error(code: str, status: int) -> bx.ClientError:
    return bx.ClientError(
        {"Error": {"Code": code, "Message": "x"}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "ListObjectsV2",
    )


@pytest.mark.parametrize(
    ("error", "kind", "words"),
    [
        (
            client_error("SignatureDoesNotMatch", 403),
            ErrorKind.AUTH,
            "refused the access key AKIA1",
        ),
        (client_error("InvalidAccessKeyId", 403), ErrorKind.AUTH, "refused the access key AKIA1"),
        (client_error("ExpiredToken", 400), ErrorKind.AUTH, "has expired"),
        (client_error("AccessDenied", 403), ErrorKind.PERMISSION, "denied the access key AKIA1"),
        (client_error("NoSuchBucket", 404), ErrorKind.NOT_FOUND, "has no bucket 'models'"),
        (client_error("PermanentRedirect", 301), ErrorKind.INVALID, "in another region"),
        (client_error("InternalError", 500), ErrorKind.SERVER, "had an error (500"),
        (bx.NoCredentialsError(), ErrorKind.INVALID, "No S3 credentials"),
        (
            bx.EndpointConnectionError(endpoint_url="http://minio.lan:9000"),
            ErrorKind.REFUSED,
            "does not answer (the tracking server does",
        ),
    ],
)
def test_each_failure_is_named_as_the_stores(error: Exception, kind: ErrorKind, words: str) -> None:
    found = STORE._failure(error, "models")
    assert isinstance(found, RegistryError)
    assert found.kind is kind
    assert words in found.message
    assert "the S3 store at http://minio.lan:9000" in found.message or "No S3" in found.message


def test_a_missing_key_is_a_missing_file() -> None:
    found = STORE._failure(client_error("NoSuchKey", 404), "models", "m/MLmodel")
    assert isinstance(found, FileNotFoundError)


def test_without_a_key_the_machines_credentials_are_named() -> None:
    machine = S3Files(S3Settings(), (1, 1))
    found = machine._failure(client_error("InvalidAccessKeyId", 403), "models")
    assert isinstance(found, RegistryError)
    assert "the S3 store at AWS S3 refused this machine's AWS credentials" in found.message
