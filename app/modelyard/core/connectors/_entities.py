"""MLflow's entities turned into Modelyard's domain types (and the version filter MLflow's
parser takes), for every connector built on MLflow's stores."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any
from urllib.parse import quote_plus

from modelyard.core.connectors._seams import entity_tags
from modelyard.core.model.domain import (
    PROMPT_TAG,
    Capabilities,
    ModelSummary,
    Stage,
    VersionSummary,
    from_millis,
    version_sort_key,
)
from modelyard.core.reads.server_version import ALIASES


def field_of(entity: Any, name: str) -> Any:
    """An entity attribute; UC search results raise from ``tags``/``aliases`` (not fetched)."""
    value = getattr(entity, name, None)
    return None if callable(value) else value


def aliases_of(entity: Any) -> dict[str, str]:
    raw = field_of(entity, "aliases") or {}
    if isinstance(raw, Mapping):
        return {str(k): str(v) for k, v in raw.items()}
    out: dict[str, str] = {}
    for item in raw:  # list of RegisteredModelAlias
        out[str(item.alias)] = str(item.version)
    return out


def is_prompt(entity: Any) -> bool:
    tags = entity_tags(entity)
    return str(tags.get(PROMPT_TAG, "")).lower() == "true"


def model_summary(entity: Any) -> ModelSummary:
    """Turn an MLflow RegisteredModel into a ModelSummary."""
    latest_entities = list(entity.latest_versions or [])
    latest = tuple(sorted({str(v.version) for v in latest_entities}, key=version_sort_key)[::-1])
    by_stage = {
        str(v.current_stage): str(v.version)
        for v in latest_entities
        if v.current_stage and str(v.current_stage) not in ("None", "")
    }
    return ModelSummary(
        name=entity.name,
        description=entity.description or "",
        tags=MappingProxyType(dict(field_of(entity, "tags") or {})),
        aliases=MappingProxyType(aliases_of(entity)),
        created=from_millis(entity.creation_timestamp),
        updated=from_millis(entity.last_updated_timestamp),
        latest_versions=latest,
        latest_by_stage=MappingProxyType(by_stage),
    )


def version_summary(entity: Any, aliases: Iterable[str] = ()) -> VersionSummary:
    """Turn an MLflow ModelVersion into a VersionSummary."""
    try:
        stage = Stage.parse(entity.current_stage)
    except ValueError:
        stage = Stage.NONE
    own_aliases = set(field_of(entity, "aliases") or []) | set(aliases)
    return VersionSummary(
        model=entity.name,
        version=str(entity.version),
        stage=stage,
        status=str(entity.status or ""),
        aliases=tuple(sorted(own_aliases)),
        run_id=entity.run_id or "",
        source=entity.source or "",
        description=entity.description or "",
        tags=MappingProxyType(dict(field_of(entity, "tags") or {})),
        created=from_millis(entity.creation_timestamp),
        updated=from_millis(entity.last_updated_timestamp),
        creator=entity.user_id or "",
        model_id=getattr(entity, "model_id", None) or _model_id_from_source(entity.source),
    )


def _model_id_from_source(source: str | None) -> str:
    """MLflow 3 registers logged models with source ``models:/m-<id>`` (REST omits model_id)."""
    if source and source.startswith("models:/m-"):
        return source.removeprefix("models:/").split("/", 1)[0]
    return ""


def no_aliases(location: str, capabilities: Capabilities) -> str:
    """Why aliases cannot be set at ``location``, in words."""
    if capabilities.server:
        return (
            f"The server at {location} runs {capabilities.server}, which has "
            f"{ALIASES.words}: use a stage instead."
        )
    return f"{location} has no aliases, only stages."


def version_filter(model: str) -> tuple[str, bool]:
    """The ``search_model_versions`` filter for one model's versions, and whether the server's
    answer is exactly that model's (else the caller keeps only the rows named ``model``).

    MLflow's filter parser strips one pair of quotes and knows no escapes (a backslash or a
    doubled quote stays in the value): quote with the character the name does not contain.
    A name with both quote characters is searched with LIKE, each quote matched by ``_``.
    """
    if "'" not in model:
        return f"name='{model}'", True
    if '"' not in model:
        return f'name="{model}"', True
    pattern = model.replace("'", "_").replace('"', "_")
    return f"name LIKE '{pattern}'", False


# A versions search goes as GET: its filter, URL-encoded, must leave the request line short of
# what a server in front takes (gunicorn's default limit is 4094 bytes).
NAMES_FILTER_BUDGET = 3000


def names_filters(names: Iterable[str]) -> tuple[list[str], list[str]]:
    """``name IN (…)`` filters that together cover ``names``, each within the budget once
    URL-encoded, and the names left out of them: a name with a quote or a backslash (MLflow's
    filter parser reads ``\\'`` as an escape in a list) is read with :func:`version_filter`."""
    filters: list[str] = []
    left: list[str] = []
    chunk: list[str] = []
    used = 0
    head = len(quote_plus("name IN ()"))
    for name in names:
        if "'" in name or '"' in name or "\\" in name:
            left.append(name)
            continue
        cost = len(quote_plus(f"'{name}', "))
        if chunk and head + used + cost > NAMES_FILTER_BUDGET:
            filters.append(_names_in(chunk))
            chunk, used = [], 0
        chunk.append(name)
        used += cost
    if chunk:
        filters.append(_names_in(chunk))
    return filters, left


def _names_in(names: list[str]) -> str:
    return "name IN (" + ", ".join(f"'{n}'" for n in names) + ")"
