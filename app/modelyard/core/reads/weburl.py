"""Where a model or version is shown in its registry's own web UI, built from the profile."""

from __future__ import annotations

from modelyard.core.kinds import kind_of
from modelyard.core.profiles.profile import Profile


def web_ui_url(profile: Profile, model: str, version: str | None = None) -> str | None:
    """The page of ``model`` (or one of its versions) in the registry's web UI; None where
    there is none (a local registry) or the profile does not say where (a ~/.databrickscfg
    profile without a host)."""
    return kind_of(profile.settings).web_url(profile.settings, model, version)
