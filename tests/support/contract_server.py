"""The one stand-in for remote services that cannot run here: Databricks and AzureML.

A real HTTP(S) server on 127.0.0.1 that follows their documented REST shapes where they differ
from open-source MLflow, checks the bearer token on every API call, and forwards the shared
``/api/2.0/mlflow`` API to a real ``mlflow server`` behind it:

* Databricks workspace: ``/.well-known/databricks-config`` and ``/oidc/…`` (OAuth M2M discovery
  and the client-credentials token endpoint), SCIM ``/api/2.0/preview/scim/v2/Me``,
  ``/api/2.0/mlflow/databricks/registered-models/get`` (``permission_level``), transition
  requests (``/api/2.0/mlflow/transition-requests/{list,create,approve,reject,delete}``), the
  model permission levels (CAN_READ reads; CAN_EDIT may request; CAN_MANAGE_STAGING_VERSIONS
  moves between None/Staging/Archived; CAN_MANAGE(_PRODUCTION_VERSIONS) anywhere) with a 403
  ``PERMISSION_DENIED`` otherwise, and no alias endpoints (aliases are Unity Catalog's).
* A version's files the way the workspace registry serves them (MLflow's
  DatabricksModelsArtifactRepository, "developer stable"): ``model-versions/list-artifacts``
  (paged) and ``model-versions/get-signed-download-uri``, whose URL points at a stand-in for
  cloud storage that checks the signature and the returned headers and refuses a bearer token.
* Unity Catalog: ``/api/2.0/mlflow/unity-catalog/…`` in UC's shapes (aliases as
  ``{alias, version}``, tags as lists, search results without tags or aliases, no stages);
  ``generate-temporary-credentials`` (READ; Databricks default storage, or a customer's cloud
  credentials) and the Files API (``/api/2.0/fs/directories/Models/…`` listings, paged, and
  ``/api/2.0/fs/create-download-url`` pre-signed URLs).
* AzureML: the workspace-scoped prefix ``/mlflow/v2.0/subscriptions/…/workspaces/<ws>``, which
  rejects MLflow's prompt filter like the service does; versions registered from a job located
  as ``azureml://experiments/<name>/runs/<id>/artifacts/…``; the run history
  (``/history/v1.0/…/experiments/<e>/runs/<r>/artifacts``, flat and paged with
  ``continuationToken``; ``…/artifacts/contentinfo?path=`` → a blob SAS ``contentUri`` that
  refuses a bearer token); a Microsoft Entra ID tenant
  (``/<tenant>/v2.0/.well-known/openid-configuration`` and ``/<tenant>/oauth2/v2.0/token``) for
  service-principal sign-in (HTTPS only, like azure-identity requires).
* Google Cloud: the OAuth 2.0 token endpoint of service accounts (``/google/token``: a JWT
  bearer assertion, RS256-signed with the account's key, ``aud`` Google's token URI;
  ``invalid_grant`` otherwise, as Google documents it), and the GCS JSON API
  (``/storage/v1``, ``/download/…``, ``/upload/…``) checked for a bearer token it issued (401
  in GCS's error shape) and then relayed to a real GCS emulator behind it (``gcs_backend``).

Permission rules are written from the services' documentation (the Databricks model-ACL
table), never imported or copied from Modelyard. Tests that use it are named ``test_contract_*``.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import requests

from tests.support.tls import ServerCert

WORKSPACE_ID = "1234567890123456"
# The audience Google documents for a service account's assertion, wherever the token URI is.
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"
GCS_APIS = ("/storage/v1/", "/download/storage/v1/", "/upload/storage/v1/")
AZURE_HISTORY = re.compile(
    r"^/history/v1\.0/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)"
    r"/providers/Microsoft\.MachineLearningServices/workspaces/(?P<ws>[^/]+)"
    r"/experiments/(?P<experiment>[^/]+)/runs/(?P<run>[^/]+)/artifacts"
    r"(?P<rest>/contentinfo|/batch/metadata)?$"
)
SAS_BLOB = "/sas-blob/"
AZURE_PREFIX = re.compile(
    r"^/mlflow/v2\.0/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)"
    r"/providers/Microsoft\.MachineLearningServices/workspaces/(?P<ws>[^/]+)(?P<rest>/.*)$"
)
LIST_ARTIFACTS = "/api/2.0/mlflow/model-versions/list-artifacts"
SIGNED_DOWNLOAD = "/api/2.0/mlflow/model-versions/get-signed-download-uri"
SIGNED_PREFIX = "/signed-storage/"
FILES_DIRECTORIES = "/api/2.0/fs/directories"
FILES_DOWNLOAD_URL = "/api/2.0/fs/create-download-url"
FILES_UPLOAD_URL = "/api/2.0/fs/create-upload-url"
WRITE_CREDENTIALS = "/api/2.0/mlflow/artifacts/credentials-for-write"
# Databricks documentation, "MLflow model ACLs": the abilities each model permission level
# grants, row by row as the table in the docs words them (written from the docs, not from
# Modelyard's code).
READ, EDIT, STAGING_MOVES, PRODUCTION_MOVES = (
    "View model details, versions, stage transition requests",
    "Request a model version stage transition; edit descriptions and tags; comment",
    "Transition a version between None, Archived and Staging; approve or reject such requests",
    "Transition a version to or from Production; approve or reject such requests",
)
MODEL_ACL = {
    READ: {
        "CAN_READ",
        "CAN_EDIT",
        "CAN_MANAGE_STAGING_VERSIONS",
        "CAN_MANAGE_PRODUCTION_VERSIONS",
        "CAN_MANAGE",
    },
    EDIT: {
        "CAN_EDIT",
        "CAN_MANAGE_STAGING_VERSIONS",
        "CAN_MANAGE_PRODUCTION_VERSIONS",
        "CAN_MANAGE",
    },
    STAGING_MOVES: {"CAN_MANAGE_STAGING_VERSIONS", "CAN_MANAGE_PRODUCTION_VERSIONS", "CAN_MANAGE"},
    PRODUCTION_MOVES: {"CAN_MANAGE_PRODUCTION_VERSIONS", "CAN_MANAGE"},
}
WRITE_PATHS = (
    "/api/2.0/mlflow/model-versions/transition-stage",
    "/api/2.0/mlflow/model-versions/update",
    "/api/2.0/mlflow/model-versions/set-tag",
    "/api/2.0/mlflow/model-versions/delete-tag",
    "/api/2.0/mlflow/registered-models/update",
    "/api/2.0/mlflow/registered-models/set-tag",
    "/api/2.0/mlflow/registered-models/delete-tag",
)


def granted(level: str, ability: str) -> bool:
    """Whether the documented table gives ``level`` this ability."""
    return level in MODEL_ACL[ability]


def transition_ability(from_stage: object, to_stage: object) -> str:
    """Which row of the table a transition needs: Production on either side, or not."""
    return PRODUCTION_MOVES if "Production" in (str(from_stage), str(to_stage)) else STAGING_MOVES


@dataclass
class Contract:
    """State of the stand-in: who holds which token and permission; what was asked."""

    backend: str  # the real mlflow server behind it
    url: str = ""
    tokens: dict[str, tuple[str, float]] = field(default_factory=dict)  # token → (who, expiry)
    clients: dict[str, tuple[str, str]] = field(default_factory=dict)  # id → (secret, who)
    permissions: dict[str, str] = field(default_factory=dict)  # who → permission_level
    azure_workspace: tuple[str, str, str] | None = None  # subscription, group, workspace
    token_lifetime: int = 3600
    seen: list[dict[str, str]] = field(default_factory=list)
    requests_by_version: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    request_count: int = 0
    list_page_size: int = 1000
    storage_requests: list[dict[str, str]] = field(default_factory=list)
    # AzureML uploads: artifacts created in the run history, blocks not yet committed, and
    # the kind of each blob write ("blob", "blocklist").
    created_artifacts: list[str] = field(default_factory=list)
    blocks: dict[tuple[str, str], bytes] = field(default_factory=dict)
    blob_puts: list[str] = field(default_factory=list)
    workspace_storage: str = "AZURE_SAS_URI"  # the workspace's cloud: signed-URL kind handed out
    adls: dict[str, bytearray] = field(default_factory=dict)  # ADLS Gen2 files being appended
    # Unity Catalog versions created and not yet finalized, and those finalized.
    uc_pending: set[tuple[str, str]] = field(default_factory=set)
    uc_finalized: list[tuple[str, str]] = field(default_factory=list)
    uc_deleted_pending: list[tuple[str, str]] = field(default_factory=list)
    not_passed: set[str] = field(default_factory=set)
    # Unity Catalog: where version files are kept ("DEFAULT_STORAGE", or the credential kind
    # of a customer's storage, e.g. "gcp_oauth_token"), and what was asked of the Files API.
    uc_storage: str = "DEFAULT_STORAGE"
    files_api: list[str] = field(default_factory=list)  # paths a proxy in front answers 404 for
    signing_key: str = field(default_factory=lambda: secrets.token_hex(16))
    # Google: service accounts' public keys (client_email → PEM) and the GCS emulator behind.
    google_keys: dict[str, bytes] = field(default_factory=dict)
    gcs_backend: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(
        self, who: str, lifetime: int | None = None, claims: dict[str, Any] | None = None
    ) -> str:
        """A fresh bearer token for ``who`` (with ``claims`` besides, as Entra ID's carry)."""
        claims = {
            **(claims or {}),
            "upn": who,
            "exp": int(time.time() + (lifetime or self.token_lifetime)),
        }
        body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
        token = f"eyJhbGciOiJub25lIn0.{body}.{secrets.token_hex(8)}"
        with self.lock:
            self.tokens[token] = (who, time.time() + (lifetime or self.token_lifetime))
        return token

    def add_client(self, client_id: str, secret: str, who: str) -> None:
        """An OAuth client (Databricks service principal / Entra ID app)."""
        self.clients[client_id] = (secret, who)

    def who(self, authorization: str | None) -> str | None:
        if not authorization or not authorization.startswith("Bearer "):
            return None
        with self.lock:
            entry = self.tokens.get(authorization.removeprefix("Bearer "))
        if entry is None or entry[1] < time.time():
            return None
        return entry[0]

    def level(self, who: str) -> str:
        return self.permissions.get(who, "CAN_MANAGE")

    def sign(self, path: str) -> str:
        """The signature of a pre-signed storage URL for ``path``."""
        import hashlib
        import hmac

        return hmac.new(self.signing_key.encode(), path.encode(), hashlib.sha256).hexdigest()[:32]


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _versions_uc(version: dict[str, Any], aliases: dict[str, str]) -> dict[str, Any]:
    keep = (
        "name",
        "version",
        "creation_timestamp",
        "last_updated_timestamp",
        "user_id",
        "description",
        "source",
        "run_id",
        "status",
        "status_message",
    )
    out = {k: version[k] for k in keep if k in version}
    out["aliases"] = [
        {"alias": a, "version": v} for a, v in aliases.items() if v == str(version.get("version"))
    ]
    out["tags"] = version.get("tags", [])
    out["storage_location"] = "s3://uc-bucket/models/" + str(version.get("name"))
    return out


class _Handler(BaseHTTPRequestHandler):
    contract: Contract
    protocol_version = "HTTP/1.1"

    # --- plumbing ------------------------------------------------------------------------------
    def _send(self, status: int, payload: Any, content_type: str = "application/json") -> None:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _forward(self, method: str, path: str, query: str, body: bytes) -> tuple[int, Any]:
        url = self.contract.backend + path + (f"?{query}" if query else "")
        response = requests.request(
            method,
            url,
            data=body or None,
            headers={"Content-Type": "application/json"} if body else {},
            timeout=30,
        )
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, response.content

    def _relay(self, method: str, path: str, query: str, body: bytes) -> None:
        status, payload = self._forward(method, path, query, body)
        self._send(status, payload)

    def _unauthorized(self) -> None:
        self._send(401, {"error_code": "UNAUTHENTICATED", "message": "Invalid access token."})

    def log_message(self, format: str, *args: object) -> None:
        pass

    # --- dispatch ------------------------------------------------------------------------------
    def _handle(self, method: str) -> None:
        parts = urlsplit(self.path)
        path, query = parts.path, parts.query
        body = self._body()
        self.contract.seen.append(
            {"method": method, "path": path, "authorization": self.headers.get("Authorization", "")}
        )
        if path in self.contract.not_passed:
            self._send(404, b"<html><body><h1>404 Not Found</h1>nginx</body></html>", "text/html")
            return
        if self._discovery(method, path, body):
            return
        if path.startswith(SIGNED_PREFIX):
            self._signed_storage(method, path, body)
            return
        if self.contract.gcs_backend and path.startswith(GCS_APIS):
            self._gcs(method, path, query, body)
            return
        if path.startswith(SAS_BLOB):
            self._sas_blob(method, path, query, body)
            return
        who = self.contract.who(self.headers.get("Authorization"))
        if who is None:
            self._unauthorized()
            return
        history = AZURE_HISTORY.match(path)
        if history:
            if history["rest"] == "/batch/metadata" and method == "POST":
                self._azure_create_artifacts(history, body)
            else:
                self._azure_history(history, query)
            return
        match = AZURE_PREFIX.match(path)
        if match:
            self._azureml(method, match, query, body)
            return
        self._databricks(method, path, query, body, who)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def do_PUT(self) -> None:
        self._handle("PUT")

    # --- Google: service-account tokens and GCS ------------------------------------------------
    def _google_token(self, body: bytes) -> None:
        """Google's token endpoint for a service account's signed JWT (RFC 7523)."""
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding

        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        refused = {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            self._send(400, {"error": "unsupported_grant_type"})
            return
        try:
            header, claims_part, signature = str(form.get("assertion", "")).split(".")
            claims = json.loads(_unb64(claims_part))
            pem = self.contract.google_keys[str(claims["iss"])]
            key = serialization.load_pem_public_key(pem)
            key.verify(  # type: ignore[union-attr, call-arg]
                _unb64(signature),
                f"{header}.{claims_part}".encode(),
                padding.PKCS1v15(),  # type: ignore[arg-type]
                hashes.SHA256(),
            )
        except (ValueError, KeyError, InvalidSignature):
            self._send(400, refused)
            return
        if (
            claims.get("aud") != GOOGLE_TOKEN_AUDIENCE
            or int(claims.get("exp", 0)) < time.time()
            or "devstorage" not in str(claims.get("scope", ""))
        ):
            self._send(400, {"error": "invalid_grant", "error_description": "Invalid JWT."})
            return
        lifetime = self.contract.token_lifetime
        token = self.contract.issue(str(claims["iss"]), lifetime)
        self._send(200, {"access_token": token, "expires_in": lifetime, "token_type": "Bearer"})

    def _gcs(self, method: str, path: str, query: str, body: bytes) -> None:
        """The GCS JSON API: a token this stand-in issued, then the emulator's answer."""
        if self.contract.who(self.headers.get("Authorization")) is None:
            message = "Anonymous caller does not have storage.objects.list access."
            self._send(401, {"error": {"code": 401, "message": message}})
            return
        headers = {
            k: v
            for k, v in ((k, self.headers.get(k)) for k in ("Range", "Content-Type"))
            if v is not None
        }
        url = self.contract.gcs_backend + path + (f"?{query}" if query else "")
        answer = requests.request(method, url, data=body or None, headers=headers, timeout=30)
        self.send_response(answer.status_code)
        for name in ("Content-Type", "Content-Range"):
            if name in answer.headers:
                self.send_header(name, answer.headers[name])
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    # --- sign-in: Databricks OIDC and Entra ID -------------------------------------------------
    def _discovery(self, method: str, path: str, body: bytes) -> bool:
        base = self.contract.url
        if path == "/google/token" and method == "POST":
            self._google_token(body)
            return True
        if path == "/.well-known/databricks-config":
            self._send(200, {"oidc_endpoint": f"{base}/oidc", "workspace_id": WORKSPACE_ID})
            return True
        if path == "/oidc/.well-known/oauth-authorization-server":
            self._send(
                200,
                {
                    "issuer": f"{base}/oidc",
                    "authorization_endpoint": f"{base}/oidc/v1/authorize",
                    "token_endpoint": f"{base}/oidc/v1/token",
                },
            )
            return True
        tenant = re.match(r"^/([0-9a-f-]{36})/(.*)$", path)
        if tenant and tenant.group(2) == "v2.0/.well-known/openid-configuration":
            t = tenant.group(1)
            self._send(
                200,
                {
                    "issuer": f"{base}/{t}/v2.0",
                    "authorization_endpoint": f"{base}/{t}/oauth2/v2.0/authorize",
                    "token_endpoint": f"{base}/{t}/oauth2/v2.0/token",
                    "device_authorization_endpoint": f"{base}/{t}/oauth2/v2.0/devicecode",
                },
            )
            return True
        if path == "/oidc/v1/token" or (tenant and tenant.group(2) == "oauth2/v2.0/token"):
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            client_id, secret = form.get("client_id"), form.get("client_secret")
            header = self.headers.get("Authorization", "")
            if header.startswith("Basic "):
                client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
            known = self.contract.clients.get(client_id or "")
            if (
                form.get("grant_type") != "client_credentials"
                or known is None
                or known[0] != secret
            ):
                self._send(
                    401,
                    {
                        "error": "invalid_client",
                        "error_description": "Client authentication failed (wrong id or secret).",
                    },
                )
                return True
            # Entra ID's access tokens name the tenant that issued them and the resource of the
            # scope asked for (``https://storage.azure.com/.default`` → that audience).
            entra = (
                {
                    "iss": f"https://sts.windows.net/{tenant.group(1)}/",
                    "tid": tenant.group(1),
                    "aud": next(
                        (
                            scope.removesuffix("/.default")
                            for scope in str(form.get("scope", "")).split()
                            if scope.endswith("/.default")
                        ),
                        "",
                    ),
                    "iat": int(time.time()),
                    "nbf": int(time.time()) - 60,
                    "appid": client_id,
                }
                if tenant
                else None
            )
            token = self.contract.issue(known[1], claims=entra)
            self._send(
                200,
                {
                    "access_token": token,
                    "token_type": "Bearer",
                    "expires_in": self.contract.token_lifetime,
                    "ext_expires_in": 3600,
                },
            )
            return True
        return False

    # --- AzureML -------------------------------------------------------------------------------
    def _azureml(self, method: str, match: re.Match[str], query: str, body: bytes) -> None:
        expected = self.contract.azure_workspace
        if expected is None or (match["sub"], match["rg"], match["ws"]) != expected:
            self._send(
                404,
                {
                    "error": {
                        "code": "WorkspaceNotFound",
                        "message": f"Workspace {match['ws']} not found.",
                    }
                },
            )
            return
        rest = match["rest"]
        params = parse_qs(query)
        filters = " ".join(params.get("filter", [])) + body.decode(errors="replace")
        if rest.endswith("/registered-models/search") and "mlflow.prompt" in filters:
            self._send(
                400,
                {
                    "error_code": "INVALID_PARAMETER_VALUE",
                    "message": "Unsupported filter: tag filters are not supported.",
                },
            )
            return
        if rest == "/api/2.0/mlflow/model-versions/get-download-uri":
            self._azure_download_uri(query)
            return
        self._relay(method, rest, query, body)

    def _azure_download_uri(self, query: str) -> None:
        """A version registered from a job: ``azureml://experiments/<name>/runs/<id>/artifacts
        /<path>`` (its files live in the run's artifacts)."""
        status, payload = self._forward(
            "GET", "/api/2.0/mlflow/model-versions/get-download-uri", query, b""
        )
        if status != 200:
            self._send(status, payload)
            return
        if str(payload.get("artifact_uri")).startswith("azureml://"):  # stored as registered
            self._send(200, payload)
            return
        where = urlsplit(str(payload.get("artifact_uri"))).path.strip("/")
        experiment_id, run, _artifacts, rel = where.split("/", 3)
        _, experiment = self._forward(
            "GET",
            "/api/2.0/mlflow/experiments/get",
            urlencode({"experiment_id": experiment_id}),
            b"",
        )
        name = experiment["experiment"]["name"]
        self._send(
            200, {"artifact_uri": f"azureml://experiments/{name}/runs/{run}/artifacts/{rel}"}
        )

    def _run_root(self, run: str) -> str | None:
        status, payload = self._forward(
            "GET", "/api/2.0/mlflow/runs/get", urlencode({"run_id": run}), b""
        )
        if status != 200:
            self._send(404, {"error": {"code": "RunNotFound", "message": f"Run {run} not found"}})
            return None
        return str(urlsplit(payload["run"]["info"]["artifact_uri"]).path).strip("/")

    def _azure_history(self, match: re.Match[str], query: str) -> None:
        """Run history: ``…/artifacts`` lists a run's files flat (``value``: ``{origin,
        container, path}``, paged with ``continuationToken``); ``…/artifacts/contentinfo?path=``
        gives ``contentUri``, a blob SAS URL."""
        if self.contract.azure_workspace != (match["sub"], match["rg"], match["ws"]):
            self._send(404, {"error": {"code": "WorkspaceNotFound", "message": "No workspace."}})
            return
        run = match["run"]
        root = self._run_root(run)
        if root is None:
            return
        params = {k: v[0] for k, v in parse_qs(query).items()}
        container = f"dcid.{run}"
        if match["rest"]:
            rel = params.get("path", "").strip("/")
            sig = self.contract.sign(f"{root}/{rel}")
            self._send(
                200,
                {
                    "origin": "ExperimentRun",
                    "container": container,
                    "path": rel,
                    "contentUri": f"{self.contract.url}{SAS_BLOB}{root}/{rel}?sv=2021-08-06"
                    f"&sr=b&sp=r&sig={sig}",
                },
            )
            return
        files: list[str] = []
        todo = [""]
        while todo:
            folder = todo.pop()
            for f in self._backend_list(f"{root}/{folder}" if folder else root) or []:
                full = f"{folder}/{f['path']}" if folder else str(f["path"])
                (todo if f.get("is_dir") else files).append(full)
        items = [{"origin": "ExperimentRun", "container": container, "path": p} for p in files]
        start = int(params.get("continuationToken") or 0)
        out: dict[str, Any] = {"value": items[start : start + self.contract.list_page_size]}
        if start + self.contract.list_page_size < len(items):
            out["continuationToken"] = str(start + self.contract.list_page_size)
        self._send(200, out)

    def _azure_create_artifacts(self, match: re.Match[str], body: bytes) -> None:
        """Run history ``POST …/runs/<r>/artifacts/batch/metadata`` (ArtifactPathList
        ``{"paths": [{"path"}]}``) → BatchArtifactContentInformationResult: ``artifacts`` and
        ``artifactContentInformation`` keyed by path, the latter with a blob SAS ``contentUri``
        that may be written (``sp=rcw``); ``errors`` for paths it refuses."""
        if self.contract.azure_workspace != (match["sub"], match["rg"], match["ws"]):
            self._send(404, {"error": {"code": "WorkspaceNotFound", "message": "No workspace."}})
            return
        run = match["run"]
        root = self._run_root(run)
        if root is None:
            return
        paths = [str(p.get("path", "")) for p in json.loads(body or b"{}").get("paths", [])]
        container = f"dcid.{run}"
        artifacts: dict[str, Any] = {}
        content: dict[str, Any] = {}
        errors: dict[str, Any] = {}
        for rel in paths:
            if not rel or rel.startswith("/") or ".." in rel.split("/"):
                errors[rel] = {"error": {"code": "UserError", "message": "Invalid path."}}
                continue
            sig = self.contract.sign(f"write:{root}/{rel}")
            artifacts[rel] = {
                "artifactId": f"ExperimentRun/{container}/{rel}",
                "origin": "ExperimentRun",
                "container": container,
                "path": rel,
            }
            content[rel] = {
                "origin": "ExperimentRun",
                "container": container,
                "path": rel,
                "contentUri": f"{self.contract.url}{SAS_BLOB}{root}/{rel}?sv=2021-08-06"
                f"&sr=b&sp=rcw&sig={sig}",
            }
        self.contract.created_artifacts += paths
        self._send(
            200,
            {"artifacts": artifacts, "artifactContentInformation": content, "errors": errors},
        )

    def _adls_write(self, method: str, full: str, params: dict[str, str], body: bytes) -> None:
        """ADLS Gen2 with a SAS: create (``PUT ?resource=file``), append (``PATCH
        ?action=append&position=<offset>``), flush (``PATCH ?action=flush&position=<length>``)."""
        if params.get("sig") != self.contract.sign(f"write:{full}") or (
            self.headers.get("x-ms-encryption-scope") != "workspace-scope"
        ):
            self._send(403, b"", "application/json")
            return
        with self.contract.lock:
            if method == "PUT" and params.get("resource") == "file":
                self.contract.adls[full] = bytearray()
                self._send(201, b"", "application/json")
                return
            written = self.contract.adls.get(full)
            position = int(params.get("position", "-1"))
            if written is None or position != len(written):
                self._send(400, {"error": {"code": "InvalidFlushPosition"}})
                return
            if params.get("action") == "append":
                written += body
                self._send(202, b"", "application/json")
                return
            data = bytes(self.contract.adls.pop(full))
        self.contract.blob_puts.append("adls")
        self._send(200 if self._keep(full, data) else 500, b"", "application/json")

    def _keep(self, full: str, data: bytes) -> bool:
        """What storage received, kept in the real server's artifacts at ``full``."""
        response = requests.put(
            f"{self.contract.backend}/api/2.0/mlflow-artifacts/artifacts/{full}",
            data=data,
            timeout=60,
        )
        return response.status_code == 200

    def _sas_blob_write(self, full: str, params: dict[str, str], body: bytes) -> None:
        """Put Blob (``x-ms-blob-type: BlockBlob``), Put Block (``comp=block&blockid``) and
        Put Block List (``comp=blocklist``, ``<BlockList><Latest>id…``) with a write SAS."""
        if params.get("sig") != self.contract.sign(f"write:{full}"):
            self._send(403, b"<Error>AuthenticationFailed</Error>", "application/xml")
            return
        scoped = params.get("sp") == "cw"  # the workspace's: sent with the headers it named
        if scoped and self.headers.get("x-ms-encryption-scope") != "workspace-scope":
            self._send(409, b"<Error>EncryptionScopeRequired</Error>", "application/xml")
            return
        comp = params.get("comp")
        if comp == "block":
            with self.contract.lock:
                self.contract.blocks[(full, params.get("blockid", ""))] = body
            self._send(201, b"", "application/xml")
            return
        if comp == "blocklist":
            ids = re.findall(r"<(?:Latest|Uncommitted|Committed)>([^<]*)</", body.decode())
            with self.contract.lock:
                parts = [self.contract.blocks.pop((full, i), None) for i in ids]
            if any(p is None for p in parts):
                self._send(400, b"<Error>InvalidBlockList</Error>", "application/xml")
                return
            body = b"".join(p for p in parts if p is not None)
        elif self.headers.get("x-ms-blob-type") != "BlockBlob":
            self._send(400, b"<Error>MissingRequiredHeader</Error>", "application/xml")
            return
        self.contract.blob_puts.append(comp or "blob")
        if not self._keep(full, body):
            self._send(500, b"<Error>InternalError</Error>", "application/xml")
            return
        self._send(201, b"", "application/xml")

    def _sas_blob(self, method: str, path: str, query: str, body: bytes = b"") -> None:
        """Azure Blob Storage with a SAS: the ``sig`` query parameter is the credential; a
        bearer token alongside is refused."""
        full = unquote(path.removeprefix(SAS_BLOB))
        self.contract.storage_requests.append(dict(self.headers))
        sig = parse_qs(query).get("sig", [""])[0]
        if self.headers.get("Authorization"):
            self._send(400, b"<Error>Only one auth mechanism allowed</Error>", "application/xml")
            return
        if method in ("PUT", "PATCH"):
            params = {k: v[0] for k, v in parse_qs(query).items()}
            if "resource" in params or "action" in params:
                self._adls_write(method, full, params, body)
            else:
                self._sas_blob_write(full, params, body)
            return
        if method != "GET" or sig != self.contract.sign(full):
            self._send(403, b"<Error>AuthenticationFailed</Error>", "application/xml")
            return
        response = requests.get(
            f"{self.contract.backend}/api/2.0/mlflow-artifacts/artifacts/{full}", timeout=30
        )
        if response.status_code != 200:
            self._send(404, b"<Error>BlobNotFound</Error>", "application/xml")
            return
        self._send(200, response.content, "application/octet-stream")

    # --- Databricks workspace and Unity Catalog ------------------------------------------------
    def _databricks(self, method: str, path: str, query: str, body: bytes, who: str) -> None:
        c = self.contract
        if path == WRITE_CREDENTIALS and method == "POST":
            self._write_credentials(json.loads(body or b"{}"))
            return
        if path == "/api/2.0/preview/scim/v2/Me":
            self._send(200, {"id": "7", "userName": who, "active": True})
            return
        if path == "/api/2.0/mlflow/databricks/registered-models/get":
            status, payload = self._forward(
                "GET", "/api/2.0/mlflow/registered-models/get", query, b""
            )
            if status != 200:
                self._send(status, payload)
                return
            model = dict(payload["registered_model"])
            model["permission_level"] = c.level(who)
            model["id"] = "f" * 32
            self._send(200, {"registered_model_databricks": model})
            return
        if path in (LIST_ARTIFACTS, SIGNED_DOWNLOAD) and method == "GET":
            self._model_version_artifacts(path, query)
            return
        if path.startswith(FILES_DIRECTORIES + "/") and method == "GET":
            self._files_directory(path.removeprefix(FILES_DIRECTORIES), query)
            return
        if path == FILES_UPLOAD_URL and method == "POST":
            self._files_upload_url(json.loads(body or b"{}"))
            return
        if path == FILES_DOWNLOAD_URL and method == "POST":
            self._files_download_url(json.loads(body or b"{}"))
            return
        if path.startswith("/api/2.0/mlflow/transition-requests/"):
            self._transition_requests(method, path.rsplit("/", 1)[-1], query, body, who)
            return
        if path.startswith("/api/2.0/mlflow/unity-catalog/"):
            self._unity_catalog(
                method, path.removeprefix("/api/2.0/mlflow/unity-catalog"), query, body
            )
            return
        if path == "/api/2.0/mlflow/registered-models/search" and "mlflow.prompt" in unquote(query):
            # The legacy workspace registry has no prompts; like MLflow's client, don't ask.
            self._send(
                400,
                {"error_code": "INVALID_PARAMETER_VALUE", "message": "Invalid filter string."},
            )
            return
        if path.startswith("/api/2.0/mlflow/registered-models/alias"):
            # The workspace registry has no aliases (a Unity Catalog feature).
            self._send(404, {"error_code": "ENDPOINT_NOT_FOUND", "message": "No such endpoint."})
            return
        if method != "GET" and path in WRITE_PATHS:
            data = json.loads(body) if body else {}
            name, version = str(data.get("name")), str(data.get("version"))
            if path.endswith("/transition-stage"):
                need = transition_ability(self._stage_of(name, version), data.get("stage"))
                allowed = granted(c.level(who), need)
            else:  # descriptions and tags
                allowed = granted(c.level(who), EDIT)
            if not allowed:
                self._deny(f"User {who} does not have permission to 'Manage' on this model.")
                return
        self._relay(method, path, query, body)

    # --- a model version's files: list-artifacts, signed download URIs, "cloud storage" ------
    def _version_root(self, name: str, version: str) -> str | None:
        status, payload = self._forward(
            "GET",
            "/api/2.0/mlflow/model-versions/get-download-uri",
            urlencode({"name": name, "version": version}),
            b"",
        )
        if status != 200:
            self._send(status, payload)
            return None
        return urlsplit(str(payload.get("artifact_uri", ""))).path.strip("/")

    def _backend_list(self, full: str) -> list[dict[str, Any]] | None:
        status, payload = self._forward(
            "GET", "/api/2.0/mlflow-artifacts/artifacts", urlencode({"path": full}), b""
        )
        return list(payload.get("files", [])) if status == 200 else None

    def _model_version_artifacts(self, path: str, query: str) -> None:
        params = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
        root = self._version_root(params.get("name", ""), params.get("version", ""))
        if root is None:
            return
        rel = params.get("path", "").strip("/")
        if path == SIGNED_DOWNLOAD:
            token = self.contract.sign(f"{root}/{rel}")
            self._send(
                200,
                {
                    "signed_uri": f"{self.contract.url}{SIGNED_PREFIX}{token}/{root}/{rel}",
                    "headers": [{"name": "x-ms-blob-type", "value": "BlockBlob"}],
                },
            )
            return
        listed = self._backend_list(f"{root}/{rel}" if rel else root) or []
        files = [
            {
                "path": f"{rel}/{f['path']}" if rel else str(f["path"]),
                "is_dir": bool(f.get("is_dir")),
                **({} if f.get("is_dir") else {"file_size": int(f.get("file_size") or 0)}),
            }
            for f in listed
        ]
        if not files and rel:  # a file: the service lists it alone under its own path
            parent, _, leaf = rel.rpartition("/")
            around = self._backend_list(f"{root}/{parent}" if parent else root) or []
            files = [
                {"path": rel, "is_dir": False, "file_size": int(f.get("file_size") or 0)}
                for f in around
                if f["path"] == leaf and not f.get("is_dir")
            ]
        start = int(params.get("page_token") or 0)
        page = files[start : start + self.contract.list_page_size]
        out: dict[str, Any] = {"files": page}
        if start + self.contract.list_page_size < len(files):
            out["next_page_token"] = str(start + self.contract.list_page_size)
        self._send(200, out)

    # --- Unity Catalog files: temporary credentials and the Files API ------------------------
    def _uc_version(self, files_path: str) -> tuple[str, str, str] | None:
        """``/Models/<catalog>/<schema>/<model>/<version>/<rel>`` → (root, rel, error)."""
        parts = files_path.strip("/").split("/")
        if len(parts) < 5 or parts[0] != "Models":
            self._send(404, {"error_code": "NOT_FOUND", "message": f"{files_path} not found"})
            return None
        root = self._version_root(".".join(parts[1:4]), parts[4])
        if root is None:
            return None
        return root, "/".join(parts[5:]), "/" + "/".join(parts[:5])

    def _files_directory(self, files_path: str, query: str) -> None:
        """Files API ``GET /api/2.0/fs/directories{path}``: ``contents`` of DirectoryEntry
        (absolute ``path``, ``is_directory``, ``file_size``, ``name``), paged; 404 NOT_FOUND
        when the directory does not exist."""
        self.contract.files_api.append(f"list {files_path}")
        found = self._uc_version(unquote(files_path))
        if found is None:
            return
        root, rel, prefix = found
        listed = self._backend_list(f"{root}/{rel}" if rel else root) or []
        if not listed:
            self._send(404, {"error_code": "NOT_FOUND", "message": "The directory does not exist."})
            return
        base = f"{prefix}/{rel}" if rel else prefix
        entries = [
            {
                "path": f"{base}/{f['path'].rsplit('/', 1)[-1]}",
                "name": f["path"].rsplit("/", 1)[-1],
                "is_directory": bool(f.get("is_dir")),
                **({} if f.get("is_dir") else {"file_size": int(f.get("file_size") or 0)}),
            }
            for f in listed
        ]
        params = {k: v[0] for k, v in parse_qs(query).items()}
        start = int(params.get("page_token") or 0)
        out: dict[str, Any] = {"contents": entries[start : start + self.contract.list_page_size]}
        if start + self.contract.list_page_size < len(entries):
            out["next_page_token"] = str(start + self.contract.list_page_size)
        self._send(200, out)

    def _files_download_url(self, data: dict[str, Any]) -> None:
        """Files API ``POST /api/2.0/fs/create-download-url``: ``{url, headers}``."""
        self.contract.files_api.append(f"download {data.get('path')}")
        found = self._uc_version(str(data.get("path") or ""))
        if found is None:
            return
        root, rel, _prefix = found
        token = self.contract.sign(f"{root}/{rel}")
        self._send(
            200,
            {
                "url": f"{self.contract.url}{SIGNED_PREFIX}{token}/{root}/{rel}",
                "headers": [{"name": "x-ms-blob-type", "value": "BlockBlob"}],
            },
        )

    def _files_upload_url(self, data: dict[str, Any]) -> None:
        """Files API ``POST /api/2.0/fs/create-upload-url`` (``path``) → ``{url, headers}``: a
        pre-signed PUT, only into a version still pending registration."""
        path = str(data.get("path") or "")
        self.contract.files_api.append(f"upload {path}")
        parts = path.strip("/").split("/")
        if len(parts) < 6 or (".".join(parts[1:4]), parts[4]) not in self.contract.uc_pending:
            self._send(
                403,
                {"error_code": "PERMISSION_DENIED", "message": f"{path} cannot be written."},
            )
            return
        found = self._uc_version(path)
        if found is None:
            return
        root, rel, _prefix = found
        sig = self.contract.sign(f"write:{root}/{rel}")
        self._send(
            200,
            {
                "url": f"{self.contract.url}{SIGNED_PREFIX}{sig}/{root}/{rel}",
                "headers": [{"name": "x-amz-server-side-encryption", "value": "AES256"}],
            },
        )

    def _uc_create_version(self, data: dict[str, Any]) -> None:
        """``model-versions/create``: the version, ``PENDING_REGISTRATION`` until finalized."""
        status, payload = self._forward(
            "POST",
            "/api/2.0/mlflow/model-versions/create",
            "",
            json.dumps(
                {
                    k: data[k]
                    for k in ("name", "source", "run_id", "description", "tags")
                    if k in data
                }
            ).encode(),
        )
        if status != 200:
            self._send(status, payload)
            return
        version = dict(payload["model_version"])
        self.contract.uc_pending.add((str(version["name"]), str(version["version"])))
        shaped = _versions_uc(version, {})
        shaped["status"] = "PENDING_REGISTRATION"
        self._send(200, {"model_version": shaped})

    def _uc_finalize(self, data: dict[str, Any]) -> None:
        """``model-versions/finalize``: a pending version becomes READY."""
        key = (str(data.get("name")), str(data.get("version")))
        if key not in self.contract.uc_pending:
            self._send(400, {"error_code": "INVALID_STATE", "message": "Version is not pending."})
            return
        self.contract.uc_pending.discard(key)
        self.contract.uc_finalized.append(key)
        status, payload = self._forward(
            "GET",
            "/api/2.0/mlflow/model-versions/get",
            urlencode(dict(zip(("name", "version"), key, strict=True))),
            b"",
        )
        self._send(
            status,
            {"model_version": _versions_uc(payload["model_version"], {})}
            if status == 200
            else payload,
        )

    def _uc_temporary_credentials(self, data: dict[str, Any]) -> None:
        """``generate-temporary-credentials``: READ (or READ_WRITE, for a pending version)
        credentials and the storage mode."""
        operation = data.get("operation")
        pending = (str(data.get("name")), str(data.get("version"))) in self.contract.uc_pending
        if operation not in (
            "MODEL_VERSION_OPERATION_READ",
            "MODEL_VERSION_OPERATION_READ_WRITE",
        ) or (operation == "MODEL_VERSION_OPERATION_READ_WRITE" and not pending):
            self._send(400, {"error_code": "INVALID_PARAMETER_VALUE", "message": "operation"})
            return
        if self._version_root(str(data.get("name")), str(data.get("version"))) is None:
            return
        expires = int(time.time() * 1000) + 15 * 60 * 1000
        mode = self.contract.uc_storage
        credentials: dict[str, Any] = {"expiration_time": expires}
        if mode == "DEFAULT_STORAGE":
            credentials["storage_mode"] = "DEFAULT_STORAGE"
        else:
            credentials["storage_mode"] = "CUSTOMER_HOSTED"
            credentials[mode] = {
                "gcp_oauth_token": {"oauth_token": "ya29.stand-in"},
                "azure_user_delegation_sas": {"sas_token": "sv=2024&sig=stand-in"},
            }.get(mode, {"access_key_id": "ASIA", "secret_access_key": "x", "session_token": "t"})
        self._send(200, {"credentials": credentials})

    def _write_credentials(self, data: dict[str, Any]) -> None:
        """``POST /api/2.0/mlflow/artifacts/credentials-for-write`` (``run_id``, ``path`` list,
        ``page_token``) → ``credential_infos`` (``run_id``, ``path``, ``signed_uri``, ``type``,
        ``headers``), one page of ``list_page_size``, then ``next_page_token``. The kind of
        storage is ``contract.workspace_storage`` ("AZURE_SAS_URI" or "AWS_PRESIGNED_URL")."""
        run = str(data.get("run_id", ""))
        root = self._run_root(run)
        if root is None:
            return
        paths = [str(p) for p in data.get("path") or []]
        start = int(data.get("page_token") or 0)
        page = paths[start : start + self.contract.list_page_size]
        infos = []
        for rel in page:
            full = f"{root}/{rel}"
            sig = self.contract.sign(f"write:{full}")
            if self.contract.workspace_storage == "AZURE_ADLS_GEN2_SAS_URI":
                uri = f"{self.contract.url}{SAS_BLOB}{full}?sv=2021-08-06&sr=b&sp=cw&sig={sig}"
                headers = [{"name": "x-ms-encryption-scope", "value": "workspace-scope"}]
            elif self.contract.workspace_storage == "AWS_PRESIGNED_URL":
                uri = f"{self.contract.url}{SIGNED_PREFIX}{sig}/{full}"
                headers = [{"name": "x-amz-server-side-encryption", "value": "AES256"}]
            else:
                uri = f"{self.contract.url}{SAS_BLOB}{full}?sv=2021-08-06&sr=b&sp=cw&sig={sig}"
                headers = [{"name": "x-ms-encryption-scope", "value": "workspace-scope"}]
            infos.append(
                {
                    "run_id": run,
                    "path": rel,
                    "signed_uri": uri,
                    "type": self.contract.workspace_storage,
                    "headers": headers,
                }
            )
        out: dict[str, Any] = {"credential_infos": infos}
        if start + len(page) < len(paths):
            out["next_page_token"] = str(start + len(page))
        self._send(200, out)

    def _signed_storage(self, method: str, path: str, body: bytes = b"") -> None:
        """Like a cloud store's pre-signed URL: the signature is the credential; a bearer token
        is refused (S3/Azure reject a second auth mechanism); the returned headers are required."""
        token, _, full = path.removeprefix(SIGNED_PREFIX).partition("/")
        self.contract.storage_requests.append(dict(self.headers))
        if self.headers.get("Authorization"):
            self._send(400, b"<Error>Only one auth mechanism allowed</Error>", "application/xml")
            return
        if method == "PUT":  # an S3-style pre-signed PUT, with the headers it was signed with
            if (
                token != self.contract.sign(f"write:{full}")
                or self.headers.get("x-amz-server-side-encryption") != "AES256"
            ):
                self._send(403, b"<Error>SignatureDoesNotMatch</Error>", "application/xml")
                return
            self.contract.blob_puts.append("presigned")
            self._send(200 if self._keep(full, body) else 500, b"", "application/xml")
            return
        if (
            method != "GET"
            or token != self.contract.sign(full)
            or (self.headers.get("x-ms-blob-type") != "BlockBlob")
        ):
            self._send(403, b"<Error>AuthenticationFailed</Error>", "application/xml")
            return
        response = requests.get(
            f"{self.contract.backend}/api/2.0/mlflow-artifacts/artifacts/{full}", timeout=30
        )
        if response.status_code != 200:
            self._send(404, b"<Error>BlobNotFound</Error>", "application/xml")
            return
        self._send(200, response.content, "application/octet-stream")

    def _deny(self, message: str) -> None:
        self._send(403, {"error_code": "PERMISSION_DENIED", "message": message})

    def _stage_of(self, name: str, version: str) -> str:
        status, payload = self._forward(
            "GET",
            "/api/2.0/mlflow/model-versions/get",
            urlencode({"name": name, "version": version}),
            b"",
        )
        return (
            str(payload.get("model_version", {}).get("current_stage", "None"))
            if status == 200
            else "None"
        )

    def _transition_requests(
        self, method: str, action: str, query: str, body: bytes, who: str
    ) -> None:
        """Documented shapes: list → ``{"requests": [Activity]}``, create → ``{"request":
        TransitionRequest}``, approve/reject → ``{"activity": Activity}``, delete (query
        parameters, creator only) → ``{"activity": Activity}``."""
        c = self.contract
        data: dict[str, Any] = (
            json.loads(body) if body else {k: v[0] for k, v in parse_qs(query).items()}
        )
        key = (str(data.get("name")), str(data.get("version")))
        stage = str(data.get("stage", ""))
        now = int(time.time() * 1000)
        level = c.level(who)
        if action == "list" and method == "GET":
            with c.lock:
                items = [dict(r) for r in c.requests_by_version.get(key, [])]
            self._send(200, {"requests": items})
            return
        if action == "create" and method == "POST":
            if not granted(level, EDIT):
                self._deny(f"User {who} does not have permission to 'Edit' on this model.")
                return
            with c.lock:
                c.request_count += 1
                request = {
                    "id": f"req-{c.request_count}",
                    "activity_type": "REQUESTED_TRANSITION",
                    "creation_timestamp": now,
                    "last_updated_timestamp": now,
                    "from_stage": self._stage_of(*key),
                    "to_stage": stage,
                    "user_id": who,
                    "comment": data.get("comment", ""),
                }
                c.requests_by_version.setdefault(key, []).append(request)
            created = {
                k: request[k] for k in ("creation_timestamp", "to_stage", "user_id", "comment")
            }
            actions = ["CANCEL_TRANSITION_REQUEST"]
            if granted(level, transition_ability(request["from_stage"], stage)):
                actions += ["APPROVE_TRANSITION_REQUEST", "REJECT_TRANSITION_REQUEST"]
            self._send(200, {"request": {**created, "available_actions": actions}})
            return
        decide = {"approve": "POST", "reject": "POST", "delete": "DELETE"}
        if decide.get(action) != method:
            self._send(404, {"error_code": "ENDPOINT_NOT_FOUND", "message": "No such endpoint."})
            return
        if action == "delete":
            creator = str(data.get("creator", ""))
            if creator != who:
                self._deny(f"User {who} cannot cancel a request made by {creator}.")
                return
        elif not granted(level, transition_ability(self._stage_of(*key), stage)):
            self._deny(f"User {who} does not have permission to approve or reject this request.")
            return
        with c.lock:
            pending = c.requests_by_version.get(key, [])
            match = [
                r
                for r in pending
                if r["to_stage"] == stage and (action != "delete" or r["user_id"] == who)
            ]
            if not match:
                self._send(
                    404,
                    {
                        "error_code": "RESOURCE_DOES_NOT_EXIST",
                        "message": f"No open transition request to {stage} for this version.",
                    },
                )
                return
            pending.remove(match[0])
        if action == "approve":
            status, payload = self._forward(
                "POST",
                "/api/2.0/mlflow/model-versions/transition-stage",
                "",
                json.dumps(
                    {
                        "name": key[0],
                        "version": key[1],
                        "stage": stage,
                        "archive_existing_versions": bool(data.get("archive_existing_versions")),
                    }
                ).encode(),
            )
            if status != 200:
                self._send(status, payload)
                return
        kind = {"approve": "APPROVED_REQUEST", "reject": "REJECTED_REQUEST"}
        activity = {
            "id": match[0]["id"],
            "creation_timestamp": now,
            "last_updated_timestamp": now,
            "user_id": who,
            "from_stage": match[0]["from_stage"],
            "to_stage": stage,
            "activity_type": kind.get(action, "CANCELLED_REQUEST"),
            "comment": data.get("comment", ""),
        }
        self._send(200, {"activity": activity})

    def _unity_catalog(self, method: str, rest: str, query: str, body: bytes) -> None:
        oss = "/api/2.0/mlflow"
        if rest == "/registered-models/search":
            status, payload = self._forward("GET", f"{oss}/registered-models/search", query, b"")
            if status == 200:
                payload = {
                    "registered_models": [
                        {
                            k: m[k]
                            for k in (
                                "name",
                                "creation_timestamp",
                                "last_updated_timestamp",
                                "description",
                            )
                            if k in m
                        }
                        for m in payload.get("registered_models", [])
                    ],
                    **(
                        {"next_page_token": payload["next_page_token"]}
                        if payload.get("next_page_token")
                        else {}
                    ),
                }
            self._send(status, payload)
            return
        if rest == "/registered-models/get":
            status, payload = self._forward("GET", f"{oss}/registered-models/get", query, b"")
            if status == 200:
                model = dict(payload["registered_model"])
                model.pop("latest_versions", None)
                payload = {"registered_model": model}
            self._send(status, payload)
            return
        if rest in ("/model-versions/get", "/model-versions/search"):
            params = {k: v[0] for k, v in parse_qs(query).items()}
            if rest.endswith("search") and params.get("order_by"):
                self._send(
                    400,
                    {
                        "error_code": "INVALID_PARAMETER_VALUE",
                        "message": "order_by is not supported.",
                    },
                )
                return
            status, payload = self._forward("GET", f"{oss}{rest}", query, b"")
            if status != 200:
                self._send(status, payload)
                return
            versions = (
                [payload["model_version"]]
                if "model_version" in payload
                else payload.get("model_versions", [])
            )
            aliases: dict[str, str] = {}
            if versions and rest.endswith("get"):
                _, model = self._forward(
                    "GET",
                    f"{oss}/registered-models/get",
                    urlencode({"name": versions[0]["name"]}),
                    b"",
                )
                aliases = {
                    a["alias"]: a["version"] for a in model["registered_model"].get("aliases", [])
                }
            shaped = [_versions_uc(v, aliases) for v in versions]
            for v in shaped:
                if (str(v.get("name")), str(v.get("version"))) in self.contract.uc_pending:
                    v["status"] = "PENDING_REGISTRATION"
            if rest.endswith("search"):
                for v in shaped:
                    v["aliases"], v["tags"] = [], []
                out: dict[str, Any] = {"model_versions": shaped}
                if payload.get("next_page_token"):
                    out["next_page_token"] = payload["next_page_token"]
                self._send(200, out)
            else:
                self._send(200, {"model_version": shaped[0]})
            return
        if rest == "/model-versions/create" and method == "POST":
            self._uc_create_version(json.loads(body or b"{}"))
            return
        if rest == "/model-versions/delete":
            data = json.loads(body or b"{}") if body else dict(parse_qs(query))
            key = (str(data.get("name")), str(data.get("version")))
            if key in self.contract.uc_pending:
                self.contract.uc_pending.discard(key)
                self.contract.uc_deleted_pending.append(key)
        if rest == "/model-versions/finalize" and method == "POST":
            self._uc_finalize(json.loads(body or b"{}"))
            return
        if rest == "/model-versions/generate-temporary-credentials" and method == "POST":
            self._uc_temporary_credentials(json.loads(body or b"{}"))
            return
        if rest == "/model-versions/transition-stage":
            self._send(
                400,
                {
                    "error_code": "INVALID_PARAMETER_VALUE",
                    "message": "Unity Catalog models have no stages; use aliases.",
                },
            )
            return
        mapping = {
            "/registered-models/alias": "/registered-models/alias",
            "/registered-models/set-tag": "/registered-models/set-tag",
            "/registered-models/delete-tag": "/registered-models/delete-tag",
            "/registered-models/update": "/registered-models/update",
            "/model-versions/set-tag": "/model-versions/set-tag",
            "/model-versions/delete-tag": "/model-versions/delete-tag",
            "/model-versions/update": "/model-versions/update",
            "/model-versions/get-download-uri": "/model-versions/get-download-uri",
            "/registered-models/create": "/registered-models/create",
            "/registered-models/delete": "/registered-models/delete",
            "/model-versions/delete": "/model-versions/delete",
        }
        if rest not in mapping:
            self._send(404, {"error_code": "ENDPOINT_NOT_FOUND", "message": f"No {rest}."})
            return
        self._relay(method, oss + mapping[rest], query, body)


@contextmanager
def contract_server(backend: str, tls: ServerCert | None = None) -> Iterator[Contract]:
    """Run the stand-in in front of the real MLflow server at ``backend``."""
    contract = Contract(backend=backend)
    handler = type("Handler", (_Handler,), {"contract": contract})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    scheme = "http"
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(tls.cert), str(tls.key))
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    contract.url = f"{scheme}://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield contract
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
