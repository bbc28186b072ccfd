"""A profile's own artifact store: kept in the profile file without its secret."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from modelyard.core.kinds import MlflowServerSettings
from modelyard.core.profiles.profile import Profile, secret_fields
from modelyard.core.profiles.stores import S3Store


def test_the_store_survives_the_profile_file_and_names_its_secrets() -> None:
    store = S3Store(endpoint_url="http://minio.lan:9000/", access_key_id=" AKIA1 ")
    assert (store.endpoint_url, store.access_key_id) == ("http://minio.lan:9000", "AKIA1")
    profile = Profile(name="p", settings=MlflowServerSettings(url="http://x:5000", store=store))
    again = Profile.model_validate_json(profile.model_dump_json())
    assert again == profile
    assert secret_fields(profile.settings) == ("s3_secret",)
    with_token = MlflowServerSettings(
        url="http://x:5000", auth="token", store=store.model_copy(update={"session_token": True})
    )
    assert secret_fields(with_token) == ("token", "s3_secret", "s3_session_token")
    machine = MlflowServerSettings(url="http://x:5000", store=S3Store(aws_profile="prod"))
    assert secret_fields(machine) == ()
    assert S3Store(region="eu-1").describe() == "AWS S3 (eu-1) (this machine's AWS credentials)"
    assert store.describe() == "S3 at http://minio.lan:9000 (key AKIA1)"


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"endpoint_url": "minio.lan:9000"}, "the S3 endpoint is a URL"),
        ({"access_key_id": "AKIA1", "aws_profile": "prod"}, "not both"),
        ({"session_token": True}, "a session token goes with an access key"),
        ({"endpoint": "http://x"}, "Extra inputs"),
    ],
)
def test_a_store_that_cannot_work_is_refused_in_words(
    values: dict[str, object], words: str
) -> None:
    with pytest.raises(ValidationError) as info:
        S3Store.model_validate(values)
    assert words in str(info.value)


def test_an_azure_blob_store_keeps_which_secret_it_has_and_survives_the_file() -> None:
    from modelyard.core.profiles.stores import AzureBlobStore

    store = AzureBlobStore(account_url="http://127.0.0.1:10000/devstoreaccount1/", auth="sas")
    assert store.account_url == "http://127.0.0.1:10000/devstoreaccount1"
    settings = MlflowServerSettings(url="http://x:5000", store=store)
    again = MlflowServerSettings.model_validate_json(settings.model_dump_json())
    assert again.store == store and isinstance(again.store, AzureBlobStore)
    assert secret_fields(settings) == ("azure_storage_secret",)
    assert store.describe() == "Azure Blob at http://127.0.0.1:10000/devstoreaccount1 (a SAS token)"
    with pytest.raises(ValidationError, match="the account URL is a URL"):
        AzureBlobStore(account_url="myaccount")
    with pytest.raises(ValidationError):
        AzureBlobStore.model_validate({"auth": "password"})


def test_the_location_of_a_version_in_azure_blob_is_parsed_or_refused() -> None:
    from modelyard.core.connectors._azure_blob import split_location
    from modelyard.core.model.errors import RegistryError

    assert split_location("wasbs://models@acct.blob.core.windows.net/mlflow/1/abc/artifacts") == (
        "models",
        "acct",
        "core.windows.net",
        "mlflow/1/abc/artifacts",
    )
    with pytest.raises(RegistryError, match="Not an Azure Blob location"):
        split_location("wasbs://acct.blob.core.windows.net/x")


def test_a_gcs_store_names_its_key_file_and_keeps_no_secret() -> None:
    from modelyard.core.profiles.stores import GcsStore

    store = GcsStore(endpoint_url="http://127.0.0.1:9023/", key_file=" /keys/sa.json ")
    assert (store.endpoint_url, store.key_file) == ("http://127.0.0.1:9023", "/keys/sa.json")
    settings = MlflowServerSettings(url="http://x:5000", store=store)
    again = MlflowServerSettings.model_validate_json(settings.model_dump_json())
    assert again.store == store and isinstance(again.store, GcsStore)
    assert secret_fields(settings) == ()  # the key stays in the user's own file
    assert store.describe() == "GCS at http://127.0.0.1:9023 (key file /keys/sa.json)"
    assert GcsStore().describe() == "GCS at Google Cloud Storage (application default credentials)"
    with pytest.raises(ValidationError, match="the GCS endpoint is a URL"):
        GcsStore(endpoint_url="storage.googleapis.com")
    with pytest.raises(ValidationError, match="not both"):
        GcsStore(key_file="/k.json", anonymous=True)


def test_the_location_of_a_version_in_gcs_is_parsed_or_refused() -> None:
    from modelyard.core.connectors._gcs import is_gcs, split_location
    from modelyard.core.model.errors import RegistryError

    assert split_location("gs://models/mlflow/1/abc/artifacts/") == (
        "models",
        "mlflow/1/abc/artifacts",
    )
    assert is_gcs("gs://b/x") and not is_gcs("s3://b/x")
    with pytest.raises(RegistryError, match="Not a GCS location"):
        split_location("gs:///x")


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (["--gcs-key-file", "/k.json", "--gcs-anonymous"], "not both"),
        (["--gcs-anonymous", "--s3-region", "eu-1"], "the options of one artifact store"),
        (["--gcs-anonymous", "--azure-key-stdin"], "the options of one artifact store"),
        (["--s3-access-key-id", "AKIA1"], "needs --s3-secret-stdin"),
        (["--azure-key-stdin", "--azure-cli"], "exactly one of"),
        (["--azure-client-secret-stdin", "--azure-client-id", "c1"], "tenant id and client id"),
    ],
)
def test_store_options_that_cannot_work_are_refused_before_anything_is_saved(
    options: list[str], words: str, store: object
) -> None:
    from tests.helpers.cli import run

    code, _out, err = run(
        "profiles", "add", "--kind", "mlflow", "--name", "p", "--url", "http://x:5000", *options,
        stdin="secret\n",
    )  # fmt: skip
    assert code != 0 and words in err
    code, out, _err = run("profiles", "list", "--json")
    assert code == 0 and '"p"' not in out


def test_a_gcs_key_file_is_kept_as_an_absolute_path(
    store: object, tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pathlib import Path

    from modelyard.core.profiles.profile import ProfileStore
    from tests.helpers.cli import run

    assert isinstance(tmp_path, Path)
    monkeypatch.chdir(tmp_path)
    code, _out, err = run(
        "profiles", "add", "--kind", "mlflow", "--name", "p", "--url", "http://x:5000",
        "--gcs-key-file", "keys/sa.json",
    )  # fmt: skip
    assert code == 0, err
    settings = ProfileStore().get("p").settings
    assert isinstance(settings, MlflowServerSettings) and settings.store is not None
    assert settings.store.model_dump()["key_file"] == str(tmp_path / "keys" / "sa.json")


def test_an_azure_blob_store_signed_in_with_microsoft_entra_keeps_only_a_client_secret() -> None:
    from modelyard.core.profiles.stores import AzureBlobStore

    principal = AzureBlobStore(auth="service-principal", tenant_id=" t1 ", client_id="c1")
    assert (principal.tenant_id, principal.client_id) == ("t1", "c1")
    assert secret_fields(MlflowServerSettings(url="http://x", store=principal)) == (
        "azure_storage_secret",
    )
    assert principal.describe() == "Azure Blob at Azure (service principal c1 of tenant t1)"
    cli = AzureBlobStore(auth="azure-cli", tenant_id="t1")
    assert secret_fields(MlflowServerSettings(url="http://x", store=cli)) == ()
    with pytest.raises(ValidationError, match="needs its tenant id and client id"):
        AzureBlobStore(auth="service-principal", client_id="c1")
    with pytest.raises(ValidationError, match="goes with Microsoft Entra sign-in"):
        AzureBlobStore(auth="key", tenant_id="t1")


def test_the_snippet_of_an_entra_store_names_the_principal_never_its_secret() -> None:
    from modelyard.core.model.domain import VersionSummary
    from modelyard.core.profiles.stores import AzureBlobStore
    from modelyard.core.reads.snippet import load_snippet

    store = AzureBlobStore(auth="service-principal", tenant_id="t1", client_id="c1")
    profile = Profile(name="p", settings=MlflowServerSettings(url="http://x", store=store))
    code = load_snippet(profile, VersionSummary("m", "1"), None)
    assert "AZURE_TENANT_ID=t1" in code and "AZURE_CLIENT_ID=c1" in code
    assert "AZURE_CLIENT_SECRET=<client secret>" in code
