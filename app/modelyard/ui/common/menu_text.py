"""Text that goes into menus."""

from __future__ import annotations


def literal(text: str) -> str:
    """Registry or profile text as a menu item's text: an "&" shows as itself, not as the
    mark of a keyboard shortcut."""
    return text.replace("&", "&&")
