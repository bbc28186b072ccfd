"""A hostile registry in the window (issue #11): markup, quotes, control characters, very long
values and unicode in names, descriptions and tags are shown as text — no crash, nothing
rendered as markup, nothing run."""

from __future__ import annotations

import ast
from pathlib import Path

from mlflow.entities import RunTag
from mlflow.entities.model_registry import ModelVersionTag, RegisteredModelTag
from PySide6 import QtGui
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QLabel, QTextBrowser, QWidget
from pytestqt.qtbot import QtBot

from modelyard.core.profiles.profile import ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from tests.helpers.registry import (
    add_server_profile,
    admin_store,
    admin_tracking_store,
    create_version,
    new_version,
)
from tests.helpers.values import some
from tests.helpers.window import open_window, select_model, select_version
from tests.support.servers import MlflowServer

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


HTML = "<img src=x onerror=alert(1)><b>bold<b>"
MARK = "<img src=x"  # raw in a widget that renders rich text: an image icon, bold text


def _rich_leaks(root_widgets: list[QWidget]) -> list[str]:
    """Every place under ``root_widgets`` that would render MARK as markup: a label not in plain
    text, a tooltip, a text browser's document, an item view's tooltips."""
    leaks: list[str] = []
    widgets: list[QWidget] = []
    for root in root_widgets:
        widgets += [root, *root.findChildren(QWidget)]
    for widget in widgets:
        where = f"{type(widget).__name__}#{widget.objectName()}"
        if MARK in widget.toolTip():
            leaks.append(f"{where} tooltip: {widget.toolTip()[:80]!r}")
        if isinstance(widget, QLabel) and MARK in widget.text():
            plain = widget.textFormat() == Qt.TextFormat.PlainText or (
                widget.textFormat() == Qt.TextFormat.AutoText
                and not QtGui.Qt.mightBeRichText(widget.text())
            )
            if not plain:
                leaks.append(f"{where} label: {widget.text()[:80]!r}")
        if isinstance(widget, QTextBrowser) and "<img" in widget.toHtml():
            leaks.append(f"{where} renders an image from the text")
        if isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model = widget.model()
            stack = [QModelIndex()]
            while stack:
                parent = stack.pop()
                try:
                    columns = model.columnCount(parent)
                except TypeError:  # a list widget's model keeps it private: one column
                    columns = 1
                for row in range(min(model.rowCount(parent), 500)):
                    for column in range(columns):
                        index = model.index(row, column, parent)
                        tip = index.data(Qt.ItemDataRole.ToolTipRole)
                        if isinstance(tip, str) and MARK in tip:
                            leaks.append(f"{where} item tooltip: {tip[:80]!r}")
                    stack.append(model.index(row, 0, parent))
    return leaks


def test_html_in_every_registry_field_is_shown_as_text_everywhere(
    qtbot: QtBot,
    mlflow_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
    tmp_path: Path,
) -> None:
    """HTML in the model's name, description and tags, the version's description, tags, alias
    and its run's name and params, shown in the tree, the model's and the version's tabs, the
    board, the downloads window and a registry comparison: nowhere rendered as markup."""
    from mlflow.entities import Param

    admin = admin_store(mlflow_server)
    admin.create_registered_model(
        HTML, tags=[RegisteredModelTag("note", HTML)], description=f"{HTML}\n\n{HTML}"
    )
    version = admin.get_model_version(HTML, new_version(mlflow_server, HTML))
    admin.set_model_version_tag(HTML, version.version, ModelVersionTag("vnote", HTML))
    admin.update_model_version(HTML, version.version, description=HTML)
    admin.set_registered_model_alias(HTML, "champion", version.version)
    tracking = admin_tracking_store(mlflow_server)
    tracking.log_param(version.run_id, Param("pnote", HTML))
    tracking.set_tag(version.run_id, RunTag("mlflow.runName", HTML))
    add_server_profile(store, secrets, mlflow_server, "hostile")
    add_server_profile(store, secrets, mlflow_server, f"mirror {HTML}")
    window = open_window(qtbot, store)
    select_model(qtbot, window, "hostile", HTML)
    model_view = window.details.model_view
    for tab in range(model_view.tabs.count()):
        model_view.tabs.setCurrentIndex(tab)
        qtbot.wait(0)  # let the tab paint
    shown = model_view.description.view.toPlainText()
    assert shown.count(HTML) == 2, shown  # the description's HTML is text: shown, not dropped
    select_version(qtbot, window, version.version)
    version_view = window.details.version_view
    qtbot.waitUntil(lambda: version_view.detail is not None, timeout=30_000)
    for tab in range(version_view.tabs.count()):
        version_view.tabs.setCurrentIndex(tab)
    window.files.choose_folder = lambda start: str(tmp_path)
    version_view.artifacts.download_all.click()
    task = window.files.downloads.tasks[-1]
    qtbot.waitUntil(lambda: task.state in ("done", "failed"), timeout=60_000)
    assert task.state == "done", task.message
    profiles = window.tree_model.profiles()
    compare = window.across.compare_registries(profiles[0], profiles[1])
    assert compare is not None
    qtbot.waitUntil(lambda: compare.comparison is not None, timeout=60_000)
    leaks = _rich_leaks([window, some(window.files.downloads_dialog), compare])
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    compare.close()
    window.close()
    assert not leaks, "\n".join(leaks)
