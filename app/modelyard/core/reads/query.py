"""The search language (#29): one line that finds versions across every registry.

    churn @champion stage:prod tag:team=fraud by:ana registry:prod metric:val_auc>0.9 updated:<7d

Free words match a model's name or description or a version's description (all of them, any
case); ``@alias`` a version holding an alias that starts so (``@`` alone: any alias);
``stage:`` a stage (``prod`` is enough); ``tag:key=value`` a tag of the version or its model
(``tag:key`` for presence, ``*`` in the value as a wildcard); ``by:`` who registered the version;
``registry:`` a profile's name (a prefix or glob); ``metric:name>0.9`` the source run's latest
value (``>``, ``>=``, ``<``, ``<=``, ``=``, ``!=``); ``updated:<7d`` updated less than 7 days
ago (``>30d``: longer ago; ``m``, ``h``, ``d``, ``w``; or ``updated:>2026-11-20``: after that
day), the same for ``created:``. A leading ``-`` negates a term; quotes keep spaces
(``tag:team="fraud risk"``). Every term must hold.

Pure: parsing and matching, no I/O (the callers read the registries, the kept state or the
snapshot, and the source runs' metrics only for versions the other terms left).
"""

from __future__ import annotations

import fnmatch
import math
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from modelyard.core.model.domain import ModelSummary, Stage, VersionSummary

FIELDS = ("stage", "tag", "by", "registry", "metric", "updated", "created")
OPS = (">=", "<=", "!=", ">", "<", "=")
_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_AGE = re.compile(r"^([<>])(\d+(?:\.\d+)?)([mhdw])$")
_METRIC = re.compile(r"^([^<>=!]+)(>=|<=|!=|>|<|=)(.+)$")


class QueryError(ValueError):
    """A query that cannot be read, with what is wrong and what is accepted."""


@dataclass(frozen=True)
class Term:
    """One condition of a query."""

    field: str  # "word", "alias", or one of FIELDS
    key: str = ""  # the tag's or the metric's name
    op: str = ""  # a comparison: one of OPS (metric), "<" / ">" (updated, created)
    value: str = ""
    negated: bool = False
    since: datetime | None = None  # updated/created: the moment compared with

    def describe(self) -> str:
        """The term as typed again, for "what matched" and messages."""
        sign = "-" if self.negated else ""
        if self.field == "word":
            return f"{sign}{self.value}"
        if self.field == "alias":
            return f"{sign}@{self.value}"
        if self.field == "tag":
            return f"{sign}tag:{self.key}" + (f"={self.value}" if self.op else "")
        if self.field == "metric":
            return f"{sign}metric:{self.key}{self.op}{self.value}"
        if self.field in ("updated", "created"):
            return f"{sign}{self.field}:{self.op}{self.value}"
        return f"{sign}{self.field}:{self.value}"


@dataclass(frozen=True)
class Query:
    """The terms of a query line; an empty query matches everything."""

    text: str
    terms: tuple[Term, ...]

    @property
    def needs_metrics(self) -> bool:
        return any(t.field == "metric" for t in self.terms)

    def without_metrics(self) -> Query:
        """The terms that need no run read: filter with these first."""
        return Query(self.text, tuple(t for t in self.terms if t.field != "metric"))

    def wants_registry(self, profile: str) -> bool:
        """Whether a profile's versions can match at all (its ``registry:`` terms)."""
        return all(
            _registry_matches(t.value, profile) != t.negated
            for t in self.terms
            if t.field == "registry"
        )


def looks_like_query(text: str) -> bool:
    """Whether ``text`` uses more than words and ``@alias`` (a field term, or a negation):
    the tree's filter box shows a query's results for it, else it filters the tree."""
    for token in text.split():
        if token.startswith("-") and len(token) > 1:
            return True
        field, sep, _rest = token.partition(":")
        if sep and field.lower() in FIELDS:
            return True
    return False


def parse_query(text: str, now: datetime | None = None) -> Query:
    """Read ``text``; QueryError names the term that is wrong and what is accepted."""
    now = now or datetime.now(UTC)
    try:
        tokens = shlex.split(text, posix=True)
    except ValueError:
        raise QueryError(f"{text!r}: a quote is not closed") from None
    return Query(text, tuple(_term(token, now) for token in tokens))


def _term(token: str, now: datetime) -> Term:
    negated = token.startswith("-") and len(token) > 1
    body = token[1:] if negated else token
    if body.startswith("@"):
        return Term("alias", value=body[1:].lower(), negated=negated)
    field, sep, rest = body.partition(":")
    field = field.lower()
    if not sep or field not in FIELDS:
        return Term("word", value=body.lower(), negated=negated)
    if not rest:
        raise QueryError(f"{token!r}: {field}: needs a value ({_EXAMPLES[field]})")
    if field == "stage":
        return Term("stage", value=_stage(token, rest).value, negated=negated)
    if field == "tag":
        key, eq, value = rest.partition("=")
        if not key:
            raise QueryError(f"{token!r}: the tag's key is missing ({_EXAMPLES['tag']})")
        return Term("tag", key=key, op="=" if eq else "", value=value, negated=negated)
    if field == "metric":
        found = _METRIC.match(rest)
        if found is None:
            raise QueryError(f"{token!r}: give a metric and a comparison ({_EXAMPLES['metric']})")
        key, op, number = found.groups()
        try:
            if not math.isfinite(float(number)):
                raise ValueError(number)
        except ValueError:
            raise QueryError(f"{token!r}: {number!r} is not a number") from None
        return Term("metric", key=key.strip(), op=op, value=number, negated=negated)
    if field in ("updated", "created"):
        op, since = _moment(token, rest, now)
        return Term(field, op=op, value=rest[1:], negated=negated, since=since)
    return Term(field, value=rest.lower(), negated=negated)  # by:, registry:


