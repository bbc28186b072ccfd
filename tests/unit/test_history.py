from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from modelyard.core.model.domain import EventKind, EventSource, Stage, StageEvent, VersionSummary
from modelyard.core.reads.history import (
    EVENT_TAG_PREFIX,
    HISTORY_TAG,
    chain_stages,
    event_tag,
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
        key, value = event_tag(event)
        assert key not in tags  # a tag of its own: never overwrites another event
        tags[key] = value
    return tags


def test_round_trip_keeps_every_field() -> None:
    event = stage_event()
    tags = record_all([event])
    [key] = tags
    assert key.startswith(EVENT_TAG_PREFIX)
    assert recorded_events("3", tags) == [event]


def test_many_events_at_the_same_millisecond_each_get_their_own_tag() -> None:
    events = [stage_event(minutes=0) for _ in range(500)]
    tags = record_all(events)
    assert len(tags) == 500
    assert recorded_events("3", tags) == events


def test_legacy_list_tags_are_still_read_gaps_included() -> None:
    old = [stage_event(minutes=i) for i in range(3)]
    first = old[0].when
    assert first is not None
    legacy = {
        HISTORY_TAG: json.dumps([{"k": "stage", "t": int(first.timestamp() * 1000)}]),
        f"{HISTORY_TAG}.3": json.dumps([{"k": "stage", "to": "Staging"}]),
    }
    assert history_keys(legacy) == [HISTORY_TAG, f"{HISTORY_TAG}.3"]
    tags = {**legacy, **record_all([stage_event(minutes=9)])}
    assert len(recorded_events("3", tags)) == 3


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


def test_a_stage_reached_seconds_ago_reads_just_now() -> None:
    from datetime import UTC, datetime, timedelta

    from modelyard.core.model.domain import Stage, VersionSummary
    from modelyard.core.reads.history import stage_summary

    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    fresh = VersionSummary("m", "5", Stage.PRODUCTION, updated=now - timedelta(seconds=20))
    old = VersionSummary("m", "4", Stage.STAGING, updated=now - timedelta(days=3))
    assert stage_summary([fresh, old], now) == [
        ("Production", "v5, just now"),
        ("Staging", "v4 since 3 days"),
    ]


def test_event_tags_read_in_plain_words_in_the_web_ui_and_stay_machine_readable() -> None:
    from datetime import UTC, datetime

    from modelyard.core.model.domain import EventKind, StageEvent
    from modelyard.core.reads.history import event_tag, recorded_events, shifted_event

    when = datetime(2026, 11, 24, 16, 14, tzinfo=UTC)
    tricky = 'canary passed {"k":"stage","to":"Archived"} — really'
    event = StageEvent(EventKind.STAGE, "5", when, "ana", "Staging", "Production", tricky)
    key, value = event_tag(event)
    assert value.startswith(
        "v5: Staging → Production by ana, 2026-11-24 16:14 UTC: canary passed {"
    )
    [back] = recorded_events("5", {key: value})
    assert (back.kind, back.from_value, back.to_value, back.who, back.comment, back.when) == (
        EventKind.STAGE,
        "Staging",
        "Production",
        "ana",
        tricky,
        when,
    )
    # Tags written before (JSON only) are still read.
    old = '{"k":"alias-set","t":1795000000000,"u":"ben","to":"champion"}'
    [legacy] = recorded_events("5", {"modelyard.event.1795000000000.00ff": old})
    assert legacy.kind is EventKind.ALIAS_SET and legacy.to_value == "champion"
    moved = shifted_event("5", key, value, 3_600_000)
    assert moved is not None and "2026-11-24 17:14 UTC" in moved[1]
    [later] = recorded_events("5", {moved[0]: moved[1]})
    assert later.when is not None and (later.when - when).total_seconds() == 3600


def test_moves_chain_in_commit_order_and_a_repeated_record_is_dropped() -> None:
    """Two people moved v1 at once: each recorded the stage it read before (None); the server
    stamped the Production write first but committed it last (the version's update time)."""
    t1, t2 = datetime(2026, 12, 1, 10, tzinfo=UTC), datetime(2026, 12, 1, 10, 0, 1, tzinfo=UTC)
    production = StageEvent(EventKind.STAGE, "1", t1, "ana", "None", "Production")
    staging = StageEvent(EventKind.STAGE, "1", t2, "bo", "None", "Staging")
    again = StageEvent(EventKind.STAGE, "1", t2, "bo", "None", "Staging")  # recorded twice
    current = VersionSummary("m", "1", Stage.PRODUCTION, updated=t1)
    moves = chain_stages([production, staging, again], current)
    assert [(e.from_value, e.to_value) for e in moves] == [
        ("None", "Staging"),
        ("Staging", "Production"),
    ]
