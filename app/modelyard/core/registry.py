"""The Registry protocol every connector satisfies.

All methods block (they do network or disk I/O): the GUI calls them through its worker pool,
never on the GUI thread. Failures raise :class:`modelyard.core.errors.RegistryError`.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from modelyard.core.domain import Capabilities, ModelSummary, Page, VersionSummary

DEFAULT_MODEL_PAGE = 100
DEFAULT_VERSION_PAGE = 200


@runtime_checkable
class Registry(Protocol):
    """One registry, reached with one profile's own credentials."""

    @property
    def name(self) -> str:
        """The profile name, for messages."""
        ...

    @property
    def location(self) -> str:
        """Where the registry is (URL or file), for messages; never contains secrets."""
        ...

    def capabilities(self) -> Capabilities:
        """What this registry supports."""
        ...

    def list_models(
        self, page_token: str | None = None, page_size: int = DEFAULT_MODEL_PAGE
    ) -> Page[ModelSummary]:
        """One page of registered models (prompts excluded), ordered by name."""
        ...

    def get_model(self, name: str) -> ModelSummary:
        """One registered model with its tags and aliases."""
        ...

    def list_versions(
        self, model: str, page_token: str | None = None, page_size: int = DEFAULT_VERSION_PAGE
    ) -> Page[VersionSummary]:
        """One page of a model's versions, newest first, with aliases filled in."""
        ...

    def get_version(self, model: str, version: str) -> VersionSummary:
        """One model version, fresh from the registry."""
        ...

    def close(self) -> None:
        """Release connections and files."""
        ...
