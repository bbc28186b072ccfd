"""The window's one Find dialog (View ▸ Find across registries…, Ctrl+Shift+F), made on first
use, and opening a result in the tree: its registry, then its model (read if need be), then
the version."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from modelyard.ui.search.find_dialog import FindDialog

if TYPE_CHECKING:
    from modelyard.core.profiles.profile import Profile
    from modelyard.core.session import Connections
    from modelyard.ui.common.workers import WorkerPool
    from modelyard.ui.tree.tree_model import Node, RegistryTreeModel


class FindHost(Protocol):
    """What opening a result uses of the window."""

    tree_model: RegistryTreeModel

    def open_profile(self, name: str) -> None: ...

    def select_node(self, node: Node) -> None: ...

    def select_version(self, model: str, version: str, expand: bool = True) -> None: ...


class FindOpener:
    """``action`` opens the dialog; a result asked to open is shown in the tree."""

    TRIES = 100  # × 100 ms: the registry's models may still be on their way

    def __init__(
        self,
        window: FindHost,
        parent: QWidget,
        connections: Connections,
        workers: WorkerPool,
        profiles: Callable[[], list[Profile]],
    ) -> None:
        self.window, self.parent = window, parent
        self.connections, self.workers, self.profiles = connections, workers, profiles
        self.dialog: FindDialog | None = None
        self.action = QAction("&Find across registries…", parent)
        self.action.setShortcut(QKeySequence("Ctrl+Shift+F"))
        self.action.setToolTip(
            "Search every registry by name, stage, alias, tag, metric… (Ctrl+Shift+F)"
        )
        self.action.triggered.connect(lambda _checked=False: self.show())

    def show(self) -> FindDialog:
        if self.dialog is None:
            self.dialog = FindDialog(self.connections, self.workers, self.profiles, self.parent)
            self.dialog.openRequested.connect(self.open_hit)
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()
        self.dialog.query.setFocus()
        self.dialog.query.selectAll()
        self.dialog.refresh()
        self.dialog.load_kept()
        return self.dialog

    def open_hit(self, profile_id: str, model: str, version: str, tries: int = TRIES) -> None:
        """Select the result's version in the tree (its registry and model expanded first)."""
        tm = self.window.tree_model
        profile_index = tm.profile_index(profile_id)
        if not profile_index.isValid():
            return
        if tries == self.TRIES:
            self.window.open_profile(profile_id)
        model_node = tm.node(profile_index).by_key.get(model)
        if model_node is None:  # its registry's rows are not in the tree yet
            if tries > 0:
                QTimer.singleShot(100, lambda: self.open_hit(profile_id, model, version, tries - 1))
            return
        self.window.select_node(model_node)
        self.window.select_version(model, version)
        self.parent.activateWindow()
