"""Version cards of the promotion board, painted by a delegate.

A card shows the version and its aliases, the key metric of its source run, the run, who
created it and when; open transition requests sit at the bottom of the card with Approve /
Reject (for people who may decide) or Withdraw (for the requester) buttons. Cards the current
identity may not move are drawn muted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import (
    QListView,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from modelyard.core.actions.board import format_metric
from modelyard.core.model.domain import TransitionRequest, VersionSummary
from modelyard.core.reads.history import humanize_age
from modelyard.ui.board.lanes import VERSION_ROLE
from modelyard.ui.common.plain import plain_tooltip
from modelyard.ui.common.theme import is_dark
from modelyard.ui.tree.tree_model import STAGE_COLORS

CARD_ROLE = Qt.ItemDataRole.UserRole + 1
PAD = 7
LINE_GAP = 2
BUTTON_HEIGHT = 22
ACTION_LABELS = {"approve": "Approve", "reject": "Reject", "withdraw": "Withdraw"}
ACTION_COLORS = {"approve": "#15803d", "reject": "#b91c1c", "withdraw": "#475569"}
Index = QModelIndex | QPersistentModelIndex
WRAP = int(Qt.TextFlag.TextWordWrap)
LIGHT_CARD = {
    "card": "#ffffff",
    "locked": "#f8fafc",
    "selected": "#dbeafe",
    "border": "#e2e8f0",
    "focus": "#2563eb",
    "text": "#0f172a",
    "muted": "#64748b",
    "alias": "#7c3aed",
    "request": "#fef3c7",
    "requestText": "#92400e",
}
DARK_CARD = {
    "card": "#1e293b",
    "locked": "#172032",
    "selected": "#1e3a8a",
    "border": "#334155",
    "focus": "#60a5fa",
    "text": "#e2e8f0",
    "muted": "#94a3b8",
    "alias": "#c4b5fd",
    "request": "#422006",
    "requestText": "#fcd34d",
}


@dataclass(frozen=True)
class Card:
    """What one card shows and which request buttons it offers."""

    version: VersionSummary
    metric: tuple[str, float] | None = None
    requests: tuple[TransitionRequest, ...] = ()
    actions: tuple[tuple[str, ...], ...] = ()  # per request: "approve", "reject", "withdraw"
    locked: bool = False  # the current identity may not move this version
    lock_reason: str = ""
    digits: int = 3  # significant digits of the metric: enough to tell the cards apart

    def text(self) -> str:
        """The card as plain text (accessibility, tooltips, tests)."""
        v = self.version
        lines = [f"v{v.version}  " + " ".join("@" + a for a in v.aliases)]
        if self.metric:
            lines.append(f"{self.metric[0]} {format_metric(self.metric[1], self.digits)}")
        lines.append(f"run {v.run_id[:8]}" if v.run_id else "no run")
        for r in self.requests:
            lines.append(f"requested → {r.to_stage.value} by {r.requester or 'someone'}")
        return "\n".join(line.rstrip() for line in lines)

    def tooltip(self) -> str:
        """Who made the version, its open requests, and what the user may do with the card."""
        v = self.version
        tip = [f"{v.model} v{v.version} — {v.stage.value}", f"created by {v.creator or '—'}"]
        tip += [
            f"open request: {r.describe()} — {r.comment or 'no comment'}" for r in self.requests
        ]
        tip.append(self.lock_reason or "Drag onto a stage or an alias, or press the Menu key.")
        return "\n".join(tip)

    def item(self) -> QListWidgetItem:
        """The card as a lane's row (not draggable when locked)."""
        item = QListWidgetItem(self.text())
        item.setData(VERSION_ROLE, self.version.version)
        item.setData(CARD_ROLE, self)
        if self.locked:
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsDragEnabled)
        item.setToolTip(plain_tooltip(self.tooltip()))
        return item


def _aliases(v: VersionSummary) -> str:
    return " ".join("@" + a for a in v.aliases)


def _metric_text(card: Card) -> str:
    assert card.metric is not None
    return f"{card.metric[0]} {format_metric(card.metric[1], card.digits)}"


def card_colors() -> dict[str, str]:
    """The card palette for the current colour scheme."""
    return DARK_CARD if is_dark() else LIGHT_CARD


def _age(v: VersionSummary) -> str:
    if v.created is None:
        return ""
    return f"{humanize_age(datetime.now(tz=UTC) - v.created)} ago"


