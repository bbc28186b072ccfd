"""Connectors turn a Profile (plus its secrets) into a Registry with its own credentials.

Connector modules import MLflow, which is slow (1–2 s): import this package's ``open_registry``
freely, it imports the connector only when called, through the one import gate (``_imports``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from modelyard.core.model.errors import ProfileError

if TYPE_CHECKING:
    from modelyard.core.model.registry import Registry
    from modelyard.core.profiles.profile import Profile
    from modelyard.core.profiles.secrets import SecretStore


def open_registry(profile: Profile, secrets: SecretStore) -> Registry:
    """Build the Registry for ``profile``; reads its secrets from ``secrets``. Blocking.

    The profile's kind names its connector (``Kind.opener``) and what it needs imported; the
    import happens once, under the one lock (lanes open registries at once). The registry comes
    behind the guard (``_guard``): the profile's protection, and the journal of every write.
    """
    from modelyard.core.connectors._guard import guarded
    from modelyard.core.connectors._imports import load
    from modelyard.core.connectors._policy import apply_process_policy
    from modelyard.core.kinds import KINDS

    apply_process_policy()  # before the first MLflow import: its log level is read then
    kind = KINDS.get(profile.settings.kind)
    if kind is None:
        raise ProfileError(f"Profiles of kind {profile.settings.kind!r} are not supported yet.")
    module_name, _, function = kind.opener.partition(":")
    module = load(module_name, *kind.imports)[0]
    opener: Callable[[Profile, SecretStore], Registry] = getattr(module, function)
    return guarded(opener(profile, secrets), profile)
