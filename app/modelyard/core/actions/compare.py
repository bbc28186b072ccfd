"""Side-by-side comparison: two registries model by model, and two model versions field by field.

Pure functions over what the connectors return, plus a reader that lists both registries at the
same time (the comparison of two registries costs about one listing, not two). Exports to CSV,
JSON and Markdown for reviews and tickets.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum

from modelyard.core.actions.board import format_metric
from modelyard.core.model.domain import (
    ModelSummary,
    SchemaColumn,
    Stage,
    VersionDetail,
    version_sort_key,
)
from modelyard.core.model.registry import Reading
from modelyard.core.reads.history import visible_tags
from modelyard.core.runtime.text import csv_cell


class Status(StrEnum):
    """How a model (or a field) compares."""

    SAME = "same"
    DIFFERENT = "different"
    ONLY_LEFT = "only-left"
    ONLY_RIGHT = "only-right"


STATUS_WORDS = {
    Status.SAME: "same",
    Status.DIFFERENT: "different",
    Status.ONLY_LEFT: "only left",
    Status.ONLY_RIGHT: "only right",
}


def _latest(model: ModelSummary) -> str:
    return max(model.latest_versions, key=version_sort_key) if model.latest_versions else ""


def _held(model: ModelSummary) -> str:
    """ "Production v7 · Staging v8 · @champion v7": what the model serves, in short."""
    parts = [
        f"{stage.value} v{model.latest_by_stage[stage.value]}"
        for stage in (Stage.PRODUCTION, Stage.STAGING)
        if stage.value in model.latest_by_stage
    ]
    parts += [f"@{alias} v{version}" for alias, version in sorted(model.aliases.items())]
    return " · ".join(parts)


@dataclass(frozen=True)
class ModelRow:
    """One model in the registry comparison."""

    name: str
    status: Status
    left: ModelSummary | None = None
    right: ModelSummary | None = None
    differences: tuple[str, ...] = ()
    copies: tuple[str, ...] = ()  # versions that differ by number but are one copied: said

    def side(self, which: str) -> str:
        """A short description of one side ("latest v8; Production v7 · @champion v7")."""
        model = self.left if which == "left" else self.right
        if model is None:
            return "—"
        latest = _latest(model)
        held = _held(model)
        text = f"latest v{latest}" if latest else "no version listed"
        return f"{text}; {held}" if held else text


@dataclass(frozen=True, slots=True)
class Compared:
    """What two registries can both hold, and so what is compared: stages and aliases are
    left out where one side has none (a Unity Catalog registry has no stages, an MLflow 2.2
    server no aliases) — "@champion: v1 ≠ none" would be no difference of theirs."""

    stages: bool = True
    aliases: bool = True


BOTH = Compared()


def version_pairs(
    left: ModelSummary, right: ModelSummary, compared: Compared = BOTH
) -> list[tuple[str, str, str]]:
    """(what, left version, right version) of the latest version, each stage's holder and each
    alias, where the two sides name different versions ("" where a side has none)."""
    out: list[tuple[str, str, str]] = []
    if _latest(left) != _latest(right):
        out.append(("latest version", _latest(left), _latest(right)))
    for stage in (Stage.PRODUCTION, Stage.STAGING) if compared.stages else ():
        a, b = left.latest_by_stage.get(stage.value), right.latest_by_stage.get(stage.value)
        if a != b:
            out.append((stage.value, a or "", b or ""))
    if not compared.aliases:
        return out
    for alias in sorted(set(left.aliases) | set(right.aliases)):
        a, b = left.aliases.get(alias), right.aliases.get(alias)
        if a != b:
            out.append((f"@{alias}", a or "", b or ""))
    return out


def _model_differences(
    left: ModelSummary,
    right: ModelSummary,
    copies: frozenset[tuple[str, str]] = frozenset(),
    compared: Compared = BOTH,
) -> list[str]:
    """What differs; a pair of versions in ``copies`` (left, right) is one version copied, not
    a difference."""
    out: list[str] = []
    for what, a, b in version_pairs(left, right, compared):
        if (a, b) in copies:
            continue
        sep = " " if what == "latest version" else ": "
        out.append(f"{what}{sep}" + (f"v{a}" if a else "none") + " ≠ " + (f"v{b}" if b else "none"))
    if left.description.strip() != right.description.strip():
        out.append("description differs")
    lt, rt = visible_tags(left.tags), visible_tags(right.tags)
    changed = sorted(k for k in set(lt) | set(rt) if lt.get(k) != rt.get(k))
    if changed:
        out.append("tags differ: " + ", ".join(changed))
    return out


def value_differences(row: ModelRow) -> list[tuple[str, str, str]]:
    """(what, left value, right value) for the description and every differing tag, in full:
    what "description differs" and "tags differ: owner" leave out."""
    if row.left is None or row.right is None:
        return []
    out: list[tuple[str, str, str]] = []
    a, b = row.left.description.strip(), row.right.description.strip()
    if a != b:
        out.append(("description", a, b))
    lt, rt = visible_tags(row.left.tags), visible_tags(row.right.tags)
    for key in sorted(k for k in set(lt) | set(rt) if lt.get(k) != rt.get(k)):
        out.append((f"tag {key}", lt.get(key, ""), rt.get(key, "")))
    return out


def compare_models(
    left: Iterable[ModelSummary], right: Iterable[ModelSummary], compared: Compared = BOTH
) -> list[ModelRow]:
    """Every model of either side, by name: only on one side, the same, or what differs."""
    lefts = {m.name: m for m in left}
    rights = {m.name: m for m in right}
    rows: list[ModelRow] = []
    for name in sorted(set(lefts) | set(rights), key=str.lower):
        a, b = lefts.get(name), rights.get(name)
        if a is None:
            rows.append(ModelRow(name, Status.ONLY_RIGHT, None, b))
        elif b is None:
            rows.append(ModelRow(name, Status.ONLY_LEFT, a, None))
        else:
            diff = _model_differences(a, b, compared=compared)
            status = Status.DIFFERENT if diff else Status.SAME
            rows.append(ModelRow(name, status, a, b, tuple(diff)))
    return rows


def all_models(
    registry: Reading, check: Callable[[], None] = lambda: None, page_size: int = 1000
) -> list[ModelSummary]:
    """Every registered model (all pages); ``check`` raises to stop between pages."""
    models: list[ModelSummary] = []
    token: str | None = None
    while True:
        page = registry.list_models(token, page_size)
        models.extend(page.items)
        check()
        token = page.next_page_token
        if token is None:
            return models


@dataclass(frozen=True)
class RegistryComparison:
    """Two registries side by side."""

    left_name: str
    right_name: str
    rows: list[ModelRow] = field(default_factory=list)
    notes: tuple[str, ...] = ()  # what was not compared, and why

    def counts(self) -> dict[Status, int]:
        """How many models have each status."""
        out = dict.fromkeys(Status, 0)
        for row in self.rows:
            out[row.status] += 1
        return out

    def summary(self) -> str:
        """ "120 models: 100 same, 12 different, 5 only in dev, 3 only in prod"."""
        c = self.counts()
        return (
            f"{len(self.rows)} models: {c[Status.SAME]} same, {c[Status.DIFFERENT]} different, "
            f"{c[Status.ONLY_LEFT]} only in {self.left_name}, "
            f"{c[Status.ONLY_RIGHT]} only in {self.right_name}"
        )


MAX_COPY_CHECKS = 400  # version pairs read to find copies; past it, numbers are compared


def compare_registries(
    left: Reading, right: Reading, check: Callable[[], None] = lambda: None
) -> RegistryComparison:
    """List both registries at the same time, then compare; versions that differ by number
    are read (both sides at once) to find the ones that are copies of each other (lineage or
    the same files), which are no difference: "Production: v3 ≠ v1" for a copy of v3 was."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        lefts = pool.submit(all_models, left, check)
        rights = pool.submit(all_models, right, check)
        a, b = lefts.result(), rights.result()
        compared, notes = _comparable(left, right)
        rows = compare_models(a, b, compared)
        asked = 0
        for index, row in enumerate(rows):
            if row.status is not Status.DIFFERENT or row.left is None or row.right is None:
                continue
            pairs = {
                (x, y) for _what, x, y in version_pairs(row.left, row.right, compared) if x and y
            }
            if not pairs or asked + len(pairs) > MAX_COPY_CHECKS:
                continue
            asked += len(pairs)
            check()
            same = frozenset(p for p in pairs if _copies(pool, (left, right), row.name, p))
            if same:
                diff = _model_differences(row.left, row.right, same, compared)
                copied = tuple(f"v{y} is a copy of v{x}" for x, y in sorted(same))
                status = Status.DIFFERENT if diff else Status.SAME
                rows[index] = ModelRow(row.name, status, row.left, row.right, tuple(diff), copied)
    return RegistryComparison(left.name, right.name, rows, notes)


