"""Saving and removing a profile together with its secrets, all or nothing.

One service for the CLI, the setup wizard and the importers: a profile is written only when its
secrets are in the keyring, and secrets stay only when the profile was written. Any failure on
the way (a keyring that refuses, a profile file that cannot be written, a name taken meanwhile)
undoes what was done — the keyring holds what it held before, the file too.
"""

from __future__ import annotations

from collections.abc import Mapping

from modelyard.core.profiles.profile import Profile, ProfileStore, secret_fields
from modelyard.core.profiles.secrets import SECRET_FIELDS, SecretField, SecretStore


def save_profile(
    store: ProfileStore,
    secrets: SecretStore,
    profile: Profile,
    typed: Mapping[SecretField, str],
    *,
    replace: bool = False,
    session_only: bool = False,
) -> Profile:
    """Add (or with ``replace``, update) ``profile`` with the secrets ``typed`` for it.

    With ``session_only`` the secrets are kept in memory for this session (no keyring). On
    update, secrets of fields the profile no longer uses are removed after the save succeeded.
    """
    store.check_writable()
    if not replace and store.find(profile.name) is not None:
        from modelyard.core.model.errors import ProfileError

        raise ProfileError(f"A profile named {profile.name!r} exists already.")
    previous: dict[SecretField, str | None] = {}
    try:
        for field, value in typed.items():
            if session_only:
                secrets.remember(profile.id, field, value)
                continue
            previous[field] = secrets.get(profile.id, field)
            secrets.set(profile.id, field, value)
        saved = store.replace(profile) if replace else store.add(profile)
    except BaseException:
        for field, old in previous.items():  # put the keyring back as it was
            if old is None:
                secrets.delete(profile.id, field)
            else:
                secrets.set(profile.id, field, old)
        raise
    if replace and not session_only:
        for field in set(SECRET_FIELDS) - set(secret_fields(profile.settings)) - set(typed):
            secrets.delete(profile.id, field)  # the sign-in method changed: drop the old secret
    return saved


def remove_profile(store: ProfileStore, secrets: SecretStore, name_or_id: str) -> Profile:
    """Remove one profile from the file, then its secrets (only when no other profile shares
    its id — a hand-edited file may have copies)."""
    profile = store.remove(name_or_id)
    if not store.mentions_id(profile.id):
        secrets.delete_all(profile.id)
    return profile
