"""Model URIs and a ready-to-paste Python snippet that loads a version from its registry.

The snippet names the environment variables that carry credentials; it never contains a secret.
"""

from __future__ import annotations

from modelyard.core.domain import ModelFile, VersionSummary
from modelyard.core.profiles import LocalSettings, MlflowServerSettings, Profile

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


def load_flavor(model_file: ModelFile | None) -> str:
    """The flavor module to load with: a native one when the model has it, else pyfunc."""
    flavors = model_file.flavors if model_file else ()
    for flavor in NATIVE_FLAVORS:
        if flavor in flavors:
            return flavor
    return "pyfunc"


def tracking_uri(profile: Profile) -> str:
    """The URI that points MLflow at this profile's registry."""
    settings = profile.settings
    if isinstance(settings, MlflowServerSettings):
        return settings.url
    assert isinstance(settings, LocalSettings)
    from pathlib import Path

    from modelyard.core.connectors.local import sqlite_uri

    return sqlite_uri(Path(settings.path))


def load_snippet(profile: Profile, version: VersionSummary, model_file: ModelFile | None) -> str:
    """Python a user can paste into a notebook: it loads this version from this registry."""
    settings = profile.settings
    flavor = load_flavor(model_file)
    uri = f"models:/{version.model}/{version.version}"
    lines = [f"# {version.model} v{version.version} from the registry {profile.name!r} (Modelyard)"]
    if isinstance(settings, MlflowServerSettings):
        if settings.auth == "basic":
            lines += [
                "# Credentials come from the environment, never from this code:",
                "#   export MLFLOW_TRACKING_USERNAME=" + (settings.username or "<user>"),
                "#   export MLFLOW_TRACKING_PASSWORD=<password>",
            ]
        elif settings.auth == "token":
            lines += [
                "# Credentials come from the environment, never from this code:",
                "#   export MLFLOW_TRACKING_TOKEN=<token>",
            ]
        if settings.insecure_tls:
            lines.append("#   export MLFLOW_TRACKING_INSECURE_TLS=true")
        if settings.ca_bundle:
            lines.append(f"#   export MLFLOW_TRACKING_SERVER_CERT_PATH={settings.ca_bundle}")
        if settings.client_cert:
            lines.append(f"#   export MLFLOW_TRACKING_CLIENT_CERT_PATH={settings.client_cert}")
    target = tracking_uri(profile)
    lines += [
        "import mlflow",
        "",
        f'mlflow.set_tracking_uri("{target}")',
        f'mlflow.set_registry_uri("{target}")',
        f'model = mlflow.{flavor}.load_model("{uri}")',
    ]
    if flavor == "pyfunc":
        lines.append("# model.predict(data)")
    else:
        lines.append(
            f"# model.predict(data)  ({flavor} model; mlflow.pyfunc.load_model also works)"
        )
    return "\n".join(lines) + "\n"
