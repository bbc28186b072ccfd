"""The rows of the registry tree: what a node is (profile, model, version), its place, and
how its cells are written from the registry state — text, icons, tooltips and the search text,
computed once per change, never per paint."""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QPainter,
    QStandardItem,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolTip,
)

from modelyard.core.model.domain import ModelSummary, Stage, VersionSummary, version_sort_key
from modelyard.core.model.errors import ErrorKind
from modelyard.core.model.state import RegistryState
from modelyard.core.profiles.profile import Profile
from modelyard.core.reads.history import humanize_age
from modelyard.ui.common import icons
from modelyard.ui.common.plain import plain_tooltip
from modelyard.ui.common.theme import stage_text_color, tone_color
from modelyard.ui.common.workers import Job

STAGE_COLORS = {
    Stage.NONE: "#6b7280",
    Stage.STAGING: "#b45309",
    Stage.PRODUCTION: "#15803d",
    Stage.ARCHIVED: "#9ca3af",
}


class Column(enum.IntEnum):
    """Columns of the tree."""

    NAME = 0
    STAGE = 1
    ALIASES = 2
    INFO = 3


HEADERS = {
    Column.NAME: "Name",
    Column.STAGE: "Stage",
    Column.ALIASES: "Aliases",
    Column.INFO: "Info",
}


class NodeKind(enum.Enum):
    """What a node stands for."""

    ROOT = "root"
    PROFILE = "profile"
    MODEL = "model"
    VERSION = "version"


ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
DRAG_FLAGS = ROW_FLAGS | Qt.ItemFlag.ItemIsDragEnabled
DROP_FLAGS = ROW_FLAGS | Qt.ItemFlag.ItemIsDropEnabled  # a version dropped here is copied
ROW_FLAGS_OF = {  # versions drag; models drag (a sync) and take versions; registries take both
    "version": DRAG_FLAGS,
    "model": DRAG_FLAGS | DROP_FLAGS,
    "profile": DROP_FLAGS,
    "root": DROP_FLAGS,
}
NODE_ROLE = Qt.ItemDataRole.UserRole + 1
COLUMN_COUNT = len(Column)
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 3  # what the filter matches: "name @alias @alias"
LABEL_ROLE = Qt.ItemDataRole.UserRole + 4  # a registry's environment label and colour


Payload = Profile | ModelSummary | VersionSummary | None  # by level: profile, model, version


class Loading:
    """How a row's children are read: ``opened``: they follow the state (it was expanded);
    ``all_fetched``: a complete live listing of them arrived (or, offline, the last-seen one is
    shown); the read in flight (``job``), why the last one failed, when it is tried again."""

    __slots__ = (
        "all_fetched",
        "error",
        "error_kind",
        "fetching",
        "job",
        "offline",
        "opened",
        "placeholder",
        "retry_s",
        "unsubscribe",
    )

    def __init__(self, *, all_fetched: bool = False) -> None:
        self.all_fetched = all_fetched
        self.opened = False
        self.fetching = False
        self.error: str | None = None
        self.error_kind: ErrorKind | None = None  # why it failed (chooses the advice)
        self.offline: str | None = None  # rows are the last-seen state: why, and how old
        self.job: Job[Any] | None = None
        self.retry_s = 0.0
        self.unsubscribe: Callable[[], None] | None = None  # from the state (profile rows)
        self.placeholder = False

    def cancel(self) -> None:
        """Drop the read in flight (its pages and result are ignored)."""
        if self.job is not None:
            self.job.cancel()
        self.job = None
        self.fetching = False


