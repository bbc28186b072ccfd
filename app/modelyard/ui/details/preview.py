"""The preview beside a version's file tree: text (lightly highlighted), a CSV head as a table,
an image, or a line saying why there is none."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QImage,
    QPixmap,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from modelyard.core.reads.download import human_bytes
from modelyard.core.reads.preview import Preview
from modelyard.ui.common.theme import is_dark

# (pattern, colour light, colour dark) per language; the first group is coloured when present.
RULES: dict[str, list[tuple[str, str, str]]] = {
    "yaml": [
        (r"^\s*(?:- )?([^\s:#][^:#]*):(?=\s|$)", "#1d4ed8", "#93c5fd"),
        (r"#.*$", "#64748b", "#94a3b8"),
        (r"'[^']*'|\"[^\"]*\"", "#15803d", "#86efac"),
    ],
    "json": [
        (r"(\"[^\"\\]*(?:\\.[^\"\\]*)*\")\s*:", "#1d4ed8", "#93c5fd"),
        (r":\s*(\"[^\"\\]*(?:\\.[^\"\\]*)*\")", "#15803d", "#86efac"),
        (r"\b(?:true|false|null)\b|-?\b\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b", "#b45309", "#fcd34d"),
    ],
    "python": [
        (
            r"\b(?:def|class|import|from|return|if|else|elif|for|while|with|as|in|not|and|or|"
            r"try|except|finally|raise|None|True|False|lambda|yield)\b",
            "#7c3aed",
            "#c4b5fd",
        ),
        (r"'[^']*'|\"[^\"]*\"", "#15803d", "#86efac"),
        (r"#.*$", "#64748b", "#94a3b8"),
    ],
    "ini": [
        (r"^\s*\[[^\]]+\]", "#7c3aed", "#c4b5fd"),
        (r"^\s*([\w.\-]+)\s*[=:]", "#1d4ed8", "#93c5fd"),
        (r"[#;].*$", "#64748b", "#94a3b8"),
    ],
}


class Highlighter(QSyntaxHighlighter):
    """A few regular expressions per language: keys, strings, numbers, comments."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self.rules: list[tuple[re.Pattern[str], QTextCharFormat]] = []

    def set_language(self, language: str) -> None:
        """Highlight as ``language`` ("" for none)."""
        dark = is_dark()
        self.rules = []
        for pattern, light_color, dark_color in RULES.get(language, []):
            style = QTextCharFormat()
            style.setForeground(QColor(dark_color if dark else light_color))
            self.rules.append((re.compile(pattern), style))
        self.rehighlight()

    def highlightBlock(self, text: str) -> None:  # overrides QSyntaxHighlighter
        """Colour one line."""
        for pattern, style in self.rules:
            for match in pattern.finditer(text):
                group = 1 if match.re.groups and match.group(1) is not None else 0
                start, end = match.span(group)
                self.setFormat(start, end - start, style)


class PreviewView(QWidget):
    """Shows one ``Preview``: a caption (name, size, what is shown) over the content."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.caption = QLabel("Select a file to preview it.")
        self.caption.setObjectName("muted")
        self.caption.setWordWrap(True)
        self.caption.setTextFormat(Qt.TextFormat.PlainText)  # file names are registry text
        layout.addWidget(self.caption)
        self.stack = QStackedWidget()
        self.text = QPlainTextEdit()
        self.text.setObjectName("previewText")
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.text.setFont(mono)
        self.highlighter = Highlighter(self.text.document())
        self.table = QTableWidget()
        self.table.setObjectName("previewTable")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setAlternatingRowColors(True)
        self.image = QLabel()
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.image)
        self.image_scroll = scroll
        self.empty = QLabel()
        self.empty.setObjectName("muted")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setTextFormat(Qt.TextFormat.PlainText)
        for widget in (self.empty, self.text, self.table, scroll):
            self.stack.addWidget(widget)
        layout.addWidget(self.stack, 1)
        self.shown: Preview | None = None

    def clear(self, message: str = "Select a file to preview it.") -> None:
        """Nothing previewed."""
        self.shown = None
        self.caption.setText(message)
        self.empty.setText("")
        self.stack.setCurrentWidget(self.empty)

    def loading(self, path: str) -> None:
        """A preview is being read."""
        self.caption.setText(f"{path} — reading…")

    def failed(self, path: str, message: str) -> None:
        """The file could not be read."""
        self.shown = None
        self.caption.setText(path)
        self.empty.setText(f"Could not preview: {message}")
        self.stack.setCurrentWidget(self.empty)

    def show_preview(self, preview: Preview) -> None:
        """Show what was read."""
        self.shown = preview
        size = f" · {human_bytes(preview.size)}" if preview.size is not None else ""
        note = f" · {preview.note}" if preview.note and preview.kind != "none" else ""
        self.caption.setText(f"{preview.path}{size}{note}")
        if preview.kind == "text":
            self.text.setPlainText(preview.text)
            self.highlighter.set_language(preview.language)
            self.stack.setCurrentWidget(self.text)
        elif preview.kind == "table":
            self._fill_table(preview)
            self.stack.setCurrentWidget(self.table)
        elif preview.kind == "image":
            image = QImage.fromData(preview.data)
            if image.isNull():
                self.empty.setText("This image format cannot be shown here.")
                self.stack.setCurrentWidget(self.empty)
                return
            self.image.setPixmap(QPixmap.fromImage(image))
            self.image.setToolTip(f"{image.width()} × {image.height()} px")
            self.stack.setCurrentWidget(self.image_scroll)
        else:
            self.empty.setText(preview.note)
            self.stack.setCurrentWidget(self.empty)

    def _fill_table(self, preview: Preview) -> None:
        header, *rows = preview.rows or ((),)
        columns = max([len(header), *(len(r) for r in rows)], default=0)
        self.table.clear()
        self.table.setColumnCount(columns)
        self.table.setRowCount(len(rows))
        self.table.setHorizontalHeaderLabels([*header, *("" for _ in range(columns - len(header)))])
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                item = QTableWidgetItem(value)
                item.setToolTip(value)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
