"""The profile setup wizard: kind → connection → sign-in → test connection → name and colour.

Nothing is written until Finish: the connection test runs off the GUI thread with the typed
secret held in memory only. On Finish the secret goes to the OS keyring (or, when there is no
keyring and the user agreed, stays in this session's memory) and then the profile is saved.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLineEdit,
    QListWidgetItem,
    QWidget,
    QWizard,
)

from modelyard.core.kinds import KINDS, AnySettings, kind_of
from modelyard.core.model.errors import ModelyardError
from modelyard.core.profiles.importers import Candidate, discover
from modelyard.core.profiles.profile import Profile, ProfileStore, secret_fields, validation_message
from modelyard.core.profiles.profile_service import save_profile
from modelyard.core.profiles.secrets import SecretField, SecretStore
from modelyard.core.profiles.stores import AzureBlobStore, GcsStore, S3Store
from modelyard.ui.common import icons
from modelyard.ui.common.workers import WorkerPool
from modelyard.ui.profiles.fields import (
    PAGE_CONNECTION,
    PAGE_TEST,
    SECRET_TITLES,
)
from modelyard.ui.profiles.finish import (
    FinishPage,
    TestPage,
)
from modelyard.ui.profiles.pages import (
    AuthPage,
    ConnectionPage,
    KindPage,
)


class ProfileWizard(QWizard):
    """Create, edit or duplicate a profile."""

    saved = Signal(object)  # the Profile

    def __init__(
        self,
        store: ProfileStore,
        secrets: SecretStore,
        workers: WorkerPool,
        *,
        editing: Profile | None = None,
        duplicate: bool = False,
        parent: QWidget | None = None,
        environ: dict[str, str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.secrets = secrets
        self.workers = workers
        self.saving = False  # a save is running on a worker
        # What the keyring and this machine's files say, read off the GUI thread (a keyring
        # may be slow or ask to be unlocked): until then, the keyring counts as available.
        self.keyring_ok: bool | None = None
        self.probed = False
        self.editing = None if duplicate else editing
        self.source = editing
        self.profile_id = self.editing.id if self.editing is not None else str(uuid.uuid4())
        self.stored_secret_fields: tuple[str, ...] = ()
        self.preset_auth: str | None = None
        self.candidate_secrets: dict[str, str] = {}
        self.fields: dict[str, Any] = {}
        self.known: list[Profile] = []  # the profiles there are (read with the keyring probe)
        self.setWindowTitle("Edit profile" if self.editing else "New profile")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setMinimumSize(680, 520)
        self.kind_page = KindPage()
        self.connection_page = ConnectionPage(self)
        self.auth_page = AuthPage(self)
        self.test_page = TestPage(self)
        self.finish_page = FinishPage(self)
        for page_id, page in enumerate(
            (self.kind_page, self.connection_page, self.auth_page, self.test_page, self.finish_page)
        ):
            self.setPage(page_id, page)
        self.setButtonText(QWizard.WizardButton.FinishButton, "Save")
        self.kind_page.found.itemDoubleClicked.connect(self._use_candidate)
        if editing is not None:
            self.load(editing)
            if duplicate:
                self.finish_page.name.setText(f"{editing.name} copy")
            self.setStartId(PAGE_CONNECTION)
        self._probe(environ)

    def _probe(self, environ: dict[str, str] | None) -> None:
        """Ask the keyring (is there one; which secrets does the edited profile have) and look
        for registries this machine already has, on a worker."""
        store, secrets, source = self.store, self.secrets, self.source

        def has(field: SecretField) -> bool:
            try:
                return source is not None and secrets.get(source.id, field) is not None
            except ModelyardError:
                return False

        def work(
            _token: object,
        ) -> tuple[bool, tuple[str, ...], list[Candidate], list[Profile]]:
            available = secrets.keyring_available()
            profiles = store.list()
            if source is not None:
                stored = tuple(f for f in secret_fields(source.settings) if has(f))
                return available, stored, [], profiles
            found = discover(environ) if environ is not None else discover()
            known = [p.settings for p in profiles]
            fresh = [c for c in found.candidates if c.profile.settings not in known]
            return available, (), fresh, profiles

        def done(result: tuple[bool, tuple[str, ...], list[Candidate], list[Profile]]) -> None:
            self.keyring_ok, self.stored_secret_fields, candidates, self.known = result
            self.connection_page.completeChanged.emit()
            if source is None:
                self.kind_page.show_candidates(candidates)
            self.probed = True
            self.auth_page.show_keyring_state()

        def failed(_error: ModelyardError) -> None:
            self.probed = True

        self.workers.submit(work, done, failed, "profile wizard: keyring")

    # --- reading and writing the form -------------------------------------------------------
    def kind(self) -> str:
        """The chosen kind (set from the profile when editing)."""
        return self.kind_page.kind()

    def set_cloud(self, cloud: str) -> None:
        """Select an Azure cloud in the connection form."""
        combo = self.fields["cloud"]
        combo.setCurrentIndex(max(0, combo.findData(cloud)))

    def _text(self, key: str) -> str:
        widget = self.fields[key]
        if isinstance(widget, QComboBox):
            return widget.currentText().strip()
        return str(widget.text()).strip()

    def _check(self, key: str) -> bool:
        return bool(self.fields[key].isChecked())

    def _value(self, key: str) -> object:
        """What a field holds: a tick, a drop-down's value, or the text typed."""
        widget = self.fields[key]
        if isinstance(widget, QCheckBox):
            return widget.isChecked()
        if isinstance(widget, QComboBox) and widget.currentData() is not None:
            return widget.currentData()
        return self._text(key)

    def put(self, key: str, value: object) -> None:
        """Show ``value`` in a field (a tick, a drop-down's entry, or text)."""
        widget = self.fields[key]
        if isinstance(widget, QCheckBox):
            widget.setChecked(bool(value))
        elif isinstance(widget, QComboBox) and not widget.isEditable():
            widget.setCurrentIndex(max(0, widget.findData(value)))
        elif isinstance(widget, QComboBox):
            widget.setCurrentText(str(value or ""))
        else:
            widget.setText(str(value or ""))

    def settings(self, auth_override: str | None = None) -> AnySettings:
        """The settings as typed (raises ValidationError/ValueError); ``auth_override`` checks
        the connection fields alone, with a sign-in method that needs no other field."""
        kind = KINDS[self.kind()]
        values: dict[str, object] = {f.key: self._value(f.name) for f in kind.connection}
        for sign_in in kind.sign_ins:
            values.update({key: self._text(key) for key in sign_in.fields})
        values["auth"] = auth_override or self.auth_page.auth() or None
        if kind.artifact_stores:
            values["store"] = (
                self._store()
                if self._check("s3_store")
                else self._azure_store()
                if self._check("azure_store")
                else self._gcs_store()
                if self._check("gcs_store")
                else None
            )
        settings: AnySettings = kind.settings_from(values)
        return settings

    def _azure_store(self) -> AzureBlobStore:
        """The Azure Blob store as typed."""
        auth = self.fields["azure_auth"].currentData() or "key"
        entra = auth in ("service-principal", "azure-cli")
        loaded = self.editing.settings if self.editing is not None else None
        kept = getattr(loaded, "store", None)
        # a sign-in authority set on the command line is kept while the sign-in is Entra's
        authority = kept.authority_host if isinstance(kept, AzureBlobStore) and entra else None
        return AzureBlobStore.model_validate(
            {
                "account_url": self._text("azure_account_url") or None,
                "auth": auth,
                "tenant_id": self._text("azure_tenant_id") or None if entra else None,
                "client_id": self._text("azure_client_id") or None
                if auth == "service-principal"
                else None,
                "authority_host": authority,
            }
        )

    def _gcs_store(self) -> GcsStore:
        """The GCS store as typed."""
        anonymous = self._check("gcs_anonymous")
        return GcsStore(
            endpoint_url=self._text("gcs_endpoint_url") or None,
            key_file=None if anonymous else self._text("gcs_key_file") or None,
            anonymous=anonymous,
        )

    def _store(self) -> S3Store:
        """The S3 store as typed (a session token given on the command line is kept while the
        access key stays the same)."""
        t = self._text
        loaded = self.editing.settings if self.editing is not None else None
        kept = getattr(loaded, "store", None)
        kept = kept if isinstance(kept, S3Store) else None
        key = t("s3_access_key_id") or None
        return S3Store(
            endpoint_url=t("s3_endpoint_url") or None,
            region=t("s3_region") or None,
            access_key_id=key,
            session_token=kept is not None and kept.session_token and kept.access_key_id == key,
            aws_profile=t("aws_profile") or None,
        )

    def _problem(self, auth: str | None = None) -> str | None:
        try:
            self.settings(auth)
        except ValidationError as exc:
            return validation_message(exc)
        except ValueError as exc:
            return str(exc)
        return None

    def same_place(self) -> list[str]:
        """Names of other profiles for the very place typed (a second profile for it may be
        meant, e.g. another user, but is worth a word)."""
        try:
            here = self.settings(KINDS[self.kind()].neutral_auth).describe()
        except (ValidationError, ValueError):
            return []
        return [
            p.name for p in self.known if p.id != self.profile_id and p.settings.describe() == here
        ]

    def connection_problem(self) -> str | None:
        """What is wrong with the connection fields (None when fine so far)."""
        kind = KINDS[self.kind()]
        host = next((f.name for f in kind.connection if f.key == "host"), None)
        if kind.optional_host and host is not None and not self._text(host):
            return None  # may come from a ~/.databrickscfg profile, chosen on the next page
        return self._problem(kind.neutral_auth)

    def auth_problem(self) -> str | None:
        """What is wrong with the sign-in fields."""
        problem = self._problem()
        if problem:
            return problem
        for field in secret_fields(self.settings()):
            if not self._text(field) and field not in self.stored_secret_fields:
                title = SECRET_TITLES[field]
                name = title if title.startswith(("S3", "Azure")) else title.lower()
                return f"Enter the {name}."
        session = self.auth_page.session_only
        if self.auth_page.no_keyring and secret_fields(self.settings()) and not session.isChecked():
            return "Without a keyring, tick “this session only” to use a secret."
        return None

    def typed_secrets(self) -> dict[SecretField, str]:
        """Secrets typed on the sign-in page (only those the chosen method uses)."""
        try:
            needed = secret_fields(self.settings())
        except (ValidationError, ValueError):
            return {}
        return {f: self._text(f) for f in needed if self._text(f)}

    def checked_settings(self) -> AnySettings:
        """The settings as typed, or a ModelyardError saying what is wrong in words."""
        try:
            return self.settings()
        except ValidationError as exc:
            raise ModelyardError(validation_message(exc)) from None
        except ValueError as exc:
            raise ModelyardError(str(exc)) from None

    def draft(self) -> tuple[Profile, Callable[[], SecretStore]]:
        """The profile as typed, and a call (for a worker: it may read the keyring) that makes
        a memory-only secret store for testing it."""
        settings = self.checked_settings()
        profile = Profile(id=self.profile_id, name="draft", settings=settings)
        typed, stored = self.typed_secrets(), self.stored_secret_fields
        editing, secrets = self.editing, self.secrets

        def secrets_for_test() -> SecretStore:
            memory = SecretStore(session_only=True)
            for field in secret_fields(settings):
                value = typed.get(field)
                if value is None and field in stored and editing is not None:
                    value = secrets.get(editing.id, field)
                if value:
                    memory.remember(profile.id, field, value)
            return memory

        return profile, secrets_for_test

    def suggested_name(self) -> str:
        try:
            settings = self.settings()
        except (ValidationError, ValueError):
            return ""
        base = kind_of(settings).short_name(settings)
        name, n = base[:60] or "registry", 2
        while self.store.find(name) is not None:
            name, n = f"{base[:60]}-{n}", n + 1
        return name

    def _load_store(self, store: object) -> None:
        """Tick and fill the box of the profile's own artifact store, if it has one."""
        put = {k: w for k, w in self.fields.items() if isinstance(w, QLineEdit)}
        self.fields["s3_store"].setChecked(isinstance(store, S3Store))
        self.fields["azure_store"].setChecked(isinstance(store, AzureBlobStore))
        self.fields["gcs_store"].setChecked(isinstance(store, GcsStore))
        if isinstance(store, AzureBlobStore):
            put["azure_account_url"].setText(store.account_url or "")
            how = self.fields["azure_auth"]
            how.setCurrentIndex(max(how.findData(store.auth), 0))
            put["azure_tenant_id"].setText(store.tenant_id or "")
            put["azure_client_id"].setText(store.client_id or "")
        elif isinstance(store, GcsStore):
            put["gcs_endpoint_url"].setText(store.endpoint_url or "")
            put["gcs_key_file"].setText(store.key_file or "")
            self.fields["gcs_anonymous"].setChecked(store.anonymous)
        elif isinstance(store, S3Store):
            put["s3_endpoint_url"].setText(store.endpoint_url or "")
            put["s3_region"].setText(store.region or "")
            put["s3_access_key_id"].setText(store.access_key_id or "")
            put["aws_profile"].setText(store.aws_profile or "")

    def nextId(self) -> int:  # overrides QWizard.nextId
        """A kind with no way to sign in (a local file) goes from where to the test."""
        if self.currentId() == PAGE_CONNECTION and not KINDS[self.kind()].sign_ins:
            return PAGE_TEST
        return super().nextId()

    def load(self, profile: Profile) -> None:
        """Fill the form from an existing profile."""
        s = profile.settings
        kind = kind_of(s)
        self.kind_page.buttons[profile.kind].setChecked(True)
        names = {f.key: f.name for f in kind.connection}
        for key, value in kind.form_values(s).items():
            self.put(names.get(key, key), value)
        self._load_store(getattr(s, "store", None))
        self.preset_auth = getattr(s, "auth", None)
        self.finish_page.name.setText(profile.name)
        self.finish_page.label.setCurrentText(profile.label or "")
        if profile.color:
            index = self.finish_page.color.findData(profile.color)
            if index < 0:
                self.finish_page.color.insertItem(
                    0, icons.swatch(profile.color), profile.color, profile.color
                )
                index = 0
            self.finish_page.color.setCurrentIndex(index)
        self.finish_page.record.setChecked(profile.record_history)
        self.finish_page.set_protection(profile)

    def _use_candidate(self, item: QListWidgetItem) -> None:
        candidate = item.data(Qt.ItemDataRole.UserRole)
        assert isinstance(candidate, Candidate)
        self.load(candidate.profile)
        self.finish_page.name.setText("")
        for field, value in candidate.secrets.items():
            self.fields[field].setText(value)
        self.next()

    # --- saving ------------------------------------------------------------------------------
    def accept(self) -> None:  # overrides QDialog.accept
        """Save off the GUI thread (a keyring may ask to be unlocked, or be slow); the dialog
        closes when the profile and its secrets are saved, and says why when they are not."""
        if self.saving:
            return
        try:
            work = self.save_work()
        except ModelyardError as exc:
            self.finish_page.problem.setText(f"⚠ {exc.message}")
            return
        self.saving = True
        self.finish_page.problem.setText("Saving…")
        finish = self.button(QWizard.WizardButton.FinishButton)
        finish.setEnabled(False)

        def done(profile: Profile) -> None:
            self.saving = False
            finish.setEnabled(True)
            self.finish_page.problem.setText("")
            self.saved.emit(profile)
            QWizard.accept(self)

        def failed(error: ModelyardError) -> None:
            self.saving = False
            finish.setEnabled(True)
            self.finish_page.problem.setText(f"⚠ {error.message}")

        self.workers.submit(lambda _token: work(), done, failed, "save profile")

    def save(self) -> Profile:
        """Save now, on this thread (the dialog itself saves through :meth:`accept`)."""
        return self.save_work()()

    def save_work(self) -> Callable[[], Profile]:
        """What saving does, gathered from the form here (GUI thread); the returned call does
        the keyring and file work and may run on a worker."""
        settings = self.checked_settings()
        page = self.finish_page
        profile = Profile(
            id=self.profile_id,
            name=page.name.text(),
            settings=settings,
            label=page.label.currentText().strip() or None,
            color=page.color.currentData() or None,
            record_history=page.record.isChecked(),
            **page.chosen_protection(),  # type: ignore[arg-type]
        )
        session_only = self.auth_page.no_keyring and self.auth_page.session_only.isChecked()
        typed = self.typed_secrets()
        source = self.source if self.editing is None else None  # duplicate: copy kept secrets
        store, secrets, replace = self.store, self.secrets, self.editing is not None

        def work() -> Profile:
            if source is not None:
                for field in secret_fields(settings):
                    if field not in typed:
                        value = secrets.get(source.id, field)
                        if value:
                            typed[field] = value
            return save_profile(  # the profile with its secrets, or neither
                store, secrets, profile, typed, replace=replace, session_only=session_only
            )

        return work
