"""What a server can do, from the version it reports at ``GET /version``."""

from __future__ import annotations

import pytest

from modelyard.core.model.domain import Capabilities
from modelyard.core.reads.server_version import (
    ALIASES,
    PROMPT_FILTER,
    ServerVersion,
    parse_version_answer,
)


@pytest.mark.parametrize(
    ("answer", "text"),
    [
        ("2.9.2", "2.9.2"),
        ("3.18.0\n", "3.18.0"),
        ("3.2.0rc0", "3.2.0rc0"),
        ("2.22.5.dev0", "2.22.5.dev0"),
        ("<!doctype html><title>Sign in</title>", ""),
        ('{"error_code": "ENDPOINT_NOT_FOUND"}', ""),
        ("", ""),
        ("1" * 80, ""),
    ],
)
def test_only_a_bare_version_is_taken(answer: str, text: str) -> None:
    assert parse_version_answer(200, answer).text == text


def test_an_error_status_says_nothing() -> None:
    assert parse_version_answer(404, "2.9.2") == ServerVersion()
    assert parse_version_answer(401, "2.9.2").label() == ""


@pytest.mark.parametrize(
    ("version", "aliases", "prompt_filter"),
    [
        ("2.2.2", False, False),
        ("2.3.0", True, False),
        ("2.20.4", True, False),
        ("2.21.0", True, True),
        ("3.1.4", True, True),
        ("10.0.0", True, True),
        ("", None, None),
    ],
)
def test_features_by_release(
    version: str, aliases: bool | None, prompt_filter: bool | None
) -> None:
    server = ServerVersion(version)
    assert server.has(ALIASES) is aliases
    assert server.has(PROMPT_FILTER) is prompt_filter


def test_capabilities_name_the_server_and_what_people_miss() -> None:
    old = ServerVersion("2.2.2").capabilities(Capabilities(stages=True, aliases=True))
    assert (old.aliases, old.stages, old.server) == (False, True, "MLflow 2.2.2")
    assert old.lacks == ("MLflow 2.2.2 has no aliases (they came with MLflow 2.3).",)
    new = ServerVersion("2.9.2").capabilities(Capabilities())
    assert (new.aliases, new.server, new.lacks) == (True, "MLflow 2.9.2", ())
    unknown = ServerVersion().capabilities(Capabilities())
    assert (unknown.aliases, unknown.server, unknown.lacks) == (True, "", ())
    # a kind without aliases stays without them, whatever its server says
    assert not ServerVersion("3.1.4").capabilities(Capabilities(aliases=False)).aliases


@pytest.mark.parametrize(
    ("version", "many"),
    [("3.16.1", False), ("3.17.0", True), ("3.17.2", True), ("4.0.0", True), ("", False)],
)
def test_versions_of_many_models_in_one_search_only_where_the_server_says_it_can(
    version: str, many: bool
) -> None:
    # a server that does not say its version would answer 400 if it were older: never sent
    assert ServerVersion(version).capabilities(Capabilities()).versions_by_names is many
