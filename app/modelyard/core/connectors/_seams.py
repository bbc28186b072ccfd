"""Every use of MLflow's internals, in one place.

Modelyard uses MLflow's public API where there is one (``mlflow.entities``, ``mlflow.exceptions``,
``MlflowClient``, ``mlflow.models``). Where there is none, it goes through a *seam* declared here:
the module and name it uses, the parameters it calls or overrides, the attributes it reads, and
why. ``tests/unit/test_mlflow_seams.py`` checks each seam against the installed MLflow and names
what broke; the MLflow range in pyproject.toml is the range where that test and the integration
tests pass.

Nothing here imports MLflow at import time: :func:`resolve` imports a seam's module on first use,
under the one import gate (:mod:`._imports`).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelyard.core.connectors._imports import IMPORT_LOCK


@dataclass(frozen=True, slots=True)
class Seam:
    """One internal of MLflow that Modelyard relies on."""

    module: str
    name: str  # dotted path from the module ("RestStore._call_endpoint")
    why: str
    params: tuple[str, ...] = ()  # a callable's parameters, in order, that we pass or override
    exact: bool = False  # params must be the whole list (we override it: callers pass them)
    attributes: tuple[str, ...] = ()  # names read on it

    @property
    def where(self) -> str:
        return f"{self.module}.{self.name}"


@dataclass(frozen=True, slots=True)
class Table:
    """A table of MLflow's sqlite schema read or written with SQL of our own."""

    name: str
    columns: tuple[str, ...]
    why: str


# --- REST: MLflow's stores with our own transport (connectors/_rest.py) --------------------------
REGISTRY_REST_STORE = Seam(
    "mlflow.store.model_registry.rest_store",
    "RestStore",
    "the model-registry REST store is subclassed so its calls go through the profile's transport "
    "(get_host_creds, the constructor's argument, is called for each call's credentials)",
    params=("get_host_creds",),
    attributes=(
        "_get_response_from_method",
        "_get_endpoint_from_method",
        "_get_all_endpoints_from_method",
    ),
)
REGISTRY_CALL_ENDPOINT = Seam(
    "mlflow.store.model_registry.rest_store",
    "RestStore._call_endpoint",
    "overridden: every registry call of MLflow's store comes through it",
    params=("self", "api", "json_body", "call_all_endpoints", "extra_headers"),
    exact=True,
)
TRACKING_REST_STORE = Seam(
    "mlflow.store.tracking.rest_store",
    "RestStore",
    "the tracking REST store (runs, metrics) is subclassed like the registry's",
    params=("get_host_creds",),
    attributes=("_METHOD_TO_INFO", "_V3_METHOD_TO_INFO", "_V3_APIS"),
)
TRACKING_CALL_ENDPOINT = Seam(
    "mlflow.store.tracking.rest_store",
    "RestStore._call_endpoint",
    "overridden: every tracking call of MLflow's store comes through it",
    params=("self", "api", "json_body", "endpoint", "retry_timeout_seconds", "response_proto"),
    exact=True,
)
HOST_CREDS = Seam(
    "mlflow.utils.rest_utils",
    "MlflowHostCreds",
    "each profile's own credentials and TLS settings, handed to the stores (never the process')",
    params=(
        "host",
        "username",
        "password",
        "token",
        "ignore_tls_verification",
        "client_cert_path",
        "server_cert_path",
    ),
    attributes=(),
)
PARSE_DICT = Seam(
    "mlflow.utils.proto_json_utils",
    "parse_dict",
    "a JSON answer into the store's protobuf response",
    params=("js_dict", "message"),
)
REST_EXCEPTION = Seam(
    "mlflow.exceptions",
    "RestException",
    "a server's JSON error raised as MLflow raises it (the stores' callers catch it)",
    params=("json",),
)

# --- Databricks Unity Catalog (connectors/databricks.py, _uc_files.py, _uc_publish.py) ----------
UC_REGISTRY_STORE = Seam(
    "mlflow.store._unity_catalog.registry.rest_store",
    "UcModelRegistryStore",
    "Unity Catalog's registry store; get_host_creds and get_tracking_host_creds are set on the "
    "instance to the profile's own",
    params=("store_uri", "tracking_uri"),
    attributes=("_get_response_from_method", "_get_endpoint_from_method"),
)
UC_CREDENTIALS_MESSAGE = Seam(
    "mlflow.protos.databricks_uc_registry_messages_pb2",
    "TemporaryCredentials",
    "the scoped storage credentials Databricks Unity Catalog hands out, as the protobuf "
    "get_artifact_repo_from_storage_info takes for Databricks (is_oss=False); the message of "
    "the same name in unity_catalog_messages_pb2 is open-source Unity Catalog's (MLflow ≥ 3.15)",
)
UC_STORAGE_REPOSITORY = Seam(
    "mlflow.utils._unity_catalog_utils",
    "get_artifact_repo_from_storage_info",
    "a version's files in the customer's own cloud storage, with the scoped credentials",
    params=("storage_location", "scoped_token", "base_credential_refresh_def"),
)

