"""The first page of an MLflow server's models, read without importing MLflow (start-up).

``import mlflow``'s REST store takes 1.4 s in a fresh interpreter on this machine
(bench/startup.py), all of it on the path to a server profile's first live rows. This reads that
first page with ``requests`` and the profile's own credentials, TLS settings and timeouts, while
the full connection (MLflow's store, used for everything else) is opened right after. It is only
an accelerator: any failure returns None and the normal read — with its classified, plain-words
errors — decides what the user sees.
"""

from __future__ import annotations

import logging
from types import MappingProxyType
from typing import Any

from modelyard.core.domain import (
    NOT_PROMPT_FILTER,
    PROMPT_TAG,
    ModelSummary,
    Page,
    from_millis,
    version_sort_key,
)
from modelyard.core.http import authorization_header, make_session
from modelyard.core.profiles import MlflowServerSettings, Profile
from modelyard.core.secrets import SecretStore

log = logging.getLogger(__name__)


def first_models_page(
    profile: Profile, secrets: SecretStore, page_size: int
) -> Page[ModelSummary] | None:
    """The first page of the profile's models (prompts left out, by name), or None: another
    kind of registry, or anything went wrong (the normal read reports it)."""
    settings = profile.settings
    if not isinstance(settings, MlflowServerSettings):
        return None
    try:
        basic = settings.auth == "basic"
        password = secrets.get(profile.id, "password") if basic else None
        token = secrets.get(profile.id, "token") if settings.auth == "token" else None
        session = make_session(
            authorization=authorization_header(
                settings.username if basic else None, password, token
            ),
            verify=False if settings.insecure_tls else (settings.ca_bundle or True),
            client_cert=settings.client_cert,
        )
        params: dict[str, str | int] = {
            "filter": NOT_PROMPT_FILTER,
            "max_results": page_size,
            "order_by": "name ASC",
        }
        try:
            response = session.get(
                f"{settings.url.rstrip('/')}/api/2.0/mlflow/registered-models/search",
                params=params,
                timeout=(profile.connect_timeout_s, profile.read_timeout_s),
            )
        finally:
            session.close()
        if response.status_code != 200:
            return None
        data = response.json()
        items = tuple(
            _model(entry)
            for entry in data.get("registered_models", [])
            if _tags(entry).get(PROMPT_TAG, "").lower() != "true"
        )
        return Page(items, data.get("next_page_token") or None)
    except Exception as exc:  # an accelerator only: the normal read names the problem
        log.debug("quick first page of %s not read: %s", profile.name, type(exc).__name__)
        return None


def _tags(entry: dict[str, Any]) -> dict[str, str]:
    return {str(t["key"]): str(t.get("value", "")) for t in entry.get("tags", [])}


def _model(entry: dict[str, Any]) -> ModelSummary:
    """MLflow's documented RegisteredModel JSON, as the MLflow connector makes it."""
    latest = entry.get("latest_versions", [])
    versions = tuple(sorted({str(v["version"]) for v in latest}, key=version_sort_key)[::-1])
    by_stage = {
        str(v["current_stage"]): str(v["version"])
        for v in latest
        if v.get("current_stage") not in (None, "", "None")
    }
    aliases = {str(a["alias"]): str(a["version"]) for a in entry.get("aliases", [])}
    return ModelSummary(
        name=str(entry["name"]),
        description=str(entry.get("description") or ""),
        tags=MappingProxyType(_tags(entry)),
        aliases=MappingProxyType(aliases),
        created=from_millis(_int(entry.get("creation_timestamp"))),
        updated=from_millis(_int(entry.get("last_updated_timestamp"))),
        latest_versions=versions,
        latest_by_stage=MappingProxyType(by_stage),
    )


def _int(value: object) -> int | None:
    return int(str(value)) if value is not None else None
