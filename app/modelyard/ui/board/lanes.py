"""The lanes of the promotion board (a stage column or an alias lane) and the alias-name dialog.

A lane holds version cards and takes version drops. While a card is dragged over it, the lane
lights up with what a drop there would do (moves / requests / not allowed), worded by the core's
permission rules. Keyboard: arrows move between cards and (Left/Right) between lanes; Enter,
Space, the Menu key and Shift+F10 open the focused card's menu.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from PySide6.QtCore import QMimeData, QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QFocusEvent,
    QKeyEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from modelyard.core.actions.promote import Target
from modelyard.core.model.aliases import RULE, alias_problem
from modelyard.ui.common.keys import keyboard_menu_event, opens_menu
from modelyard.ui.common.theme import set_tone
from modelyard.ui.tree.mime import MIME, read_mime, version_mime

VERSION_ROLE = Qt.ItemDataRole.UserRole


class LaneHost(Protocol):
    """What a lane uses of the board it is on (``promote_board.PromoteBoard``)."""

    profile_id: str
    model: str
    busy: bool

    @property
    def delegate(self) -> QAbstractItemDelegate: ...

    def drop_mode(self, version: str, target: Target) -> str: ...

    def drop_words(self, version: str, target: Target) -> str: ...

    def show_drop_note(self, lane: Lane, words: str) -> None: ...

    def focus_next_lane(self, lane: Lane, step: int) -> None: ...

    def open_menu(self, version: str, lane: Lane, position: QPoint) -> object: ...


class Lane(QListWidget):
    """A stage column or an alias lane: holds cards, accepts version drops.

    Signals:
        dropped(object, object): the drag payload dict and this lane's Target.
    """

    dropped = Signal(object, object)

    def __init__(self, target: Target, board: LaneHost) -> None:
        super().__init__()
        self.target = target
        self.board = board
        self.setObjectName("lane")
        self.accepting = True  # drops here change something (the board says per version)
        self.setProperty("drop", "")
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(False)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSpacing(2)
        self.setWordWrap(True)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.setItemDelegate(board.delegate)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.DefaultContextMenu)

    # drag source -----------------------------------------------------------------------------
    def mimeTypes(self) -> list[str]:  # overrides QListWidget.mimeTypes
        """Our one drag format."""
        return [MIME]

    def mimeData(self, items: Sequence[QListWidgetItem]) -> QMimeData:
        """Overrides QListWidget.mimeData: the dragged card's version."""
        version = str(items[0].data(VERSION_ROLE)) if items else ""
        return version_mime(self.board.profile_id, self.board.model, version)

    # drop target -----------------------------------------------------------------------------
    def _dragged_version(self, data: QMimeData) -> str | None:
        """The version a drag carries, if it is one of this board's model."""
        payload = read_mime(data)
        if (
            payload is None
            or payload.get("profile") != self.board.profile_id
            or payload.get("model") != self.board.model
        ):
            return None
        return str(payload.get("version", ""))

    def _acceptable(self, data: QMimeData) -> bool:
        version = self._dragged_version(data)
        return (
            version is not None
            and self.accepting
            and not self.board.busy
            and self.board.drop_mode(version, self.target) != ""
        )

    def show_drop(self, version: str | None) -> None:
        """Light up with what dropping ``version`` here would do (None: the drag left)."""
        if version is None:
            mode, words = "", ""
        else:
            mode = self.board.drop_mode(version, self.target) or "refused"
            words = self.board.drop_words(version, self.target)
        if self.property("drop") != mode:
            self.setProperty("drop", mode)
            self.style().unpolish(self)
            self.style().polish(self)
        self.board.show_drop_note(self, words)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # overrides QWidget
        """Accept version drags of this board's model that may land here."""
        self._drag_over(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # overrides QAbstractItemView
        """Keep accepting while over the lane."""
        self._drag_over(event)

    def _drag_over(self, event: QDragMoveEvent) -> None:
        """A card of this model is taken in (so the lane hears when it leaves) and lit up; it
        may be dropped only where the rules say it changes something."""
        version = self._dragged_version(event.mimeData())
        if version is None:
            event.ignore()
            return
        self.show_drop(version)
        if self._acceptable(event.mimeData()):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        elif isinstance(event, QDragEnterEvent):
            event.accept()  # entered, so that leaving clears the "not allowed" light
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:  # overrides QAbstractItemView
        """The highlight goes with the drag."""
        self.show_drop(None)
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # overrides QListWidget
        """Ask to promote; the board itself never moves cards (the server's truth does)."""
        self.show_drop(None)
        if not self._acceptable(event.mimeData()):
            event.ignore()
            return
        payload = read_mime(event.mimeData())
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        self.dropped.emit(payload, self.target)

    # keyboard ---------------------------------------------------------------------------------
    def focusInEvent(self, event: QFocusEvent) -> None:  # overrides QAbstractItemView
        """Coming in with Tab or an arrow: a card is current, so the ring shows where."""
        super().focusInEvent(event)
        if self.count() and self.currentRow() < 0:
            self.setCurrentRow(0)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # overrides QAbstractItemView
        """Left/Right go to the neighbouring lane; Enter, Space, Menu, Shift+F10 open the card's
        menu; Up/Down move between cards as in any list."""
        key = event.key()
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            self.board.focus_next_lane(self, -1 if key == Qt.Key.Key_Left else 1)
            event.accept()
            return
        if opens_menu(event) or key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            item = self.currentItem()
            if item is not None:
                self._menu(self.visualItemRect(item).center(), keyboard=True)
            event.accept()
            return
        super().keyPressEvent(event)

    # context menu ----------------------------------------------------------------------------
    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # overrides QAbstractScrollArea
        """The mouse's menu is the card under it; a keyboard's (the Menu key, through the window
        system) is the current card's, whatever position the event carries."""
        event.accept()
        if keyboard_menu_event(event):
            item = self.currentItem()
            if item is not None:
                self._menu(self.visualItemRect(item).center(), keyboard=True)
            return
        self._menu(event.pos())

    def _menu(self, position: QPoint, keyboard: bool = False) -> None:
        index = QModelIndex() if keyboard else self.indexAt(position)
        row = index.row() if index.isValid() else self.currentRow()
        if row < 0:
            return
        self.setCurrentRow(row)
        self.board.open_menu(str(self.item(row).data(VERSION_ROLE)), self, position)


class AliasNameDialog(QDialog):
    """Asks for a new alias name, checked as it is typed with the registry's own rules; the
    button that sets it stays off while the name would be refused."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New alias")
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("e.g. champion")
        self.hint = QLabel()
        self.hint.setObjectName("aliasHint")
        self.hint.setWordWrap(True)
        self.hint.setTextFormat(Qt.TextFormat.PlainText)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert ok is not None
        self.ok = ok
        self.ok.setText("Set alias")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.setMinimumWidth(440)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Alias name:"))
        layout.addWidget(self.edit)
        layout.addWidget(self.hint)
        layout.addWidget(buttons)
        self.edit.textChanged.connect(self._check)
        self._check("")

    def name(self) -> str:
        """The name as typed, without a leading @."""
        return self.edit.text().strip().lstrip("@")

    def _check(self, _text: str) -> None:
        name = self.name()
        problem = alias_problem(name) if name else None
        self.ok.setEnabled(bool(name) and problem is None)
        self.hint.setText(problem or f"Allowed: {RULE}.")
        set_tone(self.hint, "error" if problem else "muted")
        self.hint.setMinimumHeight(self.hint.heightForWidth(max(self.hint.width(), 400)))
