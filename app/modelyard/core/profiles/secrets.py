"""Secrets in the OS keyring, keyed by profile uuid and field — never in a file or a log.

The backend is whatever ``keyring`` chooses, so keyring's own ``PYTHON_KEYRING_BACKEND`` and
config file are respected. When no backend exists (keyring's ``fail`` backend), every call
raises :class:`KeyringUnavailable` with a message that says what to do; there is no silent
plaintext fallback. A session-only memory store can be switched on explicitly by the caller.
"""

from __future__ import annotations

import logging
import threading
from typing import Literal

import keyring
import keyring.errors

from modelyard.core.model.errors import ErrorKind, ModelyardError
from modelyard.core.runtime.logs import remember_secret

log = logging.getLogger("modelyard.keyring")

SERVICE = "modelyard"
SecretField = Literal[
    "password", "token", "client_secret", "s3_secret", "s3_session_token", "azure_storage_secret"
]
SECRET_FIELDS: tuple[SecretField, ...] = (
    "password",
    "token",
    "client_secret",
    "s3_secret",
    "s3_session_token",
    "azure_storage_secret",
)


class KeyringUnavailable(ModelyardError):
    """No usable OS keyring: secrets cannot be stored safely."""

    kind = ErrorKind.KEYRING


def _explain(exc: Exception) -> KeyringUnavailable:
    if isinstance(exc, keyring.errors.NoKeyringError):
        return KeyringUnavailable(
            "No OS keyring is available to keep the secret safely. Start and unlock a Secret "
            "Service (GNOME Keyring, KWallet) or the macOS/Windows credential store, or choose "
            "a backend with PYTHON_KEYRING_BACKEND. Modelyard never writes secrets to a file."
        )
    if isinstance(exc, keyring.errors.KeyringLocked):
        return KeyringUnavailable("The OS keyring is locked: unlock it and try again.")
    return KeyringUnavailable(f"The OS keyring failed: {type(exc).__name__}: {exc}")


class SecretStore:
    """Get/set/delete one secret per (profile uuid, field).

    With ``session_only=True`` secrets live in this object's memory only (the user's explicit
    choice when no keyring exists); they are gone when the process ends.
    """

    def __init__(self, session_only: bool = False) -> None:
        self.session_only = session_only
        self._memory: dict[str, str] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(profile_id: str, field: SecretField) -> str:
        return f"{profile_id}:{field}"

    def backend_name(self) -> str:
        """A readable name of the keyring backend in use."""
        if self.session_only:
            return "this session only (memory)"
        backend = keyring.get_keyring()
        return f"{type(backend).__module__}.{type(backend).__name__}"

    def get(self, profile_id: str, field: SecretField) -> str | None:
        """The secret, or None when none is stored."""
        key = self._key(profile_id, field)
        with self._lock:
            if key in self._memory:
                return self._memory[key]  # remembered (redacted) when it was put there
        if self.session_only:
            return None
        try:
            value = keyring.get_password(SERVICE, key)
        except keyring.errors.KeyringError as exc:
            log.warning("get %s: %s", key, type(exc).__name__)
            raise _explain(exc) from None
        log.debug("get %s: %s", key, "none stored" if value is None else "found")
        if value is None:
            return None
        remember_secret(str(value))  # never in a log line, report or message from now on
        return str(value)

    def set(self, profile_id: str, field: SecretField, value: str) -> None:
        """Store the secret (replacing any previous one)."""
        remember_secret(value)
        key = self._key(profile_id, field)
        if self.session_only:
            with self._lock:
                self._memory[key] = value
            return
        try:
            keyring.set_password(SERVICE, key, value)
        except keyring.errors.KeyringError as exc:
            log.warning("set %s: %s", key, type(exc).__name__)
            raise _explain(exc) from None
        log.debug("set %s", key)

    def remember(self, profile_id: str, field: SecretField, value: str) -> None:
        """Keep the secret in this object's memory only (for this session; never written)."""
        remember_secret(value)
        with self._lock:
            self._memory[self._key(profile_id, field)] = value

    def keyring_available(self) -> bool:
        """Whether a real OS keyring backend exists (not keyring's ``fail`` backend)."""
        if self.session_only:
            return False
        import keyring.backends.fail

        return not isinstance(keyring.get_keyring(), keyring.backends.fail.Keyring)

    def delete(self, profile_id: str, field: SecretField) -> None:
        """Forget the secret; no error when there is none."""
        key = self._key(profile_id, field)
        with self._lock:
            self._memory.pop(key, None)
        if self.session_only:
            return
        try:
            keyring.delete_password(SERVICE, key)
        except keyring.errors.PasswordDeleteError:
            pass
        except keyring.errors.KeyringError as exc:
            raise _explain(exc) from None

    def delete_all(self, profile_id: str) -> None:
        """Forget every secret of a profile."""
        for field in SECRET_FIELDS:
            self.delete(profile_id, field)
