"""Stage history (mlflow#2169): events recorded in the registry itself, plus derived ones.

Modelyard records each promotion it makes in model-version tags under the reserved
``modelyard.`` prefix, so every teammate sees the same history, whatever tool they use.

One event, one tag: ``modelyard.event.<epoch ms>.<random>`` holds one event — a line in plain
words for teammates who see the tag in MLflow's web UI ("v5: Staging → Production by ana,
2026-11-24 16:14 UTC: canary passed"), then the same event as compact JSON for tools. A
registry has no compare-and-set for tags, so a shared list (read, append, write) loses events
when two people promote at the same moment; a tag of one's own is never overwritten by anyone,
so concurrent writers cannot lose each other's events, and no rollover can overwrite a full
list. Older Modelyard versions wrote JSON lists in ``modelyard.history``, ``.2``, ``.3`` …:
those are still read (never written), gaps in their numbering included.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from modelyard.core.model.domain import EventKind, EventSource, StageEvent, VersionSummary

HISTORY_TAG = "modelyard.history"  # legacy lists: read, never written
EVENT_TAG_PREFIX = "modelyard.event."
RESERVED_PREFIX = "modelyard."
MAX_COMMENT = 500


def history_keys(tags: Mapping[str, str]) -> list[str]:
    """The history tags present, in order (base tag first, then .2, .3, …)."""

    def number(key: str) -> int:
        if key == HISTORY_TAG:
            return 1
        suffix = key.removeprefix(HISTORY_TAG + ".")
        return int(suffix) if suffix.isdigit() else 0

    return sorted((k for k in tags if number(k) > 0), key=number)


def event_keys(tags: Mapping[str, str]) -> list[str]:
    """The one-event tags present, oldest first (their keys start with the time)."""
    return sorted(k for k in tags if k.startswith(EVENT_TAG_PREFIX))


def _to_json(event: StageEvent) -> dict[str, object]:
    item: dict[str, object] = {"k": event.kind.value}
    if event.when is not None:
        item["t"] = int(event.when.timestamp() * 1000)
    if event.who:
        item["u"] = event.who
    if event.from_value:
        item["f"] = event.from_value
    if event.to_value:
        item["to"] = event.to_value
    if event.comment:
        item["c"] = event.comment[:MAX_COMMENT]
    return item


def _from_json(version: str, item: Mapping[str, object]) -> StageEvent | None:
    try:
        kind = EventKind(str(item["k"]))
    except (KeyError, ValueError):
        return None
    raw_time = item.get("t")
    when = (
        datetime.fromtimestamp(raw_time / 1000, tz=UTC)
        if isinstance(raw_time, int | float)
        else None
    )
    return StageEvent(
        kind=kind,
        version=version,
        when=when,
        who=str(item.get("u", "")),
        from_value=str(item.get("f", "")),
        to_value=str(item.get("to", "")),
        comment=str(item.get("c", "")),
        source=EventSource.RECORDED,
    )


def recorded_events(version: str, tags: Mapping[str, str]) -> list[StageEvent]:
    """Events recorded in a version's tags; unreadable entries are skipped, never fatal."""
    items: list[object] = []
    for key in history_keys(tags):
        try:
            listed = json.loads(tags[key])
        except json.JSONDecodeError:
            continue
        if isinstance(listed, list):
            items.extend(listed)
    for key in event_keys(tags):
        found = _event_json(tags[key])
        if found is not None:
            items.append(found)
    events: list[StageEvent] = []
    for item in items:
        if isinstance(item, dict):
            event = _from_json(version, item)
            if event is not None:
                events.append(event)
    return events


JSON_START = '{"k":'  # cannot occur inside a JSON string (its quotes would be escaped)


def _event_json(value: str) -> dict[str, object] | None:
    """The JSON part of an event tag: after the plain-words line, or all of it (older tags)."""
    start = value.rfind(JSON_START)
    if start < 0:
        return None
    try:
        item = json.loads(value[start:])
    except json.JSONDecodeError:
        return None
    return item if isinstance(item, dict) else None


def event_value(event: StageEvent) -> str:
    """An event tag's value: a line in plain words, then the event as compact JSON."""
    when = event.when or datetime.now(tz=UTC)
    words = event.describe()
    if event.who:
        words += f" by {event.who}"
    words += f", {when.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    if event.comment:
        words += f": {' '.join(event.comment.split())[:MAX_COMMENT]}"
    data = json.dumps(_to_json(event), separators=(",", ":"), ensure_ascii=False)
    return f"{words}  {data}"


def event_tag(event: StageEvent) -> tuple[str, str]:
    """The (tag key, value) that records ``event`` in a tag of its own: a key no other writer
    can produce (time of the event, then 64 random bits)."""
    when = event.when or datetime.now(tz=UTC)
    key = f"{EVENT_TAG_PREFIX}{int(when.timestamp() * 1000):013d}.{secrets.token_hex(8)}"
    return key, event_value(replace(event, when=when))


def shifted_event(version: str, key: str, value: str, shift_ms: int) -> tuple[str, str] | None:
    """The same event tag moved ``shift_ms`` later (key and value); None if unreadable."""
    stamp, _, rest = key.removeprefix(EVENT_TAG_PREFIX).partition(".")
    item = _event_json(value)
    event = _from_json(version, item) if item is not None else None
    if not stamp.isdigit() or event is None or event.when is None:
        return None
    moved = replace(event, when=event.when + timedelta(milliseconds=shift_ms))
    return f"{EVENT_TAG_PREFIX}{int(stamp) + shift_ms:013d}.{rest}", event_value(moved)


