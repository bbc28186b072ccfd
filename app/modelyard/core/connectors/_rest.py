"""MLflow's REST stores with this profile's own HTTP: timeouts, retries and typed errors.

MLflow's ``call_endpoint`` takes its timeout and retries from process-wide environment variables
(a hung server then blocks for 45 s and more) and turns a 502 page, a reset connection or a cut
answer into one generic exception whose only detail is its text. The stores here send each call
through a :class:`Transport` owned by one registry instead: a ``requests`` session with short
connect and first-byte timeouts (per profile), one retry of idempotent reads on a refused
connection or a 502/503/504, and failures raised as what they are — MLflow's ``RestException``
for the server's JSON errors (with the HTTP status attached), :class:`HttpStatusError` for other
error statuses, :class:`NotJsonError` for a web page where JSON belongs, and ``requests``'
own connection, timeout and TLS exceptions — so :func:`describe_exception` classifies them by
type and status. (``_call_endpoint`` is internal MLflow API: see the seams
REGISTRY_CALL_ENDPOINT and TRACKING_CALL_ENDPOINT in :mod:`._seams`.)
"""

from __future__ import annotations

import json
import logging
import time
from contextlib import nullcontext
from typing import Any
from urllib.parse import urlsplit

import requests

from modelyard.core.connectors._seams import (
    PARSE_DICT,
    REGISTRY_REST_STORE,
    REST_EXCEPTION,
    TRACKING_REST_STORE,
    resolve,
)
from modelyard.core.model.errors import HttpStatusError, NotJsonError
from modelyard.core.runtime.http import Timeouts, authorization_header, check_resolves, make_session
from modelyard.core.runtime.waiting import watched

log = logging.getLogger("modelyard.net")

RestException = resolve(REST_EXCEPTION)
RegistryRestStore = resolve(REGISTRY_REST_STORE)
TrackingRestStore = resolve(TRACKING_REST_STORE)
parse_dict = resolve(PARSE_DICT)


def json_answer(response: requests.Response) -> Any:
    """The JSON of a successful answer, or NotJsonError (e.g. a login page with 200)."""
    try:
        return response.json()
    except ValueError:
        raise NotJsonError(
            response.url, response.status_code, response.headers.get("Content-Type", "")
        ) from None


def raise_for_answer(response: requests.Response) -> None:
    """Raise what an error answer is: the server's JSON error as MLflow's RestException (with
    ``http_status``), any other error status as HttpStatusError."""
    if response.status_code < 400:
        return
    content_type = response.headers.get("Content-Type", "")
    text = response.text
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict) and "error_code" in parsed:
        error = RestException(parsed)
        error.http_status = response.status_code
        raise error
    raise HttpStatusError(
        response.url,
        response.status_code,
        response.reason or "",
        content_type,
        body=text,
        challenge=response.headers.get("WWW-Authenticate", ""),
    )


class Transport:
    """One registry's HTTP for MLflow's REST API."""

    def __init__(self, timeouts: Timeouts) -> None:
        self.timeouts = timeouts
        # Credentials and TLS settings come per call from the store's host creds.
        self.session = make_session(authorization=None)

    def call(
        self,
        creds: Any,  # MLflow's MlflowHostCreds (seam HOST_CREDS)
        endpoint: str,
        method: str,
        json_body: str | None,
        response_proto: Any,
        *,
        extra_headers: dict[str, str] | None = None,
    ) -> Any:
        """One API call with ``creds``; the answer parsed into ``response_proto``."""
        body = json.loads(json_body) if json_body else None
        headers = dict(extra_headers or {})
        auth = authorization_header(creds.username, creds.password, creds.token)
        if auth:
            headers["Authorization"] = auth
        verify: bool | str = (
            False if creds.ignore_tls_verification else (creds.server_cert_path or True)
        )
        host = urlsplit(creds.host)
        check_resolves(host.hostname, self.timeouts.connect)
        # A read fails fast at the first-byte limit (a hung server is named within seconds); a
        # write waits up to the write limit, reported as a wait once past the first-byte limit.
        write = method != "GET"
        started = time.monotonic()
        with watched(host.netloc, self.timeouts.read) if write else nullcontext():
            response = self.session.request(
                method,
                f"{creds.host.rstrip('/')}{endpoint}",
                params=body if method == "GET" else None,
                json=body if method != "GET" else None,
                headers=headers,
                verify=verify,
                cert=creds.client_cert_path,
                timeout=(
                    self.timeouts.connect,
                    self.timeouts.write if write else self.timeouts.read,
                ),
            )
        log.debug(
            "%s %s%s → %s in %.2f s",
            method,
            host.netloc,
            endpoint,
            response.status_code,
            time.monotonic() - started,
        )
        with response:
            raise_for_answer(response)
            if response.status_code == 204 or not response.content:
                return response_proto
            parse_dict(js_dict=json_answer(response), message=response_proto)
        return response_proto

    def close(self) -> None:
        """Close the pooled connections."""
        self.session.close()


class RegistryCalls:
    """Sends a model-registry store's calls through ``self._transport`` (mixed in before an
    MLflow registry store class: the OSS RestStore, or Unity Catalog's)."""

    _transport: Transport

    # Overrides the registry RestStore's _call_endpoint (seam REGISTRY_CALL_ENDPOINT).
    def _call_endpoint(
        self,
        api: Any,
        json_body: str | None,
        call_all_endpoints: bool = False,
        extra_headers: dict[str, str] | None = None,
    ) -> Any:
        store: Any = self
        response_proto = store._get_response_from_method(api)
        endpoints = (
            store._get_all_endpoints_from_method(api)
            if call_all_endpoints
            else [store._get_endpoint_from_method(api)]
        )
        for index, (endpoint, method) in enumerate(endpoints):
            try:
                return self._transport.call(
                    store.get_host_creds(),
                    endpoint,
                    method,
                    json_body,
                    response_proto,
                    extra_headers=extra_headers,
                )
            except RestException as exc:
                if exc.error_code != "ENDPOINT_NOT_FOUND" or index == len(endpoints) - 1:
                    raise
        return response_proto


class ProfileRegistryStore(RegistryCalls, RegistryRestStore):  # type: ignore[misc,valid-type]
    """MLflow's model-registry RestStore over a :class:`Transport`."""

    def __init__(self, get_host_creds: Any, transport: Transport) -> None:
        super().__init__(get_host_creds=get_host_creds)
        self._transport = transport


class ProfileTrackingStore(TrackingRestStore):  # type: ignore[misc,valid-type]
    """MLflow's tracking RestStore over a :class:`Transport`."""

    def __init__(self, get_host_creds: Any, transport: Transport) -> None:
        super().__init__(get_host_creds=get_host_creds)
        self._transport = transport

    # Overrides the tracking RestStore's _call_endpoint (seam TRACKING_CALL_ENDPOINT).
    def _call_endpoint(
        self,
        api: Any,
        json_body: str | None = None,
        endpoint: str | None = None,
        retry_timeout_seconds: float | None = None,
        response_proto: Any = None,
    ) -> Any:
        method_to_info = self._V3_METHOD_TO_INFO if api in self._V3_APIS else self._METHOD_TO_INFO
        default_endpoint, method = method_to_info[api]
        return self._transport.call(
            self.get_host_creds(),
            endpoint or default_endpoint,
            method,
            json_body,
            response_proto or api.Response(),
        )
