"""Saved searches above the tree (#29): one button per saved search (the first few; the rest
in a menu), like smart folders; choosing one puts its query in the filter box and reads every
registry, its results shown in place of the tree."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QToolButton, QWidget

from modelyard.core.reads.saved import SavedSearch
from modelyard.ui.common.menu_text import literal
from modelyard.ui.common.plain import plain_tooltip

SHOWN = 4  # buttons; the others are in "More ▾"


class SavedBar(QWidget):
    """Hidden while nothing is saved.

    Signals:
        chosen(str): the query of the saved search chosen.
    """

    chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("savedSearchesBar")
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(0, 0, 0, 0)
        self.row.setSpacing(4)
        self.buttons: list[QToolButton] = []
        self.searches: list[SavedSearch] = []  # as last read (the palette lists them too)
        self.hide()

    def set_searches(self, searches: Sequence[SavedSearch]) -> None:
        self.searches = list(searches)
        while self.row.count():
            item = self.row.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.buttons = []
        if not searches:
            self.hide()
            return
        label = QLabel("Saved:")
        label.setObjectName("muted")
        self.row.addWidget(label)
        for search in searches[:SHOWN]:
            self.buttons.append(self._button(search.name, search.query, self.row.addWidget))
        rest = list(searches[SHOWN:])
        if rest:
            more = QToolButton()
            more.setText(f"More ({len(rest)}) ▾")
            more.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
            menu = QMenu(more)
            for search in rest:
                action = menu.addAction(literal(search.name))
                action.setToolTip(plain_tooltip(search.query))
                action.triggered.connect(lambda _c=False, q=search.query: self.chosen.emit(q))
            more.setMenu(menu)
            self.row.addWidget(more)
        self.row.addStretch(1)
        self.show()

    def _button(self, name: str, query: str, add: Callable[[QWidget], None]) -> QToolButton:
        button = QToolButton()
        button.setText(literal(name))
        button.setToolTip(
            plain_tooltip(f"{query}\n(a saved search: its results in place of the tree)")
        )
        button.setAutoRaise(False)
        button.clicked.connect(lambda _c=False: self.chosen.emit(query))
        add(button)
        return button
