"""Registry kinds live in one place (``modelyard.core.kinds``): what a kind says it can do is
what its connector's registry implements, the wizard's and the CLI's fields round-trip through
it, the CLI has an option for every field a kind asks for, and no code outside the kinds (and
the connectors they name) switches on a kind."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from typing import Any

import pytest

from modelyard.cli.profiles import profiles_add
from modelyard.core.kinds import (
    KINDS,
    AzureMLSettings,
    DatabricksSettings,
    DatabricksUCSettings,
    FormField,
    Kind,
    LocalSettings,
    MlflowServerSettings,
    SignIn,
    kind_of,
)
from modelyard.core.model.registry import TransitionRequests
from modelyard.core.profiles.secrets import SECRET_FIELDS

APP = Path(__file__).resolve().parents[2] / "app" / "modelyard"
GUID = "00000000-0000-0000-0000-0000000000aa"
SAMPLES: dict[str, Any] = {
    "mlflow": MlflowServerSettings(url="https://mlflow.example.com", auth="basic", username="ana"),
    "local": LocalSettings(path="/tmp/registry.db"),
    "databricks": DatabricksSettings(
        host="https://adb-1.7.azuredatabricks.net", auth="oauth-m2m", client_id="app-1"
    ),
    "databricks-uc": DatabricksUCSettings(
        host="https://dbc-1.cloud.databricks.com",
        auth="pat",
        default_catalog="main",
        default_schema="ml",
    ),
    "azureml": AzureMLSettings(
        subscription_id=GUID,
        resource_group="rg-ml",
        workspace="ml-prod",
        region="usgovvirginia",
        cloud="usgov",
        auth="service-principal",
        tenant_id=GUID,
        client_id="app-2",
    ),
}
# Where a switch on the kind is the point: the kinds themselves, the connectors they name,
# the demo (a local registry by definition) and the quick first page (a local file's schema
# or one raw REST call, per kind), which the CLI's listing asks only of local files.
ALLOWED = (
    "core/kinds/",
    "core/connectors/",
    "core/demo/",
    "core/reads/quick_list.py",
    "cli/browse.py",
)
SETTINGS_CLASSES = {type(s).__name__ for s in SAMPLES.values()}


def _load(spec: str) -> Any:
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def test_every_kind_has_a_sample_and_is_found_from_its_settings() -> None:
    assert set(SAMPLES) == set(KINDS)
    for name, settings in SAMPLES.items():
        assert kind_of(settings) is KINDS[name]
        assert KINDS[name].settings is type(settings)


@pytest.mark.parametrize("name", list(KINDS))
def test_what_a_kind_says_it_can_do_is_what_its_registry_implements(name: str) -> None:
    kind = KINDS[name]
    registry = _load(kind.registry)
    assert issubclass(registry, TransitionRequests) is kind.requests
    told = kind.capabilities(can_edit=True)
    assert (told.stages, told.aliases, told.transition_requests) == (
        kind.stages,
        kind.aliases,
        kind.requests,
    )
    assert told.can_edit is True
    assert callable(_load(kind.opener))
    assert kind.imports[0] == kind.opener.partition(":")[0]  # its own module first


@pytest.mark.parametrize("name", list(KINDS))
def test_the_forms_values_make_the_same_settings_again(name: str) -> None:
    settings = SAMPLES[name]
    kind = KINDS[name]
    values = kind.form_values(settings)
    values["auth"] = getattr(settings, "auth", None)
    assert kind.settings_from(values) == settings


@pytest.mark.parametrize("name", list(KINDS))
def test_the_cli_has_an_option_for_every_field_a_kind_asks_for(name: str) -> None:
    options = {p.name for p in profiles_add.params}
    kind = KINDS[name]
    wanted = {f.key for f in kind.connection}
    for sign_in in kind.sign_ins:
        wanted |= {f"{f}_stdin" if f in SECRET_FIELDS else f for f in sign_in.fields}
    assert wanted <= options, sorted(wanted - options)


class _Bucket(Kind[Any]):
    """A kind that is not in Modelyard: one connection field, a sign-in with a secret."""

    name = "bucket-registry"
    title = "Bucket registry"
    connection = (FormField("bucket_url", "Bucket URL", "s3://bucket/registry"),)
    sign_ins = (SignIn("key", "Access key", frozenset({"client_id", "client_secret"})),)


def _options_with(monkeypatch: pytest.MonkeyPatch, kind: Kind[Any]) -> dict[str, str]:
    import click

    from modelyard.cli import profiles as cli_profiles

    monkeypatch.setitem(KINDS, kind.name, kind)  # the one dict the CLI reads

    @click.command()
    @cli_profiles._kind_options
    def command(**given: Any) -> None:
        """A command with the generated options only."""

    return {p.opts[0]: getattr(p, "help", "") or "" for p in command.params}


def test_a_new_kinds_fields_reach_the_cli_with_nothing_written_there(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    options = _options_with(monkeypatch, _Bucket())
    assert "bucket-registry: Bucket URL" in options["--bucket-url"]
    assert "bucket-registry" in options["--client-secret-stdin"]  # a secret: from stdin only
    assert "--client-secret" not in options
    assert "bucket-registry: key" in options["--auth"]


def test_two_kinds_giving_one_field_two_shapes_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Clash(_Bucket):
        connection = (FormField("url", "URL", check=True),)  # mlflow's url is a line

    with pytest.raises(TypeError, match="'url'"):
        _options_with(monkeypatch, Clash())


def test_sign_ins_name_fields_and_secrets_the_settings_keep() -> None:
    for name, settings in SAMPLES.items():
        kind = KINDS[name]
        chosen = next((s for s in kind.sign_ins if s.key == getattr(settings, "auth", None)), None)
        shown = chosen.fields if chosen else frozenset()
        assert set(kind.secret_fields(settings)) <= shown, name


def _switches(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "isinstance"
            and len(node.args) == 2
        ):
            names = {n.id for n in ast.walk(node.args[1]) if isinstance(n, ast.Name)}
            if names & SETTINGS_CLASSES:
                found.append(f"{path.name}:{node.lineno} isinstance(…, {sorted(names)})")
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            words = {
                n.value
                for side in sides
                for n in ast.walk(side)
                if isinstance(n, ast.Constant) and isinstance(n.value, str)
            }
            on_kind = any(
                isinstance(side, ast.Attribute) and side.attr == "kind" for side in sides
            ) or any(isinstance(side, ast.Name) and side.id == "kind" for side in sides)
            if on_kind and words & set(KINDS):
                found.append(f"{path.name}:{node.lineno} compares a kind with {sorted(words)}")
    return found


def test_no_code_outside_the_kinds_switches_on_a_kind() -> None:
    found = []
    for path in sorted(APP.rglob("*.py")):
        where = path.relative_to(APP).as_posix()
        if not where.startswith(ALLOWED):
            found += _switches(path)
    assert found == []


def test_the_switch_finder_finds_switches(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def f(p, kind):\n"
        "    if isinstance(p.settings, (LocalSettings, int)):\n"
        "        return 1\n"
        "    return p.kind == 'azureml' or kind in ('databricks', 'x')\n"
    )
    assert len(_switches(sample)) == 3
