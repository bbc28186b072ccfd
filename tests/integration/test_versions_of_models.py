"""The versions of many models at once, from a real MLflow server: the same answer as each
model's own reads, in a few requests where the server takes ``name IN (…)`` (MLflow 3.17 on).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from mlflow.entities.model_registry import ModelVersionTag

from modelyard.core.connectors import open_registry
from modelyard.core.model.domain import ModelSummary
from modelyard.core.model.registry import Registry
from modelyard.core.profiles.profile import ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from modelyard.core.reads.many import versions_of_models, versions_with_tags
from tests.helpers.registry import (
    TAKES_NAMES,
    add_server_profile,
    admin_store,
    create_run_with_model,
)
from tests.support.fault_proxy import fault_proxy
from tests.support.servers import MlflowServer


@contextmanager
def _opened(
    store: ProfileStore, secrets: SecretStore, server: MlflowServer, url: str | None = None
) -> Iterator[Registry]:
    profile = add_server_profile(store, secrets, server, f"many-{uuid.uuid4().hex[:6]}")
    if url is not None:
        settings = profile.settings.model_copy(update={"url": url})
        profile = profile.model_copy(update={"settings": settings})
        store.replace(profile)
    registry = open_registry(profile, secrets)
    try:
        yield registry
    finally:
        registry.close()


def _listed(registry: Registry, names: set[str]) -> list[ModelSummary]:
    out: list[ModelSummary] = []
    token: str | None = None
    while True:
        page = registry.list_models(token)
        out += [m for m in page.items if m.name in names]
        token = page.next_page_token
        if not token:
            return out


def _seed(server: MlflowServer, names: list[str], versions: int) -> None:
    """``versions`` versions of each name (v1 tagged with its model's name), @champion on the
    last; one run's files behind them all."""
    store = admin_store(server)
    run = create_run_with_model(server)
    for name in names:
        store.create_registered_model(name)
        for n in range(versions):
            tags = [ModelVersionTag("of", name)] if n == 0 else []
            store.create_model_version(
                name, source=f"{run.info.artifact_uri}/model", run_id=run.info.run_id, tags=tags
            )
        if versions:
            store.set_registered_model_alias(name, "champion", str(versions))


def test_many_models_read_at_once_match_each_models_own_reads(
    mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    tag = uuid.uuid4().hex[:6]
    odd = [
        f"plain-{tag}",
        f"plain-{tag}-longer",  # a name another one starts with
        f"with space {tag}",
        f"comma,(paren) {tag}",
        f"ünïcødé {tag}",
        f"it's {tag}",  # a quote: read on its own
        f'say "hi" {tag}',
        f"back\\slash {tag}",
    ]
    _seed(mlflow_server, odd, versions=2)
    _seed(mlflow_server, [f"empty-{tag}"], versions=0)
    wanted = {*odd, f"empty-{tag}"}
    with (
        fault_proxy(mlflow_server.url) as proxy,
        _opened(store, secrets, mlflow_server, proxy.url) as registry,
    ):
        assert registry.capabilities().versions_by_names is TAKES_NAMES
        listed = _listed(registry, wanted - {f"plain-{tag}-longer"})
        assert len(listed) == len(wanted) - 1
        before = len(proxy.requests_seen)
        found = versions_of_models(registry, listed)
        searches = [r for r in proxy.requests_seen[before:] if "model-versions/search" in r]
        each = {m.name: list(versions_with_tags(registry, m.name)) for m in listed}
    assert found == each
    assert set(found) == wanted - {f"plain-{tag}-longer"}
    assert found[f"empty-{tag}"] == []
    for name in odd[:1] + odd[2:]:
        assert [v.version for v in found[name]] == ["2", "1"]
        assert found[name][0].aliases == ("champion",)
        assert found[name][1].tags.get("of") == name
    # one search for the plain names, one for each name that has a quote or a backslash;
    # a server before 3.17 is asked model by model (never sent a filter it refuses)
    assert len(searches) == (4 if TAKES_NAMES else len(listed))


def test_names_beyond_one_request_line_are_read_in_several_searches(
    mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    tag = uuid.uuid4().hex[:6]
    names = [f"{tag}-{n:03d}-" + "x" * 150 for n in range(40)]  # ~6500 characters of names
    _seed(mlflow_server, names, versions=1)
    with (
        fault_proxy(mlflow_server.url) as proxy,
        _opened(store, secrets, mlflow_server, proxy.url) as registry,
    ):
        listed = _listed(registry, set(names))
        before = len(proxy.requests_seen)
        found = versions_of_models(registry, listed)
        seen = proxy.requests_seen[before:]
    assert {name: [v.version for v in vs] for name, vs in found.items()} == {
        n: ["1"] for n in names
    }
    searches = [r for r in seen if "model-versions/search" in r]
    assert 1 < len(searches) <= (3 if TAKES_NAMES else 40)
    assert max(len(r) for r in searches) < 4094  # every request line fits gunicorn's limit
