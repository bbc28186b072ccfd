"""The search language: how a line is read, what each term matches, and what a wrong one says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from modelyard.core.model.domain import ModelSummary, Stage, VersionSummary
from modelyard.core.reads.query import QueryError, looks_like_query, match, parse_query

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
MODEL = ModelSummary(
    "fraud-detector",
    description="Card fraud, EU traffic",
    tags={"team": "fraud risk"},
    aliases={"champion": "3", "challenger": "4"},
)


def version(number: str = "3", **kw: object) -> VersionSummary:
    base: dict[str, object] = {
        "stage": Stage.PRODUCTION,
        "creator": "ana@example.com",
        "tags": {"validated": "yes"},
        "created": NOW - timedelta(days=10),
        "updated": NOW - timedelta(days=2),
    }
    base.update(kw)
    return VersionSummary("fraud-detector", number, **base)  # type: ignore[arg-type]


def hits(
    text: str, v: VersionSummary | None = None, profile: str = "prod", **metrics: float
) -> tuple[str, ...] | None:
    return match(parse_query(text, NOW), profile, MODEL, v or version(), metrics or None)


def test_words_aliases_stages_tags_and_people() -> None:
    assert hits("fraud") == ("name has “fraud”",)
    assert hits("EU") == ("description has “eu”",)
    assert hits("retrained", version(description="Retrained in Q4")) == (
        "version description has “retrained”",
    )
    assert hits("churn") is None
    assert hits("@champ") == ("@champion",) and hits("@") == ("@champion",)
    assert hits("@challenger") is None  # held by v4, not v3
    assert hits("stage:prod") == ("in Production",)
    assert hits("stage:staging") is None
    assert hits("tag:validated") == ("tag validated=yes",)
    assert hits("tag:team=fraud*") == ("model tag team=fraud risk",)  # the model's tag
    assert hits('tag:team="fraud risk"') == ("model tag team=fraud risk",)
    assert hits("tag:team=ops") is None
    assert hits("by:ana") == ("by ana@example.com",)
    assert hits("fraud @champion stage:production by:ana") == (
        "name has “fraud”",
        "@champion",
        "in Production",
        "by ana@example.com",
    )  # every term holds, each says what matched


def test_negation_registries_metrics_and_ages() -> None:
    assert hits("-stage:staging") == () and hits("-stage:prod") is None
    assert hits("-@champion") is None and hits("-churn fraud") == ("name has “fraud”",)
    assert hits("registry:pr") == () and hits("registry:dev-*") is None
    assert hits("registry:dev-*", profile="dev-eu") == ()
    query = parse_query("registry:prod -registry:prod-eu", NOW)
    assert query.wants_registry("prod") and not query.wants_registry("prod-eu")
    assert not query.wants_registry("dev")
    assert hits("metric:val_auc>0.9", val_auc=0.93) == ("val_auc=0.93",)
    assert hits("metric:val_auc>0.9", val_auc=0.9) is None
    assert hits("metric:val_auc>=0.9", val_auc=0.9) == ("val_auc=0.9",)
    assert hits("metric:val_auc>0.9") is None  # not read (or not logged): it does not hold
    assert parse_query("metric:rmse<2 stage:prod").needs_metrics
    assert not parse_query("metric:rmse<2 stage:prod").without_metrics().needs_metrics
    updated = NOW - timedelta(days=2)
    assert hits("updated:<7d") == (f"updated {updated.astimezone():%Y-%m-%d %H:%M}",)
    assert hits("updated:<24h") is None and hits("updated:>24h") is not None
    assert hits("created:<1w") is None and hits("created:>1w") is not None
    assert hits("created:>2026-11-15") is not None  # made on 2026-11-21
    assert hits("created:<2026-11-15") is None
    assert parse_query("").terms == () and hits("") == ()


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("stage:", "stage: needs a value"),
        ("stage:prodd", "not a stage"),
        ("tag:=x", "the tag's key is missing"),
        ("metric:auc", "give a metric and a comparison"),
        ("metric:auc>high", "'high' is not a number"),
        ("metric:auc>nan", "is not a number"),
        ("updated:7d", "not an age or a day"),
        ("created:>last-week", "not an age or a day"),
        ('tag:team="fraud', "a quote is not closed"),
    ],
)
def test_a_wrong_term_is_named_with_what_is_accepted(text: str, says: str) -> None:
    with pytest.raises(QueryError, match=says):
        parse_query(text, NOW)


def test_a_word_with_a_colon_that_is_no_field_is_a_word() -> None:
    found = hits("s3://bucket", version(description="from s3://bucket/models"))
    assert found == ("version description has “s3://bucket”",)


def test_the_filter_box_tells_a_query_from_a_filter() -> None:
    for plain in ("churn", "@champion", "churn v3", "s3://bucket", "a-b", ""):
        assert not looks_like_query(plain), plain
    for query in ("stage:prod", "churn tag:team", "-churn", "Metric:auc>1", "stage:prodd"):
        assert looks_like_query(query), query
