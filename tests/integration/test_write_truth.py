"""Nothing recorded wrong (#24.1–3) and slow is not dead (#23.6), on a real MLflow server.

- Two archive-existing promotions at the same moment: each version archived is recorded once,
  by the write that archived it (the server's answer says which: same transaction, same time).
- Two moves of one version at the same moment: the history's "from" is the stage each move
  replaced, in the server's order.
- A write whose answer was lost (the proxy forwards it, the server applies it, the answer is
  dropped): read again, reported as applied, recorded once. One that never reached the server:
  read again, reported as not applied, nothing recorded.
- A server that takes longer than the first-byte limit to answer writes: each write still
  succeeds, the wait is reported while it lasts, history is recorded once.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest

from modelyard.core.actions.promote import PromotionResult, Target, promote
from modelyard.core.connectors import open_registry
from modelyard.core.kinds import MlflowServerSettings
from modelyard.core.model.domain import EventKind, Stage, StageEvent
from modelyard.core.model.errors import ErrorKind, ModelyardError
from modelyard.core.model.registry import Registry
from modelyard.core.profiles.profile import Profile, ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from modelyard.core.reads.history import recorded_events, version_history
from modelyard.core.runtime.waiting import reporting_waits
from tests.helpers.registry import admin_store, create_version, ensure_model, new_version
from tests.support.fault_proxy import FaultProxy, fault_proxy
from tests.support.servers import MlflowServer

ROUNDS = 10


def two_people(
    url: str, store: ProfileStore, secrets: SecretStore, **timeouts: float
) -> list[Registry]:
    settings = MlflowServerSettings(url=url)
    profile = store.add(
        Profile.model_validate({"name": f"p{len(store.list())}", "settings": settings, **timeouts})
    )
    return [open_registry(profile, secrets) for _ in range(2)]


def at_once(*actions: Callable[[], PromotionResult]) -> list[PromotionResult | BaseException]:
    """Run the actions on threads released together; each one's result or exception."""
    barrier = threading.Barrier(len(actions))
    results: list[PromotionResult | BaseException] = [RuntimeError("not run")] * len(actions)

    def run(i: int) -> None:
        barrier.wait(timeout=30)
        try:
            results[i] = actions[i]()
        except BaseException as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def stage_events(admin: Any, model: str, version: str) -> list[StageEvent]:
    tags = admin.get_model_version(model, version).tags
    return [e for e in recorded_events(version, tags) if e.kind is EventKind.STAGE]


