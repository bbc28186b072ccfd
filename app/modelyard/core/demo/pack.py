"""The demo registry, built once at development time and shipped: first launch in a second.

``packaging/build_demo.py`` trains the demo models for real (``build.pack``: scikit-learn,
logged through MLflow into a local sqlite registry) and packs the result with a manifest into
``resources/demo/demo.tar.gz`` (package data, about 0.2 MB). Installing it unpacks the archive
next to its final place, rewrites the artifact locations stored in the registry to that place,
shifts every timestamp by the time since the build (so "Production since 3 days" stays true,
also in recorded history events), and only then moves it into place and writes the marker.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import time
from contextlib import closing
from pathlib import Path
from typing import Any

from modelyard.assets import resource_path

FORMAT = 1
MANIFEST = "demo.json"
EVENT_PREFIX = "modelyard.event."
# (table, artifact-location columns, time columns in milliseconds)
TABLES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("experiments", ("artifact_location",), ("creation_time", "last_update_time")),
    ("runs", ("artifact_uri",), ("start_time", "end_time", "deleted_time")),
    ("model_versions", ("source", "storage_location"), ("creation_time", "last_updated_time")),
    ("registered_models", (), ("creation_time", "last_updated_time")),
    ("metrics", (), ("timestamp",)),
    ("latest_metrics", (), ("timestamp",)),
    (
        "logged_models",
        ("artifact_location",),
        ("creation_timestamp_ms", "last_updated_timestamp_ms"),
    ),
)


def shipped_archive() -> Path:
    """The demo archive inside the package."""
    return resource_path("demo", "demo.tar.gz")


def _extract(tar: tarfile.TarFile, into: Path) -> None:
    """Unpack only plain files and folders that stay inside ``into``: the "data" filter where
    Python has it (3.11.4+), the same checks by hand on older 3.11 (Debian 12 ships 3.11.2,
    whose extractall has no filter argument)."""
    if hasattr(tarfile, "data_filter"):
        tar.extractall(into, filter="data")
        return
    root = into.resolve()
    members = []
    for member in tar.getmembers():
        target = (into / member.name).resolve()
        if not (member.isfile() or member.isdir()) or not target.is_relative_to(root):
            raise ValueError(f"demo archive member {member.name!r} is not a plain file inside it")
        members.append(member)
    tar.extractall(into, members=members)  # every member checked above


class NewerSchema(Exception):
    """The archive's registry was written by an MLflow newer than the installed one."""

    def __init__(self, revision: str, built_with: str) -> None:
        super().__init__(f"schema {revision} (MLflow {built_with}) is unknown to this MLflow")
        self.revision = revision
        self.built_with = built_with


def schema_revision(db: Path) -> str:
    """The MLflow schema revision of a registry file (alembic's table)."""
    with closing(sqlite3.connect(db)) as conn:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return str(row[0]) if row else ""


def install(
    archive: Path, folder: Path, now_ms: int | None = None, known: set[str] | None = None
) -> dict[str, Any]:
    """Unpack the demo into ``folder`` (replacing what is there), at home in its new place and
    in today's time. Atomic: until the final rename, ``folder`` is untouched. With ``known``
    (the schema revisions the installed MLflow can open), an archive whose registry has another
    revision raises NewerSchema and leaves ``folder`` as it was."""
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-installing-", dir=folder.parent))
    try:
        with tarfile.open(archive, "r:gz") as tar:
            _extract(tar, staging)
        manifest: dict[str, Any] = json.loads((staging / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT:
            raise ValueError(f"demo archive format {manifest.get('format')!r} is not {FORMAT}")
        if known is not None:
            revision = schema_revision(staging / "registry.db")
            if revision not in known:
                raise NewerSchema(revision, str(manifest.get("mlflow", "?")))
        target_uri = (folder / "artifacts").resolve().as_uri()
        relocate(
            staging / "registry.db",
            str(manifest["artifacts_uri"]),
            target_uri,
            now_ms - int(manifest["built_at_ms"]),
        )
        (staging / MANIFEST).unlink()
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest


def relocate(db: Path, old_uri: str, new_uri: str, shift_ms: int) -> None:
    """Point the registry's artifact locations at ``new_uri`` and move its times by
    ``shift_ms`` (our own freshly unpacked file: plain SQL is safe here)."""
    with sqlite3.connect(db) as conn:
        present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        for table, locations, times in TABLES:
            if table not in present:
                continue
            sets = [f"{c} = REPLACE({c}, :old, :new)" for c in locations]
            sets += [f"{c} = {c} + :shift" for c in times]
            conn.execute(
                f"UPDATE {table} SET {', '.join(sets)}",
                {"old": old_uri, "new": new_uri, "shift": shift_ms},
            )
        _shift_events(conn, shift_ms)
    conn.close()


def _shift_events(conn: sqlite3.Connection, shift_ms: int) -> None:
    """Recorded history events carry their time in the tag key and in the value."""
    from modelyard.core.reads.history import shifted_event

    rows = conn.execute(
        "SELECT name, version, key, value FROM model_version_tags WHERE key LIKE ?",
        (EVENT_PREFIX + "%",),
    ).fetchall()
    for name, version, key, value in rows:
        moved = shifted_event(str(version), key, value, shift_ms)
        if moved is None:
            continue
        conn.execute(
            "UPDATE model_version_tags SET key = ?, value = ? "
            "WHERE name = ? AND version = ? AND key = ?",
            (*moved, name, version, key),
        )


def summary(db: Path) -> dict[str, Any]:
    """What the demo holds, independent of paths and times: models, versions, stages, aliases,
    descriptions and each run's final metric values (to compare a build with the shipped one)."""
    with sqlite3.connect(db) as conn:
        versions = conn.execute(
            "SELECT name, version, current_stage, description, run_id FROM model_versions "
            "ORDER BY name, version"
        ).fetchall()
        aliases = conn.execute(
            "SELECT name, alias, version FROM registered_model_aliases ORDER BY name, alias"
        ).fetchall()
        models = conn.execute(
            "SELECT name, description FROM registered_models ORDER BY name"
        ).fetchall()
        metrics = {
            (run, key): round(float(value), 6)
            for run, key, value in conn.execute(
                "SELECT run_uuid, key, value FROM latest_metrics"
            ).fetchall()
        }
    conn.close()
    return {
        "models": [list(m) for m in models],
        "versions": [
            [
                name,
                version,
                stage,
                description,
                sorted([k, v] for (r, k), v in metrics.items() if r == run),
            ]
            for name, version, stage, description, run in versions
        ],
        "aliases": [list(a) for a in aliases],
    }
