"""A registry kept in a local sqlite file, its files in a folder beside it (no server)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import field_validator

from modelyard.core.kinds.base import FormField, Kind, KindSettings


class LocalSettings(KindSettings):
    """A registry kept in a local sqlite file (artifacts in a folder beside it)."""

    kind: Literal["local"] = "local"
    path: str
    artifacts: str | None = None

    @field_validator("path")
    @classmethod
    def _check_path(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("enter the registry file, e.g. ~/models/registry.db")
        return str(Path(value).expanduser().resolve())

    @property
    def artifact_dir(self) -> Path:
        """Folder of the artifacts of runs created through this registry."""
        if self.artifacts:
            return Path(self.artifacts)
        db = Path(self.path)
        return db.with_name(db.stem + "-artifacts")

    def describe(self) -> str:
        """Where this profile points, for people."""
        return self.path


def sqlite_uri(path: Path) -> str:
    """SQLAlchemy URI of a sqlite file (absolute path, so four slashes on POSIX)."""
    return "sqlite:///" + path.resolve().as_posix()


class LocalKind(Kind[LocalSettings]):
    name = "local"
    title = "Local registry file"
    description = "A registry in a local sqlite file (no server, e.g. for experiments)."
    settings = LocalSettings
    opener = "modelyard.core.connectors.local:open_local"
    imports = (
        "modelyard.core.connectors.local",
        "mlflow.store.model_registry.sqlalchemy_store",
        "mlflow.store.tracking.sqlalchemy_store",
    )
    registry = "modelyard.core.connectors._publish:PublishingRegistry"
    connection = (
        FormField(
            "path",
            "Registry file",
            "~/models/registry.db (created when missing)",
            browse="save",
            required=True,
        ),
    )

    def settings_from(self, values: Mapping[str, Any]) -> LocalSettings:
        return LocalSettings(path=str(values.get("path") or ""))

    def who(self, settings: LocalSettings, identity: str) -> str:
        return f"A registry file on this computer (history is recorded as {identity})."

    def short_name(self, settings: LocalSettings) -> str:
        return Path(settings.path).stem

    def tracking_uri(self, settings: LocalSettings) -> str:
        return sqlite_uri(Path(settings.path))


LOCAL = LocalKind()
