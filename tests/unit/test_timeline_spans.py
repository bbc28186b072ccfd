"""The timeline's stretches of time agree with what ``history --at`` answers, at every moment."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from modelyard.core.model.domain import EventKind, EventSource, Stage, StageEvent, VersionSummary
from modelyard.core.reads.timeline import Span, lanes, spans, state_at

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def event(kind: EventKind, version: str, minutes: int, frm: str = "", to: str = "") -> StageEvent:
    return StageEvent(kind, version, at(minutes), "ana", frm, to)


def held_by_spans(all_spans: tuple[Span, ...], moment: datetime) -> set[tuple[str, str]]:
    return {(s.what, s.version) for s in all_spans if s.covers(moment)}


def held_by_replay(
    versions: list[VersionSummary],
    events: list[StageEvent],
    aliases: dict[str, str],
    moment: datetime,
) -> set[tuple[str, str]]:
    return {(h.what, h.version) for h in state_at(versions, events, aliases, moment).held}


def test_champion_moves_and_production_changes_hands() -> None:
    versions = [VersionSummary("m", str(n), created=at(n)) for n in (1, 2, 3)]
    events = [
        event(EventKind.STAGE, "1", 10, "None", "Production"),
        event(EventKind.ALIAS_SET, "1", 11, to="champion"),
        event(EventKind.STAGE, "2", 20, "None", "Production"),
        event(EventKind.STAGE, "1", 20, "Production", "Archived"),
        event(EventKind.ALIAS_SET, "2", 21, "1", "champion"),
        event(EventKind.ALIAS_REMOVED, "2", 30, "champion"),
    ]
    got = spans(versions, events, {"legacy": "3"})
    assert lanes(got) == ("Production", "Archived", "@champion", "@legacy")
    production = [(s.version, s.start, s.end) for s in got if s.what == "Production"]
    assert production == [("1", at(10), at(20)), ("2", at(20), None)]
    champion = [(s.version, s.start, s.end) for s in got if s.what == "@champion"]
    assert champion == [("1", at(11), at(21)), ("2", at(21), at(30))]
    legacy = next(s for s in got if s.what == "@legacy")
    assert (legacy.start, legacy.end) == (None, None)  # set outside the record: held, since ?


def test_a_stage_known_only_from_the_last_update_is_not_exact() -> None:
    v = VersionSummary("m", "4", stage=Stage.STAGING, created=at(0), updated=at(50))
    current = StageEvent(
        EventKind.CURRENT, "4", at(50), to_value="Staging", source=EventSource.DERIVED
    )
    (span,) = spans([v], [current], {})
    assert (span.what, span.start, span.end, span.exact) == ("Staging", at(50), None, False)


def test_spans_agree_with_the_replay_at_random_moments() -> None:
    rng = random.Random(7)
    versions = [VersionSummary("m", str(n), created=at(n)) for n in range(1, 6)]
    events: list[StageEvent] = []
    stage = {v.version: "None" for v in versions}
    alias_holder: dict[str, str] = {}
    for minute in range(10, 400, 7):
        version = rng.choice(versions).version
        if rng.random() < 0.5:
            to = rng.choice(["None", "Staging", "Production", "Archived"])
            events.append(event(EventKind.STAGE, version, minute, stage[version], to))
            stage[version] = to
        elif rng.random() < 0.7:
            alias = rng.choice(["champion", "challenger"])
            events.append(
                event(EventKind.ALIAS_SET, version, minute, alias_holder.get(alias, ""), alias)
            )
            alias_holder[alias] = version
        elif alias_holder:
            alias = rng.choice(sorted(alias_holder))
            events.append(event(EventKind.ALIAS_REMOVED, alias_holder.pop(alias), minute, alias))
    rng.shuffle(events)  # any order in, as state_at takes them
    got = spans(versions, events, alias_holder)
    for minute in [*range(0, 420, 3), 10, 17, 24]:
        moment = at(minute)
        assert held_by_spans(got, moment) == held_by_replay(
            versions, events, alias_holder, moment
        ), minute


def test_a_removal_recorded_beside_a_move_does_not_take_the_alias_from_the_new_holder() -> None:
    # @champion was moved to v3 outside Modelyard, then put back on v1 through it: the move
    # records "set on v1" and "removed from v3" at the same moment, in either order.
    versions = [VersionSummary("m", str(n), created=at(n)) for n in (1, 2, 3)]
    for order in (1, -1):
        pair = [
            event(EventKind.ALIAS_SET, "1", 50, "3", "champion"),
            event(EventKind.ALIAS_REMOVED, "3", 50, "champion"),
        ][::order]
        events = [event(EventKind.ALIAS_SET, "2", 10, to="champion"), *pair]
        assert held_by_replay(versions, events, {"champion": "1"}, at(60)) == {("@champion", "1")}
        open_now = [s for s in spans(versions, events, {"champion": "1"}) if s.end is None]
        assert [(s.what, s.version) for s in open_now] == [("@champion", "1")]
