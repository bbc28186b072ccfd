"""The command palette (#29, Ctrl+K): jump to any registry, model or version of every profile by
a few letters of its name, or run any menu action by name (each shown with its shortcut); and
Help ▸ Keyboard shortcuts, the list of every key the app answers.

Matching is fuzzy (the letters in order, anywhere): a match at the start of a word or right
after the previous letter ranks higher, shorter names first. Registries' models and versions
come from their one state (what was read or kept), never from a read of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMenuBar,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from modelyard.core.model.domain import version_sort_key
from modelyard.core.profiles.profile import Profile
from modelyard.core.reads.fuzzy import Narrowing
from modelyard.core.session import Connections

MAX_SHOWN = 60


@dataclass(frozen=True)
class Entry:
    """One thing the palette can go to or run."""

    kind: str  # "action", "registry", "model", "version"
    text: str  # what is matched and shown
    detail: str  # the shortcut of an action, the registry of a model or version
    run: Callable[[], None]


def menu_actions(bar: QMenuBar) -> list[tuple[str, QAction]]:
    """Every enabled-or-not action of the menu bar: ("View ▸ Find across registries…", it)."""
    out: list[tuple[str, QAction]] = []

    def walk(menu: QMenu, path: str) -> None:
        for action in menu.actions():
            if action.isSeparator():
                continue
            name = action.text().replace("&", "")
            sub = action.menu()
            if isinstance(sub, QMenu):
                walk(sub, f"{path}{name} ▸ ")
            elif name:
                out.append((f"{path}{name}", action))

    for top in bar.actions():
        sub = top.menu()
        if isinstance(sub, QMenu):
            walk(sub, f"{top.text().replace('&', '')} ▸ ")
    return out


class CommandPalette(QDialog):
    """A line and the best matches under it; Enter runs the highlighted one, Esc closes."""

    def __init__(self, entries: Callable[[], list[Entry]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("commandPalette")
        self.setWindowTitle("Go to or run")
        self.setMinimumWidth(620)
        self.entries_of = entries
        self.entries: list[Entry] = []
        self.matcher = Narrowing([])
        self.shown: list[Entry] = []
        layout = QVBoxLayout(self)
        self.line = QLineEdit()
        self.line.setObjectName("paletteQuery")
        self.line.setPlaceholderText("A registry, model or version by name, or an action…")
        self.line.installEventFilter(self)
        layout.addWidget(self.line)
        self.list = QListWidget()
        self.list.setObjectName("paletteResults")
        self.list.setUniformItemSizes(True)
        self.list.itemActivated.connect(lambda _item: self.run_current())
        layout.addWidget(self.list, 1)
        self.hint = QLabel("↑↓ to choose · Enter to go or run · Esc to close")
        self.hint.setObjectName("muted")
        layout.addWidget(self.hint)
        self.line.textChanged.connect(self.filter)

    def open(self) -> None:  # overrides QDialog.open: fresh entries each time
        self.entries = self.entries_of()
        self.matcher = Narrowing([entry.text for entry in self.entries])
        self.line.clear()
        self.filter("")
        self.show()
        self.raise_()
        self.activateWindow()
        self.line.setFocus()

    def filter(self, text: str) -> None:
        self.shown = [self.entries[n] for n in self.matcher.best(text, MAX_SHOWN)]
        self.list.clear()
        for entry in self.shown:
            label = f"{entry.text}    —    {entry.detail}" if entry.detail else entry.text
            item = QListWidgetItem(f"{_ICON[entry.kind]}  {label}")  # shown as written
            self.list.addItem(item)
        if self.shown:
            self.list.setCurrentRow(0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # overrides QObject
        """Up and Down move in the list while typing; Enter runs."""
        if watched is not self.line or not isinstance(event, QKeyEvent):
            return False
        if event.type() != QEvent.Type.KeyPress:
            return False
        key = event.key()
        if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.list.count():
            step = 1 if key == Qt.Key.Key_Down else -1
            row = max(0, min(self.list.count() - 1, self.list.currentRow() + step))
            self.list.setCurrentRow(row)
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.run_current()
            return True
        return False

    def run_current(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.shown):
            entry = self.shown[row]
            self.hide()
            entry.run()


_ICON = {"action": "▶", "registry": "▣", "model": "◆", "version": "·"}


def registry_entries(
    profiles: Iterable[Profile],
    connections: Connections,
    open_profile: Callable[[str], None],
    open_version: Callable[[str, str, str], None],
) -> list[Entry]:
    """Every registry, and every model and version its state holds."""
    out: list[Entry] = []
    for profile in profiles:
        pid = profile.id
        out.append(Entry("registry", profile.name, profile.kind, partial(open_profile, pid)))
        state = connections.states.get(pid)
        for name in sorted(state.models, key=str.lower):
            out.append(Entry("model", name, profile.name, partial(open_version, pid, name, "")))
            versions = state.versions.get(name, {})
            for number in sorted(versions, key=version_sort_key, reverse=True):
                go = partial(open_version, pid, name, number)
                out.append(Entry("version", f"{name} v{number}", profile.name, go))
    return out


def action_entries(bar: QMenuBar) -> list[Entry]:
    """Every menu action that can run now, by its menu path, with its shortcut."""
    return [
        Entry("action", path, action.shortcut().toString(), action.trigger)
        for path, action in menu_actions(bar)
        if action.isEnabled()
    ]


# Keys the widgets answer that no menu lists (Help ▸ Keyboard shortcuts shows both).
WIDGET_KEYS: tuple[tuple[str, str, str], ...] = (
    ("Tree", "Ctrl+F", "Filter the tree by name or @alias (Esc clears it)"),
    ("Tree", "F5", "Read the selected registry or model again"),
    ("Tree", "Shift+↑/↓, Ctrl/Shift+click", "Select several rows"),
    ("Tree", "Menu, Shift+F10", "The menu of the selected rows"),
    ("Tree", "→ / ←", "Expand / collapse a row"),
    ("Versions table", "Ctrl+A, Shift+↑/↓", "Select versions of the model"),
    ("Versions table", "Menu, Shift+F10", "The bulk menu of the selected versions"),
    ("Timeline", "← / →", "The moment one change back / on"),
    ("Timeline", "Home / End", "The first change / now"),
    ("Find", "↓, then Enter", "Into the results, open one in the tree"),
    ("Palette", "↑/↓, Enter, Esc", "Choose, go or run, close"),
    ("Dialogs", "Enter / Esc", "The default button / cancel"),
    ("Editors", "Ctrl+Return", "Save a description"),
)


class ShortcutsDialog(QDialog):
    """Every shortcut: the menus' (read from them, so none is missing) and the widgets' keys."""

    def __init__(self, bar: QMenuBar, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(640, 560)
        layout = QVBoxLayout(self)
        self.table = QTreeWidget()
        self.table.setObjectName("shortcutsList")
        self.table.setHeaderLabels(["Key", "Does", "Where"])
        self.table.setRootIsDecorated(False)
        self.table.setAlternatingRowColors(True)
        rows = [
            (action.shortcut().toString(), path, "Menu")
            for path, action in menu_actions(bar)
            if not action.shortcut().isEmpty()
        ]
        rows += [(keys, does, where) for where, keys, does in WIDGET_KEYS]
        for keys, does, where in rows:
            self.table.addTopLevelItem(QTreeWidgetItem([keys, does, where]))
        for column in range(3):
            self.table.resizeColumnToContents(column)
        layout.addWidget(self.table)
