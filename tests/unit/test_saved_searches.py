"""Saved searches: named query lines in one file, checked on the way in and on the way out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelyard.core.model.errors import ModelyardError
from modelyard.core.reads.saved import SavedSearches


def test_save_replace_get_and_remove(tmp_path: Path) -> None:
    store = SavedSearches(tmp_path)
    assert store.load() == []
    store.save("In  production", "stage:prod")
    store.save("fraud", "tag:team=fraud")
    store.save("in production", "stage:prod -registry:dev")  # the same name, any case: replaced
    assert [(s.name, s.query) for s in store.load()] == [
        ("fraud", "tag:team=fraud"),
        ("in production", "stage:prod -registry:dev"),
    ]
    assert store.get("FRAUD").query == "tag:team=fraud"
    store.remove("fraud")
    with pytest.raises(ModelyardError, match="no saved search named 'fraud'"):
        store.get("fraud")


def test_a_query_that_does_not_parse_is_refused_and_a_broken_file_entry_is_named(
    tmp_path: Path,
) -> None:
    store = SavedSearches(tmp_path)
    with pytest.raises(ModelyardError, match="not saved: 'stage:prodd': not a stage"):
        store.save("typo", "stage:prodd")
    with pytest.raises(ModelyardError, match="a name of 1 to 80 characters"):
        store.save("   ", "stage:prod")
    (tmp_path / "searches.json").write_text(
        json.dumps(
            {
                "searches": [
                    {"name": "good", "query": "@champion"},
                    {"name": "bad", "query": "metric:auc>high"},
                    {"query": "no name"},
                ]
            }
        )
    )
    assert [s.name for s in store.load()] == ["good"]
    assert any("'bad'" in p and "not a number" in p for p in store.problems)
    assert any("without a name" in p for p in store.problems)
    (tmp_path / "searches.json").write_text("{not json")
    assert store.load() == [] and "cannot be read" in store.problems[0]
