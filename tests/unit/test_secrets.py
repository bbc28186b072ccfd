from __future__ import annotations

import os
import subprocess
import sys

import keyring
import pytest
from keyring.backends import fail

from modelyard.core.model.errors import ErrorKind
from modelyard.core.profiles.secrets import SERVICE, KeyringUnavailable, SecretStore
from tests.support.memory_keyring import MemoryKeyring


def test_secrets_are_keyed_by_profile_uuid_and_field(isolated_user: MemoryKeyring) -> None:
    store = SecretStore()
    store.set("uuid-1", "password", "pw-1")
    store.set("uuid-2", "password", "pw-2")
    assert store.get("uuid-1", "password") == "pw-1"
    assert store.get("uuid-2", "password") == "pw-2"
    assert store.get("uuid-1", "token") is None
    assert isolated_user.items[(SERVICE, "uuid-1:password")] == "pw-1"
    store.delete_all("uuid-1")
    assert store.get("uuid-1", "password") is None
    store.delete("uuid-1", "password")  # deleting twice is fine


def test_no_keyring_is_explained_and_nothing_is_written(tmp_path: object) -> None:
    keyring.set_keyring(fail.Keyring())
    store = SecretStore()
    with pytest.raises(KeyringUnavailable) as info:
        store.set("uuid", "password", "pw")
    assert info.value.kind is ErrorKind.KEYRING
    assert "No OS keyring is available" in info.value.message
    assert "never writes secrets to a file" in info.value.message
    with pytest.raises(KeyringUnavailable):
        store.get("uuid", "password")


def test_session_only_store_keeps_secrets_in_memory_only(isolated_user: MemoryKeyring) -> None:
    store = SecretStore(session_only=True)
    store.set("uuid", "token", "tok")
    assert store.get("uuid", "token") == "tok"
    assert isolated_user.items == {}


def test_python_keyring_backend_setting_is_respected() -> None:
    """keyring's own PYTHON_KEYRING_BACKEND chooses the backend (here: the fail backend)."""
    env = dict(os.environ, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    code = (
        "from modelyard.core.profiles.secrets import SecretStore, KeyringUnavailable\n"
        "s = SecretStore()\n"
        "print(s.backend_name())\n"
        "try:\n    s.set('u', 'password', 'x')\nexcept KeyringUnavailable as e:\n"
        "    print('unavailable:', e)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert "keyring.backends.fail.Keyring" in result.stdout
    assert "unavailable: No OS keyring is available" in result.stdout
