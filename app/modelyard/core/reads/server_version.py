"""What an MLflow tracking server can do, from the version it reports (``GET /version``).

Servers differ in what they answer: aliases came with MLflow 2.3; prompts (registered models
tagged ``mlflow.prompt.is_prompt``) with 2.21, and a server before 2.21 evaluates the filter that
leaves prompts out of a listing so that it drops every model (its answer is empty). A server
that does not say its version (a proxy in front, a fork) is taken to be current, but is never
sent the prompt filter (prompts are then left out on this side). A versions search takes
``name IN (…)`` from 3.17 on (one request reads many models' versions); it goes only to a server
that says it is 3.17 or later (an older one answers 400).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from modelyard.core.model.domain import Capabilities

_RELEASE = re.compile(r"^\s*(\d+)\.(\d+)(?:\.(\d+))?")


@dataclass(frozen=True, slots=True)
class Feature:
    """Something a server has from one MLflow release on."""

    name: str
    since: tuple[int, int]
    words: str = ""  # what people miss without it ("": nothing they would notice)


ALIASES = Feature("aliases", (2, 3), "no aliases (they came with MLflow 2.3)")
PROMPT_FILTER = Feature("prompt filter", (2, 21))
# ``name IN (…)`` in a versions search: the versions of many models in one request
NAMES_FILTER = Feature("versions of many models in one search", (3, 17))
FEATURES = (ALIASES, PROMPT_FILTER, NAMES_FILTER)


@dataclass(frozen=True, slots=True)
class ServerVersion:
    """The version an MLflow server reports ("" when it did not say)."""

    text: str = ""

    @property
    def release(self) -> tuple[int, int, int] | None:
        """(major, minor, patch), or None when unknown."""
        match = _RELEASE.match(self.text)
        if match is None:
            return None
        return (int(match[1]), int(match[2]), int(match[3] or 0))

    def has(self, feature: Feature) -> bool | None:
        """Whether the server has ``feature`` (None: it did not say its version)."""
        release = self.release
        if release is None:
            return None
        return release[:2] >= feature.since

    def label(self) -> str:
        """ "MLflow 2.9.2", or "" when unknown."""
        return f"MLflow {self.text.strip()}" if self.release is not None else ""

    def lacks(self) -> tuple[str, ...]:
        """Sentences naming what people miss on this server (none when it did not say)."""
        label = self.label()
        return tuple(
            f"{label} has {feature.words}."
            for feature in FEATURES
            if feature.words and self.has(feature) is False
        )

    def capabilities(self, base: Capabilities) -> Capabilities:
        """``base`` narrowed to what this server can do, naming its version and what it lacks."""
        from dataclasses import replace

        return replace(
            base,
            aliases=base.aliases and self.has(ALIASES) is not False,
            versions_by_names=self.has(NAMES_FILTER) is True,  # never guessed: a 400 otherwise
            server=self.label(),
            lacks=self.lacks(),
        )


_ANSWER = re.compile(r"\d+\.\d+(?:\.\d+)?(?:[.+-]?[0-9A-Za-z]+)*")


def parse_version_answer(status: int, text: str) -> ServerVersion:
    """The version in an answer to ``GET /version``: a bare "2.9.2" (served as text/html by
    every release); anything else (a login page, a JSON error, a proxy's 404) says nothing."""
    answer = text.strip()
    if status != 200 or len(answer) > 40 or not _ANSWER.fullmatch(answer):
        return ServerVersion()
    return ServerVersion(answer)
