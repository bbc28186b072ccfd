"""What a worker does to read a row's children: a registry's models (its last-seen snapshot
first, then a quick first page before MLflow is imported, then every page) or a model's
versions (every page). Each page is reported as it arrives; the tree model merges them."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress

from modelyard.core.model.errors import ModelyardError
from modelyard.core.profiles.profile import Profile
from modelyard.core.session import Connections
from modelyard.ui.common.workers import CancelToken

MODEL_PAGE = 100  # the first page is small: it shows soonest
MODEL_PAGE_MORE = 1000  # later pages are large (MLflow's cap): fewer round trips
VERSION_PAGE = 200


def models_listing(
    connections: Connections, profile: Profile, *, want_cache: bool, first_connection: bool
) -> Callable[[CancelToken], None]:
    """Read ``profile``'s models: reports a cached RegistryState, Pages, Capabilities."""

    def work(token: CancelToken) -> None:
        if want_cache:  # the last-seen rows first, while the registry is asked
            cached = connections.states.read_cached(profile.id)
            if cached is not None:
                token.report(cached)
        page_token: str | None = None
        size = MODEL_PAGE
        if first_connection:  # live first rows before MLflow is even imported
            from modelyard.core.reads.quick_list import FROM_THE_START, first_models_page

            quick = first_models_page(profile, connections.secrets, MODEL_PAGE)
            if quick is not None:
                token.report(quick)
                if quick.next_page_token is None:
                    with suppress(ModelyardError):  # opened now, for what comes next
                        opened = connections.get(profile)  # (its failure: when used)
                        token.report(opened.capabilities())  # its server's version
                    return
                page_token, size = quick.next_page_token, MODEL_PAGE_MORE
                if page_token == FROM_THE_START:
                    page_token = None
        registry = connections.get(profile)
        while True:
            token.raise_if_cancelled()
            page = registry.list_models(page_token, size)
            token.report(page)
            if page_token is None:  # learnt with the first page (its server's version)
                token.report(registry.capabilities())
            page_token, size = page.next_page_token, MODEL_PAGE_MORE
            if page_token is None:
                return

    return work


def versions_listing(
    connections: Connections, profile: Profile, model: str
) -> Callable[[CancelToken], None]:
    """Read every page of ``model``'s versions."""

    def work(token: CancelToken) -> None:
        registry = connections.get(profile)
        page_token: str | None = None
        while True:
            token.raise_if_cancelled()
            page = registry.list_versions(model, page_token, VERSION_PAGE)
            token.report(page)
            page_token = page.next_page_token
            if page_token is None:
                return

    return work
