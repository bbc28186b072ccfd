"""Registry text shown as written, never as markup.

Qt renders a label in its default (automatic) format, and every tooltip, as rich text when the
text looks like HTML: a model named ``<img src=x><b>bold`` would show an image icon and bold
text. Registry text (names, descriptions, tags, params, profile names) goes into labels whose
format is plain text, and into tooltips through :func:`plain_tooltip`. A GUI test puts HTML into
every field and checks every label, tooltip and item tooltip of the windows it opens.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel


def plain_tooltip(text: str) -> str:
    """``text`` as a tooltip shown as written (escaped, its line breaks kept)."""
    return "<p style='white-space:pre-wrap'>" + html.escape(text, quote=False) + "</p>"


def plain_label(text: str = "") -> QLabel:
    """A label that shows ``text`` (and whatever is set later) as written."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label
