"""Previews of a version's files: text (MLmodel, YAML, JSON, requirements…), CSV heads, images.

Only the head of a file is read — at most ``TEXT_LIMIT`` bytes of text or a table's first rows,
an image up to ``IMAGE_LIMIT`` — so selecting a 2 GB weights file costs nothing but a line
saying there is no preview. Bytes come through the profile's ``Files`` role, with its
credentials, exactly as a download does. Also: a version's total size, and one file fetched
into the cache (as a download is) for "Open with system app".
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from modelyard.core.model.domain import ArtifactEntry
from modelyard.core.model.registry import Files
from modelyard.core.reads.download import human_bytes, plan_download, run_download
from modelyard.core.runtime.paths import cache_dir

TEXT_LIMIT = 256 * 1024
IMAGE_LIMIT = 8 * 1024 * 1024
CSV_ROWS = 50
TEXT_NAMES = {"mlmodel", "requirements.txt", "license", "dockerfile", "makefile", "readme"}
TEXT_SUFFIXES = {
    ".txt", ".md", ".yaml", ".yml", ".json", ".py", ".cfg", ".toml", ".ini", ".log", ".sh",
    ".xml", ".html", ".sql", ".r", ".jsonl", ".properties", ".conf", ".env", ".rst",
}  # fmt: skip
TABLE_SUFFIXES = {".csv": ",", ".tsv": "\t"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".svg"}
LANGUAGES = {
    ".yaml": "yaml",
    ".yml": "yaml",
    ".json": "json",
    ".jsonl": "json",
    ".py": "python",
    ".toml": "ini",
    ".ini": "ini",
    ".cfg": "ini",
}


@dataclass(frozen=True)
class Preview:
    """What the preview shows of one file.

    ``kind``: "text", "table" (``rows``, the header first), "image" (``data``), or "none"
    (``note`` says why: binary, too big, empty).
    """

    path: str
    kind: str
    size: int | None = None
    text: str = ""
    rows: tuple[tuple[str, ...], ...] = ()
    data: bytes = b""
    language: str = ""  # "yaml", "json", "python", "ini" or "" (plain)
    truncated: bool = False
    note: str = ""


def kind_of(path: str) -> str:
    """What a preview of ``path`` would be, by its name: "text", "table", "image" or "".
    ("" means: look at the bytes.)"""
    name = PurePosixPath(path).name.lower()
    suffix = PurePosixPath(name).suffix
    if name in TEXT_NAMES or suffix in TEXT_SUFFIXES:
        return "text"
    if suffix in TABLE_SUFFIXES:
        return "table"
    if suffix in IMAGE_SUFFIXES:
        return "image"
    return ""


def _head(chunks: Iterable[bytes], limit: int) -> tuple[bytes, bool]:
    """At most ``limit`` bytes, and whether there was more (the rest is never read)."""
    out = bytearray()
    for chunk in chunks:
        out += chunk
        if len(out) > limit:
            return bytes(out[:limit]), True
    return bytes(out), False


def _decode(data: bytes, cut: bool) -> str | None:
    """UTF-8 text, or None for binary (NUL bytes or invalid UTF-8, a cut last char allowed)."""
    if b"\x00" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if cut and exc.start >= len(data) - 3:
            return data[: exc.start].decode("utf-8", errors="strict")
        return None


def _table(text: str, delimiter: str) -> tuple[tuple[str, ...], ...]:
    rows: list[tuple[str, ...]] = []
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        for row in reader:
            rows.append(tuple(row))
            if len(rows) > CSV_ROWS:  # the header plus CSV_ROWS rows
                break
    except csv.Error:
        pass  # a head cut mid-quote: the rows before it stand
    return tuple(rows)


def read_preview(files: Files, location: str, entry: ArtifactEntry) -> Preview:
    """A preview of one file of an artifact location, reading only its head."""
    path, size = entry.path, entry.size
    kind = kind_of(path)
    if kind == "image" and size is not None and size > IMAGE_LIMIT:
        return Preview(
            path, "none", size, note=f"Image of {human_bytes(size)}: too big to preview."
        )
    limit = IMAGE_LIMIT if kind == "image" else TEXT_LIMIT
    with files.open_artifact(location, path) as stream:
        data, cut = _head(stream.chunks(), limit)
        size = stream.size if stream.size is not None else size
    if kind == "image":
        if cut:
            return Preview(path, "none", size, note="Image too big to preview.")
        return Preview(path, "image", size, data=data)
    if not data:
        return Preview(path, "none", size, note="Empty file.")
    text = _decode(data, cut)
    if text is None:
        what = human_bytes(size) if size is not None else "unknown size"
        return Preview(
            path,
            "none",
            size,
            note=f"Binary file ({what}): no preview. Download it or open it with an app.",
        )
    shown = f"First {human_bytes(len(data))}" + (f" of {human_bytes(size)}" if size else "")
    note = f"{shown} shown." if cut else ""
    suffix = PurePosixPath(path.lower()).suffix
    if kind == "table":
        rows = _table(text, TABLE_SUFFIXES[suffix])
        more = cut or len(rows) > CSV_ROWS
        rows = rows[: CSV_ROWS + 1]
        note = f"First {len(rows) - 1} rows shown." if more else note
        return Preview(path, "table", size, rows=rows, truncated=more, note=note)
    language = "yaml" if PurePosixPath(path).name == "MLmodel" else LANGUAGES.get(suffix, "")
    return Preview(path, "text", size, text=text, language=language, truncated=cut, note=note)


def total_size(files: Files, location: str) -> tuple[int, int]:
    """(files, bytes) of everything at an artifact location."""
    entries = [e for e in files.walk_artifacts(location) if not e.is_dir]
    return len(entries), sum(e.size or 0 for e in entries)


def fetch_for_opening(
    files: Files,
    model: str,
    version: str,
    path: str,
    cancelled: Callable[[], bool] | None = None,
) -> Path:
    """One file of a version in the cache (``<cache>/open/<hash of its location>/<path>``),
    fetched the way a download is (atomically, skipped when already there), so an app of the
    system can open it."""
    relative = PurePosixPath(path)
    if relative.is_absolute() or ".." in relative.parts:
        raise ValueError(f"not a relative artifact path: {path!r}")
    location = files.artifact_location(model, version)
    folder = cache_dir() / "open" / hashlib.sha256(location.encode()).hexdigest()[:16]
    run_download(files, plan_download(files, model, version, [path]), folder, None, cancelled)
    return folder / Path(*relative.parts)
