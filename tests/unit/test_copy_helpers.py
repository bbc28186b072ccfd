"""Copy helpers: the target model name it suggests, the checksum of the files."""

from __future__ import annotations

import os
from pathlib import Path


def test_a_unity_catalog_target_suggests_its_default_catalog_and_schema() -> None:
    from modelyard.core.actions.copy_plan import suggested_name
    from modelyard.core.kinds import DatabricksUCSettings, MlflowServerSettings
    from modelyard.core.profiles.profile import Profile

    scoped = Profile(
        name="uc",
        settings=DatabricksUCSettings(
            host="https://dbc.example.com", default_catalog="prod", default_schema="ml"
        ),
    )
    assert suggested_name(scoped, "churn") == "prod.ml.churn"
    assert suggested_name(scoped, "dev.ml.churn") == "dev.ml.churn"  # already three parts
    bare = Profile(name="uc2", settings=DatabricksUCSettings(host="https://dbc.example.com"))
    assert suggested_name(bare, "churn") == "churn"  # the plan then asks for a full name
    server = Profile(name="s", settings=MlflowServerSettings(url="http://127.0.0.1:5000"))
    assert suggested_name(server, "churn") == "churn"


def test_the_checksum_from_the_download_digests_equals_reading_the_files(tmp_path: Path) -> None:
    import hashlib

    from modelyard.core.actions.copy import files_checksum

    files = {"MLmodel": b"flavors: {}\n", "data/w.bin": os.urandom(3000)}
    for path, data in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(data)
    read = files_checksum(tmp_path, list(files))
    known = {p: hashlib.sha256(d).hexdigest() for p, d in files.items()}
    (tmp_path / "data/w.bin").write_bytes(b"changed on disk")  # known digests are not re-read
    assert files_checksum(tmp_path, list(files), known) == read
    assert files_checksum(tmp_path, list(files)) != read
