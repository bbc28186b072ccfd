"""Reading MLflow's MLmodel file: flavors, signature, where the input example is."""

from __future__ import annotations

import json
from typing import Any

from modelyard.core.model.domain import ModelFile, SchemaColumn


def _columns(spec: Any) -> tuple[SchemaColumn, ...]:
    if isinstance(spec, str):
        try:
            spec = json.loads(spec)
        except json.JSONDecodeError:
            return ()
    if not isinstance(spec, list):
        return ()
    columns = []
    for index, item in enumerate(spec):
        if not isinstance(item, dict):
            continue
        kind = str(item.get("type", "?"))
        if kind == "tensor":
            tensor = item.get("tensor-spec") or {}
            kind = f"tensor {tensor.get('dtype', '?')} {tuple(tensor.get('shape', ()))}"
        columns.append(
            SchemaColumn(
                name=str(item.get("name", f"#{index}")),
                type=kind,
                required=bool(item.get("required", True)),
            )
        )
    return tuple(columns)


def parse_model_file(text: str) -> ModelFile:
    """Parse MLmodel YAML; ``input_example`` holds the example's relative path (if any)."""
    import yaml

    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError:
        return ModelFile(raw=text)
    if not isinstance(data, dict):
        return ModelFile(raw=text)
    signature = data.get("signature") or {}
    example = data.get("saved_input_example_info") or {}
    return ModelFile(
        flavors=tuple(sorted((data.get("flavors") or {}).keys())),
        inputs=_columns(signature.get("inputs")),
        outputs=_columns(signature.get("outputs")),
        input_example=str(example.get("artifact_path", "")) if isinstance(example, dict) else "",
        mlflow_version=str(data.get("mlflow_version", "")),
        model_uuid=str(data.get("model_uuid", "")),
        raw=text,
    )
