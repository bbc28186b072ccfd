"""An MLflow server that keeps its files in Azure Blob Storage without serving them
(``--no-serve-artifacts`` with a ``wasbs://`` root, on Azurite): the profile reaches the store
itself with its own connection string or account key — nothing from ``os.environ``.
"""

from __future__ import annotations

import hashlib
import os
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
from tests.support.azurite import KEY, Azurite, start_azurite
from tests.support.server_versions import seed
from tests.support.servers import MlflowServer, Storage, start_server


@dataclass
class Blob:
    azurite: Azurite
    mlflow: MlflowServer
    seeded: dict[str, Any]


@pytest.fixture(scope="module")
def blob(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Blob]:
    root = tmp_path_factory.mktemp("azure-blob")
    azurite = start_azurite(root / "azurite")
    try:
        azurite.make_container("models")
        env = {"AZURE_STORAGE_CONNECTION_STRING": azurite.connection_string}
        storage = Storage(direct=azurite.root("models", "mlflow"), env=tuple(env.items()))
        mlflow = start_server(root / "mlflow", storage=storage)
        try:
            yield Blob(azurite, mlflow, seed(None, mlflow, env=env))
        finally:
            mlflow.stop()
    finally:
        azurite.stop()


def _add(name: str, blob: Blob, how: str, secret: str) -> None:
    code, _out, err = run(
        "profiles", "add", "--kind", "mlflow", "--name", name, "--url", blob.mlflow.url,
        "--azure-account-url", blob.azurite.account_url, f"--azure-{how}-stdin",
        stdin=secret + "\n",
    )  # fmt: skip
    assert code == 0, err


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith(".modelyard")
    }


@pytest.mark.parametrize("how", ["key", "connection-string"])
def test_the_profiles_own_store_lists_previews_and_downloads(
    blob: Blob, store: ProfileStore, secrets: SecretStore, tmp_path: Path, how: str
) -> None:
    secret = KEY if how == "key" else blob.azurite.connection_string
    _add("blob", blob, how, secret)
    assert secret not in store.path.read_text()
    code, out, err = run("profiles", "test", "blob")
    assert code == 0, out + err
    code, out, err = run("files", "blob", "churn", "2", "MLmodel", "--head")
    assert code == 0 and "python_function" in out, err
    code, _out, err = run("download", "blob", "churn", "2", str(tmp_path / "got"))
    assert code == 0, err
    assert _digests(tmp_path / "got") == blob.seeded["models"]["churn"]["versions"]["2"]["files"]
    assert not [k for k in os.environ if k.startswith("AZURE_STORAGE")]


def test_a_wrong_key_is_named_as_the_stores_within_seconds(
    blob: Blob, store: ProfileStore, secrets: SecretStore
) -> None:
    wrong = KEY[:-8] + "AAAAAAA="
    _add("wrong", blob, "key", wrong)
    registry = open_registry(store.get("wrong"), secrets)
    try:
        location = registry.artifact_location("churn", "1")
        started = time.monotonic()
        with pytest.raises(RegistryError) as info:
            registry.list_artifacts(location)
        assert time.monotonic() - started < 5
    finally:
        registry.close()
    assert info.value.kind is ErrorKind.AUTH
    assert f"the Azure Blob store at {blob.azurite.account_url} refused the account key" in (
        info.value.message
    )
    assert wrong not in info.value.message
    code, out, err = run("profiles", "test", "wrong")
    assert code == 1 and "Connected, but the version files cannot be read" in out + err


def test_a_connection_string_that_is_none_says_so(
    blob: Blob, store: ProfileStore, secrets: SecretStore
) -> None:
    """Before: "Modelyard cannot read files kept at wasbs: locations", which read as
    unsupported."""
    _add("garbled", blob, "connection-string", "not a connection string")
    code, _out, err = run("files", "garbled", "churn", "1")
    assert code == 1
    assert "is not one" in err and "cannot read files kept at wasbs" not in err


