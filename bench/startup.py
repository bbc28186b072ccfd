"""Start-up: launch → window shown → cached rows → live rows, against a bare Qt window, a raw
MLflow client's first page and the MLflow web UI's first row, on the same real server.

    .venv/bin/python bench/startup.py [--models 500]

Each launch is a fresh interpreter (offscreen), median of 3. The first launch of a profile has no
snapshot (live rows only); the next ones show the snapshot's rows first. Targets (issue #12): the
window ≤ 1 s, cached rows ≤ 0.5 s after it, live first rows ≤ 2 s from launch, no ``import
mlflow`` before the first paint.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import NOT_PROMPT, ROOT, emit, median_seconds, model_names, seeded_server

BARE = """
import time; t0 = time.perf_counter()
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([]); w = QMainWindow(); w.resize(1280, 800); w.show(); app.processEvents()
print(time.perf_counter() - t0)
"""

MODELYARD = """
import time; t0 = time.perf_counter()
import json, sys
from modelyard.ui.shell.app import create_app
from modelyard.ui.shell.main_window import MainWindow
from PySide6.QtCore import QEventLoop
app = create_app(); w = MainWindow(); w.show(); app.processEvents()
shown = time.perf_counter() - t0
assert not any(m == "mlflow" or m.startswith("mlflow.") for m in sys.modules), "mlflow imported"
w.open_profile("bench")
tm = w.tree_model
marks = {}
def first_live_page(_name):  # emitted when a page read from the registry is in the tree
    marks.setdefault("live", time.perf_counter() - t0)
tm.loadSucceeded.connect(first_live_page)
def tick():
    root = tm.profile_index("bench")
    if not root.isValid():
        return
    node = tm.node(root)
    state = tm.state(node.payload.id)
    if node.children and "rows" not in marks:
        marks["rows"] = time.perf_counter() - t0
def settled():  # the listing is complete and its snapshot written (the next launch reads it)
    root = tm.profile_index("bench")
    return "live" in marks and tm.node(root).load.all_fetched and w.workers.is_idle()
while not settled() and time.perf_counter() - t0 < 60:
    app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
    tick()
print(json.dumps({"shown": shown, **marks}))
w.shutdown()
"""


def launch(code: str, env: dict[str, str]) -> str:
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    return out.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="modelyard-bench-") as tmp:
        env = dict(
            os.environ,
            QT_QPA_PLATFORM="offscreen",
            XDG_CONFIG_HOME=str(Path(tmp) / "config"),
            XDG_CACHE_HOME=str(Path(tmp) / "cache"),
            XDG_DATA_HOME=str(Path(tmp) / "data"),
            MLFLOW_DISABLE_TELEMETRY="true",
            PYTHONPATH=str(ROOT / "app"),
        )
        server, raw = seeded_server(Path(tmp) / "server", model_names(args.models))
        try:
            os.environ.update({k: env[k] for k in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME")})
            from modelyard.core.kinds import MlflowServerSettings
            from modelyard.core.model.snapshot import clear_snapshots
            from modelyard.core.profiles.profile import Profile, ProfileStore

            profile = ProfileStore().add(
                Profile(name="bench", settings=MlflowServerSettings(url=server.url))
            )
            bare = statistics.median(float(launch(BARE, env)) for _ in range(3))
            first: list[dict[str, float]] = []
            again: list[dict[str, float]] = []
            for _ in range(3):
                clear_snapshots(profile.id)
                first.append(json.loads(launch(MODELYARD, env)))
                again.append(json.loads(launch(MODELYARD, env)))  # with the snapshot
            raw_first = median_seconds(
                lambda: raw.search_registered_models(NOT_PROMPT, max_results=100), repeat=3
            )
            started = time.perf_counter()
            mlflow_import = subprocess.run(
                [sys.executable, "-c", "import mlflow.store.model_registry.rest_store"],
                env=env,
                check=True,
            )
            import_s = time.perf_counter() - started
            del mlflow_import
        finally:
            server.stop()

    def med(runs: list[dict[str, float]], key: str) -> float:
        return round(statistics.median(r[key] for r in runs), 3)

    emit(
        {
            "models": args.models,
            "bare_qt_window_shown_s": round(bare, 3),
            "window_shown_s": med(first, "shown"),
            "first_launch_live_rows_s": med(first, "live"),
            "next_launch_cached_rows_s": med(again, "rows"),
            "next_launch_cached_rows_after_window_s": round(
                med(again, "rows") - med(again, "shown"), 3
            ),
            "next_launch_live_rows_s": med(again, "live"),
            "raw_client_first_page_s": round(raw_first, 4),
            "fresh_interpreter_import_mlflow_rest_store_s": round(import_s, 3),
            "targets_s": {"window": 1.0, "cached_after_window": 0.5, "live_rows": 2.0},
        }
    )


if __name__ == "__main__":
    main()
