"""The mlflow connector against real ``mlflow server`` processes."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from modelyard.core.connectors import open_registry
from modelyard.core.kinds import MlflowServerSettings
from modelyard.core.model.domain import Stage
from modelyard.core.model.errors import ErrorKind, RegistryError
from modelyard.core.model.registry import Registry
from modelyard.core.profiles.profile import Profile, ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from tests.helpers.registry import (
    add_server_profile,
    admin_store,
    create_version,
    ensure_model,
)
from tests.support.html_server import html_server, recording_server
from tests.support.servers import ADMIN_PASSWORD, ADMIN_USER, MlflowServer, free_port

PAGED = [f"paged-{i:02d}" for i in range(25)]


@pytest.fixture(scope="module")
def seeded_server(mlflow_server: MlflowServer) -> MlflowServer:
    store = admin_store(mlflow_server)
    for name in PAGED:
        ensure_model(store, name)
    ensure_model(store, "a-prompt", {"mlflow.prompt.is_prompt": "true"})
    ensure_model(store, "staged")
    if not store.search_model_versions("name='staged'"):
        for _ in range(3):
            create_version(mlflow_server, "staged")
        store.transition_model_version_stage("staged", "2", "Production", False)
        store.set_registered_model_alias("staged", "champion", "2")
    return mlflow_server


def all_models(registry: Registry, page_size: int) -> tuple[list[str], int]:
    names: list[str] = []
    token = None
    pages = 0
    while True:
        page = registry.list_models(token, page_size)
        pages += 1
        names += [m.name for m in page.items]
        token = page.next_page_token
        if token is None:
            return names, pages


def test_paging_across_page_boundaries_returns_each_model_once(
    seeded_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    registry = open_registry(add_server_profile(store, secrets, seeded_server, "plain"), secrets)
    names, pages = all_models(registry, page_size=10)
    assert pages >= 3
    assert len(names) == len(set(names))
    assert set(PAGED) <= set(names)
    assert names == sorted(names)


def test_prompts_are_not_listed_as_models(
    seeded_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    registry = open_registry(add_server_profile(store, secrets, seeded_server, "plain"), secrets)
    names, _ = all_models(registry, page_size=100)
    assert "a-prompt" not in names
    assert "staged" in names


def test_versions_carry_stage_and_aliases(
    seeded_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    registry = open_registry(add_server_profile(store, secrets, seeded_server, "plain"), secrets)
    versions = registry.list_versions("staged").items
    assert [v.version for v in versions] == ["3", "2", "1"]
    by_version = {v.version: v for v in versions}
    assert by_version["2"].stage is Stage.PRODUCTION
    assert by_version["2"].aliases == ("champion",)
    assert by_version["1"].aliases == ()
    assert registry.get_model("staged").aliases == {"champion": "2"}
    page = registry.list_versions("staged", page_size=2)
    assert len(page.items) == 2 and page.next_page_token
    rest = registry.list_versions("staged", page.next_page_token, page_size=2)
    assert [v.version for v in rest.items] == ["1"] and rest.next_page_token is None


def test_two_registries_with_different_credentials_in_one_process(
    seeded_server: MlflowServer,
    auth_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
) -> None:
    ensure_model(admin_store(auth_server), "only-on-auth-server")
    before_env = {k: v for k, v in os.environ.items() if k.startswith("MLFLOW_TRACKING_")}
    plain = open_registry(add_server_profile(store, secrets, seeded_server, "plain"), secrets)
    secured = open_registry(
        add_server_profile(store, secrets, auth_server, "secured", ADMIN_USER, ADMIN_PASSWORD),
        secrets,
    )
    barrier = threading.Barrier(2)

    def listing(registry: Registry) -> set[str]:
        barrier.wait(timeout=30)
        seen: set[str] = set()
        for _ in range(3):  # interleave several calls on both servers
            seen |= {m.name for m in registry.list_models(page_size=1000).items}
        return seen

    with ThreadPoolExecutor(2) as pool:
        plain_names, secured_names = pool.map(listing, [plain, secured])
    assert "only-on-auth-server" in secured_names
    assert "only-on-auth-server" not in plain_names
    assert set(PAGED) <= plain_names and not set(PAGED) & secured_names
    # the secured registry's credentials did not leak into the process or the other registry
    assert {k: v for k, v in os.environ.items() if k.startswith("MLFLOW_TRACKING_")} == before_env
    anonymous = open_registry(add_server_profile(store, secrets, auth_server, "anon"), secrets)
    with pytest.raises(RegistryError) as info:
        anonymous.list_models()
    assert info.value.kind is ErrorKind.AUTH


def test_wrong_password_is_a_clear_auth_error(
    auth_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    wrong = "definitely-the-wrong-password"
    registry = open_registry(
        add_server_profile(store, secrets, auth_server, "wrong", ADMIN_USER, wrong), secrets
    )
    with pytest.raises(RegistryError) as info:
        registry.list_models()
    assert info.value.kind is ErrorKind.AUTH
    assert "refused the credentials" in info.value.message
    assert auth_server.url in info.value.message
    assert wrong not in info.value.message


def test_missing_password_in_keyring_is_explained(
    auth_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    profile = add_server_profile(store, secrets, auth_server, "nopw", ADMIN_USER)
    with pytest.raises(Exception, match="no password is stored"):
        open_registry(profile, secrets)


def test_connection_refused_is_explained(store: ProfileStore, secrets: SecretStore) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    profile = store.add(Profile(name="down", settings=MlflowServerSettings(url=url)))
    os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "0"
    try:
        with pytest.raises(RegistryError) as info:
            open_registry(profile, secrets).list_models()
    finally:
        os.environ.pop("MLFLOW_HTTP_REQUEST_MAX_RETRIES")
    assert info.value.kind is ErrorKind.REFUSED
    assert "connection refused" in info.value.message


def test_html_from_a_proxy_is_explained(store: ProfileStore, secrets: SecretStore) -> None:
    with html_server() as url:
        profile = store.add(Profile(name="proxy", settings=MlflowServerSettings(url=url)))
        with pytest.raises(RegistryError) as info:
            open_registry(profile, secrets).list_models()
    assert info.value.kind is ErrorKind.HTML
    assert "web page instead of MLflow's JSON API" in info.value.message


def test_wrong_path_is_no_api(
    seeded_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    profile = store.add(
        Profile(
            name="wrongpath", settings=MlflowServerSettings(url=seeded_server.url + "/not-mlflow")
        )
    )
    with pytest.raises(RegistryError) as info:
        open_registry(profile, secrets).list_models()
    assert info.value.kind in (ErrorKind.NO_API, ErrorKind.HTML)


def test_token_profile_sends_its_own_bearer_token(
    store: ProfileStore, secrets: SecretStore
) -> None:
    with recording_server() as (url, seen):
        profile = store.add(
            Profile(name="tok", settings=MlflowServerSettings(url=url, auth="token"))
        )
        secrets.set(profile.id, "token", "token-for-this-profile-only")
        other = store.add(Profile(name="plain", settings=MlflowServerSettings(url=url)))
        assert [m.name for m in open_registry(profile, secrets).list_models().items] == [
            "via-token"
        ]
        open_registry(other, secrets).list_models()
    # each profile's calls (its server's version first, then the listing) with its own header
    paths = [s["path"].split("?")[0] for s in seen]
    assert paths == ["/version", "/api/2.0/mlflow/registered-models/search"] * 2
    assert [s.get("authorization") for s in seen] == ["Bearer token-for-this-profile-only"] * 2 + [
        None
    ] * 2
