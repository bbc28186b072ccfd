"""The version tier: one real MLflow server per release of ``TIER``, seeded by its own client.

Module-scoped and parametrized: the tests of a module run against one release, then the next
(one old server alive at a time); the venvs come from the cache (see server_versions).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.support.server_versions import TIER, seed, start_version
from tests.support.servers import MlflowServer


@dataclass
class OldServer:
    """A seeded server of one release, and what its seed made."""

    version: str
    server: MlflowServer
    seeded: dict[str, Any]

    @property
    def release(self) -> tuple[int, int]:
        major, minor, *_ = self.version.split(".")
        return int(major), int(minor)

    @property
    def has_aliases(self) -> bool:
        return self.release >= (2, 3)


def _release(version: str) -> tuple[int, ...]:
    return tuple(map(int, version.split(".")))


def _server_id(version: object) -> str:
    return f"mlflow-{version}"


RELEASES: list[str] = sorted(TIER, key=_release)  # oldest first


@pytest.fixture(scope="module", params=RELEASES, ids=_server_id)
def old_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OldServer]:
    version = str(request.param)
    server = start_version(version, tmp_path_factory.mktemp(f"mlflow-{version}"))
    try:
        yield OldServer(version, server, seed(version, server))
    finally:
        server.stop()
