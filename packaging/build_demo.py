"""Build the shipped demo registry: train the demo models for real (scikit-learn), log them
through MLflow into a local sqlite registry, and pack it as resources/demo/demo.tar.gz.

Run it when the demo's content (core/demo/registry.py) or the pinned MLflow changes, and commit the
archive; tests/integration/test_demo_pack.py checks that it matches what this script builds.

    .venv/bin/python packaging/build_demo.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "app"))

from modelyard.core.demo.build import pack  # noqa: E402

if __name__ == "__main__":
    target = ROOT / "resources" / "demo" / "demo.tar.gz"
    manifest = pack(target)
    print(f"wrote {target} ({target.stat().st_size:,} bytes), MLflow {manifest['mlflow']}")