def _comparable(left: Reading, right: Reading) -> tuple[Compared, tuple[str, ...]]:
    """What both sides hold, and a note for each side that lacks stages or aliases."""
    caps = [(side.name, side.capabilities()) for side in (left, right)]
    notes = []
    for what in ("stages", "aliases"):
        for name, cap in caps:
            if not getattr(cap, what):
                runs = f" (it runs {cap.server})" if cap.server else ""
                notes.append(f"{what.capitalize()} are not compared: {name} has none{runs}.")
    compared = Compared(
        stages=all(c.stages for _n, c in caps), aliases=all(c.aliases for _n, c in caps)
    )
    return compared, tuple(notes)


def _copies(
    pool: ThreadPoolExecutor, sides: tuple[Reading, Reading], model: str, pair: tuple[str, str]
) -> bool:
    """Whether left version ``a`` and right version ``b`` are one version copied (either way):
    the copy's lineage names the other, or both carry the same files' checksum."""
    (left, right), (a, b) = sides, pair
    from modelyard.core.actions.copy_plan import CHECKSUM_TAG, SOURCE_TAG
    from modelyard.core.model.errors import ModelyardError

    try:
        ours, theirs = (
            pool.submit(left.get_version, model, a),
            pool.submit(right.get_version, model, b),
        )
        x, y = ours.result(), theirs.result()
    except ModelyardError:
        return False  # unreadable: compared by number, as before
    if y.tags.get(SOURCE_TAG) == f"{left.location}#{model}/{a}":
        return True
    if x.tags.get(SOURCE_TAG) == f"{right.location}#{model}/{b}":
        return True
    checksum = x.tags.get(CHECKSUM_TAG)
    return bool(checksum) and checksum == y.tags.get(CHECKSUM_TAG)


