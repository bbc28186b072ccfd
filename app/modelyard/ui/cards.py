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
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from modelyard.core.board import format_metric
from modelyard.core.domain import TransitionRequest, VersionSummary
from modelyard.core.history import humanize_age
from modelyard.ui.tree_model import STAGE_COLORS

CARD_ROLE = Qt.ItemDataRole.UserRole + 1
PAD = 7
LINE_GAP = 2
BUTTON_HEIGHT = 22
ACTION_LABELS = {"approve": "Approve", "reject": "Reject", "withdraw": "Withdraw"}
ACTION_COLORS = {"approve": "#15803d", "reject": "#b91c1c", "withdraw": "#475569"}
Index = QModelIndex | QPersistentModelIndex


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

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:  # overrides
        """Three lines, plus a block per open request."""
        card = index.data(CARD_ROLE)
        if not isinstance(card, Card):
            return super().sizeHint(option, index)
        bold, small = self._fonts(option.font)
        height = PAD * 2 + self._line_height(bold) + 2 * self._line_height(small)
        for actions in card.actions:
            height += self._request_height(option.font, actions) + 4
        return QSize(120, height)

    def button_rects(
        self, rect: QRect, font: QFont, card: Card
    ) -> list[tuple[QRect, TransitionRequest, str]]:
        """Where each request button of ``card`` is drawn, for a card painted in ``rect``."""
        bold, small = self._fonts(font)
        y = rect.top() + PAD + self._line_height(bold) + 2 * self._line_height(small)
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
        """The card: accent bar in the stage colour, three lines, request blocks."""
        card = index.data(CARD_ROLE)
        if not isinstance(card, Card):
            super().paint(painter, option, index)
            return
        rect: QRect = option.rect.adjusted(2, 2, -2, -2)
        font: QFont = option.font
        state = option.state
        selected = bool(state & QStyle.StateFlag.State_Selected)
        v = card.version
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        background = "#dbeafe" if selected else ("#f8fafc" if card.locked else "#ffffff")
        border = "#93c5fd" if selected else "#e2e8f0"
        painter.setPen(QPen(QColor(border)))
        painter.setBrush(QColor(background))
        painter.drawRoundedRect(rect, 6, 6)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(STAGE_COLORS[v.stage]))
        painter.drawRoundedRect(QRect(rect.left(), rect.top(), 4, rect.height()), 2, 2)

        bold, small = self._fonts(font)
        inner = rect.adjusted(PAD + 2, PAD, -PAD, -PAD)
        text_color = QColor("#94a3b8" if card.locked else "#0f172a")
        muted = QColor("#64748b")
        y = inner.top()
        painter.setFont(bold)
        painter.setPen(text_color)
        title = f"v{v.version}"
        metrics_bold = QFontMetrics(bold)
        painter.drawText(QRect(inner.left(), y, inner.width(), metrics_bold.height()), 0, title)
        aliases = " ".join("@" + a for a in v.aliases)
        if aliases:
            left = inner.left() + metrics_bold.horizontalAdvance(title) + 6
            painter.setFont(small)
            painter.setPen(QColor("#7c3aed"))
            space = max(inner.right() - left, 0)
            painter.drawText(
                QRect(left, y + 1, space, metrics_bold.height()),
                0,
                QFontMetrics(small).elidedText(aliases, Qt.TextElideMode.ElideRight, space),
            )
        y += self._line_height(bold)
        painter.setFont(small)
        fm = QFontMetrics(small)
        run = f"run {v.run_id[:8]}" if v.run_id else "no run"
        if card.metric:
            name, value = card.metric
            line2 = f"{name} {format_metric(value, card.digits)} · {run}"
        else:
            line2 = run
        painter.setPen(text_color)
        painter.drawText(
            QRect(inner.left(), y, inner.width(), fm.height()),
            0,
            fm.elidedText(line2, Qt.TextElideMode.ElideRight, inner.width()),
        )
        y += self._line_height(small)
        line3 = " · ".join(p for p in (v.creator, _age(v)) if p) or "—"
        painter.setPen(muted)
        painter.drawText(
            QRect(inner.left(), y, inner.width(), fm.height()),
            0,
            fm.elidedText(line3, Qt.TextElideMode.ElideRight, inner.width()),
        )
        y += self._line_height(small)
        buttons = self.button_rects(rect, font, card)
        for request, actions in zip(card.requests, card.actions, strict=True):
            block = QRect(
                rect.left() + PAD,
                y + 4,
                rect.width() - 2 * PAD,
                self._request_height(font, actions),
            )
            painter.setPen(QPen(QColor("#f59e0b")))
            painter.setBrush(QColor("#fef3c7"))
            painter.drawRoundedRect(block, 4, 4)
            text_box = block.adjusted(5, 3, -5, 0)
            painter.setPen(QColor("#92400e"))
            who = request.requester.split("@", 1)[0] or "someone"
            first = f"→ {request.to_stage.value} · {who}"
            painter.drawText(
                QRect(text_box.left(), text_box.top(), text_box.width(), fm.height()),
                0,
                fm.elidedText(first, Qt.TextElideMode.ElideRight, text_box.width()),
            )
            comment = f"“{request.comment}”" if request.comment else "no comment"
            painter.setPen(QColor("#78350f"))
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
            painter.setBrush(color if action == "approve" else QColor("#ffffff"))
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
