"""The palette's fuzzy match: letters in order, word starts and runs first, short names first."""

from __future__ import annotations

from modelyard.core.reads.fuzzy import Narrowing, fuzzy


def ranked(query: str, names: list[str]) -> list[str]:
    scored = [(score, n) for n in names if (score := fuzzy(query, n)) is not None]
    return [n for _score, n in sorted(scored, key=lambda p: -p[0])]


def test_letters_in_order_anywhere_word_starts_and_runs_rank_first() -> None:
    assert fuzzy("xyz", "churn-classifier") is None
    assert fuzzy("cc", "churn-classifier") is not None
    assert fuzzy("", "anything") == 0.0
    names = ["fraud-detector", "demand-forecast", "dataset-forecast-eu", "detector"]
    assert ranked("df", names)[0] == "demand-forecast"  # d…f at two word starts, shortest
    assert ranked("detector", names) == ["detector", "fraud-detector"]
    assert ranked("fd", names) == ["fraud-detector"]
    assert ranked("View Compare", ["View ▸ Compare registries…", "View ▸ Activity"]) == [
        "View ▸ Compare registries…"
    ]


def test_narrowing_as_one_types_gives_what_a_full_match_gives() -> None:
    names = [f"{team}-{kind}-{n}" for team in ("fraud", "churn", "demand") for kind in ("eu", "us")
             for n in range(40)]  # fmt: skip
    matcher = Narrowing(names)
    for typed in ("c", "ch", "chu", "chur-e", "c", "fd", "fd3", "d-u-3", "", "xyz", "x"):
        assert matcher.best(typed, 10) == [names.index(n) for n in ranked(typed, names)[:10]], typed