def test_two_archive_existing_promotions_at_once_record_each_archive_once(
    mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    admin = admin_store(mlflow_server)
    people = two_people(mlflow_server.url, store, secrets)
    for round_no in range(ROUNDS):
        model = f"archive-race-{round_no}"
        ensure_model(admin, model)
        for _ in range(3):
            create_version(mlflow_server, model)
        admin.transition_model_version_stage(model, "1", "Production", False)
        results = at_once(
            *(
                lambda person=person, v=v, model=model: promote(
                    person, model, v, Target("stage", "Production"), archive_existing=True
                )
                for person, v in zip(people, ("2", "3"), strict=True)
            )
        )
        assert all(isinstance(r, PromotionResult) for r in results), results
        # The history as shown (GUI and `modelyard history`): each archive once, by its writer.
        # (Two writes stamped in the same millisecond cannot tell whose archive a version was:
        # both may record it; the history shows it once.)
        for summary in people[0].list_versions(model, None, 100).items:
            archived = [
                e
                for e in version_history(summary)
                if e.kind is EventKind.STAGE and e.to_value == "Archived"
            ]
            expected = 1 if summary.stage is Stage.ARCHIVED else 0
            assert len(archived) == expected, (round_no, summary.version, summary.stage, archived)
            assert all(e.from_value == "Production" for e in archived)
    for person in people:
        person.close()


def test_two_moves_of_one_version_at_once_show_the_stage_each_replaced(
    mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    admin = admin_store(mlflow_server)
    people = two_people(mlflow_server.url, store, secrets)
    model = "move-race"
    ensure_model(admin, model)
    for round_no in range(ROUNDS):
        version = str(create_version(mlflow_server, model).version)
        results = at_once(
            partial(promote, people[0], model, version, Target("stage", "Staging")),
            partial(promote, people[1], model, version, Target("stage", "Production")),
        )
        assert all(isinstance(r, PromotionResult) for r in results), results
        summary = next(
            v for v in people[0].list_versions(model, None, 100).items if v.version == version
        )
        moves = [e for e in version_history(summary) if e.kind is EventKind.STAGE]
        assert moves, round_no
        assert moves[0].from_value in ("", "None"), (moves, summary.stage, summary.updated)
        for earlier, later in itertools.pairwise(moves):
            assert later.from_value == earlier.to_value, (round_no, moves)
        assert moves[-1].to_value == summary.stage.value, (round_no, moves, summary.stage)
    for person in people:
        person.close()


@pytest.fixture()
def proxy(mlflow_server: MlflowServer) -> Iterator[FaultProxy]:
    with fault_proxy(mlflow_server.url, max_stall_s=30.0, delay_s=1.6) as running:
        yield running


def test_a_promotion_whose_answer_was_lost_is_read_again_and_reported_as_applied(
    proxy: FaultProxy, mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    admin = admin_store(mlflow_server)
    version = new_version(mlflow_server, "lost-answer")
    [registry, _] = two_people(proxy.url, store, secrets)
    proxy.set("lost", when="POST /api/2.0/mlflow/model-versions/transition-stage")
    result = promote(registry, "lost-answer", version, Target("stage", "Staging"))
    assert result.as_asked and result.version.stage is Stage.STAGING
    assert any("answer was lost" in note and "was applied" in note for note in result.notes)
    assert admin.get_model_version("lost-answer", version).current_stage == "Staging"
    moves = stage_events(admin, "lost-answer", version)
    assert [(e.from_value, e.to_value) for e in moves] == [("None", "Staging")]

    proxy.set("lost", when="POST /api/2.0/mlflow/registered-models/alias")
    result = promote(registry, "lost-answer", version, Target("alias", "champion"))
    assert result.as_asked and any("was applied" in note for note in result.notes)
    assert admin.get_registered_model("lost-answer").aliases == {"champion": version}
    proxy.set("pass")
    registry.close()


def test_a_promotion_that_never_reached_the_server_is_read_again_and_reported_not_applied(
    proxy: FaultProxy, mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    admin = admin_store(mlflow_server)
    version = new_version(mlflow_server, "never-applied")
    [registry, _] = two_people(proxy.url, store, secrets, read_timeout_s=1.0, write_timeout_s=2.0)
    proxy.set("never", when="POST /api/2.0/mlflow/model-versions/transition-stage")
    with pytest.raises(ModelyardError) as info:
        promote(registry, "never-applied", version, Target("stage", "Staging"))
    assert info.value.kind is ErrorKind.TIMEOUT
    assert "did not answer in time" in info.value.message
    assert "was not applied" in info.value.message
    assert admin.get_model_version("never-applied", version).current_stage == "None"
    assert stage_events(admin, "never-applied", version) == []
    proxy.set("pass")
    registry.close()


def test_writes_slower_than_the_first_byte_limit_succeed_and_say_they_wait(
    proxy: FaultProxy, mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    """Every write answered 1.6 s late with a 1 s first-byte limit (the default 8 s limit and a
    10–15 s delay, scaled down): promote, alias, tag edit each succeed, recorded once, and the
    wait is reported while it lasts."""
    admin = admin_store(mlflow_server)
    version = new_version(mlflow_server, "slow-writes")
    [registry, _] = two_people(proxy.url, store, secrets, read_timeout_s=1.0)
    waits: list[tuple[str, float]] = []
    proxy.set("delay", when="POST ")
    with reporting_waits(lambda host, seconds: waits.append((host, seconds))):
        staged = promote(registry, "slow-writes", version, Target("stage", "Staging"))
        aliased = promote(registry, "slow-writes", version, Target("alias", "champion"))
        registry.set_version_tag("slow-writes", version, "owner", "ana")
    proxy.set("pass")
    assert staged.as_asked and aliased.as_asked
    assert staged.notes == () and aliased.notes == ()  # answered: nothing was lost
    assert [(e.from_value, e.to_value) for e in stage_events(admin, "slow-writes", version)] == [
        ("None", "Staging")
    ]
    tags = admin.get_model_version("slow-writes", version).tags
    assert tags["owner"] == "ana"
    alias_events = [e for e in recorded_events(version, tags) if e.kind is EventKind.ALIAS_SET]
    assert len(alias_events) == 1
    host = proxy.url.removeprefix("http://")
    assert any(h == host and s >= 1.0 for h, s in waits), waits  # told while waiting
    assert (host, -1.0) in waits  # and told when it answered
    registry.close()


def test_a_write_slower_than_the_default_first_byte_limit_succeeds(
    mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    """The field case at its real size: the default 8 s first-byte limit, a write answered 11 s
    late (the promotion's own move; its history entry goes through undelayed)."""
    admin = admin_store(mlflow_server)
    version = new_version(mlflow_server, "slow-default")
    with fault_proxy(mlflow_server.url, max_stall_s=30.0, delay_s=11.0) as slow:
        [registry, _] = two_people(slow.url, store, secrets)
        slow.set("delay", when="POST /api/2.0/mlflow/model-versions/transition-stage")
        waits: list[float] = []
        with reporting_waits(lambda _host, seconds: waits.append(seconds)):
            result = promote(registry, "slow-default", version, Target("stage", "Production"))
        slow.set("pass")
        registry.close()
    assert result.as_asked and result.notes == ()
    assert admin.get_model_version("slow-default", version).current_stage == "Production"
    assert len(stage_events(admin, "slow-default", version)) == 1
    assert any(8.0 <= s < 11.5 for s in waits), waits


def test_the_cli_says_on_stderr_that_it_waits_for_a_slow_write(
    proxy: FaultProxy, mlflow_server: MlflowServer, store: ProfileStore
) -> None:
    from tests.helpers.cli import run

    version = new_version(mlflow_server, "slow-cli")
    store.add(
        Profile(name="slowcli", settings=MlflowServerSettings(url=proxy.url), read_timeout_s=1.0)
    )
    proxy.set("delay", when="POST /api/2.0/mlflow/model-versions/transition-stage")
    code, out, err = run("promote", "slowcli", "slow-cli", version, "--stage", "Staging", "--yes")
    proxy.set("pass")
    assert code == 0, out + err
    assert f"still waiting for {proxy.url.removeprefix('http://')}" in err
    assert "Staging" in out


def test_a_copy_into_a_server_slow_to_answer_writes_succeeds_and_says_it_waits(
    proxy: FaultProxy, mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    """#23.6: `modelyard copy … --yes` exited 1 ("accepted the connection but did not answer in
    time") when one of the copy's writes took longer than the first-byte limit. Every write
    of the target answered 1.6 s late with a 1 s limit: the copy is made, waits are said,
    its history entry is recorded once."""
    from modelyard.core.actions.copy import copy_version
    from modelyard.core.actions.copy_plan import Endpoint, plan_copy

    version = new_version(mlflow_server, "slow-copy-source")
    source_profile = store.add(
        Profile(name="copy-src", settings=MlflowServerSettings(url=mlflow_server.url))
    )
    target_profile = store.add(
        Profile(name="copy-slow", settings=MlflowServerSettings(url=proxy.url), read_timeout_s=1.0)
    )
    source = open_registry(source_profile, secrets)
    target = open_registry(target_profile, secrets)
    waits: list[float] = []
    try:
        plan = plan_copy(
            Endpoint(source, "copy-src"),
            "slow-copy-source",
            version,
            Endpoint(target, "copy-slow"),
            "slow-copy-target",
        )
        proxy.set("delay", when="POST ")
        with reporting_waits(lambda _host, seconds: waits.append(seconds)):
            result = copy_version(Endpoint(source, "copy-src"), Endpoint(target, "copy-slow"), plan)
        proxy.set("pass")
    finally:
        source.close()
        target.close()
    admin = admin_store(mlflow_server)
    copied = admin.get_model_version("slow-copy-target", result.version.version)
    assert copied.tags.get("modelyard.copy.source", "").endswith(f"#slow-copy-source/{version}")
    copies = [e for e in recorded_events(copied.version, copied.tags) if e.kind is EventKind.COPIED]
    assert len(copies) == 1
    assert any(s >= 1.0 for s in waits) and -1.0 in waits