class Node:
    """A tree row; ``payload`` is a Profile, or the state's ModelSummary / VersionSummary
    (read it through ``profile``, ``model_summary`` and ``version_summary``, which check the
    level).

    ``row`` is its row under its parent (-1 while it waits for its chunk); ``children`` mirror
    its child rows (the placeholder of an unopened node is not a child). No Qt object is kept
    here: cells are looked up by row when needed (a kept wrapper of a cell the model deleted
    would be a dangling pointer). How its children are being read is kept apart, in ``load``.
    """

    __slots__ = (
        "by_key",
        "children",
        "key",
        "kind",
        "load",
        "news",
        "parent",
        "payload",
        "row",
        "sort_key",
    )

    def __init__(self, kind: NodeKind, payload: Payload, parent: Node | None, row: int) -> None:
        self.kind = kind
        self.payload = payload
        self.parent = parent
        self.row = row
        self.children: list[Node] = []
        self.by_key: dict[str, Node] = {}
        self.load = Loading(all_fetched=kind is NodeKind.VERSION)  # how its children are read
        self.news: tuple[str, ...] = ()  # what changed here since you last looked
        self.sort_key: str | int | tuple[int, str]
        if isinstance(payload, ModelSummary):
            self.key = payload.name
            owner = parent.payload if parent is not None else None
            pinned = isinstance(owner, Profile) and payload.name in owner.pinned
            self.sort_key = (0 if pinned else 1, payload.name)  # pinned models first
        elif isinstance(payload, VersionSummary):
            self.key = payload.version
            number, text = version_sort_key(payload.version)
            self.sort_key = (-number, text)  # newest first
        else:
            self.key = payload.id if payload is not None else ""
            self.sort_key = row

    @property
    def profile(self) -> Profile:
        """The profile this node belongs to."""
        node: Node | None = self
        while node is not None and node.kind is not NodeKind.PROFILE:
            node = node.parent
        assert node is not None, "root has no profile"
        assert isinstance(node.payload, Profile)
        return node.payload

    @property
    def model_summary(self) -> ModelSummary:
        """The model of a model row."""
        if not isinstance(self.payload, ModelSummary):
            raise TypeError(f"a {self.kind.value} row has no model summary")
        return self.payload

    @property
    def version_summary(self) -> VersionSummary:
        """The version of a version row."""
        if not isinstance(self.payload, VersionSummary):
            raise TypeError(f"a {self.kind.value} row has no version summary")
        return self.payload

    @property
    def model_name(self) -> str:
        """The model a model or version row belongs to."""
        if isinstance(self.payload, VersionSummary):
            return self.payload.model
        return self.model_summary.name

    @property
    def name(self) -> str:
        """What the row is called: the registry's, the model's name, or "v3"."""
        if isinstance(self.payload, VersionSummary):
            return f"v{self.payload.version}"
        if isinstance(self.payload, ModelSummary | Profile):
            return self.payload.name
        return ""

    def cancel(self) -> None:
        """Drop the read of its children in flight."""
        self.load.cancel()


def fill_cells(node: Node, cells: list[QStandardItem], state: RegistryState) -> None:
    """Write a row's cells from its node and the registry state (once per change)."""
    name, stage, aliases, info = cells
    if node.kind is NodeKind.VERSION:
        version = node.version_summary
        created = version.created.astimezone().strftime("%Y-%m-%d %H:%M") if version.created else ""
        status = "" if version.status == "READY" else f"{version.status} · "
        _set(name, f"v{version.version}")
        _set(aliases, ", ".join(version.aliases))
        _set(info, status + created)
        if node.profile.has_stages:
            _set(stage, version.stage.value)
            color = STAGE_COLORS[version.stage]
            stage.setIcon(icons.dot(color))
            stage.setForeground(QBrush(stage_text_color(version.stage.value)))  # readable
        tip = version.source or None
        search = f"v{version.version} " + " ".join(f"@{a}" for a in version.aliases)
    elif node.kind is NodeKind.MODEL:
        model = node.model_summary
        aliases_of = state.aliases_of(model.name)
        _set(name, model.name)
        _set(stage, state.stage_line(model.name))
        _set(aliases, ", ".join(f"{a}→v{v}" for a, v in sorted(aliases_of.items())))
        latest = f"latest v{model.latest_versions[0]}" if model.latest_versions else ""
        pin = "★ pinned · " if model.name in node.profile.pinned else ""
        _set(info, pin + (state_text(node, state) or latest))
        first_line = model.description.splitlines()[0] if model.description else None
        tip = node.load.error or node.load.offline or first_line
        if node.news:
            tip = "Since you last looked:\n" + "\n".join(node.news)
        font = name.font()
        if font.bold() != bool(node.news):
            font.setBold(bool(node.news))
            name.setFont(font)
            name.setData(QBrush(tone_color("news")) if node.news else None, _FG)
        search = f"{model.name} " + " ".join(f"@{a}" for a in sorted(aliases_of))
    else:
        profile = node.profile
        _set(name, profile.name)
        badge = (profile.label, profile.color or "#475569") if profile.label else None
        if name.data(LABEL_ROLE) != badge:
            name.setData(badge, LABEL_ROLE)  # drawn as a badge by the name: not a stage
        _set(info, state_text(node, state) or profile.settings.describe())
        if name.icon().isNull():
            name.setIcon(icons.swatch(profile.color or "#475569"))
            font = QFont()
            font.setBold(True)
            name.setFont(font)
        where = f"{profile.kind}: {profile.settings.describe()}"
        problem = node.load.error or node.load.offline
        tip = f"{where}\n\n{problem}" if problem else where
        search = profile.name
    if node.kind is not NodeKind.VERSION:
        brush = _problem_brush(node)
        if brush is not None or info.data(Qt.ItemDataRole.ForegroundRole) is not None:
            info.setData(brush, Qt.ItemDataRole.ForegroundRole)
    shown_tip = plain_tooltip(tip) if tip else None
    for item in (name, info):
        if item.data(Qt.ItemDataRole.ToolTipRole) != shown_tip:
            item.setData(shown_tip, Qt.ItemDataRole.ToolTipRole)
    search = search.rstrip().casefold()
    if name.data(SEARCH_ROLE) != search:
        name.setData(search, SEARCH_ROLE)


