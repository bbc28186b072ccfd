from __future__ import annotations

import pytest

from modelyard.core.errors import ErrorKind, RegistryError, describe_exception, scrub


class FakeMlflowError(Exception):
    """Shaped like MlflowException: a message and an error_code attribute."""

    def __init__(self, message: str, error_code: str = "") -> None:
        super().__init__(message)
        self.error_code = error_code


@pytest.mark.parametrize(
    ("exc", "kind", "words"),
    [
        (
            FakeMlflowError(
                "API request to endpoint /api/2.0/mlflow/registered-models/search "
                "failed with error code 401 != 200. Response body: 'You are not "
                "authenticated.'",
                "UNAUTHENTICATED",
            ),
            ErrorKind.AUTH,
            "401",
        ),
        (FakeMlflowError("Permission denied", "PERMISSION_DENIED"), ErrorKind.PERMISSION, "403"),
        (
            FakeMlflowError(
                "failed with error code 404 != 200 /api/2.0/mlflow", "ENDPOINT_NOT_FOUND"
            ),
            ErrorKind.NO_API,
            "No MLflow API",
        ),
        (
            FakeMlflowError("error code 200. Response body: '<!DOCTYPE html><html>'"),
            ErrorKind.HTML,
            "web page",
        ),
        (
            ConnectionError(
                "HTTPConnectionPool: Max retries exceeded (Caused by NewConnectionError("
                "'Failed to establish a new connection: [Errno 111] Connection refused'))"
            ),
            ErrorKind.REFUSED,
            "connection refused",
        ),
        (
            ConnectionError("NameResolutionError: Failed to resolve 'nohost.invalid'"),
            ErrorKind.UNRESOLVED,
            "does not resolve",
        ),
        (
            ConnectionError(
                "SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] "
                "certificate verify failed: self-signed certificate'))"
            ),
            ErrorKind.TLS,
            "self-signed",
        ),
        (TimeoutError("Read timed out. (read timeout=15)"), ErrorKind.TIMEOUT, "did not answer"),
        (
            FakeMlflowError("Registered Model with name=x not found", "RESOURCE_DOES_NOT_EXIST"),
            ErrorKind.NOT_FOUND,
            "Not found",
        ),
    ],
)
def test_failures_are_classified(exc: Exception, kind: ErrorKind, words: str) -> None:
    error = describe_exception(exc, "http://h:5000")
    assert isinstance(error, RegistryError)
    assert error.kind is kind
    assert words in error.message
    assert "http://h:5000" in error.message


def test_secrets_are_scrubbed_from_messages() -> None:
    error = describe_exception(
        RuntimeError("boom with hunter2-secret inside"), "x", secrets=["hunter2-secret"]
    )
    assert "hunter2-secret" not in error.message
    assert scrub("a b", [None, ""]) == "a b"
