"""The promotion board of one model: a column per stage, a lane per alias, version cards.

Dragging a card (or a version from the tree) onto a column or lane asks to promote it; the
context menu (also on the keyboard's Menu key) does the same for people who do not drag.
The board only *asks*: the details pane confirms, checks for conflicts and writes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from PySide6.QtCore import QMimeData, QPoint, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from modelyard.core.domain import Stage, VersionSummary, version_sort_key
from modelyard.core.history import humanize_age
from modelyard.core.promote import Target
from modelyard.ui.mime import MIME, read_mime, version_mime
from modelyard.ui.tree_model import STAGE_COLORS

VERSION_ROLE = Qt.ItemDataRole.UserRole
NEW_ALIAS = "\u2026new alias"


class Lane(QListWidget):
    """A stage column or an alias lane: holds cards, accepts version drops.

    Signals:
        dropped(object, object): the drag payload dict and this lane's Target.
    """

    dropped = Signal(object, object)

    def __init__(self, target: Target, board: PromoteBoard) -> None:
        super().__init__()
        self.target = target
        self.board = board
        self.setObjectName("lane")
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(False)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSpacing(3)
        self.setWordWrap(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)

    # drag source -----------------------------------------------------------------------------
    def mimeTypes(self) -> list[str]:  # overrides QListWidget.mimeTypes
        """Our one drag format."""
        return [MIME]

    def mimeData(self, items: Sequence[QListWidgetItem]) -> QMimeData:
        """Overrides QListWidget.mimeData: the dragged card's version."""
        version = str(items[0].data(VERSION_ROLE)) if items else ""
        return version_mime(self.board.profile_id, self.board.model, version)

    # drop target -----------------------------------------------------------------------------
    def _acceptable(self, data: QMimeData) -> bool:
        payload = read_mime(data)
        return (
            payload is not None
            and self.board.editable
            and not self.board.busy
            and payload.get("profile") == self.board.profile_id
            and payload.get("model") == self.board.model
        )

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # overrides QWidget
        """Accept version drags of this board's model."""
        if self._acceptable(event.mimeData()):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # overrides QAbstractItemView
        """Keep accepting while over the lane."""
        if self._acceptable(event.mimeData()):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # overrides QListWidget
        """Ask to promote; the board itself never moves cards (the server's truth does)."""
        if not self._acceptable(event.mimeData()):
            event.ignore()
            return
        payload = read_mime(event.mimeData())
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        self.dropped.emit(payload, self.target)

    # context menu ----------------------------------------------------------------------------
    def _menu(self, position: QPoint) -> None:
        index = self.indexAt(position)
        row = index.row() if index.isValid() else self.currentRow()
        if row < 0:
            return
        menu = self.board.menu_for(str(self.item(row).data(VERSION_ROLE)))
        menu.exec(self.viewport().mapToGlobal(position))