def derived_events(version: VersionSummary) -> list[StageEvent]:
    """What timestamps tell without any recording: creation, and the current stage."""
    events = [
        StageEvent(
            EventKind.CREATED,
            version.version,
            when=version.created,
            who=version.creator,
            source=EventSource.DERIVED,
        )
    ]
    if version.stage.value != "None":
        events.append(
            StageEvent(
                EventKind.CURRENT,
                version.version,
                when=version.updated,
                to_value=version.stage.value,
                source=EventSource.DERIVED,
            )
        )
    return events


def version_history(
    version: VersionSummary, server_events: Iterable[StageEvent] = ()
) -> tuple[StageEvent, ...]:
    """Recorded, server and derived events of one version, oldest first.

    The derived "current stage" event is dropped when a recorded or server event already
    explains how the version reached its current stage.
    """
    recorded = recorded_events(version.version, version.tags)
    server = list(server_events)
    explained = any(
        e.kind is EventKind.STAGE and e.to_value == version.stage.value for e in recorded + server
    )
    derived = [
        e for e in derived_events(version) if not (e.kind is EventKind.CURRENT and explained)
    ]
    return merge_events(chain_stages([*recorded, *server], version), sort_events(derived))


def merge_events(chain: list[StageEvent], others: tuple[StageEvent, ...]) -> tuple[StageEvent, ...]:
    """``others`` (sorted) placed into ``chain`` by time, the chain's own order kept."""
    far = datetime.max.replace(tzinfo=UTC)
    out: list[StageEvent] = []
    rest = list(others)
    for event in chain:
        while rest and (rest[0].when or far) <= (event.when or far):
            out.append(rest.pop(0))
        out.append(event)
    return (*out, *rest)


def chain_stages(
    events: Iterable[StageEvent], current: VersionSummary | None = None
) -> list[StageEvent]:
    """One version's stage moves as a chain: each move's "from" is the stage the move before it
    left the version in, whatever its writer read beforehand — two people moving the same
    version at the same moment each read the stage before either write. A move that then
    changes nothing (a second record of the same move) is dropped.

    The order is the server's times, with one correction: a server stamps a write when it
    starts, not when it commits, so two writes at the same moment can commit in the other
    order. The version's update time is the last committed write's: the move stamped with it
    (into the current stage) is the last one, whatever the stamps of the others say."""
    ordered = list(sort_events(events))
    if current is not None and current.updated is not None:
        last = next(
            (
                e
                for e in reversed(ordered)
                if e.kind is EventKind.STAGE
                and e.when == current.updated
                and e.to_value == current.stage.value
            ),
            None,
        )
        if last is not None:  # after the stage moves stamped later, before anything else
            at = next(i for i, e in enumerate(ordered) if e is last)
            later = [i for i, e in enumerate(ordered) if i > at and e.kind is EventKind.STAGE]
            if later:
                ordered.insert(later[-1] + 1, last)
                del ordered[at]
    out: list[StageEvent] = []
    previous: str | None = None
    for event in ordered:
        if event.kind is not EventKind.STAGE or event.when is None:
            out.append(event)
            continue
        if previous is not None and previous == event.to_value:
            continue
        chained = event
        if previous is not None and (event.from_value or "None") != previous:
            chained = replace(event, from_value=previous)
        previous = event.to_value
        out.append(chained)
    return out


def sort_events(events: Iterable[StageEvent]) -> tuple[StageEvent, ...]:
    """Oldest first; events without a time go last."""
    far = datetime.max.replace(tzinfo=UTC)
    return tuple(sorted(events, key=lambda e: (e.when or far, e.kind != EventKind.CREATED)))


def visible_tags(tags: Mapping[str, str]) -> dict[str, str]:
    """Tags without Modelyard's reserved bookkeeping ones (shown in the history instead)."""
    return {k: v for k, v in tags.items() if not k.startswith(RESERVED_PREFIX)}


def stage_summary(
    versions: Iterable[VersionSummary], now: datetime | None = None
) -> list[tuple[str, str]]:
    """Per stage, the versions in it and since when: [("Production", "v7 since 3 days")]."""
    now = now or datetime.now(tz=UTC)
    out: list[tuple[str, str]] = []
    for stage in ("Production", "Staging"):
        holders = [v for v in versions if v.stage.value == stage]
        if not holders:
            continue
        parts = []
        for v in holders:
            since = _since(v, now)
            if since == "moments":
                parts.append(f"v{v.version}, just now")
            else:
                parts.append(f"v{v.version}" + (f" since {since}" if since else ""))
        out.append((stage, ", ".join(parts)))
    return out


def _since(version: VersionSummary, now: datetime) -> str:
    moves = [
        e
        for e in recorded_events(version.version, version.tags)
        if e.kind is EventKind.STAGE and e.to_value == version.stage.value and e.when
    ]
    when = moves[-1].when if moves else version.updated
    return humanize_age(now - when) if when else ""


def humanize_age(delta: timedelta) -> str:
    """'3 days', '5 hours', 'a minute' — rough, for people."""
    seconds = max(0, int(delta.total_seconds()))
    for unit, size in (
        ("year", 365 * 86400),
        ("month", 30 * 86400),
        ("day", 86400),
        ("hour", 3600),
        ("minute", 60),
    ):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return "moments"
