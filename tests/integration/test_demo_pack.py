"""The shipped demo registry: it matches what packaging/build_demo.py builds, and installing it
puts it at home in its new place and in today's time."""

from __future__ import annotations

import json
import sqlite3
import tarfile
import tempfile
from pathlib import Path

import pytest

from modelyard.core.connectors import open_registry
from modelyard.core.connectors._seams import schema_revisions
from modelyard.core.demo.build import pack
from modelyard.core.demo.pack import (
    MANIFEST,
    NewerSchema,
    install,
    schema_revision,
    shipped_archive,
    summary,
)
from modelyard.core.kinds import LocalSettings
from modelyard.core.profiles.profile import Profile
from modelyard.core.profiles.secrets import SecretStore
from modelyard.core.reads.history import recorded_events

DAY_MS = 24 * 3600 * 1000


def _shipped_revision() -> str:
    with tarfile.open(shipped_archive(), "r:gz") as tar, tempfile.TemporaryDirectory() as tmp:
        data = tar.extractfile(tar.getmember("registry.db"))
        assert data is not None
        db = Path(tmp) / "peek.db"
        db.write_bytes(data.read())
        return schema_revision(db)


# The shipped demo is built by the newest MLflow of the supported range; run on the oldest (CI's
# floor run), this MLflow cannot open it and seeds the demo instead (tested below either way).
PACK_FITS = _shipped_revision() in schema_revisions()
needs_pack = pytest.mark.skipif(
    not PACK_FITS, reason="the shipped demo was built by a newer MLflow than this one"
)


def _manifest(archive: Path) -> dict[str, object]:
    with tarfile.open(archive, "r:gz") as tar:
        member = tar.extractfile(MANIFEST)
        assert member is not None
        data: dict[str, object] = json.load(member)
    return data


@needs_pack
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


@needs_pack
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


@needs_pack
def test_an_archive_from_a_newer_mlflow_is_not_unpacked_over_the_demo(tmp_path: Path) -> None:
    """The installed MLflow does not know the archive's schema revision (it is older than the
    MLflow that built the archive): install refuses before touching the folder, naming both; the
    archive's own revision is among those this MLflow knows (so the shipped demo is used)."""
    archive = shipped_archive()
    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / "keep.txt").write_text("as it was")
    known = schema_revisions()
    with pytest.raises(NewerSchema) as refused:
        install(archive, folder, known=known - {_shipped_revision()})
    assert "unknown to this MLflow" in str(refused.value) and refused.value.built_with
    assert [p.name for p in folder.iterdir()] == ["keep.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".demo-installing-")]
    install(archive, folder, known=known)  # the installed MLflow knows it: unpacked
    assert (folder / "registry.db").is_file()


def test_the_demo_is_trained_here_when_this_mlflow_cannot_open_the_archive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An MLflow older than the archive's: the demo is seeded here (real training, ≈10 s) and
    opens with this MLflow."""
    from modelyard.core.connectors import _seams
    from modelyard.core.demo.registry import ensure_demo
    from modelyard.core.profiles.profile import ProfileStore

    monkeypatch.setattr(_seams, "schema_revisions", lambda: {"an-older-mlflow"})
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    profile = ensure_demo(ProfileStore(tmp_path / "profiles"))
    db = Path(profile.settings.path)  # type: ignore[union-attr]
    assert schema_revision(db) in schema_revisions()  # written by this MLflow
    assert {m[0] for m in summary(db)["models"]} >= {"churn-classifier", "fraud-detector"}
