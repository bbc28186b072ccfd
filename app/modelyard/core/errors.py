"""Errors the core raises, each with a message a person can act on.

Connectors translate whatever their libraries raise into :class:`RegistryError` through
:func:`describe_exception`, which classifies the failure and scrubs secret values.
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
    INVALID = "invalid"  # bad input from the user
    KEYRING = "keyring"
    CANCELLED = "cancelled"
    CONFLICT = "conflict"  # the registry changed since it was shown
    UNKNOWN = "unknown"


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


_STATUS_RE = re.compile(r"(?:error code|status(?: code)?)\s*:?\s*(\d{3})", re.IGNORECASE)


def scrub(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every secret value that occurs in ``text`` (defence in depth for messages)."""
    for secret in secrets:
        if secret and len(secret) >= 3:
            text = text.replace(secret, "•••")
    return text


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_exception(
    exc: BaseException, where: str, secrets: Iterable[str | None] = ()
) -> ModelyardError:
    """Classify ``exc`` (from MLflow, requests, sqlite …) as a ModelyardError for ``where``.

    ``where`` names the place in words, e.g. "http://host:5000" or "the registry file x.db".
    """
    if isinstance(exc, ModelyardError):
        return exc
    secrets = tuple(secrets)
    raw = scrub(f"{exc}", secrets)
    low = raw.lower()
    code = str(getattr(exc, "error_code", "") or "")
    status_match = _STATUS_RE.search(raw)
    status = int(status_match.group(1)) if status_match else None

    def err(kind: ErrorKind, message: str) -> RegistryError:
        return RegistryError(message, kind)

    if "<html" in low or "<!doctype html" in low:
        if status == 404:
            return err(
                ErrorKind.NO_API,
                f"No MLflow API was found at {where} (404, a web page answered). Check the URL: "
                "it should be the tracking server's base address, e.g. https://mlflow.example.com.",
            )
        if status in (401, 403):
            return err(
                ErrorKind.AUTH,
                f"{where} answered {status} with a web page: a login proxy probably sits in "
                "front of the MLflow API. Use credentials the proxy accepts (e.g. a token).",
            )
        return err(
            ErrorKind.HTML,
            f"{where} answered with a web page instead of MLflow's JSON API"
            + (f" (HTTP {status})" if status else "")
            + ": a login or corporate proxy may be in the way, or the URL points at the wrong "
            "place.",
        )
    if code == "UNAUTHENTICATED" or status == 401 or "not authenticated" in low:
        return err(
            ErrorKind.AUTH,
            f"{where} refused the credentials (401 Unauthorized). Check the username and "
            "password, or the token, and that it has not expired.",
        )
    if code == "PERMISSION_DENIED" or status == 403 or "permission denied" in low:
        return err(
            ErrorKind.PERMISSION,
            f"Permission denied by {where} (403): your account may read but not change this.",
        )
    if code == "ENDPOINT_NOT_FOUND" or (status == 404 and "/api/" in low):
        return err(
            ErrorKind.NO_API,
            f"No MLflow API was found at {where} (404). Check the URL: it should be the "
            "tracking server's base address, e.g. https://mlflow.example.com.",
        )
    if any(
        s in low for s in ("workspacenotfound", "resourcegroupnotfound", "subscriptionnotfound")
    ):
        return err(
            ErrorKind.NOT_FOUND,
            f"{where} does not exist: check the subscription id, resource group, workspace name "
            "and region.",
        )
    if code in ("RESOURCE_DOES_NOT_EXIST", "NOT_FOUND"):
        return err(ErrorKind.NOT_FOUND, f"Not found on {where}: {_short(_mlflow_message(raw))}")
    if code == "INVALID_PARAMETER_VALUE":
        return err(
            ErrorKind.INVALID, f"{where} rejected the request: {_short(_mlflow_message(raw))}"
        )
    if any(
        s in low for s in ("certificate_verify_failed", "sslerror", "ssl:", "certificate verify")
    ):
        hint = (
            "the certificate is self-signed or issued by an unknown authority: give the CA "
            "bundle, or switch on insecure TLS for a test server"
        )
        if "hostname mismatch" in low or "doesn't match" in low or "not valid for" in low:
            hint = "the certificate was issued for another host name"
        return err(ErrorKind.TLS, f"TLS check failed for {where}: {hint}.")
    if any(
        s in low
        for s in (
            "name or service not known",
            "nodename nor servname",
            "failed to resolve",
            "nameresolutionerror",
            "temporary failure in name resolution",
            "getaddrinfo failed",
        )
    ):
        return err(
            ErrorKind.UNRESOLVED, f"The host name of {where} does not resolve: check the URL."
        )
    if "connection refused" in low or "failed to establish a new connection" in low:
        return err(
            ErrorKind.REFUSED,
            f"Could not connect to {where}: connection refused. Is the server running, and are "
            "host and port right?",
        )
    if "timed out" in low or "timeout" in low:
        return err(
            ErrorKind.TIMEOUT,
            f"{where} did not answer in time: the server may be down or overloaded.",
        )
    if status is not None and status >= 500:
        return err(
            ErrorKind.SERVER, f"{where} had an internal error (HTTP {status}): {_short(raw)}"
        )
    if "max retries exceeded" in low or "connectionerror" in low or "remotedisconnected" in low:
        return err(ErrorKind.REFUSED, f"The connection to {where} failed: {_short(raw)}")
    if "was not in a valid json format" in low:
        return err(
            ErrorKind.HTML,
            f"{where} did not answer with MLflow's JSON API: "
            "check the URL or any proxy in between.",
        )
    return err(ErrorKind.UNKNOWN, f"{where}: {_short(raw) or type(exc).__name__}")


def _mlflow_message(raw: str) -> str:
    """MLflow error texts often start with an error code in capitals: keep the human part."""
    return re.sub(r"^[A-Z_]+:\s*", "", raw)
