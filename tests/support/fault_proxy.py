"""A loopback HTTP proxy in front of the real test server that misbehaves on demand.

Faults (``FaultProxy.set(fault, when=...)``): ``pass`` (forward), ``refuse`` (the port stops
listening; setting another fault listens again), ``reset`` (the connection is reset after
the request arrives), ``reset-mid-body``
(headers and half the body, then a reset), ``delay`` (forward after ``delay_s``), ``500``/``502``
/``503`` (that status; 502 and 503 with an HTML gateway page), ``html`` (200 with a login page),
``truncate`` (the answer cut off before its Content-Length), ``stall-body`` (half the body, then
silence), ``never`` (the request is read and never answered), ``lost`` (the request is
forwarded — the server applies it — and the answer is dropped: the connection is reset).
``when`` picks the requests a
fault applies to (a substring of method + path, e.g. ``"POST /api/2.0/mlflow/model-versions"``);
the others are forwarded. Bounded: a stall lasts at most ``max_stall_s``, the proxy serves at
most ``max_requests`` requests, and everything stops when the context exits.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-encoding",
    "host",
    "content-length",
}
FAULTS = (
    "pass",
    "refuse",
    "reset",
    "reset-mid-body",
    "delay",
    "500",
    "502",
    "503",
    "html",
    "truncate",
    "stall-body",
    "never",
    "lost",
)
GATEWAY_PAGE = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
LOGIN_PAGE = b"<!DOCTYPE html><html><body><form action='/login'>Sign in</form></body></html>"


@dataclass
class FaultProxy:
    upstream: str
    max_stall_s: float = 30.0
    max_requests: int = 2000
    delay_s: float = 1.0
    fault: str = "pass"
    when: str = ""
    times: int = 0  # how many requests get the fault before it passes again (0: no limit)
    requests_seen: list[str] = field(default_factory=list)
    seen_at: list[float] = field(default_factory=list)  # monotonic time of each request
    url: str = ""
    _stop: threading.Event = field(default_factory=threading.Event)
    _server: ThreadingHTTPServer | None = None
    _closed: bool = False
    _thread: threading.Thread | None = None

    def set(self, fault: str, when: str = "", times: int = 0) -> None:
        assert fault in FAULTS, fault
        self.fault, self.when, self.times = fault, when, times
        if fault == "refuse":
            self._close_listener()
        elif self._closed and not self._stop.is_set():
            self._listen()  # the port listens again: the registry is back

    def _listen(self) -> None:
        port = int(self.url.rsplit(":", 1)[1]) if self.url else 0
        server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        server.daemon_threads = True
        self._server, self._closed = server, False
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()

    def applies(self, line: str) -> bool:
        if self.fault == "pass" or self.when not in line:
            return False
        if self.times:
            self.times -= 1
            if not self.times:
                self.fault = "pass"  # this request is the last to get it
        return True

    def _close_listener(self) -> None:
        if self._server is not None and not self._closed:
            self._server.shutdown()  # the accept loop ends...
            self._server.server_close()  # ...and new connections are refused from now on
            self._closed = True

    def stall(self) -> None:
        self._stop.wait(self.max_stall_s)


def _reset(handler: BaseHTTPRequestHandler) -> None:
    """Close with RST (SO_LINGER 0) instead of a clean FIN."""
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.connection.close()
    handler.close_connection = True


def _handler(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def end_headers(self) -> None:
            # One request per connection: every call connects anew, so "refuse" is a refusal
            # (no pooled connection slips past it) and each fault meets a fresh connection.
            self.send_header("Connection", "close")
            self.close_connection = True
            super().end_headers()

        def _answer(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _upstream(self, body: bytes | None) -> requests.Response:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
            return requests.request(
                self.command, proxy.upstream + self.path, headers=headers, data=body, timeout=60
            )

        def _handle(self) -> None:
            line = f"{self.command} {self.path}"
            proxy.requests_seen.append(line)
            proxy.seen_at.append(time.monotonic())
            if len(proxy.requests_seen) > proxy.max_requests:
                self._answer(503, b"fault proxy: request budget used up", "text/plain")
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            fault = proxy.fault
            fault = fault if proxy.applies(line) else "pass"
            if fault == "reset":
                _reset(self)
                return
            if fault == "never":
                proxy.stall()
                self.close_connection = True
                return
            if fault == "500":
                self._answer(500, b"Internal Server Error", "text/plain")
                return
            if fault in ("502", "503"):
                self._answer(int(fault), GATEWAY_PAGE, "text/html")
                return
            if fault == "html":
                self._answer(200, LOGIN_PAGE, "text/html; charset=utf-8")
                return
            if fault == "delay":
                proxy._stop.wait(proxy.delay_s)
            response = self._upstream(body)
            if fault == "lost":
                _reset(self)
                return
            payload = response.content
            self.send_response(response.status_code)
            for key, value in response.headers.items():
                if key.lower() not in HOP:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if fault in ("truncate", "reset-mid-body", "stall-body"):
                self.wfile.write(payload[: max(1, len(payload) // 2)])
                self.wfile.flush()
                if fault == "stall-body":
                    proxy.stall()
                if fault == "reset-mid-body":
                    _reset(self)
                else:
                    self.close_connection = True
                return
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextmanager
def fault_proxy(upstream: str, **options: float) -> Iterator[FaultProxy]:
    """A FaultProxy on 127.0.0.1 (``.url``) in front of ``upstream``; stopped afterwards."""
    proxy = FaultProxy(upstream, **options)  # type: ignore[arg-type]
    proxy._listen()
    try:
        yield proxy
    finally:
        proxy._stop.set()
        proxy._close_listener()
        if proxy._thread is not None:
            proxy._thread.join(timeout=10)
