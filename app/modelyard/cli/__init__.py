"""The ``modelyard`` command: no sub-command opens the GUI; sub-commands script the same core.

Every failure ends with a one-line reason on stderr and a non-zero exit code. The commands live
by area (profiles, browse, promote, artifacts, compare) and share one output module.
"""

from modelyard.cli import (
    artifacts,
    browse,
    compare,
    copy,
    profile_edit,
    profiles,
    promote,
    prune,
    search,
    sync,
    tag,
)
from modelyard.cli.app import cli, main, no_display_reason

__all__ = [
    "artifacts",
    "browse",
    "cli",
    "compare",
    "copy",
    "main",
    "no_display_reason",
    "profile_edit",
    "profiles",
    "promote",
    "prune",
    "search",
    "sync",
    "tag",
]
