"""A real HTTP proxy on 127.0.0.1 that forwards to an upstream server and throttles response
bodies, so a download is reliably still running when a test cancels it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler

import requests

from tests.support.http_thread import running

HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-encoding", "host"}


def _handler(upstream: str, bytes_per_second: int) -> type[BaseHTTPRequestHandler]:
    class Proxy(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
            with requests.request(
                self.command,
                upstream + self.path,
                headers=headers,
                data=body,
                stream=True,
                timeout=60,
            ) as response:
                payload = response.iter_content(64 * 1024)
                self.send_response(response.status_code)
                for key, value in response.headers.items():
                    if key.lower() not in HOP_HEADERS and key.lower() != "content-length":
                        self.send_header(key, value)
                size = response.headers.get("Content-Length")
                if size is None:
                    data = b"".join(payload)
                    size, payload = str(len(data)), iter([data])
                self.send_header("Content-Length", size)
                self.end_headers()
                for chunk in payload:
                    try:
                        self.wfile.write(chunk)
                    except (BrokenPipeError, ConnectionResetError):
                        return
                    time.sleep(len(chunk) / bytes_per_second)  # the throttle itself

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Proxy


@contextmanager
def slow_proxy(upstream: str, bytes_per_second: int = 2_000_000) -> Iterator[str]:
    with running(_handler(upstream, bytes_per_second)) as url:
        yield url
