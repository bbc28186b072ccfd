"""The profile setup wizard: kind → connection → sign-in → test connection → name and colour.

Nothing is written until Finish: the connection test runs off the GUI thread with the typed
secret held in memory only. On Finish the secret goes to the OS keyring (or, when there is no
keyring and the user agreed, stays in this session's memory) and then the profile is saved.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QColorDialog,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from modelyard.core.databrickscfg import read_config
from modelyard.core.diagnose import Diagnosis, test_connection
from modelyard.core.errors import ModelyardError
from modelyard.core.importers import Candidate, discover
from modelyard.core.profile_service import save_profile
from modelyard.core.profiles import (
    AZURE_AUTH_LABELS,
    AZURE_CLOUDS,
    DATABRICKS_AUTH_LABELS,
    KIND_LABELS,
    AnySettings,
    AzureMLSettings,
    DatabricksSettings,
    DatabricksUCSettings,
    LocalSettings,
    MlflowServerSettings,
    Profile,
    ProfileStore,
    secret_fields,
    validation_message,
)
from modelyard.core.secrets import SecretField, SecretStore
from modelyard.ui import icons
from modelyard.ui.theme import set_tone
from modelyard.ui.workers import WorkerPool

KIND_TITLES = {
    "mlflow": "MLflow server",
    "databricks": "Databricks workspace registry",
    "databricks-uc": "Databricks Unity Catalog",
    "azureml": "Azure Machine Learning",
    "local": "Local registry file",
}
MLFLOW_AUTH_LABELS = {
    "none": "No sign-in",
    "basic": "Username and password (MLflow basic auth)",
    "token": "Bearer token",
}
COLOR_NAMES = {
    "#2563eb": "Blue",
    "#16a34a": "Green (dev)",
    "#d97706": "Amber (staging)",
    "#dc2626": "Red (prod)",
    "#7c3aed": "Violet",
    "#0891b2": "Cyan",
    "#475569": "Slate",
}
COLORS = list(COLOR_NAMES)
LABEL_COLORS = {"dev": "#16a34a", "staging": "#d97706", "prod": "#dc2626"}
SECRET_TITLES = {"password": "Password", "token": "Token", "client_secret": "Client secret"}
NEUTRAL_AUTH = {
    "mlflow": "none",
    "databricks": "azure-cli",
    "databricks-uc": "azure-cli",
    "azureml": "default",
}
PAGE_KIND, PAGE_CONNECTION, PAGE_AUTH, PAGE_TEST, PAGE_FINISH = range(5)


def _line(placeholder: str = "", secret: bool = False, browse: str = "") -> QLineEdit:
    """A text field; ``secret`` hides what is typed (with a show/hide toggle), ``browse``
    ("open" or "save") adds a button that picks a file."""
    edit = QLineEdit()
    edit.setPlaceholderText(placeholder)
    if secret:
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        show = edit.addAction(icons.icon("eye"), QLineEdit.ActionPosition.TrailingPosition)
        show.setObjectName("showSecret")
        show.setCheckable(True)
        show.setToolTip("Show what is typed")
        show.toggled.connect(
            lambda on: edit.setEchoMode(
                QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password
            )
        )
    if browse:
        pick = edit.addAction(icons.icon("folder"), QLineEdit.ActionPosition.TrailingPosition)
        pick.setObjectName("browse")
        pick.setToolTip("Browse…")
        pick.triggered.connect(lambda: _browse(edit, browse))
    edit.setClearButtonEnabled(True)
    return edit


def _browse(edit: QLineEdit, mode: str) -> None:
    """Pick a file for ``edit`` (a registry file may not exist yet: "save" allows a new one)."""
    start = str(Path(edit.text()).expanduser().parent) if edit.text() else str(Path.home())
    if mode == "save":
        path, _ = QFileDialog.getSaveFileName(
            edit,
            "Registry file",
            start,
            "sqlite registry (*.db *.sqlite);;All files (*)",
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
    else:
        path, _ = QFileDialog.getOpenFileName(
            edit, edit.placeholderText(), start, "PEM files (*.pem *.crt *.cer);;All files (*)"
        )
    if path:
        edit.setText(path)
        edit.editingFinished.emit()


def databrickscfg_sections() -> list[str]:
    """Workspace profiles of the Databricks CLI's file (DATABRICKS_CONFIG_FILE or
    ~/.databrickscfg), for the picker."""
    return [p.name for p in read_config().workspaces()]


class KindPage(QWizardPage):
    """Choose what kind of registry, or pick one this machine already has."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle("What do you want to connect to?")
        self.setSubTitle("Each kind of registry signs in its own way; you can add more later.")
        layout = QVBoxLayout(self)
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        for kind, text in KIND_LABELS.items():
            button = QRadioButton(KIND_TITLES[kind])
            button.setObjectName(f"kind-{kind}")
            hint = QLabel(text)
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
                f"{KIND_TITLES[p.kind]} — {p.settings.describe()}   (from {candidate.source})"
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
        f = wizard.fields
        # mlflow
        f["url"] = _line("https://mlflow.example.com")
        f["ca_bundle"] = _line(
            "optional: CA bundle (PEM) for a private certificate authority", browse="open"
        )
        f["client_cert"] = _line("optional: client certificate (PEM)", browse="open")
        f["insecure_tls"] = QCheckBox("Do not verify the TLS certificate (test servers only)")
        self._form(
            "mlflow",
            [
                ("Server URL", "url"),
                ("CA bundle", "ca_bundle"),
                ("Client certificate", "client_cert"),
                ("", "insecure_tls"),
            ],
        )
        # databricks
        f["host"] = _line("https://adb-1234567890123456.7.azuredatabricks.net")
        self._form("databricks", [("Workspace URL", "host")])
        f["uc_host"] = _line("https://dbc-1234abcd-5678.cloud.databricks.com")
        f["catalog"] = _line("optional, e.g. main")
        f["schema"] = _line("optional, e.g. ml")
        self._form(
            "databricks-uc",
            [
                ("Workspace URL", "uc_host"),
                ("Default catalog", "catalog"),
                ("Default schema", "schema"),
            ],
        )
        # azureml
        f["tracking_uri"] = _line(
            "paste azureml://<region>.api.azureml.ms/mlflow/v1.0/… or fill in"
        )
        f["subscription"] = _line("00000000-0000-0000-0000-000000000000")
        f["resource_group"] = _line("e.g. rg-ml")
        f["workspace"] = _line("e.g. ml-prod")
        f["region"] = _line("e.g. westeurope")
        cloud = QComboBox()
        for name, azure_cloud in AZURE_CLOUDS.items():
            cloud.addItem(azure_cloud.label, name)
        cloud.setToolTip(
            "Sovereign clouds sign in at their own authority (login.microsoftonline.us, "
            "login.chinacloudapi.cn) and have their own API hosts."
        )
        f["cloud"] = cloud
        f["api_host"] = _line("optional: the workspace API host (private link)")
        f["authority_host"] = _line("optional: a sign-in authority host to use instead")
        self._form(
            "azureml",
            [
                ("Tracking URI", "tracking_uri"),
                ("Subscription id", "subscription"),
                ("Resource group", "resource_group"),
                ("Workspace", "workspace"),
                ("Region", "region"),
                ("Cloud", "cloud"),
                ("API host", "api_host"),
                ("Sign-in authority", "authority_host"),
            ],
        )
        # local
        f["path"] = _line("~/models/registry.db (created when missing)", browse="save")
        self._form("local", [("Registry file", "path")])
        layout.addWidget(self.stack)
        self.problem = QLabel()
        self.problem.setObjectName("fieldProblem")
        self.problem.setWordWrap(True)
        layout.addWidget(self.problem)
        layout.addStretch(1)
        f["tracking_uri"].textChanged.connect(self._parse_tracking_uri)

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

    def _parse_tracking_uri(self, text: str) -> None:
        if not text.strip():
            return
        try:
            parsed = AzureMLSettings.from_tracking_uri(text)
        except ValueError:
            return
        for key, value in (
            ("subscription", parsed.subscription_id),
            ("resource_group", parsed.resource_group),
            ("workspace", parsed.workspace),
            ("region", parsed.region),
            ("api_host", parsed.api_host or ""),
        ):
            self.w.fields[key].setText(value)
        self.w.set_cloud(parsed.cloud)

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
        self.setSubTitle(KIND_LABELS[kind])
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
        f["username"] = _line("user name")
        f["password"] = _line("stored in the OS keyring", secret=True)
        f["token"] = _line("stored in the OS keyring", secret=True)
        f["client_id"] = _line("application (client) id")
        f["client_secret"] = _line("stored in the OS keyring", secret=True)
        f["tenant_id"] = _line("00000000-0000-0000-0000-000000000000")
        config_profile = QComboBox()
        config_profile.setEditable(True)
        f["config_profile"] = config_profile
        self.rows: dict[str, tuple[QLabel, QWidget]] = {}
        for key, label in (
            ("username", "Username"),
            ("password", "Password"),
            ("token", "Token"),
            ("tenant_id", "Tenant id"),
            ("client_id", "Client id"),
            ("client_secret", "Client secret"),
            ("config_profile", "~/.databrickscfg profile"),
        ):
            widget = f[key]
            widget.setObjectName(f"field-{key}")
            caption = QLabel(label)
            form.addRow(caption, widget)
            self.rows[key] = (caption, widget)
            if isinstance(widget, QLineEdit):
                widget.textChanged.connect(lambda *_: self.completeChanged.emit())
            else:
                widget.currentTextChanged.connect(lambda *_: self.completeChanged.emit())
        layout.addLayout(form)
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

    def initializePage(self) -> None:  # overrides QWizardPage.initializePage
        kind = self.w.kind()
        labels = (
            MLFLOW_AUTH_LABELS
            if kind == "mlflow"
            else AZURE_AUTH_LABELS
            if kind == "azureml"
            else DATABRICKS_AUTH_LABELS
        )
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
        kind, auth = self.w.kind(), self.auth()
        shown = {
            ("mlflow", "basic"): {"username", "password"},
            ("mlflow", "token"): {"token"},
            ("databricks", "pat"): {"token"},
            ("databricks", "oauth-m2m"): {"client_id", "client_secret"},
            ("databricks", "config-profile"): {"config_profile"},
            ("azureml", "service-principal"): {"tenant_id", "client_id", "client_secret"},
            ("azureml", "azure-cli"): {"tenant_id"},
            ("azureml", "browser"): {"tenant_id"},
        }.get((kind.replace("databricks-uc", "databricks"), auth), set())
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
        self.problem.setText(f"⚠ {error}" if error else "")
        return error is None


