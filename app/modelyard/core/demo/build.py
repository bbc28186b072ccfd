"""Building the shipped demo archive at development time (``packaging/build_demo.py``): the
demo is trained for real into a temporary folder (``registry._seed``) and packed with a
manifest in the shape ``pack.install`` unpacks."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

from modelyard.core.connectors._imports import IMPORT_LOCK
from modelyard.core.demo.pack import FORMAT, MANIFEST
from modelyard.core.demo.registry import _seed


def pack(archive: Path) -> dict[str, Any]:
    """Train and log the demo for real into a temporary folder, then pack it (dev time)."""
    with tempfile.TemporaryDirectory(prefix="modelyard-demo-build-") as tmp:
        folder = Path(tmp)
        db, artifacts = folder / "registry.db", folder / "artifacts"
        now = int(time.time() * 1000)
        _seed(db, artifacts, lambda done, total, text: print(f"{done}/{total} {text}"), now=now)
        with sqlite3.connect(db) as conn:
            conn.execute("VACUUM")
        conn.close()
        with IMPORT_LOCK:
            import mlflow

        manifest = {
            "format": FORMAT,
            "built_at_ms": now,
            "artifacts_uri": artifacts.resolve().as_uri(),
            "mlflow": mlflow.__version__,
        }
        archive.parent.mkdir(parents=True, exist_ok=True)
        partial = archive.with_name(archive.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            for path in [db, *sorted(artifacts.rglob("*"))]:
                entry = tar.gettarinfo(str(path), path.relative_to(folder).as_posix())
                entry.uid = entry.gid = 0
                entry.uname = entry.gname = ""
                if entry.isfile():
                    with path.open("rb") as handle:
                        tar.addfile(entry, handle)
                else:
                    tar.addfile(entry)
        os.replace(partial, archive)
    return manifest
