from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from modelyard.core.domain import EventKind, EventSource, Stage, StageEvent, VersionSummary
from modelyard.core.history import (
    HISTORY_TAG,
    TAG_BUDGET,
    append_event,
    history_keys,
    humanize_age,
    recorded_events,
    stage_summary,
    version_history,
    visible_tags,
)

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def stage_event(version: str = "3", to: str = "Production", minutes: int = 0) -> StageEvent:
    return StageEvent(
        EventKind.STAGE, version, T0 + timedelta(minutes=minutes), "ana", "Staging", to, "ok"
    )


def record_all(events: list[StageEvent]) -> dict[str, str]:
    tags: dict[str, str] = {}
    for event in events:
        key, value = append_event(tags, event)
        tags[key] = value
    return tags


def test_round_trip_keeps_every_field() -> None:
    event = stage_event()
    tags = record_all([event])
    assert list(tags) == [HISTORY_TAG]
    assert recorded_events("3", tags) == [event]


def test_events_roll_over_to_numbered_tags_within_budget() -> None:
    events = [stage_event(minutes=i) for i in range(200)]
    tags = record_all(events)
    assert len(tags) > 1
    assert history_keys(tags)[:3] == [HISTORY_TAG, f"{HISTORY_TAG}.2", f"{HISTORY_TAG}.3"]
    assert all(len(v) <= TAG_BUDGET for v in tags.values())
    assert recorded_events("3", tags) == events


def test_damaged_entries_are_skipped_not_fatal() -> None:
    tags = {
        HISTORY_TAG: "{not json",
        f"{HISTORY_TAG}.2": json.dumps([{"k": "bogus"}, {"k": "stage", "to": "Staging"}]),
    }
    events = recorded_events("1", tags)
    assert [(e.kind, e.to_value) for e in events] == [(EventKind.STAGE, "Staging")]


def test_version_history_merges_and_drops_redundant_current() -> None:
    version = VersionSummary(
        "m",
        "3",
        Stage.PRODUCTION,
        created=T0 - timedelta(days=1),
        updated=T0,
        creator="ben",
        tags=record_all([stage_event()]),
    )
    events = version_history(version)
    assert [e.kind for e in events] == [EventKind.CREATED, EventKind.STAGE]
    assert events[0].source is EventSource.DERIVED and events[0].who == "ben"
    assert events[1].source is EventSource.RECORDED
    bare = VersionSummary("m", "4", Stage.STAGING, created=T0, updated=T0)
    assert [e.kind for e in version_history(bare)] == [EventKind.CREATED, EventKind.CURRENT]


def test_stage_summary_uses_recorded_time() -> None:
    now = T0 + timedelta(days=3, hours=1)
    v3 = VersionSummary("m", "3", Stage.PRODUCTION, updated=now, tags=record_all([stage_event()]))
    v4 = VersionSummary("m", "4", Stage.STAGING, updated=now - timedelta(hours=5))
    assert stage_summary([v3, v4], now=now) == [
        ("Production", "v3 since 3 days"),
        ("Staging", "v4 since 5 hours"),
    ]
    assert humanize_age(timedelta(seconds=5)) == "moments"


def test_reserved_tags_are_hidden_from_the_tag_table() -> None:
    assert visible_tags({HISTORY_TAG: "[]", "team": "risk"}) == {"team": "risk"}
