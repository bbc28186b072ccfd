"""Managing profiles from the main window: the setup wizard (new, edit, duplicate), delete,
test connection, export and import (without secrets). Keyring and network work runs off the
GUI thread."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from modelyard.core.model.errors import ModelyardError
from modelyard.core.profiles.profile import PROTECTION_WORDS, PROTECTIONS, Profile
from modelyard.core.profiles.profile_service import remove_profile
from modelyard.core.reads.diagnose import Diagnosis, test_connection
from modelyard.core.runtime.paths import write_atomic
from modelyard.ui.profiles.wizard import ProfileWizard

if TYPE_CHECKING:
    from collections.abc import Callable

    from modelyard.core.profiles.profile import ProfileStore
    from modelyard.core.session import Connections
    from modelyard.ui.common.workers import WorkerPool
    from modelyard.ui.details.profile_view import ProfileView


class ProfileHost(Protocol):
    """What the profile actions use of the window that owns them."""

    store: ProfileStore
    connections: Connections
    workers: WorkerPool

    def selected_profile(self) -> Profile | None: ...

    def open_profile(self, name: str) -> None: ...

    def reload_profiles(self, then: Callable[[], None] | None = None) -> None: ...

    def show_error(self, message: str) -> None: ...

    def say(self, message: str, timeout_ms: int = 0) -> None: ...


class ProfileActions:
    """New, edit, duplicate, delete, test, export and import profiles for a window (``host``;
    ``parent`` is the widget their dialogs belong to). Keeps the open wizard and the last
    connection test (tests read it; ``show_dialogs`` off keeps message boxes away)."""

    def __init__(self, host: ProfileHost, parent: QWidget, view: ProfileView | None = None) -> None:
        self.host = host
        self.parent = parent
        self.wizard: ProfileWizard | None = None
        self.last_diagnosis: Diagnosis | None = None
        self.show_dialogs = True
        # lowering a registry's protection from its pane asks first (tests answer here)
        self.confirm_lowering: Callable[[Profile, str], bool] = self._confirm_lowering
        if view is not None:  # the profile pane's Protection choice
            view.protectionChosen.connect(self.set_protection)

    def set_protection(self, profile: object, level: str) -> None:
        """The profile's protection level set from its pane: saved, its connection opened
        anew (the guard of writes is made when it opens), its row shown again. Lowering it
        asks first."""
        assert isinstance(profile, Profile)
        if level == profile.protection_level or level not in PROTECTIONS:
            return
        lower = PROTECTIONS.index(level) < PROTECTIONS.index(profile.protection_level)
        if lower and not self.confirm_lowering(profile, level):
            self.host.open_profile(profile.name)  # shows the level it keeps
            return
        host = self.host

        def done(saved: Profile) -> None:
            host.connections.forget(saved.id)
            host.reload_profiles(then=lambda: host.open_profile(saved.name))
            host.say(f"{saved.name}: protection is now {PROTECTION_WORDS[level]}.", 6000)

        self._update(profile, lambda fresh: fresh.model_copy(update={"protection": level}), done)

    def set_pinned(self, profile: Profile, model: str, pinned: bool) -> None:
        """Pin ``model`` to the top of its registry's rows (or unpin it): kept in the profile,
        so it survives restarts; the tree is shown again in the new order."""

        def change(fresh: Profile) -> Profile:
            now = tuple(m for m in fresh.pinned if m != model) + ((model,) if pinned else ())
            return fresh.model_copy(update={"pinned": now})

        def done(saved: Profile) -> None:
            self.host.reload_profiles()
            self.host.say(f"{saved.name}: {model} {'pinned' if pinned else 'unpinned'}.", 5000)

        self._update(profile, change, done)

    def _update(
        self,
        profile: Profile,
        change: Callable[[Profile], Profile],
        done: Callable[[Profile], None],
    ) -> None:
        """Change the profile as it is saved now (another window or the CLI may have changed
        it since this one read it), on a worker: the profile file may sit on a slow disk."""
        store = self.host.store

        def work(_token: object) -> Profile:
            return store.replace(change(store.get(profile.id)))

        self.host.workers.submit(
            work, done, lambda error: self.host.show_error(error.message), "save profile"
        )

    def _confirm_lowering(self, profile: Profile, level: str) -> bool:
        answer = QMessageBox.question(
            self.parent,
            "Lower the protection",
            f"Lower the protection of “{profile.name}” from "
            f"{PROTECTION_WORDS[profile.protection_level]} to {PROTECTION_WORDS[level]}?",
        )
        return answer == QMessageBox.StandardButton.Yes

    def _wizard(self, editing: Profile | None = None, duplicate: bool = False) -> ProfileWizard:
        wizard = ProfileWizard(
            self.host.store,
            self.host.connections.secrets,
            self.host.workers,
            editing=editing,
            duplicate=duplicate,
            parent=self.parent,
        )
        wizard.saved.connect(self.profile_saved)
        wizard.setWindowModality(Qt.WindowModality.WindowModal)
        self.wizard = wizard
        wizard.show()
        return wizard

    def new_profile(self) -> ProfileWizard:
        """Open the setup wizard for a new profile."""
        return self._wizard()

    def edit_profile(self) -> ProfileWizard | None:
        """Open the wizard on the selected profile."""
        profile = self.host.selected_profile()
        return self._wizard(profile) if profile is not None else None

    def duplicate_profile(self) -> ProfileWizard | None:
        """Open the wizard on a copy of the selected profile (secrets copied on save)."""
        profile = self.host.selected_profile()
        return self._wizard(profile, duplicate=True) if profile is not None else None

    def profile_saved(self, profile: Profile) -> None:
        """A profile was saved: its connection is opened anew and its row shown."""
        self.host.connections.forget(profile.id)
        self.host.reload_profiles(then=lambda: self.host.open_profile(profile.name))
        self.host.say(f"Saved profile {profile.name}.", 5000)

    def delete_profile(self, confirm: bool = True) -> None:
        """Delete the selected profile and its secrets (after asking)."""
        profile = self.host.selected_profile()
        if profile is None:
            return
        if confirm:
            answer = QMessageBox.question(
                self.parent,
                "Delete profile",
                f"Delete the profile “{profile.name}” and its secrets from the keyring?\n"
                "The registry itself is not touched.",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        host = self.host
        store, secrets = host.store, host.connections.secrets

        def done(_removed: object) -> None:
            host.connections.forget(profile.id)
            host.reload_profiles()
            host.say(f"Deleted profile {profile.name}.", 5000)

        host.say(f"Deleting profile {profile.name}…")
        host.workers.submit(  # the keyring may be slow or ask to be unlocked: not here
            lambda _token: remove_profile(store, secrets, profile.id),
            done,
            lambda error: host.show_error(error.message),
            "delete profile",
        )

    def test_profile(self) -> None:
        """Test the selected profile's connection; the answer goes to a message box."""
        profile = self.host.selected_profile()
        if profile is None:
            return
        self.host.say(f"Testing {profile.name}…")
        secrets = self.host.connections.secrets

        def done(result: Diagnosis) -> None:
            self.last_diagnosis = result
            self.host.say(f"{profile.name}: {result.headline}", 8000)
            box = QMessageBox.information if result.ok else QMessageBox.warning
            if self.show_dialogs:
                box(self.parent, f"Test connection — {profile.name}", result.text())

        self.host.workers.submit(
            lambda _token: test_connection(profile, secrets),
            done,
            description="test connection",
        )

    def export_profiles(self, path: str | None = None) -> None:
        """Write every profile as JSON (no secrets)."""
        from modelyard.core.profiles.importers import export_profiles

        if path is None:
            path, _filter = QFileDialog.getSaveFileName(
                self.parent, "Export profiles", "modelyard-profiles.json", "JSON (*.json)"
            )
        if not path:
            return
        try:
            write_atomic(Path(path), export_profiles(self.host.store.list()) + "\n")
        except (OSError, ModelyardError) as exc:
            self.host.show_error(f"Could not export the profiles: {exc}")
            return
        self.host.say(f"Exported profiles to {path} (without secrets).", 8000)

    def import_profiles(self, path: str | None = None) -> None:
        """Add the profiles of an export file (new names where a name is taken)."""
        from modelyard.core.profiles.importers import (
            Candidate,
            already_known,
            read_export,
            save_candidate,
        )

        if path is None:
            path, _filter = QFileDialog.getOpenFileName(
                self.parent, "Import profiles", "", "JSON (*.json)"
            )
        if not path:
            return
        added = 0
        try:
            for profile in read_export(Path(path).read_text(encoding="utf-8")):
                candidate = Candidate(path, profile)
                if already_known(self.host.store, candidate) is None:
                    save_candidate(self.host.store, self.host.connections.secrets, candidate)
                    added += 1
        except (OSError, ModelyardError) as exc:
            self.host.show_error(f"Could not import {path}: {exc}")
        self.host.reload_profiles()
        self.host.say(f"Imported {added} profile(s) from {path}.", 8000)
