"""Time from process start to the main window being shown, against a bare Qt window.

    .venv/bin/python bench/startup.py

Both are measured in fresh interpreters (offscreen), median of 5. Target (DESIGN.md §5): the
window is shown ≤ 1 s after launch, with no ``import mlflow`` before the first paint.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile

from _common import emit

BARE = """
import time; t0 = time.perf_counter()
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([]); w = QMainWindow(); w.resize(1280, 800); w.show(); app.processEvents()
print(time.perf_counter() - t0)
"""

MODELYARD = """
import time; t0 = time.perf_counter()
import sys
from modelyard.ui.app import create_app
from modelyard.ui.main_window import MainWindow
app = create_app(); w = MainWindow(); w.show(); app.processEvents()
elapsed = time.perf_counter() - t0
assert not any(m == "mlflow" or m.startswith("mlflow.") for m in sys.modules), "mlflow imported"
print(elapsed)
w.shutdown()
"""


def measure(code: str, env: dict[str, str]) -> float:
    runs = []
    for _ in range(5):
        out = subprocess.run(
            [sys.executable, "-c", code],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        runs.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(runs)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=tmp)
        bare = measure(BARE, env)
        ours = measure(MODELYARD, env)
    emit(
        {
            "bare_qt_window_shown_s": round(bare, 3),
            "modelyard_window_shown_s": round(ours, 3),
            "ratio_to_bare_qt": round(ours / bare, 2),
            "target_s": 1.0,
        }
    )


if __name__ == "__main__":
    main()
