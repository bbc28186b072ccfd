"""``name IN (…)`` filters for many models' versions, read back by MLflow's own filter parser."""

from __future__ import annotations

from urllib.parse import quote_plus

from mlflow.utils.search_utils import SearchModelVersionUtils

from modelyard.core.connectors._entities import NAMES_FILTER_BUDGET, names_filters


def _names_in(filter_string: str) -> tuple[str, ...]:
    (clause,) = SearchModelVersionUtils.parse_search_filter(filter_string)
    assert (clause["key"], clause["comparator"]) == ("name", "IN")
    return tuple(clause["value"])


def test_every_name_comes_back_exactly_from_mlflows_parser() -> None:
    names = ["plain", "with space", "comma,(paren)", "ünïcødé", "a%b_c*", "semi;colon", "x" * 250]
    filters, left = names_filters(names)
    assert left == []
    assert [n for f in filters for n in _names_in(f)] == names


def test_names_with_quotes_or_backslashes_are_left_to_be_read_one_by_one() -> None:
    filters, left = names_filters(["ok", "it's", 'say "hi"', "back\\slash"])
    assert left == ["it's", 'say "hi"', "back\\slash"]
    assert [_names_in(f) for f in filters] == [("ok",)]


def test_each_filter_fits_a_request_line_once_url_encoded() -> None:
    names = [f"model-{n:04d} with words" for n in range(500)]
    filters, _ = names_filters(names)
    assert len(filters) > 1
    assert all(len(quote_plus(f)) <= NAMES_FILTER_BUDGET for f in filters)
    assert [n for f in filters for n in _names_in(f)] == names
    assert names_filters([]) == ([], [])
