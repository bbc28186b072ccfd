"""Every internal of MLflow that Modelyard relies on is declared in one module
(``core/connectors/_seams.py``) and checked here against the installed MLflow: the name exists,
the parameters we pass or override are there (in order, all of them where we override), the
attributes we read exist, and the sqlite tables our own SQL touches have their columns. A
failure names the seam, why we use it, and what changed — the first place to look when a new
MLflow is admitted to the supported range.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path
from typing import Any

import pytest

from modelyard.core.connectors import _seams
from modelyard.core.connectors._seams import SEAMS, TABLES, Seam, resolve

APP = Path(_seams.__file__).resolve().parents[2]  # app/modelyard
# Public MLflow API: fine anywhere in the connectors and the demo.
PUBLIC = ("mlflow", "mlflow.entities", "mlflow.exceptions", "mlflow.models", "mlflow.sklearn")
SEAM_MODULES = {"modelyard/core/connectors/_seams.py", "modelyard/core/connectors/_imports.py"}


def _mlflow_version() -> str:
    import mlflow

    return str(mlflow.__version__)


def _parameters(target: Any) -> list[str]:
    """The parameter names of a function, or of the first constructor in a class's MRO that
    names its parameters (mixins forward ``*args, **kwargs``)."""
    if inspect.isclass(target):
        for klass in target.__mro__:
            init = klass.__dict__.get("__init__")
            if init is None:
                continue
            names = [
                p.name
                for p in inspect.signature(init).parameters.values()
                if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
            ]
            if names != ["self"]:
                return names[1:]
        return []
    return list(inspect.signature(target).parameters)


@pytest.mark.parametrize("seam", SEAMS, ids=lambda s: s.where)
def test_each_seam_holds_in_the_installed_mlflow(seam: Seam) -> None:
    where = f"MLflow {_mlflow_version()}: {seam.where} ({seam.why})"
    try:
        target = resolve(seam)
    except (ImportError, AttributeError) as exc:
        pytest.fail(f"{where}: is gone — {type(exc).__name__}: {exc}")
    if seam.params:
        names = _parameters(target)
        if seam.exact:
            assert names == list(seam.params), (
                f"{where}: we override it with parameters {list(seam.params)}; MLflow's now "
                f"takes {names}"
            )
        else:
            missing = [p for p in seam.params if p not in names]
            assert not missing, f"{where}: no parameter {missing} any more (it takes {names})"
            order = [names.index(p) for p in seam.params]
            assert order == sorted(order), f"{where}: parameters reordered: {names}"
    missing_attributes = [a for a in seam.attributes if not hasattr(target, a)]
    assert not missing_attributes, f"{where}: no attribute {missing_attributes} any more"


def test_a_listed_model_keeps_its_tags_in_the_dict_we_read() -> None:
    """ENTITY_TAGS: the tags live in the instance's ``_tags`` dict (set in the constructor,
    so the class-level check above cannot see it)."""
    from mlflow.entities.model_registry import RegisteredModel, RegisteredModelTag

    model = RegisteredModel("m", tags=[RegisteredModelTag("k", "v")])
    assert getattr(model, "_tags", None) == {"k": "v"}, (
        f"MLflow {_mlflow_version()}: RegisteredModel keeps no _tags dict any more"
    )
    assert _seams.entity_tags(model) == {"k": "v"}


def test_the_tables_our_sql_touches_have_their_columns() -> None:
    from sqlalchemy.orm import DeclarativeMeta  # noqa: F401  (MLflow's ORM is SQLAlchemy)

    models = __import__(_seams.SCHEMA_MODELS, fromlist=["_"])
    declared: dict[str, set[str]] = {}
    for value in vars(models).values():
        table = getattr(value, "__table__", None)
        if table is not None:
            declared[str(table.name)] = {str(c.name) for c in table.columns}
    for wanted in TABLES:
        assert wanted.name in declared, (
            f"MLflow {_mlflow_version()}: table {wanted.name} ({wanted.why}) is gone"
        )
        missing = set(wanted.columns) - declared[wanted.name]
        assert not missing, (
            f"MLflow {_mlflow_version()}: table {wanted.name} ({wanted.why}) has no column "
            f"{sorted(missing)} any more"
        )


def test_schema_revisions_are_alembics_own_without_importing_mlflow() -> None:
    """The revisions read from the scripts' text are the ones alembic itself finds there;
    reading them imports no MLflow (it cost the demo's first rows 2.7 s)."""
    import subprocess
    import sys

    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory(str(_seams.migrations_folder().parent))
    assert _seams.schema_revisions() == {s.revision for s in scripts.walk_revisions()}
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from modelyard.core.connectors._seams import schema_revisions; "
            "assert schema_revisions(); print('mlflow' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert probe.stdout.strip() == "False", probe.stdout + probe.stderr


def _mlflow_imports(path: Path) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found += [(node.lineno, n) for n in names if n == "mlflow" or n.startswith("mlflow.")]
    return found


def test_no_module_reaches_mlflow_internals_but_the_seams() -> None:
    """Outside the seam module, only MLflow's public API is imported; every internal goes
    through a declared seam (so the check above covers all of them)."""
    strays = []
    for path in sorted(APP.rglob("*.py")):
        relative = path.relative_to(APP.parent).as_posix()
        if relative in SEAM_MODULES:
            continue
        for line, name in _mlflow_imports(path):
            if not (name in PUBLIC or name.startswith("mlflow.entities.")):
                strays.append(f"{relative}:{line}: {name}")
    assert not strays, "MLflow internals imported outside _seams.py:\n" + "\n".join(strays)


# Where MLflow may be imported at all (its public API included): the connectors and the demo.
MLFLOW_ALLOWED = (
    "modelyard/core/connectors/",
    "modelyard/core/demo/",
)


def test_only_the_connectors_and_the_demo_import_mlflow() -> None:
    """The rest of the app (the model, the actions, the ui, the cli) reaches MLflow only
    through the Registry protocol (import-linter checks the indirect rules in pyproject)."""
    strays = [
        f"{path.relative_to(APP.parent).as_posix()}:{line}: {name}"
        for path in sorted(APP.rglob("*.py"))
        if not path.relative_to(APP.parent).as_posix().startswith(MLFLOW_ALLOWED)
        for line, name in _mlflow_imports(path)
    ]
    assert not strays, "MLflow imported outside the connectors and the demo:\n" + "\n".join(strays)


def test_a_broken_seam_is_named_with_what_broke() -> None:
    """The check itself: a seam whose parameter MLflow dropped fails with its name."""
    broken = Seam("mlflow.utils.proto_json_utils", "parse_dict", "test", params=("no_such",))
    with pytest.raises(AssertionError, match=r"parse_dict \(test\): no parameter \['no_such'\]"):
        test_each_seam_holds_in_the_installed_mlflow(broken)
    gone = Seam("mlflow.utils.proto_json_utils", "no_such_function", "test")
    with pytest.raises(pytest.fail.Exception, match=r"no_such_function .*is gone"):
        test_each_seam_holds_in_the_installed_mlflow(gone)
