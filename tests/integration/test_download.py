"""Downloads, URIs, the load snippet and local serving against real mlflow servers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from modelyard.core.actions.serve import LocalServer, servable, wait_until_serving
from modelyard.core.connectors import open_registry
from modelyard.core.model.errors import Cancelled, ErrorKind, RegistryError
from modelyard.core.model.registry import Registry
from modelyard.core.profiles.profile import ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from modelyard.core.reads.download import (
    MANIFEST,
    DownloadConflict,
    DownloadProgress,
    plan_download,
    run_download,
)
from modelyard.core.reads.snippet import load_snippet, model_uris
from tests.helpers.files import tree_files, uploaded
from tests.helpers.registry import add_server_profile, admin_store, new_version
from tests.support.servers import ADMIN_PASSWORD, ADMIN_USER, MlflowServer, start_server

BIG = os.urandom(24 * 1024 * 1024)  # big enough that a cancel lands mid-file


@pytest.fixture()
def registry(mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore) -> Registry:
    return open_registry(add_server_profile(store, secrets, mlflow_server, "srv"), secrets)


def test_download_is_byte_identical_and_resumes(
    mlflow_server: MlflowServer, registry: Registry, tmp_path: Path
) -> None:
    version = new_version(mlflow_server, "dl-model", {"data/weights.bin": os.urandom(300_000)})
    plan = plan_download(registry, "dl-model", version)
    assert {f.path for f in plan.files} >= {"MLmodel", "data/weights.bin"}
    reports: list[DownloadProgress] = []
    result = run_download(registry, plan, tmp_path / "out", reports.append)
    assert tree_files(tmp_path / "out") == uploaded(registry, "dl-model", version)
    assert reports[-1].done_bytes == plan.total_bytes == result.bytes
    again = run_download(registry, plan, tmp_path / "out")
    assert again.written == () and set(again.skipped) == {f.path for f in plan.files}


def test_selected_files_only(
    mlflow_server: MlflowServer, registry: Registry, tmp_path: Path
) -> None:
    version = new_version(mlflow_server, "dl-model")
    plan = plan_download(registry, "dl-model", version, ["MLmodel"])
    run_download(registry, plan, tmp_path / "dest")
    assert sorted(p.name for p in (tmp_path / "dest").iterdir()) == [MANIFEST, "MLmodel"]
    with pytest.raises(RegistryError, match="not among the artifacts"):
        plan_download(registry, "dl-model", version, ["nope.bin"])


def test_a_second_version_never_mixes_into_the_first_ones_folder(
    mlflow_server: MlflowServer, registry: Registry, tmp_path: Path
) -> None:
    """#11.10: "already there" means written by this download for this version, unchanged."""
    v1 = new_version(mlflow_server, "dl-mix")
    v2 = new_version(mlflow_server, "dl-mix")
    dest = tmp_path / "d"
    run_download(registry, plan_download(registry, "dl-mix", v1), dest)
    first = tree_files(dest)
    with pytest.raises(DownloadConflict, match="another version") as info:
        run_download(registry, plan_download(registry, "dl-mix", v2), dest)
    assert "MLmodel" in info.value.paths
    assert tree_files(dest) == first  # nothing written
    result = run_download(registry, plan_download(registry, "dl-mix", v2), dest, overwrite=True)
    assert tree_files(dest) == uploaded(registry, "dl-mix", v2)
    assert set(result.replaced) == set(first)


def test_a_file_the_download_did_not_write_is_never_overwritten(
    mlflow_server: MlflowServer, registry: Registry, tmp_path: Path
) -> None:
    version = new_version(mlflow_server, "dl-own")
    dest = tmp_path / "d"
    dest.mkdir()
    (dest / "requirements.txt").write_text("my own pins\n")
    with pytest.raises(DownloadConflict, match="did not write") as info:
        run_download(registry, plan_download(registry, "dl-own", version), dest)
    assert info.value.paths == ["requirements.txt"]
    assert sorted(p.name for p in dest.iterdir()) == ["requirements.txt"]
    assert (dest / "requirements.txt").read_text() == "my own pins\n"
    # A file it wrote and the user changed afterwards is the user's now, too.
    other = tmp_path / "e"
    run_download(registry, plan_download(registry, "dl-own", version), other)
    (other / "MLmodel").write_text("edited")
    with pytest.raises(DownloadConflict):
        run_download(registry, plan_download(registry, "dl-own", version), other)


