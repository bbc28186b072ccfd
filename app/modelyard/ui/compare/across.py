"""Work between registries, started from the window's tree and menus: copy a version, sync
models, compare two registries (and copy from the comparison). A controller with explicit
dependencies; the window holds one (``window.across``)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QTreeView, QWidget

from modelyard.core.actions.across import Across
from modelyard.core.profiles.profile import Profile
from modelyard.core.session import Connections
from modelyard.ui.common.workers import WorkerPool
from modelyard.ui.compare.compare_view import RegistryCompareDialog
from modelyard.ui.compare.copy_dialog import CopyDialog, Revealer
from modelyard.ui.compare.sync_dialog import SyncDialog
from modelyard.ui.tree.tree_model import RegistryTreeModel


class AcrossRegistries(QObject):
    """Opens the copy, sync and comparison dialogs over ``window`` and shows their results in
    the tree (a copy selected in its target, a synced target read again)."""

    def __init__(
        self,
        window: QWidget,
        connections: Connections,
        workers: WorkerPool,
        *,
        tree: QTreeView,
        proxy: QSortFilterProxyModel,
        tree_model: RegistryTreeModel,
        say: Callable[[str, int], None],
        selected_profile: Callable[[], Profile | None],
    ) -> None:
        super().__init__(window)
        self.window = window
        self.connections, self.workers = connections, workers
        self.tree, self.proxy, self.tree_model = tree, proxy, tree_model
        self.say, self.selected_profile = say, selected_profile
        self.copy_dialog: CopyDialog | None = None
        self.sync_dialog: SyncDialog | None = None
        self.compare_dialog: RegistryCompareDialog | None = None
        tree_model.copyRequested.connect(self._copy_requested)
        tree_model.syncRequested.connect(self._sync_requested)

    # --- copies ------------------------------------------------------------------------------
    def _copy_requested(
        self, source_id: str, model: str, version: str, target_id: str, target_model: str
    ) -> None:
        """A version dropped on another registry in the tree."""
        profiles = {p.id: p for p in self.tree_model.profiles()}
        if source_id in profiles and target_id in profiles:
            self.copy_version(
                profiles[source_id], model, version, profiles[target_id], target_model
            )

    def copy_version(
        self,
        source: Profile,
        model: str,
        version: str,
        target: Profile,
        target_model: str | None = None,
    ) -> CopyDialog:
        """Ask, then copy a version into another registry and show it there."""
        dialog = CopyDialog(
            self.connections,
            self.workers,
            source=source,
            model=model,
            version=version,
            target=target,
            parent=self.window,
        )
        if target_model and target_model != model:
            dialog.name.setText(target_model)
            dialog.name.editingFinished.emit()
        dialog.copied.connect(lambda result: self._copied(target, result))
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.copy_dialog = dialog
        dialog.show()
        return dialog

    def _copied(self, target: Profile, result: Across) -> None:
        """Show the copy in the target's tree: re-read its listing, open the model, select."""
        v = result.version
        if not self.tree_model.profile_index(target.id).isValid():
            return
        key = (target.id, v.model, v.version)
        Revealer(self.tree, self.proxy, self.tree_model, key, self.window)
        self.say(f"{target.name}: {v.model} v{v.version} is there now.", 8000)

    # --- sync --------------------------------------------------------------------------------
    def _sync_requested(self, source_id: str, models: tuple[str, ...], target_id: str) -> None:
        """Models dropped on another registry in the tree."""
        profiles = {p.id: p for p in self.tree_model.profiles()}
        if source_id in profiles and target_id in profiles and models:
            self.sync_models(profiles[source_id], profiles[target_id], models)

    def sync_models(
        self,
        source: Profile,
        target: Profile,
        models: tuple[str, ...] = (),
        versions: tuple[tuple[str, str], ...] = (),
    ) -> SyncDialog:
        """Plan, then sync models (none: all), or exactly ``versions`` (model, version), into
        another registry; its listing is read again afterwards."""
        dialog = SyncDialog(
            self.connections, self.workers, source=source, target=target, models=models,
            versions=versions, parent=self.window,
        )  # fmt: skip
        dialog.synced.connect(lambda _report: self._reread(target))
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.sync_dialog = dialog
        dialog.show()
        return dialog

    def _reread(self, profile: Profile) -> None:
        index = self.tree_model.profile_index(profile.id)
        if index.isValid():
            self.tree_model.refresh(index)

    # --- comparison --------------------------------------------------------------------------
    def compare_from_menu(self) -> None:
        """The menu's Compare registries… (triggered(bool) would pass ``checked`` as a side)."""
        self.compare_registries()

    def compare_registries(
        self, left: Profile | None = None, right: Profile | None = None
    ) -> RegistryCompareDialog | None:
        """Open the registry comparison (the selected registry on the left); with both sides
        given (tree menu "Compare with ▸"), compare right away."""
        profiles = self.tree_model.profiles()
        if len(profiles) < 2:
            self.say(
                "Comparing needs two registry profiles: add one with File ▸ New profile…", 8000
            )
            return None
        dialog = RegistryCompareDialog(profiles, self.connections, self.workers, self.window)
        dialog.copyAsked.connect(self._copy_from_comparison)
        dialog.syncAsked.connect(self._sync_from_comparison)
        left = left or self.selected_profile()
        if left is not None:
            index = dialog.left.findData(left.id)
            dialog.left.setCurrentIndex(index)
            dialog.right.setCurrentIndex(1 if index == 0 else 0)
        if right is not None:
            dialog.right.setCurrentIndex(dialog.right.findData(right.id))
        self.compare_dialog = dialog
        dialog.show()
        dialog.raise_()
        if left is not None and right is not None:
            dialog.start()
        return dialog

    def _copy_from_comparison(
        self, source: Profile, model: str, version: str, target: Profile
    ) -> None:
        compare = self.compare_dialog
        dialog = self.copy_version(source, model, version, target)
        dialog.setParent(compare, dialog.windowFlags())  # over the comparison, not the window
        if compare is not None:
            dialog.copied.connect(lambda _result: compare.start())  # compare again: now equal
        dialog.show()

    def _sync_from_comparison(
        self, source: Profile, target: Profile, models: tuple[str, ...]
    ) -> None:
        compare = self.compare_dialog
        dialog = self.sync_models(source, target, models)
        if compare is not None:
            dialog.setParent(compare, dialog.windowFlags())  # over the comparison
            dialog.synced.connect(lambda _report: compare.start())  # compare again
            dialog.show()
