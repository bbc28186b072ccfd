"""The line above the promotion board that says what the user may do there, and how."""

from __future__ import annotations

from modelyard.core.model.domain import Access
from modelyard.core.reads.server_version import ALIASES


def board_hint(
    access: Access,
    may_request: bool,
    *,
    editable: bool,
    readonly_reason: str,
    busy: bool,
    stages: bool,
    aliases: bool,
    server: str,
) -> str:
    """For people: read-only and why, a change in flight, requests only, or how to drag."""
    if not editable:
        return f"Read-only: {readonly_reason}"
    if busy:
        return "Applying…"
    if access.edit is False and may_request:
        return (
            f"You may request stage transitions ({access.level or 'request only'}): drag a "
            "version onto a stage to ask for it; someone who manages the model approves."
        )
    if access.stages is not None and may_request:
        return (
            f"{access.level}: you move versions between None, Staging and Archived; a drop "
            "on Production becomes a request that someone else approves."
        )
    if stages and aliases:
        return (
            "Drag a version card onto a stage or an alias lane (or use the Menu key): "
            "you confirm before anything changes."
        )
    if stages:
        why = (
            f"This server runs {server}, which has {ALIASES.words}."
            if server
            else "This registry has no aliases."
        )
        return (
            "Drag a version card onto a stage (or use the Menu key): you confirm before "
            f"anything changes. {why}"
        )
    return "This registry has aliases only: drag a version onto an alias."
