"""Errors the core raises, each with a message a person can act on.

Connectors translate whatever their libraries raise into :class:`RegistryError` through
:func:`describe_exception`, which classifies the failure by exception type and HTTP status (or
MLflow error code), never by message text, and scrubs secret values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum


class ErrorKind(StrEnum):
    """Why something failed, coarse enough to choose a message and an icon."""

    AUTH = "auth"  # 401: the credentials were refused
    PERMISSION = "permission"  # 403: known identity, not allowed
    NOT_FOUND = "not-found"
    NO_API = "no-api"  # 404 on the API path: wrong URL
    HTML = "html"  # a web page (login proxy?) where JSON was expected
    UNRESOLVED = "unresolved"  # host name does not resolve
    REFUSED = "refused"  # nothing listens there
    TLS = "tls"
    TIMEOUT = "timeout"
    SERVER = "server"  # 5xx
    NETWORK = "network"  # the connection dropped, was reset or cut an answer short
    INVALID = "invalid"  # bad input from the user
    KEYRING = "keyring"
    CANCELLED = "cancelled"
    CONFLICT = "conflict"  # the registry changed since it was shown
    UNKNOWN = "unknown"


# Failures that mean "the registry cannot be reached now" (its last-seen state is what there
# is to show), as opposed to an answer that refuses (401, 403, 404, a bad request).
UNREACHABLE = frozenset(
    {
        ErrorKind.REFUSED,
        ErrorKind.TIMEOUT,
        ErrorKind.UNRESOLVED,
        ErrorKind.NETWORK,
        ErrorKind.SERVER,
        ErrorKind.HTML,
    }
)


class ModelyardError(Exception):
    """Base class for every error Modelyard reports to a person."""

    kind: ErrorKind = ErrorKind.UNKNOWN

    def __init__(self, message: str, kind: ErrorKind | None = None) -> None:
        super().__init__(message)
        self.message = message
        if kind is not None:
            self.kind = kind

    def __str__(self) -> str:
        return self.message


class RegistryError(ModelyardError):
    """A registry call failed; ``message`` says why in plain words."""


class ProfileError(ModelyardError):
    """A profile is missing, duplicated or invalid."""

    kind = ErrorKind.INVALID


class Cancelled(ModelyardError):
    """The user cancelled the operation."""

    kind = ErrorKind.CANCELLED

    def __init__(self, message: str = "Cancelled.") -> None:
        super().__init__(message)


class HttpStatusError(Exception):
    """A server answered an API call with an HTTP error status and no MLflow JSON error: a
    proxy, a gateway, a login page, or a server that is not MLflow."""

    def __init__(
        self,
        url: str,
        status: int,
        reason: str,
        content_type: str,
        *,
        body: str = "",
        challenge: str = "",
    ) -> None:
        super().__init__(f"HTTP {status} {reason} from {url}")
        self.url = url
        self.status = status
        self.reason = reason
        self.content_type = content_type
        self.body = body[:300]
        self.challenge = challenge  # WWW-Authenticate: the server itself asks for credentials

    @property
    def html(self) -> bool:
        """The answer is a web page."""
        return "html" in self.content_type.lower()


class NotJsonError(Exception):
    """A successful answer that is not JSON where the API answers JSON (a login page, a proxy
    that swallowed the call)."""

    def __init__(
        self, url: str, status: int, content_type: str, expected: str = "MLflow's JSON API"
    ) -> None:
        super().__init__(f"HTTP {status} {content_type or 'without a content type'} from {url}")
        self.url = url
        self.status = status
        self.content_type = content_type
        self.expected = expected

    @property
    def html(self) -> bool:
        """The answer is a web page."""
        return "html" in self.content_type.lower()


class BodyInterrupted(Exception):
    """An answer that had begun and then stopped: the body went silent (``stalled``) or the
    connection dropped, after ``received`` bytes of ``url``."""

    def __init__(self, url: str, received: int, stalled: bool) -> None:
        super().__init__(f"{url}: {'stalled' if stalled else 'cut'} after {received} bytes")
        self.url = url
        self.received = received
        self.stalled = stalled


# MLflow's (and Databricks') error codes, by what they mean for a person.
_AUTH_CODES = {"UNAUTHENTICATED", "CUSTOMER_UNAUTHORIZED"}
_PERMISSION_CODES = {"PERMISSION_DENIED"}
_NOT_FOUND_CODES = {"RESOURCE_DOES_NOT_EXIST", "NOT_FOUND"}
_INVALID_CODES = {
    "INVALID_PARAMETER_VALUE",
    "BAD_REQUEST",
    "RESOURCE_ALREADY_EXISTS",
    "ALREADY_EXISTS",
    "INVALID_STATE",
}
_SERVER_CODES = {"INTERNAL_ERROR", "TEMPORARILY_UNAVAILABLE", "DEADLINE_EXCEEDED"}
_BUSY_CODES = {"REQUEST_LIMIT_EXCEEDED", "RESOURCE_EXHAUSTED"}
# OpenSSL verify codes (ssl.SSLCertVerificationError.verify_code).
_X509_NAME_MISMATCH = {62, 64}  # host name, IP address
_X509_EXPIRED = 10
_X509_NOT_TRUSTED = {18, 19, 20, 21}  # self-signed, self-signed in chain, unknown issuer


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and what caused it: explicit and implicit causes, the exception a requests or
    urllib3 error wraps (``args[0]``, ``reason``), without loops."""
    seen: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo and len(seen) < 20:
        item = todo.pop(0)
        if any(item is s for s in seen):
            continue
        seen.append(item)
        nested = [item.__cause__, item.__context__, getattr(item, "reason", None)]
        nested += [a for a in getattr(item, "args", ()) if isinstance(a, BaseException)]
        todo += [n for n in nested if isinstance(n, BaseException)]
    return seen


