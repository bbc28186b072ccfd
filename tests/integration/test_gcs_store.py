"""An MLflow server that keeps its files in Google Cloud Storage without serving them
(``--no-serve-artifacts`` with a ``gs://`` root, on a GCS emulator): the profile reaches the
store itself, with its own endpoint — nothing from ``os.environ``, no google-cloud-storage.
(Service-account keys are signed in at the contract stand-in: test_contract_gcs_sign_in.py.)
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from modelyard.core.connectors import open_registry
from modelyard.core.profiles.profile import ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from tests.helpers.cli import run
from tests.support.gcs_server import GcsRegistry, gcs_registry
from tests.support.servers import MlflowServer


@pytest.fixture(scope="module")
def gcs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GcsRegistry]:
    with gcs_registry(tmp_path_factory.mktemp("gcs")) as running:
        yield running


def _add(name: str, gcs: GcsRegistry, *extra: str) -> None:
    code, _out, err = run(
        "profiles", "add", "--kind", "mlflow", "--name", name, "--url", gcs.mlflow.url,
        "--gcs-endpoint-url", gcs.gcs.url, *extra,
    )  # fmt: skip
    assert code == 0, err


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith(".modelyard")
    }


def test_the_profiles_own_store_lists_previews_and_downloads(
    gcs: GcsRegistry, store: ProfileStore, secrets: SecretStore, tmp_path: Path
) -> None:
    _add("gcs", gcs, "--gcs-anonymous")
    code, out, err = run("profiles", "test", "gcs")
    assert code == 0, out + err
    code, out, err = run("files", "gcs", "churn", "2")
    assert code == 0 and "MLmodel" in out, err
    code, out, err = run("files", "gcs", "churn", "2", "MLmodel", "--head")
    assert code == 0 and "python_function" in out, err
    code, _out, err = run("download", "gcs", "churn", "2", str(tmp_path / "got"))
    assert code == 0, err
    assert _digests(tmp_path / "got") == gcs.seeded["models"]["churn"]["versions"]["2"]["files"]
    assert not [k for k in os.environ if k.startswith(("STORAGE_EMULATOR", "GOOGLE_"))]


def test_a_preview_reads_only_the_head_of_a_big_file(
    gcs: GcsRegistry, store: ProfileStore, secrets: SecretStore
) -> None:
    import requests

    big = b"x" * (8 * 1024 * 1024)
    name = "mlflow/big-file/data.bin"
    made = requests.post(
        f"{gcs.gcs.url}/upload/storage/v1/b/models/o",
        params={"uploadType": "media", "name": name},
        data=big,
        timeout=30,
    )
    made.raise_for_status()
    _add("head", gcs, "--gcs-anonymous")
    registry = open_registry(store.get("head"), secrets)
    try:
        with registry.open_artifact("gs://models/mlflow/big-file", "data.bin") as stream:
            first = next(iter(stream.chunks()))
            assert stream.size == len(big)
        assert first == big[: len(first)] and len(first) < len(big)
        files = registry.list_artifacts("gs://models/mlflow/big-file")
    finally:
        registry.close()
    assert [(f.path, f.size) for f in files] == [("data.bin", len(big))]


def test_without_a_store_the_message_says_what_to_set(
    gcs: GcsRegistry, store: ProfileStore, secrets: SecretStore
) -> None:
    """No store in the profile and no application default credentials on this machine: the
    version's files are named unreadable, with what to set — within seconds."""
    code, _out, err = run("profiles", "add", "--kind", "mlflow", "--name", "bare",
                          "--url", gcs.mlflow.url)  # fmt: skip
    assert code == 0, err
    code, out, err = run("files", "bare", "churn", "1")
    assert code == 1
    assert "No Google credentials for the GCS store at https://storage.googleapis.com" in err
    assert "--gcs-key-file" in err
    code, out, err = run("profiles", "test", "bare")
    assert code == 1 and "Connected, but the version files cannot be read" in out + err


def test_a_store_that_is_down_is_named_not_the_tracking_server(
    gcs: GcsRegistry, store: ProfileStore, secrets: SecretStore
) -> None:
    from tests.support.servers import free_port

    down = f"http://127.0.0.1:{free_port()}"
    code, _out, err = run(
        "profiles", "add", "--kind", "mlflow", "--name", "down", "--url", gcs.mlflow.url,
        "--gcs-endpoint-url", down, "--gcs-anonymous",
    )  # fmt: skip
    assert code == 0, err
    code, _out, err = run("files", "down", "churn", "1")
    assert code == 1
    assert f"the GCS store at {down} does not answer" in err.replace("\n", " ")
    assert gcs.mlflow.url not in err