# --- two versions -----------------------------------------------------------------------------
@dataclass(frozen=True)
class FieldRow:
    """One compared field of two versions."""

    section: str  # "Version", "Params", "Metrics", "Tags", "Model"
    name: str
    left: str
    right: str
    note: str = ""  # e.g. the metric delta
    better: bool | None = None  # for metrics: did it improve from left to right?

    @property
    def status(self) -> Status:
        """Same or different (a missing side counts as different)."""
        return Status.SAME if self.left == self.right else Status.DIFFERENT


def _value(mapping: Mapping[str, object] | None, key: str) -> str:
    if mapping is None or key not in mapping:
        return "—"
    value = mapping[key]
    return format_metric(value) if isinstance(value, float) else str(value)


# Metrics where lower is better, recognised by name (everything else: higher is better).
LOWER_IS_BETTER = ("loss", "error", "rmse", "mse", "mae", "mape", "latency", "time", "perplexity")


def improved(name: str, delta: float) -> bool:
    """Whether a change of ``delta`` in metric ``name`` is an improvement."""
    lower = any(word in name.lower() for word in LOWER_IS_BETTER)
    return delta < 0 if lower else delta > 0


def _keyed(
    section: str, a: Mapping[str, object] | None, b: Mapping[str, object] | None
) -> list[FieldRow]:
    rows: list[FieldRow] = []
    for key in sorted(set(a or {}) | set(b or {})):
        note, better = "", None
        x, y = (a or {}).get(key), (b or {}).get(key)
        if isinstance(x, float) and isinstance(y, float) and x != y:
            delta = y - x
            note = f"{'+' if delta > 0 else ''}{format_metric(delta)}"
            if x:
                note += f" ({delta / abs(x):+.1%})"
            better = improved(key, delta)
        rows.append(FieldRow(section, key, _value(a, key), _value(b, key), note, better))
    return rows


