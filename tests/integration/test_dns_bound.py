"""A DNS server that does not answer is reported within the connect timeout, as a name lookup
problem — not after the resolver's 30 s and more, and not as a wrong URL (issue #11.17)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from modelyard.core.connectors import open_registry
from modelyard.core.kinds import MlflowServerSettings
from modelyard.core.model.errors import ErrorKind, RegistryError
from modelyard.core.profiles.profile import Profile, ProfileStore
from modelyard.core.profiles.secrets import SecretStore

SLOW = "registry.slow-dns.example"


@pytest.fixture()
def unanswering_dns(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """The system resolver, except that looking up SLOW hangs (as with a DNS server that drops
    the query) until the test ends."""
    release = threading.Event()
    real = socket.getaddrinfo

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        if host == SLOW:
            release.wait(30)
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield release
    release.set()


def test_an_unanswering_dns_server_is_named_within_the_connect_timeout(
    unanswering_dns: threading.Event, store: ProfileStore, secrets: SecretStore
) -> None:
    profile = store.add(
        Profile(
            name="slow-dns",
            settings=MlflowServerSettings(url=f"http://{SLOW}:5000"),
            connect_timeout_s=1.5,
        )
    )
    registry = open_registry(profile, secrets)
    started = time.monotonic()
    with pytest.raises(RegistryError) as info:
        registry.list_models()
    assert time.monotonic() - started < 3.0
    assert info.value.kind is ErrorKind.UNRESOLVED
    assert "DNS server did not answer" in info.value.message and SLOW in info.value.message
    assert "not the URL" in info.value.message
    registry.close()


EXIT_SCRIPT = """
import socket, sys, threading, time
real = socket.getaddrinfo
def hang(host, *a, **k):
    if host == %(slow)r:
        threading.Event().wait(60)  # a DNS server that never answers
    return real(host, *a, **k)
socket.getaddrinfo = hang
from modelyard.core.runtime.http import NameLookupTimeout, check_resolves
started = time.monotonic()
try:
    check_resolves(%(slow)r, 1.0)
except NameLookupTimeout:
    print("named after %%.1f s" %% (time.monotonic() - started), flush=True)
"""


def test_a_lookup_that_never_answers_does_not_hold_the_process_at_exit() -> None:
    """#24.9: the cause was named within the limit, then the process waited ~10 s more at exit
    for the lookup thread (a pool's threads are joined at exit)."""
    import subprocess
    import sys

    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", EXIT_SCRIPT % {"slow": SLOW}],
        capture_output=True,
        text=True,
        timeout=120,
    )
    elapsed = time.monotonic() - started
    assert "named after 1." in result.stdout, result.stdout + result.stderr
    assert elapsed < 8.0, f"the process took {elapsed:.1f} s to exit"
