"""Test a profile for real: connect, list one page, and explain any failure in plain words.

The wizard and ``modelyard profiles test`` both print what :func:`test_connection` returns.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from modelyard.core.kinds import kind_of
from modelyard.core.model.domain import ModelSummary
from modelyard.core.model.errors import ErrorKind, ModelyardError, describe_exception
from modelyard.core.model.registry import Registry
from modelyard.core.profiles.profile import Profile
from modelyard.core.profiles.secrets import SecretStore

HEADLINES: dict[ErrorKind, str] = {
    ErrorKind.AUTH: "Sign-in refused (401)",
    ErrorKind.PERMISSION: "Access denied (403)",
    ErrorKind.NO_API: "No MLflow API at this address (404)",
    ErrorKind.NOT_FOUND: "Not found",
    ErrorKind.HTML: "A web page answered instead of the MLflow API",
    ErrorKind.UNRESOLVED: "The host name does not resolve",
    ErrorKind.REFUSED: "Connection refused",
    ErrorKind.TLS: "TLS certificate problem",
    ErrorKind.TIMEOUT: "No answer in time",
    ErrorKind.SERVER: "The server had an error",
    ErrorKind.INVALID: "The profile is incomplete",
    ErrorKind.KEYRING: "The OS keyring is not available",
    ErrorKind.UNKNOWN: "The connection failed",
}


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """The outcome of a connection test."""

    ok: bool
    headline: str
    message: str
    kind: ErrorKind | None = None
    identity: str = ""
    first_models: tuple[str, ...] = ()
    seconds: float = 0.0
    server: str = ""  # "MLflow 2.9.2" when the server says
    lacks: tuple[str, ...] = ()
    files_at: str = ""  # where the version files that could not be read are

    def text(self) -> str:
        """Headline and explanation, for a terminal or a label."""
        return f"{self.headline}\n{self.message}"


def test_connection(profile: Profile, secrets: SecretStore) -> Diagnosis:
    """Connect with ``profile`` and list one page of models. Blocking; never raises."""
    from modelyard.core.connectors import open_registry

    start = time.monotonic()
    try:
        registry = open_registry(profile, secrets)
        try:
            page = registry.list_models(page_size=5)
            identity = registry.identity()
            capabilities = registry.capabilities()
            files, files_at = files_problem(profile, registry, page.items)
        finally:
            registry.close()
    except Exception as exc:  # every failure becomes a diagnosis
        error = (
            exc
            if isinstance(exc, ModelyardError)
            else describe_exception(exc, profile.settings.describe())
        )
        return Diagnosis(
            ok=False,
            headline=HEADLINES.get(error.kind, HEADLINES[ErrorKind.UNKNOWN]),
            message=error.message,
            kind=error.kind,
            seconds=time.monotonic() - start,
        )
    names = tuple(m.name for m in page.items)
    more = " or more" if page.next_page_token else ""
    seen = (
        f"First models: {', '.join(names)}{more}." if names else "The registry has no models yet."
    )
    runs = f"The server runs {capabilities.server}." if capabilities.server else ""
    words = [who_words(profile, identity), runs, *capabilities.lacks, seen]
    if files is not None:
        return Diagnosis(
            ok=False,
            headline="Connected, but the version files cannot be read",
            message=" ".join([*words, files.message]),
            kind=files.kind,
            identity=identity,
            first_models=names,
            seconds=time.monotonic() - start,
            server=capabilities.server,
            lacks=capabilities.lacks,
            files_at=files_at,
        )
    return Diagnosis(
        ok=True,
        headline="Connected",
        message=" ".join(w for w in words if w),
        identity=identity,
        first_models=names,
        seconds=time.monotonic() - start,
        server=capabilities.server,
        lacks=capabilities.lacks,
    )


def files_problem(
    profile: Profile, registry: Registry, models: Iterable[ModelSummary]
) -> tuple[ModelyardError | None, str]:
    """Why the newest version of the first model with versions has unreadable files (None:
    they list, or there is none), and where they are. An MLflow server that does not serve
    its files leaves them to the client: a wrong or missing store is found here, not at the
    first download."""
    if not kind_of(profile.settings).artifact_stores:
        return None, ""
    model = next((m for m in models if m.latest_versions), None)
    if model is None:
        return None, ""
    version = model.latest_versions[0]
    location = ""
    try:
        location = registry.artifact_location(model.name, version)
        registry.list_artifacts(location)
    except ModelyardError as exc:
        if exc.kind is ErrorKind.NOT_FOUND:
            return None, ""  # that version's files are gone: no fault of the store or profile
        message = f"The files of {model.name} v{version}: {exc.message}"
        return ModelyardError(message, exc.kind), location
    return None, ""


def who_words(profile: Profile, identity: str) -> str:
    """Who the registry sees, in words: only a profile that signs in is "signed in"."""
    return kind_of(profile.settings).who(profile.settings, identity)