def test_legitimate_odd_names_download(
    mlflow_server: MlflowServer, registry: Registry, tmp_path: Path
) -> None:
    """#11.11: names starting with '..' and names of 255 bytes are files like any other."""
    long_name = "n" * 251 + ".bin"
    extra = {"..data/x.bin": b"dots", long_name: b"long", "..hidden": b"h"}
    version = new_version(mlflow_server, "dl-odd", extra)
    run_download(registry, plan_download(registry, "dl-odd", version), tmp_path / "d")
    files = tree_files(tmp_path / "d")
    assert files["..data/x.bin"] == b"dots" and files[long_name] == b"long"
    assert files["..hidden"] == b"h"


def test_cancel_half_way_leaves_no_partial_file(
    mlflow_server: MlflowServer, registry: Registry, tmp_path: Path
) -> None:
    version = new_version(mlflow_server, "big-model", {"weights.bin": BIG})
    plan = plan_download(registry, "big-model", version, ["weights.bin"])
    progress: list[DownloadProgress] = []
    dest = tmp_path / "dest"
    with pytest.raises(Cancelled):
        run_download(registry, plan, dest, progress.append, cancelled=lambda: bool(progress))
    assert progress and 0 < progress[-1].done_bytes < len(BIG)
    assert list(dest.iterdir()) == []  # no partial file, no staging folder
    run_download(registry, plan, dest)  # and it resumes cleanly
    assert (dest / "weights.bin").read_bytes() == BIG


def test_server_killed_mid_download_is_a_clear_error(
    tmp_path: Path, store: ProfileStore, secrets: SecretStore
) -> None:
    server = start_server(tmp_path / "doomed")
    try:
        version = new_version(server, "doomed-model", {"weights.bin": BIG})
        registry = open_registry(add_server_profile(store, secrets, server, "doomed"), secrets)
        plan = plan_download(registry, "doomed-model", version, ["weights.bin"])
        dest = tmp_path / "dest"

        def kill_on_first_bytes(progress: object) -> None:
            if server.process.poll() is None:  # a crash, not a graceful shutdown
                os.killpg(server.process.pid, signal.SIGKILL)
                server.process.wait(timeout=30)

        with pytest.raises(RegistryError) as info:
            run_download(registry, plan, dest, kill_on_first_bytes)
    finally:
        server.stop()
    assert info.value.kind is ErrorKind.NETWORK, info.value.message
    assert "cut off" in info.value.message or "reset" in info.value.message
    assert "doomed-model" in info.value.message or server.url in info.value.message
    assert [p.name for p in dest.iterdir()] == []


def test_basic_auth_download_uses_the_profiles_own_credentials(
    auth_server: MlflowServer, store: ProfileStore, secrets: SecretStore, tmp_path: Path
) -> None:
    assert not [k for k in os.environ if k.startswith("MLFLOW_TRACKING_")]
    version = new_version(auth_server, "secure-dl")
    profile = add_server_profile(store, secrets, auth_server, "sec", ADMIN_USER, ADMIN_PASSWORD)
    registry = open_registry(profile, secrets)
    run_download(registry, plan_download(registry, "secure-dl", version), tmp_path / "dest")
    assert tree_files(tmp_path / "dest") == uploaded(registry, "secure-dl", version)
    anonymous = open_registry(add_server_profile(store, secrets, auth_server, "anon"), secrets)
    with pytest.raises(RegistryError) as info:
        plan_download(anonymous, "secure-dl", version)
    assert info.value.kind is ErrorKind.AUTH


