"""``modelyard search QUERY``: one row per matching version across every profile (or those
given), in the query language of ``core.reads.query`` (``modelyard search --help`` lists it).
A registry that cannot be reached is searched in its kept state, each row marked with when it
was seen; the exit code is 1 when nothing matched and one registry could not be searched at
all, 0 otherwise."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

from modelyard.cli.app import cli
from modelyard.cli.output import _echo, _echo_exact, _fail, _p, _reported, _table

if TYPE_CHECKING:
    from modelyard.core.profiles.profile import Profile
    from modelyard.core.reads.query import Query
    from modelyard.core.reads.search import Hit

QUERY_HELP = """Find versions across registries. QUERY is one line of terms, all of which must
hold:

\b
  churn              a word in a model's name or description, or a version's description
  @champion          holds an alias starting so (@ alone: any alias)
  stage:prod         in a stage (a prefix is enough)
  tag:team=fraud     a tag of the version or its model (tag:team: any value; * wildcard)
  by:ana             registered by someone
  registry:prod      in profiles named so (a prefix or a glob)
  metric:val_auc>0.9 the source run's latest value (> >= < <= = !=)
  updated:<7d        updated less than 7 days ago (>30d: longer ago; m h d w; or >2026-11-20)
  created:<24h       the same for when it was registered
  -term              the term must not hold; quotes keep spaces: tag:team="fraud risk"
"""


@cli.command("search", help=QUERY_HELP)
@click.argument("query", required=False)
@click.option(
    "--profile", "profiles", multiple=True, metavar="NAME", help="Search only these (repeat)."
)
@click.option("--offline", is_flag=True, help="Search the kept state only; ask no registry.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.option("--saved", metavar="NAME", help="Run a saved search (see modelyard searches).")
@click.option("--save", "save_as", metavar="NAME", help="Save QUERY under NAME, then run it.")
def search(
    query: str | None,
    profiles: tuple[str, ...],
    offline: bool,
    as_json: bool,
    saved: str | None,
    save_as: str | None,
) -> None:
    from modelyard.core.profiles.profile import ProfileStore
    from modelyard.core.reads.query import QueryError, parse_query
    from modelyard.core.reads.saved import SavedSearches

    with _reported():
        if (query is None) == (saved is None):
            _fail("search: give a QUERY, or --saved NAME")
        if saved is not None:
            query = SavedSearches().get(saved).query
        assert query is not None
        if save_as is not None:
            stored = SavedSearches().save(save_as, query)
            _echo(f"Saved search {_p(stored.name)}: {_p(stored.query)}", err=True)
        try:
            parsed = parse_query(query)
        except QueryError as exc:
            _fail(f"search: {exc}")
        store = ProfileStore()
        chosen = [store.get(name) for name in profiles] if profiles else store.load()[0]
        if not chosen:
            _fail("search: no profile to search (see modelyard profiles list)")
        chosen = [p for p in chosen if parsed.wants_registry(p.name)]
        if not chosen:
            asked = " ".join(t.describe() for t in parsed.terms if t.field == "registry")
            _fail(f"search: no profile matches {asked} (see modelyard profiles list)")
        with ThreadPoolExecutor(max_workers=min(4, len(chosen))) as pool:
            answers = list(pool.map(lambda p: _search_one(p, parsed, offline), chosen))
    hits = [hit for found, _note, _failed in answers for hit in found]
    for _found, note, _failed in answers:
        if note:
            _echo(f"modelyard: {_p(note)}", err=True)
    if as_json:
        _echo_exact(json.dumps([_as_json(h) for h in hits], indent=2))
    elif hits:
        kept = any(h.seen is not None for h in hits)  # a SEEN column only when some are old
        rows = [
            [
                _p(h.profile),
                _p(h.model),
                f"v{_p(h.version)}",
                h.stage,
                _p(" ".join(f"@{a}" for a in h.aliases)) or "-",
                _p("; ".join(h.matched)) or "-",
                *([_seen(h.seen)] if kept else []),
            ]
            for h in hits
        ]
        headers = ["PROFILE", "MODEL", "VERSION", "STAGE", "ALIASES", "MATCHED"]
        _echo(_table(rows, [*headers, *(["SEEN"] if kept else [])]))
    else:
        _echo("No version matches.")
    if not hits and any(failed for _found, _note, failed in answers):
        raise SystemExit(1)


def _search_one(profile: Profile, query: Query, offline: bool) -> tuple[list[Hit], str, bool]:
    """(hits, a note for stderr, whether the registry could not be searched at all)."""
    from modelyard.core.connectors import open_registry
    from modelyard.core.model.errors import UNREACHABLE, ModelyardError
    from modelyard.core.model.snapshot import keep_snapshot, load_snapshot
    from modelyard.core.model.state import RegistryState
    from modelyard.core.profiles.secrets import SecretStore
    from modelyard.core.reads.search import merge_read, read_for_search, search_kept

    why = "--offline"
    cached = load_snapshot(profile.id)
    if not offline:
        try:
            registry = open_registry(profile, SecretStore())
            try:
                read = read_for_search(registry, profile.name, query)
            finally:
                registry.close()
        except ModelyardError as exc:
            if exc.kind not in UNREACHABLE:
                return [], f"{profile.name}: not searched: {exc.message}", True
            why = exc.message
        else:  # kept, as ls keeps it: the next search of a registry that is down finds it
            state = cached or RegistryState(profile.id)
            merge_read(state, read)
            problem = keep_snapshot(state)
            found = search_kept(state, profile.name, query, read.metrics, as_seen=False)
            return found, f"warning: {problem}" if problem else "", False
    if cached is None or cached.models_read_at is None:
        return [], f"{profile.name}: not searched ({why}) and nothing of it is kept yet", True
    found = search_kept(cached, profile.name, query)
    note = (
        "" if offline else f"{profile.name}: {why}; searched as seen {_seen(cached.models_read_at)}"
    )
    if query.needs_metrics:
        note = (note + "; " if note else f"{profile.name}: ") + "metrics are not kept: none held"
    return found, note, False


def _seen(when: datetime | None) -> str:
    if when is None:
        return "now"
    from modelyard.core.reads.history import humanize_age

    return f"{humanize_age(datetime.now(UTC) - when)} ago"


def _as_json(hit: Hit) -> dict[str, object]:
    return {
        "profile": hit.profile,
        "model": hit.model,
        "version": hit.version,
        "stage": hit.stage,
        "aliases": list(hit.aliases),
        "matched": list(hit.matched),
        "seen": hit.seen.isoformat() if hit.seen else None,
    }


@cli.command("searches")
@click.option("--remove", metavar="NAME", help="Forget this saved search.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def searches(remove: str | None, as_json: bool) -> None:
    """The saved searches (shared with the app's Find); save one with search --save NAME."""
    from modelyard.core.reads.saved import SavedSearches

    with _reported():
        store = SavedSearches()
        if remove is not None:
            store.remove(remove)
            _echo(f"Removed saved search {_p(remove)}.")
            return
        found = store.load()
        for problem in store.problems:
            _echo(f"modelyard: warning: {_p(problem)}", err=True)
    if as_json:
        _echo_exact(json.dumps([{"name": s.name, "query": s.query} for s in found], indent=2))
    elif found:
        _echo(_table([[_p(s.name), _p(s.query)] for s in found], ["NAME", "QUERY"]))
    else:
        _echo('No saved search yet: modelyard search "stage:prod" --save "in production"')
