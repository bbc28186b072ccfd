"""The GUI thread while a big registry loads, and filter-as-you-type on it.

    .venv/bin/python bench/gui_thread.py [--models 10000]

A real ``mlflow server`` with N models; the tree reads every page (as it always does) while a
1 ms timer on the GUI thread records the longest gap between its ticks — the longest time the
window could not repaint or take input. Then, with every model loaded, the time the filter
takes per keystroke (typing "bench-0999" letter by letter, then erasing it).
Targets (DESIGN.md §5): GUI thread never blocked > 50 ms while loading; ≤ 16 ms a keystroke.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from _common import emit, model_names, seeded_server

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=10000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="modelyard-bench-") as tmp:
        os.environ["XDG_CONFIG_HOME"] = str(Path(tmp) / "config")
        os.environ["XDG_CACHE_HOME"] = str(Path(tmp) / "cache")
        from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer

        from modelyard.core.kinds import MlflowServerSettings
        from modelyard.core.profiles.profile import Profile, ProfileStore
        from modelyard.ui.shell.app import create_app
        from modelyard.ui.shell.main_window import MainWindow

        server, _store = seeded_server(Path(tmp) / "server", model_names(args.models))
        try:
            app = create_app()
            store = ProfileStore(Path(tmp) / "profiles")
            store.add(Profile(name="big", settings=MlflowServerSettings(url=server.url)))
            window = MainWindow(store)
            window.resize(1360, 840)
            window.show()
            while not window.profiles_loaded:  # the profile file is read on a worker
                app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)

            gaps: list[float] = []
            clock = QElapsedTimer()
            clock.start()
            last = [clock.nsecsElapsed()]

            big: list[tuple[float, float]] = []  # (ms since start, gap ms) of stalls over 50 ms

            def tick() -> None:
                now = clock.nsecsElapsed()
                gap = (now - last[0]) / 1e6
                gaps.append(gap)
                if gap > 50:
                    big.append((round(now / 1e6), round(gap)))
                last[0] = now

            timer = QTimer()
            timer.setInterval(1)
            timer.timeout.connect(tick)
            timer.start()
            started = time.perf_counter()
            window.open_profile("big")
            tm = window.tree_model
            root = tm.profile_index("big")
            while not (tm.node(root).load.all_fetched and tm.rowCount(root) >= args.models):
                app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
            loaded_s = time.perf_counter() - started
            timer.stop()

            keystrokes: list[float] = []
            needle = "bench-0999"
            texts = [needle[: i + 1] for i in range(len(needle))]
            texts += [needle[:i] for i in range(len(needle) - 1, -1, -1)]
            for text in texts:
                t0 = time.perf_counter()
                window.proxy.set_needle(text)
                keystrokes.append((time.perf_counter() - t0) * 1000)
            window.close()
            window.workers.shutdown()
            emit(
                {
                    "models": args.models,
                    "load_all_models_s": round(loaded_s, 3),
                    "gui_longest_stall_ms": round(max(gaps), 1),
                    "gui_stall_p99_ms": round(sorted(gaps)[int(len(gaps) * 0.99)], 1),
                    "gui_stalls_over_50ms_at_ms": big[:12],
                    "target_stall_ms": 50,
                    "filter_keystroke_median_ms": round(statistics.median(keystrokes), 2),
                    "filter_keystroke_max_ms": round(max(keystrokes), 2),
                    "target_keystroke_ms": 16,
                }
            )
        finally:
            server.stop()


if __name__ == "__main__":
    main()
