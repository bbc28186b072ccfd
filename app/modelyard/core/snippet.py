"""Model URIs and a ready-to-paste Python snippet that loads a version from its registry.

The snippet names the environment variables (or config files) that carry credentials for each
kind of registry; it never contains a secret. Registry text enters it only as Python literals.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from urllib.parse import urlsplit

from modelyard.core.domain import ModelFile, ModelSummary, VersionSummary, version_sort_key
from modelyard.core.profiles import (
    AZURE_API_PATH,
    AzureMLSettings,
    DatabricksSettings,
    DatabricksUCSettings,
    MlflowServerSettings,
    Profile,
)
from modelyard.core.stores import AzureBlobStore, GcsStore
from modelyard.core.text import printable

# MLflow flavors whose module has load_model(); anything else loads as pyfunc.
NATIVE_FLAVORS = (
    "sklearn",
    "xgboost",
    "lightgbm",
    "catboost",
    "pytorch",
    "tensorflow",
    "keras",
    "onnx",
    "statsmodels",
    "prophet",
    "spacy",
    "transformers",
    "sentence_transformers",
    "h2o",
    "spark",
    "paddle",
    "pmdarima",
    "johnsnowlabs",
)


def model_uris(version: VersionSummary) -> list[tuple[str, str]]:
    """(label, URI) pairs for a version: by number, by each alias, by stage."""
    uris = [("By version", f"models:/{version.model}/{version.version}")]
    uris += [(f"By alias @{a}", f"models:/{version.model}@{a}") for a in version.aliases]
    if version.stage.value != "None":
        uris.append(
            (f"By stage {version.stage.value}", f"models:/{version.model}/{version.stage.value}")
        )
    return uris


def model_uri(model: ModelSummary) -> str | None:
    """A URI that loads this model as it stands (``models:/<name>`` alone loads nothing): by
    its champion (or first) alias, else its Production version, else its latest version."""
    if model.aliases:
        alias = "champion" if "champion" in model.aliases else sorted(model.aliases)[0]
        return f"models:/{model.name}@{alias}"
    if model.latest_by_stage.get("Production"):
        return f"models:/{model.name}/Production"
    if model.latest_versions:
        return f"models:/{model.name}/{max(model.latest_versions, key=version_sort_key)}"
    return None


def load_flavor(model_file: ModelFile | None) -> str:
    """The flavor module to load with: a native one when the model has it, else pyfunc."""
    flavors = model_file.flavors if model_file else ()
    for flavor in NATIVE_FLAVORS:
        if flavor in flavors:
            return flavor
    return "pyfunc"


def tracking_uri(profile: Profile) -> str:
    """The URI that points MLflow at this profile's tracking server / workspace."""
    settings = profile.settings
    if isinstance(settings, MlflowServerSettings):
        return settings.url
    if isinstance(settings, DatabricksSettings):  # workspace registry and Unity Catalog
        return _databricks_uri("databricks", settings)
    if isinstance(settings, AzureMLSettings):
        host = urlsplit(settings.base_url).netloc
        path = AZURE_API_PATH.format(
            subscription=settings.subscription_id,
            group=settings.resource_group,
            workspace=settings.workspace,
        ).replace("mlflow/v2.0/", "mlflow/v1.0/", 1)
        return f"azureml://{host}/{path}"
    from modelyard.core.connectors.local import sqlite_uri

    return sqlite_uri(Path(settings.path))


def registry_uri(profile: Profile) -> str:
    """The URI that points MLflow's model registry at this profile's registry."""
    settings = profile.settings
    if isinstance(settings, DatabricksUCSettings):
        return _databricks_uri("databricks-uc", settings)
    return tracking_uri(profile)


def _databricks_uri(scheme: str, settings: DatabricksSettings) -> str:
    if settings.auth == "config-profile" and settings.config_profile:
        return f"{scheme}://{settings.config_profile}"
    return scheme


