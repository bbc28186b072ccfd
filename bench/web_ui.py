"""Registered-models list: Modelyard's tree against the MLflow web UI on the same server.

    .venv/bin/python bench/web_ui.py [--models 2000]

No browser can be installed here, so the web UI is measured by a *lower bound* of what a cold
browser must do before it can show the list: fetch the page, its JavaScript bundle and style
sheet, then the ``registered-models/search`` call the page makes (the JavaScript's parse and
run time, and its lazily loaded route chunks, are not counted — a real browser is slower).
Modelyard: a fresh connection (the app already running, as the browser is) and the first page of
models inserted in the tree. The floor is one raw ``search_registered_models`` page.
Target (DESIGN.md §5): Modelyard ≤ 0.5 × the web UI.
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
from pathlib import Path

from _common import NOT_PROMPT, emit, median_seconds, model_names, seeded_server

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
UI_PAGE = 25  # the web UI's models page size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=2000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="modelyard-bench-") as tmp:
        os.environ["XDG_CONFIG_HOME"] = str(Path(tmp) / "config")
        os.environ["XDG_CACHE_HOME"] = str(Path(tmp) / "cache")
        import requests
        from PySide6.QtCore import QEventLoop
        from PySide6.QtWidgets import QApplication

        from modelyard.core.kinds import MlflowServerSettings
        from modelyard.core.model.snapshot import clear_snapshots
        from modelyard.core.profiles.profile import Profile
        from modelyard.core.profiles.secrets import SecretStore
        from modelyard.core.session import Connections
        from modelyard.ui.common.workers import WorkerPool
        from modelyard.ui.tree import listing
        from modelyard.ui.tree import tree_model as tm

        server, raw = seeded_server(Path(tmp) / "server", model_names(args.models))
        try:
            not_prompt = NOT_PROMPT

            def raw_first() -> object:
                return raw.search_registered_models(not_prompt, max_results=listing.MODEL_PAGE)

            browser_headers = {"Accept-Encoding": "gzip, deflate, br", "Cache-Control": "no-cache"}

            def web_ui() -> object:
                with requests.Session() as browser:  # a cold browser: no connection, no cache
                    browser.headers.update(browser_headers)
                    page = browser.get(f"{server.url}/", timeout=60)
                    page.raise_for_status()
                    for asset in re.findall(r'(?:src|href)="\.?/?(static-files/[^"]+)"', page.text):
                        browser.get(f"{server.url}/{asset}", timeout=60).raise_for_status()
                    query: dict[str, str | int] = {"max_results": UI_PAGE, "filter": not_prompt}
                    models = browser.get(
                        f"{server.url}/ajax-api/2.0/mlflow/registered-models/search",
                        params=query,
                        timeout=60,
                    )
                    models.raise_for_status()
                    return models.json()

            app = QApplication.instance() or QApplication([])
            profile = Profile(name="bench", settings=MlflowServerSettings(url=server.url))

            def wait(condition: object) -> None:
                while not condition():  # type: ignore[operator]
                    app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)

            def tree_first() -> object:
                connections = Connections(SecretStore(session_only=True))
                workers = WorkerPool()
                model = tm.RegistryTreeModel(connections, workers)
                clear_snapshots(profile.id)  # a first look: nothing cached
                model.set_profiles([profile])
                root = model.index(0, 0)
                model.fetchMore(root)
                wait(lambda: model.rowCount(root) > 0)
                workers.shutdown()
                connections.close_all()
                return None

            floor = median_seconds(raw_first)
            ui = median_seconds(web_ui)
            tree = median_seconds(tree_first)
            emit(
                {
                    "models": args.models,
                    "raw_first_page_s": round(floor, 4),
                    "web_ui_lower_bound_s": round(ui, 4),
                    "modelyard_tree_first_page_s": round(tree, 4),
                    "modelyard_vs_web_ui_ratio": round(tree / ui, 3),
                    "modelyard_vs_raw_ratio": round(tree / floor, 3),
                    "target_ratio_vs_web_ui": 0.5,
                }
            )
        finally:
            server.stop()


if __name__ == "__main__":
    main()
