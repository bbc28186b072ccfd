"""A hostile registry in the window (issue #11): markup, quotes, control characters, very long
values and unicode in names, descriptions and tags are shown as text — no crash, nothing
rendered as markup, nothing run."""

from __future__ import annotations

import ast

from mlflow.entities.model_registry import ModelVersionTag, RegisteredModelTag
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from modelyard.core.profiles import ProfileStore
from modelyard.core.secrets import SecretStore
from tests.integration.helpers import add_server_profile, admin_store, create_version
from tests.support.servers import MlflowServer
from tests.ui.test_details_pane import open_window, select_model, select_version

NAME = '<b>bold<\\b> o\'brien "q" \x1b[2J\x07 модель'  # MLflow refuses '/' and ':'
WILD = "\x1b[2J<img src='x'>\u202e" + "long " * 2000


def test_hostile_names_and_text_are_shown_as_text(
    qtbot: QtBot, mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    admin = admin_store(mlflow_server)
    admin.create_registered_model(NAME, tags=[RegisteredModelTag("note", WILD)], description=WILD)
    create_version(mlflow_server, NAME)
    admin.set_model_version_tag(NAME, "1", ModelVersionTag("note", WILD))
    add_server_profile(store, secrets, mlflow_server, "hostile")
    window = open_window(qtbot, store)
    select_model(qtbot, window, "hostile", NAME)
    assert window.details.model_view.model is not None
    assert window.details.model_view.model.name == NAME
    select_version(qtbot, window, "1")
    header = window.details.version_view.header
    assert header.title.textFormat() == Qt.TextFormat.PlainText
    assert "<b>bold" in header.title.text()  # shown as typed, not rendered bold
    # the tree's tooltip shows the description's first line as typed, not as an image tag
    source = window.tree_model.find_version(store.get("hostile").id, NAME, "1").parent()
    tip = source.data(Qt.ItemDataRole.ToolTipRole)
    assert "&lt;img src='x'&gt;" in tip and "<img" not in tip
    artifacts = window.details.version_view.artifacts
    artifacts.copy_snippet.click()
    qtbot.waitUntil(lambda: "load_model" in QGuiApplication.clipboard().text(), timeout=30_000)
    snippet = QGuiApplication.clipboard().text()
    tree = ast.parse(snippet)  # valid Python whatever the name
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    assert all(isinstance(a, ast.Constant) for c in calls for a in c.args)
    assert "\x1b" not in snippet
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    window.close()
