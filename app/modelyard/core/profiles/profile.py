"""Connection profiles: the non-secret half of how to reach a registry.

Profiles live in one versioned JSON file under the user config dir, written atomically.
Secrets (passwords, tokens) are never part of a profile: they sit in the OS keyring, keyed by
the profile's uuid (see :mod:`modelyard.core.profiles.secrets`).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import (
    Field,
    ValidationError,
    field_validator,
)

from modelyard.core.kinds import KINDS, AnySettings, Settings, kind_of
from modelyard.core.kinds.base import Frozen
from modelyard.core.model.domain import Access
from modelyard.core.model.errors import ErrorKind, ProfileError, RegistryError
from modelyard.core.runtime.http import Timeouts
from modelyard.core.runtime.paths import config_dir

if TYPE_CHECKING:
    from modelyard.core.profiles.secrets import SecretField

SCHEMA_VERSION = 1
_ID_NAMESPACE = uuid.UUID("5b0c7f7e-2f6a-4d1c-9a43-6d6f64656c79")  # ids for entries without one
PROFILE_FILE = "profiles.json"
Protection = Literal["none", "confirm", "read-only"]
PROTECTIONS: tuple[Protection, ...] = ("none", "confirm", "read-only")
PROTECTION_WORDS = {
    "none": "None: writes need only their confirmation",
    "confirm": "Confirm: each write needs the model's name typed",
    "read-only": "Read-only: Modelyard sends no write",
}
MAX_PROFILE_FILE = 16 * 1024 * 1024  # far beyond thousands of profiles: larger is not one


def secret_fields(settings: AnySettings) -> tuple[SecretField, ...]:
    """Which secrets this profile keeps in the keyring (as its kind says)."""
    return kind_of(settings).secret_fields(settings)


class Profile(Frozen):
    """A named way to reach one registry. Identified by ``id``; ``name`` is for people."""

    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    name: str
    settings: Settings
    color: str | None = None
    label: str | None = None  # dev / staging / prod
    record_history: bool = True  # write promotion events into the registry (modelyard.* tags)
    # How writes are guarded (None: "confirm" for a profile labelled prod, else "none"), and
    # the aliases whose move needs the typed confirmation whatever the level.
    protection: Protection | None = None
    protected_aliases: tuple[str, ...] = ()
    pinned: tuple[str, ...] = ()  # models shown first in the tree (pinned by the person)
    # How long an API call waits to connect and for the first byte of a read's answer, and how
    # long a write's answer is waited for (visibly, past the first-byte limit), in seconds.
    connect_timeout_s: float = Field(default=4.0, ge=0.5, le=120)
    read_timeout_s: float = Field(default=8.0, ge=0.5, le=600)
    write_timeout_s: float = Field(default=120.0, ge=1.0, le=3600)

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("the profile name is empty")
        if len(value) > 80:
            raise ValueError("the profile name is longer than 80 characters")
        return value

    @property
    def protection_level(self) -> Protection:
        """The level in force: the one set, else "confirm" for prod and "none" for others."""
        return self.protection if self.protection is not None else default_protection(self.label)

    @property
    def read_only(self) -> bool:
        """Whether Modelyard sends no write to this registry."""
        return self.protection_level == "read-only"

    @property
    def kind(self) -> str:
        """The registry kind: mlflow, local, …"""
        return self.settings.kind

    @property
    def has_stages(self) -> bool:
        """Whether the registry has stages (Unity Catalog has aliases only)."""
        return kind_of(self.settings).stages

    @property
    def has_aliases(self) -> bool:
        """Whether the registry has aliases (the Databricks workspace registry has none)."""
        return kind_of(self.settings).aliases

    @property
    def has_requests(self) -> bool:
        """Whether the registry has transition requests (the Databricks workspace registry)."""
        return kind_of(self.settings).requests

    @property
    def timeouts(self) -> Timeouts:
        """This profile's waits for API calls."""
        return Timeouts(
            self.connect_timeout_s,
            self.read_timeout_s,
            max(self.write_timeout_s, self.read_timeout_s),
        )


def default_protection(label: str | None) -> Protection:
    """The level of a profile that has none set: "confirm" for prod, else "none"."""
    return "confirm" if (label or "").strip().lower() in ("prod", "production") else "none"


