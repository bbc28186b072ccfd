"""Fuzzy matching for the command palette (#29): the letters typed, in order, anywhere in a
name; a letter at the start of a word or right after the one before ranks higher, and a
shorter name ranks higher among equals."""

from __future__ import annotations


def fuzzy(query: str, text: str) -> float | None:
    """How well ``query``'s letters appear in ``text`` in order (higher is better), or None."""
    if not query:
        return 0.0
    wanted, hay = query.lower(), text.lower()
    score, at, previous = 0.0, 0, -2
    for char in wanted:
        if char == " ":
            continue
        found = hay.find(char, at)
        if found < 0:
            return None
        if found == previous + 1:
            score += 3  # right after the letter before
        if found == 0 or not hay[found - 1].isalnum():
            score += 2  # the start of a word
        score -= 0.01 * (found - at)  # a gap
        previous, at = found, found + 1
    return score - 0.001 * len(hay)


class Narrowing:
    """Fuzzy matching over many names as a person types: a query that extends the last one
    only looks among the last one's matches (letters in order: what did not match "chu" does
    not match "churn"), so typing on gets faster as the matches get fewer."""

    def __init__(self, names: list[str]) -> None:
        self.folded = [name.lower() for name in names]
        self._last = ""
        self._matches: list[int] = list(range(len(names)))

    def best(self, query: str, limit: int) -> list[int]:
        """The indices of the ``limit`` best matches, best first (ties: the names' order)."""
        wanted = query.lower()
        pool = self._matches if wanted.startswith(self._last) else range(len(self.folded))
        scored = [(score, n) for n in pool if (score := fuzzy(wanted, self.folded[n])) is not None]
        self._last, self._matches = wanted, [n for _s, n in scored]
        scored.sort(key=lambda p: (-p[0], p[1]))
        return [n for _s, n in scored[:limit]]