def test_a_copy_into_it_and_a_cancelled_one_that_leaves_nothing(
    blob: Blob, store: ProfileStore, secrets: SecretStore, mlflow_server: MlflowServer
) -> None:
    from modelyard.core.actions.copy import CopyProgress, copy_version
    from modelyard.core.actions.copy_plan import Endpoint, plan_copy
    from modelyard.core.model.errors import Cancelled
    from tests.helpers.registry import add_server_profile

    _add("blob", blob, "key", KEY)
    add_server_profile(store, secrets, mlflow_server, "current")
    code, _out, err = run("copy", "blob", "fraud-detector", "1", "current", "--name",
                          "fraud-from-blob", "--yes")  # fmt: skip
    assert code == 0, err
    code, _out, err = run("copy", "current", "fraud-from-blob", "1", "blob", "--name",
                          "fraud-back", "--stage", "production", "--yes")  # fmt: skip
    assert code == 0, err
    code, out, err = run("files", "blob", "fraud-back", "1")
    assert code == 0 and "model.bin" in out, err
    before = set(blob.azurite.blobs("models"))
    source_registry = open_registry(store.get("current"), secrets)
    target_registry = open_registry(store.get("blob"), secrets)
    try:
        source, target = Endpoint(source_registry, "current"), Endpoint(target_registry, "blob")
        plan = plan_copy(source, "fraud-from-blob", "1", target, "fraud-cancelled")
        during: set[str] = set()

        def progress(p: CopyProgress) -> None:
            if p.phase == "write" and not during:
                during.update(set(blob.azurite.blobs("models")) - before)

        with pytest.raises(Cancelled) as cancelled:
            copy_version(source, target, plan, progress, lambda: bool(during))
    finally:
        source_registry.close()
        target_registry.close()
    assert during, "nothing was written before the cancel: the test proves nothing"
    assert "and its files" in str(cancelled.value)
    assert set(blob.azurite.blobs("models")) == before


def test_the_wizard_sets_an_azure_blob_store_and_editing_keeps_it(
    blob: Blob, store: ProfileStore, secrets: SecretStore, qtbot: QtBot
) -> None:
    from PySide6.QtWidgets import QComboBox, QGroupBox

    from modelyard.core.kinds import MlflowServerSettings
    from modelyard.core.profiles.stores import AzureBlobStore
    from modelyard.ui.profiles.fields import PAGE_AUTH
    from tests.helpers.wizard import open_wizard, save, tested, type_into, wizard_pool

    pool = wizard_pool()

    try:
        wizard = open_wizard(qtbot, store, secrets, pool)
        wizard.next()
        type_into(wizard, "url", blob.mlflow.url)
        wizard.next()
        assert wizard.currentId() == PAGE_AUTH
        azure, s3 = wizard.fields["azure_store"], wizard.fields["s3_store"]
        assert isinstance(azure, QGroupBox) and isinstance(s3, QGroupBox)
        s3.setChecked(True)
        azure.setChecked(True)
        assert not s3.isChecked()  # one store or the other
        type_into(wizard, "azure_account_url", blob.azurite.account_url)
        how = wizard.fields["azure_auth"]
        assert isinstance(how, QComboBox)
        how.setCurrentIndex(how.findData("key"))
        assert "Azure storage secret" in wizard.auth_page.problem.text()
        type_into(wizard, "azure_storage_secret", KEY)
        result = tested(wizard, qtbot)
        assert result.ok, result.text()
        wizard.next()
        wizard.finish_page.name.setText("on-blob")
        save(wizard, qtbot)
        saved = store.get("on-blob")
        assert isinstance(saved.settings, MlflowServerSettings)
        assert saved.settings.store == AzureBlobStore(account_url=blob.azurite.account_url)
        assert secrets.get(saved.id, "azure_storage_secret") == KEY
        edit = open_wizard(qtbot, store, secrets, pool, saved)
        edit.next()
        assert edit.fields["azure_store"].isChecked()
        assert edit.fields["azure_account_url"].text() == blob.azurite.account_url
        assert edit.auth_page.problem.text() == ""  # the stored secret is kept
        assert tested(edit, qtbot).ok
        edit.next()
        save(edit, qtbot)
        again = store.get("on-blob")
        assert isinstance(again.settings, MlflowServerSettings)
        assert again.settings.store == saved.settings.store
        assert secrets.get(saved.id, "azure_storage_secret") == KEY
    finally:
        pool.shutdown()


def test_without_a_store_the_machines_credentials_are_asked_once_and_said_in_words(
    blob: Blob, store: ProfileStore, secrets: SecretStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: DefaultAzureCredential's ~15-line failure printed ~8 times, the last cut off.
    Now one message with what to set; and MLflow's own variable, when a user has it, works."""
    code, _out, err = run("profiles", "add", "--kind", "mlflow", "--name", "bare",
                          "--url", blob.mlflow.url)  # fmt: skip
    assert code == 0, err
    started = time.monotonic()
    code, _out, err = run("files", "bare", "churn", "1")
    assert time.monotonic() - started < 10
    assert code == 1
    where = "the Azure Blob store at https://devstoreaccount1.blob.core.windows.net"
    assert f"No credentials for {where}" in err.replace("\n", " ")
    assert err.count("No credentials") == 1 and "DefaultAzureCredential" not in err
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", blob.azurite.connection_string)
    code, out, err = run("files", "bare", "churn", "1")
    assert code == 0 and "MLmodel" in out, err
