"""A profile's own artifact store: kept in the profile file without its secret."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from modelyard.core.profiles import MlflowServerSettings, Profile, secret_fields
from modelyard.core.stores import S3Store


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
