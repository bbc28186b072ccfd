"""A Registry over MLflow's own store objects (RestStore or SqlAlchemyStore).

Each instance holds its own store objects; REST stores get a per-profile ``get_host_creds``
callable, so several registries with different credentials coexist in one process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

from modelyard.core.domain import (
    Capabilities,
    ModelSummary,
    Page,
    Stage,
    VersionSummary,
    from_millis,
)
from modelyard.core.errors import describe_exception
from modelyard.core.registry import DEFAULT_MODEL_PAGE, DEFAULT_VERSION_PAGE

PROMPT_TAG = "mlflow.prompt.is_prompt"
NOT_PROMPT_FILTER = f"tag.`{PROMPT_TAG}` != 'true'"

R = TypeVar("R")


def _aliases_of(entity: Any) -> dict[str, str]:
    raw = getattr(entity, "aliases", None) or {}
    if isinstance(raw, Mapping):
        return {str(k): str(v) for k, v in raw.items()}
    out: dict[str, str] = {}
    for item in raw:  # list of RegisteredModelAlias
        out[str(item.alias)] = str(item.version)
    return out


def _is_prompt(entity: Any) -> bool:
    tags = getattr(entity, "_tags", None) or {}
    return str(tags.get(PROMPT_TAG, "")).lower() == "true"


def model_summary(entity: Any) -> ModelSummary:
    """Turn an MLflow RegisteredModel into a ModelSummary."""
    latest = tuple(
        sorted({str(v.version) for v in (entity.latest_versions or [])}, key=int, reverse=True)
    )
    return ModelSummary(
        name=entity.name,
        description=entity.description or "",
        tags=MappingProxyType(dict(entity.tags or {})),
        aliases=MappingProxyType(_aliases_of(entity)),
        created=from_millis(entity.creation_timestamp),
        updated=from_millis(entity.last_updated_timestamp),
        latest_versions=latest,
    )


def version_summary(entity: Any, aliases: Iterable[str] = ()) -> VersionSummary:
    """Turn an MLflow ModelVersion into a VersionSummary."""
    try:
        stage = Stage.parse(entity.current_stage)
    except ValueError:
        stage = Stage.NONE
    own_aliases = set(entity.aliases or []) | set(aliases)
    return VersionSummary(
        model=entity.name,
        version=str(entity.version),
        stage=stage,
        status=str(entity.status or ""),
        aliases=tuple(sorted(own_aliases)),
        run_id=entity.run_id or "",
        source=entity.source or "",
        description=entity.description or "",
        tags=MappingProxyType(dict(entity.tags or {})),
        created=from_millis(entity.creation_timestamp),
        updated=from_millis(entity.last_updated_timestamp),
        creator=entity.user_id or "",
    )


def quote_filter_value(value: str) -> str:
    """Quote a value for an MLflow filter string."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class MlflowStoreRegistry:
    """Registry implementation shared by the MLflow-based connectors."""

    def __init__(
        self,
        *,
        name: str,
        location: str,
        registry_store: Any,
        capabilities: Capabilities,
        secrets: Iterable[str | None] = (),
        server_side_prompt_filter: bool = True,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        self._name = name
        self._location = location
        self._store = registry_store
        self._capabilities = capabilities
        self._secrets = tuple(s for s in secrets if s)
        self._prompt_filter = server_side_prompt_filter
        self._on_close = on_close
        self._close_lock = threading.Lock()

    @property
    def name(self) -> str:
        """The profile name."""
        return self._name

    @property
    def location(self) -> str:
        """URL or file of the registry."""
        return self._location

    def _call(self, what: Callable[[], R]) -> R:
        try:
            return what()
        except Exception as exc:
            raise describe_exception(exc, self._location, self._secrets) from None

    def capabilities(self) -> Capabilities:
        """What this registry supports."""
        return self._capabilities

    def list_models(
        self, page_token: str | None = None, page_size: int = DEFAULT_MODEL_PAGE
    ) -> Page[ModelSummary]:
        """One page of registered models, prompts excluded, ordered by name."""
        result = self._call(
            lambda: self._store.search_registered_models(
                filter_string=NOT_PROMPT_FILTER if self._prompt_filter else None,
                max_results=page_size,
                order_by=["name ASC"],
                page_token=page_token,
            )
        )
        items = tuple(model_summary(m) for m in result if not _is_prompt(m))
        return Page(items, result.token or None)

    def get_model(self, name: str) -> ModelSummary:
        """One registered model."""
        return model_summary(self._call(lambda: self._store.get_registered_model(name)))

    def list_versions(
        self, model: str, page_token: str | None = None, page_size: int = DEFAULT_VERSION_PAGE
    ) -> Page[VersionSummary]:
        """One page of versions, newest first; aliases come from the registered model."""
        aliases_by_version: dict[str, list[str]] = {}
        if self._capabilities.aliases:
            registered = self._call(lambda: self._store.get_registered_model(model))
            for alias, version in _aliases_of(registered).items():
                aliases_by_version.setdefault(version, []).append(alias)
        result = self._call(
            lambda: self._store.search_model_versions(
                filter_string=f"name={quote_filter_value(model)}",
                max_results=page_size,
                order_by=["version_number DESC"],
                page_token=page_token,
            )
        )
        items = tuple(
            version_summary(v, aliases_by_version.get(str(v.version), ())) for v in result
        )
        return Page(items, result.token or None)

    def get_version(self, model: str, version: str) -> VersionSummary:
        """One model version, fresh."""
        entity = self._call(lambda: self._store.get_model_version(model, str(version)))
        return version_summary(entity)

    def close(self) -> None:
        """Release what the connector holds."""
        with self._close_lock:
            callback, self._on_close = self._on_close, None
        if callback is not None:
            callback()
