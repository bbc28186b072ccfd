from __future__ import annotations

from modelyard.core.reads.model_file import parse_model_file

MLMODEL = """
artifact_path: model
flavors:
  python_function: {loader_module: mlflow.sklearn}
  sklearn: {sklearn_version: 1.9.1}
mlflow_version: 3.17.2
model_uuid: abc123
saved_input_example_info: {artifact_path: input_example.json, type: dataframe}
signature:
  inputs: '[{"type": "double", "name": "f0", "required": true},
    {"type": "string", "name": "city", "required": false}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]'
"""


def test_signature_flavors_and_example_path() -> None:
    parsed = parse_model_file(MLMODEL)
    assert parsed.flavors == ("python_function", "sklearn")
    assert [(c.name, c.type, c.required) for c in parsed.inputs] == [
        ("f0", "double", True),
        ("city", "string", False),
    ]
    assert parsed.outputs[0].type == "tensor int64 (-1,)"
    assert parsed.input_example == "input_example.json"
    assert parsed.mlflow_version == "3.17.2"


def test_garbage_does_not_raise() -> None:
    assert parse_model_file("::: not yaml [").flavors == ()
    assert parse_model_file("- a list").inputs == ()