def credential_lines(profile: Profile) -> list[str]:
    """Comment lines naming where the credentials come from (never their values)."""
    settings = profile.settings
    env: list[tuple[str, str]] = []
    notes: list[str] = []
    if isinstance(settings, MlflowServerSettings):
        if settings.auth == "basic":
            env += [
                ("MLFLOW_TRACKING_USERNAME", shlex.quote(settings.username or "<user>")),
                ("MLFLOW_TRACKING_PASSWORD", "<password>"),
            ]
        elif settings.auth == "token":
            env.append(("MLFLOW_TRACKING_TOKEN", "<token>"))
        if settings.insecure_tls:
            env.append(("MLFLOW_TRACKING_INSECURE_TLS", "true"))
        if settings.ca_bundle:
            env.append(("MLFLOW_TRACKING_SERVER_CERT_PATH", shlex.quote(settings.ca_bundle)))
        if settings.client_cert:
            env.append(("MLFLOW_TRACKING_CLIENT_CERT_PATH", shlex.quote(settings.client_cert)))
        store = settings.store
        if isinstance(store, AzureBlobStore):  # read by the loading process itself
            notes.append("azure-storage-blob for the files: pip install azure-storage-blob")
            if store.auth == "service-principal":  # MLflow's repository: DefaultAzureCredential
                notes.append("azure-identity for the sign-in: pip install azure-identity")
                env += [
                    ("AZURE_TENANT_ID", shlex.quote(str(store.tenant_id))),
                    ("AZURE_CLIENT_ID", shlex.quote(str(store.client_id))),
                    ("AZURE_CLIENT_SECRET", "<client secret>"),
                ]
            elif store.auth == "azure-cli":
                notes.append("azure-identity for the sign-in, and `az login`")
            elif store.auth == "connection-string" or store.account_url:
                env.append(("AZURE_STORAGE_CONNECTION_STRING", "<connection string>"))
            else:
                env.append(("AZURE_STORAGE_ACCESS_KEY", "<account key>"))
        elif isinstance(store, GcsStore):
            notes.append("google-cloud-storage for the files: pip install google-cloud-storage")
            if store.key_file:
                env.append(("GOOGLE_APPLICATION_CREDENTIALS", shlex.quote(store.key_file)))
            elif not store.anonymous:
                notes.append("`gcloud auth application-default login` (or a service-account key)")
            if store.endpoint_url and store.anonymous:  # an emulator, as google-cloud-storage
                env.append(("STORAGE_EMULATOR_HOST", shlex.quote(store.endpoint_url)))
            elif store.endpoint_url:
                notes.append(f"google-cloud-storage pointed at {store.endpoint_url}")
        elif store is not None:  # the files are read from S3 by the loading process itself
            notes.append("boto3 for the files in S3: pip install boto3")
            if store.endpoint_url:
                env.append(("MLFLOW_S3_ENDPOINT_URL", shlex.quote(store.endpoint_url)))
            if store.region:
                env.append(("AWS_DEFAULT_REGION", shlex.quote(store.region)))
            if store.aws_profile:
                env.append(("AWS_PROFILE", shlex.quote(store.aws_profile)))
            if store.access_key_id:
                env += [
                    ("AWS_ACCESS_KEY_ID", shlex.quote(store.access_key_id)),
                    ("AWS_SECRET_ACCESS_KEY", "<S3 secret key>"),
                ]
            if store.session_token:
                env.append(("AWS_SESSION_TOKEN", "<S3 session token>"))
    elif isinstance(settings, DatabricksSettings):
        if settings.auth == "config-profile":
            notes.append(f"the [{settings.config_profile}] profile of ~/.databrickscfg")
        else:
            env.append(("DATABRICKS_HOST", shlex.quote(settings.host or "<workspace URL>")))
        if settings.auth == "pat":
            env.append(("DATABRICKS_TOKEN", "<personal access token>"))
        elif settings.auth == "oauth-m2m":
            env += [
                ("DATABRICKS_CLIENT_ID", shlex.quote(settings.client_id or "<client id>")),
                ("DATABRICKS_CLIENT_SECRET", "<client secret>"),
            ]
        elif settings.auth == "oauth-u2m":
            notes.append("`databricks auth login --host <workspace URL>` (browser login)")
        elif settings.auth == "azure-cli":
            env.append(("DATABRICKS_AUTH_TYPE", "azure-cli"))
            notes.append("`az login`")
    elif isinstance(settings, AzureMLSettings):
        notes.append("the azureml-mlflow plugin: pip install azureml-mlflow")
        if settings.auth == "service-principal":
            env += [
                ("AZURE_TENANT_ID", shlex.quote(settings.tenant_id or "<tenant id>")),
                ("AZURE_CLIENT_ID", shlex.quote(settings.client_id or "<client id>")),
                ("AZURE_CLIENT_SECRET", "<client secret>"),
            ]
        elif settings.auth == "azure-cli":
            notes.append("`az login`")
        elif settings.auth == "browser":
            notes.append("a browser login when the code first runs")
        if settings.authority_host or settings.cloud != "public":
            env.append(("AZURE_AUTHORITY_HOST", shlex.quote(settings.authority)))
    if not env and not notes:
        return []
    lines = ["# Credentials come from the environment, never from this code:"]
    lines += [f"#   export {name}={value}" for name, value in env]
    lines += [f"#   needs {note}" for note in notes]
    return [printable(line) for line in lines]


def load_snippet(profile: Profile, version: VersionSummary, model_file: ModelFile | None) -> str:
    """Python a user can paste into a notebook: it loads this version from this registry.

    Every value from the registry or the profile enters the code as a Python literal
    (``repr``), and comments carry no raw text (control characters escaped), so no name can
    break out of a string or a comment.
    """
    flavor = load_flavor(model_file)
    uri = f"models:/{version.model}/{version.version}"
    lines = [
        printable(
            f"# {version.model!r} version {version.version!r} from the registry "
            f"{profile.name!r} (Modelyard)"
        ),
        *credential_lines(profile),
        "import mlflow",
        "",
        f"mlflow.set_tracking_uri({tracking_uri(profile)!r})",
        f"mlflow.set_registry_uri({registry_uri(profile)!r})",
        f"model = mlflow.{flavor}.load_model({uri!r})",
    ]
    if flavor == "pyfunc":
        lines.append("# model.predict(data)")
    else:
        lines.append(
            f"# model.predict(data)  ({flavor} model; mlflow.pyfunc.load_model also works)"
        )
    return "\n".join(lines) + "\n"
