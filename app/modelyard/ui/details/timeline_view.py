"""A model's timeline (#28): which version held each stage and each alias over time, as lanes;
a moment picked on it (click, the arrow keys, the date field, or an event of the history) says
what held what then, and "Restore to this point" puts one stage or alias back as it was, as a
promotion (the pane's promotion flow: confirmation, conflict check, recorded in the history).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from PySide6.QtCore import QDateTime, QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFocusEvent,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from modelyard.core.model.domain import Stage, StageEvent, VersionSummary
from modelyard.core.reads.timeline import (
    Moment,
    Restore,
    Span,
    lanes,
    plan_restore,
    spans,
    stages_of,
    state_at,
)
from modelyard.ui.common.menu_text import literal
from modelyard.ui.common.plain import plain_tooltip
from modelyard.ui.common.theme import tone_color
from modelyard.ui.details.widgets import when
from modelyard.ui.tree.tree_model import STAGE_COLORS

ALIAS_COLOR = "#7c3aed"
LANE_HEIGHT = 22
LABEL_WIDTH = 96
AXIS_HEIGHT = 18


def lane_color(what: str) -> QColor:
    if what.startswith("@"):
        return QColor(ALIAS_COLOR)
    try:
        return QColor(STAGE_COLORS[Stage.parse(what)])
    except ValueError:
        return QColor(STAGE_COLORS[Stage.NONE])


def _now() -> datetime:
    return datetime.now(UTC)


class TimelineChart(QWidget):
    """Lanes of held stretches, oldest at the left, now at the right; a line at the moment.

    Signals:
        momentChosen(object): a datetime picked by a click or a key.
    """

    momentChosen = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timelineChart")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Timeline of stages and aliases")
        self.spans: tuple[Span, ...] = ()
        self.lanes: tuple[str, ...] = ()
        self.start = self.end = _now()
        self.moment: datetime | None = None
        self.setMouseTracking(True)

    def set_spans(self, all_spans: Sequence[Span], first: datetime | None, now: datetime) -> None:
        self.spans = tuple(all_spans)
        self.lanes = lanes(self.spans)
        starts = [s.start for s in self.spans if s.start is not None]
        self.start = min([*starts, *([first] if first else [])], default=now)
        self.end = max(now, self.start)
        # a little room before the first change, so that its bar starts visibly
        whole = max(1.0, (self.end - self.start).total_seconds())
        self.start = datetime.fromtimestamp(self.start.timestamp() - whole * 0.03, UTC)
        self.setFixedHeight(max(1, len(self.lanes)) * LANE_HEIGHT + AXIS_HEIGHT + 8)
        self.update()

    def set_moment(self, moment: datetime | None) -> None:
        self.moment = moment
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(480, max(1, len(self.lanes)) * LANE_HEIGHT + AXIS_HEIGHT + 8)

    # --- geometry ---------------------------------------------------------------------------
    def _x(self, moment: datetime | None) -> float:
        left, right = LABEL_WIDTH, max(LABEL_WIDTH + 1, self.width() - 8)
        if moment is None:
            return float(left)
        whole = (self.end - self.start).total_seconds() or 1.0
        part = (moment - self.start).total_seconds() / whole
        return left + max(0.0, min(1.0, part)) * (right - left)

    def _time(self, x: float) -> datetime:
        left, right = LABEL_WIDTH, max(LABEL_WIDTH + 1, self.width() - 8)
        part = max(0.0, min(1.0, (x - left) / (right - left)))
        whole = (self.end - self.start).total_seconds()
        return datetime.fromtimestamp(self.start.timestamp() + part * whole, UTC)

    def _bar(self, span: Span) -> QRectF:
        row = self.lanes.index(span.what)
        x0, x1 = self._x(span.start), self._x(span.end or self.end)
        return QRectF(x0, 4 + row * LANE_HEIGHT + 3, max(2.0, x1 - x0), LANE_HEIGHT - 6)

    def changes(self) -> list[datetime]:
        """Every moment something changed hands, oldest first."""
        points = {s.start for s in self.spans if s.start} | {s.end for s in self.spans if s.end}
        return sorted(points)

    # --- painting ---------------------------------------------------------------------------
    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.WindowText)
        muted = tone_color("muted")
        if not self.lanes:
            painter.setPen(muted)
            painter.drawText(
                self.rect(), Qt.AlignmentFlag.AlignCenter, "No version has held a stage or alias"
            )
            return
        for row, what in enumerate(self.lanes):
            y = 4 + row * LANE_HEIGHT
            painter.setPen(lane_color(what))
            painter.drawText(
                QRectF(4, y, LABEL_WIDTH - 8, LANE_HEIGHT),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                what,
            )
        shade = 0
        previous = ""
        for span in self.spans:
            shade = shade + 1 if span.what == previous else 0
            previous = span.what
            rect = self._bar(span)
            color = lane_color(span.what)
            color = color.lighter(100 + 25 * (shade % 2))
            if not span.exact or span.start is None:
                color.setAlpha(120)  # since when is only "at least"
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QBrush(color))
            painter.drawRoundedRect(rect, 3, 3)
            label = f"v{span.version}"
            if rect.width() > painter.fontMetrics().horizontalAdvance(label) + 6:
                painter.setPen(QColor("#111827" if color.lightness() > 160 else "white"))
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, label)
        axis_y = 4 + len(self.lanes) * LANE_HEIGHT
        painter.setPen(QPen(muted))
        painter.drawLine(QPointF(LABEL_WIDTH, axis_y), QPointF(self.width() - 8, axis_y))
        for moment, align in (
            (self.start, Qt.AlignmentFlag.AlignLeft),
            (self.end, Qt.AlignmentFlag.AlignRight),
        ):
            x = self._x(moment)
            box = QRectF(x if align == Qt.AlignmentFlag.AlignLeft else x - 160, axis_y + 1, 160, 16)
            painter.drawText(box, align | Qt.AlignmentFlag.AlignVCenter, when(moment))
        if self.moment is not None:
            x = self._x(self.moment)
            pen = QPen(palette.color(QPalette.ColorRole.Highlight) if self.hasFocus() else text)
            pen.setWidthF(2.0)
            painter.setPen(pen)
            painter.drawLine(QPointF(x, 2), QPointF(x, axis_y))

    # --- input ------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and event.position().x() >= LABEL_WIDTH:
            self.momentChosen.emit(self._snap(self._time(event.position().x())))
            return
        super().mousePressEvent(event)

    def _snap(self, moment: datetime) -> datetime:
        """A click a few pixels from a change means the change."""
        points = self.changes()
        near = [p for p in points if abs(self._x(p) - self._x(moment)) <= 4]
        return min(near, key=lambda p: abs(p - moment)) if near else moment

    def keyPressEvent(self, event: QKeyEvent) -> None:
        points = self.changes()
        at = self.moment or self.end
        key = event.key()
        if key == Qt.Key.Key_Left:
            earlier = [p for p in points if p < at]
            if earlier:
                self.momentChosen.emit(earlier[-1])
        elif key == Qt.Key.Key_Right:
            later = [p for p in points if p > at]
            self.momentChosen.emit(later[0] if later else None)  # past the last change: now
        elif key == Qt.Key.Key_Home and points:
            self.momentChosen.emit(points[0])
        elif key == Qt.Key.Key_End:
            self.momentChosen.emit(None)  # now, and it moves on as the model changes
        else:
            super().keyPressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.update()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.update()

    def span_at(self, x: float, y: float) -> Span | None:
        return next((s for s in self.spans if self._bar(s).contains(QPointF(x, y))), None)

    def event(self, event: QEvent) -> bool:
        if isinstance(event, QHelpEvent):
            span = self.span_at(event.pos().x(), event.pos().y())
            if span is None:
                QToolTip.hideText()
            else:
                since = when(span.start) if span.start else "before the record"
                if span.start and not span.exact:
                    since = f"at least since {since}"
                until = when(span.end) if span.end else "now"
                words = f"{span.what}: v{span.version}\n{since} → {until}"
                QToolTip.showText(event.globalPos(), plain_tooltip(words), self)
            return True
        return super().event(event)


class TimelinePanel(QWidget):
    """The chart, the moment, what held what then, and "Restore to this point".

    Signals:
        restoreRequested(object, object): a :class:`Restore` plan and the moment (datetime).
    """

    restoreRequested = Signal(object, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timelinePanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        label = QLabel("What held what at")
        self.when = QDateTimeEdit()
        self.when.setObjectName("timelineMoment")
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.when.setCalendarPopup(True)
        label.setBuddy(self.when)
        self.now_button = QPushButton("Now")
        self.now_button.setToolTip("The moment back to now (End on the timeline)")
        self.restore_button = QPushButton("Restore to this point")
        self.restore_button.setObjectName("restoreButton")
        self.restore_menu = QMenu(self.restore_button)
        self.restore_button.setMenu(self.restore_menu)
        row.addWidget(label)
        row.addWidget(self.when)
        row.addWidget(self.now_button)
        row.addStretch(1)
        row.addWidget(self.restore_button)
        layout.addLayout(row)
        self.chart = TimelineChart()
        layout.addWidget(self.chart)
        self.then = QLabel()
        self.then.setObjectName("timelineThen")
        self.then.setWordWrap(True)
        self.then.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.then)
        self.versions: tuple[VersionSummary, ...] = ()
        self.events: tuple[StageEvent, ...] = ()
        self.aliases: dict[str, str] = {}
        self.moment: Moment | None = None
        self.model = ""  # the model shown
        self.picked: datetime | None = None  # the moment picked (None: now)
        self.restorable: list[Restore] = []
        self.chart.momentChosen.connect(self.set_moment)
        self.when.dateTimeChanged.connect(self._edited)
        self.now_button.clicked.connect(lambda: self.set_moment(None))

    def set_model(
        self,
        versions: Sequence[VersionSummary],
        events: Sequence[StageEvent],
        aliases_now: Mapping[str, str],
    ) -> None:
        """A model shown (or re-read): the lanes, and the moment picked on this model kept
        (none picked: now, which moves on as the model changes)."""
        model = versions[0].model if versions else ""
        if model != self.model:
            self.model, self.picked = model, None  # another model: from now
        self.versions, self.events, self.aliases = tuple(versions), tuple(events), dict(aliases_now)
        created = [v.created for v in self.versions if v.created is not None]
        self.chart.set_spans(
            spans(versions, events, aliases_now), min(created, default=None), _now()
        )
        self.set_moment(self.picked)

    def set_moment(self, at: object) -> None:
        """What held what at ``at`` (a datetime; None: now), and what can be put back."""
        self.picked = at if isinstance(at, datetime) else None
        moment_at = at if isinstance(at, datetime) else _now()
        self.moment = state_at(self.versions, self.events, self.aliases, moment_at)
        self.chart.set_moment(moment_at if isinstance(at, datetime) else None)
        self.when.blockSignals(True)
        self.when.setDateTime(QDateTime.fromSecsSinceEpoch(int(moment_at.timestamp())))
        self.when.blockSignals(False)
        held = [h.describe() for h in self.moment.held if h.what != "Archived"]
        archived = [f"v{h.version}" for h in self.moment.held if h.what == "Archived"]
        if archived:  # one line: archived versions are many and hold nothing
            held.append(f"Archived: {', '.join(archived)}")
        held = held or ["no version held a stage or alias"]
        stamp = moment_at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
        lines = [f"<b>At {stamp}</b>", *held, *(f"? {u}" for u in self.moment.unknown)]
        self.then.setText(
            "<br>".join(html.escape(line) if i else line for i, line in enumerate(lines))
        )
        self._fill_restore()

    def _edited(self, value: QDateTime) -> None:
        self.set_moment(datetime.fromtimestamp(value.toSecsSinceEpoch(), UTC))

    def _fill_restore(self) -> None:
        self.restore_menu.clear()
        self.restorable = []
        assert self.moment is not None
        whats = list(dict.fromkeys([*self.chart.lanes, *(f"@{a}" for a in self.aliases)]))
        for what in whats:
            if what == "Archived":
                continue  # archiving is not a holder to put back
            plan = plan_restore(self.moment, what, self.aliases, stages_of(self.versions))
            if plan.idle:
                action = self.restore_menu.addAction(literal(f"{what}: {plan.idle}"))
                action.setEnabled(False)
                continue
            self.restorable.append(plan)
            action = self.restore_menu.addAction(literal(restore_text(plan, self.aliases)))
            action.triggered.connect(
                lambda _checked=False, p=plan: self.restoreRequested.emit(p, self.moment_at())
            )
        self.restore_button.setEnabled(bool(self.restorable))
        self.restore_button.setToolTip(
            "Put a stage or an alias back as it was at this moment (shown as a promotion first)"
            if self.restorable
            else "Every stage and alias is as it was at this moment"
        )

    def moment_at(self) -> datetime:
        return self.moment.at if self.moment is not None else _now()


def restore_text(plan: Restore, aliases_now: Mapping[str, str]) -> str:
    """The menu's words for one restore."""
    if plan.kind == "remove-alias":
        return f"{plan.what}: remove it (it was not set then; now on v{plan.version})"
    if plan.kind == "alias":
        now = aliases_now.get(plan.value)
        return f"{plan.what} → v{plan.version}" + (f" (now on v{now})" if now else "")
    return f"{plan.what} → v{plan.version}, archiving what holds it now"
