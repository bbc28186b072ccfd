"""`modelyard profiles add/test/export/import` for every kind, against real servers and the
contract stand-in for Databricks."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelyard.core.kinds import DatabricksUCSettings
from modelyard.core.profiles.profile import ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from tests.helpers.cli import add_admin_profile, run
from tests.support.contract_server import Contract, contract_server
from tests.support.memory_keyring import MemoryKeyring
from tests.support.servers import ADMIN_PASSWORD, MlflowServer, free_port


@pytest.fixture()
def contract(mlflow_server: MlflowServer) -> Iterator[Contract]:
    with contract_server(mlflow_server.url) as running:
        yield running


def test_contract_add_databricks_uc_and_test(contract: Contract) -> None:
    token = contract.issue("uc-user@example.com")
    code, out, err = run(
        "profiles",
        "add",
        "--name",
        "uc",
        "--kind",
        "databricks-uc",
        "--host",
        contract.url,
        "--catalog",
        "main",
        "--token-stdin",
        "--label",
        "prod",
        stdin=token + "\n",
    )
    assert code == 0, err
    profile = ProfileStore().get("uc")
    assert isinstance(profile.settings, DatabricksUCSettings)
    assert profile.settings.default_catalog == "main" and profile.label == "prod"
    assert SecretStore().get(profile.id, "token") == token
    assert token not in ProfileStore().path.read_text()
    code, out, err = run("profiles", "test", "uc")
    assert code == 0, err
    assert out.startswith("OK: Connected") and "uc-user@example.com" in out


def test_profiles_test_explains_failure_with_exit_1(auth_server: MlflowServer) -> None:
    code, _, err = add_admin_profile(auth_server, "wrong", "wrong-password")
    assert code == 0, err
    code, _, err = run("profiles", "test", "wrong")
    assert code == 1
    assert "FAILED: Sign-in refused (401)" in err and "wrong-password" not in err
    run(
        "profiles",
        "add",
        "--name",
        "down",
        "--kind",
        "mlflow",
        "--url",
        f"http://127.0.0.1:{free_port()}",
    )
    code, _, err = run("profiles", "test", "down")
    assert code == 1 and "Connection refused" in err


def test_add_refuses_bad_input_in_words() -> None:
    code, _, err = run(
        "profiles",
        "add",
        "--name",
        "x",
        "--kind",
        "azureml",
        "--tracking-uri",
        "https://example.com/nope",
    )
    assert code == 1 and "not an AzureML MLflow tracking URI" in err
    code, _, err = run(
        "profiles",
        "add",
        "--name",
        "x",
        "--kind",
        "databricks",
        "--host",
        "adb-1.azuredatabricks.net",
        "--auth",
        "pat",
    )
    assert code == 1 and "--token-stdin" in err
    code, _, err = run(
        "profiles", "add", "--name", "x", "--kind", "databricks", "--url", "http://x"
    )
    assert code == 1 and "does not take --url" in err
    assert ProfileStore().list() == []


def test_azureml_from_tracking_uri() -> None:
    uri = (
        "azureml://westeurope.api.azureml.ms/mlflow/v1.0/subscriptions/"
        "0b4f5f0e-1111-2222-3333-444455556666/resourceGroups/rg-ml/providers/"
        "Microsoft.MachineLearningServices/workspaces/ws-prod"
    )
    code, out, err = run(
        "profiles",
        "add",
        "--name",
        "aml",
        "--kind",
        "azureml",
        "--tracking-uri",
        uri,
        "--auth",
        "azure-cli",
    )
    assert code == 0, err
    assert "ws-prod (rg-ml, westeurope)" in out


def test_azureml_in_a_sovereign_cloud() -> None:
    code, out, err = run(
        "profiles",
        "add",
        "--name",
        "gov",
        "--kind",
        "azureml",
        "--subscription",
        "0b4f5f0e-1111-2222-3333-444455556666",
        "--resource-group",
        "rg-ml",
        "--workspace",
        "ws-gov",
        "--region",
        "usgovvirginia",
        "--cloud",
        "usgov",
        "--auth",
        "azure-cli",
    )
    assert code == 0, err
    assert "ws-gov (rg-ml, usgovvirginia, Azure Government)" in out
    settings = ProfileStore().get("gov").settings
    assert settings.base_url.startswith("https://usgovvirginia.api.ml.azure.us/")  # type: ignore[union-attr]
    assert settings.authority == "login.microsoftonline.us"  # type: ignore[union-attr]
    code, out, err = run(
        "profiles",
        "add",
        "--name",
        "private",
        "--kind",
        "azureml",
        "--subscription",
        "0b4f5f0e-1111-2222-3333-444455556666",
        "--resource-group",
        "rg-ml",
        "--workspace",
        "ws-p",
        "--region",
        "westeurope",
        "--api-host",
        "ml.internal.example.com",
        "--authority-host",
        "login.example.com",
    )
    assert code == 0, err
    private = ProfileStore().get("private").settings
    assert private.base_url.startswith("https://ml.internal.example.com/mlflow/")  # type: ignore[union-attr]
    assert private.authority == "login.example.com"  # type: ignore[union-attr]


def test_export_then_import_without_secrets(auth_server: MlflowServer, tmp_path: Path) -> None:
    assert add_admin_profile(auth_server, "shared")[0] == 0
    out_file = tmp_path / "profiles.json"
    code, out, err = run("profiles", "export", str(out_file))
    assert code == 0, err
    text = out_file.read_text()
    assert ADMIN_PASSWORD not in text and json.loads(text)["profiles"][0]["name"] == "shared"
    run("profiles", "remove", "shared")
    code, out, err = run("profiles", "import", str(out_file))
    assert code == 0, err
    assert "added    'shared'" in out
    code, out, _ = run("profiles", "import", str(out_file))
    assert "skipped" in out  # same settings: not imported twice
    assert len(ProfileStore().list()) == 1
    bad = tmp_path / "bad.json"
    bad.write_text('{"hello": 1}')
    code, _, err = run("profiles", "import", str(bad))
    assert code == 1 and "not a Modelyard profile export" in err


def test_import_what_the_machine_has(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "https://mlflow.example.com")
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "ana")
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "env-password-123")
    monkeypatch.setenv("MLFLOW_TRACKING_INSECURE_TLS", "true")
    home = Path(os.environ["HOME"])
    (home / ".databrickscfg").write_text(
        "[DEFAULT]\nhost = https://adb-111.azuredatabricks.net\ntoken = dapi-file-token\n\n"
        "[staging]\nhost = https://adb-222.azuredatabricks.net\nauth_type = databricks-cli\n"
        "[acct]\nhost = https://accounts.cloud.databricks.com\n"
    )
    code, out, err = run("profiles", "import")
    assert code == 0, err
    store = ProfileStore()
    names = {p.name: p for p in store.list()}
    assert set(names) == {"mlflow-mlflow.example.com", "databricks-default", "databricks-staging"}
    server = names["mlflow-mlflow.example.com"]
    assert server.settings.model_dump()["insecure_tls"] is True
    assert SecretStore().get(server.id, "password") == "env-password-123"
    config_text = store.path.read_text()
    assert "env-password-123" not in config_text and "dapi-file-token" not in config_text
    code, out, _ = run("profiles", "import")
    assert out.count("skipped") == 3


def test_secrets_are_only_in_the_keyring_after_a_session(
    auth_server: MlflowServer,
    contract: Contract,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """Add, test, list, fail and export with several kinds; then grep every file we own and
    every log line for the secret values."""
    caplog.set_level("DEBUG")
    token = contract.issue("someone@example.com")
    secrets_used = [ADMIN_PASSWORD, "wrong-password-42", token]
    assert add_admin_profile(auth_server, "good")[0] == 0
    add_admin_profile(auth_server, "bad", "wrong-password-42")
    run(
        "profiles",
        "add",
        "--name",
        "dbx",
        "--kind",
        "databricks",
        "--host",
        contract.url,
        "--token-stdin",
        stdin=token + "\n",
    )
    outputs = []
    for args in (
        ("profiles", "test", "good"),
        ("profiles", "test", "bad"),
        ("profiles", "test", "dbx"),
        ("ls", "good"),
        ("ls", "bad"),
        ("profiles", "list", "--json"),
        ("profiles", "export", "-"),
    ):
        outputs.append("".join(run(*args)[1:]))
    printed = "\n".join(outputs) + caplog.text + "".join(capfd.readouterr())
    owned = [Path(os.environ[v]) for v in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME")]
    files = [p for d in owned if d.exists() for p in d.rglob("*") if p.is_file()]
    assert any(p.name == "profiles.json" for p in files)
    for secret in secrets_used:
        assert secret not in printed
        for path in files:
            assert secret.encode() not in path.read_bytes(), path


@pytest.mark.parametrize(
    "url",
    [
        "htp://alice:PW-s3cret-42@host",
        "http://alice:PW-s3cret-42@:5102",
        "http://alice:PW-s3cret-42@host:notaport",
        "ftp://alice:PW-s3cret-42@host/x",
    ],
)
def test_a_password_typed_into_a_bad_url_is_never_printed(url: str) -> None:
    code, out, err = run("profiles", "add", "--name", "p", "--kind", "mlflow", "--url", url)
    assert code == 1
    assert "PW-s3cret-42" not in out + err
    assert err.strip()  # still says what is wrong
    assert ProfileStore().list() == []


def test_import_takes_credentials_out_of_the_tracking_uri_and_never_prints_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from modelyard.core.profiles.importers import discover

    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://alice:PW-s3cret-42@mlflow.example.com:5000")
    code, out, err = run("profiles", "import", "--dry-run")
    assert code == 0, err
    assert "PW-s3cret-42" not in out + err
    assert "would add 'mlflow-mlflow.example.com'" in out
    [candidate] = discover().candidates
    assert "PW-s3cret-42" not in repr(candidate)
    assert candidate.secrets == {"password": "PW-s3cret-42"}
    assert candidate.profile.settings.model_dump()["url"] == "http://mlflow.example.com:5000"
    code, out, err = run("profiles", "import")
    assert code == 0 and "PW-s3cret-42" not in out + err + ProfileStore().path.read_text()
    profile = ProfileStore().get("mlflow-mlflow.example.com")
    assert SecretStore().get(profile.id, "password") == "PW-s3cret-42"


def test_a_broken_profile_file_never_stops_commands_and_is_never_lost() -> None:
    """#11.13, #24.8: not UTF-8 → named, not fatal; the next save keeps the entry byte for
    byte (it is not dropped, and the file is not set aside)."""
    store = ProfileStore()
    store.directory.mkdir(parents=True)
    store.path.write_bytes(b'{"profiles": [{"name": "caf\xe9"}]}')
    code, _, err = run("profiles", "list")
    assert code == 0 and "not UTF-8" in err and "Traceback" not in err
    code, _, err = run("profiles", "add", "--name", "p", "--kind", "mlflow", "--url", "http://h")
    assert code == 0, err
    assert b'"name": "caf\xe9"' in store.path.read_bytes()
    assert [p.name for p in ProfileStore().list()] == ["p"]
    assert not list(store.directory.glob("profiles.json.unreadable-*"))


def test_a_profile_whose_ca_bundle_is_gone_loads_and_can_be_removed(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    code, _, err = run(
        "profiles", "add", "--name", "tls", "--kind", "mlflow", "--url", "https://h",
        "--ca-bundle", str(ca),
    )  # fmt: skip
    assert code == 0, err
    run("profiles", "add", "--name", "other", "--kind", "mlflow", "--url", "http://o")
    ca.unlink()
    code, out, err = run("profiles", "list")
    assert code == 0 and "tls" in out and "other" in out, err
    code, out, err = run("profiles", "remove", "tls")
    assert code == 0, err
    assert [p.name for p in ProfileStore().list()] == ["other"]


def test_a_failed_save_leaves_no_secret_in_the_keyring(
    isolated_user: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    """#11.14: the password typed on stdin must not stay behind in the keyring when the profile
    cannot be saved — whether the folder is unusable or the write itself fails."""
    store = ProfileStore()
    store.directory.parent.mkdir(parents=True, exist_ok=True)
    store.directory.write_text("not a folder")
    args = ["profiles", "add", "--name", "p", "--kind", "mlflow", "--url", "http://h"]
    args += ["--username", "ana", "--password-stdin"]
    code, _, err = run(*args, stdin="orphan-secret-123\n")
    assert code == 1 and "profile" in err, err
    assert isolated_user.items == {}
    store.directory.unlink()
    real_replace = os.replace

    def disk_full(src: str, dst: str) -> None:
        if str(dst).endswith("profiles.json"):
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", disk_full)
    code, _, err = run(*args, stdin="orphan-secret-123\n")
    assert code == 1 and "No space left" in err, err
    assert isolated_user.items == {}  # the keyring was put back as it was
    assert ProfileStore().list() == []


def test_the_wait_for_answers_is_set_per_profile() -> None:
    args = ["profiles", "add", "--name", "slow", "--kind", "mlflow", "--url", "http://h"]
    code, _, err = run(*args, "--timeout", "30")
    assert code == 0, err
    assert ProfileStore().get("slow").timeouts.read == 30.0
    code, _, err = run(*[a if a != "slow" else "bad" for a in args], "--timeout", "0")
    assert code == 2 and "0.5" in err
