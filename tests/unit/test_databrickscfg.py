"""The one reader of the Databricks CLI's file: where it is (DATABRICKS_CONFIG_FILE first, as the
SDK reads it), which profiles are workspaces, and why a named profile cannot be used — used by
the importer, the wizard's picker and the connector alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelyard.core.connectors import open_registry
from modelyard.core.kinds import DatabricksSettings
from modelyard.core.model.errors import ErrorKind, ModelyardError
from modelyard.core.profiles.databrickscfg import config_path, profile_problem, read_config
from modelyard.core.profiles.importers import discover
from modelyard.core.profiles.profile import Profile
from modelyard.core.profiles.secrets import SecretStore

CFG = """[DEFAULT]
host = https://adb-1.azuredatabricks.net

[team]
host = https://adb-2.azuredatabricks.net
token = dapi-not-read-here

[acct]
host = https://accounts.cloud.databricks.com
account_id = 123
"""


def test_the_file_is_where_the_sdk_looks(tmp_path: Path) -> None:
    assert config_path({}, tmp_path) == tmp_path / ".databrickscfg"
    named = tmp_path / "elsewhere.cfg"
    assert config_path({"DATABRICKS_CONFIG_FILE": str(named)}, tmp_path) == named


def test_workspaces_leave_account_consoles_out(tmp_path: Path) -> None:
    cfg = tmp_path / "elsewhere.cfg"
    cfg.write_text(CFG)
    found = read_config({"DATABRICKS_CONFIG_FILE": str(cfg)}, tmp_path)
    assert [p.name for p in found.workspaces()] == ["DEFAULT", "team"]
    assert found.skipped == ("acct",)
    # the importer reads the same file through the same reader
    discovered = discover({"DATABRICKS_CONFIG_FILE": str(cfg)}, tmp_path)
    names = [c.profile.name for c in discovered.candidates]
    assert names == ["databricks-default", "databricks-team"]


def test_an_unreadable_file_is_a_reason_not_a_crash(tmp_path: Path) -> None:
    cfg = tmp_path / ".databrickscfg"
    cfg.write_text("host = no section header\n")
    found = read_config({}, tmp_path)
    assert found.exists and found.problem and "MissingSectionHeaderError" in found.problem
    cfg.write_bytes(b"[team]\nhost = \xff\xfe\n")
    assert "UnicodeDecodeError" in (read_config({}, tmp_path).problem or "")


def test_why_a_named_profile_cannot_be_used(tmp_path: Path) -> None:
    cfg = tmp_path / "cfg"
    env = {"DATABRICKS_CONFIG_FILE": str(cfg)}
    assert "does not exist" in (profile_problem("team", env) or "")
    assert "set by DATABRICKS_CONFIG_FILE" in (profile_problem("team", env) or "")
    cfg.write_text(CFG)
    assert profile_problem("team", env) is None
    missing = profile_problem("prod", env) or ""
    assert f"{cfg} has no [prod] profile (it has: DEFAULT, team, acct)" == missing
    assert "account console" in (profile_problem("acct", env) or "")


def test_the_connector_says_a_missing_profile_plainly(
    tmp_path: Path, secrets: SecretStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before the SDK reads the file: a missing profile is an invalid profile (not a sign-in
    failure), naming the file — classified by our own check, not by the SDK's message text."""
    cfg = tmp_path / "team.cfg"
    cfg.write_text(CFG)
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(cfg))
    settings = DatabricksSettings(auth="config-profile", config_profile="prod")
    profile = Profile(name="cfg", settings=settings)
    with pytest.raises(ModelyardError) as failed:
        registry = open_registry(profile, secrets)
        registry.close()
    assert failed.value.kind is ErrorKind.INVALID
    assert f"{cfg} has no [prod] profile" in str(failed.value)