class TestPage(QWizardPage):
    """Connect for real and list one page; explain what went wrong."""

    tested = Signal(object)

    def __init__(self, wizard: ProfileWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("Test the connection")
        self.setSubTitle(
            "Connects with these settings and lists the first models. Nothing is saved yet."
        )
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.button = QPushButton(icons.icon("refresh"), "Test connection")
        self.button.setObjectName("test-connection")
        self.button.clicked.connect(self.run_test)
        row.addWidget(self.button)
        row.addStretch(1)
        layout.addLayout(row)
        self.headline = QLabel("Not tested yet.")
        self.headline.setObjectName("testHeadline")
        self.message = QLabel()
        self.message.setObjectName("testMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.headline)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.result: Diagnosis | None = None
        self.running = False

    def initializePage(self) -> None:  # overrides QWizardPage.initializePage
        self.result = None
        self.headline.setText("Not tested yet.")
        self.headline.setProperty("state", "")
        self.message.setText("")
        self.run_test()

    def run_test(self) -> None:
        if self.running:
            return
        try:
            profile, secrets_for_test = self.w.draft()
        except ModelyardError as exc:
            self._show(Diagnosis(False, "The profile is incomplete", exc.message))
            return
        self.running = True
        self.button.setEnabled(False)
        self.headline.setText("Connecting…")
        self.headline.setProperty("state", "busy")
        self._restyle()
        self.message.setText(f"{profile.settings.describe()}")
        self.w.workers.submit(
            lambda _token: test_connection(profile, secrets_for_test()),
            self._show,
            lambda error: self._show(Diagnosis(False, "The connection failed", error.message)),
            description="test connection",
        )

    def _show(self, result: Diagnosis) -> None:
        self.running = False
        self.button.setEnabled(True)
        self.result = result
        mark = "✔" if result.ok else "✖"
        self.headline.setText(f"{mark}  {result.headline}")
        self.headline.setProperty("state", "ok" if result.ok else "error")
        self._restyle()
        self.message.setText(
            result.message
            + ("" if result.ok else "\n\nYou can go back and change the settings, or save anyway.")
        )
        self.tested.emit(result)
        self.completeChanged.emit()

    def _restyle(self) -> None:
        self.headline.style().unpolish(self.headline)
        self.headline.style().polish(self.headline)

    def isComplete(self) -> bool:  # overrides QWizardPage.isComplete
        return not self.running


class FinishPage(QWizardPage):
    """Name, colour and environment label."""

    def __init__(self, wizard: ProfileWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("Name it")
        self.setSubTitle("The name, colour and label show in the tree, so production stands out.")
        form = QFormLayout(self)
        self.name = _line("e.g. prod-registry")
        self.name.setObjectName("field-name")
        self.label = QComboBox()
        self.label.setObjectName("field-label")
        self.label.setEditable(True)
        self.label.addItems(["", "dev", "staging", "prod"])
        self.color = QComboBox()
        self.color.setObjectName("field-color")
        for color in COLORS:
            self.color.addItem(icons.swatch(color), COLOR_NAMES[color], color)
        self.color.addItem("Other…", "")
        self.color.activated.connect(self._other_color)
        self.record = QCheckBox("Record promotions in the registry (modelyard.history tags)")
        self.record.setChecked(True)
        self.problem = QLabel()
        self.problem.setObjectName("fieldProblem")
        form.addRow("Name", self.name)
        form.addRow("Environment", self.label)
        form.addRow("Colour", self.color)
        form.addRow("", self.record)
        form.addRow("", self.problem)
        self.name.textChanged.connect(lambda *_: self.completeChanged.emit())
        self.label.currentTextChanged.connect(self._label_changed)

    def _label_changed(self, text: str) -> None:
        color = LABEL_COLORS.get(text.strip().lower())
        if color:
            self.color.setCurrentIndex(max(self.color.findData(color), 0))

    def _other_color(self, index: int) -> None:
        if self.color.itemData(index):
            return
        chosen = QColorDialog.getColor(QColor(COLORS[0]), self, "Profile colour")
        if chosen.isValid():
            self.color.insertItem(index, icons.swatch(chosen.name()), chosen.name(), chosen.name())
            self.color.setCurrentIndex(index)

    def initializePage(self) -> None:  # overrides QWizardPage.initializePage
        if not self.name.text():
            self.name.setText(self.w.suggested_name())

    def isComplete(self) -> bool:  # overrides QWizardPage.isComplete
        name = self.name.text().strip()
        problem = ""
        if not name:
            problem = "The profile needs a name."
        elif len(name) > 80:
            problem = "The name is longer than 80 characters."
        else:
            other = self.w.store.find(name)
            if other is not None and (self.w.editing is None or other.id != self.w.editing.id):
                problem = f"A profile named {name!r} exists already."
        self.problem.setText(f"⚠ {problem}" if problem else "")
        return not problem


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

    def settings(self, auth_override: str | None = None) -> AnySettings:
        """The settings as typed (raises ValidationError/ValueError); ``auth_override`` checks
        the connection fields alone, with a sign-in method that needs no other field."""
        kind, t = self.kind(), self._text
        auth = auth_override or self.auth_page.auth() or None
        if kind == "mlflow":
            return MlflowServerSettings(
                url=t("url"),
                auth=auth or "none",  # type: ignore[arg-type]
                username=t("username") if auth == "basic" else None,
                insecure_tls=self._check("insecure_tls"),
                ca_bundle=t("ca_bundle") or None,
                client_cert=t("client_cert") or None,
            )
        if kind == "local":
            return LocalSettings(path=t("path"))
        if kind in ("databricks", "databricks-uc"):
            host = t("host") if kind == "databricks" else t("uc_host")
            values = {
                "host": host or None,
                "auth": auth or "pat",
                "client_id": t("client_id") if auth == "oauth-m2m" else None,
                "config_profile": t("config_profile") if auth == "config-profile" else None,
            }
            if kind == "databricks":
                return DatabricksSettings.model_validate(values)
            return DatabricksUCSettings.model_validate(
                {**values, "default_catalog": t("catalog"), "default_schema": t("schema")}
            )
        sp = auth == "service-principal"
        return AzureMLSettings.model_validate(
            {
                "subscription_id": t("subscription"),
                "resource_group": t("resource_group"),
                "workspace": t("workspace"),
                "region": t("region"),
                "cloud": self.fields["cloud"].currentData() or "public",
                "api_host": t("api_host") or None,
                "authority_host": t("authority_host") or None,
                "auth": auth or "default",
                "tenant_id": t("tenant_id") or None,
                "client_id": t("client_id") if sp else None,
            }
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
            here = self.settings(NEUTRAL_AUTH.get(self.kind())).describe()
        except (ValidationError, ValueError):
            return []
        return [
            p.name for p in self.known if p.id != self.profile_id and p.settings.describe() == here
        ]

    def connection_problem(self) -> str | None:
        """What is wrong with the connection fields (None when fine so far)."""
        kind = self.kind()
        if kind in ("databricks", "databricks-uc") and not self._text(
            "host" if kind == "databricks" else "uc_host"
        ):
            return None  # may come from a ~/.databrickscfg profile, chosen on the next page
        return self._problem(NEUTRAL_AUTH.get(kind))

    def auth_problem(self) -> str | None:
        """What is wrong with the sign-in fields."""
        problem = self._problem()
        if problem:
            return problem
        for field in secret_fields(self.settings()):
            if not self._text(field) and field not in self.stored_secret_fields:
                return f"Enter the {SECRET_TITLES[field].lower()}."
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
        base = {
            "mlflow": lambda: settings.describe().split("://", 1)[-1].split("/")[0],
            "local": lambda: Path(settings.describe()).stem,
        }.get(self.kind(), lambda: settings.describe().split("://", 1)[-1].split(".")[0])()
        name, n = base[:60] or "registry", 2
        while self.store.find(name) is not None:
            name, n = f"{base[:60]}-{n}", n + 1
        return name

    def load(self, profile: Profile) -> None:
        """Fill the form from an existing profile."""
        s = profile.settings
        self.kind_page.buttons[profile.kind].setChecked(True)
        put = {k: w for k, w in self.fields.items() if isinstance(w, QLineEdit)}
        if isinstance(s, MlflowServerSettings):
            put["url"].setText(s.url)
            put["ca_bundle"].setText(s.ca_bundle or "")
            put["client_cert"].setText(s.client_cert or "")
            self.fields["insecure_tls"].setChecked(s.insecure_tls)
            put["username"].setText(s.username or "")
        elif isinstance(s, LocalSettings):
            put["path"].setText(s.path)
        elif isinstance(s, DatabricksSettings):
            put["uc_host" if isinstance(s, DatabricksUCSettings) else "host"].setText(s.host or "")
            put["client_id"].setText(s.client_id or "")
            self.fields["config_profile"].setCurrentText(s.config_profile or "")
            if isinstance(s, DatabricksUCSettings):
                put["catalog"].setText(s.default_catalog or "")
                put["schema"].setText(s.default_schema or "")
        elif isinstance(s, AzureMLSettings):
            for key, value in (
                ("subscription", s.subscription_id),
                ("resource_group", s.resource_group),
                ("workspace", s.workspace),
                ("region", s.region),
                ("tenant_id", s.tenant_id),
                ("client_id", s.client_id),
                ("api_host", s.api_host),
                ("authority_host", s.authority_host),
            ):
                put[key].setText(value or "")
            self.set_cloud(s.cloud)
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
