"""Shared fixtures: an isolated user environment per test and real MLflow servers per session."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from modelyard.core.kinds import LocalSettings
from modelyard.core.profiles.profile import Profile, ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from tests.support.memory_keyring import MemoryKeyring
from tests.support.servers import MlflowServer, start_server
from tests.support.tls import make_server_cert

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"

ARTIFACTS = Path(__file__).parent / "_artifacts"
TESTS = Path(__file__).parent
SERVER_FIXTURES = {"mlflow_server", "auth_server", "tls_server", "contract", "old_server"}
NOT_FAST_FIXTURES = SERVER_FIXTURES | {"qtbot", "qapp", "seeded_demo"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Markers from what a test uses: ``server`` for a real MLflow server, ``fast`` for the
    unit tests that need no server, no Qt and no linter run (``pytest -m fast``)."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if names & SERVER_FIXTURES:
            item.add_marker(pytest.mark.server)
        in_unit = (TESTS / "unit") in Path(str(item.path)).parents
        if in_unit and not names & NOT_FAST_FIXTURES and not item.get_closest_marker("tool"):
            item.add_marker(pytest.mark.fast)


@pytest.fixture(autouse=True)
def isolated_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    """Config, data and cache dirs in tmp; no MLflow credentials in the environment; a fresh
    in-memory keyring. Tests never touch the developer's real settings or secrets."""
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    home = tmp_path / "home"  # ~/.databrickscfg, ~/.mlflow/credentials: the test's own
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for var in list(os.environ):
        if var.startswith(
            ("MLFLOW_TRACKING_", "MLFLOW_S3_", "DATABRICKS_", "AZURE_", "ARM_", "AWS_", "GOOGLE_")
        ) or var in (
            "STORAGE_EMULATOR_HOST",
            "CLOUDSDK_CONFIG",
            "GCE_METADATA_HOST",
            "PYTHON_KEYRING_BACKEND",
            "MODELYARD_DEBUG",
            "REQUESTS_CA_BUNDLE",
            "CURL_CA_BUNDLE",
        ):
            monkeypatch.delenv(var)
    # QSettings keep the path they first saw for the whole process: point them at this test.
    from PySide6.QtCore import QSettings

    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "qsettings"))
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture()
def store() -> ProfileStore:
    return ProfileStore()


@pytest.fixture()
def secrets() -> SecretStore:
    return SecretStore()


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowServer]:
    """A real mlflow server: sqlite backend, proxied artifacts, no auth."""
    server = start_server(tmp_path_factory.mktemp("mlflow-server"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def auth_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowServer]:
    """A real mlflow server with the basic-auth app."""
    server = start_server(tmp_path_factory.mktemp("mlflow-auth-server"), auth=True)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowServer]:
    """A real mlflow server over HTTPS with a certificate from a CA the test made."""
    root = tmp_path_factory.mktemp("mlflow-tls-server")
    server = start_server(root, tls=make_server_cert(root / "tls"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def seeded_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo registry, seeded once per session; tests get their own copy (see demo_profile)."""
    from modelyard.core.demo.registry import ensure_demo

    root = tmp_path_factory.mktemp("demo-seed")
    profile_dir = root / "config"
    profile_dir.mkdir()
    old = {k: os.environ.get(k) for k in ("XDG_DATA_HOME",)}
    os.environ["XDG_DATA_HOME"] = str(root / "data")
    try:
        profile = ensure_demo(ProfileStore(profile_dir))
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    assert isinstance(profile.settings, LocalSettings)
    return Path(profile.settings.path).parent


def demo_copy(seeded: Path, target: Path, name: str, **extra: str) -> Profile:
    """A local profile ``name`` on a private copy of the seeded demo registry."""
    shutil.copytree(seeded, target)
    settings = LocalSettings(path=str(target / "registry.db"), artifacts=str(target / "artifacts"))
    return Profile(name=name, settings=settings, **extra)  # type: ignore[arg-type]


@pytest.fixture()
def demo_profile(seeded_demo: Path, tmp_path: Path, store: ProfileStore) -> Profile:
    """A ``demo`` profile on a private copy of the seeded demo registry database."""
    return store.add(
        demo_copy(seeded_demo, tmp_path / "demo", "demo", color="#2e7d32", label="demo")
    )


def save_artifact(name: str) -> Path:
    """Where tests save screenshots and other things worth looking at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name


@pytest.fixture()
def prod_profile(seeded_demo: Path, tmp_path: Path, store: ProfileStore) -> Profile:
    """A second copy of the demo registry, ``prod``, that tests change to compare against.
    Its protection is set to none: a prod label starts at Confirm (tests/integration/
    test_protection_and_activity.py), which these tests of comparing and copying are not about.
    """
    copy = demo_copy(seeded_demo, tmp_path / "prod", "prod", label="prod")
    return store.add(copy.model_copy(update={"protection": "none"}))