def read_only_refusal(profile: Profile) -> RegistryError:
    """Why nothing is written to a read-only profile, with where to change it."""
    return RegistryError(
        f"{profile.name} is read-only in Modelyard (its protection level): no change is sent "
        f"to it. To change it: Profiles ▸ Edit, or `modelyard profiles edit {profile.name} "
        "--protection confirm`.",
        ErrorKind.PERMISSION,
    )


def typed_confirmation(profile: Profile, model: str, alias: str | None = None) -> str:
    """What a person must type before a write to ``model`` through ``profile`` ("": nothing):
    the model's name at the Confirm level, and for a move of a protected alias at any level."""
    if profile.protection_level == "confirm" or (alias and alias in profile.protected_aliases):
        return model
    return ""


def confirmation_reason(profile: Profile, alias: str | None = None) -> str:
    """Why the typed confirmation is asked, in words."""
    if alias and alias in profile.protected_aliases:
        return f"@{alias} is a protected alias of {profile.name}"
    return f"{profile.name} asks for each write to be confirmed (its protection level)"


def read_only_access(profile: Profile) -> Access:
    """What anyone may do through a read-only profile: nothing, and why."""
    words = f"{profile.name} is read-only in Modelyard (its protection level)."
    return Access(edit=False, request=False, level="read-only", protected=words)


# Field names as the wizard and the CLI's options present them.
FIELD_WORDS = {
    "url": "Server URL",
    "path": "Registry file",
    "host": "Workspace URL",
    "subscription_id": "Subscription id",
    "tenant_id": "Tenant id",
    "resource_group": "Resource group",
    "workspace": "Workspace",
    "region": "Region",
}


def validation_message(exc: ValidationError) -> str:
    """One line per problem, without pydantic's internals."""
    lines = []
    for error in exc.errors():
        raised = (error.get("ctx") or {}).get("error")  # a validator's own ValueError
        if error.get("type") == "value_error" and raised is not None:
            msg = str(raised)
        else:
            msg = str(error.get("msg", "invalid value"))
        loc = ".".join(str(p) for p in error.get("loc", ()) if p not in ("settings",))
        for kind in sorted(KINDS, key=len, reverse=True):  # "databricks-uc" before "databricks"
            loc = loc.replace(f"{kind}.", "")
        loc = FIELD_WORDS.get(loc, loc)
        lines.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(lines)


class _Loaded:
    """The profile file as read: each entry raw, with its Profile when it is valid and loaded."""

    def __init__(self) -> None:
        self.entries: list[tuple[object, Profile | None]] = []
        self.problems: list[str] = []
        self.unreadable: str | None = None  # the whole file could not be read: why
        self.blocked: str | None = None  # nor written (a folder in its place, absurd size): why
        self.newer: int | None = None  # written by a newer Modelyard (schema version)

    @property
    def profiles(self) -> list[Profile]:
        return [p for _, p in self.entries if p is not None]


