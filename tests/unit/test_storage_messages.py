"""Files kept in storage Modelyard cannot read are named with what would read them."""

from __future__ import annotations

import sys

import pytest

from modelyard.core.connectors._artifacts import ArtifactAccess
from modelyard.core.model.errors import ErrorKind, RegistryError


def test_missing_storage_sdk_is_named_and_unknown_schemes_are_not_given_wrong_advice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)
    monkeypatch.setitem(sys.modules, "botocore", None)
    access = ArtifactAccess()
    with pytest.raises(RegistryError) as s3:
        access.list_dir("s3://bucket/models/1")
    assert s3.value.kind is ErrorKind.INVALID
    assert "needs boto3 (pip install boto3)" in str(s3.value)
    with pytest.raises(RegistryError) as opened:
        access.open("s3://bucket/models/1", "MLmodel")
    assert "needs boto3" in str(opened.value)
    with pytest.raises(RegistryError) as unknown:
        access.list_dir("azureml://datastores/store/paths/model")
    message = str(unknown.value)
    assert "cannot read files kept at azureml: locations" in message
    assert "boto3" not in message and "SDK" not in message
