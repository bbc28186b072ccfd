"""The wizard's last pages: the real connection test, then the name, label and colour."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWizardPage,
)

from modelyard.core.model.errors import ModelyardError
from modelyard.core.profiles.profile import (
    Profile,
    default_protection,
)
from modelyard.core.reads.diagnose import Diagnosis, test_connection
from modelyard.ui.common import icons
from modelyard.ui.common.choices import protection_choice
from modelyard.ui.profiles.fields import (
    COLOR_NAMES,
    COLORS,
    LABEL_COLORS,
    _line,
)

if TYPE_CHECKING:
    from modelyard.ui.profiles.wizard import ProfileWizard


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
        advice = "" if result.ok else "\n\nYou can go back and change the settings, or save anyway."
        where = result.files_at.split(":", 1)[0]
        box, store = {
            "s3": ("s3_store", "S3"),
            "wasbs": ("azure_store", "Azure Blob"),
            "abfss": ("azure_store", "Azure Blob"),
            "gs": ("gcs_store", "Google Cloud"),
        }.get(where, ("", ""))
        found = self.w.fields.get(box)
        if not result.ok and found is not None:
            found.setChecked(True)  # the sign-in page now asks for the store
            advice = (
                f"\n\nThe files are at {result.files_at}, in {store} storage that this "
                f"computer reaches itself: go Back and fill in the {store} store on the sign-in "
                "page."
            )
        self.message.setText(result.message + advice)
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
        self.protection = protection_choice(
            "field-protection",
            "How Modelyard guards writes to this registry (the CLI honours it too). "
            "A profile labelled prod starts at Confirm.",
        )
        self.protection_chosen = False  # by the person (else it follows the label)
        self.protection.activated.connect(self._protection_chosen)
        self.protected_aliases = _line("e.g. champion, production")
        self.protected_aliases.setObjectName("field-protected-aliases")
        self.protected_aliases.setToolTip(
            "Moving one of these aliases needs the model's name typed, at any level."
        )
        self.problem = QLabel()
        self.problem.setObjectName("fieldProblem")
        form.addRow("Name", self.name)
        form.addRow("Environment", self.label)
        form.addRow("Colour", self.color)
        form.addRow("", self.record)
        form.addRow("Protection", self.protection)
        form.addRow("Protected aliases", self.protected_aliases)
        form.addRow("", self.problem)
        self.name.textChanged.connect(lambda *_: self.completeChanged.emit())
        self.label.currentTextChanged.connect(self._label_changed)

    def _label_changed(self, text: str) -> None:
        color = LABEL_COLORS.get(text.strip().lower())
        if color:
            self.color.setCurrentIndex(max(self.color.findData(color), 0))
        if not self.protection_chosen:
            level = default_protection(text)
            self.protection.setCurrentIndex(self.protection.findData(level))

    def _protection_chosen(self, _index: int) -> None:
        self.protection_chosen = True

    def set_protection(self, profile: Profile) -> None:
        """Show ``profile``'s protection (chosen when it was set, else following the label)."""
        self.protection_chosen = profile.protection is not None
        self.protection.setCurrentIndex(self.protection.findData(profile.protection_level))
        self.protected_aliases.setText(", ".join(profile.protected_aliases))

    def chosen_protection(self) -> dict[str, object]:
        """The profile fields for what the page shows."""
        aliases = [a.strip().lstrip("@") for a in self.protected_aliases.text().split(",")]
        return {
            "protection": self.protection.currentData() if self.protection_chosen else None,
            "protected_aliases": tuple(dict.fromkeys(a for a in aliases if a)),
        }

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
