"""Reading the versions of many models at once: in a few searches where the registry can
(``ReadingMany``), else each model's pages, eight models at a time; with their tags read one by
one where a registry's listings carry none. Used by sync planning and by search."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

from modelyard.core.model.domain import ModelSummary, VersionSummary
from modelyard.core.model.errors import ErrorKind, RegistryError
from modelyard.core.model.registry import ReadingMany, Registry
from modelyard.core.reads.details import all_versions


def versions_of_models(
    registry: Registry, models: Sequence[ModelSummary], *, tags: bool = True
) -> dict[str, list[VersionSummary]]:
    """The versions of many listed models, newest first: in a few searches where the registry
    reads many models at once, else each model's own reads, eight models at a time (with their
    tags when ``tags``, read one by one where listings carry none). A model gone maps to none."""
    if not models:
        return {}
    if isinstance(registry, ReadingMany) and registry.capabilities().versions_by_names:
        return {name: list(found) for name, found in registry.versions_of(models).items()}

    def read(name: str) -> list[VersionSummary]:
        try:
            if tags:
                return list(versions_with_tags(registry, name))
            return all_versions(registry, name)
        except RegistryError as exc:
            if exc.kind is not ErrorKind.NOT_FOUND:
                raise
            return []

    names = [m.name for m in models]
    with ThreadPoolExecutor(max_workers=8) as pool:
        return dict(zip(names, pool.map(read, names), strict=True))


def versions_with_tags(registry: Registry, model: str) -> Iterator[VersionSummary]:
    """Every version of ``model``, page by page, with its tags — read one by one (8 at a
    time) where the registry's listings carry none (Unity Catalog's search results)."""
    listed = registry.capabilities().listed_version_tags
    token: str | None = None
    while True:
        page = registry.list_versions(model, token)
        if listed:
            yield from page.items
        else:
            with ThreadPoolExecutor(max_workers=8) as pool:
                yield from pool.map(lambda v: registry.get_version(model, v.version), page.items)
        token = page.next_page_token
        if not token:
            return
