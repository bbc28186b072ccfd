"""Saved searches (#29): named query lines in ``searches.json`` in the config dir, shared by the
app and the CLI. Each is checked when saved (a query that does not parse is refused) and when
read (a hand-edited file with a broken entry keeps the others and says which is broken).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from modelyard.core.model.errors import ErrorKind, ModelyardError
from modelyard.core.reads.query import QueryError, parse_query
from modelyard.core.runtime.paths import config_dir, write_atomic

FILE = "searches.json"
MAX_NAME = 80


@dataclass(frozen=True)
class SavedSearch:
    name: str
    query: str


class SavedSearches:
    """The saved searches, in the order they were saved."""

    def __init__(self, folder: Path | None = None) -> None:
        self.path = (folder or config_dir()) / FILE
        self.problems: list[str] = []  # entries of the file that were left out, and why

    def load(self) -> list[SavedSearch]:
        self.problems = []
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            self.problems.append(f"{self.path} cannot be read ({exc}); no saved search is shown")
            return []
        items = raw.get("searches", []) if isinstance(raw, dict) else []
        out: list[SavedSearch] = []
        for entry in items if isinstance(items, list) else []:
            name = entry.get("name") if isinstance(entry, dict) else None
            query = entry.get("query") if isinstance(entry, dict) else None
            if not isinstance(name, str) or not isinstance(query, str) or not name.strip():
                self.problems.append(f"{self.path}: an entry without a name and a query: {entry!r}")
                continue
            try:
                parse_query(query)
            except QueryError as exc:
                self.problems.append(f"saved search {name!r}: {exc}")
                continue
            out.append(SavedSearch(name.strip(), query))
        return out

    def get(self, name: str) -> SavedSearch:
        found = next((s for s in self.load() if s.name.lower() == name.strip().lower()), None)
        if found is None:
            known = ", ".join(s.name for s in self.load()) or "none yet"
            raise ModelyardError(
                f"no saved search named {name!r} (saved: {known})", ErrorKind.NOT_FOUND
            )
        return found

    def save(self, name: str, query: str) -> SavedSearch:
        """Save (or replace) ``name``; a query that does not parse is refused."""
        name = " ".join(name.split())
        if not name or len(name) > MAX_NAME:
            raise ModelyardError(
                f"a saved search needs a name of 1 to {MAX_NAME} characters", ErrorKind.INVALID
            )
        try:
            parse_query(query)
        except QueryError as exc:
            raise ModelyardError(f"not saved: {exc}", ErrorKind.INVALID) from None
        kept = [s for s in self.load() if s.name.lower() != name.lower()]
        saved = SavedSearch(name, query.strip())
        self._write([*kept, saved])
        return saved

    def remove(self, name: str) -> None:
        found = self.get(name)
        self._write([s for s in self.load() if s != found])

    def _write(self, searches: list[SavedSearch]) -> None:
        body = {"searches": [{"name": s.name, "query": s.query} for s in searches]}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, json.dumps(body, indent=2, ensure_ascii=False) + "\n")
