"""Contract tests: one suite of registry behaviours, run against the in-memory registry of the
fast tests (tests/support/memory_registry.py), a real ``mlflow server`` through Modelyard's
connector, and the Databricks stand-in (workspace registry: stages, no aliases) — so the
memory registry cannot drift from what the registries do."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from modelyard.core.connectors import open_registry
from modelyard.core.model.domain import MetricPoint, Stage
from modelyard.core.model.errors import ErrorKind, RegistryError
from modelyard.core.model.registry import Publishing, Registry
from modelyard.core.profiles.profile import ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from tests.helpers.contract import ANA, databricks_profile
from tests.helpers.registry import add_server_profile
from tests.support.contract_server import Contract
from tests.support.memory_registry import MemoryRegistry
from tests.support.servers import MlflowServer

BACKENDS = ("memory", "mlflow", "databricks")


@pytest.fixture(params=BACKENDS)
def registry(
    request: pytest.FixtureRequest, store: ProfileStore, secrets: SecretStore
) -> Iterator[Registry]:
    opened: Registry
    if request.param == "memory":
        opened = MemoryRegistry()
    elif request.param == "mlflow":
        server: MlflowServer = request.getfixturevalue("mlflow_server")
        opened = open_registry(add_server_profile(store, secrets, server, "suite"), secrets)
    else:
        contract: Contract = request.getfixturevalue("contract")
        contract.permissions[ANA] = "CAN_MANAGE"
        opened = open_registry(databricks_profile(contract, secrets, ANA), secrets)
    assert isinstance(opened, Publishing), f"{request.param} cannot take new models"
    try:
        yield opened
    finally:
        opened.close()


def _writer(registry: Registry) -> Publishing:
    assert isinstance(registry, Publishing)
    return registry


def _model(registry: Registry, versions: int = 0, **tags: str) -> str:
    """A new model with ``versions`` versions, each from a run of its own."""
    name = f"suite-{uuid.uuid4().hex[:10]}"
    writer = _writer(registry)
    writer.create_model(name, "made by the suite", dict(tags))
    for _ in range(versions):
        run_id, uri = writer.create_copy_run("suite", {})
        writer.create_version(name, f"{uri}/model", run_id, "", {})
    return name


def _kind(call: object) -> ErrorKind:
    assert callable(call)
    with pytest.raises(RegistryError) as failed:
        call()
    return failed.value.kind


def test_contract_models_list_by_name_page_by_page_each_once(registry: Registry) -> None:
    made = sorted(_model(registry) for _ in range(3))
    seen: list[str] = []
    token: str | None = None
    while True:
        page = registry.list_models(token, page_size=2)
        assert len(page.items) <= 2
        seen += [m.name for m in page.items]
        token = page.next_page_token
        if not token:
            break
    ours = [name for name in seen if name in made]
    assert ours == made  # each once, in name order
    assert registry.get_model(made[0]).description == "made by the suite"


def test_contract_versions_count_from_one_newest_first(registry: Registry) -> None:
    name = _model(registry, versions=3)
    assert [v.version for v in registry.list_versions(name).items] == ["3", "2", "1"]
    second = registry.get_version(name, "2")
    assert (second.model, second.stage) == (name, Stage.NONE)
    assert second.run_id and second.source.endswith("/model")
    paged = registry.list_versions(name, page_size=2)
    assert [v.version for v in paged.items] == ["3", "2"] and paged.next_page_token
    rest = registry.list_versions(name, paged.next_page_token, page_size=2)
    assert [v.version for v in rest.items] == ["1"] and not rest.next_page_token


def test_contract_what_is_not_there_is_not_found(registry: Registry) -> None:
    name = _model(registry, versions=1)
    assert _kind(lambda: registry.get_model(f"{name}-missing")) is ErrorKind.NOT_FOUND
    assert _kind(lambda: registry.get_version(name, "99")) is ErrorKind.NOT_FOUND
    try:  # MLflow's server says not found; a search over Databricks finds nothing
        assert registry.list_versions(f"{name}-missing").items == ()
    except RegistryError as exc:
        assert exc.kind is ErrorKind.NOT_FOUND


def test_contract_archive_existing_archives_the_holder(registry: Registry) -> None:
    if not registry.capabilities().stages:
        pytest.fail("every backend of this suite has stages")
    name = _model(registry, versions=2)
    one = registry.transition_stage(name, "1", Stage.PRODUCTION)
    assert one.stage is Stage.PRODUCTION
    two = registry.transition_stage(name, "2", Stage.PRODUCTION, archive_existing=True)
    assert two.stage is Stage.PRODUCTION
    assert registry.get_version(name, "1").stage is Stage.ARCHIVED
    assert registry.get_model(name).latest_by_stage.get("Production") == "2"
    registry.transition_stage(name, "1", Stage.STAGING)  # without archiving: both stay
    assert registry.get_version(name, "2").stage is Stage.PRODUCTION
    # Only Staging and Production archive the others: refused (MLflow's server answers 500
    # for it, so the kind is not asserted), and nothing moved.
    assert isinstance(
        _kind(lambda: registry.transition_stage(name, "1", Stage.ARCHIVED, True)), ErrorKind
    )
    assert registry.get_version(name, "1").stage is Stage.STAGING


def test_contract_aliases_move_and_go(registry: Registry) -> None:
    name = _model(registry, versions=2)
    if not registry.capabilities().aliases:  # the workspace registry: refused, not ignored
        assert isinstance(_kind(lambda: registry.set_alias(name, "champion", "1")), ErrorKind)
        assert dict(registry.get_model(name).aliases) == {}
        return
    registry.set_alias(name, "champion", "1")
    registry.set_alias(name, "champion", "2")
    assert dict(registry.get_model(name).aliases) == {"champion": "2"}
    assert registry.get_version(name, "2").aliases == ("champion",)
    assert registry.get_version(name, "1").aliases == ()
    listed = {v.version: v.aliases for v in registry.list_versions(name).items}
    assert listed == {"2": ("champion",), "1": ()}
    registry.delete_alias(name, "champion")
    assert dict(registry.get_model(name).aliases) == {}
    assert _kind(lambda: registry.set_alias(name, "champion", "9")) is ErrorKind.NOT_FOUND


def test_contract_tags_and_descriptions(registry: Registry) -> None:
    name = _model(registry, versions=1, team="fraud")
    registry.set_model_tag(name, "owner", "ana")
    registry.delete_model_tag(name, "team")
    assert dict(registry.get_model(name).tags) == {"owner": "ana"}
    registry.set_version_tag(name, "1", "validated", "yes")
    registry.set_version_tag(name, "1", "gone", "soon")
    registry.delete_version_tag(name, "1", "gone")
    assert dict(registry.get_version(name, "1").tags) == {"validated": "yes"}
    registry.set_model_description(name, "Churn, **v2** features")
    registry.set_version_description(name, "1", "first")
    assert registry.get_model(name).description == "Churn, **v2** features"
    assert registry.get_version(name, "1").description == "first"


def test_contract_runs_keep_params_and_metric_histories(registry: Registry) -> None:
    writer = _writer(registry)
    run_id, _uri = writer.create_copy_run("suite-run", {"origin": "suite"})
    when = datetime(2026, 11, 1, tzinfo=UTC)
    points = [("loss", MetricPoint(step, 1.0 / (step + 1), when)) for step in (2, 0, 1)]
    writer.log_run_data(run_id, {"lr": "0.1"}, points)
    writer.finish_run(run_id)
    run = registry.get_run(run_id)
    assert dict(run.params) == {"lr": "0.1"} and run.tags.get("origin") == "suite"
    assert run.status == "FINISHED"
    history = registry.metric_history(run_id, "loss")
    assert [(p.step, round(p.value, 4)) for p in history] == [(0, 1.0), (1, 0.5), (2, 0.3333)]


def test_contract_files_below_a_run_are_listed_and_read(registry: Registry, tmp_path: Path) -> None:
    writer = _writer(registry)
    run_id, uri = writer.create_copy_run("suite-files", {})
    (tmp_path / "MLmodel").write_text("flavors: {}\n")
    (tmp_path / "w.bin").write_bytes(b"\x00\x01" * 1000)
    sent: list[int] = []
    writer.upload_file(uri, "model/MLmodel", tmp_path / "MLmodel", sent.append)
    writer.upload_file(uri, "model/data/w.bin", tmp_path / "w.bin", sent.append)
    assert sum(sent) == len("flavors: {}\n") + 2000
    name = _model(registry)
    version = writer.create_version(name, f"{uri}/model", run_id, "", {})
    location = registry.artifact_location(name, version.version)
    walked = {e.path: e.size for e in registry.walk_artifacts(location)}
    assert walked == {"MLmodel": 12, "data/w.bin": 2000}  # paths relative to the location
    top = {e.path: e.is_dir for e in registry.list_artifacts(location)}
    assert top == {"MLmodel": False, "data": True}
    assert [e.path for e in registry.list_artifacts(location, "data")] == ["data/w.bin"]
    with registry.open_artifact(location, "data/w.bin") as stream:
        assert stream.read() == b"\x00\x01" * 1000


def test_contract_deleted_versions_and_models_are_gone(registry: Registry) -> None:
    writer = _writer(registry)
    name = _model(registry, versions=2)
    writer.delete_version(name, "1")
    assert [v.version for v in registry.list_versions(name).items] == ["2"]
    assert _kind(lambda: registry.get_version(name, "1")) is ErrorKind.NOT_FOUND
    assert writer.model_exists(name)
    writer.delete_model(name)
    assert not writer.model_exists(name)
    assert _kind(lambda: registry.get_model(name)) is ErrorKind.NOT_FOUND