def test_a_copy_into_it_and_a_cancelled_one_that_leaves_nothing(
    gcs: GcsRegistry, store: ProfileStore, secrets: SecretStore, mlflow_server: MlflowServer
) -> None:
    from modelyard.core.actions.copy import CopyProgress, copy_version
    from modelyard.core.actions.copy_plan import Endpoint, plan_copy
    from modelyard.core.model.errors import Cancelled
    from tests.helpers.registry import add_server_profile

    _add("gcs", gcs, "--gcs-anonymous")
    add_server_profile(store, secrets, mlflow_server, "current")
    code, _out, err = run("copy", "gcs", "fraud-detector", "1", "current", "--name",
                          "fraud-from-gcs", "--yes")  # fmt: skip
    assert code == 0, err
    code, _out, err = run("copy", "current", "fraud-from-gcs", "1", "gcs", "--name",
                          "fraud-back", "--stage", "production", "--yes")  # fmt: skip
    assert code == 0, err
    code, out, err = run("files", "gcs", "fraud-back", "1")
    assert code == 0 and "model.bin" in out, err
    before = set(gcs.gcs.objects("models"))
    source_registry = open_registry(store.get("current"), secrets)
    target_registry = open_registry(store.get("gcs"), secrets)
    try:
        source, target = Endpoint(source_registry, "current"), Endpoint(target_registry, "gcs")
        plan = plan_copy(source, "fraud-from-gcs", "1", target, "fraud-cancelled")
        written: list[str] = []  # files whose upload began; the ones before the last ended

        def progress(p: CopyProgress) -> None:
            if p.phase == "write" and p.current not in written:
                written.append(p.current)

        # Cancelled once a second file is begun: the first one's upload has returned (the
        # emulator serves one request at a time, so the bucket cannot be listed mid-upload).
        with pytest.raises(Cancelled) as cancelled:
            copy_version(source, target, plan, progress, lambda: len(written) > 1)
    finally:
        source_registry.close()
        target_registry.close()
    assert len(written) > 1, "no file was written before the cancel: the test proves nothing"
    assert "and its files" in str(cancelled.value)
    assert set(gcs.gcs.objects("models")) == before


def test_the_wizard_ticks_the_gcs_store_and_saves_it(
    gcs: GcsRegistry, store: ProfileStore, secrets: SecretStore, qtbot: QtBot
) -> None:
    """Test connection finds the files in gs:// unreadable → the GCS box is ticked; with the
    emulator's endpoint and no credentials the test passes and the store is saved."""
    from PySide6.QtWidgets import QCheckBox, QGroupBox

    from modelyard.core.kinds import MlflowServerSettings
    from modelyard.core.profiles.stores import GcsStore
    from modelyard.ui.profiles.fields import PAGE_AUTH
    from tests.conftest import save_artifact
    from tests.helpers.wizard import open_wizard, save, tested, type_into, wizard_pool

    pool = wizard_pool()
    try:
        wizard = open_wizard(qtbot, store, secrets, pool)
        wizard.next()
        type_into(wizard, "url", gcs.mlflow.url)
        wizard.next()
        assert wizard.currentId() == PAGE_AUTH
        box, s3 = wizard.fields["gcs_store"], wizard.fields["s3_store"]
        assert isinstance(box, QGroupBox) and isinstance(s3, QGroupBox)
        assert not box.isChecked()
        first = tested(wizard, qtbot)
        assert not first.ok and first.files_at.startswith("gs://")
        assert box.isChecked()  # the sign-in page now asks for the store
        assert "fill in the Google Cloud store" in wizard.test_page.message.text()
        wizard.back()
        s3.setChecked(True)
        assert not box.isChecked()  # one store at most
        box.setChecked(True)
        type_into(wizard, "gcs_endpoint_url", gcs.gcs.url)
        anonymous = wizard.fields["gcs_anonymous"]
        assert isinstance(anonymous, QCheckBox)
        anonymous.setChecked(True)
        wizard.auth_page.grab().save(str(save_artifact("wizard-gcs-store.png")))
        result = tested(wizard, qtbot)
        assert result.ok, result.text()
        wizard.next()
        wizard.finish_page.name.setText("on-gcs")
        save(wizard, qtbot)
        saved = store.get("on-gcs")
        assert isinstance(saved.settings, MlflowServerSettings)
        assert saved.settings.store == GcsStore(endpoint_url=gcs.gcs.url, anonymous=True)
        edit = open_wizard(qtbot, store, secrets, pool, saved)
        edit.next()
        assert edit.fields["gcs_store"].isChecked()
        assert edit.fields["gcs_endpoint_url"].text() == gcs.gcs.url
        assert edit.fields["gcs_anonymous"].isChecked()
    finally:
        pool.shutdown()
