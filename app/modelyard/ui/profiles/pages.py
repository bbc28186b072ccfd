"""The wizard's first pages: what kind of registry, where it is, how to sign in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QRadioButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from modelyard.core.kinds import KINDS, SIGN_IN_FIELDS, FormField, Kind
from modelyard.core.profiles.importers import Candidate
from modelyard.core.profiles.secrets import SECRET_FIELDS
from modelyard.core.profiles.stores import AZURE_AUTH_WORDS
from modelyard.ui.common.theme import set_tone
from modelyard.ui.profiles.fields import (
    _line,
    databrickscfg_sections,
)

if TYPE_CHECKING:
    from modelyard.ui.profiles.wizard import ProfileWizard


class KindPage(QWizardPage):
    """Choose what kind of registry, or pick one this machine already has."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle("What do you want to connect to?")
        self.setSubTitle("Each kind of registry signs in its own way; you can add more later.")
        layout = QVBoxLayout(self)
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        for kind, registry_kind in KINDS.items():
            button = QRadioButton(registry_kind.title)
            button.setObjectName(f"kind-{kind}")
            hint = QLabel(registry_kind.description)
            hint.setObjectName("hint")
            hint.setContentsMargins(24, 0, 0, 6)
            self.group.addButton(button)
            self.buttons[kind] = button
            layout.addWidget(button)
            layout.addWidget(hint)
        self.buttons["mlflow"].setChecked(True)
        self.found_label = QLabel("Found on this machine (double-click to use):")
        self.found = QListWidget()
        self.found.setObjectName("discovered")
        self.found.setMaximumHeight(110)
        layout.addSpacing(8)
        layout.addWidget(self.found_label)
        layout.addWidget(self.found)
        layout.addStretch(1)

    def kind(self) -> str:
        for kind, button in self.buttons.items():
            if button.isChecked():
                return kind
        return "mlflow"

    def show_candidates(self, candidates: list[Candidate]) -> None:
        self.found.clear()
        for candidate in candidates:
            p = candidate.profile
            item = QListWidgetItem(
                f"{KINDS[p.kind].title} — {p.settings.describe()}   (from {candidate.source})"
            )
            item.setData(Qt.ItemDataRole.UserRole, candidate)
            self.found.addItem(item)
        self.found_label.setVisible(bool(candidates))
        self.found.setVisible(bool(candidates))


