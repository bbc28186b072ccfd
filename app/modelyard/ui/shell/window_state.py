"""What the main window looks like across restarts: geometry, splitters, the selected row.

Kept in QSettings ("window/…"); a saved selection is shown again once the profiles have been
read (the rows load as they would when opened by hand).
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow, QSplitter

from modelyard.ui.common.screen_fit import keep_on_screen
from modelyard.ui.tree.tree_model import Node, NodeKind

GEOMETRY, STATE, SPLITTER, SELECTION = (
    "window/geometry",
    "window/state",
    "window/splitter",
    "window/selection",
)
ARTIFACT_SPLIT, METRIC_SPLIT = "window/artifactSplit", "window/metricSplit"


def save(window: QMainWindow, splitters: Mapping[str, QSplitter], node: Node | None) -> None:
    """Remember geometry, the splitters' positions (by key: SPLITTER, ARTIFACT_SPLIT,
    METRIC_SPLIT) and the selected row ``node``."""
    settings = QSettings()
    settings.setValue(GEOMETRY, window.saveGeometry())
    settings.setValue(STATE, window.saveState())
    for key, splitter in splitters.items():
        settings.setValue(key, splitter.saveState())
    if node is None or node.kind is NodeKind.ROOT:
        settings.remove(SELECTION)
        return
    where = [node.profile.id, "", ""]
    if node.kind is NodeKind.MODEL:
        where[1] = node.model_summary.name
    elif node.kind is NodeKind.VERSION:
        where[1:] = [node.version_summary.model, node.version_summary.version]
    settings.setValue(SELECTION, where)


def restore_layout(window: QMainWindow, splitters: Mapping[str, QSplitter]) -> None:
    """Geometry and splitter positions as they were (nothing saved: the defaults stay)."""
    settings = QSettings()
    geometry = settings.value(GEOMETRY)
    if isinstance(geometry, QByteArray) and not geometry.isEmpty():
        window.restoreGeometry(geometry)
        keep_on_screen(window)  # saved on a larger screen: clamped to this one
    state = settings.value(STATE)
    if isinstance(state, QByteArray) and not state.isEmpty():
        window.restoreState(state)
    for key, splitter in splitters.items():
        saved = settings.value(key)
        if isinstance(saved, QByteArray) and not saved.isEmpty():
            splitter.restoreState(saved)


def saved_selection() -> tuple[str, str, str] | None:
    """(profile id, model, version) of the row selected last ("" where it was higher up)."""
    value = QSettings().value(SELECTION)
    if isinstance(value, list) and len(value) == 3 and all(isinstance(v, str) for v in value):
        return (value[0], value[1], value[2])
    return None
