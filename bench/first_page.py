"""First page of models: Modelyard (core and tree) against raw MLflow calls on the same server.

    .venv/bin/python bench/first_page.py [--models 2000]

Prints JSON: seconds for the floor (one raw ``search_registered_models`` page through MLflow's
RestStore), for ``Registry.list_models`` and for the tree (fetchMore → rows inserted on the GUI
thread, offscreen), the ratios against the floor, and the whole-list load (all pages) the same way.
Target (DESIGN.md §5): first page in the tree ≤ 1.2 × the floor.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Any

from _common import NOT_PROMPT, emit, median_seconds, model_names, seeded_server

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=2000)
    parser.add_argument("--page", type=int, default=100)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="modelyard-bench-") as tmp:
        os.environ["XDG_CONFIG_HOME"] = str(Path(tmp) / "config")
        os.environ["XDG_CACHE_HOME"] = str(Path(tmp) / "cache")
        from PySide6.QtCore import QEventLoop
        from PySide6.QtWidgets import QApplication

        from modelyard.core.connectors import open_registry
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
                return raw.search_registered_models(not_prompt, max_results=args.page)

            def raw_all() -> int:
                token, count = None, 0
                while True:
                    page = raw.search_registered_models(
                        not_prompt, max_results=1000, page_token=token
                    )
                    count += len(page)
                    token = page.token
                    if not token:
                        return count

            profile = Profile(name="bench", settings=MlflowServerSettings(url=server.url))
            registry = open_registry(profile, SecretStore(session_only=True))

            def core_first() -> object:
                return registry.list_models(None, args.page)

            app = QApplication.instance() or QApplication([])
            connections = Connections(SecretStore(session_only=True))
            workers = WorkerPool()
            listing.MODEL_PAGE = args.page
            model = tm.RegistryTreeModel(connections, workers)
            connections.get(profile)  # connection set-up is not part of a page read

            def fresh() -> Any:
                """A tree that has never seen the registry: no state, no snapshot."""
                connections.states.forget(profile.id)
                clear_snapshots(profile.id)
                model.set_profiles([profile])
                root = model.index(0, 0)
                model.fetchMore(root)
                return root

            def wait(condition: object) -> None:
                while not condition():  # type: ignore[operator]
                    app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)

            def tree_first() -> object:
                root = fresh()
                wait(lambda: model.rowCount(root) > 0)
                return None

            def tree_all() -> object:
                root = fresh()
                wait(lambda: model.node(model.index(0, 0)).load.all_fetched)
                return root

            floor = median_seconds(raw_first)
            core = median_seconds(core_first)
            tree = median_seconds(tree_first)
            floor_all = median_seconds(raw_all, repeat=3)
            tree_model_all = median_seconds(tree_all, repeat=3)
            workers.shutdown()
            connections.close_all()
            emit(
                {
                    "models": args.models,
                    "page_size": args.page,
                    "first_page_raw_s": round(floor, 4),
                    "first_page_core_s": round(core, 4),
                    "first_page_tree_s": round(tree, 4),
                    "first_page_core_ratio": round(core / floor, 3),
                    "first_page_tree_ratio": round(tree / floor, 3),
                    "all_models_raw_1000_pages_s": round(floor_all, 4),
                    "all_models_tree_s": round(tree_model_all, 4),
                    "all_models_tree_ratio": round(tree_model_all / floor_all, 3),
                }
            )
        finally:
            server.stop()


if __name__ == "__main__":
    main()
