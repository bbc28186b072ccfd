"""Failures are classified by exception type and HTTP status (or MLflow error code), never by
message text: each case below carries a misleading message to prove it (issue #11.16)."""

from __future__ import annotations

import http.client
import json
import socket
import ssl

import pytest
import requests
import urllib3.exceptions as u3
from mlflow.exceptions import MlflowException, RestException

from modelyard.core.model.errors import (
    ErrorKind,
    HttpStatusError,
    NotJsonError,
    RegistryError,
    describe_exception,
)
from modelyard.core.runtime.text import scrub

MISLEADING = "Connection refused; 401; permission denied; <html>; timed out"


def wrapped(inner: BaseException) -> BaseException:
    """What MLflow does: ``raise MlflowException(f"... {e}")`` inside ``except`` (context only)."""
    try:
        raise inner
    except BaseException:
        try:
            raise MlflowException(f"API request failed with exception {MISLEADING}")
        except MlflowException as outer:
            made: BaseException = outer
            return made
    raise AssertionError


def via_requests(cause: BaseException, kind: type[requests.RequestException]) -> BaseException:
    """requests' shape: requests error → MaxRetryError → urllib3 error (caused by the OS one)."""
    pool_error = cause
    retry = u3.MaxRetryError(None, "/api", reason=pool_error)  # type: ignore[arg-type]
    return kind(retry)


def new_connection(os_error: OSError) -> u3.NewConnectionError:
    error = u3.NewConnectionError(None, MISLEADING)  # type: ignore[arg-type]
    error.__cause__ = os_error
    return error


def name_resolution() -> u3.NameResolutionError:
    error = u3.NameResolutionError("nohost.invalid", None, socket.gaierror(-2, MISLEADING))  # type: ignore[arg-type]
    error.__cause__ = socket.gaierror(-2, "Name or service not known")
    return error


def cert_error(code: int) -> ssl.SSLCertVerificationError:
    error = ssl.SSLCertVerificationError(1, MISLEADING)
    error.verify_code = code
    return error


def rest(code: str, status: int) -> RestException:
    error = RestException({"error_code": code, "message": MISLEADING})
    error.http_status = status
    return error


CASES = [
    (rest("UNAUTHENTICATED", 401), ErrorKind.AUTH, "refused the credentials"),
    (rest("PERMISSION_DENIED", 403), ErrorKind.PERMISSION, "403"),
    (rest("ENDPOINT_NOT_FOUND", 404), ErrorKind.NO_API, "No MLflow API"),
    (rest("RESOURCE_DOES_NOT_EXIST", 404), ErrorKind.NOT_FOUND, "Not found"),
    (rest("INTERNAL_ERROR", 500), ErrorKind.SERVER, "500 Internal Server Error"),
    (HttpStatusError("u", 502, "Bad Gateway", "text/html"), ErrorKind.SERVER, "502 Bad Gateway"),
    (HttpStatusError("u", 503, "", "text/plain"), ErrorKind.SERVER, "503 Service Unavailable"),
    (HttpStatusError("u", 401, "", "text/html"), ErrorKind.AUTH, "login proxy"),
    (
        HttpStatusError("u", 401, "", "text/html", challenge='Basic realm="mlflow"'),
        ErrorKind.AUTH,
        "refused the credentials",
    ),
    (HttpStatusError("u", 404, "", "text/html"), ErrorKind.NO_API, "No MLflow API"),
    (NotJsonError("u", 200, "text/html; charset=utf-8"), ErrorKind.HTML, "web page"),
    (
        via_requests(
            new_connection(ConnectionRefusedError(111, MISLEADING)), requests.ConnectionError
        ),
        ErrorKind.REFUSED,
        "connection refused",
    ),
    (via_requests(name_resolution(), requests.ConnectionError), ErrorKind.UNRESOLVED, "resolve"),
    (
        via_requests(u3.SSLError(cert_error(19)), requests.exceptions.SSLError),
        ErrorKind.TLS,
        "self-signed",
    ),
    (
        via_requests(u3.SSLError(cert_error(64)), requests.exceptions.SSLError),
        ErrorKind.TLS,
        "issued for another host name",
    ),
    (
        via_requests(u3.ReadTimeoutError(None, "/api", MISLEADING), requests.ReadTimeout),  # type: ignore[arg-type]
        ErrorKind.TIMEOUT,
        "accepted the connection but did not answer",
    ),
    (
        via_requests(u3.ConnectTimeoutError(MISLEADING), requests.ConnectTimeout),
        ErrorKind.TIMEOUT,
        "did not accept the connection",
    ),
    (
        requests.ConnectionError(u3.ProtocolError(MISLEADING, ConnectionResetError(104, ""))),
        ErrorKind.NETWORK,
        "reset",
    ),
    (
        requests.ConnectionError(u3.ProtocolError(MISLEADING, http.client.RemoteDisconnected(""))),
        ErrorKind.NETWORK,
        "closed the connection",
    ),
    (
        requests.exceptions.ChunkedEncodingError(
            u3.ProtocolError(MISLEADING, http.client.IncompleteRead(b"x" * 10, 90))
        ),
        ErrorKind.NETWORK,
        "cut off",
    ),
    (json.JSONDecodeError(MISLEADING, "<html>", 0), ErrorKind.HTML, "did not answer with JSON"),
]


@pytest.mark.parametrize(("exc", "kind", "words"), CASES)
def test_failures_are_classified_by_type_and_status(
    exc: BaseException, kind: ErrorKind, words: str
) -> None:
    for shape in (exc, wrapped(exc)):
        error = describe_exception(shape, "http://h:5000")
        assert isinstance(error, RegistryError)
        assert (error.kind, words) == (kind, words) and words in error.message, error.message
        assert "http://h:5000" in error.message


def test_a_message_alone_classifies_nothing() -> None:
    error = describe_exception(RuntimeError(MISLEADING), "http://h:5000")
    assert error.kind is ErrorKind.UNKNOWN
    assert "RuntimeError" in error.message


def test_secrets_and_url_credentials_are_scrubbed_from_messages() -> None:
    error = describe_exception(
        RuntimeError("boom with hunter2-secret at http://ana:pw-in-url@h/x"),
        "x",
        secrets=["hunter2-secret"],
    )
    assert "hunter2-secret" not in error.message and "pw-in-url" not in error.message
    assert "http://ana:•••@h/x" in error.message
    assert scrub("a b", [None, ""]) == "a b"
