"""HTTP sessions that carry one profile's credentials (for calls MLflow's stores do not make,
such as reading artifacts through the server's proxied-artifact API)."""

from __future__ import annotations

import base64
import ipaddress
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Self

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError
from urllib3.util.retry import Retry

TIMEOUT = (5.0, 30.0)  # connect, read: artifact transfers (a longer wait between bytes)


@dataclass(frozen=True, slots=True)
class Timeouts:
    """How long an API call waits: to connect, for the first byte of a read's answer, and for a
    write's answer.

    Sized for a desktop app: an unreachable or hung server is reported within seconds on reads,
    not the minutes of MLflow's defaults (120 s × 7 retries). A write is not failed at the
    first-byte limit: past it the wait is reported (see ``waiting``) and goes on up to ``write``,
    since a slow server still applies it. Set per profile."""

    connect: float = 4.0
    read: float = 8.0
    write: float = 120.0

    @property
    def transfer(self) -> tuple[float, float]:
        """(connect, read) for file transfers: a longer wait between bytes, never unbounded."""
        return (self.connect, max(3 * self.read, 5.0))


class _HeaderAuth(requests.auth.AuthBase):
    """Sets (or deliberately does not set) Authorization; also keeps ~/.netrc out of it."""

    def __init__(self, header: str | Callable[[], str | None] | None) -> None:
        self.header = header

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        header = self.header() if callable(self.header) else self.header
        if header:
            request.headers["Authorization"] = header
        return request


def authorization_header(
    username: str | None, password: str | None, token: str | None
) -> str | None:
    """The Authorization header MLflow would send for these credentials."""
    if username and password:
        raw = f"{username}:{password}".encode()
        return "Basic " + base64.standard_b64encode(raw).decode("ascii")
    if token:
        return f"Bearer {token}"
    return None


FIRST_RETRY_S = 0.5  # the first retry waits too: a 503 asked again 3 ms later is still a 503


class _Retry(Retry):
    """urllib3's Retry, but the first retry waits ``FIRST_RETRY_S`` (urllib3 waits 0 before
    it), and a connection attempt that timed out is not tried again: the host did not answer
    within the connect limit once, and a second wait would double it (a refused connection
    still is: it costs nothing)."""

    def get_backoff_time(self) -> float:  # overrides Retry
        return max(super().get_backoff_time(), FIRST_RETRY_S) if self.history else 0.0

    def increment(  # overrides Retry
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> Self:
        if isinstance(error, ConnectTimeoutError) and not isinstance(error, NewConnectionError):
            raise MaxRetryError(_pool, url, error) from error
        return super().increment(method, url, response, error, _pool, _stacktrace)


def api_retry(status_forcelist: tuple[int, ...] = (502, 503, 504)) -> Retry:
    """The retry policy of every profile's HTTP: one more try of a read (GET/HEAD) whose
    connection was refused or that a gateway answered with ``status_forcelist``, after half a
    second; none after a connect or read timeout (a host that did not answer is reported, not
    asked again); the last answer is returned with its status instead of a retry error."""
    return _Retry(
        total=2,
        connect=1,
        read=0,
        status=1,
        other=0,
        backoff_factor=0.3,
        status_forcelist=status_forcelist,
        allowed_methods=frozenset({"GET", "HEAD"}),
        raise_on_status=False,
        respect_retry_after_header=False,
    )


class ProfileSession(requests.Session):
    """A session whose TLS settings are the profile's, whatever the environment says.

    requests lets ``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE`` replace a session's ``verify`` on
    every request that does not pass its own (common on corporate machines): a profile's CA
    bundle or its insecure-TLS switch would then be ignored for downloads, previews and
    uploads. Here a request without its own ``verify`` uses the session's, unless the profile
    chose nothing (``verify=True``), where the environment's bundle is the system's choice.
    Proxies from the environment (HTTPS_PROXY, NO_PROXY) still apply."""

    def merge_environment_settings(  # overrides requests.Session
        self,
        url: str | bytes | None,
        proxies: Any,
        stream: Any,
        verify: Any,
        cert: Any,
    ) -> Any:
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if verify is None and self.verify is not True:
            settings["verify"] = self.verify
        return settings


def make_session(
    *,
    authorization: str | Callable[[], str | None] | None,
    verify: bool | str = True,
    client_cert: str | None = None,
) -> requests.Session:
    """A session with this profile's auth, TLS settings and a short retry policy.

    ``authorization`` may be a callable: it is asked for the header on every request (tokens
    that expire are refreshed by whoever it asks)."""
    session = ProfileSession()
    session.auth = _HeaderAuth(authorization)
    session.verify = verify
    if client_cert:
        session.cert = client_cert
    retry = api_retry(status_forcelist=(429, 502, 503, 504))
    adapter = HTTPAdapter(max_retries=retry, pool_maxsize=8)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class NameLookupTimeout(OSError):
    """The host name lookup (DNS) did not answer in time."""

    def __init__(self, host: str, seconds: float) -> None:
        super().__init__(f"the name lookup for {host} did not answer within {seconds:.0f} s")
        self.host = host
        self.seconds = seconds


_RESOLVED: dict[str, float] = {}  # host -> until when a successful lookup is trusted
_RESOLVED_LOCK = threading.Lock()
RESOLVED_TTL_S = 60.0


def check_resolves(host: str | None, timeout: float) -> None:
    """Raise NameLookupTimeout when looking ``host`` up takes longer than ``timeout``.

    The system resolver ignores socket timeouts (an unanswering DNS server holds a request for
    30 s and more before any connect timeout starts): the lookup runs on a helper thread and is
    waited for at most ``timeout``. A host that does not exist is left to the request itself,
    which reports it as such; a successful lookup is trusted for a minute.
    """
    if not host or host == "localhost":
        return
    try:
        ipaddress.ip_address(host.strip("[]"))
        return  # an address needs no lookup
    except ValueError:
        pass
    now = time.monotonic()
    with _RESOLVED_LOCK:
        if _RESOLVED.get(host, 0.0) > now:
            return
    # A daemon thread of its own: a lookup that never answers must not hold the process at
    # exit (a pool's worker threads are joined then, for as long as the resolver waits).
    done = threading.Event()
    outcome: list[BaseException | None] = []

    def look_up() -> None:
        try:
            socket.getaddrinfo(host, None)
            outcome.append(None)
        except OSError as exc:
            outcome.append(exc)
        finally:
            done.set()

    threading.Thread(target=look_up, name="modelyard-dns", daemon=True).start()
    if not done.wait(timeout):
        raise NameLookupTimeout(host, timeout)
    if outcome and outcome[0] is not None:
        return  # does not resolve: the request says so in its own words
    with _RESOLVED_LOCK:
        _RESOLVED[host] = now + RESOLVED_TTL_S
