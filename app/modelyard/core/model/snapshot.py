"""A profile's registry state on disk (the user cache dir): instant start, offline browsing,
and "since you last looked".

One JSON-lines file per profile uuid (a header line, then one line per model and one per model's
versions), written atomically, with a format number. Lines are encoded and parsed one at a time,
so a snapshot of 10,000 models never holds the interpreter for one long parse while the window
draws. It holds what the
registry showed — names, versions, stages, aliases, tags, descriptions, times — and never a
secret, an auth header or a profile setting. A damaged file or one of another format is
discarded (and deleted), never fatal: the next read starts afresh.
"""

from __future__ import annotations

import json
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

from modelyard.core.model.domain import ModelSummary, Stage, VersionSummary, version_sort_key
from modelyard.core.model.state import RegistryState
from modelyard.core.runtime.paths import cache_dir, write_atomic

FORMAT = 2
FOLDER = "snapshots"


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _parse_time(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def model_record(model: ModelSummary) -> dict[str, Any]:
    """A model as JSON (also the CLI's --json shape)."""
    return {
        "name": model.name,
        "description": model.description,
        "tags": dict(model.tags),
        "aliases": dict(model.aliases),
        "latest_versions": list(model.latest_versions),
        "latest_by_stage": dict(model.latest_by_stage),
        "created": _time(model.created),
        "updated": _time(model.updated),
    }


def version_record(version: VersionSummary) -> dict[str, Any]:
    """A version as JSON (also the CLI's --json shape)."""
    return {
        "model": version.model,
        "version": version.version,
        "stage": version.stage.value,
        "aliases": list(version.aliases),
        "status": version.status,
        "run_id": version.run_id,
        "source": version.source,
        "description": version.description,
        "tags": dict(version.tags),
        "created": _time(version.created),
        "updated": _time(version.updated),
        "creator": version.creator,
        "model_id": version.model_id,
    }


def _model(data: dict[str, Any]) -> ModelSummary:
    return ModelSummary(
        name=str(data["name"]),
        description=str(data.get("description", "")),
        tags=MappingProxyType(dict(data.get("tags", {}))),
        aliases=MappingProxyType(dict(data.get("aliases", {}))),
        created=_parse_time(data.get("created")),
        updated=_parse_time(data.get("updated")),
        latest_versions=tuple(data.get("latest_versions", ())),
        latest_by_stage=MappingProxyType(dict(data.get("latest_by_stage", {}))),
    )


def _version(data: dict[str, Any]) -> VersionSummary:
    return VersionSummary(
        model=str(data["model"]),
        version=str(data["version"]),
        stage=Stage.parse(data.get("stage")),
        status=str(data.get("status", "READY")),
        aliases=tuple(data.get("aliases", ())),
        run_id=str(data.get("run_id", "")),
        source=str(data.get("source", "")),
        description=str(data.get("description", "")),
        tags=MappingProxyType(dict(data.get("tags", {}))),
        created=_parse_time(data.get("created")),
        updated=_parse_time(data.get("updated")),
        creator=str(data.get("creator", "")),
        model_id=str(data.get("model_id", "")),
    )


def snapshot_path(profile_id: str, folder: Path | None = None) -> Path:
    """Where the snapshot of this profile lives."""
    return (folder or cache_dir() / FOLDER) / f"{profile_id}.json"


def save_snapshot(state: RegistryState, folder: Path | None = None) -> Path:
    """Write ``state`` (atomically); returns the file."""
    path = snapshot_path(state.profile_id, folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = {
        "format": FORMAT,
        "profile_id": state.profile_id,
        "saved_at": datetime.now(tz=UTC).isoformat(),
        "models_read_at": _time(state.models_read_at),
    }
    lines = [_line(header)]
    lines.extend(_line({"model": model_record(m)}) for m in state.models.values())
    lines.extend(
        _line(
            {
                "versions_of": model,
                "read_at": _time(state.versions_read_at.get(model)),
                "items": [version_record(v) for v in versions.values()],
            }
        )
        for model, versions in state.versions.items()
    )
    write_atomic(path, "\n".join(lines) + "\n")
    return path


def keep_snapshot(state: RegistryState, folder: Path | None = None) -> str | None:
    """Best effort: write ``state``; a problem in words (naming the file) when the cache cannot
    be written (full, read-only, not a folder), or None. Keeping the last-seen state never
    fails what was read or written."""
    try:
        save_snapshot(state, folder)
    except OSError as exc:
        where = exc.filename or snapshot_path(state.profile_id, folder)
        return (
            f"the last-seen state could not be kept in {where}: {exc.strerror or exc} "
            "(what was read is shown; --offline keeps showing an older state). Free space or "
            "fix the folder's permissions, or point XDG_CACHE_HOME elsewhere."
        )
    return None


def _line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def load_snapshot(profile_id: str, folder: Path | None = None) -> RegistryState | None:
    """The last-seen state of this profile, or None (none yet, or a damaged/old file, which is
    deleted)."""
    path = snapshot_path(profile_id, folder)
    try:
        with path.open(encoding="utf-8") as lines:
            header = json.loads(next(lines, "{}"))
            if header.get("format") != FORMAT or header.get("profile_id") != profile_id:
                raise ValueError("another format")
            models: list[ModelSummary] = []
            versions: list[dict[str, Any]] = []
            for line in lines:
                record = json.loads(line)
                if "model" in record:
                    models.append(_model(record["model"]))
                else:
                    versions.append(record)
        state = RegistryState(profile_id)
        state.merge_models(models, complete=True, read_at=_parse_time(header.get("models_read_at")))
        for entry in versions:
            state.merge_versions(
                str(entry["versions_of"]),
                (_version(v) for v in entry["items"]),
                complete=True,
                read_at=_parse_time(entry.get("read_at")),
            )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        with suppress(OSError):  # a read-only cache keeps it
            path.unlink(missing_ok=True)  # damaged or old: discarded, never fatal
        return None
    return state


def clear_snapshots(profile_id: str | None = None, folder: Path | None = None) -> int:
    """Delete one profile's snapshot, or all; returns how many files went."""
    base = folder or cache_dir() / FOLDER
    paths = [snapshot_path(profile_id, folder)] if profile_id else list(base.glob("*.json"))
    count = 0
    for path in paths:
        if path.exists():
            path.unlink()
            count += 1
    return count


def age(state: RegistryState, now: datetime | None = None) -> timedelta | None:
    """How old the model list of ``state`` is."""
    if state.models_read_at is None:
        return None
    return (now or datetime.now(tz=UTC)) - state.models_read_at


@dataclass(frozen=True, slots=True)
class Change:
    """One thing that changed between two states of a registry (for people and --json)."""

    kind: str  # model-added | model-removed | version-added | version-removed | stage | alias
    # | holder (which version holds a stage, from the model listing alone)
    model: str
    version: str = ""
    before: str = ""
    after: str = ""
    when: datetime | None = None
    who: str = ""

    def describe(self) -> str:
        """One line for people."""
        if self.kind == "model-added":
            return f"new model {self.model}"
        if self.kind == "model-removed":
            return f"model {self.model} is gone"
        if self.kind == "version-added":
            by = f" by {self.who}" if self.who else ""
            return f"{self.model}: new version v{self.version}{by}"
        if self.kind == "version-removed":
            return f"{self.model}: v{self.version} is gone"
        if self.kind == "stage":
            return f"{self.model}: v{self.version} {self.before} → {self.after}"
        if self.kind == "holder":
            return f"{self.model}: {self.version} {self.before or 'none'} → {self.after or 'none'}"
        return f"{self.model}: @{self.version} {self.before or 'none'} → {self.after or 'none'}"


def _listing_moves(old: ModelSummary, new: ModelSummary) -> list[Change]:
    """Without both versions listings, the model listing still says which version holds each
    stage, and its newest version."""
    out: list[Change] = []
    for stage in ("Production", "Staging"):
        was, now = old.latest_by_stage.get(stage), new.latest_by_stage.get(stage)
        if was != now:
            out.append(
                Change(
                    "holder", new.name, stage, f"v{was}" if was else "", f"v{now}" if now else ""
                )
            )
    was_latest = max((version_sort_key(v) for v in old.latest_versions), default=None)
    for version in sorted(new.latest_versions, key=version_sort_key):
        if was_latest is not None and version_sort_key(version) > was_latest:
            out.append(Change("version-added", new.name, version, when=new.updated))
    return out


def changes_between(old: RegistryState, new: RegistryState) -> list[Change]:
    """What teammates changed between the snapshot ``old`` and the live ``new``: models and
    versions added or gone, stage moves (for models whose versions both know), alias moves."""
    out: list[Change] = []
    for name in sorted(set(new.models) - set(old.models)):
        out.append(Change("model-added", name, when=new.models[name].created))
    for name in sorted(set(old.models) - set(new.models)):
        out.append(Change("model-removed", name))
    for name in sorted(set(old.models) & set(new.models)):
        before, after = old.models[name].aliases, new.models[name].aliases
        for alias in sorted(set(before) | set(after)):
            if before.get(alias) != after.get(alias):
                was, now = before.get(alias), after.get(alias)
                out.append(
                    Change(
                        "alias",
                        name,
                        alias,
                        f"v{was}" if was else "",
                        f"v{now}" if now else "",
                        new.models[name].updated,
                    )
                )
        if name not in old.versions_read_at or name not in new.versions_read_at:
            out.extend(_listing_moves(old.models[name], new.models[name]))
            continue
        was_versions, now_versions = old.versions[name], new.versions[name]
        for version in sorted(set(now_versions) - set(was_versions), key=version_sort_key):
            v = now_versions[version]
            out.append(Change("version-added", name, version, when=v.created, who=v.creator))
        for version in sorted(set(was_versions) - set(now_versions), key=version_sort_key):
            out.append(Change("version-removed", name, version))
        for version in sorted(set(was_versions) & set(now_versions), key=version_sort_key):
            a, b = was_versions[version], now_versions[version]
            if a.stage is not b.stage:
                out.append(Change("stage", name, version, a.stage.value, b.stage.value, b.updated))
    return out