class ConnectionPage(QWizardPage):
    """Where the registry is; checked as you type."""

    def __init__(self, wizard: ProfileWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("Where is the registry?")
        layout = QVBoxLayout(self)
        self.stack = QStackedWidget()
        self.forms: dict[str, QWidget] = {}
        for kind in KINDS.values():
            for field in kind.connection:
                wizard.fields[field.name] = _field_widget(field)
            self._form(kind.name, [("" if f.check else f.label, f.name) for f in kind.connection])
            for field in kind.connection:
                widget = wizard.fields[field.name]
                if isinstance(widget, QLineEdit):
                    widget.textChanged.connect(
                        lambda text, k=kind, key=field.key: self._pasted(k, key, text)
                    )
        layout.addWidget(self.stack)
        self.problem = QLabel()
        self.problem.setObjectName("fieldProblem")
        self.problem.setWordWrap(True)
        layout.addWidget(self.problem)
        layout.addStretch(1)

    def _form(self, kind: str, rows: list[tuple[str, str]]) -> None:
        page = QWidget()
        form = QFormLayout(page)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        for label, key in rows:
            widget = self.w.fields[key]
            widget.setObjectName(f"field-{key}")
            form.addRow(label, widget)
            if isinstance(widget, QLineEdit):
                widget.textChanged.connect(self._changed)
                widget.editingFinished.connect(self._judge)
            elif isinstance(widget, QComboBox):
                widget.currentIndexChanged.connect(self._changed)
            else:
                widget.toggled.connect(self._changed)
        self.forms[kind] = page
        self.stack.addWidget(page)

    def _pasted(self, kind: Kind[Any], key: str, text: str) -> None:
        """Fill in what a pasted value says (an AzureML tracking URI: the workspace)."""
        filled = kind.pasted(key, text) or {}
        for field in kind.connection:
            if field.key in filled:
                self.w.put(field.name, filled[field.key])

    def initializePage(self) -> None:  # overrides QWizardPage.initializePage
        kind = self.w.kind()
        self.stack.setCurrentWidget(self.forms[kind])
        # The stack is as tall as the shown form, not the tallest: the problem line sits right
        # under the fields it is about (it was ~230 px below an MLflow server's URL).
        for form_kind, form in self.forms.items():
            policy = (
                QSizePolicy.Policy.Preferred if form_kind == kind else QSizePolicy.Policy.Ignored
            )
            form.setSizePolicy(policy, policy)
        self.stack.adjustSize()
        self.setSubTitle(KINDS[kind].description)
        self.judged = self.w.editing is not None  # an edited profile is judged at once
        self._changed()

    judged = False  # a problem is shown once a field was left, not while the page is fresh

    def _judge(self) -> None:
        self.judged = True
        self._changed()

    def _changed(self, *_: object) -> None:
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # overrides QWizardPage.isComplete
        """Next needs valid fields; what is wrong is said right under them as soon as there is
        something typed (not only after the field is left), and a profile for the same place
        is named (not blocking)."""
        error = self.w.connection_problem()
        typed = any(
            isinstance(w, QLineEdit)
            and w.text().strip()
            and self.forms[self.w.kind()].isAncestorOf(w)
            for w in self.w.fields.values()
        )
        if error and (self.judged or typed):
            self.problem.setText(f"⚠ {error[0].upper()}{error[1:]}")
            set_tone(self.problem, "error")
        elif error is None and (same := self.w.same_place()):
            names = ", ".join(f"“{n}”" for n in same)
            self.problem.setText(
                f"A profile for this place exists already: {names}. You can add another one "
                "(e.g. to sign in as someone else)."
            )
            set_tone(self.problem, "muted")
        else:
            self.problem.setText("")
        return error is None


def _field_widget(field: FormField) -> QWidget:
    """The widget for one of a kind's connection fields."""
    widget: QWidget
    if field.check:
        widget = QCheckBox(field.label)
    elif field.choices:
        combo = QComboBox()
        for value, label in field.choices:
            combo.addItem(label, value)
        widget = combo
    else:
        widget = _line(field.placeholder, browse=field.browse)
    if field.tooltip:
        widget.setToolTip(field.tooltip)
    return widget


def _folding_form(box: QGroupBox) -> QFormLayout:
    """A form inside a checkable box, shown only while the box is ticked."""
    body = QWidget(box)
    outer = QVBoxLayout(box)
    outer.setContentsMargins(8, 4, 8, 4)
    outer.addWidget(body)
    form = QFormLayout(body)
    form.setContentsMargins(0, 0, 0, 0)
    box.toggled.connect(body.setVisible)
    body.setVisible(box.isChecked())
    return form


class AuthPage(QWizardPage):
    """How to sign in; secrets are typed here and go to the OS keyring on Finish."""

    def __init__(self, wizard: ProfileWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("How do you sign in?")
        self.setSubTitle(
            "Passwords, tokens and client secrets go to the OS keyring, never to a file."
        )
        f = wizard.fields
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.method = QComboBox()
        self.method.setObjectName("auth-method")
        form.addRow("Method", self.method)
        for key, field in SIGN_IN_FIELDS.items():
            if key != "config_profile":
                f[key] = _line(field.placeholder, secret=key in SECRET_FIELDS)
        config_profile = QComboBox()  # offers the profiles of ~/.databrickscfg
        config_profile.setEditable(True)
        f["config_profile"] = config_profile
        self.rows: dict[str, tuple[QLabel, QWidget]] = {}
        for key, field in SIGN_IN_FIELDS.items():
            widget = f[key]
            widget.setObjectName(f"field-{key}")
            caption = QLabel(field.label)
            form.addRow(caption, widget)
            self.rows[key] = (caption, widget)
            if isinstance(widget, QLineEdit):
                widget.textChanged.connect(lambda *_: self.completeChanged.emit())
            else:
                widget.currentTextChanged.connect(lambda *_: self.completeChanged.emit())
        layout.addLayout(form)
        layout.addWidget(self._store_box(f))
        layout.addWidget(self._azure_box(f))
        layout.addWidget(self._gcs_box(f))
        self.keep_note = QLabel()
        self.keep_note.setObjectName("hint")
        self.keep_note.setWordWrap(True)
        layout.addWidget(self.keep_note)
        self.keyring_warning = QLabel(
            "No OS keyring is available on this computer, so the secret cannot be stored "
            "safely. Modelyard never writes secrets to a file."
        )
        self.keyring_warning.setObjectName("warning")
        self.keyring_warning.setWordWrap(True)
        self.session_only = QCheckBox("Keep the secret for this session only (forgotten on quit)")
        self.session_only.setObjectName("session-only")
        self.session_only.toggled.connect(lambda *_: self.completeChanged.emit())
        layout.addWidget(self.keyring_warning)
        layout.addWidget(self.session_only)
        self.problem = QLabel()
        self.problem.setObjectName("fieldProblem")
        self.problem.setWordWrap(True)
        layout.addWidget(self.problem)
        layout.addStretch(1)
        self.method.currentIndexChanged.connect(self._method_changed)
        self.no_keyring = False

    def _store_box(self, f: dict[str, object]) -> QGroupBox:
        """The S3 store this computer reaches itself (a server with --no-serve-artifacts)."""
        box = QGroupBox("Its files are in S3 that this computer reaches itself")
        box.setObjectName("field-s3_store")
        box.setCheckable(True)
        box.setChecked(False)
        box.setToolTip(
            "For an MLflow server started with --no-serve-artifacts and an s3:// artifact "
            "root: the files are read and written here with these settings (not the "
            "environment's)."
        )
        form = _folding_form(box)
        f["s3_store"] = box
        for key, label, widget in (
            (
                "s3_endpoint_url",
                "Endpoint URL",
                _line("https://minio.example.com:9000 (empty: AWS)"),
            ),
            ("s3_region", "Region", _line("us-east-1")),
            ("s3_access_key_id", "Access key id", _line("empty: this computer's AWS profile")),
            ("s3_secret", "Secret key", _line("stored in the OS keyring", secret=True)),
            ("aws_profile", "AWS profile", _line("a profile of ~/.aws, instead of a key")),
        ):
            widget.setObjectName(f"field-{key}")
            widget.textChanged.connect(lambda *_: self.completeChanged.emit())
            f[key] = widget
            form.addRow(label, widget)
        box.toggled.connect(lambda *_: self.completeChanged.emit())
        self.store_box = box
        return box

    def _azure_box(self, f: dict[str, object]) -> QGroupBox:
        """The Azure Blob store this computer reaches itself (a wasbs:// artifact root)."""
        box = QGroupBox("Its files are in Azure Blob Storage that this computer reaches itself")
        box.setObjectName("field-azure_store")
        box.setCheckable(True)
        box.setChecked(False)
        box.setToolTip(
            "For an MLflow server started with --no-serve-artifacts and a wasbs:// artifact "
            "root: the files are read and written here with these settings (not the "
            "environment's)."
        )
        form = _folding_form(box)
        f["azure_store"] = box
        url = _line("empty: Azure's own endpoint of the account")
        how = QComboBox()
        for auth, words in AZURE_AUTH_WORDS.items():
            how.addItem(words[0].upper() + words[1:], auth)
        secret = _line("stored in the OS keyring", secret=True)
        tenant = _line("Microsoft Entra tenant id (a GUID or domain)")
        client = _line("the service principal's application (client) id")
        rows: dict[str, QWidget] = {}
        for key, label, widget in (
            ("azure_account_url", "Account URL", url),
            ("azure_auth", "Credential", how),
            ("azure_tenant_id", "Tenant id", tenant),
            ("azure_client_id", "Client id", client),
            ("azure_storage_secret", "Secret", secret),
        ):
            widget.setObjectName(f"field-{key}")
            f[key] = widget
            form.addRow(label, widget)
            rows[key] = widget

        def shown(*_: object) -> None:
            """The fields of the chosen credential only (a tenant for Entra, a client id and
            a client secret for a service principal, no secret for the Azure CLI)."""
            auth = how.currentData()
            for key, visible in (
                ("azure_tenant_id", auth in ("service-principal", "azure-cli")),
                ("azure_client_id", auth == "service-principal"),
                ("azure_storage_secret", auth != "azure-cli"),
            ):
                form.setRowVisible(rows[key], visible)
            label = form.labelForField(secret)
            if isinstance(label, QLabel):
                label.setText("Client secret" if auth == "service-principal" else "Secret")

        shown()
        for line in (url, secret, tenant, client):
            line.textChanged.connect(lambda *_: self.completeChanged.emit())
        how.currentIndexChanged.connect(shown)
        how.currentIndexChanged.connect(lambda *_: self.completeChanged.emit())
        box.toggled.connect(lambda *_: self.completeChanged.emit())
        self.azure_box = box
        return box

    def _gcs_box(self, f: dict[str, object]) -> QGroupBox:
        """The GCS store this computer reaches itself (a gs:// artifact root)."""
        box = QGroupBox("Its files are in Google Cloud Storage that this computer reaches itself")
        box.setObjectName("field-gcs_store")
        box.setCheckable(True)
        box.setChecked(False)
        box.setToolTip(
            "For an MLflow server started with --no-serve-artifacts and a gs:// artifact "
            "root: the files are read and written here with these settings (not the "
            "environment's)."
        )
        form = _folding_form(box)
        f["gcs_store"] = box
        endpoint = _line("empty: Google's own (https://storage.googleapis.com)")
        key_file = _line(
            "service-account key (JSON); empty: application default credentials", browse="open"
        )
        anonymous = QCheckBox("No credentials (an emulator, or a public bucket)")
        anonymous.toggled.connect(lambda on: key_file.setEnabled(not on))
        for key, label, widget in (
            ("gcs_endpoint_url", "Endpoint URL", endpoint),
            ("gcs_key_file", "Key file", key_file),
            ("gcs_anonymous", "", anonymous),
        ):
            widget.setObjectName(f"field-{key}")
            f[key] = widget
            form.addRow(label, widget)
        endpoint.textChanged.connect(lambda *_: self.completeChanged.emit())
        key_file.textChanged.connect(lambda *_: self.completeChanged.emit())
        anonymous.toggled.connect(lambda *_: self.completeChanged.emit())
        # one store at most
        for each in (self.store_box, self.azure_box, box):
            each.toggled.connect(lambda on, ticked=each: self._only_one(ticked, on))
        box.toggled.connect(lambda *_: self.completeChanged.emit())
        self.gcs_box = box
        return box

    def _only_one(self, ticked: QGroupBox, on: bool) -> None:
        """One artifact store at most: ticking one unticks the others."""
        if on:
            for box in (self.store_box, self.azure_box, self.gcs_box):
                if box is not ticked:
                    box.setChecked(False)

    def initializePage(self) -> None:  # overrides QWizardPage.initializePage
        kind = KINDS[self.w.kind()]
        for box in (self.store_box, self.azure_box, self.gcs_box):
            box.setVisible(kind.artifact_stores)
        labels = {sign_in.key: sign_in.label for sign_in in kind.sign_ins}
        wanted = self.w.preset_auth or self.method.currentData()
        self.method.blockSignals(True)
        self.method.clear()
        for key, text in labels.items():
            self.method.addItem(text, key)
        index = self.method.findData(wanted)
        self.method.setCurrentIndex(max(index, 0))
        self.method.blockSignals(False)
        combo = self.w.fields["config_profile"]
        assert isinstance(combo, QComboBox)
        current = combo.currentText()
        combo.clear()
        combo.addItems(databrickscfg_sections())
        if current:
            combo.setCurrentText(current)
        self.show_keyring_state()

    def show_keyring_state(self) -> None:
        """Show what the keyring probe found (no keyring: the session-only choice)."""
        no_keyring = self.w.keyring_ok is False
        self.no_keyring = no_keyring
        self.keyring_warning.setVisible(no_keyring)
        self.session_only.setVisible(no_keyring)
        self._method_changed()

    def _method_changed(self, *_: object) -> None:
        auth = self.auth()
        shown: frozenset[str] = next(
            (s.fields for s in KINDS[self.w.kind()].sign_ins if s.key == auth), frozenset()
        )
        for key, (caption, widget) in self.rows.items():
            caption.setVisible(key in shown)
            widget.setVisible(key in shown)
        editing = self.w.editing is not None and bool(self.w.stored_secret_fields)
        self.keep_note.setText(
            "A secret is stored in the keyring for this profile: leave the field empty to keep it."
            if editing
            else ""
        )
        self.keep_note.setVisible(editing)
        self.completeChanged.emit()

    def auth(self) -> str:
        return str(self.method.currentData() or "")

    def isComplete(self) -> bool:  # overrides QWizardPage.isComplete
        error = self.w.auth_problem()
        self.problem.setText(f"⚠ {error[0].upper()}{error[1:]}" if error else "")
        return error is None
