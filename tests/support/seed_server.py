"""Seed an MLflow server with its own client (run by that server's venv's Python).

Standalone on purpose: it runs under the MLflow of the server being seeded (2.2 … 3.x), so it
imports nothing of Modelyard or of the tests, and uses only client APIs every release in the
tier has. Writes what it made as JSON to OUT (the client prints to stdout itself):

    {"mlflow": "2.9.2", "aliases": true,
     "models": {name: {"description", "tags", "aliases", "versions": {v: {...}}}}}

Usage: python seed_server.py TRACKING_URL OUT
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile

import mlflow
from mlflow.tracking import MlflowClient

MLMODEL = """artifact_path: model
flavors:
  python_function:
    loader_module: seed_model
    python_version: 3.11.7
mlflow_version: {version}
model_uuid: {uuid}
run_id: {run_id}
utc_time_created: '2026-11-20 10:00:00.000000'
"""

VersionPlan = tuple[str, list[float], dict[str, str]]
PLAN: dict[str, tuple[str, dict[str, str], list[VersionPlan], dict[str, str]]] = {
    # model: (description, tags, [(stage, accuracy steps, extra version tag)], aliases)
    "churn": (
        "Predicts churn per account.",
        {"team": "growth"},
        [
            ("Archived", [0.61, 0.63], {}),
            ("Production", [0.70, 0.74, 0.79], {"validated": "yes"}),
            ("Staging", [0.80, 0.82], {}),
        ],
        {"champion": "2", "challenger": "3"},
    ),
    "fraud-detector": (
        "Scores card transactions.",
        {"team": "fraud"},
        [("Production", [0.90], {})],
        {"champion": "1"},
    ),
    "unreleased": ("", {}, [], {}),
}


def has_aliases(client: MlflowClient) -> bool:
    return hasattr(client, "set_registered_model_alias")


def main(url: str, out_path: str) -> None:
    mlflow.set_tracking_uri(url)  # the proxied artifact repository resolves against it
    client = MlflowClient(tracking_uri=url, registry_uri=url)
    experiment_id = client.create_experiment("seed")
    aliases_ok = has_aliases(client)
    out: dict[str, object] = {"mlflow": mlflow.__version__, "aliases": aliases_ok, "models": {}}
    models: dict[str, object] = {}
    for name, (description, tags, versions, aliases) in PLAN.items():
        client.create_registered_model(name, tags=tags, description=description or None)
        made: dict[str, object] = {}
        for index, (stage, accuracy, version_tags) in enumerate(versions, start=1):
            run = client.create_run(experiment_id, run_name=f"{name}-{index}")
            run_id = run.info.run_id
            client.log_param(run_id, "depth", str(index + 2))
            for step, value in enumerate(accuracy):
                client.log_metric(run_id, "accuracy", value, step=step)
            client.log_metric(run_id, "loss", round(1 - accuracy[-1], 3))
            files: dict[str, str] = {}
            with tempfile.TemporaryDirectory() as folder:
                model_dir = os.path.join(folder, "model")
                os.makedirs(model_dir)
                contents = {
                    "MLmodel": MLMODEL.format(
                        version=mlflow.__version__, uuid=f"{name}{index}", run_id=run_id
                    ).encode(),
                    "requirements.txt": b"scikit-learn==1.5.2\n",
                    "model.bin": hashlib.sha256(f"{name}{index}".encode()).digest() * 4096,
                }
                for path, data in contents.items():
                    with open(os.path.join(model_dir, path), "wb") as handle:
                        handle.write(data)
                    files[path] = hashlib.sha256(data).hexdigest()
                client.log_artifacts(run_id, model_dir, artifact_path="model")
            client.set_terminated(run_id)
            version = client.create_model_version(
                name, source=f"{run.info.artifact_uri}/model", run_id=run_id, tags=version_tags
            )
            if stage != "None":
                client.transition_model_version_stage(name, version.version, stage)
            made[str(version.version)] = {
                "stage": stage,
                "run_id": run_id,
                "accuracy": accuracy[-1],
                "tags": version_tags,
                "files": files,
            }
        if aliases_ok:
            for alias, version_number in aliases.items():
                client.set_registered_model_alias(name, alias, version_number)
        models[name] = {
            "description": description,
            "tags": tags,
            "aliases": aliases if aliases_ok else {},
            "versions": made,
        }
    out["models"] = models
    with open(out_path, "w", encoding="utf-8") as handle:
        json.dump(out, handle)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
