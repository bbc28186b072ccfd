"""Comparing registries and versions: statuses, differences, deltas and the three exports."""

from __future__ import annotations

import csv
import io
import json
from types import MappingProxyType

import pytest

from modelyard.core.actions.compare import (
    FieldRow,
    RegistryComparison,
    Status,
    compare_models,
    compare_versions,
    export_registries,
    export_versions,
)
from modelyard.core.model.domain import (
    ModelFile,
    ModelSummary,
    RunDetail,
    SchemaColumn,
    Stage,
    VersionDetail,
    VersionSummary,
)


def model(name: str, **kw: object) -> ModelSummary:
    return ModelSummary(name=name, **kw)  # type: ignore[arg-type]


def test_models_on_one_side_same_and_different() -> None:
    left = [
        model("a", latest_versions=("3", "2"), latest_by_stage={"Production": "2"}),
        model("b", aliases={"champion": "1"}, tags={"team": "x", "modelyard.history": "[]"}),
        model("only-left"),
    ]
    right = [
        model("a", latest_versions=("4", "3"), latest_by_stage={"Production": "3", "Staging": "4"}),
        model("B2"),
        model("b", aliases={"champion": "2"}, tags={"team": "y"}, description="new"),
    ]
    rows = {r.name: r for r in compare_models(left, right)}
    assert [r.name for r in compare_models(left, right)] == ["a", "b", "B2", "only-left"]
    assert rows["only-left"].status is Status.ONLY_LEFT and rows["B2"].status is Status.ONLY_RIGHT
    assert rows["a"].differences == (
        "latest version v3 ≠ v4",
        "Production: v2 ≠ v3",
        "Staging: none ≠ v4",
    )
    assert rows["b"].differences == (
        "@champion: v1 ≠ v2",
        "description differs",
        "tags differ: team",  # Modelyard's own history tags are not a difference
    )
    assert rows["a"].side("left") == "latest v3; Production v2"
    assert rows["only-left"].side("right") == "—"
    same = compare_models(
        [model("x", latest_versions=("1",))], [model("x", latest_versions=("1",))]
    )
    assert same[0].status is Status.SAME and same[0].differences == ()


def test_registry_exports_keep_only_differences_and_escape() -> None:
    rows = compare_models(
        [model("same"), model("pipe|name", description="a")],
        [model("same"), model("pipe|name", description="b"), model("new")],
    )
    comparison = RegistryComparison("dev", "prod", rows)
    assert comparison.summary() == "3 models: 1 same, 1 different, 0 only in dev, 1 only in prod"
    parsed = list(csv.reader(io.StringIO(export_registries(comparison, "csv", True))))
    assert parsed[0] == ["model", "status", "dev", "prod", "differences"]
    assert [r[:2] for r in parsed[1:]] == [["new", "only right"], ["pipe|name", "different"]]
    data = json.loads(export_registries(comparison, "json", False))
    assert data["summary"] == {"same": 1, "different": 1, "only-left": 0, "only-right": 1}
    assert [m["name"] for m in data["models"]] == ["new", "pipe|name", "same"]
    markdown = export_registries(comparison, "md", True)
    assert "| pipe\\|name | different |" in markdown and "| same |" not in markdown
    with pytest.raises(ValueError, match="unknown format"):
        export_registries(comparison, "xml", False)


def detail(version: str, **run: object) -> VersionDetail:
    return VersionDetail(
        version=VersionSummary(
            "m",
            version,
            Stage.PRODUCTION if version == "1" else Stage.STAGING,
            tags=MappingProxyType({"ds": f"w{version}"}),
        ),
        run=RunDetail(run_id=f"r{version}", **run),  # type: ignore[arg-type]
        model_file=ModelFile(flavors=("sklearn",), inputs=(SchemaColumn("x", "double"),)),
    )


