"""Immutable value types that flow from connectors to the views."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Generic, TypeVar

T = TypeVar("T")

_EMPTY: Mapping[str, str] = MappingProxyType({})


class Stage(StrEnum):
    """The four model-version stages of MLflow's workspace registries."""

    NONE = "None"
    STAGING = "Staging"
    PRODUCTION = "Production"
    ARCHIVED = "Archived"

    @classmethod
    def parse(cls, text: str | None) -> Stage:
        """Map MLflow's spellings (any case, empty for None) onto a Stage."""
        if not text:
            return cls.NONE
        for stage in cls:
            if stage.value.lower() == text.strip().lower():
                return stage
        raise ValueError(f"unknown stage {text!r}; expected one of {', '.join(s for s in cls)}")


def from_millis(value: int | None) -> datetime | None:
    """MLflow timestamps are milliseconds since the epoch (or missing)."""
    if value is None or value == 0:
        return None
    return datetime.fromtimestamp(value / 1000, tz=UTC)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a listing; ``next_page_token`` is None on the last page."""

    items: tuple[T, ...]
    next_page_token: str | None = None


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a registry supports and what the current identity may do there."""

    stages: bool = True
    aliases: bool = True
    transition_requests: bool = False
    comments: bool = False
    can_edit: bool | None = None  # None: the registry does not tell


@dataclass(frozen=True, slots=True)
class ModelSummary:
    """A registered model as listed."""

    name: str
    description: str = ""
    tags: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    aliases: Mapping[str, str] = field(default_factory=lambda: _EMPTY)  # alias -> version
    created: datetime | None = None
    updated: datetime | None = None
    latest_versions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class VersionSummary:
    """A model version as listed (aliases filled from the registered model)."""

    model: str
    version: str
    stage: Stage = Stage.NONE
    status: str = "READY"
    aliases: tuple[str, ...] = ()
    run_id: str = ""
    source: str = ""
    description: str = ""
    tags: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    created: datetime | None = None
    updated: datetime | None = None
    creator: str = ""

    @property
    def uri(self) -> str:
        """The ``models:/`` URI of this version."""
        return f"models:/{self.model}/{self.version}"


def version_sort_key(version: str) -> tuple[int, str]:
    """Numeric versions sort numerically; anything else after them, by text."""
    return (int(version), "") if version.isdigit() else (1 << 62, version)