# --- artifacts and local registries -------------------------------------------------------------
ARTIFACT_REPOSITORY = Seam(
    "mlflow.store.artifact.artifact_repository_registry",
    "get_artifact_repository",
    "artifact stores by URI scheme (s3, gs, wasbs, file …) for files the app reaches itself",
    params=("artifact_uri",),
)
LOCAL_ARTIFACT_REPOSITORY = Seam(
    "mlflow.store.artifact.local_artifact_repo",
    "LocalArtifactRepository",
    "the demo registry's files, written where its runs point",
    params=("artifact_uri",),
)
SQL_REGISTRY_STORE = Seam(
    "mlflow.store.model_registry.sqlalchemy_store",
    "SqlAlchemyStore",
    "a local sqlite registry (the demo, local profiles)",
    params=("db_uri",),
)
SQL_TRACKING_STORE = Seam(
    "mlflow.store.tracking.sqlalchemy_store",
    "SqlAlchemyStore",
    "a local sqlite registry's runs and metrics",
    params=("db_uri", "default_artifact_root"),
)
DB_MIGRATIONS = Seam(
    "mlflow.store.db_migrations",
    "__file__",
    "the schema revisions the installed MLflow knows: its alembic scripts in versions/ beside "
    "this file, each with a module-level revision = '…' (read as text by schema_revisions, "
    "without importing MLflow); a demo archive built by a newer MLflow is trained here instead",
)
ENTITY_TAGS = Seam(
    "mlflow.entities.model_registry",
    "RegisteredModel",
    "a registered model's tags are read from its _tags dict (the tags property builds a copy "
    "per call, for every row of a listing)",
    params=("name", "tags"),
)

SEAMS: tuple[Seam, ...] = (
    REGISTRY_REST_STORE,
    REGISTRY_CALL_ENDPOINT,
    TRACKING_REST_STORE,
    TRACKING_CALL_ENDPOINT,
    HOST_CREDS,
    PARSE_DICT,
    REST_EXCEPTION,
    UC_REGISTRY_STORE,
    UC_CREDENTIALS_MESSAGE,
    UC_STORAGE_REPOSITORY,
    ARTIFACT_REPOSITORY,
    LOCAL_ARTIFACT_REPOSITORY,
    SQL_REGISTRY_STORE,
    SQL_TRACKING_STORE,
    DB_MIGRATIONS,
    ENTITY_TAGS,
)

# --- MLflow's sqlite schema, read and written with our own SQL ----------------------------------
# core/reads/quick_list.py reads a local registry's first page without importing MLflow;
# core/demo/registry.py and core/demo/pack.py date the demo's rows and rename its lineage tags.
TABLES: tuple[Table, ...] = (
    Table(
        "registered_models",
        ("name", "description", "creation_time", "last_updated_time"),
        "a local registry's first page (quick_list); the demo's dates",
    ),
    Table("registered_model_tags", ("name", "key", "value"), "the first page's tags"),
    Table("registered_model_aliases", ("name", "alias", "version"), "the first page's aliases"),
    Table(
        "model_versions",
        (
            "name",
            "version",
            "current_stage",
            "description",
            "run_id",
            "creation_time",
            "last_updated_time",
            "user_id",
        ),
        "the first page's stage summary; the demo's dates and users",
    ),
    Table("model_version_tags", ("name", "version", "key", "value"), "the demo pack's lineage"),
)
SCHEMA_MODELS = "mlflow.store.model_registry.dbmodels.models"  # where the ORM declares them


def resolve(seam: Seam) -> Any:
    """The object a seam names, its module imported under the one import gate."""
    with IMPORT_LOCK:
        found: Any = importlib.import_module(seam.module)
    for part in seam.name.split("."):
        found = getattr(found, part)
    return found


def migrations_folder() -> Path:
    """MLflow's alembic scripts (``mlflow/store/db_migrations/versions``), found without
    importing MLflow (that takes seconds; the demo's first rows wait for this)."""
    spec = importlib.util.find_spec("mlflow")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("mlflow is not installed")
    return (
        Path(next(iter(spec.submodule_search_locations))) / "store" / "db_migrations" / "versions"
    )


def schema_revisions() -> set[str]:
    """Every sqlite schema revision the installed MLflow can open (and migrate from): the
    ``revision = "…"`` of each of its alembic scripts, read as Python (not run)."""
    found: set[str] = set()
    for script in migrations_folder().glob("*.py"):
        for node in ast.parse(script.read_text(encoding="utf-8")).body:
            if (
                isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "revision" for t in node.targets)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                found.add(node.value.value)
    return found


def entity_tags(entity: Any) -> Mapping[str, str]:
    """A listed MLflow entity's tags without copying them (see ENTITY_TAGS): its ``_tags``
    dict; else its ``tags`` where that is a mapping (a Unity Catalog search entity has none)."""
    for name in ("_tags", "tags"):
        tags = getattr(entity, name, None)
        if isinstance(tags, Mapping):
            return tags
    return {}
