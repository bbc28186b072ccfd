"""The one gate through which MLflow and the other heavy libraries are first imported.

Python's per-module import locks are not enough for a package like MLflow whose modules import
each other in cycles: two worker lanes importing it for the first time at the same moment either
deadlock (``_DeadlockError: deadlock detected by _ModuleLock('mlflow.store.model_registry')``)
or one of them sees a half-initialised module (``partially initialized module 'mlflow' has no
attribute 'version'``) — and the half-imported modules stay behind for every retry. So every
first import of a heavy module happens under one process-wide lock: ``load(...)`` for modules
named at run time (each kind names its own, ``Kind.imports``), ``with IMPORT_LOCK:`` around a
lazy ``from mlflow… import …``.
"""

from __future__ import annotations

import importlib
import threading
from types import ModuleType

IMPORT_LOCK = threading.RLock()


def load(*names: str) -> list[ModuleType]:
    """Import ``names`` (in order) under the one lock; the modules."""
    with IMPORT_LOCK:
        return [importlib.import_module(name) for name in names]
