"""Contract tests: Databricks transition requests (ask, approve, reject, withdraw) and model
permission levels, through the stand-in in front of a real ``mlflow server``."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol, cast

import pytest

from modelyard.core.actions.board import load_board
from modelyard.core.actions.promote import PromotionConflict, ShownModel
from modelyard.core.actions.transitions import (
    approve,
    find_request,
    open_requests,
    reject,
    request_transition,
    withdraw,
)
from modelyard.core.connectors import open_registry
from modelyard.core.kinds import DatabricksSettings
from modelyard.core.model.domain import EventKind, Stage
from modelyard.core.model.errors import ErrorKind, ModelyardError
from modelyard.core.model.registry import Registry, TransitionRequests
from modelyard.core.profiles.profile import Profile
from modelyard.core.profiles.secrets import SecretStore
from modelyard.core.reads.history import recorded_events
from tests.helpers.contract import ANA, BOB, CAROL, databricks_profile, seeded_model
from tests.helpers.registry import admin_store
from tests.support.contract_server import Contract
from tests.support.servers import MlflowServer


class Workspace(Registry, TransitionRequests, Protocol):
    """A Databricks workspace registry: a registry that takes transition requests."""


@contextmanager
def signed_in(contract: Contract, secrets: SecretStore, who: str) -> Iterator[Workspace]:
    registry = open_registry(databricks_profile(contract, secrets, who), secrets)
    try:
        assert isinstance(registry, TransitionRequests)
        yield cast(Workspace, registry)
    finally:
        registry.close()


@pytest.fixture()
def team(contract: Contract) -> Contract:
    """Ana manages, Bob may edit (request), Carol may only read."""
    contract.permissions.update({ANA: "CAN_MANAGE", BOB: "CAN_EDIT", CAROL: "CAN_READ"})
    return contract


def test_contract_permission_levels_map_to_access(
    team: Contract, mlflow_server: MlflowServer, secrets: SecretStore
) -> None:
    name = seeded_model(mlflow_server, 1)
    team.permissions["dave@example.com"] = "CAN_MANAGE_STAGING_VERSIONS"
    expected = {
        ANA: (True, True, None),
        BOB: (False, True, None),
        CAROL: (False, False, None),
        "dave@example.com": (True, True, {Stage.NONE, Stage.STAGING, Stage.ARCHIVED}),
    }
    for who, (edit, request, stages) in expected.items():
        with signed_in(team, secrets, who) as registry:
            access = registry.access(name)
            assert (access.edit, access.request, access.stages) == (edit, request, stages), who
            assert access.level == team.permissions[who]
    with signed_in(team, secrets, "dave@example.com") as registry:
        access = registry.access(name)
        assert access.may_move(Stage.NONE, Stage.STAGING) is True
        assert access.may_move(Stage.STAGING, Stage.PRODUCTION) is False
        with pytest.raises(ModelyardError) as refused:  # the service agrees
            registry.transition_stage(name, "1", Stage.PRODUCTION)
        assert refused.value.kind is ErrorKind.PERMISSION
        assert registry.transition_stage(name, "1", Stage.STAGING).stage is Stage.STAGING


def test_contract_request_then_approve_with_archive(
    team: Contract, mlflow_server: MlflowServer, secrets: SecretStore
) -> None:
    name = seeded_model(mlflow_server, 2)
    admin_store(mlflow_server).transition_model_version_stage(name, "1", "Production", False)
    with signed_in(team, secrets, BOB) as bob:
        shown = ShownModel.read(bob, name)
        made = request_transition(
            bob, name, "2", Stage.PRODUCTION, comment="beats v1 on AUC", shown=shown
        )
        assert (made.to_stage, made.requester) == (Stage.PRODUCTION, BOB)
        with pytest.raises(ModelyardError, match="already asked"):
            request_transition(bob, name, "2", Stage.PRODUCTION)
        with pytest.raises(ModelyardError) as refused:  # Bob may ask, not decide
            approve(bob, made)
        assert refused.value.kind is ErrorKind.PERMISSION
        assert bob.get_version(name, "2").stage is Stage.NONE
    with signed_in(team, secrets, ANA) as ana:
        listed = open_requests(ana, name, ShownModel.read(ana, name).versions.values())
        assert list(listed) == ["2"]
        (request,) = listed["2"]
        assert (request.requester, request.comment) == (BOB, "beats v1 on AUC")
        assert request.created is not None
        result = approve(ana, request, archive_existing=True, comment="ship it")
        assert result.version.stage is Stage.PRODUCTION
        assert [(v.version, v.stage) for v in result.changed] == [("1", Stage.ARCHIVED)]
        assert ana.get_version(name, "1").stage is Stage.ARCHIVED
        assert ana.transition_requests(name, "2") == ()
        events = recorded_events("2", ana.get_version(name, "2").tags)
        assert [(e.who, e.to_value, e.comment) for e in events] == [
            (ANA, "Production", f"approved {BOB}'s request: ship it")
        ]
        with pytest.raises(PromotionConflict, match="no longer open"):  # decided already
            reject(ana, request)


def test_contract_reject_keeps_the_stage_and_is_in_history(
    team: Contract, mlflow_server: MlflowServer, secrets: SecretStore
) -> None:
    name = seeded_model(mlflow_server, 1)
    with signed_in(team, secrets, BOB) as bob:
        request_transition(bob, name, "1", Stage.STAGING, comment="please")
        assert [e.kind for e in bob.server_history(name, "1")] == [EventKind.REQUESTED]
    with signed_in(team, secrets, ANA) as ana:
        request = find_request(ana, name, "1", Stage.STAGING)
        result = reject(ana, request, comment="tests are red")
        assert result.version.stage is Stage.NONE
        assert ana.transition_requests(name, "1") == ()
        (event,) = recorded_events("1", ana.get_version(name, "1").tags)
        assert (event.kind, event.from_value, event.comment) == (
            EventKind.REJECTED,
            BOB,
            "tests are red",
        )
        assert "rejected" in event.describe()


def test_contract_withdraw_is_for_the_requester_only(
    team: Contract, mlflow_server: MlflowServer, secrets: SecretStore
) -> None:
    name = seeded_model(mlflow_server, 1)
    with signed_in(team, secrets, BOB) as bob:
        request = request_transition(bob, name, "1", Stage.STAGING)
    with signed_in(team, secrets, ANA) as ana, pytest.raises(ModelyardError, match="Only bob"):
        withdraw(ana, find_request(ana, name, "1", Stage.STAGING))
    with signed_in(team, secrets, BOB) as bob:
        withdraw(bob, find_request(bob, name, "1", Stage.STAGING, BOB))
        assert bob.transition_requests(name, "1") == ()
        with pytest.raises(PromotionConflict):
            withdraw(bob, request)


def test_contract_read_only_user_cannot_request(
    team: Contract, mlflow_server: MlflowServer, secrets: SecretStore
) -> None:
    name = seeded_model(mlflow_server, 1)
    with signed_in(team, secrets, CAROL) as carol:
        with pytest.raises(ModelyardError) as refused:
            request_transition(carol, name, "1", Stage.STAGING)
        assert refused.value.kind is ErrorKind.PERMISSION
        assert "Could not request v1 → Staging" in refused.value.message
        assert carol.transition_requests(name, "1") == ()


def test_contract_a_stage_changed_since_shown_is_a_conflict(
    team: Contract, mlflow_server: MlflowServer, secrets: SecretStore
) -> None:
    name = seeded_model(mlflow_server, 1)
    with signed_in(team, secrets, BOB) as bob:
        shown = ShownModel.read(bob, name)
        admin_store(mlflow_server).transition_model_version_stage(name, "1", "Staging", False)
        with pytest.raises(PromotionConflict) as conflict:
            request_transition(bob, name, "1", Stage.PRODUCTION, shown=shown)
        assert conflict.value.differences == ["v1 is now in Staging (was None)"]
        assert bob.transition_requests(name, "1") == ()


def test_contract_workspace_registry_has_no_aliases_and_board_loads(
    team: Contract, mlflow_server: MlflowServer, secrets: SecretStore
) -> None:
    name = seeded_model(mlflow_server, 2)
    with signed_in(team, secrets, BOB) as bob:
        request_transition(bob, name, "2", Stage.STAGING)
        with pytest.raises(ModelyardError) as refused:
            bob.set_alias(name, "champion", "2")
        assert refused.value.kind is ErrorKind.INVALID
        board = load_board(bob, name)
        assert not board.capabilities.aliases and board.capabilities.transition_requests
        assert board.access.request and not board.access.edit
        assert [r.to_stage for r in board.requests["2"]] == [Stage.STAGING]
        assert [v.version for v in board.versions] == ["2", "1"]


def test_contract_an_approval_slower_than_the_first_byte_limit_is_waited_for(
    team: Contract, mlflow_server: MlflowServer, secrets: SecretStore
) -> None:
    """#23.6, approve: the workspace answers the approval 1.6 s late with a 1 s first-byte
    limit (the SDK's own 15 s wait and a 10–15 s delay, scaled down): approved, said to wait,
    recorded once."""
    from modelyard.core.runtime.waiting import reporting_waits
    from tests.support.fault_proxy import fault_proxy

    name = seeded_model(mlflow_server, 1)
    with signed_in(team, secrets, BOB) as bob:
        made = request_transition(bob, name, "1", Stage.STAGING, shown=ShownModel.read(bob, name))
    with fault_proxy(team.url, max_stall_s=30.0, delay_s=1.6) as slow:
        profile = Profile(
            name=f"dbx-slow-{uuid.uuid4().hex[:4]}",
            settings=DatabricksSettings(host=slow.url, auth="pat"),
            read_timeout_s=1.0,
        )
        secrets.set(profile.id, "token", team.issue(ANA))
        ana = open_registry(profile, secrets)
        try:
            slow.set("delay", when="POST /api/2.0/mlflow/transition-requests/approve")
            waits: list[float] = []
            with reporting_waits(lambda _host, seconds: waits.append(seconds)):
                result = approve(ana, made, comment="slow but fine")
            slow.set("pass")
        finally:
            ana.close()
    assert result.version.stage is Stage.STAGING and result.as_asked
    assert any(s >= 1.0 for s in waits) and -1.0 in waits
    tags = admin_store(mlflow_server).get_model_version(name, "1").tags
    assert len([e for e in recorded_events("1", tags) if e.to_value == "Staging"]) == 1
