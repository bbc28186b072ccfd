"""Descriptions on a terminal: Markdown read as plain text, control characters still escaped."""

from __future__ import annotations

from modelyard.core.runtime.text import markdown_to_plain, printable


def test_markdown_reads_as_plain_text_on_a_terminal() -> None:
    text = (
        "# Churn model\n"
        "* **Owner:** growth team\n"
        "- Docs: [runbook](https://wiki.example.com/x) and `predict()`\n"
        "> careful: _calibrated_ on Q3\n"
        "```\ncode()\n```\n"
        "snake_case_name and 2*3*4 stay"
    )
    assert markdown_to_plain(text).splitlines() == [
        "CHURN MODEL",
        "• Owner: growth team",
        "• Docs: runbook (https://wiki.example.com/x) and predict()",
        "│ careful: calibrated on Q3",
        "code()",
        "snake_case_name and 2*3*4 stay",
    ]


def test_plain_text_keeps_escaping_what_a_terminal_would_obey() -> None:
    hostile = "**bold**\x1b]52;c;AAAA\x07 end"
    shown = printable(markdown_to_plain(hostile), keep_newlines=True)
    assert shown == "bold\\x1b]52;c;AAAA\\x07 end"
