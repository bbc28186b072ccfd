"""What held each stage and each alias of a model at a moment (#28): "what held @champion last
Tuesday". Replays the model's history (recorded events, the server's transition log, and what
the timestamps tell) up to that moment, and says where the record does not reach.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from modelyard.core.model.domain import EventKind, StageEvent, VersionSummary, version_sort_key


@dataclass(frozen=True)
class Held:
    """One stage or alias and the version that held it at the moment asked."""

    what: str  # "Production", "Staging", or "@champion"
    version: str
    since: datetime | None  # when it started to hold it, as far as the record tells
    exact: bool = True  # False: only "at least since" (the version's last update)

    @property
    def is_alias(self) -> bool:
        return self.what.startswith("@")

    def describe(self) -> str:
        if self.since is None:
            return f"{self.what}: v{self.version} (held now; when it was set is not recorded)"
        when = self.since.astimezone().strftime("%Y-%m-%d %H:%M")
        return f"{self.what}: v{self.version} {'since' if self.exact else 'since at least'} {when}"


@dataclass(frozen=True)
class Moment:
    """A model's stages and aliases at one moment, and what the record cannot tell."""

    at: datetime
    held: tuple[Held, ...]
    unknown: tuple[str, ...] = ()  # sentences: versions whose stage then is not known

    def of(self, what: str) -> Held | None:
        """What held ``what`` ("Production", "@champion") then."""
        return next((h for h in self.held if h.what.lower() == what.lower()), None)


def state_at(
    versions: Sequence[VersionSummary],
    events: Iterable[StageEvent],
    aliases_now: Mapping[str, str],
    at: datetime,
) -> Moment:
    """Replay ``events`` (a model's timeline, any order) up to ``at``."""
    timeline = sorted(((e.when, e) for e in events if e.when is not None), key=lambda p: p[0])
    held: list[Held] = []
    unknown: list[str] = []
    for v in sorted(versions, key=lambda v: version_sort_key(v.version)):
        if v.created is not None and v.created > at:
            continue  # not there yet
        mine = [e for _, e in timeline if e.version == v.version]
        moves = [
            e for when, e in timeline if e in mine and e.kind is EventKind.STAGE and when <= at
        ]
        if moves:
            last = moves[-1]
            if last.to_value != "None":
                held.append(Held(last.to_value, v.version, last.when))
            continue
        recorded = any(e.kind is EventKind.STAGE for e in mine)
        current = next((e for e in mine if e.kind is EventKind.CURRENT), None)
        if current is not None and not recorded and current.when is not None:
            if current.when <= at:
                held.append(Held(current.to_value, v.version, current.when, exact=False))
            else:
                unknown.append(
                    f"v{v.version}: now {current.to_value} since at least "
                    f"{current.when.astimezone():%Y-%m-%d %H:%M}; its stage before is not recorded"
                )
    holders: dict[str, tuple[str, datetime | None]] = {}
    told: set[str] = set()
    for when, e in timeline:
        if e.kind is EventKind.ALIAS_SET:
            told.add(e.to_value)
            if when <= at:
                holders[e.to_value] = (e.version, when)
        elif e.kind is EventKind.ALIAS_REMOVED:
            told.add(e.from_value)
            # taken from that version: a removal recorded beside a move to another version
            # (the same moment, either order) does not take it from the new holder
            if when <= at and holders.get(e.from_value, ("",))[0] == e.version:
                holders.pop(e.from_value)
    for alias, version in aliases_now.items():
        if alias not in told:  # set outside Modelyard: held now, since when is unknown
            holders.setdefault(alias, (version, None))
    held += [Held(f"@{a}", v, when) for a, (v, when) in sorted(holders.items())]
    order = {"Production": 0, "Staging": 1, "Archived": 2}
    held.sort(key=lambda h: (h.is_alias, order.get(h.what, 3), h.what, version_sort_key(h.version)))
    return Moment(at, tuple(held), tuple(unknown))


def parse_moment(text: str) -> datetime:
    """ "2026-11-20 14:00" (this machine's time zone), or ISO 8601 with a zone; ValueError
    with the accepted forms otherwise."""
    raw = text.strip().replace("T", " ", 1)
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(
            f'{text!r} is not a moment: give it as "2026-11-20 14:00" (local time) or '
            '"2026-11-20T14:00+01:00"'
        ) from None
    return parsed if parsed.tzinfo is not None else parsed.astimezone()


@dataclass(frozen=True)
class Restore:
    """Putting one stage's or alias's holder back as it was at a moment: as one promotion."""

    what: str  # "Production" or "@champion"
    version: str  # the version the promotion moves ("" when there is nothing to do)
    kind: str  # a promote Target kind: "stage", "alias" or "remove-alias"
    value: str  # the stage, or the alias's name
    archive_existing: bool = False
    idle: str = ""  # why nothing is to be done (it is already so, or cannot be said)