def _status_words(status: int, reason: str = "") -> str:
    from http import HTTPStatus

    if not reason:
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = ""
    return f"{status} {reason}".strip()


def _from_status(status: int, html: bool, where: str, reason: str = "") -> RegistryError:
    words = _status_words(status, reason)
    page = " with a web page" if html else ""
    if status == 401:
        if html:
            return RegistryError(
                f"{where} answered 401 with a web page: a login proxy probably sits in front of "
                "the MLflow API. Use credentials the proxy accepts (e.g. a token).",
                ErrorKind.AUTH,
            )
        return RegistryError(
            f"{where} refused the credentials (401 Unauthorized). Check the username and "
            "password, or the token, and that it has not expired.",
            ErrorKind.AUTH,
        )
    if status == 403:
        return RegistryError(
            f"Permission denied by {where} (403){page}: your account may read but not change "
            "this, or a proxy refuses the call.",
            ErrorKind.PERMISSION,
        )
    if status == 404:
        return RegistryError(
            f"No MLflow API was found at {where} (404{page}). Check the URL: it should be the "
            "tracking server's base address, e.g. https://mlflow.example.com.",
            ErrorKind.NO_API,
        )
    if status == 429:
        return RegistryError(
            f"{where} is rate-limiting requests (429 Too Many Requests): try again shortly.",
            ErrorKind.SERVER,
        )
    if status >= 500:
        what = {
            502: "a gateway or proxy in front of it got no good answer from the server",
            503: "the server is unavailable or overloaded",
            504: "a gateway or proxy in front of it timed out waiting for the server",
        }.get(status, "the server failed while answering")
        return RegistryError(f"{where} answered {words}{page}: {what}.", ErrorKind.SERVER)
    if html:
        return RegistryError(
            f"{where} answered {words} with a web page instead of MLflow's JSON API: a login or "
            "corporate proxy may be in the way, or the URL points at the wrong place.",
            ErrorKind.HTML,
        )
    return RegistryError(f"{where} answered {words}.", ErrorKind.INVALID)


