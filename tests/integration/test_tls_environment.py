"""A profile's own TLS settings hold for every transfer, whatever the environment says (#24.4).

requests lets ``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE`` override a session's ``verify``: with
either set (common on corporate machines), downloads used to ignore the profile's CA bundle and
its insecure-TLS switch while API calls honoured them."""

from __future__ import annotations

from pathlib import Path

import certifi
import pytest

from modelyard.core.connectors import open_registry
from modelyard.core.kinds import MlflowServerSettings
from modelyard.core.profiles.profile import Profile, ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from modelyard.core.reads.download import plan_download, run_download
from tests.helpers.registry import new_version
from tests.support.servers import MlflowServer


@pytest.fixture(scope="module")
def tls_version(tls_server: MlflowServer) -> str:
    """A version with files on the TLS server (seeded trusting its CA through the environment)."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("REQUESTS_CA_BUNDLE", str(tls_server.root / "tls" / "ca.pem"))
        return new_version(tls_server, "tls-model")


@pytest.mark.parametrize("setting", ["ca_bundle", "insecure_tls"])
def test_downloads_use_the_profiles_tls_settings_with_ca_variables_set(
    setting: str,
    tls_server: MlflowServer,
    tls_version: str,
    store: ProfileStore,
    secrets: SecretStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for variable in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.setenv(variable, certifi.where())  # a bundle without the server's CA
    tls = (
        {"ca_bundle": str(tls_server.root / "tls" / "ca.pem")}
        if setting == "ca_bundle"
        else {"insecure_tls": True}
    )
    profile = store.add(
        Profile(name="tls", settings=MlflowServerSettings(url=tls_server.url, **tls))
    )
    registry = open_registry(profile, secrets)
    try:
        assert registry.list_models().items  # the API calls
        plan = plan_download(registry, "tls-model", tls_version)
        result = run_download(registry, plan, tmp_path / "out")  # the transfers
    finally:
        registry.close()
    files = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert any(p.name == "MLmodel" for p in files), (result, files)
