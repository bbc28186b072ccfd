"""A tiny real HTTP server on 127.0.0.1 that answers every request with an HTML page.

It stands in for a corporate login proxy in front of an MLflow server.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler

from tests.support.http_thread import running

PAGE = b"<!DOCTYPE html><html><head><title>Sign in</title></head><body>Login</body></html>"


class _Handler(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    do_POST = do_GET

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def html_server(status: int = 200) -> Iterator[str]:
    with running(type("Handler", (_Handler,), {"status": status})) as url:
        yield url


class _Recorder(BaseHTTPRequestHandler):
    seen: list[dict[str, str]]

    def do_GET(self) -> None:
        self.seen.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
        body = b'{"registered_models": [{"name": "via-token"}]}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def recording_server() -> Iterator[tuple[str, list[dict[str, str]]]]:
    """A real HTTP server answering MLflow's model search with one model; records headers."""
    seen: list[dict[str, str]] = []
    with running(type("Recorder", (_Recorder,), {"seen": seen})) as url:
        yield url, seen


class _Status(BaseHTTPRequestHandler):
    status = 403
    payload = b"{}"

    def do_GET(self) -> None:
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.payload)))
        self.end_headers()
        self.wfile.write(self.payload)

    do_POST = do_GET

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def status_server(status: int, payload: bytes) -> Iterator[str]:
    """A gateway that answers every request with ``status`` and a JSON ``payload``."""
    with running(type("Status", (_Status,), {"status": status, "payload": payload})) as url:
        yield url
