"""MLflow servers that do not serve their files (``--no-serve-artifacts`` with an ``s3://``
root on a real loopback S3 server): the profile reaches the store itself, with its own
endpoint and keys — two registries on two stores with two keys side by side in one process,
nothing taken from or put into the process environment.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from modelyard.core.connectors import open_registry
from modelyard.core.kinds import MlflowServerSettings
from modelyard.core.model.errors import ErrorKind, RegistryError
from modelyard.core.profiles.profile import ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from tests.helpers.cli import run
from tests.support.s3_server import S3Key, S3Server, start_s3
from tests.support.server_versions import seed
from tests.support.servers import MlflowServer, Storage, free_port, start_server


@dataclass
class Side:
    s3: S3Server
    key: S3Key
    bucket: str
    mlflow: MlflowServer
    seeded: dict[str, Any]


def _side(root: Path, user: str, bucket: str, seeded: bool) -> Side:
    s3 = start_s3(root / "s3", {user: bucket})
    key = s3.keys[user]
    storage = Storage(direct=f"s3://{bucket}/mlflow", env=tuple(s3.env_for(key).items()))
    mlflow = start_server(root / "mlflow", storage=storage)
    made = seed(None, mlflow, env=s3.env_for(key)) if seeded else {}
    return Side(s3, key, bucket, mlflow, made)


@pytest.fixture(scope="module")
def sides(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Side, Side]]:
    """Two S3 servers (two endpoints, two users' keys) and an MLflow server on each; the first
    seeded by MLflow's own client, the second empty (a copy's target)."""
    a = _side(tmp_path_factory.mktemp("s3-a"), "ana", "models-a", seeded=True)
    b = _side(tmp_path_factory.mktemp("s3-b"), "bo", "models-b", seeded=False)
    yield a, b
    for side in (a, b):
        side.mlflow.stop()
        side.s3.stop()


def _add(name: str, side: Side, secret: str | None = None) -> None:
    code, _out, err = run(
        "profiles", "add", "--kind", "mlflow", "--name", name, "--url", side.mlflow.url,
        "--s3-endpoint-url", side.s3.url, "--s3-access-key-id", side.key.access_key_id,
        "--s3-secret-stdin",
        stdin=(secret or side.key.secret_access_key) + "\n",
    )  # fmt: skip
    assert code == 0, err


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith(".modelyard")
    }


def test_a_profiles_own_store_reads_the_files_and_no_environment_is_used(
    sides: tuple[Side, Side], store: ProfileStore, secrets: SecretStore, tmp_path: Path
) -> None:
    a, _b = sides
    _add("a", a)
    profile = store.get("a")
    assert secrets.get(profile.id, "s3_secret") == a.key.secret_access_key
    kept = store.path.read_text()
    assert a.key.access_key_id in kept and a.key.secret_access_key not in kept
    code, out, err = run("show", "a", "churn", "2")
    assert code == 0 and "! " not in out, err  # its MLmodel file was read from S3
    code, _out, err = run("download", "a", "churn", "2", str(tmp_path / "got"))
    assert code == 0, err
    assert _digests(tmp_path / "got") == a.seeded["models"]["churn"]["versions"]["2"]["files"]
    assert not [k for k in os.environ if k.startswith(("AWS_", "MLFLOW_S3"))]


def test_two_registries_on_two_stores_with_two_keys_side_by_side(
    sides: tuple[Side, Side], store: ProfileStore, secrets: SecretStore, tmp_path: Path
) -> None:
    """And a copy between them: read from one store with its key, written to the other with
    the other key (NoSuchBucket under any one set of process-wide settings before)."""
    a, b = sides
    _add("a", a)
    _add("b", b)
    code, _out, err = run("copy", "a", "fraud-detector", "1", "b", "--stage", "production",
                          "--yes")  # fmt: skip
    assert code == 0, err
    written = b.s3.objects(b.key, b.bucket)
    assert any(k.endswith("model/model.bin") for k in written), written
    code, _out, err = run("download", "b", "fraud-detector", "1", str(tmp_path / "b"))
    assert code == 0, err
    files = a.seeded["models"]["fraud-detector"]["versions"]["1"]["files"]
    assert _digests(tmp_path / "b") == files
    # one process, both open at once, each with its own store
    ra, rb = open_registry(store.get("a"), secrets), open_registry(store.get("b"), secrets)
    try:
        for registry in (ra, rb):
            location = registry.artifact_location("fraud-detector", "1")
            names = {e.path for e in registry.walk_artifacts(location)}
            assert names == {"MLmodel", "model.bin", "requirements.txt"}
    finally:
        ra.close()
        rb.close()


def test_a_wrong_secret_is_named_as_the_stores_within_seconds(
    sides: tuple[Side, Side], store: ProfileStore, secrets: SecretStore
) -> None:
    a, _b = sides
    _add("wrong", a, secret="not-the-secret")
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
    message = info.value.message
    assert f"the S3 store at {a.s3.url} refused the access key {a.key.access_key_id}" in message
    assert "not-the-secret" not in message


def test_no_store_and_no_machine_credentials_say_what_to_set(
    sides: tuple[Side, Side], store: ProfileStore, secrets: SecretStore
) -> None:
    a, _b = sides
    code, _out, err = run("profiles", "add", "--kind", "mlflow", "--name", "plain",
                          "--url", a.mlflow.url)  # fmt: skip
    assert code == 0, err
    code, _out, err = run("download", "plain", "churn", "1", str(store.path.parent / "x"))
    assert code == 1
    assert "No S3 credentials" in err and "--s3-access-key-id" in err


def test_a_store_that_is_down_is_named_not_the_tracking_server(
    sides: tuple[Side, Side], store: ProfileStore, secrets: SecretStore
) -> None:
    a, _b = sides
    nobody = f"http://127.0.0.1:{free_port()}"
    code, _out, err = run(
        "profiles", "add", "--kind", "mlflow", "--name", "down", "--url", a.mlflow.url,
        "--s3-endpoint-url", nobody,
        "--s3-access-key-id", a.key.access_key_id, "--s3-secret-stdin",
        stdin=a.key.secret_access_key + "\n",
    )  # fmt: skip
    assert code == 0, err
    started = time.monotonic()
    code, out, err = run("show", "down", "churn", "1")
    assert time.monotonic() - started < 15
    assert code == 0, err  # the version is shown; its files are what failed
    problem = next(line for line in out.splitlines() if line.startswith("! "))
    assert f"the S3 store at {nobody} does not answer (the tracking server does" in problem
    assert a.mlflow.url not in problem


def test_a_cancelled_copy_into_a_store_removes_what_it_wrote_there(
    sides: tuple[Side, Side], store: ProfileStore, secrets: SecretStore
) -> None:
    """Before, "Removed again: the run … and its files" while ~33 MB stayed in the bucket."""
    from modelyard.core.actions.copy import CopyProgress, copy_version
    from modelyard.core.actions.copy_plan import Endpoint, plan_copy
    from modelyard.core.model.errors import Cancelled

    a, b = sides
    _add("a", a)
    _add("b", b)
    before = set(b.s3.objects(b.key, b.bucket))
    ra, rb = open_registry(store.get("a"), secrets), open_registry(store.get("b"), secrets)
    try:
        source, target = Endpoint(ra, "a"), Endpoint(rb, "b")
        plan = plan_copy(source, "churn", "3", target, "cancelled-churn")
        during: set[str] = set()

        def progress(p: CopyProgress) -> None:  # cancel once a first file is in the bucket
            if p.phase == "write" and not during:
                during.update(set(b.s3.objects(b.key, b.bucket)) - before)

        with pytest.raises(Cancelled) as cancelled:
            copy_version(source, target, plan, progress, lambda: bool(during))
    finally:
        ra.close()
        rb.close()
    assert during, "nothing was written before the cancel: the test proves nothing"
    message = str(cancelled.value)
    assert "Removed again: the run" in message and "and its files" in message
    assert set(b.s3.objects(b.key, b.bucket)) == before


def test_the_connection_test_reads_one_versions_files(
    sides: tuple[Side, Side], store: ProfileStore, secrets: SecretStore
) -> None:
    """ "OK: Connected" with every version's files failing was day one on such a server."""
    a, _b = sides
    _add("good", a)
    _add("bad", a, secret="not-the-secret")
    code, out, err = run("profiles", "test", "good")
    assert code == 0, out + err
    code, out, err = run("profiles", "test", "bad")
    assert code == 1
    text = out + err
    assert "Connected, but the version files cannot be read" in text
    assert f"refused the access key {a.key.access_key_id}" in text


