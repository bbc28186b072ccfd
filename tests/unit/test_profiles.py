from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from modelyard.core.kinds import LocalSettings, MlflowServerSettings
from modelyard.core.model.errors import ProfileError
from modelyard.core.profiles.profile import Profile, ProfileStore, validation_message
from modelyard.core.runtime.paths import config_dir


def server_profile(name: str = "prod", **kw: object) -> Profile:
    settings = MlflowServerSettings.model_validate({"url": "https://mlflow.example.com/", **kw})
    return Profile(name=name, settings=settings)


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
    assert {p.name for p in store.directory.iterdir()} <= {"profiles.json", "profiles.json.bak"}


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mlflow.example.com", "must start with http"),
        ("", "enter the server's address"),
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


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "does not hold a list of profiles"),
    ],
)
def test_an_unreadable_file_loads_nothing_and_is_kept_aside_on_the_next_save(
    store: ProfileStore, content: bytes, why: str
) -> None:
    store.directory.mkdir(parents=True)
    store.path.write_bytes(content)
    assert store.list() == []  # the app starts; commands that need no profile work
    assert why in store.problems[0]
    assert store.path.read_bytes() == content  # untouched by reading
    store.add(server_profile())
    [aside] = store.directory.glob("profiles.json.unreadable-*")
    assert aside.read_bytes() == content
    assert [p.name for p in store.list()] == ["prod"]
    assert "kept as" in store.notes[0]


def test_a_byte_that_is_not_utf8_spoils_only_its_entry_and_is_written_back_as_it_was(
    store: ProfileStore,
) -> None:
    """#24.8: one bad byte in one field made every profile unusable, and the next save left only
    the new profile (the others' secrets orphaned in the keyring)."""
    good = server_profile().model_dump(mode="json", exclude_none=True)
    bad = b'{"id": "7e0c", "name": "caf\xe9", "settings": {"kind": "mlflow", "url": "http://h"}}'
    content = b'{"schema_version": 1, "profiles": [' + json.dumps(good).encode() + b", " + bad
    content += b"]}"
    store.directory.mkdir(parents=True)
    store.path.write_bytes(content)
    assert [p.name for p in store.list()] == ["prod"]
    [problem] = store.problems
    assert "Profile 2" in problem and "not UTF-8" in problem and "name" in problem
    other = Profile(name="dev", settings=MlflowServerSettings(url="http://dev"))
    store.add(other)
    assert [p.name for p in store.list()] == ["prod", "dev"]
    assert b'"caf\xe9"' in store.path.read_bytes()  # kept byte for byte, never dropped
    assert not list(store.directory.glob("profiles.json.unreadable-*"))


@pytest.mark.parametrize("blocker", ["folder", "huge"])
def test_a_profile_file_that_cannot_be_read_is_named_and_no_command_crashes(
    store: ProfileStore, blocker: str
) -> None:
    store.directory.mkdir(parents=True)
    if blocker == "folder":
        store.path.mkdir()
    else:
        with store.path.open("wb") as handle:
            handle.truncate(17 * 1024 * 1024)  # a sparse file: no 17 MB written
    assert store.list() == []
    assert "cannot be read" in store.problems[0] and str(store.path) in store.problems[0]
    with pytest.raises(ProfileError, match="moved away or fixed"):
        store.add(server_profile())
    assert store.path.is_dir() if blocker == "folder" else store.path.stat().st_size > 16e6


def test_the_profile_file_is_read_once_while_it_does_not_change(store: ProfileStore) -> None:
    store.add(server_profile())
    first = store._read()
    assert store._read().entries[0][1] is first.entries[0][1]  # not parsed again
    store.add(Profile(name="dev", settings=MlflowServerSettings(url="http://dev")))
    assert [p.name for p in store.list()] == ["prod", "dev"]  # a change is read


def test_newer_schema_is_read_but_never_rewritten(store: ProfileStore) -> None:
    store.directory.mkdir(parents=True)
    text = json.dumps({"schema_version": 99, "profiles": []})
    store.path.write_text(text)
    assert store.list() == [] and "newer Modelyard" in store.problems[0]
    with pytest.raises(ProfileError, match="newer Modelyard"):
        store.add(server_profile())
    assert store.path.read_text() == text


def test_invalid_and_duplicate_entries_are_named_and_kept(
    store: ProfileStore, tmp_path: Path
) -> None:
    good = server_profile("good")
    twin_name = server_profile("good")
    twin_id = server_profile("other").model_copy(update={"id": good.id})
    broken = {"name": "broken", "settings": {"kind": "mlflow", "url": "ftp://x"}}
    gone_ca = {
        "name": "tls",
        "settings": {"kind": "mlflow", "url": "https://h", "ca_bundle": str(tmp_path / "x.pem")},
    }
    entries = [good.model_dump(mode="json"), twin_name.model_dump(mode="json"), broken]
    entries += [twin_id.model_dump(mode="json"), gone_ca]
    store.directory.mkdir(parents=True)
    store.path.write_text(json.dumps({"schema_version": 1, "profiles": entries}))
    assert [p.name for p in store.list()] == ["good", "tls"]  # a missing CA file loads
    problems = " | ".join(store.problems)
    assert "Profile 2 ('good') has the name of an earlier profile" in problems
    assert "Profile 3 ('broken') is invalid" in problems
    assert "Profile 4 ('other') has the id of an earlier profile" in problems
    store.remove("tls")  # works although other entries are broken
    kept = json.loads(store.path.read_text())["profiles"]
    assert [e["name"] for e in kept] == ["good", "good", "broken", "other"]  # nothing lost
    assert store.mentions_id(good.id)
    store.remove("good")
    assert store.mentions_id(good.id)  # "other" still has that id: its secrets must stay
    assert (store.directory / "profiles.json.bak").exists()


def test_local_settings_resolve_paths(tmp_path: Path) -> None:
    settings = LocalSettings(path=str(tmp_path / "reg.db"))
    assert settings.artifact_dir == tmp_path / "reg-artifacts"


def test_an_entry_without_an_id_keeps_one_id_from_read_to_read(store: ProfileStore) -> None:
    store.directory.mkdir(parents=True)
    entry = {"name": "hand-made", "settings": {"kind": "mlflow", "url": "http://h"}}
    store.path.write_text(json.dumps({"schema_version": 1, "profiles": [entry]}))
    first, second = store.get("hand-made").id, store.get("hand-made").id
    assert first == second  # its keyring secrets stay findable
    store.add(server_profile("other"))
    assert store.get("hand-made").id == first  # and the id is written with the next save
    assert json.loads(store.path.read_text())["profiles"][0]["id"] == first
