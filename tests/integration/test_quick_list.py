"""The first page of a server profile's models read without MLflow (start-up accelerator):
exactly what the MLflow connector reads, with the profile's own credentials; anything wrong
gives None and leaves the reporting to the normal read."""

from __future__ import annotations

import subprocess
import sys

from mlflow.entities.model_registry import RegisteredModelTag

from modelyard.core.connectors import open_registry
from modelyard.core.kinds import LocalSettings
from modelyard.core.profiles.profile import Profile, ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from modelyard.core.reads.quick_list import first_models_page
from tests.helpers.registry import add_server_profile, admin_store, create_version, ensure_model
from tests.support.servers import ADMIN_PASSWORD, ADMIN_USER, MlflowServer


def test_the_quick_page_is_the_connectors_page(
    mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    admin = admin_store(mlflow_server)
    ensure_model(admin, "quick-a")
    admin.update_registered_model("quick-a", description="first line\nsecond")
    admin.set_registered_model_tag("quick-a", RegisteredModelTag("team", "fraud"))
    for _ in range(2 - len(admin.search_model_versions("name='quick-a'"))):
        create_version(mlflow_server, "quick-a")
    admin.transition_model_version_stage("quick-a", "1", "Production", False)
    admin.transition_model_version_stage("quick-a", "2", "Staging", False)
    admin.set_registered_model_alias("quick-a", "champion", "1")
    ensure_model(admin, "quick-b")
    profile = add_server_profile(store, secrets, mlflow_server, "q")
    registry = open_registry(profile, secrets)
    try:
        for size in (2, 1000):  # a first page with more after it, and the whole listing
            quick = first_models_page(profile, secrets, size)
            full = registry.list_models(None, size)
            assert quick is not None
            assert quick.items == full.items
            assert (quick.next_page_token is None) == (full.next_page_token is None)
    finally:
        registry.close()
    assert quick is not None
    assert quick.next_page_token is None
    mine = next(m for m in quick.items if m.name == "quick-a")
    assert dict(mine.latest_by_stage) == {"Production": "1", "Staging": "2"}
    assert dict(mine.aliases) == {"champion": "1"} and mine.tags["team"] == "fraud"


def test_credentials_are_the_profiles_and_failures_give_none(
    auth_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    good = add_server_profile(store, secrets, auth_server, "a", ADMIN_USER, ADMIN_PASSWORD)
    page = first_models_page(good, secrets, 10)
    assert page is not None
    wrong = add_server_profile(store, secrets, auth_server, "b", ADMIN_USER, "not-the-password")
    assert first_models_page(wrong, secrets, 10) is None  # 401: the normal read says so
    local = Profile(name="l", settings=LocalSettings(path="/nonexistent/x.db"))
    assert first_models_page(local, secrets, 10) is None


def test_it_does_not_import_mlflow() -> None:
    code = (
        "import sys; import modelyard.core.reads.quick_list; "
        "assert not any(m.split('.')[0] == 'mlflow' for m in sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_local_registrys_quick_page_is_its_connectors_page(
    demo_profile: Profile, secrets: SecretStore
) -> None:
    """#23.15: the demo's (and any local registry's) first rows without importing MLflow: read
    with sqlite3 from MLflow's schema, exactly what the local connector lists."""
    registry = open_registry(demo_profile, secrets)
    try:
        for size in (2, 1000):
            quick = first_models_page(demo_profile, secrets, size)
            full = registry.list_models(None, size)
            assert quick is not None
            assert quick.items == full.items
            assert (quick.next_page_token is None) == (full.next_page_token is None)
    finally:
        registry.close()


def runs_without_mlflow(*lines: str) -> None:
    """``lines`` in a fresh interpreter: they pass, and MLflow is never imported."""
    code = "\n".join(["import sys", *lines, "assert 'mlflow' not in sys.modules, 'imported'"])
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_a_local_quick_page_imports_no_mlflow(demo_profile: Profile) -> None:
    runs_without_mlflow(
        "from modelyard.core.profiles.profile import ProfileStore",
        "from modelyard.core.reads.quick_list import first_models_page",
        "from modelyard.core.profiles.secrets import SecretStore",
        "page = first_models_page(ProfileStore().get('demo'), SecretStore(), 100)",
        "assert page is not None and page.items, page",
    )


def test_ls_of_a_local_registry_imports_no_mlflow(demo_profile: Profile) -> None:
    """`modelyard ls demo` took 4–7 s, nearly all of it importing MLflow (#23.15)."""
    runs_without_mlflow(
        "from click.testing import CliRunner",
        "from modelyard.cli import cli",
        "result = CliRunner().invoke(cli, ['ls', 'demo'])",
        "assert result.exit_code == 0, result.output",
        "assert 'churn-classifier' in result.output, result.output",
    )