def compare_versions(left: VersionDetail, right: VersionDetail) -> list[FieldRow]:
    """Field by field: the version itself, its run's params and metrics, tags, model file."""
    a, b = left.version, right.version
    rows = [
        FieldRow("Version", "model", a.model, b.model),
        FieldRow("Version", "version", a.version, b.version),
        FieldRow("Version", "stage", a.stage.value, b.stage.value),
        FieldRow("Version", "aliases", " ".join(a.aliases) or "—", " ".join(b.aliases) or "—"),
        FieldRow("Version", "status", a.status, b.status),
        FieldRow("Version", "creator", a.creator or "—", b.creator or "—"),
        FieldRow("Version", "run", a.run_id or "—", b.run_id or "—"),
        FieldRow("Version", "description", a.description or "—", b.description or "—"),
    ]
    ra, rb = left.run, right.run
    rows += _keyed("Params", ra.params if ra else None, rb.params if rb else None)
    # The run's latest values; an MLflow 3 logged model's own metrics (often step 0 of the
    # same names) are a section of their own, as in the version pane, never merged over them.
    rows += _keyed("Metrics", ra.metrics if ra else None, rb.metrics if rb else None)
    if left.model_metrics or right.model_metrics:
        rows += _keyed("Logged model metrics", left.model_metrics, right.model_metrics)
    rows += _keyed("Tags", visible_tags(a.tags), visible_tags(b.tags))
    fa, fb = left.model_file, right.model_file

    def sig(columns: Iterable[SchemaColumn]) -> str:
        return ", ".join(f"{c.name}:{c.type}" for c in columns) or "—"

    rows += [
        FieldRow(
            "Model",
            "flavors",
            ", ".join(fa.flavors) if fa else "—",
            ", ".join(fb.flavors) if fb else "—",
        ),
        FieldRow("Model", "inputs", sig(fa.inputs) if fa else "—", sig(fb.inputs) if fb else "—"),
        FieldRow(
            "Model", "outputs", sig(fa.outputs) if fa else "—", sig(fb.outputs) if fb else "—"
        ),
        FieldRow(
            "Model",
            "mlflow version",
            fa.mlflow_version or "—" if fa else "—",
            fb.mlflow_version or "—" if fb else "—",
        ),
    ]
    return rows


# --- export -------------------------------------------------------------------------------------
EXPORT_FORMATS = ("csv", "json", "md")


def export_registries(comparison: RegistryComparison, fmt: str, only_differences: bool) -> str:
    """The registry comparison as CSV, JSON or Markdown."""
    rows = [r for r in comparison.rows if not only_differences or r.status is not Status.SAME]
    left, right = comparison.left_name, comparison.right_name
    if fmt == "json":
        return json.dumps(
            {
                "left": left,
                "right": right,
                "summary": {s.value: n for s, n in comparison.counts().items()},
                "notes": list(comparison.notes),
                "models": [
                    {
                        "name": r.name,
                        "status": r.status.value,
                        "left": r.side("left") if r.left else None,
                        "right": r.side("right") if r.right else None,
                        "differences": list(r.differences),
                    }
                    for r in rows
                ],
            },
            indent=2,
            ensure_ascii=False,
        )
    table = [
        [r.name, STATUS_WORDS[r.status], r.side("left"), r.side("right"), "; ".join(r.differences)]
        for r in rows
    ]
    headers = ["model", "status", left, right, "differences"]
    return _tabular(fmt, headers, table, f"{left} vs {right}: {comparison.summary()}")


def export_versions(
    left_title: str, right_title: str, rows: list[FieldRow], fmt: str, only_differences: bool
) -> str:
    """A version comparison as CSV, JSON or Markdown."""
    chosen = [r for r in rows if not only_differences or r.status is Status.DIFFERENT]
    if fmt == "json":
        return json.dumps(
            {
                "left": left_title,
                "right": right_title,
                "fields": [
                    {
                        "section": r.section,
                        "field": r.name,
                        "left": r.left,
                        "right": r.right,
                        "status": r.status.value,
                        "delta": r.note,
                    }
                    for r in chosen
                ],
            },
            indent=2,
            ensure_ascii=False,
        )
    table = [[r.section, r.name, r.left, r.right, r.note] for r in chosen]
    headers = ["section", "field", left_title, right_title, "delta"]
    return _tabular(fmt, headers, table, f"{left_title} vs {right_title}")


def _tabular(fmt: str, headers: list[str], table: list[list[str]], title: str) -> str:
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([csv_cell(h) for h in headers])
        writer.writerows([csv_cell(c) for c in row] for row in table)
        return out.getvalue()
    if fmt == "md":

        def cell(text: str) -> str:
            return text.replace("|", "\\|").replace("\n", " ")

        lines = [f"**{cell(title)}**", "", "| " + " | ".join(cell(h) for h in headers) + " |"]
        lines.append("|" + " --- |" * len(headers))
        lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in table]
        return "\n".join(lines) + "\n"
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(EXPORT_FORMATS)}")
