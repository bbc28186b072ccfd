"""Every colour pair the style sheets and the delegates use is readable: WCAG AA contrast (4.5:1
for text) in both schemes (#23.9: the dark scheme's registry heading was nearly invisible,
changed models were dark blue on navy). Placeholder and disabled text are exempt, as in WCAG."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from modelyard.ui.common.theme import STAGE_TEXT, TONES

RESOURCES = Path(__file__).parents[2] / "resources"
AA = 4.5
# The backgrounds text sits on when a rule sets none: the window and the views (Base).
BACKGROUNDS = {"light": ("#ffffff", "#efefef"), "dark": ("#0f172a", "#111827")}
EXEMPT = ("placeholder", ":disabled")


def luminance(color: str) -> float:
    value = color.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def rules(sheet: str) -> list[tuple[str, dict[str, str]]]:
    text = re.sub(r"/\*.*?\*/", "", sheet, flags=re.S)
    out = []
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", text):
        props = {}
        for declaration in body.split(";"):
            if ":" in declaration:
                key, value = declaration.split(":", 1)
                props[key.strip()] = value.strip()
        out += [(" ".join(one.split()), props) for one in selectors.split(",")]
    return out


def colour(value: str | None) -> str | None:
    found = re.search(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b", value or "")
    return found.group(0) if found else None


def sheet_pairs(scheme: str) -> list[tuple[str, str, str]]:
    """(where, foreground, background) for every rule that sets a text colour."""
    sheets = [RESOURCES / "style.qss"] + (
        [RESOURCES / "style-dark.qss"] if scheme == "dark" else []
    )
    found: dict[str, dict[str, str]] = {}
    for sheet in sheets:  # the dark sheet applies over the light one, rule by rule
        for selector, props in rules(sheet.read_text(encoding="utf-8")):
            found.setdefault(selector, {}).update(props)
    pairs = []
    for selector, props in found.items():
        fg = colour(props.get("color"))
        if fg is None or any(word in selector for word in EXEMPT):
            continue
        bg = colour(props.get("background") or props.get("background-color"))
        for back in (bg,) if bg else BACKGROUNDS[scheme]:
            pairs.append((selector, fg, back))
    return pairs


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_style_sheet_colour_pair_is_readable(scheme: str) -> None:
    low = [
        f"{where}: {fg} on {bg} = {contrast(fg, bg):.2f}"
        for where, fg, bg in sheet_pairs(scheme)
        if contrast(fg, bg) < AA
    ]
    assert not low, "\n".join(low)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_delegate_colour_is_readable(scheme: str) -> None:
    painted = {**{f"tone {k}": v for k, v in TONES[scheme].items()}}
    painted.update({f"stage {k}": v for k, v in STAGE_TEXT[scheme].items()})
    low = [
        f"{name}: {fg} on {bg} = {contrast(fg, bg):.2f}"
        for name, fg in painted.items()
        for bg in BACKGROUNDS[scheme]
        if contrast(fg, bg) < AA
    ]
    assert not low, "\n".join(low)
