"""The drag formats of the tree: one model version (tree → promotion board, board → board, tree
→ another registry: a copy) and several models of one registry (tree → another registry: a
sync)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from PySide6.QtCore import QMimeData

from modelyard.ui.tree.tree_node import Node, NodeKind

MIME = "application/x-modelyard-version"
MODELS_MIME = "application/x-modelyard-models"


def version_mime(profile_id: str, model: str, version: str) -> QMimeData:
    """Drag payload naming one version of one model of one profile."""
    data = QMimeData()
    payload = {"profile": profile_id, "model": model, "version": version}
    data.setData(MIME, json.dumps(payload).encode())
    data.setText(f"models:/{model}/{version}")
    return data


def read_mime(data: QMimeData) -> dict[str, str] | None:
    """The payload of a version drag, or None."""
    if not data.hasFormat(MIME):
        return None
    try:
        payload = json.loads(bytes(data.data(MIME).data()).decode())
    except (ValueError, UnicodeDecodeError):
        return None
    return payload if isinstance(payload, dict) else None


CopyDrop = tuple[str, str, str, str, str]  # from profile, model, version → profile, model


def copy_drop(data: QMimeData, onto: Node) -> CopyDrop | None:
    """The copy a version dropped ``onto`` a registry or model row asks for, or None: not a
    version, not a registry or model row, or the same registry (dropping there is not a copy)."""
    payload = read_mime(data) or {}
    if onto.kind not in (NodeKind.PROFILE, NodeKind.MODEL) or not payload.get("model"):
        return None
    if onto.profile.id == payload.get("profile") or not payload.get("version"):
        return None
    model = onto.model_summary.name if onto.kind is NodeKind.MODEL else payload["model"]
    return payload["profile"], payload["model"], payload["version"], onto.profile.id, model


SyncDrop = tuple[str, tuple[str, ...], str]  # from profile, models → profile


def models_mime(profile_id: str, models: Sequence[str]) -> QMimeData:
    """Drag payload naming several models of one profile."""
    data = QMimeData()
    payload = {"profile": profile_id, "models": list(models)}
    data.setData(MODELS_MIME, json.dumps(payload).encode())
    data.setText("\n".join(models))
    return data


def drag_data(nodes: Sequence[Node]) -> QMimeData:
    """What dragging these rows carries: the first version among them (the board takes one),
    else the models among them when they all belong to one registry (in the tree's order,
    not the order they were selected in), else nothing."""
    for node in nodes:
        if node.kind is NodeKind.VERSION:
            version = node.version_summary
            return version_mime(node.profile.id, version.model, version.version)
    models = sorted((n for n in nodes if n.kind is NodeKind.MODEL), key=lambda n: n.row)
    if models and len({n.profile.id for n in models}) == 1:
        return models_mime(models[0].profile.id, [n.model_summary.name for n in models])
    return QMimeData()


def sync_drop(data: QMimeData, onto: Node) -> SyncDrop | None:
    """The sync that models dropped ``onto`` another registry's row ask for, or None."""
    if not data.hasFormat(MODELS_MIME) or onto.kind is not NodeKind.PROFILE:
        return None
    try:
        payload = json.loads(bytes(data.data(MODELS_MIME).data()).decode())
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(payload, dict):
        return None
    source, models = payload.get("profile"), payload.get("models")
    if not isinstance(source, str) or source == onto.profile.id or not isinstance(models, list):
        return None
    names = tuple(m for m in models if isinstance(m, str) and m)
    return (source, names, onto.profile.id) if names else None
