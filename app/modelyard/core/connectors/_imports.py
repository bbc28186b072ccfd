"""The one gate through which MLflow and the other heavy libraries are first imported.

Python's per-module import locks are not enough for a package like MLflow whose modules import
each other in cycles: two worker lanes importing it for the first time at the same moment either
deadlock (``_DeadlockError: deadlock detected by _ModuleLock('mlflow.store.model_registry')``)
or one of them sees a half-initialised module (``partially initialized module 'mlflow' has no
attribute 'version'``) — and the half-imported modules stay behind for every retry. So every
first import of a heavy module happens under one process-wide lock: ``load(...)`` for modules
named at run time, ``with IMPORT_LOCK:`` around a lazy ``from mlflow… import …``.
"""

from __future__ import annotations

import importlib
import threading
from types import ModuleType

IMPORT_LOCK = threading.RLock()

# What each kind's connector needs imported before it opens (its own module first). Lazy
# imports inside the connectors take IMPORT_LOCK themselves.
KIND_MODULES: dict[str, tuple[str, ...]] = {
    "mlflow": ("modelyard.core.connectors.mlflow_server",),
    "local": (
        "modelyard.core.connectors.local",
        "mlflow.store.model_registry.sqlalchemy_store",
        "mlflow.store.tracking.sqlalchemy_store",
    ),
    "databricks": ("modelyard.core.connectors.databricks",),
    "databricks-uc": (
        "modelyard.core.connectors.databricks",
        "mlflow.store._unity_catalog.registry.rest_store",
    ),
    "azureml": ("modelyard.core.connectors.azureml",),
}


def load(*names: str) -> list[ModuleType]:
    """Import ``names`` (in order) under the one lock; the modules."""
    with IMPORT_LOCK:
        return [importlib.import_module(name) for name in names]
