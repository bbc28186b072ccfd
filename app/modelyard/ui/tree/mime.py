"""The drag format for model versions (tree → promotion board, board → board)."""

from __future__ import annotations

import json

from PySide6.QtCore import QMimeData

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
