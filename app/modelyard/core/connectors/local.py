"""Connector for a registry kept in a local sqlite file (the full ``mlflow`` package).

A missing file is an error here, never silently created: only the demo (and an explicit
``create=True``) makes new registry files.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import Any

from modelyard.core.connectors._artifacts import ArtifactAccess
from modelyard.core.connectors._mlflow_store import MlflowStoreRegistry
from modelyard.core.connectors._policy import apply_process_policy
from modelyard.core.connectors._publish import PublishingRegistry
from modelyard.core.connectors._seams import SQL_REGISTRY_STORE, SQL_TRACKING_STORE, resolve
from modelyard.core.kinds.local import LOCAL, LocalSettings, sqlite_uri
from modelyard.core.model.errors import ErrorKind, ProfileError, RegistryError, describe_exception
from modelyard.core.profiles.profile import Profile
from modelyard.core.profiles.secrets import SecretStore
from modelyard.core.reads.server_version import NAMES_FILTER, ServerVersion
from modelyard.core.runtime.paths import local_user


def _dispose(store: Any) -> None:
    engine = getattr(store, "engine", None)
    if engine is not None:
        engine.dispose()


def registry_store(path: Path) -> Any:
    """MLflow's sqlalchemy registry store for ``path`` (migrates an older schema)."""
    return resolve(SQL_REGISTRY_STORE)(sqlite_uri(path))


def tracking_store(path: Path, artifacts: Path) -> Any:
    """MLflow's sqlalchemy tracking store for ``path`` with artifacts under ``artifacts``."""
    return resolve(SQL_TRACKING_STORE)(sqlite_uri(path), artifacts.resolve().as_uri())


def open_local(
    profile: Profile, secrets: SecretStore | None = None, *, create: bool = False
) -> MlflowStoreRegistry:
    """A Registry for a local sqlite registry file (it keeps no secrets)."""
    settings = profile.settings
    if not isinstance(settings, LocalSettings):
        raise ProfileError(f"Profile {profile.name!r} is not a local registry profile.")
    apply_process_policy()
    path = Path(settings.path)
    where = f"the registry file {path}"
    if not create and not path.is_file():
        raise RegistryError(
            f"The registry file {path} does not exist. Check the path, or run "
            "`modelyard demo --no-gui` to create the demo registry.",
            ErrorKind.NOT_FOUND,
        )
    try:
        store = registry_store(path)
        tracking = tracking_store(path, settings.artifact_dir)
    except Exception as exc:
        raise describe_exception(exc, where) from None

    def close() -> None:
        _dispose(store)
        _dispose(tracking)

    return PublishingRegistry(
        name=profile.name,
        location=str(path),
        registry_store=store,
        tracking_store=tracking,
        capabilities=LOCAL.capabilities(can_edit=True, versions_by_names=_names_filter()),
        identity=local_user(),
        artifacts=ArtifactAccess(),
        on_close=close,
    )


def _names_filter() -> bool:
    """Whether the MLflow installed here (which reads the file) takes ``name IN (…)``."""
    return ServerVersion(metadata.version("mlflow")).has(NAMES_FILTER) is True
