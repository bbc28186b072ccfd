"""Two registries, or two versions, side by side: ``compare`` and ``compare-versions``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from modelyard.cli.app import _registry, cli
from modelyard.cli.output import FORMAT_OPTION, _echo, _echo_exact, _fail, _reported, _table


def _emit(text: str, output: str | None, fmt: str) -> None:
    """A report to a file (exact), or to stdout: the text table always escaped, CSV/JSON/Markdown
    exact for pipes and escaped only when a terminal shows them."""
    from modelyard.core.runtime.paths import write_atomic

    if output:
        write_atomic(Path(output), text)
        _echo(f"Written to {output}", err=True)
    elif fmt == "text" or sys.stdout.isatty():
        _echo(text, nl=not text.endswith("\n"))
    else:
        _echo_exact(text, nl=not text.endswith("\n"))


@cli.command()
@click.argument("left")
@click.argument("right")
@click.option("--only-differences", is_flag=True, help="Leave out models that are the same.")
@FORMAT_OPTION
@click.option("--output", type=click.Path(dir_okay=False), help="Write to this file instead.")
@click.option("--exit-code", is_flag=True, help="Exit 1 when the registries differ (like diff).")
def compare(
    left: str, right: str, only_differences: bool, fmt: str, output: str | None, exit_code: bool
) -> None:
    """Compare two registries model by model: only on one side, the same, or what differs
    (latest version, Production/Staging holders, aliases, description, tags)."""
    from modelyard.core.actions.compare import (
        STATUS_WORDS,
        Status,
        compare_registries,
        export_registries,
    )

    with _reported(), _registry(left) as a, _registry(right) as b:
        result = compare_registries(a, b)
        if fmt == "text":
            rows = [
                [
                    r.name,
                    STATUS_WORDS[r.status],
                    r.side("left"),
                    r.side("right"),
                    "; ".join([*r.differences, *(f"({c})" for c in r.copies)]),
                ]
                for r in result.rows
                if not only_differences or r.status is not Status.SAME
            ]
            text = _table(rows, ["MODEL", "STATUS", left.upper(), right.upper(), "DIFFERENCES"])
            summary = "\n".join([result.summary(), *result.notes])
            text = f"{text}\n\n{summary}\n" if rows else f"{summary}\n"
        else:
            text = export_registries(result, fmt, only_differences)
        _emit(text, output, fmt)
        if exit_code and any(r.status is not Status.SAME for r in result.rows):
            sys.exit(1)


def _version_ref(ref: str) -> tuple[str, str, str]:
    profile, sep, rest = ref.partition(":")
    model, slash, version = rest.rpartition("/")
    if not sep or not slash or not profile or not model or not version:
        _fail(f"{ref!r}: expected PROFILE:MODEL/VERSION, e.g. demo:churn-classifier/4")
    return profile, model, version


@cli.command("compare-versions")
@click.argument("left")
@click.argument("right")
@click.option("--only-differences", is_flag=True, help="Leave out fields that are the same.")
@FORMAT_OPTION
@click.option("--output", type=click.Path(dir_okay=False), help="Write to this file instead.")
def compare_versions_command(
    left: str, right: str, only_differences: bool, fmt: str, output: str | None
) -> None:
    """Compare two versions field by field (stage, aliases, params, metrics with deltas, tags,
    signature). LEFT and RIGHT are PROFILE:MODEL/VERSION, from the same or two registries."""
    from modelyard.core.actions.compare import Status, compare_versions, export_versions
    from modelyard.core.reads.details import load_version_detail

    (lp, lm, lv), (rp, rm, rv) = _version_ref(left), _version_ref(right)
    with _reported(), _registry(lp) as a:
        detail_a = load_version_detail(a, lm, lv)
        if rp == lp:
            detail_b = load_version_detail(a, rm, rv)
        else:
            with _registry(rp) as b:
                detail_b = load_version_detail(b, rm, rv)
        rows = compare_versions(detail_a, detail_b)
        left_title, right_title = f"{lm} v{lv}", f"{rm} v{rv}"
        if lp != rp:
            left_title, right_title = f"{lp}: {left_title}", f"{rp}: {right_title}"
        if fmt == "text":
            table = [
                [r.section, r.name, r.left, r.right, r.note]
                for r in rows
                if not only_differences or r.status is Status.DIFFERENT
            ]
            if table:
                text = _table(table, ["SECTION", "FIELD", left_title, right_title, "DELTA"]) + "\n"
            else:
                text = f"No differences: all {len(rows)} compared fields are the same.\n"
        else:
            text = export_versions(left_title, right_title, rows, fmt, only_differences)
        _emit(text, output, fmt)
