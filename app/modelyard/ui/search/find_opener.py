"""The window's one Find dialog (View ▸ Find across registries…, Ctrl+Shift+F), its command
palette (View ▸ Go to or run…, Ctrl+K) and Help ▸ Keyboard shortcuts, each made on first use;
and opening a result in the tree: its registry, then its model (read if need be), then the
version."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenuBar, QWidget

from modelyard.core.reads.saved import SavedSearch, SavedSearches
from modelyard.ui.search.find_dialog import FindDialog
from modelyard.ui.search.palette import (
    CommandPalette,
    Entry,
    ShortcutsDialog,
    action_entries,
    registry_entries,
)
from modelyard.ui.search.saved_bar import SavedBar

if TYPE_CHECKING:
    from modelyard.core.profiles.profile import Profile
    from modelyard.core.session import Connections
    from modelyard.ui.common.workers import WorkerPool
    from modelyard.ui.tree.tree_model import Node, RegistryTreeModel
    from modelyard.ui.tree.tree_panel import TreePanel


class FindHost(Protocol):
    """What opening a result uses of the window."""

    tree_model: RegistryTreeModel
    panel: TreePanel

    def open_profile(self, name: str) -> None: ...

    def select_node(self, node: Node) -> None: ...

    def select_version(self, model: str, version: str, expand: bool = True) -> None: ...

    def menuBar(self) -> QMenuBar: ...


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
        self.palette: CommandPalette | None = None
        self.palette_action = QAction("&Go to or run…", parent)
        self.palette_action.setShortcut(QKeySequence("Ctrl+K"))
        self.palette_action.setToolTip("Jump to a registry, model or version, or run an action")
        self.palette_action.triggered.connect(lambda _checked=False: self.show_palette())
        # a query typed in the tree's filter box: its results in place of the tree
        self.inline = FindDialog(connections, workers, profiles, parent, embedded=True)
        self.inline.openRequested.connect(self._open_from_filter)
        window.panel.install_results(self.inline)
        self.saved_bar = SavedBar()  # the saved searches, above the tree
        self.saved_bar.chosen.connect(window.panel.run_query)
        window.panel.install_above(self.saved_bar)
        self.inline.savedChanged.connect(self.load_saved)
        self.load_saved()
        self.shortcuts: ShortcutsDialog | None = None
        self.shortcuts_action = QAction("&Keyboard shortcuts", parent)
        self.shortcuts_action.triggered.connect(lambda _checked=False: self.show_shortcuts())

    def show_palette(self) -> CommandPalette:
        if self.palette is None:
            self.palette = CommandPalette(self._entries, self.parent)
        self.palette.open()
        return self.palette

    def _entries(self) -> list[Entry]:
        actions = [e for e in action_entries(self.window.menuBar()) if "Go to or run" not in e.text]
        profiles = self.profiles()
        saved = [
            Entry("action", f"Saved search ▸ {s.name}", s.query, partial(self.run_saved, s.query))
            for s in self.saved_bar.searches  # as last read off the GUI thread
        ]
        return (
            actions
            + saved
            + registry_entries(profiles, self.connections, self.window.open_profile, self.open_hit)
        )

    def run_saved(self, query: str) -> None:
        """A saved search from the palette: Find opens on it and reads every registry."""
        self.show().run_saved(query)

    def show_shortcuts(self) -> ShortcutsDialog:
        if self.shortcuts is None:
            self.shortcuts = ShortcutsDialog(self.window.menuBar(), self.parent)
        self.shortcuts.show()
        self.shortcuts.raise_()
        return self.shortcuts

    def load_saved(self) -> None:
        """The saved searches read (off the GUI thread: the config folder may be slow) and
        shown above the tree."""

        def read(_token: object) -> list[SavedSearch]:
            return SavedSearches().load()

        self.workers.submit(read, self.saved_bar.set_searches, None, "saved searches")

    def show(self) -> FindDialog:
        if self.dialog is None:
            self.dialog = FindDialog(self.connections, self.workers, self.profiles, self.parent)
            self.dialog.openRequested.connect(self.open_hit)
            self.dialog.savedChanged.connect(self.load_saved)
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()
        self.dialog.query.setFocus()
        self.dialog.query.selectAll()
        self.dialog.refresh()
        self.dialog.load_kept()
        return self.dialog

    def _open_from_filter(self, profile_id: str, model: str, version: str) -> None:
        """A result under the filter box: the filter is cleared (the tree is back), then the
        row is selected."""
        self.window.panel.search.clear()
        self.window.panel.apply_filter_now()
        self.open_hit(profile_id, model, version)

    def open_hit(self, profile_id: str, model: str, version: str, tries: int = TRIES) -> None:
        """Select the result's version (``version`` "": its model) in the tree, its registry
        and model expanded first."""
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
        if version:  # else the model itself
            self.window.select_version(model, version)
        self.parent.activateWindow()
