"""Shared helpers for the benchmarks: a real mlflow server, timing, JSON output."""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def median_seconds(fn: Callable[[], object], repeat: int = 5) -> float:
    """Median wall time of ``fn`` over ``repeat`` runs (after one warm-up)."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def emit(figures: dict[str, object]) -> None:
    """Print the figures as one JSON object."""
    print(json.dumps(figures, indent=2, sort_keys=True))


# MlflowClient hides prompts with this filter too: raw floors do the same work as Modelyard.
NOT_PROMPT = "tag.`mlflow.prompt.is_prompt` != 'true'"


def model_names(count: int) -> list[str]:
    """The benchmark's registered-model names: bench-00000, bench-00001, …"""
    return [f"bench-{i:05d}" for i in range(count)]


def seeded_server(root: Path, names: list[str]) -> tuple[Any, Any]:
    """A real ``mlflow server`` under ``root`` holding registered models ``names`` (created on 8
    threads), and a raw MLflow RestStore on it. The caller stops the server."""
    from concurrent.futures import ThreadPoolExecutor

    from mlflow.store.model_registry.rest_store import RestStore
    from mlflow.utils.rest_utils import MlflowHostCreds
    from tests.support.servers import start_server

    server = start_server(root)
    try:
        creds = MlflowHostCreds(server.url)
        raw = RestStore(lambda: creds)
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(raw.create_registered_model, names))
    except BaseException:
        server.stop()
        raise
    return server, raw
