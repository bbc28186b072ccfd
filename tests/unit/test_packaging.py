"""Every module of the package is importable, and every source file is one of those modules.

A subpackage left out of the wheel (issue #17: ``modelyard.ui.details``) fails here at once when
the tests run against an installed package; packaging/check_wheel.py runs this walk from a wheel
installed outside the checkout, and compares the wheel's file list with the source tree.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import modelyard

PACKAGE = Path(modelyard.__file__).parent


def _walked() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(modelyard.__path__, "modelyard."))


def test_every_module_of_the_package_imports() -> None:
    names = _walked()
    failed = {}
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as exc:
            failed[name] = f"{type(exc).__name__}: {exc}"
    assert not failed, failed
    assert "modelyard.ui.details.pane" in names


def test_every_source_file_is_a_module_the_walk_finds() -> None:
    from_files = set()
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts:
            from_files.add("modelyard." + ".".join(parts))
    missing = sorted(from_files - set(_walked()))
    assert not missing, f"not importable as modules (no __init__.py on the way?): {missing}"


def test_bundled_resources_are_found_through_the_package() -> None:
    from modelyard.assets import read_text, resource_path

    assert read_text("style.qss").strip()
    assert resource_path("icons", "model.svg").is_file()
