"""Contract tests: an Azure Blob store reached with Microsoft Entra ID — a service principal
signed in by azure-identity at the contract stand-in's Entra tenant (HTTPS, as azure-identity
requires), its bearer token taken by a real Azurite over HTTPS (``--oauth basic``: the token's
issuer, audience and lifetime checked), behind a real MLflow server that does not serve the
files.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from modelyard.core.connectors import open_registry
from modelyard.core.model.errors import ErrorKind, RegistryError
from modelyard.core.profiles.profile import ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from tests.helpers.cli import run
from tests.support.azurite import Azurite, start_azurite
from tests.support.contract_server import Contract, contract_server
from tests.support.server_versions import seed
from tests.support.servers import MlflowServer, Storage, start_server
from tests.support.tls import ServerCert, make_server_cert

TENANT = "8f0c6b1e-3a52-4c1d-9e7a-2b4d6f8a0c11"
CLIENT = "5d7e9f1a-2b3c-4d5e-8f9a-0b1c2d3e4f5a"
SECRET = "entra-client-secret"


@dataclass
class Entra:
    azurite: Azurite
    mlflow: MlflowServer
    seeded: dict[str, Any]
    cert: ServerCert


@pytest.fixture(scope="module")
def entra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Entra]:
    root = tmp_path_factory.mktemp("azure-entra")
    cert = make_server_cert(root / "tls")
    azurite = start_azurite(root / "azurite", tls=cert)
    try:
        azurite.make_container("models")
        env = {
            "AZURE_STORAGE_CONNECTION_STRING": azurite.connection_string,
            "REQUESTS_CA_BUNDLE": str(cert.ca),
        }
        storage = Storage(direct=azurite.root("models", "mlflow"), env=tuple(env.items()))
        mlflow = start_server(root / "mlflow", storage=storage)
        try:
            yield Entra(azurite, mlflow, seed(None, mlflow, env=env), cert)
        finally:
            mlflow.stop()
    finally:
        azurite.stop()


@pytest.fixture
def tenant(entra: Entra, monkeypatch: pytest.MonkeyPatch) -> Iterator[Contract]:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(entra.cert.ca))  # trust the test's own CA
    with contract_server(entra.mlflow.url, tls=entra.cert) as running:
        running.add_client(CLIENT, SECRET, "registry-reader")
        yield running


def _add(name: str, entra: Entra, tenant: Contract, secret: str) -> None:
    code, _out, err = run(
        "profiles", "add", "--kind", "mlflow", "--name", name, "--url", entra.mlflow.url,
        "--azure-account-url", entra.azurite.account_url, "--azure-client-secret-stdin",
        "--azure-tenant-id", TENANT, "--azure-client-id", CLIENT,
        "--azure-authority-host", tenant.url,
        stdin=secret + "\n",
    )  # fmt: skip
    assert code == 0, err


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith(".modelyard")
    }


def test_contract_a_service_principal_reads_the_files_with_one_sign_in(
    entra: Entra, tenant: Contract, store: ProfileStore, secrets: SecretStore, tmp_path: Path
) -> None:
    _add("entra", entra, tenant, SECRET)
    assert SECRET not in store.path.read_text()
    assert secrets.get(store.get("entra").id, "azure_storage_secret") == SECRET
    code, out, err = run("files", "entra", "churn", "2", "MLmodel", "--head")
    assert code == 0 and "python_function" in out, err
    code, _out, err = run("download", "entra", "churn", "2", str(tmp_path / "got"))
    assert code == 0, err
    wanted = entra.seeded["models"]["churn"]["versions"]["2"]["files"]
    assert _digests(tmp_path / "got") == wanted
    tenant.seen.clear()
    registry = open_registry(store.get("entra"), secrets)
    try:
        location = registry.artifact_location("churn", "2")
        files = [e.path for e in registry.list_artifacts(location) if not e.is_dir]
        for path in files:
            with registry.open_artifact(location, path) as stream:
                assert stream.read()
    finally:
        registry.close()
    assert len(files) > 1
    signed_in = [s for s in tenant.seen if s["path"] == f"/{TENANT}/oauth2/v2.0/token"]
    assert len(signed_in) == 1  # one sign-in for the listing and every file: the token is kept


def test_contract_a_wrong_client_secret_is_named_as_the_sign_in_within_seconds(
    entra: Entra, tenant: Contract, store: ProfileStore, secrets: SecretStore
) -> None:
    _add("wrong", entra, tenant, "not-the-secret")
    registry = open_registry(store.get("wrong"), secrets)
    try:
        location = registry.artifact_location("churn", "1")
        started = time.monotonic()
        with pytest.raises(RegistryError) as info:
            registry.list_artifacts(location)
        assert time.monotonic() - started < 10
    finally:
        registry.close()
    assert info.value.kind is ErrorKind.AUTH
    message = info.value.message
    assert f"the sign-in authority {tenant.url} refused the service principal {CLIENT}" in message
    assert f"tenant {TENANT}" in message and "not-the-secret" not in message
    code, out, err = run("profiles", "test", "wrong")
    assert code == 1 and "Connected, but the version files cannot be read" in out + err


def test_contract_a_token_for_another_resource_is_refused_by_the_store(
    entra: Entra, tenant: Contract, store: ProfileStore, secrets: SecretStore
) -> None:
    """The store itself checks the token (Azurite's OAuth): one not issued for storage
    (another audience) is refused there, and named as the store's, not the sign-in's."""
    from modelyard.core.connectors._azure_blob import AzureBlobFiles, AzureBlobSettings

    class OtherResource:
        def get_token(self, *scopes: str, **kwargs: Any) -> Any:
            from azure.core.credentials import AccessToken

            token = tenant.issue(
                "registry-reader",
                claims={
                    "iss": f"https://sts.windows.net/{TENANT}/",
                    "aud": "https://management.azure.com",
                    "iat": int(time.time()),
                    "nbf": int(time.time()) - 60,
                },
            )
            return AccessToken(token, int(time.time()) + 3600)

    from azure.storage.blob import ContainerClient

    settings = AzureBlobSettings(account_url=entra.azurite.account_url, auth="service-principal")
    files = AzureBlobFiles(settings, (4.0, 10.0))
    files._clients[("devstoreaccount1", "models")] = ContainerClient(
        entra.azurite.account_url, "models", credential=OtherResource()
    )
    with pytest.raises(RegistryError) as info:
        files.list_dir("wasbs://models@devstoreaccount1.blob.core.windows.net/mlflow")
    assert info.value.kind is ErrorKind.AUTH
    assert f"the Azure Blob store at {entra.azurite.account_url} refused" in info.value.message


def test_contract_the_wizard_shows_the_entra_fields_and_editing_keeps_the_sign_in(
    entra: Entra, tenant: Contract, store: ProfileStore, secrets: SecretStore, qtbot: QtBot
) -> None:
    from PySide6.QtWidgets import QComboBox, QFormLayout

    from modelyard.core.kinds import MlflowServerSettings
    from tests.helpers.wizard import open_wizard, save, tested, wizard_pool

    _add("entra", entra, tenant, SECRET)
    saved = store.get("entra")
    pool = wizard_pool()
    try:
        edit = open_wizard(qtbot, store, secrets, pool, saved)
        edit.next()
        assert edit.fields["azure_store"].isChecked()
        how = edit.fields["azure_auth"]
        assert isinstance(how, QComboBox) and how.currentData() == "service-principal"
        assert edit.fields["azure_tenant_id"].text() == TENANT
        assert edit.fields["azure_client_id"].text() == CLIENT
        form = edit.fields["azure_client_id"].parentWidget().layout()
        assert isinstance(form, QFormLayout)

        def visible(key: str) -> bool:
            return bool(form.isRowVisible(edit.fields[key]))

        assert visible("azure_tenant_id") and visible("azure_client_id")
        assert visible("azure_storage_secret")
        how.setCurrentIndex(how.findData("azure-cli"))
        assert visible("azure_tenant_id") and not visible("azure_client_id")
        assert not visible("azure_storage_secret")  # the Azure CLI holds its own sign-in
        how.setCurrentIndex(how.findData("key"))
        assert not visible("azure_tenant_id") and visible("azure_storage_secret")
        how.setCurrentIndex(how.findData("service-principal"))
        assert edit.auth_page.problem.text() == ""  # the stored client secret is kept
        result = tested(edit, qtbot)
        assert result.ok, result.text()  # signed in at the stand-in's authority, kept
        edit.next()
        save(edit, qtbot)
    finally:
        pool.shutdown()
    again = store.get("entra")
    assert isinstance(again.settings, MlflowServerSettings)
    assert isinstance(saved.settings, MlflowServerSettings)
    assert again.settings.store == saved.settings.store
    assert secrets.get(saved.id, "azure_storage_secret") == SECRET
