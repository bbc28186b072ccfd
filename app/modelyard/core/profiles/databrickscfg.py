"""The one reader of the Databricks CLI's configuration file (``~/.databrickscfg``).

Where the file is follows the Databricks SDK: ``DATABRICKS_CONFIG_FILE`` if set, else
``~/.databrickscfg``. Account-console profiles (``accounts.…`` hosts) have no model registry and
are left out of what is offered. Used by the profile importer, the wizard's picker and the
Databricks connector (which checks a named profile is there before the SDK reads the file, so a
missing file or profile is said plainly, not recognised in the SDK's message text).
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ENV_VAR = "DATABRICKS_CONFIG_FILE"


@dataclass(frozen=True, slots=True)
class CfgProfile:
    """One ``[section]`` of the file."""

    name: str
    host: str | None

    @property
    def is_account(self) -> bool:
        """An account console (accounts.cloud.databricks.com …): no model registry there."""
        if not self.host:
            return False
        url = self.host if "://" in self.host else f"https://{self.host}"
        return (urlsplit(url).hostname or "").startswith("accounts.")


@dataclass(frozen=True, slots=True)
class CfgFile:
    """What the file holds, or why it could not be read."""

    path: Path
    exists: bool
    profiles: tuple[CfgProfile, ...] = ()
    problem: str | None = None  # unreadable or not an INI file: the reason
    skipped: tuple[str, ...] = field(default=())  # account profiles left out

    def workspaces(self) -> list[CfgProfile]:
        """The profiles that name a workspace host."""
        return [p for p in self.profiles if p.host and not p.is_account]

    def find(self, name: str) -> CfgProfile | None:
        return next((p for p in self.profiles if p.name == name), None)


def config_path(environ: Mapping[str, str] | None = None, home: Path | None = None) -> Path:
    """Where the SDK reads its configuration: DATABRICKS_CONFIG_FILE or ~/.databrickscfg."""
    environ = os.environ if environ is None else environ
    home = Path.home() if home is None else home
    named = environ.get(ENV_VAR)
    return Path(named).expanduser() if named else home / ".databrickscfg"


def read_config(environ: Mapping[str, str] | None = None, home: Path | None = None) -> CfgFile:
    """Read the file (never raises: a problem is reported in ``problem``)."""
    path = config_path(environ, home)
    if not path.is_file():
        return CfgFile(path, exists=False)
    parser = configparser.ConfigParser(default_section="__no_defaults__", interpolation=None)
    try:
        with path.open(encoding="utf-8") as handle:
            parser.read_file(handle)
    except (OSError, UnicodeDecodeError, configparser.Error) as exc:
        return CfgFile(path, exists=True, problem=f"{type(exc).__name__}: {exc}")
    profiles = tuple(
        CfgProfile(name=section, host=parser[section].get("host") or None)
        for section in parser.sections()
    )
    skipped = tuple(p.name for p in profiles if p.is_account)
    return CfgFile(path, exists=True, profiles=profiles, skipped=skipped)


def profile_problem(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """Why profile ``name`` of the file cannot be used, in plain words; None when it can."""
    found = read_config(environ)
    where = str(found.path)
    if not found.exists:
        named = (os.environ if environ is None else environ).get(ENV_VAR)
        hint = f" (set by {ENV_VAR})" if named else ""
        return f"{where}{hint} does not exist; create it with `databricks configure`"
    if found.problem:
        return f"{where} cannot be read: {found.problem}"
    profile = found.find(name)
    if profile is None:
        names = ", ".join(p.name for p in found.profiles) or "none"
        return f"{where} has no [{name}] profile (it has: {names})"
    if profile.is_account:
        return f"[{name}] in {where} is an account console ({profile.host}): no model registry"
    return None
