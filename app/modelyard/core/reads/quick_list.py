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

from modelyard.core.kinds import LocalSettings, MlflowServerSettings
from modelyard.core.model.domain import (
    NOT_PROMPT_FILTER,
    PROMPT_TAG,
    ModelSummary,
    Page,
    from_millis,
    version_sort_key,
)
from modelyard.core.profiles.profile import Profile
from modelyard.core.profiles.secrets import SecretStore
from modelyard.core.reads.server_version import PROMPT_FILTER, parse_version_answer
from modelyard.core.runtime.http import authorization_header, make_session

log = logging.getLogger(__name__)

# The next-page token of a quick page whose rest is read by the registry's own listing from
# its first page (a local registry has no page tokens of its own to hand over).
FROM_THE_START = "modelyard:from-the-start"


def first_models_page(
    profile: Profile, secrets: SecretStore, page_size: int
) -> Page[ModelSummary] | None:
    """The first page of the profile's models (prompts left out, by name), or None: another
    kind of registry, or anything went wrong (the normal read reports it)."""
    settings = profile.settings
    if isinstance(settings, LocalSettings):
        return _local_first_page(settings, page_size)
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
        base = settings.url.rstrip("/")
        timeout = (profile.connect_timeout_s, profile.read_timeout_s)
        params: dict[str, str | int] = {"max_results": page_size, "order_by": "name ASC"}
        try:
            # Only a server known to take the prompt filter is sent it (before MLflow 2.21
            # the filtered answer is empty): see server_version.
            answer = session.get(f"{base}/version", timeout=timeout)
            if parse_version_answer(answer.status_code, answer.text).has(PROMPT_FILTER):
                params["filter"] = NOT_PROMPT_FILTER
            response = session.get(
                f"{base}/api/2.0/mlflow/registered-models/search", params=params, timeout=timeout
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


def _local_first_page(settings: LocalSettings, page_size: int) -> Page[ModelSummary] | None:
    """The first page of a local registry file, read with sqlite3 straight from MLflow's schema
    (read-only): the demo's and every local registry's first rows without importing MLflow
    (1–3 s) or opening its store (migration checks). Only an accelerator, like the server's:
    a schema it does not know, a locked or missing file, returns None."""
    import sqlite3
    from pathlib import Path

    path = Path(settings.path).expanduser()
    if not path.is_file():
        return None
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=1.0)
    except sqlite3.Error:
        return None
    try:
        rows = db.execute(
            "SELECT name, description, creation_time, last_updated_time FROM registered_models "
            "ORDER BY name LIMIT ?",
            (page_size + 1,),
        ).fetchall()
        more = len(rows) > page_size
        rows = rows[:page_size]
        names = [str(r[0]) for r in rows]
        marks = ",".join("?" * len(names))
        tags: dict[str, dict[str, str]] = {n: {} for n in names}
        aliases: dict[str, dict[str, str]] = {n: {} for n in names}
        stages: dict[str, dict[str, str]] = {n: {} for n in names}
        if names:
            for name, key, value in db.execute(
                f"SELECT name, key, value FROM registered_model_tags WHERE name IN ({marks})",
                names,
            ):
                tags[str(name)][str(key)] = str(value or "")
            for name, alias, version in db.execute(
                f"SELECT name, alias, version FROM registered_model_aliases "
                f"WHERE name IN ({marks})",
                names,
            ):
                aliases[str(name)][str(alias)] = str(version)
            for name, stage, version in db.execute(
                f"SELECT name, current_stage, MAX(version) FROM model_versions "
                f"WHERE name IN ({marks}) AND current_stage != 'Deleted_Internal' "
                "GROUP BY name, current_stage",
                names,
            ):
                stages[str(name)][str(stage or "None")] = str(version)
    except sqlite3.Error as exc:
        log.debug("quick first page of %s not read: %s", path, type(exc).__name__)
        return None
    finally:
        db.close()
    items = []
    for name, description, created, updated in rows:
        key = str(name)
        if tags[key].get(PROMPT_TAG, "").lower() == "true":
            continue
        latest = stages[key]
        items.append(
            ModelSummary(
                name=key,
                description=str(description or ""),
                tags=MappingProxyType(tags[key]),
                aliases=MappingProxyType(aliases[key]),
                created=from_millis(_int(created)),
                updated=from_millis(_int(updated)),
                latest_versions=tuple(sorted(set(latest.values()), key=version_sort_key)[::-1]),
                latest_by_stage=MappingProxyType(
                    {stage: v for stage, v in latest.items() if stage != "None"}
                ),
            )
        )
    # More there: the registry's own listing reads them (from the start; rows merge by name).
    return Page(tuple(items), FROM_THE_START if more else None)
