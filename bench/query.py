"""Search over the kept state, and the palette's keystrokes, at scale (#29.4).

    .venv/bin/python bench/query.py [--models 100000]

A registry state of N models × 3 versions (stages, aliases, tags and creators as a real
registry has them) built in memory, the way the window holds it once read. Figures:

- a query over the whole state (``search_kept``, every hit: the CLI's ``search --offline``) and
  its first 2,000 hits (what typing in Find or the filter box shows on each pause), for a few
  typical queries; target ≤ 100 ms;
- the palette's match per keystroke over every registry, model and version (typing a model's
  name letter by letter, as ``Narrowing`` narrows); target ≤ 16 ms;

each also as a ratio to the floor measured in the same run: one pass over the same versions
doing nothing but a substring test of the name (the least any search of them must do).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from functools import partial

from _common import emit
from modelyard.core.model.domain import ModelSummary, Stage, VersionSummary
from modelyard.core.model.state import RegistryState
from modelyard.core.reads.fuzzy import Narrowing
from modelyard.core.reads.query import parse_query
from modelyard.core.reads.search import search_kept

QUERIES = (
    "stage:prod",
    "tag:team=fraud @champion",
    "churn -stage:archived",
    "by:ana updated:<30d",
)


def build(count: int) -> RegistryState:
    state = RegistryState("bench")
    teams = ("fraud", "growth", "pricing", "ops")
    stages = (Stage.ARCHIVED, Stage.STAGING, Stage.PRODUCTION)
    models = []
    for i in range(count):
        name = f"{('churn', 'fraud', 'demand', 'price')[i % 4]}-model-{i:06d}"
        models.append(
            ModelSummary(
                name,
                description=f"Model {i} of team {teams[i % 4]}",
                tags={"team": teams[i % 4]},
                aliases={"champion": "3"} if i % 3 == 0 else {},
            )
        )
    state.merge_models(models, complete=True)
    for i, model in enumerate(models):
        versions = [
            VersionSummary(
                model.name,
                str(n),
                stage=stages[n - 1],
                creator=("ana", "chen", "dana")[(i + n) % 3],
                tags={"validated": "yes"} if n == 3 else {},
            )
            for n in (1, 2, 3)
        ]
        state.merge_versions(model.name, versions, complete=True)
    return state


def ms(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=100_000)
    args = parser.parse_args()
    state = build(args.models)
    versions = [v for vs in state.versions.values() for v in vs.values()]

    def floor() -> None:
        [v for v in versions if "churn" in v.model]

    floor_ms = min(ms(floor) for _ in range(3))
    figures: dict[str, object] = {
        "models": args.models,
        "versions": len(versions),
        "floor_substring_pass_ms": round(floor_ms, 1),
    }
    for text in QUERIES:
        query = parse_query(text)
        took = min(ms(partial(search_kept, state, "bench", query)) for _ in range(2))
        figures[f"query_ms[{text}]"] = round(took, 1)
        figures[f"query_ratio_to_floor[{text}]"] = round(took / floor_ms, 1)
        first = partial(search_kept, state, "bench", query, limit=2000)
        figures[f"query_first_2000_ms[{text}]"] = round(min(ms(first) for _ in range(2)), 1)
    names = ["bench", *state.models, *(f"{v.model} v{v.version}" for v in versions)]
    matcher = Narrowing(names)
    typed = "fraud-model-000123"
    per_key = [ms(partial(matcher.best, typed[: n + 1], 60)) for n in range(len(typed))]
    figures["palette_entries"] = len(names)
    figures["palette_keystroke_ms_first"] = round(per_key[0], 1)
    figures["palette_keystroke_ms_worst"] = round(max(per_key), 1)
    figures["palette_keystroke_ms_median"] = round(sorted(per_key)[len(per_key) // 2], 1)
    figures["palette_worst_ratio_to_floor"] = round(max(per_key) / floor_ms, 1)
    emit(figures)


if __name__ == "__main__":
    main()