def _from_code(code: str, message: str, where: str, status: int | None) -> RegistryError | None:
    if code in _AUTH_CODES:
        return _from_status(401, False, where)
    if code in _PERMISSION_CODES:
        return RegistryError(
            f"Permission denied by {where} (403): your account may read but not change this.",
            ErrorKind.PERMISSION,
        )
    if code == "ENDPOINT_NOT_FOUND":
        return _from_status(404, False, where)
    if code in _NOT_FOUND_CODES:
        return RegistryError(f"Not found on {where}: {_short(message)}", ErrorKind.NOT_FOUND)
    if code in _INVALID_CODES:
        return RegistryError(f"{where} rejected the request: {_short(message)}", ErrorKind.INVALID)
    if code in _BUSY_CODES:
        return _from_status(429, False, where)
    if code in _SERVER_CODES and status is not None:
        return RegistryError(
            f"{where} answered {_status_words(status)}: {_short(message)}", ErrorKind.SERVER
        )
    return None


def _tls(exc: BaseException, where: str) -> RegistryError:
    import ssl

    code = getattr(exc, "verify_code", None) if isinstance(exc, ssl.SSLError) else None
    if code in _X509_NAME_MISMATCH:
        hint = "the certificate was issued for another host name"
    elif code == _X509_EXPIRED:
        hint = "the server's certificate has expired"
    elif code in _X509_NOT_TRUSTED or isinstance(exc, ssl.SSLCertVerificationError):
        hint = (
            "the certificate is self-signed or issued by an unknown authority: give the CA "
            "bundle, or switch on insecure TLS for a test server"
        )
    else:
        hint = "the TLS handshake failed (is it an https:// server, and does it speak TLS?)"
    return RegistryError(f"TLS check failed for {where}: {hint}.", ErrorKind.TLS)


