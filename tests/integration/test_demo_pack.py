"""The shipped demo registry: it matches what packaging/build_demo.py builds, and installing it
puts it at home in its new place and in today's time."""

from __future__ import annotations

import json
import sqlite3
import tarfile
from pathlib import Path

import pytest

from modelyard.core.connectors import open_registry
from modelyard.core.demo_pack import MANIFEST, install, pack, shipped_archive, summary
from modelyard.core.history import recorded_events
from modelyard.core.profiles import LocalSettings, Profile
from modelyard.core.secrets import SecretStore

DAY_MS = 24 * 3600 * 1000


def _manifest(archive: Path) -> dict[str, object]:
    with tarfile.open(archive, "r:gz") as tar:
        member = tar.extractfile(MANIFEST)
        assert member is not None
        data: dict[str, object] = json.load(member)
    return data


def test_the_shipped_demo_matches_what_the_build_script_produces(tmp_path: Path) -> None:
    built = tmp_path / "built.tar.gz"
    pack(built)
    install(built, tmp_path / "fresh")
    install(shipped_archive(), tmp_path / "shipped")
    fresh = summary(tmp_path / "fresh" / "registry.db")
    shipped = summary(tmp_path / "shipped" / "registry.db")
    assert len(shipped["models"]) == 6 and len(shipped["versions"]) == 23
    assert shipped == fresh, "resources/demo/demo.tar.gz is stale: run packaging/build_demo.py"
    import mlflow

    assert _manifest(shipped_archive())["mlflow"] == mlflow.__version__


def test_install_relocates_files_and_brings_times_to_today(tmp_path: Path) -> None:
    archive = shipped_archive()
    manifest = _manifest(archive)
    built_at = int(str(manifest["built_at_ms"]))
    later = built_at + 30 * DAY_MS
    folder = tmp_path / "demo"
    install(archive, folder, now_ms=later)
    db = folder / "registry.db"
    with sqlite3.connect(db) as conn:
        newest = conn.execute("SELECT MAX(creation_time) FROM model_versions").fetchone()[0]
        events = conn.execute(
            "SELECT key, value FROM model_version_tags WHERE key LIKE 'modelyard.event.%'"
        ).fetchall()
        texts = conn.execute(
            "SELECT source FROM model_versions UNION ALL SELECT artifact_uri FROM runs "
            "UNION ALL SELECT artifact_location FROM experiments"
        ).fetchall()
    conn.close()
    assert later - 10 * DAY_MS < newest <= later  # the newest version is days old, not weeks
    assert events
    stamps = []
    for key, value in events:
        stamp = int(key.removeprefix("modelyard.event.").split(".")[0])
        [event] = recorded_events("1", {key: value})
        assert event.when is not None
        assert int(event.when.timestamp() * 1000) == stamp <= later  # key and value moved
        assert " UTC" in value.split('{"k":')[0]  # the plain-words line, re-dated too
        stamps.append(stamp)
    assert max(stamps) > built_at  # the latest events were days before the build: moved on
    old = str(manifest["artifacts_uri"])
    assert all(old not in t and t.startswith(folder.resolve().as_uri()) for (t,) in texts)
    profile = Profile(
        name="demo",
        settings=LocalSettings(path=str(db), artifacts=str(folder / "artifacts")),
    )
    registry = open_registry(profile, SecretStore())
    try:
        model_file = registry.read_model_file("churn-classifier", "4")
        assert "sklearn" in model_file.flavors
    finally:
        registry.close()
    assert not list(tmp_path.glob(".demo-installing-*"))  # nothing left from the staging


def test_the_demo_unpacks_on_a_python_without_extract_filters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Debian 12's Python 3.11.2 has no extractall(filter=…): the README's launch command failed
    there ("unexpected keyword argument 'filter'"). The same checks run by hand."""

    monkeypatch.delattr(tarfile, "data_filter")
    manifest = install(shipped_archive(), tmp_path / "demo")
    assert (tmp_path / "demo" / "registry.db").is_file() and manifest
    hostile = tmp_path / "hostile.tar.gz"
    with tarfile.open(hostile, "w:gz") as tar:
        link = tarfile.TarInfo("artifacts/escape")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(link)
    with pytest.raises(ValueError, match="not a plain file"):
        install(hostile, tmp_path / "other")
    assert not (tmp_path / "other").exists()
