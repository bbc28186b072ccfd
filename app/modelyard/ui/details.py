"""The details pane: what is known about the selected profile, model or version."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from modelyard.core.domain import ModelSummary, VersionSummary
from modelyard.core.profiles import Profile
from modelyard.ui.tree_model import STAGE_COLORS, Node, NodeKind


def _when(value: object) -> str:
    from datetime import datetime

    if isinstance(value, datetime):
        return value.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
    return "—"


class _Section(QLabel):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.setObjectName("sectionTitle")


class DetailsPane(QScrollArea):
    """Shows the fields of the selected node; never does network I/O itself."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("details")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self._layout = QVBoxLayout()
        self.current: Node | None = None
        self.fields: dict[str, str] = {}
        self.show_placeholder()

    # --- building blocks --------------------------------------------------------------------
    def _clear(self) -> None:
        """Start a fresh body; QScrollArea deletes the previous one at once."""
        body = QWidget()
        body.setObjectName("detailsBody")
        self._layout = QVBoxLayout(body)
        self._layout.setContentsMargins(20, 16, 20, 16)
        self._layout.setSpacing(10)
        self.setWidget(body)
        self.fields = {}

    def _title(self, text: str, subtitle: str = "", badge: tuple[str, str] | None = None) -> None:
        row = QHBoxLayout()
        title = QLabel(text)
        title.setObjectName("detailsTitle")
        title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(title)
        if badge is not None:
            label = QLabel(badge[0])
            label.setObjectName("badge")
            label.setStyleSheet(f"background: {badge[1]};")
            row.addWidget(label)
        row.addStretch(1)
        holder = QWidget()
        holder.setLayout(row)
        row.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(holder)
        if subtitle:
            sub = QLabel(subtitle)
            sub.setObjectName("detailsSubtitle")
            sub.setWordWrap(True)
            self._layout.addWidget(sub)

    def _form(self, rows: list[tuple[str, str]], copyable: tuple[str, ...] = ()) -> None:
        box = QWidget()
        form = QFormLayout(box)
        form.setContentsMargins(0, 0, 0, 0)
        form.setHorizontalSpacing(18)
        form.setVerticalSpacing(6)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        for label, value in rows:
            self.fields[label] = value
            text = QLabel(value or "—")
            text.setObjectName("fieldValue")
            text.setWordWrap(True)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            if label in copyable and value:
                line = QHBoxLayout()
                line.setContentsMargins(0, 0, 0, 0)
                line.addWidget(text, 1)
                button = QPushButton("Copy")
                button.setObjectName("copyButton")
                button.setToolTip(f"Copy {label.lower()} to the clipboard")
                button.clicked.connect(
                    lambda _=False, v=value: QGuiApplication.clipboard().setText(v)
                )
                line.addWidget(button)
                holder = QWidget()
                holder.setLayout(line)
                form.addRow(f"{label}:", holder)
            else:
                form.addRow(f"{label}:", text)
        self._layout.addWidget(box)

    def _markdown(self, text: str) -> None:
        self._layout.addWidget(_Section("Description"))
        browser = QTextBrowser()
        browser.setObjectName("description")
        browser.setOpenExternalLinks(True)
        browser.setMarkdown(text or "*No description.*")
        document = browser.document()
        document.setTextWidth(max(300, self.viewport().width() - 60))
        browser.setFixedHeight(int(min(220, max(44, document.size().height() + 14))))
        self._layout.addWidget(browser)

    def _table(self, title: str, rows: Mapping[str, str], headers: tuple[str, str]) -> None:
        self._layout.addWidget(_Section(title))
        if not rows:
            empty = QLabel("None.")
            empty.setObjectName("muted")
            self._layout.addWidget(empty)
            return
        table = QTableWidget(len(rows), 2)
        table.setObjectName(f"table-{title.lower()}")
        table.setHorizontalHeaderLabels(list(headers))
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)
        for row, (key, value) in enumerate(sorted(rows.items())):
            table.setItem(row, 0, QTableWidgetItem(key))
            table.setItem(row, 1, QTableWidgetItem(value))
        table.resizeRowsToContents()
        height = (
            table.horizontalHeader().sizeHint().height()
            + table.verticalHeader().length()
            + 2 * table.frameWidth()
            + 2
        )
        table.setFixedHeight(min(height, 280))
        self._layout.addWidget(table)

    # --- what is shown ----------------------------------------------------------------------
    def show_placeholder(self) -> None:
        """Nothing selected."""
        self._clear()
        self.current = None
        hint = QLabel(
            "Select a registry, model or version on the left.\n\n"
            "Ctrl+F filters the tree · F5 reloads the selected registry or model"
        )
        hint.setObjectName("placeholder")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint.setWordWrap(True)
        self._layout.addStretch(1)
        self._layout.addWidget(hint)
        self._layout.addStretch(2)

    def show_node(self, node: Node | None) -> None:
        """Show the selected node (None shows the placeholder)."""
        if node is None or node.kind is NodeKind.ROOT:
            self.show_placeholder()
            return
        self._clear()
        self.current = node
        if node.kind is NodeKind.PROFILE:
            self._show_profile(node.payload, node)
        elif node.kind is NodeKind.MODEL:
            self._show_model(node.payload, node)
        else:
            self._show_version(node.payload)
        self._layout.addStretch(1)

    def _show_profile(self, profile: Profile, node: Node) -> None:
        self._title(
            profile.name,
            f"{profile.kind} registry",
            (profile.label, profile.color or "#475569") if profile.label else None,
        )
        state = (
            "error"
            if node.error
            else "loading…"
            if node.fetching
            else (
                f"{len(node.children)}{'' if node.all_fetched else '+'} models loaded"
                if node.children or node.all_fetched
                else "not loaded yet (expand it)"
            )
        )
        self._form(
            [
                ("Kind", profile.kind),
                ("Location", profile.settings.describe()),
                ("State", state),
                ("Profile id", profile.id),
            ]
        )
        if node.error:
            error = QLabel(node.error)
            error.setObjectName("errorText")
            error.setWordWrap(True)
            self._layout.addWidget(error)

    def _show_model(self, model: ModelSummary, node: Node) -> None:
        loaded = f"{len(node.children)}{'' if node.all_fetched else '+'}" if node.children else "—"
        self._title(model.name, "Registered model")
        self._form(
            [
                ("Created", _when(model.created)),
                ("Updated", _when(model.updated)),
                ("Latest versions", ", ".join(f"v{v}" for v in model.latest_versions)),
                ("Versions loaded", loaded),
                ("Model URI", f"models:/{model.name}"),
            ],
            copyable=("Model URI",),
        )
        self._markdown(model.description)
        self._table("Aliases", {a: f"v{v}" for a, v in model.aliases.items()}, ("Alias", "Version"))
        self._table("Tags", model.tags, ("Key", "Value"))

    def _show_version(self, version: VersionSummary) -> None:
        self._title(
            f"{version.model}  v{version.version}",
            "Model version",
            (version.stage.value, STAGE_COLORS[version.stage]),
        )
        self._form(
            [
                ("Stage", version.stage.value),
                ("Aliases", ", ".join(version.aliases)),
                ("Status", version.status),
                ("Created", _when(version.created)),
                ("Updated", _when(version.updated)),
                ("Creator", version.creator),
                ("Source run", version.run_id),
                ("Source", version.source),
                ("Model URI", version.uri),
            ],
            copyable=("Model URI", "Source run"),
        )
        self._markdown(version.description)
        self._table("Tags", version.tags, ("Key", "Value"))
