"""Test connection: every failure the wizard and `profiles test` must explain, for real."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelyard.core.kinds import MlflowServerSettings
from modelyard.core.model.errors import ErrorKind
from modelyard.core.profiles.profile import Profile
from modelyard.core.profiles.secrets import SecretStore
from modelyard.core.reads.diagnose import test_connection as diagnose
from tests.support.contract_server import contract_server
from tests.support.html_server import html_server, status_server
from tests.support.servers import ADMIN_PASSWORD, ADMIN_USER, MlflowServer, free_port
from tests.support.tls import make_server_cert


def _profile(secrets: SecretStore, url: str, password: str | None = None, **kw: object) -> Profile:
    auth = "basic" if password else "none"
    settings = MlflowServerSettings.model_validate({"url": url, "auth": auth, **kw})
    profile = Profile(name="under-test", settings=settings)
    if password:
        secrets.set(profile.id, "password", password)
    return profile


def test_connected(mlflow_server: MlflowServer, secrets: SecretStore) -> None:
    result = diagnose(_profile(secrets, mlflow_server.url), secrets)
    assert result.ok and result.headline == "Connected"
    assert result.identity
    # A server that asks for no sign-in is not "signed in as" anyone (#23.5).
    assert "Signed in" not in result.message and "No sign-in" in result.message


def test_name_does_not_resolve(secrets: SecretStore) -> None:
    result = diagnose(_profile(secrets, "http://no-such-host.invalid:5000"), secrets)
    assert (result.ok, result.kind) == (False, ErrorKind.UNRESOLVED)
    assert "does not resolve" in result.message


def test_connection_refused(secrets: SecretStore) -> None:
    result = diagnose(_profile(secrets, f"http://127.0.0.1:{free_port()}"), secrets)
    assert result.kind is ErrorKind.REFUSED
    assert "connection refused" in result.message.lower()


def test_wrong_password_is_401(auth_server: MlflowServer, secrets: SecretStore) -> None:
    profile = _profile(secrets, auth_server.url, "not-the-password", username=ADMIN_USER)
    result = diagnose(profile, secrets)
    assert result.kind is ErrorKind.AUTH and "401" in result.headline
    assert "not-the-password" not in result.text()


def test_right_password(auth_server: MlflowServer, secrets: SecretStore) -> None:
    profile = _profile(secrets, auth_server.url, ADMIN_PASSWORD, username=ADMIN_USER)
    result = diagnose(profile, secrets)
    assert result.ok and result.identity == ADMIN_USER
    assert f"Signed in as {ADMIN_USER}." in result.message


def test_403_from_a_gateway(secrets: SecretStore) -> None:
    body = b'{"error_code": "PERMISSION_DENIED", "message": "Forbidden by policy"}'
    with status_server(403, body) as url:
        result = diagnose(_profile(secrets, url), secrets)
    assert result.kind is ErrorKind.PERMISSION and "403" in result.headline


def test_404_wrong_path(mlflow_server: MlflowServer, secrets: SecretStore) -> None:
    result = diagnose(_profile(secrets, mlflow_server.url + "/not-mlflow"), secrets)
    assert result.kind is ErrorKind.NO_API
    assert "base address" in result.message


def test_html_login_page(secrets: SecretStore) -> None:
    with html_server() as url:
        result = diagnose(_profile(secrets, url), secrets)
    assert result.kind is ErrorKind.HTML
    assert "web page" in result.message


@pytest.fixture()
def silent_port() -> Iterator[int]:
    """A port that accepts connections (kernel backlog) and never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield int(sock.getsockname()[1])


def test_timeout(silent_port: int, secrets: SecretStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "1")  # the user's knob, set small here
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    result = diagnose(_profile(secrets, f"http://127.0.0.1:{silent_port}"), secrets)
    assert result.kind is ErrorKind.TIMEOUT
    assert "did not answer in time" in result.message


def test_tls_unknown_ca_is_diagnosed(tls_server: MlflowServer, secrets: SecretStore) -> None:
    result = diagnose(_profile(secrets, tls_server.url), secrets)
    assert result.kind is ErrorKind.TLS
    assert "self-signed or issued by an unknown authority" in result.message


def test_tls_ca_bundle_accepted(tls_server: MlflowServer, secrets: SecretStore) -> None:
    ca = tls_server.root / "tls" / "ca.pem"
    result = diagnose(_profile(secrets, tls_server.url, ca_bundle=str(ca)), secrets)
    assert result.ok, result.text()


def test_tls_insecure_switch(tls_server: MlflowServer, secrets: SecretStore) -> None:
    result = diagnose(_profile(secrets, tls_server.url, insecure_tls=True), secrets)
    assert result.ok, result.text()


def test_tls_certificate_for_another_host(
    mlflow_server: MlflowServer, secrets: SecretStore, tmp_path: Path
) -> None:
    cert = make_server_cert(tmp_path / "tls", hosts=("registry.example.com",))
    with contract_server(mlflow_server.url, tls=cert) as other:
        result = diagnose(_profile(secrets, other.url, ca_bundle=str(cert.ca)), secrets)
    assert result.kind is ErrorKind.TLS
    assert "issued for another host name" in result.message
