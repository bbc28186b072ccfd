"""The fault matrix: every fault of the loopback fault proxy, in front of the real test server,
against each place that talks to a registry — listing, reading a version, downloading its files,
promoting it — through the core and the CLI (issue #11: 16, 17 and the Deliver list).

Per fault and place: the message names the cause and the host; the first message comes within
a bound set by the profile's timeouts; a write the server never received changes nothing and
records nothing; data read earlier stays readable."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from modelyard.core.actions.promote import ANSWER_LOST, PromotionResult, Target, promote
from modelyard.core.connectors import open_registry
from modelyard.core.kinds import MlflowServerSettings
from modelyard.core.model.domain import Stage
from modelyard.core.model.errors import ErrorKind, ModelyardError
from modelyard.core.model.registry import Registry
from modelyard.core.profiles.profile import Profile, ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from modelyard.core.reads.download import plan_download, run_download
from modelyard.core.reads.history import recorded_events
from tests.helpers.cli import run
from tests.helpers.registry import admin_store, new_version
from tests.support.fault_proxy import FaultProxy, fault_proxy
from tests.support.servers import MlflowServer

CONNECT_S, READ_S = 2.0, 2.0
MODEL = "fault-model"
# What each fault must be reported as: (kind, any of these words in the message).
EXPECTED: dict[str, tuple[ErrorKind, tuple[str, ...]]] = {
    "refuse": (ErrorKind.REFUSED, ("connection refused",)),
    "reset": (ErrorKind.NETWORK, ("reset", "closed the connection")),
    "reset-mid-body": (ErrorKind.NETWORK, ("reset", "cut off")),
    "500": (ErrorKind.SERVER, ("500 Internal Server Error",)),
    "502": (ErrorKind.SERVER, ("502 Bad Gateway",)),
    "503": (ErrorKind.SERVER, ("503 Service Unavailable",)),
    "html": (ErrorKind.HTML, ("web page",)),
    "truncate": (ErrorKind.NETWORK, ("cut off",)),
    "stall-body": (ErrorKind.TIMEOUT, ("did not answer in time",)),
    "never": (ErrorKind.TIMEOUT, ("did not answer in time",)),
}
# Faults that let a write reach the server and lose its answer: the move is made.
APPLIED_ANYWAY = ("reset-mid-body", "truncate", "stall-body")
# Where a fault hits, per place (the other requests pass untouched).
WHEN = {
    "list": "GET /api/2.0/mlflow/registered-models/search",
    "get": "GET /api/2.0/mlflow/model-versions/get",
    "download": "GET /api/2.0/mlflow-artifacts/artifacts/",  # the files, not their listing
    "promote": "POST /api/2.0/mlflow/model-versions/transition-stage",
}


@pytest.fixture(scope="module")
def version(mlflow_server: MlflowServer) -> str:
    return new_version(mlflow_server, MODEL)


@pytest.fixture()
def proxy(mlflow_server: MlflowServer) -> Iterator[FaultProxy]:
    with fault_proxy(mlflow_server.url, max_stall_s=20.0, delay_s=0.5) as running:
        yield running


def _profile(store: ProfileStore, url: str) -> Profile:
    profile = Profile(
        name="faulty",
        settings=MlflowServerSettings(url=url),
        connect_timeout_s=CONNECT_S,
        read_timeout_s=READ_S,
        write_timeout_s=READ_S,
    )
    return store.add(profile)


def _bound(place: str) -> float:
    """The longest a first message may take: one connect and one wait for bytes (downloads
    wait longer between bytes), plus slack for the retry of a refused or 5xx read."""
    read = 3 * READ_S if place == "download" else READ_S
    reread = CONNECT_S + READ_S if place == "promote" else 0.0  # a lost answer is read again
    return CONNECT_S + read + 3.0 + reread


def _act(place: str, registry: Registry, version: str, tmp: Path) -> Callable[[], object]:
    if place == "list":
        return registry.list_models
    if place == "get":
        return lambda: registry.get_version(MODEL, version)
    if place == "download":
        plan = plan_download(registry, MODEL, version)  # listed before the fault applies
        return lambda: run_download(registry, plan, tmp / "dest")
    return lambda: promote(registry, MODEL, version, Target("stage", Stage.STAGING.value))


@pytest.mark.parametrize("place", list(WHEN))
@pytest.mark.parametrize("fault", list(EXPECTED))
def test_each_fault_at_each_place_is_named_in_time_and_leaves_nothing_half_done(
    fault: str,
    place: str,
    proxy: FaultProxy,
    version: str,
    mlflow_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
    tmp_path: Path,
) -> None:
    admin = admin_store(mlflow_server)
    admin.transition_model_version_stage(MODEL, version, "None", False)
    events_before = len(recorded_events(version, admin.get_model_version(MODEL, version).tags))
    registry = open_registry(_profile(store, proxy.url), secrets)
    seen_before = registry.get_version(MODEL, version)  # read while all is well
    act = _act(place, registry, version, tmp_path)
    proxy.set(fault, when=WHEN[place])
    started = time.monotonic()
    if place == "promote" and fault in APPLIED_ANYWAY:
        # The server applied the move and its answer was lost: read again, said, recorded once.
        result = act()
        assert isinstance(result, PromotionResult) and result.as_asked
        assert any("answer was lost" in note for note in result.notes), result.notes
        assert time.monotonic() - started < _bound(place) + READ_S
        after = admin.get_model_version(MODEL, version)
        assert after.current_stage == "Staging"
        assert len(recorded_events(version, after.tags)) - events_before == 1
        proxy.set("pass")
        registry.close()
        return
    with pytest.raises(ModelyardError) as info:
        act()
    elapsed = time.monotonic() - started
    kind, words = EXPECTED[fault]
    if place == "download" and fault == "stall-body":  # it had answered, then went silent
        words = ("stopped sending", "stalled")
    message = info.value.message
    assert info.value.kind is kind, message
    assert any(w in message for w in words), message
    assert "127.0.0.1" in message or MODEL in message, message  # names where
    if place == "download":  # the host that failed, not only whose files they were
        assert "127.0.0.1" in message, message
    if place == "download" and fault == "stall-body":
        assert "did not answer" not in message, message
    assert elapsed < _bound(place), f"{elapsed:.1f} s: {message}"
    # Nothing half-done: no partial file; a write the server never saw changed nothing.
    dest = tmp_path / "dest"
    if dest.exists():
        assert not [p for p in dest.rglob("*") if p.suffix == ".part" or ".modelyard-d" in str(p)]
    after = admin.get_model_version(MODEL, version)
    if place == "promote":
        recorded = len(recorded_events(version, after.tags)) - events_before
        if fault in ("refuse", "reset", "500", "502", "503", "html", "never"):
            assert after.current_stage == "None"  # never reached the server
        assert recorded == 0  # the outcome was not confirmed: nothing recorded
        if kind in ANSWER_LOST:  # read again before saying so: not applied
            assert "was not applied" in message, message
    # What was read before stays what it was (the caller keeps it); the registry still works.
    assert seen_before.version == version
    proxy.set("pass")
    if fault != "refuse":
        assert registry.get_version(MODEL, version).version == version
    registry.close()


def test_a_delay_within_the_timeouts_is_no_failure(
    proxy: FaultProxy, version: str, store: ProfileStore, secrets: SecretStore
) -> None:
    registry = open_registry(_profile(store, proxy.url), secrets)
    proxy.set("delay", when="GET /api/2.0/mlflow/")
    assert registry.get_version(MODEL, version).version == version
    registry.close()


def test_a_hung_server_is_reported_within_ten_seconds_with_default_timeouts(
    proxy: FaultProxy, version: str, store: ProfileStore, secrets: SecretStore
) -> None:
    profile = store.add(Profile(name="defaults", settings=MlflowServerSettings(url=proxy.url)))
    registry = open_registry(profile, secrets)
    proxy.set("never", when="GET /api/2.0/mlflow/registered-models/search")
    started = time.monotonic()
    with pytest.raises(ModelyardError) as info:
        registry.list_models()
    assert info.value.kind is ErrorKind.TIMEOUT
    assert time.monotonic() - started < 10.0
    registry.close()


@pytest.mark.parametrize("fault", list(EXPECTED))
def test_the_cli_says_what_happened_in_one_line(
    fault: str, proxy: FaultProxy, version: str, store: ProfileStore
) -> None:
    _profile(store, proxy.url)
    proxy.set(fault, when=WHEN["list"])
    started = time.monotonic()
    code, out, err = run("ls", "faulty")
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("modelyard: "), err
    assert any(w in err for w in EXPECTED[fault][1]), err
    assert "Traceback" not in err
    assert time.monotonic() - started < _bound("list")