def plan_restore(
    moment: Moment,
    what: str,
    aliases_now: Mapping[str, str],
    stages_now: Mapping[str, Sequence[str]] | None = None,
) -> Restore:
    """The promotion that puts ``what`` ("Production", "@champion") back as it was at
    ``moment``; ``idle`` says why there is none. ``stages_now``: the versions in each stage
    now, when known (then a stage already as it was is idle too)."""
    name = what.strip()
    then = moment.of(name)
    if name.startswith("@"):
        alias = name[1:]
        now = aliases_now.get(alias)
        if then is None and now is None:
            return Restore(name, "", "alias", alias, idle=f"{name} was not set then, nor now.")
        if then is None:
            return Restore(name, now or "", "remove-alias", alias)
        if now == then.version:
            return Restore(name, "", "alias", alias, idle=f"{name} is on v{now} now too.")
        return Restore(name, then.version, "alias", alias)
    stage = name.capitalize()
    holders = [h for h in moment.held if h.what == stage]
    if len(holders) != 1:
        why = "nothing" if not holders else f"{len(holders)} versions"
        return Restore(
            stage,
            "",
            "stage",
            stage,
            idle=f"{why} held {stage} then: a restore puts back one version (move them by hand).",
        )
    version = holders[0].version
    if stages_now is not None and list(stages_now.get(stage, ())) == [version]:
        return Restore(stage, "", "stage", stage, idle=f"v{version} is the one in {stage} now too.")
    return Restore(stage, version, "stage", stage, archive_existing=True)


def stages_of(versions: Iterable[VersionSummary]) -> dict[str, list[str]]:
    """The versions in each stage now."""
    out: dict[str, list[str]] = {}
    for v in sorted(versions, key=lambda v: version_sort_key(v.version)):
        out.setdefault(v.stage.value, []).append(v.version)
    return out


@dataclass(frozen=True)
class Span:
    """One stretch of time during which one version held one stage or alias."""

    what: str  # "Production", "Staging", "Archived", or "@champion"
    version: str
    start: datetime | None  # None: before the record reaches (held now, set outside it)
    end: datetime | None  # None: holds it still
    exact: bool = True  # False: the start is "at least since" (the version's last update)

    def covers(self, at: datetime) -> bool:
        return (self.start is None or self.start <= at) and (self.end is None or at < self.end)


def spans(
    versions: Sequence[VersionSummary],
    events: Iterable[StageEvent],
    aliases_now: Mapping[str, str],
) -> tuple[Span, ...]:
    """Which version held each stage and each alias over time: the same replay as
    :func:`state_at`, kept as stretches of time (for a timeline), in one pass over the events."""
    timeline = sorted((e for e in events if e.when is not None), key=lambda e: e.when or _EPOCH)
    known = {v.version for v in versions}
    out: list[Span] = []
    for version in sorted(known, key=version_sort_key):
        mine = [e for e in timeline if e.version == version]
        moves = [e for e in mine if e.kind is EventKind.STAGE]
        for i, move in enumerate(moves):
            if move.to_value == "None":
                continue
            end = moves[i + 1].when if i + 1 < len(moves) else None
            out.append(Span(move.to_value, version, move.when, end))
        current = next((e for e in mine if e.kind is EventKind.CURRENT), None)
        if not moves and current is not None and current.to_value != "None":
            out.append(Span(current.to_value, version, current.when, None, exact=False))
    open_: dict[str, tuple[str, datetime | None]] = {}
    told: set[str] = set()
    for e in timeline:
        if e.kind is EventKind.ALIAS_SET:
            told.add(e.to_value)
            if e.to_value in open_:
                held, since = open_.pop(e.to_value)
                out.append(Span(f"@{e.to_value}", held, since, e.when))
            open_[e.to_value] = (e.version, e.when)
        elif e.kind is EventKind.ALIAS_REMOVED:
            told.add(e.from_value)
            if open_.get(e.from_value, ("",))[0] == e.version:  # as in state_at
                held, since = open_.pop(e.from_value)
                out.append(Span(f"@{e.from_value}", held, since, e.when))
    out += [Span(f"@{a}", v, since, None) for a, (v, since) in open_.items()]
    out += [Span(f"@{a}", v, None, None) for a, v in aliases_now.items() if a not in told]
    order = {"Production": 0, "Staging": 1, "Archived": 2}
    out.sort(
        key=lambda s: (
            s.what.startswith("@"),
            order.get(s.what, 3),
            s.what,
            s.start or _EPOCH,
            version_sort_key(s.version),
        )
    )
    return tuple(out)


def lanes(all_spans: Sequence[Span]) -> tuple[str, ...]:
    """The stages and aliases the spans are about, in the order a timeline shows them."""
    return tuple(dict.fromkeys(s.what for s in all_spans))


_EPOCH = datetime(1970, 1, 1).astimezone()