def test_versions_field_by_field_with_metric_deltas() -> None:
    a = detail("1", params={"C": "1.0", "seed": "1"}, metrics={"auc": 0.80, "loss": 0.5})
    b = detail("2", params={"C": "1.0"}, metrics={"auc": 0.84, "loss": 0.4, "f1": 0.7})
    rows = {(r.section, r.name): r for r in compare_versions(a, b)}
    assert rows[("Version", "stage")] == FieldRow("Version", "stage", "Production", "Staging")
    assert rows[("Params", "C")].status is Status.SAME
    assert (rows[("Params", "seed")].left, rows[("Params", "seed")].right) == ("1", "—")
    assert rows[("Metrics", "auc")].note == "+0.04 (+5.0%)"
    assert rows[("Metrics", "loss")].note == "-0.1 (-20.0%)"
    assert rows[("Metrics", "auc")].better is True and rows[("Metrics", "loss")].better is True
    assert rows[("Params", "C")].better is None
    assert rows[("Metrics", "f1")].left == "—" and rows[("Metrics", "f1")].note == ""
    assert rows[("Tags", "ds")].status is Status.DIFFERENT
    assert rows[("Model", "inputs")] == FieldRow("Model", "inputs", "x:double", "x:double")
    text = export_versions("m v1", "m v2", list(rows.values()), "csv", True)
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == ["section", "field", "m v1", "m v2", "delta"]
    # a delta starts with "+": a spreadsheet would take it for a formula, so it is text
    assert ["Metrics", "auc", "0.8", "0.84", "'+0.04 (+5.0%)"] in lines
    assert not any(line[:2] == ["Params", "C"] for line in lines)  # the same: left out
    fields = json.loads(export_versions("m v1", "m v2", list(rows.values()), "json", False))
    assert {f["field"] for f in fields["fields"]} >= {"C", "auc", "flavors"}


def test_a_logged_models_metrics_are_their_own_section_never_over_the_runs() -> None:
    """MLflow 3 logs a version's logged model with the step-0 value of the run's metrics: the
    run's latest value is what the comparison (like the version pane) shows as Metrics."""
    from dataclasses import replace

    a = replace(
        detail("1", metrics={"accuracy": 0.64}),
        model_metrics=MappingProxyType({"accuracy": 0.6}),
    )
    b = detail("2", metrics={"accuracy": 0.7})
    rows = {(r.section, r.name): r for r in compare_versions(a, b)}
    assert (rows[("Metrics", "accuracy")].left, rows[("Metrics", "accuracy")].right) == (
        "0.64",
        "0.7",
    )
    logged = rows[("Logged model metrics", "accuracy")]
    assert (logged.left, logged.right) == ("0.6", "—")
    plain = {r.section for r in compare_versions(b, b)}
    assert "Logged model metrics" not in plain


def test_stages_or_aliases_one_side_lacks_are_not_differences() -> None:
    from modelyard.core.actions.compare import Compared

    left = [model("m", aliases=MappingProxyType({"champion": "1"}), latest_versions=("1",))]
    right = [model("m", latest_versions=("1",))]
    assert compare_models(left, right)[0].differences == ("@champion: v1 ≠ none",)
    row = compare_models(left, right, Compared(aliases=False))[0]
    assert row.status is Status.SAME and row.differences == ()


def test_value_differences_give_both_sides_in_full() -> None:
    from modelyard.core.actions.compare import ModelRow, Status, value_differences
    from modelyard.core.model.domain import ModelSummary

    left = ModelSummary(
        "m", description="Churn model\ntrained weekly", tags={"owner": "growth", "x": "1"}
    )
    right = ModelSummary(
        "m",
        description="Churn model",
        tags={"owner": "risk", "x": "1", "modelyard.event.1": "ignored"},
    )
    row = ModelRow("m", Status.DIFFERENT, left, right, ("description differs",))
    assert value_differences(row) == [
        ("description", "Churn model\ntrained weekly", "Churn model"),
        ("tag owner", "growth", "risk"),
    ]
    assert value_differences(ModelRow("m", Status.ONLY_LEFT, left, None)) == []


def test_csv_cells_that_look_like_formulas_are_text_numbers_stay_numbers() -> None:
    from modelyard.core.runtime.text import csv_cell

    assert csv_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert csv_cell("@SUM(A1)") == "'@SUM(A1)"
    assert csv_cell("+1+2") == "'+1+2"
    assert csv_cell("\tx") == "'\tx"
    assert csv_cell("-0.02") == "-0.02" and csv_cell("+3") == "+3" and csv_cell("-1e-5") == "-1e-5"
    assert csv_cell("churn") == "churn"
