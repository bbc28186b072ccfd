"""Managing profiles from the main window: the setup wizard (new, edit, duplicate), delete,
test connection, export and import (without secrets). Keyring and network work runs off the
GUI thread."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from modelyard.core.diagnose import Diagnosis, test_connection
from modelyard.core.errors import ModelyardError
from modelyard.core.paths import write_atomic
from modelyard.core.profile_service import remove_profile
from modelyard.core.profiles import Profile
from modelyard.ui.profiles.wizard import ProfileWizard

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtCore import QModelIndex
    from PySide6.QtWidgets import QMainWindow, QTreeView

    from modelyard.core.profiles import ProfileStore
    from modelyard.core.session import Connections
    from modelyard.ui.tree_model import Node, RegistryTreeModel
    from modelyard.ui.workers import WorkerPool

    _Window = QMainWindow
else:
    _Window = object


class ProfileActions(_Window):
    """Mixed into MainWindow (before QMainWindow; a plain class at run time): what it uses of
    the window is declared here."""

    store: ProfileStore
    connections: Connections
    workers: WorkerPool
    tree: QTreeView
    tree_model: RegistryTreeModel
    wizard: ProfileWizard | None
    last_diagnosis: Diagnosis | None
    show_dialogs: bool

    if TYPE_CHECKING:

        def _node(self, index: QModelIndex) -> Node | None: ...

        def open_profile(self, name: str) -> None: ...

        def reload_profiles(self, then: Callable[[], None] | None = None) -> None: ...

        def show_error(self, message: str) -> None: ...

    def selected_profile(self) -> Profile | None:
        """The profile of the selected tree row (or the only profile)."""
        node = self._node(self.tree.currentIndex())
        if node is not None and node.profile is not None:
            return node.profile
        profiles = self.tree_model.profiles()
        return profiles[0] if len(profiles) == 1 else None

    def _wizard(self, editing: Profile | None = None, duplicate: bool = False) -> ProfileWizard:
        wizard = ProfileWizard(
            self.store,
            self.connections.secrets,
            self.workers,
            editing=editing,
            duplicate=duplicate,
            parent=self,
        )
        wizard.saved.connect(self._profile_saved)
        wizard.setWindowModality(Qt.WindowModality.WindowModal)
        self.wizard = wizard
        wizard.show()
        return wizard

    def new_profile(self) -> ProfileWizard:
        """Open the setup wizard for a new profile."""
        return self._wizard()

    def edit_profile(self) -> ProfileWizard | None:
        """Open the wizard on the selected profile."""
        profile = self.selected_profile()
        return self._wizard(profile) if profile is not None else None

    def duplicate_profile(self) -> ProfileWizard | None:
        """Open the wizard on a copy of the selected profile (secrets copied on save)."""
        profile = self.selected_profile()
        return self._wizard(profile, duplicate=True) if profile is not None else None

    def _profile_saved(self, profile: Profile) -> None:
        self.connections.forget(profile.id)
        self.reload_profiles(then=lambda: self.open_profile(profile.name))
        self.statusBar().showMessage(f"Saved profile {profile.name}.", 5000)

    def delete_profile(self, confirm: bool = True) -> None:
        """Delete the selected profile and its secrets (after asking)."""
        profile = self.selected_profile()
        if profile is None:
            return
        if confirm:
            answer = QMessageBox.question(
                self,
                "Delete profile",
                f"Delete the profile “{profile.name}” and its secrets from the keyring?\n"
                "The registry itself is not touched.",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        store, secrets = self.store, self.connections.secrets

        def done(_removed: object) -> None:
            self.connections.forget(profile.id)
            self.reload_profiles()
            self.statusBar().showMessage(f"Deleted profile {profile.name}.", 5000)

        self.statusBar().showMessage(f"Deleting profile {profile.name}…")
        self.workers.submit(  # the keyring may be slow or ask to be unlocked: not here
            lambda _token: remove_profile(store, secrets, profile.id),
            done,
            lambda error: self.show_error(error.message),
            "delete profile",
        )

    def test_profile(self) -> None:
        """Test the selected profile's connection; the answer goes to a message box."""
        profile = self.selected_profile()
        if profile is None:
            return
        self.statusBar().showMessage(f"Testing {profile.name}…")
        secrets = self.connections.secrets

        def done(result: Diagnosis) -> None:
            self.last_diagnosis = result
            self.statusBar().showMessage(f"{profile.name}: {result.headline}", 8000)
            box = QMessageBox.information if result.ok else QMessageBox.warning
            if self.show_dialogs:
                box(self, f"Test connection — {profile.name}", result.text())

        self.workers.submit(
            lambda _token: test_connection(profile, secrets),
            done,
            description="test connection",
        )

    def export_profiles(self, path: str | None = None) -> None:
        """Write every profile as JSON (no secrets)."""
        from modelyard.core.importers import export_profiles

        if path is None:
            path, _filter = QFileDialog.getSaveFileName(
                self, "Export profiles", "modelyard-profiles.json", "JSON (*.json)"
            )
        if not path:
            return
        try:
            write_atomic(Path(path), export_profiles(self.store.list()) + "\n")
        except (OSError, ModelyardError) as exc:
            self.show_error(f"Could not export the profiles: {exc}")
            return
        self.statusBar().showMessage(f"Exported profiles to {path} (without secrets).", 8000)

    def import_profiles(self, path: str | None = None) -> None:
        """Add the profiles of an export file (new names where a name is taken)."""
        from modelyard.core.importers import Candidate, already_known, read_export, save_candidate

        if path is None:
            path, _filter = QFileDialog.getOpenFileName(
                self, "Import profiles", "", "JSON (*.json)"
            )
        if not path:
            return
        added = 0
        try:
            for profile in read_export(Path(path).read_text(encoding="utf-8")):
                candidate = Candidate(path, profile)
                if already_known(self.store, candidate) is None:
                    save_candidate(self.store, self.connections.secrets, candidate)
                    added += 1
        except (OSError, ModelyardError) as exc:
            self.show_error(f"Could not import {path}: {exc}")
        self.reload_profiles()
        self.statusBar().showMessage(f"Imported {added} profile(s) from {path}.", 8000)
