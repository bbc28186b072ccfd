"""Small building blocks of the details views."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication, QTextDocument
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from modelyard.ui.common.plain import plain_tooltip


def when(value: datetime | None) -> str:
    """A timestamp in local time, or a dash."""
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value else "—"


MARKDOWN_TEXT_ONLY = (
    QTextDocument.MarkdownFeature.MarkdownDialectGitHub
    | QTextDocument.MarkdownFeature.MarkdownNoHTML
)


class SectionTitle(QLabel):
    """A bold heading with a rule under it."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setObjectName("sectionTitle")


# A banner message that outlives a reload: text, kind, action label, what the action does.
Sticky = tuple[str, str, str, Callable[[], None] | None]


class Banner(QWidget):
    """An inline message (error or notice) with an optional action button.

    Signals:
        actionClicked(): the button was pressed (e.g. Retry).
    """

    actionClicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # messages quote registry text
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.button = QPushButton()
        self.button.clicked.connect(self._clicked)
        self._on_action: Callable[[], None] | None = None
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)
        self.hide()

    def _clicked(self) -> None:
        if self._on_action is not None:
            self._on_action()
        else:
            self.actionClicked.emit()

    def show_message(
        self,
        text: str,
        kind: str = "error",
        action: str = "",
        on_action: Callable[[], None] | None = None,
    ) -> None:
        """Show ``text``; kind is error | notice | busy; ``action`` labels the button, which
        calls ``on_action`` (else emits actionClicked: Retry, Dismiss)."""
        self._on_action = on_action
        self.setProperty("kind", kind)
        self.style().unpolish(self)
        self.style().polish(self)
        self.label.setText(text)
        self.button.setText(action)
        self.button.setVisible(bool(action))
        self.show()


class FieldForm(QWidget):
    """Label: value rows; values are selectable, some have a Copy button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._form = QFormLayout(self)
        self._form.setContentsMargins(0, 0, 0, 0)
        self._form.setHorizontalSpacing(18)
        self._form.setVerticalSpacing(6)
        self._form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.values: dict[str, str] = {}

    def set_rows(
        self,
        rows: list[tuple[str, str]],
        copyable: tuple[str, ...] = (),
        openable: tuple[str, ...] = (),
    ) -> None:
        """Replace the rows; ``copyable`` values get a Copy button, ``openable`` (URLs) an
        Open button that shows them in the browser."""
        while self._form.rowCount():
            self._form.removeRow(0)
        self.values = {}
        for label, value in rows:
            self.values[label] = value
            text = QLabel(value or "—")
            text.setTextFormat(Qt.TextFormat.PlainText)  # registry text is shown, never rendered
            text.setObjectName("fieldValue")
            text.setWordWrap(True)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            if (label in copyable or label in openable) and value:
                holder = QWidget()
                line = QHBoxLayout(holder)
                line.setContentsMargins(0, 0, 0, 0)
                line.addWidget(text, 1)
                if label in openable:
                    opener = QPushButton("Open")
                    opener.setObjectName("openButton")
                    opener.setToolTip("Open this page in your web browser")
                    opener.clicked.connect(
                        lambda _=False, v=value: QDesktopServices.openUrl(QUrl(v))
                    )
                    line.addWidget(opener)
                button = QPushButton("Copy")
                button.setObjectName("copyButton")
                button.setToolTip(f"Copy {label.lower()} to the clipboard")
                button.clicked.connect(
                    lambda _=False, v=value: QGuiApplication.clipboard().setText(v)
                )
                line.addWidget(button)
                self._form.addRow(f"{label}:", holder)
            else:
                self._form.addRow(f"{label}:", text)


class DescriptionEditor(QWidget):
    """Markdown rendered read-only; Edit switches to a text box with Save / Cancel.

    Signals:
        saveRequested(str): the user saved this text.
    """

    saveRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        header = QHBoxLayout()
        header.addWidget(SectionTitle("Description"), 1)
        self.edit_button = QPushButton("Edit")
        self.edit_button.setToolTip("Edit the description (Markdown)")
        self.edit_button.clicked.connect(self.start_editing)
        header.addWidget(self.edit_button)
        layout.addLayout(header)
        self.stack = QStackedWidget()
        self.view = QTextBrowser()
        self.view.setObjectName("description")
        self.view.setOpenExternalLinks(True)
        editor_box = QWidget()
        editor_layout = QVBoxLayout(editor_box)
        editor_layout.setContentsMargins(0, 0, 0, 0)
        self.editor = QPlainTextEdit()
        self.editor.setPlaceholderText("Describe this in Markdown…")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Cancel")
        self.save_button = QPushButton("Save")
        self.save_button.setDefault(True)
        self.save_button.setShortcut("Ctrl+Return")
        self.cancel_button.clicked.connect(self.stop_editing)
        self.save_button.clicked.connect(lambda: self.saveRequested.emit(self.editor.toPlainText()))
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        editor_layout.addWidget(self.editor)
        editor_layout.addLayout(buttons)
        self.stack.addWidget(self.view)
        self.stack.addWidget(editor_box)
        layout.addWidget(self.stack)
        self.locked = ""  # why it cannot be changed here ("": it can)
        self.set_text("")

    def set_locked(self, reason: str) -> None:
        """No editing while ``reason`` (a read-only profile), which the button's tip says."""
        self.locked = reason
        self.edit_button.setToolTip(reason or "Edit the description (Markdown)")
        if reason:
            self.stop_editing()
        self.edit_button.setEnabled(not reason and self.stack.currentIndex() == 0)

    def set_text(self, text: str) -> None:
        """Show ``text`` (and leave edit mode)."""
        self.text = text
        # Markdown, with any HTML in it shown as text (never rendered, never dropped).
        self.view.document().setMarkdown(text or "*No description.*", MARKDOWN_TEXT_ONLY)
        document = self.view.document()
        document.setTextWidth(max(300, self.width() - 20))
        self.view.setFixedHeight(int(min(220, max(44, document.size().height() + 14))))
        self.stop_editing()

    def start_editing(self) -> None:
        """Switch to the text box."""
        self.editor.setPlainText(self.text)
        self.stack.setCurrentIndex(1)
        self.stack.setFixedHeight(200)
        self.edit_button.setEnabled(False)
        self.editor.setFocus()

    def stop_editing(self) -> None:
        """Back to the rendered view."""
        self.stack.setCurrentIndex(0)
        self.stack.setFixedHeight(self.view.height())
        self.edit_button.setEnabled(not self.locked)
        self.set_busy(False)

    def set_busy(self, busy: bool) -> None:
        """Disable the editor while a save is in flight."""
        self.save_button.setEnabled(not busy)
        self.editor.setReadOnly(busy)
        self.save_button.setText("Saving…" if busy else "Save")


