"""The board's pure parts: key-metric choice and formatting, which versions are read, and what
a permission level allows."""

from __future__ import annotations

from modelyard.core.actions.board import (
    NEWEST_WITH_METRICS,
    format_metric,
    metric_choices,
    versions_with_metrics,
)
from modelyard.core.actions.transitions import NEWEST_LISTED, versions_to_scan
from modelyard.core.connectors.databricks import access_of_level
from modelyard.core.model.domain import Access, Stage, VersionSummary


def test_metric_choices_prefer_common_then_familiar_names() -> None:
    metrics = {
        "1": {"val_auc": 0.9, "train_time": 3.0, "zeta": 1.0},
        "2": {"val_auc": 0.91, "train_time": 2.0},
        "3": {"train_time": 1.0, "val_auc": 0.92, "alpha": 1.0},
    }
    assert metric_choices(metrics)[:2] == ["val_auc", "train_time"]  # all three have both
    assert metric_choices({"1": {"b": 1.0}, "2": {"a": 1.0, "b": 2.0}}) == ["b", "a"]
    assert metric_choices({}) == []


def test_format_metric_is_short() -> None:
    assert format_metric(0.912345) == "0.9123"
    assert format_metric(12.5) == "12.5"
    assert format_metric(1234567.0) == "1.23e+06"
    assert format_metric(0.00001234) == "1.23e-05"
    assert format_metric(0.0) == "0"


def _versions(count: int, stage_of: dict[int, Stage]) -> list[VersionSummary]:
    return [
        VersionSummary("m", str(i), stage_of.get(i, Stage.ARCHIVED)) for i in range(1, count + 1)
    ]


def test_metrics_are_read_for_newest_staged_and_aliased_versions() -> None:
    versions = _versions(100, {3: Stage.PRODUCTION, 5: Stage.STAGING})
    chosen = {v.version for v in versions_with_metrics(versions, {"baseline": "1"})}
    newest = {str(i) for i in range(100, 100 - NEWEST_WITH_METRICS, -1)}
    assert chosen == newest | {"1", "3", "5"}


def test_requests_are_listed_for_newest_and_staged_versions() -> None:
    versions = _versions(80, {2: Stage.PRODUCTION, 4: Stage.NONE})
    scanned = set(versions_to_scan(versions))
    assert scanned == {str(i) for i in range(80, 80 - NEWEST_LISTED, -1)} | {"2"}


def test_databricks_levels() -> None:
    staging = access_of_level("can_manage_staging_versions")
    assert staging.may_move(Stage.NONE, Stage.STAGING) is True
    assert staging.may_move(Stage.STAGING, Stage.PRODUCTION) is False
    assert staging.may_move(Stage.PRODUCTION, Stage.ARCHIVED) is False
    assert "between None, Staging, Archived" in staging.describe()
    editor = access_of_level("CAN_EDIT")
    assert (editor.edit, editor.request) == (False, True)
    assert editor.describe() == "CAN_EDIT (may request stage transitions, not make them)"
    assert access_of_level("CAN_MANAGE").may_move(Stage.NONE, Stage.PRODUCTION) is True
    reader = access_of_level("CAN_READ")
    assert (reader.edit, reader.request) == (False, False)
    assert Access().may_move(Stage.NONE, Stage.PRODUCTION) is None
    assert Access().describe() == "the registry does not say"


def test_enough_digits_to_tell_the_cards_apart() -> None:
    from modelyard.core.actions.board import digits_to_tell_apart

    values = [0.68912, 0.68934, 0.7]
    digits = digits_to_tell_apart(values)
    shown = [format_metric(v, digits) for v in values]
    assert shown == ["0.6891", "0.6893", "0.7000"]  # 3 digits would show 0.689 twice
    assert digits_to_tell_apart([0.7, 0.8]) == 3  # no more than needed
    assert format_metric(0.68951, 3) == "0.690"
    assert format_metric(0.9134) == "0.9134"  # the default stays as it was


def test_the_default_metric_is_one_that_differs_between_the_cards() -> None:
    runs = {
        "1": {"accuracy": 0.7, "val_f1": 0.61},
        "2": {"accuracy": 0.7, "val_f1": 0.64},
        "3": {"accuracy": 0.7, "val_f1": 0.66},
    }
    assert metric_choices(runs)[0] == "val_f1"  # accuracy is the same everywhere