_EXAMPLES = {
    "stage": "stage:Production, stage:staging, stage:none",
    "tag": "tag:team=fraud, or tag:team for any value",
    "by": "by:ana",
    "registry": "registry:prod, registry:dev-*",
    "metric": "metric:val_accuracy>0.9, metric:rmse<=1.5",
    "updated": "updated:<7d (less than 7 days ago), updated:>2026-11-20",
    "created": "created:<24h, created:>2026-11-01",
}


def _stage(token: str, text: str) -> Stage:
    wanted = text.lower()
    found = [s for s in Stage if s.value.lower().startswith(wanted)]
    if len(found) != 1:
        names = ", ".join(s.value for s in Stage)
        raise QueryError(f"{token!r}: not a stage (one of {names}; a prefix is enough)")
    return found[0]


def _moment(token: str, text: str, now: datetime) -> tuple[str, datetime]:
    """``<7d`` → ("<", now − 7 days): less than 7 days ago means after that moment; a date
    compares as itself (``>2026-11-20``: after that day began, local time)."""
    age = _AGE.match(text)
    if age is not None:
        op, amount, unit = age.groups()
        return op, now - timedelta(seconds=float(amount) * _UNITS[unit])
    if text[:1] in "<>":
        try:
            day = datetime.fromisoformat(text[1:])
        except ValueError:
            pass
        else:
            moment = day if day.tzinfo is not None else day.astimezone()
            return ("<" if text[0] == ">" else ">"), moment  # "after" as an age: less than
    field = token.lstrip("-").split(":", 1)[0]
    raise QueryError(f"{token!r}: not an age or a day ({_EXAMPLES[field]})")


# --- matching ---------------------------------------------------------------------------------
def match(
    query: Query,
    profile: str,
    model: ModelSummary,
    version: VersionSummary,
    metrics: Mapping[str, float] | None = None,
) -> tuple[str, ...] | None:
    """What of ``version`` (of ``model``, in ``profile``) matches each term, in the terms'
    order; None when a term does not hold. ``metrics``: the source run's latest values, when
    read (a metric term does not hold without them)."""
    said: list[str] = []
    for term in query.terms:
        found = _holds(term, profile, model, version, metrics)
        if (found is not None) == term.negated:
            return None
        if found:
            said.append(found)
    return tuple(said)


def _holds(
    term: Term,
    profile: str,
    model: ModelSummary,
    version: VersionSummary,
    metrics: Mapping[str, float] | None,
) -> str | None:
    """What matched ("name", "@champion", "val_auc=0.93"), "" for a match that says nothing
    new (a negated term), or None."""
    field = term.field
    if field == "word":
        for where, text in (
            ("name", model.name),
            ("description", model.description),
            ("version description", version.description),
        ):
            if term.value in text.lower():
                return f"{where} has “{term.value}”"
        return None
    if field == "alias":
        aliases = sorted(a for a, v in model.aliases.items() if v == version.version)
        held = [a for a in aliases if a.lower().startswith(term.value)]
        return " ".join(f"@{a}" for a in held) if held else None
    if field == "stage":
        return f"in {version.stage.value}" if version.stage.value == term.value else None
    if field == "tag":
        for where, tags in (("", version.tags), ("model ", model.tags)):
            value = tags.get(term.key)
            if value is None:
                continue
            if not term.op or fnmatch.fnmatchcase(value.lower(), term.value.lower()):
                return f"{where}tag {term.key}={value}"
        return None
    if field == "by":
        return f"by {version.creator}" if term.value in version.creator.lower() else None
    if field == "registry":
        return "" if _registry_matches(term.value, profile) else None
    if field == "metric":
        logged = (metrics or {}).get(term.key)
        if logged is None or not _compare(logged, term.op, float(term.value)):
            return None
        return f"{term.key}={logged:g}"
    stamp = version.updated if field == "updated" else version.created
    if stamp is None or term.since is None:
        return None
    recent = stamp > term.since
    if recent != (term.op == "<"):
        return None
    return f"{field} {stamp.astimezone():%Y-%m-%d %H:%M}"


def _compare(value: float, op: str, wanted: float) -> bool:
    return {
        ">": value > wanted,
        ">=": value >= wanted,
        "<": value < wanted,
        "<=": value <= wanted,
        "=": value == wanted,
        "!=": value != wanted,
    }[op]


def _registry_matches(wanted: str, profile: str) -> bool:
    name = profile.lower()
    return name.startswith(wanted) or fnmatch.fnmatchcase(name, wanted)