class FullTextTipDelegate(QStyledItemDelegate):
    """A cell whose text is cut (…) shows all of it as its tooltip, as written."""

    def helpEvent(  # overrides QAbstractItemDelegate.helpEvent
        self,
        event: QHelpEvent,
        view: QAbstractItemView,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> bool:
        if event.type() == QEvent.Type.ToolTip and not index.data(Qt.ItemDataRole.ToolTipRole):
            text = str(index.data() or "")
            width = QFontMetrics(option.font).horizontalAdvance(text)
            if text and width > option.rect.width() - 8:
                QToolTip.showText(event.globalPos(), plain_tooltip(text), view)
                return True
        return bool(super().helpEvent(event, view, option, index))


class LabelBadgeDelegate(FullTextTipDelegate):
    """Draws a registry's environment label (dev, staging, prod) as a small badge right after
    its name, so it never reads like an MLflow stage."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        """Override: the normal cell, then the badge."""
        super().paint(painter, option, index)
        badge = index.data(LABEL_ROLE)
        if not badge:
            return
        label, color = badge
        font = QFont(option.font)
        font.setBold(True)
        text_width = QFontMetrics(font).horizontalAdvance(str(index.data()))
        small = QFont(option.font)
        small.setPointSizeF(max(6.0, option.font.pointSizeF() * 0.82))
        metrics = QFontMetrics(small)
        icon = option.decorationSize.width() + 8
        left = option.rect.left() + icon + text_width + 14
        width = metrics.horizontalAdvance(label) + 12
        height = metrics.height() + 2
        if left + width > option.rect.right():
            return  # no room: the tooltip still says where it points
        top = option.rect.top() + (option.rect.height() - height) // 2
        box = QRect(left, top, width, height)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(color))
        painter.drawRoundedRect(box, height / 2, height / 2)
        painter.setPen(QColor("white"))
        painter.setFont(small)
        painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), label)
        painter.restore()


def state_text(node: Node, state: RegistryState) -> str:
    """What a profile or model row says of its children: counts, loading, offline, news."""
    if node.load.error:
        return "⚠ " + node.load.error
    count = len(node.children)
    what = "model" if node.kind is NodeKind.PROFILE else "version"
    counted = f"{count} {what}{'' if count == 1 else 's'}"
    if node.load.offline:
        return f"⚠ {counted}, {node.load.offline.split(':', 1)[0]} (F5 retries)"
    if node.load.fetching:
        if not count:
            return "loading…"
        if node.kind is NodeKind.PROFILE and not state.live and state.models_read_at:
            seen = humanize_age(datetime.now(tz=UTC) - state.models_read_at)
            return f"{counted} as seen {seen} ago · refreshing…"
        return f"{counted} · loading…"
    if not node.load.opened:
        return ""
    if node.news:
        many = len(node.news)
        return f"{counted} · {many} change{'' if many == 1 else 's'} since you last looked"
    return counted


def offline_text(read_at: datetime | None, reason: str) -> str:
    """How a row that cannot be read now is marked: "offline, as seen 5 min ago: <reason>"."""
    seen = humanize_age(datetime.now(tz=UTC) - read_at) if read_at else "some time"
    return f"offline, as seen {seen} ago: {reason}"


def fetching_names(root: Node) -> list[str]:
    """What is being read under ``root`` now, for people: "demo", "churn-classifier (demo)"."""
    names: list[str] = []
    stack = list(root.children)
    while stack:
        node = stack.pop()
        if node.load.fetching:
            name = node.profile.name
            names.append(name if node.kind is NodeKind.PROFILE else f"{node.key} ({name})")
        stack.extend(node.children)
    return names


def detach(node: Node) -> None:
    """A node whose rows leave the model: no read for it goes on, its cells are gone."""
    stack = [node]
    while stack:
        current = stack.pop()
        current.cancel()
        current.load.placeholder = False
        current.row = -1
        stack.extend(current.children)
    node.parent = None


_FG = Qt.ItemDataRole.ForegroundRole


def _set(item: QStandardItem, text: str) -> None:
    if item.data(Qt.ItemDataRole.DisplayRole) != text:
        item.setText(text)


@cache
def prototypes(kind: NodeKind) -> tuple[QStandardItem, ...]:
    """Cells of a row of this kind before its text: flags and fixed icons set once, cloned per
    row (one call instead of several)."""
    flags = ROW_FLAGS_OF[kind.value]
    cells = tuple(QStandardItem() for _ in range(COLUMN_COUNT))
    for cell in cells:
        cell.setFlags(flags)
    if kind is not NodeKind.PROFILE:
        cells[0].setIcon(icons.icon("version" if kind is NodeKind.VERSION else "model"))
    return cells


def placeholder_cell() -> QStandardItem:
    item = QStandardItem("loading…")
    item.setFlags(Qt.ItemFlag.NoItemFlags)
    return item


def _problem_brush(node: Node) -> QBrush | None:
    if node.load.error:
        return QBrush(tone_color("error"))
    if node.load.offline:
        return QBrush(tone_color("warning"))
    return None