def test_the_wizard_sets_the_store_tests_it_and_editing_keeps_it(
    sides: tuple[Side, Side], store: ProfileStore, secrets: SecretStore, qtbot: QtBot
) -> None:
    from PySide6.QtWidgets import QGroupBox

    from modelyard.core.profiles.stores import S3Store
    from modelyard.ui.profiles.fields import PAGE_AUTH
    from tests.conftest import save_artifact
    from tests.helpers.wizard import open_wizard, save, tested, type_into, wizard_pool

    a, _b = sides
    pool = wizard_pool()

    try:
        wizard = open_wizard(qtbot, store, secrets, pool)
        wizard.next()
        type_into(wizard, "url", a.mlflow.url)
        wizard.next()
        assert wizard.currentId() == PAGE_AUTH
        box = wizard.fields["s3_store"]
        assert isinstance(box, QGroupBox) and box.isVisible() and not box.isChecked()
        result = tested(
            wizard, qtbot
        )  # no store: the files cannot be read, and it says what to set
        assert not result.ok and "No S3 credentials" in result.message
        assert "fill in the S3 store on the sign-in page" in wizard.test_page.message.text()
        assert box.isChecked()  # asked for where it is filled in
        wizard.back()
        type_into(wizard, "s3_endpoint_url", a.s3.url)
        type_into(wizard, "s3_access_key_id", a.key.access_key_id)
        assert "S3 secret key" in wizard.auth_page.problem.text()  # asked for, not guessed
        type_into(wizard, "s3_secret", "not-the-secret")
        result = tested(wizard, qtbot)
        assert result.headline == "Connected, but the version files cannot be read"
        assert f"refused the access key {a.key.access_key_id}" in result.message
        wizard.back()
        type_into(wizard, "s3_secret", a.key.secret_access_key)
        wizard.auth_page.grab().save(str(save_artifact("wizard-s3-store.png")))
        result = tested(wizard, qtbot)
        assert result.ok, result.text()
        wizard.next()
        wizard.finish_page.name.setText("on-s3")
        save(wizard, qtbot)
        saved = store.get("on-s3")
        assert isinstance(saved.settings, MlflowServerSettings)
        assert saved.settings.store == S3Store(
            endpoint_url=a.s3.url, access_key_id=a.key.access_key_id
        )
        assert secrets.get(saved.id, "s3_secret") == a.key.secret_access_key
        # Editing: the store is shown as kept, the secret stays unless retyped.
        edit = open_wizard(qtbot, store, secrets, pool, saved)
        edit.next()
        assert edit.fields["s3_store"].isChecked()
        assert edit.fields["s3_access_key_id"].text() == a.key.access_key_id
        assert edit.fields["s3_secret"].text() == ""
        assert edit.auth_page.problem.text() == ""
        assert tested(edit, qtbot).ok
        edit.next()
        save(edit, qtbot)
        again = store.get("on-s3")
        assert isinstance(again.settings, MlflowServerSettings)
        assert again.settings.store == saved.settings.store
        assert secrets.get(saved.id, "s3_secret") == a.key.secret_access_key
    finally:
        pool.shutdown()


def test_the_cli_lists_and_previews_a_versions_files(
    sides: tuple[Side, Side], store: ProfileStore, secrets: SecretStore
) -> None:
    a, _b = sides
    _add("a", a)
    code, out, err = run("files", "a", "churn", "2", "--json")
    assert code == 0, err
    listed = {e["path"]: e["size"] for e in json.loads(out)}
    assert sorted(listed) == ["MLmodel", "model.bin", "requirements.txt"]
    assert (listed["model.bin"], listed["requirements.txt"]) == (32 * 4096, 20)
    code, out, err = run("files", "a", "churn", "2", "MLmodel", "--head")
    assert code == 0 and "flavors:" in out and "python_function" in out, err
    code, out, err = run("files", "a", "churn", "2", "model.bin", "--head")
    assert code == 0 and out == "" and "Binary file (131.1 kB): no preview" in err
    code, _out, err = run("files", "a", "churn", "2", "nope", "--head")
    assert code == 1 and "has no file 'nope'" in err