class ProfileStore:
    """The profile file: load, add, replace, remove; every write is atomic and keeps a backup.

    A damaged file never stops the app: valid profiles load, each invalid or duplicated one is
    named in :attr:`problems` and kept in the file as it was; a file that cannot be read at all
    (not UTF-8, not JSON) is kept aside under a new name before anything new is written.
    """

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory if directory is not None else config_dir()
        self.path = self.directory / PROFILE_FILE
        self.notes: list[str] = []  # what a write did besides its job (a file kept aside)
        self._cached: tuple[tuple[int, int, int], _Loaded] | None = None  # (stat key, read)

    def _read(self) -> _Loaded:
        """The file as read; read and validated once while it does not change (a command asks
        several times), each caller getting its own list of entries."""
        try:
            info = self.path.stat()
        except OSError:
            info = None
        key = (info.st_ino, info.st_size, info.st_mtime_ns) if info is not None else None
        if key is not None and self._cached is not None and self._cached[0] == key:
            loaded = self._cached[1]
        else:
            loaded = self._parse()
            self._cached = (key, loaded) if key is not None else None
        copy = _Loaded()
        copy.entries = list(loaded.entries)
        copy.problems = list(loaded.problems)
        copy.unreadable, copy.newer, copy.blocked = loaded.unreadable, loaded.newer, loaded.blocked
        return copy

    def _parse(self) -> _Loaded:
        loaded = _Loaded()
        try:
            size = self.path.stat().st_size
            if self.path.is_file() and size > MAX_PROFILE_FILE:
                loaded.blocked = (
                    f"it is {size / 1e6:.0f} MB, far larger than a profile file can be "
                    f"({MAX_PROFILE_FILE // 2**20} MB at most): not read"
                )
                raw = b""
            else:
                raw = self.path.read_bytes()
        except FileNotFoundError:
            return loaded
        except OSError as exc:  # a folder in its place, no permission …: named, never fatal
            loaded.blocked = f"{exc.strerror or exc}"
            raw = b""
        if loaded.blocked is not None:
            loaded.unreadable = loaded.blocked
            loaded.problems.append(
                f"The profile file {self.path} cannot be read: {loaded.blocked}. No profiles "
                "were loaded from it, and none can be saved until it is moved away or fixed."
            )
            return loaded
        try:
            # A byte that is not UTF-8 spoils only the entry it is in (kept as it was).
            data = json.loads(raw.decode("utf-8", errors="surrogateescape"))
        except json.JSONDecodeError as exc:
            loaded.unreadable = f"it is not valid JSON (line {exc.lineno})"
        else:
            if not isinstance(data, dict) or not isinstance(data.get("profiles", []), list):
                loaded.unreadable = "it does not hold a list of profiles"
        if loaded.unreadable is not None:
            loaded.problems.append(
                f"The profile file {self.path} cannot be read: {loaded.unreadable}. No profiles "
                "were loaded from it; it is kept as it is until a profile is saved (then it is "
                "kept aside under a new name)."
            )
            return loaded
        version = data.get("schema_version")
        if isinstance(version, int) and version > SCHEMA_VERSION:
            loaded.newer = version
            loaded.problems.append(
                f"The profile file {self.path} was written by a newer Modelyard (schema "
                f"{version}); this one reads schema {SCHEMA_VERSION} and will not change it."
            )
        names: set[str] = set()
        ids: set[str] = set()
        for number, entry in enumerate(data.get("profiles", []), start=1):
            label = _entry_label(number, entry)
            bad_bytes = _not_utf8(entry)
            if bad_bytes is not None:
                loaded.problems.append(
                    f"{label} has bytes that are not UTF-8 text in {bad_bytes}: not loaded "
                    "(kept in the file as it is; fix it there)"
                )
                loaded.entries.append((entry, None))
                continue
            item = entry
            if isinstance(entry, dict) and "id" not in entry and isinstance(entry.get("name"), str):
                # A hand-written entry without an id: one derived from its name keeps it (and
                # its keyring secrets) the same from one read to the next; saved on next write.
                item = {**entry, "id": str(uuid.uuid5(_ID_NAMESPACE, entry["name"]))}
            try:
                profile = Profile.model_validate(item, context={"from_file": True})
            except ValidationError as exc:
                loaded.problems.append(f"{label} is invalid: {validation_message(exc)}")
                loaded.entries.append((item, None))
                continue
            if profile.name in names:
                loaded.problems.append(f"{label} has the name of an earlier profile: not loaded")
                loaded.entries.append((item, None))
            elif profile.id in ids:
                loaded.problems.append(f"{label} has the id of an earlier profile: not loaded")
                loaded.entries.append((item, None))
            else:
                names.add(profile.name)
                ids.add(profile.id)
                loaded.entries.append((item, profile))
        return loaded

    def load(self) -> tuple[list[Profile], list[str]]:
        """The valid profiles and the problems of the file, from one read."""
        loaded = self._read()
        return loaded.profiles, loaded.problems

    @property
    def problems(self) -> list[str]:
        """What is wrong with the profile file, one sentence each (empty when all is well)."""
        return self._read().problems

    def check_writable(self) -> None:
        """Raise ProfileError now if the profile file could not be written."""
        loaded = self._read()
        if loaded.newer is not None:
            raise ProfileError(loaded.problems[0])
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".profiles-check-", dir=self.directory)
        except OSError as exc:
            raise ProfileError(
                f"The profile folder {self.directory} is not writable: {exc.strerror}"
            ) from None
        os.close(fd)
        Path(tmp).unlink(missing_ok=True)

    def _write(self, loaded: _Loaded) -> None:
        if loaded.newer is not None or loaded.blocked is not None:
            raise ProfileError(loaded.problems[0])
        self._cached = None
        self.directory.mkdir(parents=True, exist_ok=True)
        if loaded.unreadable is not None and self.path.exists():
            stamp = time.strftime("%Y%m%d-%H%M%S")
            aside = self.path.with_name(f"{PROFILE_FILE}.unreadable-{stamp}")
            os.replace(self.path, aside)
            self.notes.append(f"The unreadable profile file was kept as {aside}.")
        elif self.path.exists():
            shutil.copy2(self.path, self.path.with_name(PROFILE_FILE + ".bak"))
        items = [
            profile.model_dump(mode="json", exclude_none=True) if profile is not None else raw
            for raw, profile in loaded.entries
        ]
        payload = json.dumps(
            {"schema_version": SCHEMA_VERSION, "profiles": items}, indent=2, ensure_ascii=False
        )
        fd, tmp = tempfile.mkstemp(prefix=".profiles-", suffix=".json", dir=self.directory)
        try:
            # surrogateescape: an entry with bytes that are not UTF-8 goes back byte for byte.
            with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as handle:
                handle.write(payload + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def list(self) -> list[Profile]:
        """All valid profiles, in the order they were added."""
        return self._read().profiles

    def __iter__(self) -> Iterator[Profile]:
        return iter(self.list())

    def get(self, name_or_id: str) -> Profile:
        """The profile with this name (or uuid)."""
        loaded = self._read()
        for profile in loaded.profiles:
            if name_or_id in (profile.name, profile.id):
                return profile
        names = ", ".join(p.name for p in loaded.profiles) or "none yet"
        hint = f" ({loaded.problems[0]})" if loaded.problems else ""
        raise ProfileError(f"No profile named {name_or_id!r} (profiles: {names}).{hint}")

    def mentions_id(self, profile_id: str) -> bool:
        """Whether any entry of the file (loaded or not) has this id."""
        return any(
            (p is not None and p.id == profile_id)
            or (isinstance(raw, dict) and raw.get("id") == profile_id)
            for raw, p in self._read().entries
        )

    def find(self, name_or_id: str) -> Profile | None:
        """The profile with this name (or uuid), or None."""
        try:
            return self.get(name_or_id)
        except ProfileError:
            return None

    def add(self, profile: Profile) -> Profile:
        """Add a new profile; its name (and id) must be free."""
        loaded = self._read()
        if any(p.name == profile.name for p in loaded.profiles):
            raise ProfileError(f"A profile named {profile.name!r} exists already.")
        if any(p.id == profile.id for p in loaded.profiles):
            raise ProfileError(f"A profile with the id {profile.id} exists already.")
        loaded.entries.append((None, profile))
        self._write(loaded)
        return profile

    def replace(self, profile: Profile) -> Profile:
        """Replace the profile with the same uuid (or add it)."""
        loaded = self._read()
        if any(p.name == profile.name and p.id != profile.id for p in loaded.profiles):
            raise ProfileError(f"A profile named {profile.name!r} exists already.")
        for index, (raw, existing) in enumerate(loaded.entries):
            if existing is not None and existing.id == profile.id:
                loaded.entries[index] = (raw, profile)
                break
        else:
            loaded.entries.append((None, profile))
        self._write(loaded)
        return profile

    def remove(self, name_or_id: str) -> Profile:
        """Remove one profile (the loaded one: never a copy that shares its id) and return it;
        its secrets are the caller's to delete."""
        loaded = self._read()
        profile = next((p for p in loaded.profiles if name_or_id in (p.name, p.id)), None)
        if profile is None:
            return self.get(name_or_id)  # raises, naming the profiles there are
        loaded.entries = [(raw, p) for raw, p in loaded.entries if p is not profile]
        self._write(loaded)
        return profile


def _not_utf8(item: object, where: str = "") -> str | None:
    """Where a file entry holds bytes that were not UTF-8 (read as lone surrogates), or None."""
    if isinstance(item, str):
        return where or "a value" if any("\udc80" <= c <= "\udcff" for c in item) else None
    if isinstance(item, dict):
        for key, value in item.items():
            found = _not_utf8(key, "a field name") or _not_utf8(value, str(key))
            if found is not None:
                return found
    if isinstance(item, list):
        for value in item:
            found = _not_utf8(value, where)
            if found is not None:
                return found
    return None


def _entry_label(number: int, item: object) -> str:
    name = item.get("name") if isinstance(item, dict) else None
    if not isinstance(name, str):
        return f"Profile {number}"
    # Bytes that were not UTF-8 (read as lone surrogates) are shown as "�", never passed on.
    shown = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return f"Profile {number} ({shown!r})"
