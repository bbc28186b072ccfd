"""The retry policy as a user meets it (#24.14): a 503 is asked again after a pause, not 3 ms
later; a host that does not accept the connection is named after one connect wait (the profile's
4 s by default), not two."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator

import pytest

from modelyard.core.connectors import open_registry
from modelyard.core.kinds import MlflowServerSettings
from modelyard.core.model.errors import ErrorKind, ModelyardError
from modelyard.core.profiles.profile import Profile, ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from tests.support.fault_proxy import fault_proxy
from tests.support.servers import MlflowServer


def test_a_503_is_asked_again_after_a_pause(
    mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    with fault_proxy(mlflow_server.url) as proxy:
        profile = store.add(Profile(name="busy", settings=MlflowServerSettings(url=proxy.url)))
        registry = open_registry(profile, secrets)
        proxy.set("503", when="GET /api/2.0/mlflow/registered-models/search")
        with pytest.raises(ModelyardError) as info:
            registry.list_models()
        registry.close()
        asked = [
            at
            for line, at in zip(proxy.requests_seen, proxy.seen_at, strict=True)
            if "registered-models/search" in line
        ]
    assert info.value.kind is ErrorKind.SERVER
    assert len(asked) == 2, proxy.requests_seen
    assert asked[1] - asked[0] >= 0.45, f"asked again after {asked[1] - asked[0]:.3f} s"


@pytest.fixture()
def unaccepting_port() -> Iterator[int]:
    """A loopback port whose listen queue is full: new connections are never accepted (the
    kernel drops their SYN), as with a host behind a firewall that drops traffic."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    for _ in range(8):  # fill the accept queue (never accepted)
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    yield port
    for filler in fillers:
        filler.close()
    server.close()


def test_a_host_that_never_accepts_is_named_after_one_connect_wait(
    unaccepting_port: int, store: ProfileStore, secrets: SecretStore
) -> None:
    profile = store.add(
        Profile(
            name="dropped",
            settings=MlflowServerSettings(url=f"http://127.0.0.1:{unaccepting_port}"),
            connect_timeout_s=2.0,
        )
    )
    registry = open_registry(profile, secrets)
    started = time.monotonic()
    with pytest.raises(ModelyardError) as info:
        registry.list_models()
    elapsed = time.monotonic() - started
    registry.close()
    assert info.value.kind is ErrorKind.TIMEOUT, info.value.message
    assert "did not accept the connection" in info.value.message
    assert 1.9 <= elapsed < 3.5, f"{elapsed:.1f} s: the connect wait was doubled"