class CardDelegate(QStyledItemDelegate):
    """Paints cards and turns clicks on their request buttons into ``on_action`` calls."""

    def __init__(
        self,
        on_action: Callable[[TransitionRequest, str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.on_action = on_action

    # geometry --------------------------------------------------------------------------------
    @staticmethod
    def _fonts(base: QFont) -> tuple[QFont, QFont]:
        bold = QFont(base)
        bold.setBold(True)
        small = QFont(base)
        small.setPointSizeF(max(base.pointSizeF() - 1, 7.0))
        return bold, small

    def _line_height(self, font: QFont) -> int:
        return QFontMetrics(font).height() + LINE_GAP

    def _request_height(self, font: QFont, actions: tuple[str, ...]) -> int:
        _, small = self._fonts(font)
        lines = 2 * self._line_height(small)
        return lines + (BUTTON_HEIGHT + 4 if actions else 0) + 8

    @staticmethod
    def _wrapped(font: QFont, width: int, text: str) -> int:
        """The height of ``text`` wrapped at word boundaries (or anywhere in a long word)."""
        box = QRect(0, 0, max(width, 1), 100_000)
        return QFontMetrics(font).boundingRect(box, WRAP, text).height() + LINE_GAP

    def _text_width(self, option: QStyleOptionViewItem) -> int:
        """The width the card's text wraps in: the lane's, less the card's margins."""
        widget = option.widget
        width = option.rect.width()
        if isinstance(widget, QListView):
            width = widget.viewport().width() - 2 * widget.spacing()
        return max(width - 4 - 2 * PAD - 2, 40)

    def _lines(self, card: Card, font: QFont, width: int) -> list[tuple[str, int]]:
        """The wrapped lines under the title: (what, height) — metric, then the run line."""
        _bold, small = self._fonts(font)
        out: list[tuple[str, int]] = []
        if card.metric:
            out.append(("metric", self._wrapped(small, width, _metric_text(card))))
        out.append(("run", self._line_height(small)))
        out.append(("who", self._line_height(small)))
        return out

    def _title_height(self, card: Card, font: QFont, width: int) -> int:
        bold, small = self._fonts(font)
        title = f"v{card.version.version}"
        aliases = _aliases(card.version)
        if not aliases:
            return self._line_height(bold)
        room = width - QFontMetrics(bold).horizontalAdvance(title) - 6
        return max(self._line_height(bold), self._wrapped(small, room, aliases))

    def card_height(self, font: QFont) -> int:
        """A plain card's height (an empty alias lane is one card high)."""
        bold, small = self._fonts(font)
        return PAD * 2 + self._line_height(bold) + 3 * self._line_height(small) + 4

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:  # overrides
        """The title (aliases wrap), the metric (wraps), run and creator lines, then a block
        per open request: nothing is cut off."""
        card = index.data(CARD_ROLE)
        if not isinstance(card, Card):
            return super().sizeHint(option, index)
        width = self._text_width(option)
        height = PAD * 2 + self._title_height(card, option.font, width) + 4
        height += sum(h for _what, h in self._lines(card, option.font, width))
        for actions in card.actions:
            height += self._request_height(option.font, actions) + 4
        return QSize(120, height)

    def _requests_top(self, rect: QRect, font: QFont, card: Card) -> int:
        width = rect.width() - 2 * PAD - 2
        y = rect.top() + PAD + self._title_height(card, font, width)
        return y + sum(h for _what, h in self._lines(card, font, width))

    def button_rects(
        self, rect: QRect, font: QFont, card: Card
    ) -> list[tuple[QRect, TransitionRequest, str]]:
        """Where each request button of ``card`` is drawn, for a card painted in ``rect``."""
        _bold, small = self._fonts(font)
        y = self._requests_top(rect, font, card)
        out: list[tuple[QRect, TransitionRequest, str]] = []
        inner = rect.adjusted(PAD + 5, 0, -PAD - 5, 0)
        for request, actions in zip(card.requests, card.actions, strict=True):
            block_top = y + 4
            buttons_top = block_top + 5 + 2 * self._line_height(small)
            if actions:
                width = (inner.width() - 4 * (len(actions) - 1)) // len(actions)
                for i, action in enumerate(actions):
                    left = inner.left() + i * (width + 4)
                    out.append((QRect(left, buttons_top, width, BUTTON_HEIGHT), request, action))
            y = block_top + self._request_height(font, actions)
        return out

    # painting --------------------------------------------------------------------------------
    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        """The card: accent bar in the stage colour, title with aliases, metric, run and who,
        request blocks; a focus ring on the keyboard's card."""
        card = index.data(CARD_ROLE)
        if not isinstance(card, Card):
            super().paint(painter, option, index)
            return
        rect: QRect = option.rect.adjusted(2, 2, -2, -2)
        font: QFont = option.font
        state = option.state
        selected = bool(state & QStyle.StateFlag.State_Selected)
        widget = option.widget
        focused = bool(state & QStyle.StateFlag.State_HasFocus) and (
            widget is not None and widget.hasFocus()
        )
        colors = card_colors()
        v = card.version
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        background = colors["selected"] if selected else colors["locked" if card.locked else "card"]
        painter.setPen(
            QPen(QColor(colors["focus"] if focused else colors["border"]), 2 if focused else 1)
        )
        painter.setBrush(QColor(background))
        painter.drawRoundedRect(rect, 6, 6)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(STAGE_COLORS[v.stage]))
        painter.drawRoundedRect(QRect(rect.left(), rect.top(), 4, rect.height()), 2, 2)

        bold, small = self._fonts(font)
        inner = rect.adjusted(PAD + 2, PAD, -PAD, -PAD)
        text_color = QColor(colors["muted"] if card.locked else colors["text"])
        muted = QColor(colors["muted"])
        y = inner.top()
        painter.setFont(bold)
        painter.setPen(text_color)
        title = f"v{v.version}"
        metrics_bold = QFontMetrics(bold)
        painter.drawText(QRect(inner.left(), y, inner.width(), metrics_bold.height()), 0, title)
        aliases = _aliases(v)
        if aliases:
            left = inner.left() + metrics_bold.horizontalAdvance(title) + 6
            painter.setFont(small)
            painter.setPen(QColor(colors["alias"]))
            space = max(inner.right() - left, 1)
            painter.drawText(QRect(left, y + 1, space, 10_000), WRAP, aliases)
        y += self._title_height(card, font, inner.width())
        painter.setFont(small)
        fm = QFontMetrics(small)
        for what, height in self._lines(card, font, inner.width()):
            if what == "metric":
                painter.setPen(text_color)
                painter.drawText(
                    QRect(inner.left(), y, inner.width(), height), WRAP, _metric_text(card)
                )
            else:
                line = (
                    (f"run {v.run_id[:8]}" if v.run_id else "no run")
                    if what == "run"
                    else " · ".join(p for p in (v.creator, _age(v)) if p) or "—"
                )
                painter.setPen(text_color if what == "run" else muted)
                painter.drawText(
                    QRect(inner.left(), y, inner.width(), fm.height()),
                    0,
                    fm.elidedText(line, Qt.TextElideMode.ElideMiddle, inner.width()),
                )
            y += height
        buttons = self.button_rects(rect, font, card)
        for request, actions in zip(card.requests, card.actions, strict=True):
            block = QRect(
                rect.left() + PAD,
                y + 4,
                rect.width() - 2 * PAD,
                self._request_height(font, actions),
            )
            painter.setPen(QPen(QColor("#f59e0b")))
            painter.setBrush(QColor(colors["request"]))
            painter.drawRoundedRect(block, 4, 4)
            text_box = block.adjusted(5, 3, -5, 0)
            painter.setPen(QColor(colors["requestText"]))
            who = request.requester.split("@", 1)[0] or "someone"
            first = f"→ {request.to_stage.value} · {who}"
            painter.drawText(
                QRect(text_box.left(), text_box.top(), text_box.width(), fm.height()),
                0,
                fm.elidedText(first, Qt.TextElideMode.ElideRight, text_box.width()),
            )
            comment = f"“{request.comment}”" if request.comment else "no comment"
            painter.drawText(
                QRect(
                    text_box.left(),
                    text_box.top() + self._line_height(small),
                    text_box.width(),
                    fm.height(),
                ),
                0,
                fm.elidedText(comment, Qt.TextElideMode.ElideRight, text_box.width()),
            )
            y = block.top() + block.height()
        for button, _request, action in buttons:
            color = QColor(ACTION_COLORS[action])
            painter.setPen(QPen(color))
            painter.setBrush(color if action == "approve" else QColor(colors["card"]))
            painter.drawRoundedRect(button, 4, 4)
            painter.setPen(QColor("#ffffff") if action == "approve" else color)
            painter.drawText(
                button,
                int(Qt.AlignmentFlag.AlignCenter),
                ACTION_LABELS[action],
            )
        painter.restore()

    # clicks on request buttons -------------------------------------------------------------------
    def editorEvent(  # overrides QStyledItemDelegate.editorEvent
        self,
        event: QEvent,
        model: object,
        option: QStyleOptionViewItem,
        index: Index,
    ) -> bool:
        """A click on a request button runs its action (and does not start a drag)."""
        card = index.data(CARD_ROLE)
        if not isinstance(card, Card) or not card.requests:
            return False
        if event.type() not in (
            QEvent.Type.MouseButtonPress,
            QEvent.Type.MouseButtonRelease,
            QEvent.Type.MouseButtonDblClick,
        ):
            return False
        assert isinstance(event, QMouseEvent)
        rect: QRect = option.rect.adjusted(2, 2, -2, -2)
        point = event.position().toPoint()
        for button, request, action in self.button_rects(rect, option.font, card):
            if button.contains(point):
                if event.type() == QEvent.Type.MouseButtonRelease:
                    self.on_action(request, action)
                return True
        return False