class PromoteBoard(QWidget):
    """Stage columns and alias lanes for one model.

    Signals:
        promoteRequested(str, object): version and Target.
    """

    promoteRequested = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.profile_id = ""
        self.model = ""
        self.editable = True
        self.readonly_reason = ""
        self.busy = False
        self.versions: list[VersionSummary] = []
        self.aliases: dict[str, str] = {}
        self.stages_supported = True
        self.ask_alias_name = self._ask_alias_name
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 10, 16, 10)
        self.hint = QLabel()
        self.hint.setObjectName("muted")
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.stage_box = QHBoxLayout()
        self.stage_lanes: dict[str, Lane] = {}
        for stage in Stage:
            column = QVBoxLayout()
            title = QLabel(stage.value)
            title.setObjectName("laneTitle")
            title.setStyleSheet(f"color: {STAGE_COLORS[stage]};")
            lane = Lane(Target("stage", stage.value), self)
            lane.dropped.connect(self._dropped)
            column.addWidget(title)
            column.addWidget(lane, 1)
            self.stage_box.addLayout(column)
            self.stage_lanes[stage.value] = lane
        layout.addLayout(self.stage_box, 3)
        alias_title = QLabel("Aliases")
        alias_title.setObjectName("sectionTitle")
        layout.addWidget(alias_title)
        self.alias_grid = QGridLayout()
        layout.addLayout(self.alias_grid, 2)
        self.alias_lanes: dict[str, Lane] = {}

    # --- state ---------------------------------------------------------------------------------
    def set_state(
        self,
        profile_id: str,
        model: str,
        versions: Sequence[VersionSummary],
        aliases: Mapping[str, str],
        stages: bool = True,
    ) -> None:
        """Show the server's truth for ``model``."""
        if (profile_id, model) != (self.profile_id, self.model):
            self.set_editable(True)  # permissions are per model: start over
        self.profile_id, self.model = profile_id, model
        self.versions = sorted(versions, key=lambda v: version_sort_key(v.version), reverse=True)
        self.aliases = dict(aliases)
        self.stages_supported = stages
        now = datetime.now(tz=UTC)
        for stage, lane in self.stage_lanes.items():
            lane.clear()
            lane.setVisible(stages)
            for v in self.versions:
                if v.stage.value == stage:
                    lane.addItem(self._card(v, now))
        self._build_alias_lanes(now)
        self._update_hint()

    def _card(self, v: VersionSummary, now: datetime) -> QListWidgetItem:
        age = f"{humanize_age(now - v.created)} ago" if v.created else ""
        run = v.run_id[:8] if v.run_id else "no run"
        aliases = " ".join("@" + a for a in v.aliases)
        item = QListWidgetItem(f"v{v.version}  {aliases}\n{run} · {age}".rstrip(" ·"))
        item.setData(VERSION_ROLE, v.version)
        item.setToolTip(
            f"{v.model} v{v.version}\nstage: {v.stage.value}\ncreated by {v.creator or '—'}\n"
            "Drag onto a stage or an alias, or press the Menu key."
        )
        return item

    def _build_alias_lanes(self, now: datetime) -> None:
        for lane in self.alias_lanes.values():
            lane.setParent(None)
            lane.deleteLater()
        while self.alias_grid.count():
            child = self.alias_grid.takeAt(0)
            widget = child.widget() if child else None
            if widget is not None:
                widget.deleteLater()
        self.alias_lanes = {}
        by_version = {v.version: v for v in self.versions}
        names = [*sorted(self.aliases), NEW_ALIAS]
        for index, name in enumerate(names):
            title = QLabel(f"@{name}" if name != NEW_ALIAS else "New alias…")
            title.setObjectName("laneTitle")
            lane = Lane(Target("alias", name), self)
            lane.setMaximumHeight(70)
            lane.dropped.connect(self._dropped)
            holder = by_version.get(self.aliases.get(name, ""))
            if holder is not None:
                lane.addItem(self._card(holder, now))
            row, column = divmod(index, 3)
            self.alias_grid.addWidget(title, row * 2, column)
            self.alias_grid.addWidget(lane, row * 2 + 1, column)
            self.alias_lanes[name] = lane
            lane.setAcceptDrops(self.editable)
            lane.setToolTip("" if self.editable else self.readonly_reason)

    def set_editable(self, editable: bool, why: str = "") -> None:
        """Show whether the current identity may promote here (before any drag)."""
        self.editable = editable
        self.readonly_reason = "" if editable else why
        for lane in [*self.stage_lanes.values(), *self.alias_lanes.values()]:
            lane.setAcceptDrops(editable)
            lane.setToolTip(self.readonly_reason)
        self._update_hint()

    def set_busy(self, busy: bool) -> None:
        """While a promotion is in flight, further drops are refused (no double apply)."""
        self.busy = busy
        self._update_hint()

    def _update_hint(self) -> None:
        if not self.editable:
            self.hint.setText(f"Read-only: {self.readonly_reason}")
        elif self.busy:
            self.hint.setText("Applying the promotion…")
        elif self.stages_supported:
            self.hint.setText(
                "Drag a version card onto a stage or an alias lane (or use the Menu key): "
                "you confirm before anything changes."
            )
        else:
            self.hint.setText("This registry has aliases only: drag a version onto an alias.")

    # --- requests ------------------------------------------------------------------------------
    def _dropped(self, payload: object, target: object) -> None:
        assert isinstance(payload, dict) and isinstance(target, Target)
        self.request(str(payload.get("version", "")), target)

    def request(self, version: str, target: Target) -> None:
        """Ask to promote (the drop, menu and keyboard paths all end here)."""
        if not version or not self.editable or self.busy:
            return
        if target.kind == "alias" and target.value == NEW_ALIAS:
            name = self.ask_alias_name()
            if not name:
                return
            target = Target("alias", name)
        self.promoteRequested.emit(version, target)

    def _ask_alias_name(self) -> str | None:
        name, ok = QInputDialog.getText(self, "New alias", "Alias name (e.g. champion):")
        name = name.strip().lstrip("@")
        return name if ok and name else None

    def menu_for(self, version: str) -> QMenu:
        """ "Promote to ▸", "Set alias ▸", "Remove alias ▸" for one version."""
        menu = QMenu(self)
        current = next((v for v in self.versions if v.version == version), None)
        if self.stages_supported:
            stages = menu.addMenu("Promote to")
            for stage in Stage:
                action = stages.addAction(stage.value)
                action.setEnabled(current is None or current.stage is not stage)
                action.triggered.connect(
                    lambda _=False, s=stage.value: self.request(version, Target("stage", s))
                )
        aliases = menu.addMenu("Set alias")
        for name in sorted(self.aliases):
            action = aliases.addAction(f"@{name}")
            action.setEnabled(self.aliases[name] != version)
            action.triggered.connect(
                lambda _=False, n=name: self.request(version, Target("alias", n))
            )
        new = aliases.addAction("New alias…")
        new.triggered.connect(lambda: self.request(version, Target("alias", NEW_ALIAS)))
        held = [a for a, v in self.aliases.items() if v == version]
        if held:
            remove = menu.addMenu("Remove alias")
            for name in held:
                action = remove.addAction(f"@{name}")
                action.triggered.connect(
                    lambda _=False, n=name: self.request(version, Target("remove-alias", n))
                )
        menu.setEnabled(self.editable and not self.busy)
        return menu
