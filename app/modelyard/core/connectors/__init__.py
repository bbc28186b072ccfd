"""Connectors turn a Profile (plus its secrets) into a Registry with its own credentials.

Connector modules import MLflow, which is slow (1–2 s): import this package's ``open_registry``
freely, it imports the connector only when called, through the one import gate (``_imports``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelyard.core.errors import ProfileError

if TYPE_CHECKING:
    from modelyard.core.profiles import Profile
    from modelyard.core.registry import Registry
    from modelyard.core.secrets import SecretStore


def open_registry(profile: Profile, secrets: SecretStore) -> Registry:
    """Build the Registry for ``profile``; reads its secrets from ``secrets``. Blocking."""
    from modelyard.core.connectors._imports import KIND_MODULES, load
    from modelyard.core.connectors._policy import apply_process_policy

    apply_process_policy()  # before the first MLflow import: its log level is read then
    kind = profile.settings.kind
    if kind in KIND_MODULES:
        load(*KIND_MODULES[kind])  # once, under one lock: lanes open registries at once
    if kind == "mlflow":
        from modelyard.core.connectors.mlflow_server import open_mlflow_server

        return open_mlflow_server(profile, secrets)
    if kind in ("databricks", "databricks-uc"):
        from modelyard.core.connectors.databricks import open_databricks

        return open_databricks(profile, secrets)
    if kind == "azureml":
        from modelyard.core.connectors.azureml import open_azureml

        return open_azureml(profile, secrets)
    if kind == "local":
        from modelyard.core.connectors.local import open_local

        return open_local(profile)
    raise ProfileError(f"Profiles of kind {kind!r} are not supported yet.")
