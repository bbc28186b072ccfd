"""Signing in to a Databricks workspace: databricks-sdk's ``Config`` built from the profile
alone (host, auth type, client id, or a named ~/.databrickscfg profile) plus the secret from
the keyring; the SDK refreshes OAuth tokens and is asked for the header on every request."""

from __future__ import annotations

import threading
from typing import Any

from modelyard.core.kinds import DatabricksSettings
from modelyard.core.model.errors import (
    ErrorKind,
    ProfileError,
    RegistryError,
    describe_exception,
)
from modelyard.core.profiles.databrickscfg import profile_problem
from modelyard.core.profiles.profile import Profile, secret_fields
from modelyard.core.profiles.secrets import SecretStore

SDK_AUTH_TYPE = {
    "pat": "pat",
    "oauth-m2m": "oauth-m2m",
    "oauth-u2m": "external-browser",
    "azure-cli": "azure-cli",
}


class DatabricksAuth:
    """The SDK's credentials for one profile; thread-safe, refreshes OAuth tokens itself."""

    def __init__(self, settings: DatabricksSettings, secret: str | None, where: str) -> None:
        self._settings = settings
        self._secret = secret
        self._where = where
        self._config: Any = None
        self._lock = threading.Lock()

    @property
    def secrets(self) -> tuple[str | None, ...]:
        """Values to scrub from messages."""
        return (self._secret,)

    def _build(self) -> Any:
        from databricks.sdk.config import Config

        s = self._settings
        # The SDK retries refused connections and timeouts until retry_timeout_seconds: a
        # desktop app says "unreachable" within seconds instead.
        limits: dict[str, Any] = {"http_timeout_seconds": 15, "retry_timeout_seconds": 8}
        if s.auth == "config-profile":
            problem = profile_problem(s.config_profile or "")
            if problem:  # said plainly, before the SDK reads the file
                raise RegistryError(
                    f"The Databricks CLI profile {s.config_profile!r} cannot be used: {problem}.",
                    ErrorKind.INVALID,
                )
            extra: dict[str, Any] = {"host": s.host} if s.host else {}
            return Config(profile=s.config_profile, **extra, **limits)
        kwargs: dict[str, Any] = {"host": s.host, "auth_type": SDK_AUTH_TYPE[s.auth]}
        if s.auth == "pat":
            kwargs["token"] = self._secret
        elif s.auth == "oauth-m2m":
            kwargs["client_id"] = s.client_id
            kwargs["client_secret"] = self._secret
        return Config(**kwargs, **limits)

    def config(self) -> Any:
        """The SDK Config (built on first use: it may talk to the workspace)."""
        with self._lock:
            if self._config is None:
                try:
                    self._config = self._build()
                except RegistryError:
                    raise
                except Exception as exc:
                    raise self._explain(exc) from None
            return self._config

    @property
    def host(self) -> str:
        """The workspace URL (from the profile, or from ~/.databrickscfg)."""
        return str(self.config().host).rstrip("/")

    def header(self) -> str:
        """A valid Authorization header (refreshed by the SDK when it has expired)."""
        try:
            headers = self.config().authenticate()
        except RegistryError:
            raise
        except Exception as exc:
            raise self._explain(exc) from None
        value = headers.get("Authorization")
        if not value:
            raise RegistryError(
                f"Databricks authentication for {self._where} produced no token.", ErrorKind.AUTH
            )
        return str(value)

    def token(self) -> str:
        """The bearer token itself (what MlflowHostCreds wants)."""
        return self.header().split(" ", 1)[-1]

    def _explain(self, exc: Exception) -> RegistryError:
        described = describe_exception(exc, self._where, self.secrets)
        if described.kind is not ErrorKind.UNKNOWN:
            return RegistryError(described.message, described.kind)
        text = str(described).split(": ", 1)[-1]
        return RegistryError(
            f"Databricks sign-in for {self._where} failed ({self._settings.auth}): {text}",
            ErrorKind.AUTH,
        )


def secret_for(profile: Profile, settings: DatabricksSettings, secrets: SecretStore) -> str | None:
    fields = secret_fields(settings)
    if not fields:
        return None
    field = fields[0]
    value = secrets.get(profile.id, field)
    if not value:
        what = "personal access token" if field == "token" else "client secret"
        raise ProfileError(
            f"Profile {profile.name!r} signs in with a {what}, but none is stored in the "
            "keyring for it. Enter it again in the profile editor."
        )
    return value


def current_user(client: Any) -> str | None:
    """The signed-in user or service principal (SCIM ``Me`` through databricks-sdk); None when
    the workspace does not say (a principal that may not read SCIM)."""
    from databricks.sdk.errors import NotFound, PermissionDenied

    try:
        me = client.current_user.me()
    except (PermissionDenied, NotFound):
        return None
    return str(me.user_name or me.display_name or "") or None
