"""The wizard's vocabulary: page numbers, titles, colours and the small field helpers its
pages share."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QFileDialog,
    QLineEdit,
)

from modelyard.core.profiles.databrickscfg import read_config
from modelyard.ui.common import icons

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
SECRET_TITLES = {
    "password": "Password",
    "token": "Token",
    "client_secret": "Client secret",
    "s3_secret": "S3 secret key",
    "s3_session_token": "S3 session token",
    "azure_storage_secret": "Azure storage secret",
}
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