class KeyValueTable(QTableWidget):
    """A read-only two-column table sized to its rows."""

    def __init__(self, headers: tuple[str, str], parent: QWidget | None = None) -> None:
        super().__init__(0, 2, parent)
        self.setHorizontalHeaderLabels(list(headers))
        self.setTabKeyNavigation(False)  # Tab leaves the table; arrows move in it
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setStretchLastSection(True)
        self.setAlternatingRowColors(True)

    def set_items(self, rows: Mapping[str, str], max_height: int = 280) -> None:
        """Replace the rows (sorted by key)."""
        self.setRowCount(len(rows))
        for row, (key, value) in enumerate(sorted(rows.items())):
            self.setItem(row, 0, QTableWidgetItem(key))
            item = QTableWidgetItem(value)
            item.setToolTip(plain_tooltip(value))
            self.setItem(row, 1, item)
        self.resizeRowsToContents()
        height = (
            self.horizontalHeader().sizeHint().height()
            + self.verticalHeader().length()
            + 2 * self.frameWidth()
            + 2
        )
        self.setFixedHeight(min(max(height, 60), max_height))

    def selected_key(self) -> str | None:
        """The key of the selected row."""
        rows = self.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.item(rows[0].row(), 0)
        return item.text() if item else None


class TagEditor(QWidget):
    """Tags as a table with Add / Edit / Delete.

    Signals:
        setRequested(str, str): add or change the tag key to value.
        deleteRequested(str): delete the tag with this key.
    """

    setRequested = Signal(str, str)
    deleteRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tags: dict[str, str] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        header = QHBoxLayout()
        header.addWidget(SectionTitle("Tags"), 1)
        self.add_button = QPushButton("Add…")
        self.edit_button = QPushButton("Edit…")
        self.delete_button = QPushButton("Delete")
        for button in (self.add_button, self.edit_button, self.delete_button):
            header.addWidget(button)
        layout.addLayout(header)
        self.table = KeyValueTable(("Key", "Value"))
        self.table.setObjectName("tagTable")
        self.table.itemDoubleClicked.connect(lambda _item: self.edit_selected())
        self.table.itemSelectionChanged.connect(self._update_buttons)
        layout.addWidget(self.table)
        self.add_button.clicked.connect(self.add_tag)
        self.edit_button.clicked.connect(self.edit_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.ask_text: Callable[[str, str, str], tuple[str, bool]] = self._ask
        self.confirm: Callable[[str], bool] = self._confirm
        self.locked = ""  # why tags cannot be changed here ("": they can)
        self._update_buttons()

    def set_locked(self, reason: str) -> None:
        """No changes while ``reason`` (a read-only profile), which the buttons' tips say."""
        self.locked = reason
        for button in (self.add_button, self.edit_button, self.delete_button):
            button.setToolTip(reason)
        self.add_button.setEnabled(not reason)
        self._update_buttons()

    def set_tags(self, tags: Mapping[str, str]) -> None:
        """Show these tags."""
        self.tags = dict(tags)
        self.table.set_items(self.tags)
        self._update_buttons()

    def set_busy(self, busy: bool) -> None:
        """Disable editing while a write is in flight."""
        self.add_button.setEnabled(not busy and not self.locked)
        self._update_buttons(busy)

    def _update_buttons(self, busy: bool = False) -> None:
        has = self.table.selected_key() is not None and not self.locked
        self.edit_button.setEnabled(has and not busy)
        self.delete_button.setEnabled(has and not busy)

    def _ask(self, title: str, label: str, text: str) -> tuple[str, bool]:
        value, ok = QInputDialog.getText(self, title, label, QLineEdit.EchoMode.Normal, text)
        return value, ok

    def _confirm(self, question: str) -> bool:
        answer = QMessageBox.question(self, "Delete tag", question)
        return answer == QMessageBox.StandardButton.Yes

    def add_tag(self) -> None:
        """Ask for a key and a value, then request the write."""
        key, ok = self.ask_text("Add tag", "Key:", "")
        key = key.strip()
        if not ok or not key:
            return
        value, ok = self.ask_text("Add tag", f"Value of {key}:", self.tags.get(key, ""))
        if ok:
            self.setRequested.emit(key, value)

    def edit_selected(self) -> None:
        """Ask for a new value of the selected tag."""
        key = self.table.selected_key()
        if key is None:
            return
        value, ok = self.ask_text("Edit tag", f"Value of {key}:", self.tags.get(key, ""))
        if ok and value != self.tags.get(key):
            self.setRequested.emit(key, value)

    def delete_selected(self) -> None:
        """Confirm, then request deleting the selected tag."""
        key = self.table.selected_key()
        if key is not None and self.confirm(f"Delete the tag {key!r}?"):
            self.deleteRequested.emit(key)
