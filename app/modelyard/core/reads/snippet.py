"""Model URIs and a ready-to-paste Python snippet that loads a version from its registry.

The snippet names the environment variables (or config files) that carry credentials for each
kind of registry; it never contains a secret. Registry text enters it only as Python literals.
"""

from __future__ import annotations

from modelyard.core.kinds import kind_of
from modelyard.core.model.domain import ModelFile, ModelSummary, VersionSummary, version_sort_key
from modelyard.core.profiles.profile import Profile
from modelyard.core.runtime.text import printable

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
    return kind_of(profile.settings).tracking_uri(profile.settings)


def registry_uri(profile: Profile) -> str:
    """The URI that points MLflow's model registry at this profile's registry."""
    return kind_of(profile.settings).registry_uri(profile.settings)


def credential_lines(profile: Profile) -> list[str]:
    """Comment lines naming where the credentials come from (never their values)."""
    env, notes = kind_of(profile.settings).credentials(profile.settings)
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
