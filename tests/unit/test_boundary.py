"""The core/Qt boundary and the start-up path are enforced, not just documented."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import modelyard

PACKAGE = Path(modelyard.__file__).parent
QT_MODULES = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "qtpy")


def test_import_linter_contracts_hold() -> None:
    """Every contract in pyproject holds: the layers (cli above ui above core), core free of
    Qt/ui/cli even indirectly, the model and the kinds free of connectors and MLflow, the
    packages of the core and of the ui in their order."""
    root = Path(__file__).parents[2]
    contracts = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["importlinter"][
        "contracts"
    ]
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint), str(root / "pyproject.toml")],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(contracts) >= 8
    assert f"Contracts: {len(contracts)} kept, 0 broken." in result.stdout, result.stdout


def test_no_qt_import_anywhere_in_core_source() -> None:
    offenders = []
    for path in (PACKAGE / "core").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in QT_MODULES]
    assert offenders == []


def test_gui_start_up_path_does_not_import_mlflow() -> None:
    code = (
        "import sys\n"
        "import modelyard.cli, modelyard.ui.shell.app, modelyard.ui.shell.main_window\n"
        "bad = sorted(m for m in sys.modules if m == 'mlflow' or m.startswith('mlflow.'))\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_pyside_keeps_refcounts_of_singletons() -> None:
    """PySide6 6.12.0 decrements None/True/False on every call under Python 3.11 and crashes
    the app within seconds; the pin excludes it. This guards the next move of the pin."""
    code = (
        "import sys, os\n"
        "os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from PySide6.QtWidgets import QApplication, QWidget\n"
        "app = QApplication([]); w = QWidget()\n"
        "before = sys.getrefcount(None)\n"
        "for _ in range(2000): w.setWindowTitle('x'); app.processEvents()\n"
        "drift = sys.getrefcount(None) - before\n"
        "print(drift); sys.exit(0 if abs(drift) < 100 else 1)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"None refcount drift: {result.stdout} {result.stderr}"


def test_no_test_module_imports_another() -> None:
    """Shared test code lives in tests/helpers and tests/support: a test module imported by
    another runs its module-level code twice and ties the two tiers together."""
    tests = Path(__file__).parents[1]
    offenders = []
    for path in sorted(tests.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                last = node.module.rsplit(".", 1)[-1]
                if node.module.startswith("tests.") and last.startswith("test_"):
                    offenders.append(f"{path.relative_to(tests)}:{node.lineno} {node.module}")
    assert offenders == []


MAX_LINES = 500


def test_no_module_is_over_500_lines() -> None:
    """A module a newcomer can read in one sitting (#25.5): the longest ones were split by
    responsibility (tree rows, card menu, board hint …), not cut at line 500."""
    long = {
        str(path.relative_to(PACKAGE)): lines
        for path in sorted(PACKAGE.rglob("*.py"))
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}, f"over {MAX_LINES} lines: {long}"
