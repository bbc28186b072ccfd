from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from modelyard.core.errors import ProfileError
from modelyard.core.paths import config_dir
from modelyard.core.profiles import (
    LocalSettings,
    MlflowServerSettings,
    Profile,
    ProfileStore,
    validation_message,
)


def server_profile(name: str = "prod", **kw: object) -> Profile:
    return Profile(
        name=name, settings=MlflowServerSettings(url="https://mlflow.example.com/", **kw)
    )  # type: ignore[arg-type]


def test_store_lives_under_xdg_config_home(tmp_path: Path) -> None:
    assert config_dir() == tmp_path / "xdg_config_home" / "modelyard"
    assert ProfileStore().path == config_dir() / "profiles.json"


def test_round_trip_keeps_every_field(store: ProfileStore) -> None:
    profile = server_profile(auth="basic", username="ana", insecure_tls=True)
    store.add(profile)
    loaded = ProfileStore().get("prod")
    assert loaded == profile
    assert loaded.settings.url == "https://mlflow.example.com"  # type: ignore[union-attr]
    data = json.loads(store.path.read_text())
    assert data["schema_version"] == 1
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600


def test_get_by_uuid_and_remove(store: ProfileStore) -> None:
    profile = store.add(server_profile())
    assert store.get(profile.id).name == "prod"
    store.remove("prod")
    assert store.list() == []
    with pytest.raises(ProfileError, match="No profile named 'prod'"):
        store.get("prod")


def test_duplicate_names_are_refused(store: ProfileStore) -> None:
    store.add(server_profile())
    with pytest.raises(ProfileError, match="exists already"):
        store.add(server_profile())


def test_replace_keeps_identity(store: ProfileStore) -> None:
    profile = store.add(server_profile())
    store.replace(profile.model_copy(update={"label": "prod"}))
    assert [p.label for p in store.list()] == ["prod"]


def test_failed_write_leaves_previous_file_intact(
    store: ProfileStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.add(server_profile())
    before = store.path.read_bytes()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        store.add(server_profile("second"))
    assert store.path.read_bytes() == before
    assert [p.name for p in store.directory.iterdir()] == ["profiles.json"]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mlflow.example.com", "must start with http"),
        ("https://ana:secret@mlflow.example.com", "not in the URL"),
        ("https://", "no host name"),
        ("http://host:99999", "port"),
    ],
)
def test_bad_urls_are_explained(url: str, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        MlflowServerSettings(url=url)
    text = validation_message(info.value)
    assert message in text
    assert "secret" not in text


def test_basic_auth_needs_username() -> None:
    with pytest.raises(ValidationError, match="needs a username"):
        MlflowServerSettings(url="http://h", auth="basic")


def test_missing_ca_bundle_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="no such file"):
        MlflowServerSettings(url="https://h", ca_bundle=str(tmp_path / "nope.pem"))


def test_corrupt_file_gives_clear_error(store: ProfileStore) -> None:
    store.directory.mkdir(parents=True)
    store.path.write_text("{not json")
    with pytest.raises(ProfileError, match="not valid JSON"):
        store.list()


def test_newer_schema_is_refused(store: ProfileStore) -> None:
    store.directory.mkdir(parents=True)
    store.path.write_text(json.dumps({"schema_version": 99, "profiles": []}))
    with pytest.raises(ProfileError, match="newer Modelyard"):
        store.list()


def test_local_settings_resolve_paths(tmp_path: Path) -> None:
    settings = LocalSettings(path=str(tmp_path / "reg.db"))
    assert settings.artifact_dir == tmp_path / "reg-artifacts"
