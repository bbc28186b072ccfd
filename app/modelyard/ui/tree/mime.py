"""The drag format for model versions (tree → promotion board, board → board, tree → another
registry)."""

from __future__ import annotations

import json

from PySide6.QtCore import QMimeData

from modelyard.ui.tree.tree_node import Node, NodeKind

MIME = "application/x-modelyard-version"


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
