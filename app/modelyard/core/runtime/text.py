"""Registry text on its way to people: control characters made visible, never obeyed.

Model names, descriptions and tags come from whoever can write to a registry. Printed as they
are, an escape sequence could clear the screen, retitle the window or write the clipboard
(OSC 52); a newline could forge output lines; bidi overrides could reorder what is read.
:func:`printable` shows such characters as escapes (``\\x1b``, ``\\n``, ``\\u202e``).
JSON output does not go through here: it stays exact (``json.dumps`` escapes control characters
itself).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Bidirectional overrides and isolates ("Trojan Source"), and the line/paragraph separators.
_INVISIBLE_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029"
)


def _needs_escape(char: str) -> bool:
    return unicodedata.category(char) == "Cc" or char in _INVISIBLE_CONTROLS


def printable(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with control characters written as escapes; ``keep_newlines`` keeps ``\\n``
    (and ``\\t``) for multi-line text such as descriptions."""
    if not any(_needs_escape(c) for c in text):
        return text
    out = []
    for char in text:
        if keep_newlines and char in "\n\t":
            out.append(char)
        elif _needs_escape(char):
            out.append(char.encode("unicode_escape").decode("ascii"))
        else:
            out.append(char)
    return "".join(out)


_URL_CREDENTIALS = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/\s@]*)@")


def redact_url(text: str) -> str:
    """``text`` with the credentials of every ``scheme://user:password@`` in it replaced: the
    user name is kept (it helps), the password becomes ``•••``."""

    def hide(match: re.Match[str]) -> str:
        user, colon, _password = match["userinfo"].partition(":")
        return f"{match['scheme']}{user}{':•••' if colon else ''}@"

    return _URL_CREDENTIALS.sub(hide, text)


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_MD_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_MD_EM = re.compile(r"(?<![\w*])([*_])(?=\S)(.+?)(?<=\S)\1(?![\w*])")
_MD_CODE = re.compile(r"`([^`]+)`")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_MD_BULLET = re.compile(r"^(\s*)[*+-]\s+")
_MD_QUOTE = re.compile(r"^\s{0,3}>\s?")
_MD_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")


def _link(match: re.Match[str]) -> str:
    label, url = match.group(1), match.group(2)
    return label if label == url else f"{label} ({url})"


def _plain_line(raw: str) -> str:
    heading = _MD_HEADING.match(raw)
    line = raw
    if heading:
        title = heading.group(1)
        line = title.upper() if len(title) < 60 else title
    line = _MD_QUOTE.sub("│ ", line)
    line = _MD_BULLET.sub(lambda m: f"{m.group(1)}• ", line)
    line = _MD_LINK.sub(_link, line)
    line = _MD_CODE.sub(r"\1", line)
    line = _MD_STRONG.sub(r"\2", line)
    return _MD_EM.sub(r"\2", line).rstrip()


def markdown_to_plain(text: str) -> str:
    """Markdown (as MLflow descriptions are written) for a terminal: emphasis, code marks and
    heading hashes dropped, links as "text (url)", bullets as "•", code fences removed."""
    lines = []
    for raw in text.splitlines():
        if raw.strip().startswith("```"):
            continue
        lines.append("─" * 20 if _MD_RULE.match(raw) else _plain_line(raw))
    return "\n".join(lines).strip("\n")


def scrub(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every secret value that occurs in ``text`` (defence in depth for messages)."""
    for secret in secrets:
        if secret and len(secret) >= 3:
            text = text.replace(secret, "•••")
    return text


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")


def csv_cell(text: str) -> str:
    """A cell a spreadsheet shows as text: one starting like a formula (``=HYPERLINK(…)``,
    ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading apostrophe, as OWASP
    advises; a plain number (``-0.02``) stays a number."""
    if text.startswith(FORMULA_START) and not NUMBER.fullmatch(text):
        return "'" + text
    return text
