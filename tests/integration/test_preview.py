"""Previews of a version's files on a real server: text with its language, CSV heads, images,
binaries named plainly; only the head of a big file is read; total size; a file fetched for
an app of the system is byte-identical."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from modelyard.core.connectors import open_registry
from modelyard.core.model.domain import ArtifactEntry, ArtifactStream
from modelyard.core.model.registry import Registry
from modelyard.core.profiles.profile import ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from modelyard.core.reads.download import human_bytes
from modelyard.core.reads.preview import (
    CSV_ROWS,
    TEXT_LIMIT,
    fetch_for_opening,
    read_preview,
    total_size,
)
from tests.helpers.files import CSV, WEIGHTS, png, uploaded
from tests.helpers.registry import add_server_profile, new_version
from tests.support.servers import MlflowServer

LONG_TEXT = ("line of a long log\n" * 220_000).encode()  # 4.2 MB


class Counting:
    """The real registry, counting the bytes its streams hand out."""

    def __init__(self, inner: Registry) -> None:
        self.inner = inner
        self.read = 0

    def open_artifact(self, location: str, path: str) -> ArtifactStream:
        stream = self.inner.open_artifact(location, path)

        def counted() -> Iterator[bytes]:
            for chunk in stream.chunks():
                self.read += len(chunk)
                yield chunk

        return ArtifactStream(stream.size, counted(), lambda: stream.__exit__(None, None, None))

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


@pytest.fixture()
def files(
    mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> tuple[Registry, str, str]:
    registry = open_registry(add_server_profile(store, secrets, mlflow_server, "srv"), secrets)
    version = new_version(
        mlflow_server,
        "preview-model",
        {
            "data/head.csv": CSV,
            "plots/roc.png": png(),
            "weights.bin": WEIGHTS,
            "logs/train.log": LONG_TEXT,
            "empty.txt": b"",
        },
    )
    return registry, registry.artifact_location("preview-model", version), version


def entry(path: str, size: int | None = None) -> ArtifactEntry:
    return ArtifactEntry(path, is_dir=False, size=size)


def test_text_table_image_and_binary_previews(files: tuple[Registry, str, str]) -> None:
    reg, location, _version = files
    mlmodel = read_preview(reg, location, entry("MLmodel"))
    assert mlmodel.kind == "text" and mlmodel.language == "yaml"
    assert "flavors:" in mlmodel.text and not mlmodel.truncated
    requirements = read_preview(reg, location, entry("requirements.txt"))
    assert requirements.kind == "text" and "mlflow" in requirements.text

    table = read_preview(reg, location, entry("data/head.csv", len(CSV)))
    assert table.kind == "table"
    assert table.rows[0] == ("id", "score", "label")
    assert table.rows[1] == ("0", "0.0000", "a, b")  # quoted commas stay in their cell
    assert len(table.rows) == CSV_ROWS + 1 and table.truncated
    assert table.note == f"First {CSV_ROWS} rows shown."

    image = read_preview(reg, location, entry("plots/roc.png"))
    assert image.kind == "image" and image.data == png()

    binary = read_preview(reg, location, entry("weights.bin", len(WEIGHTS)))
    assert binary.kind == "none" and binary.note.startswith(
        f"Binary file ({human_bytes(len(WEIGHTS))})"
    )
    assert read_preview(reg, location, entry("empty.txt")).note == "Empty file."


def test_only_the_head_of_a_big_file_is_read(files: tuple[Registry, str, str]) -> None:
    reg, location, _version = files
    counting = Counting(reg)
    log = read_preview(counting, location, entry("logs/train.log", len(LONG_TEXT)))  # type: ignore[arg-type]
    assert log.kind == "text" and log.truncated
    assert len(log.text.encode()) == TEXT_LIMIT
    assert log.note == f"First {human_bytes(TEXT_LIMIT)} of {human_bytes(len(LONG_TEXT))} shown."
    assert counting.read < len(LONG_TEXT) / 4
    counting.read = 0
    read_preview(counting, location, entry("weights.bin", len(WEIGHTS)))  # type: ignore[arg-type]
    assert counting.read < len(WEIGHTS) / 4


def test_total_size_and_a_file_fetched_for_opening(
    files: tuple[Registry, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reg, location, version = files
    every = uploaded(reg, "preview-model", version)
    count, size = total_size(reg, location)
    assert (count, size) == (len(every), sum(len(v) for v in every.values()))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path = fetch_for_opening(reg, "preview-model", version, "plots/roc.png")
    assert path.read_bytes() == png() and path.name == "roc.png"
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".part-")]
    with pytest.raises(ValueError):
        fetch_for_opening(reg, "preview-model", version, "../escape.txt")
