"""Which alias names a registry accepts, said before anything is sent.

These are MLflow's documented rules for registered-model aliases (mlflow/utils/validation.py:
letters, digits, ``_`` and ``-``; at most 255 characters; ``latest`` and ``v<number>`` are
reserved). A unit test holds this function against MLflow's own validators, so the two cannot
drift apart silently.
"""

from __future__ import annotations

import re

ALLOWED = re.compile(r"^[\w\-]+$")
VERSION_LIKE = re.compile(r"^[vV]\d+$")
MAX_LENGTH = 255
RULE = "letters, digits, _ and - only (no spaces), and not 'latest', v1, v2 and the like"


def alias_problem(name: str) -> str | None:
    """Why ``name`` cannot be an alias, in plain words, or None when it can."""
    if not name:
        return "An alias needs a name."
    if not ALLOWED.match(name):
        return f"'{name}' cannot be an alias: use {RULE}."
    if len(name) > MAX_LENGTH:
        return f"An alias is at most {MAX_LENGTH} characters ({len(name)} given)."
    if name.lower() == "latest":
        return "'latest' is reserved: it always means the newest version."
    if VERSION_LIKE.match(name):
        return f"'{name}' is reserved: it means version {name[1:]}."
    return None