def _classify(exc: BaseException, where: str) -> RegistryError | None:
    """What one exception in the chain says, by its type; None when it says nothing."""
    import http.client
    import json
    import socket
    import ssl

    import requests
    import urllib3.exceptions as u3

    from modelyard.core.runtime.http import NameLookupTimeout

    if isinstance(exc, BodyInterrupted):
        from urllib.parse import unquote, urlsplit

        parts = urlsplit(exc.url)
        host = f"{parts.scheme}://{parts.netloc}" if parts.netloc else where
        name = unquote(parts.path.rsplit("/", 1)[-1]) or "a file"
        if exc.stalled:
            return RegistryError(
                f"{host} stopped sending {name} after {exc.received:,} bytes and went silent: "
                "the transfer stalled (the wait between bytes is set per profile). Try again; "
                "what arrived was not kept.",
                ErrorKind.TIMEOUT,
            )
        return RegistryError(
            f"The connection to {host} dropped after {exc.received:,} bytes of {name}: the "
            "answer was cut off. Try again; what arrived was not kept.",
            ErrorKind.NETWORK,
        )
    if isinstance(exc, HttpStatusError):
        # A 401 that asks for credentials (WWW-Authenticate) is the server refusing them, even
        # with an HTML body; a 401 page without that challenge is a login proxy's.
        page = exc.html and not (exc.status == 401 and exc.challenge)
        return _from_status(exc.status, page, where, exc.reason)
    if isinstance(exc, NotJsonError):
        if exc.html:
            return RegistryError(
                f"{where} answered with a web page instead of {exc.expected}: a login or "
                "corporate proxy may be in the way, or the URL points at the wrong place.",
                ErrorKind.HTML,
            )
        return RegistryError(
            f"{where} answered with {exc.content_type or 'something'} instead of MLflow's JSON "
            "API: check the URL or any proxy in between.",
            ErrorKind.HTML,
        )
    code = str(getattr(exc, "error_code", "") or "")
    if code:
        status = getattr(exc, "http_status", None)
        json_body = getattr(exc, "json", None)  # an MLflow RestException: the server's own answer
        if status is None and isinstance(json_body, dict):
            status = 500 if code == "INTERNAL_ERROR" else None
        message = getattr(exc, "message", None) or str(exc)
        found = _from_code(code, re.sub(r"^[A-Z_]+:\s*", "", str(message)), where, status)
        if found is not None:
            return found
    if isinstance(exc, ssl.SSLError | requests.exceptions.SSLError | u3.SSLError):
        inner = next((e for e in _chain(exc) if isinstance(e, ssl.SSLError)), exc)
        return _tls(inner, where)
    if isinstance(exc, NameLookupTimeout):
        return RegistryError(
            f"The host name of {where} could not be looked up: the DNS server did not answer "
            f"within {exc.seconds:.0f} s (check the network or VPN, not the URL).",
            ErrorKind.UNRESOLVED,
        )
    if isinstance(exc, u3.NameResolutionError | socket.gaierror):
        return RegistryError(
            f"The host name of {where} does not resolve: check the URL (and the network or VPN).",
            ErrorKind.UNRESOLVED,
        )
    if isinstance(exc, u3.NewConnectionError):  # a ConnectTimeoutError subclass: its cause says
        return None
    if isinstance(exc, requests.exceptions.ConnectTimeout | u3.ConnectTimeoutError):
        return RegistryError(
            f"{where} did not accept the connection in time: the host may be down, or a "
            "firewall drops the traffic.",
            ErrorKind.TIMEOUT,
        )
    if isinstance(
        exc, requests.exceptions.ReadTimeout | u3.ReadTimeoutError | socket.timeout | TimeoutError
    ):
        return RegistryError(
            f"{where} accepted the connection but did not answer in time: the server may be "
            "hung or overloaded (the wait is set per profile).",
            ErrorKind.TIMEOUT,
        )
    if isinstance(exc, ConnectionRefusedError):
        return RegistryError(
            f"Could not connect to {where}: connection refused. Is the server running, and are "
            "host and port right?",
            ErrorKind.REFUSED,
        )
    if isinstance(exc, http.client.RemoteDisconnected):  # a ConnectionResetError subclass
        return RegistryError(
            f"{where} closed the connection without answering: the server or a proxy dropped "
            "the request.",
            ErrorKind.NETWORK,
        )
    if isinstance(exc, ConnectionResetError | BrokenPipeError):
        return RegistryError(
            f"The connection to {where} was reset while talking to it: the server or a proxy "
            "dropped it. Try again; if it keeps happening, the server may be crashing.",
            ErrorKind.NETWORK,
        )
    if isinstance(
        exc,
        http.client.IncompleteRead
        | requests.exceptions.ChunkedEncodingError
        | requests.exceptions.ContentDecodingError,
    ):
        return RegistryError(
            f"The answer from {where} was cut off before its end: the connection dropped.",
            ErrorKind.NETWORK,
        )
    if isinstance(exc, json.JSONDecodeError):
        return RegistryError(
            f"{where} did not answer with JSON: check the URL or any proxy in between.",
            ErrorKind.HTML,
        )
    return None


def describe_exception(
    exc: BaseException, where: str, secrets: Iterable[str | None] = ()
) -> ModelyardError:
    """Classify ``exc`` (from MLflow, requests, urllib3, sqlite …) for ``where`` by the types in
    its chain of causes and the HTTP status or error code they carry, never by message text.

    ``where`` names the place in words, e.g. "http://host:5000" or "the registry file x.db".
    Every message is scrubbed of the secrets given and of credentials in URLs.
    """
    if isinstance(exc, ModelyardError):
        return exc
    secrets = tuple(secrets)
    chain = _chain(exc)
    # Connection-level causes first: they explain the error codes MLflow wraps around them.
    found = None
    for item in chain:
        found = _classify(item, where)
        if found is not None:
            break
    if found is None:
        first = next((e for e in chain if isinstance(e, OSError) and e.strerror), None)
        if first is not None:
            found = RegistryError(f"{where}: {first.strerror}", ErrorKind.NETWORK)
        else:
            raw = _short(str(exc)) or type(exc).__name__
            found = RegistryError(f"{where}: {type(exc).__name__}: {raw}", ErrorKind.UNKNOWN)
    from modelyard.core.runtime.text import redact_url, scrub

    message = redact_url(scrub(found.message, secrets))
    return RegistryError(message, found.kind)
