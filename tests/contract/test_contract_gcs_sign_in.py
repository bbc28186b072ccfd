"""Contract tests: a GCS store reached with a service-account key file. Google's token endpoint
cannot run here, so the stand-in plays it (a JWT bearer assertion signed with the account's
key, as Google documents) and checks the bearer token on every GCS call before it relays the
call to a real GCS emulator.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelyard.core.connectors import open_registry
from modelyard.core.model.errors import ErrorKind, RegistryError
from modelyard.core.profiles.profile import ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from tests.helpers.cli import run
from tests.support.contract_server import Contract, contract_server
from tests.support.gcs_server import GcsRegistry, gcs_registry, service_account_key

EMAIL = "modelyard-reader@modelyard-test.iam.gserviceaccount.com"


@pytest.fixture(scope="module")
def gcs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GcsRegistry]:
    with gcs_registry(tmp_path_factory.mktemp("gcs")) as running:
        yield running


@pytest.fixture
def google(gcs: GcsRegistry) -> Iterator[Contract]:
    with contract_server(gcs.mlflow.url) as running:
        running.gcs_backend = gcs.gcs.url
        yield running


def _add(name: str, gcs: GcsRegistry, google: Contract, key_file: Path) -> None:
    code, _out, err = run(
        "profiles", "add", "--kind", "mlflow", "--name", name, "--url", gcs.mlflow.url,
        "--gcs-endpoint-url", google.url, "--gcs-key-file", str(key_file),
    )  # fmt: skip
    assert code == 0, err


def test_contract_a_key_file_signs_in_once_and_reads_the_files(
    gcs: GcsRegistry, google: Contract, store: ProfileStore, secrets: SecretStore, tmp_path: Path
) -> None:
    key_file, public = service_account_key(tmp_path / "keys", EMAIL, f"{google.url}/google/token")
    google.google_keys[EMAIL] = public
    _add("keyed", gcs, google, key_file)
    assert "private_key" not in store.path.read_text()  # the key stays in its own file
    registry = open_registry(store.get("keyed"), secrets)
    try:
        location = registry.artifact_location("churn", "2")
        names = [entry.path for entry in registry.list_artifacts(location)]
        with registry.open_artifact(location, "MLmodel") as stream:
            text = stream.read()
    finally:
        registry.close()
    assert "MLmodel" in names and b"python_function" in text
    gcs_calls = [s for s in google.seen if s["path"].startswith(("/storage/", "/download/"))]
    assert gcs_calls and all(s["authorization"].startswith("Bearer ") for s in gcs_calls)
    assert [s["path"] for s in google.seen].count("/google/token") == 1  # cached, not per call
    assert {google.who(s["authorization"]) for s in gcs_calls} == {EMAIL}


def test_contract_a_key_google_refuses_is_named_as_the_sign_in_within_seconds(
    gcs: GcsRegistry, google: Contract, store: ProfileStore, secrets: SecretStore, tmp_path: Path
) -> None:
    """A key that was deleted in the Cloud console (its public half no longer known): the
    token endpoint answers invalid_grant; the message names the sign-in host and the key
    file, not the store or the tracking server."""
    _real, public = service_account_key(tmp_path / "keys", EMAIL, f"{google.url}/google/token")
    google.google_keys[EMAIL] = public
    stale, _other = service_account_key(tmp_path / "keys", EMAIL, f"{google.url}/google/token")
    _add("stale", gcs, google, stale)
    registry = open_registry(store.get("stale"), secrets)
    try:
        location = registry.artifact_location("churn", "1")
        started = time.monotonic()
        with pytest.raises(RegistryError) as info:
            registry.list_artifacts(location)
        assert time.monotonic() - started < 5
    finally:
        registry.close()
    assert info.value.kind is ErrorKind.AUTH
    host = google.url.removeprefix("http://")
    assert f"Google's sign-in at {host} refused the service-account key {stale}" in (
        info.value.message
    )
    assert "PRIVATE KEY" not in info.value.message
    code, out, err = run("profiles", "test", "stale")
    assert code == 1 and "Connected, but the version files cannot be read" in out + err


def test_contract_a_store_that_refuses_the_token_says_so(
    gcs: GcsRegistry, google: Contract, store: ProfileStore, secrets: SecretStore, tmp_path: Path
) -> None:
    """No credentials against a store that wants them: GCS's 401, named as the store's."""
    code, _out, err = run(
        "profiles", "add", "--kind", "mlflow", "--name", "anon", "--url", gcs.mlflow.url,
        "--gcs-endpoint-url", google.url, "--gcs-anonymous",
    )  # fmt: skip
    assert code == 0, err
    code, _out, err = run("files", "anon", "churn", "1")
    assert code == 1
    assert f"the GCS store at {google.url} refused no credentials (401)" in err.replace("\n", " ")


def test_contract_a_key_file_that_is_not_one_says_what_it_should_be(
    gcs: GcsRegistry, google: Contract, store: ProfileStore, secrets: SecretStore, tmp_path: Path
) -> None:
    wrong = tmp_path / "not-a-key.json"
    wrong.write_text('{"type": "authorized_user", "client_id": "x"}')
    _add("wrong-file", gcs, google, wrong)
    code, _out, err = run("files", "wrong-file", "churn", "1")
    assert code == 1
    assert f"{wrong} is not a Google service-account key file" in err.replace("\n", " ")
    missing = tmp_path / "gone.json"
    _add("missing-file", gcs, google, missing)
    code, _out, err = run("files", "missing-file", "churn", "1")
    assert code == 1
    assert f"The service-account key file {missing}" in err.replace("\n", " ")
    assert "cannot be read" in err