def test_snippet_runs_against_the_server_and_the_model_predicts(
    auth_server: MlflowServer, store: ProfileStore, secrets: SecretStore, tmp_path: Path
) -> None:
    version = new_version(auth_server, "snippet-model")
    profile = add_server_profile(store, secrets, auth_server, "sec", ADMIN_USER, ADMIN_PASSWORD)
    registry = open_registry(profile, secrets)
    detail_file = registry.read_model_file("snippet-model", version)
    summary = registry.get_version("snippet-model", version)
    code = load_snippet(profile, summary, detail_file)
    assert ADMIN_PASSWORD not in code
    assert "MLFLOW_TRACKING_PASSWORD" in code and "mlflow.sklearn.load_model" in code
    script = tmp_path / "snippet.py"
    script.write_text(
        code + "import pandas as pd\n"
        "print('PRED', list(model.predict(pd.DataFrame([[0.5, 0.1, 0.2], [-1, 0, 0]],"
        " columns=['a', 'b', 'c']))))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    env.update(MLFLOW_TRACKING_USERNAME=ADMIN_USER, MLFLOW_TRACKING_PASSWORD=ADMIN_PASSWORD)
    result = subprocess.run(
        [sys.executable, str(script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "PRED [" in result.stdout
    assert model_uris(summary)[0] == ("By version", f"models:/snippet-model/{version}")


def test_serve_locally_answers_and_stops(
    mlflow_server: MlflowServer, registry: Registry, tmp_path: Path
) -> None:
    version = new_version(mlflow_server, "served-model")
    ok, why = servable(registry.read_model_file("served-model", version))
    assert ok, why
    folder = tmp_path / "served"
    run_download(registry, plan_download(registry, "served-model", version), folder)
    server = LocalServer(folder)
    server.start()
    try:
        wait_until_serving(server)
        answer = requests.post(
            f"{server.url}/invocations",
            json={"dataframe_split": {"columns": ["a", "b", "c"], "data": [[1, 0, 0], [-1, 0, 0]]}},
            timeout=30,
        )
        assert answer.status_code == 200, "\n".join(server.log)
        assert len(answer.json()["predictions"]) == 2
    finally:
        server.stop()
    assert not server.is_running and server.exit_code is not None


def test_a_version_registered_from_a_runs_uri_is_read_through_its_run(
    mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore, tmp_path: Path
) -> None:
    """#24.13: create_model_version(source="runs:/<run>/model"), as MLflow documents it."""
    from tests.helpers.registry import create_run_with_model, ensure_model

    admin = admin_store(mlflow_server)
    ensure_model(admin, "runs-uri-model")
    run = create_run_with_model(mlflow_server)
    made = admin.create_model_version(
        "runs-uri-model", source=f"runs:/{run.info.run_id}/model", run_id=run.info.run_id
    )
    profile = add_server_profile(store, secrets, mlflow_server, "runs-uri")
    registry = open_registry(profile, secrets)
    try:
        location = registry.artifact_location("runs-uri-model", made.version)
        assert location == f"{run.info.artifact_uri}/model"
        assert registry.read_model_file("runs-uri-model", made.version).flavors
        plan = plan_download(registry, "runs-uri-model", made.version)
        run_download(registry, plan, tmp_path / "out")
    finally:
        registry.close()
    assert (tmp_path / "out" / "MLmodel").is_file()


def test_a_cancelled_model_download_leaves_none_of_its_files(
    mlflow_server: MlflowServer, registry: Registry, tmp_path: Path
) -> None:
    """#23.14: files that had finished (MLmodel, conda.yaml…) stayed after a cancel: a model
    folder without its weights, while the message said no partial file was left."""
    version = new_version(mlflow_server, "half-model", {"weights.bin": BIG})
    plan = plan_download(registry, "half-model", version)
    dest = tmp_path / "dest"
    seen: list[str] = []

    def cancel_once_a_file_is_in_place() -> bool:
        # (not "when weights.bin is reported": progress is reported at most every so often, and
        # on a fast loopback the whole file can arrive between two reports)
        return dest.is_dir() and any(p.is_file() for p in dest.iterdir())  # not the staging

    with pytest.raises(Cancelled) as info:
        run_download(
            registry,
            plan,
            dest,
            lambda p: seen.append(p.current),
            cancelled=cancel_once_a_file_is_in_place,
        )
    assert seen  # a file had finished (and was in place) before the cancel
    assert [p for p in dest.rglob("*")] == [], list(dest.rglob("*"))
    assert "removed again" in info.value.message and "nothing of it" in info.value.message
