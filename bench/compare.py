"""Compare two registries: Modelyard's comparison against listing both with raw MLflow calls.

    .venv/bin/python bench/compare.py [--models 2000]

Two real ``mlflow server`` processes with the same models, a few of them changed on one side.
The floor is listing both registries one after the other through MLflow's RestStore (1000 per
page, what a script would do); Modelyard lists both at the same time and compares. Prints JSON:
seconds for both, and the ratio. Target (DESIGN.md §5): compare ≤ 1.2 × listing both.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from _common import NOT_PROMPT, emit, median_seconds, model_names, seeded_server

os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=2000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="modelyard-bench-") as tmp:
        os.environ["XDG_CONFIG_HOME"] = str(Path(tmp) / "config")
        from modelyard.core.actions.compare import compare_registries
        from modelyard.core.connectors import open_registry
        from modelyard.core.kinds import MlflowServerSettings
        from modelyard.core.profiles.profile import Profile
        from modelyard.core.profiles.secrets import SecretStore

        names = model_names(args.models)
        servers, stores = [], []
        try:
            # the right side differs a little: 10 models swapped, 20 descriptions changed
            for side, listed in (
                ("left", names),
                ("right", names[:-10] + [f"extra-{i}" for i in range(10)]),
            ):
                server, store = seeded_server(Path(tmp) / side, listed)
                servers.append(server)
                stores.append(store)
                for i in range(0, args.models - 10, max(args.models // 20, 1)):
                    store.update_registered_model(names[i], f"{side} side")

            not_prompt = NOT_PROMPT

            def raw_list_both() -> int:
                count = 0
                for store in stores:
                    token = None
                    while True:
                        page = store.search_registered_models(
                            not_prompt, max_results=1000, page_token=token
                        )
                        count += len(page)
                        token = page.token
                        if not token:
                            break
                return count

            secrets = SecretStore(session_only=True)
            registries = [
                open_registry(
                    Profile(name=side, settings=MlflowServerSettings(url=server.url)), secrets
                )
                for side, server in zip(("left", "right"), servers, strict=True)
            ]

            def modelyard_compare() -> object:
                return compare_registries(registries[0], registries[1])

            floor = median_seconds(raw_list_both, repeat=3)
            ours = median_seconds(modelyard_compare, repeat=3)
            summary = compare_registries(registries[0], registries[1]).summary()
            for registry in registries:
                registry.close()
            emit(
                {
                    "models_per_registry": args.models,
                    "list_both_raw_s": round(floor, 4),
                    "compare_s": round(ours, 4),
                    "compare_ratio": round(ours / floor, 3),
                    "target_ratio": 1.2,
                    "result": summary,
                }
            )
        finally:
            for server in servers:
                server.stop()


if __name__ == "__main__":
    main()
