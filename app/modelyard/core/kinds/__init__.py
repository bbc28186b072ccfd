"""Registry kinds, one module each: adding a kind is a module here and its line in ``KINDS``.

Each kind (:class:`~modelyard.core.kinds.base.Kind`) holds its settings model, the secrets they
keep, the connector that opens it, what the registry can do, the snippet's URIs and
credentials, its web pages and the fields the wizard and the CLI ask for. Code elsewhere asks
the kind (``kind_of(settings)``) instead of switching on its name.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from modelyard.core.kinds.azureml import AZUREML, AzureMLSettings
from modelyard.core.kinds.base import SIGN_IN_FIELDS, FormField, Kind, SignIn
from modelyard.core.kinds.databricks import (
    DATABRICKS,
    UNITY_CATALOG,
    DatabricksSettings,
    DatabricksUCSettings,
)
from modelyard.core.kinds.local import LOCAL, LocalSettings
from modelyard.core.kinds.mlflow import MLFLOW, MlflowServerSettings

# In the order the wizard offers them.
KINDS: dict[str, Kind[Any]] = {
    kind.name: kind for kind in (MLFLOW, DATABRICKS, UNITY_CATALOG, AZUREML, LOCAL)
}
AnySettings = (
    MlflowServerSettings
    | LocalSettings
    | DatabricksSettings
    | DatabricksUCSettings
    | AzureMLSettings
)
Settings = Annotated[AnySettings, Field(discriminator="kind")]


def kind_of(settings: AnySettings) -> Kind[Any]:
    """The kind of ``settings``."""
    return KINDS[settings.kind]


__all__ = [
    "KINDS",
    "SIGN_IN_FIELDS",
    "AnySettings",
    "AzureMLSettings",
    "DatabricksSettings",
    "DatabricksUCSettings",
    "FormField",
    "Kind",
    "LocalSettings",
    "MlflowServerSettings",
    "Settings",
    "SignIn",
    "kind_of",
]
