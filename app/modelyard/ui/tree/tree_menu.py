"""Context menus of the registry tree's rows: by mouse, the Menu key or Shift+F10.

A registry row offers retry, test, edit, duplicate, delete, compare and sync; a model row
opens its board, copies a URI, opens the web UI, syncs or reloads; a version row promotes
(Promote to ▸, Set alias ▸, Remove alias ▸, Request transition to ▸ where the registry has
requests), copies a URI or the load snippet, downloads, compares, copies to another registry,
opens the web UI. What is offered follows the core's permission rules; a change is asked on the
model's board, so it is confirmed and checked exactly as a drop is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication, QKeyEvent
from PySide6.QtWidgets import QMenu, QWidget

from modelyard.core.actions.permissions import Mode
from modelyard.core.actions.promote import Target
from modelyard.core.model.domain import Stage, version_sort_key
from modelyard.core.reads.snippet import model_uri, model_uris
from modelyard.core.reads.weburl import web_ui_url
from modelyard.ui.board.card_menu import NEW_ALIAS
from modelyard.ui.common.keys import keyboard_menu_event, opens_menu
from modelyard.ui.common.menu_text import literal
from modelyard.ui.tree.bulk_menu import BulkActions
from modelyard.ui.tree.tree_model import Node, NodeKind
from modelyard.ui.tree.tree_panel import choose_row

if TYPE_CHECKING:
    from PySide6.QtCore import QModelIndex
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QTreeView

    from modelyard.core.profiles.profile import Profile
    from modelyard.core.session import Connections
    from modelyard.ui.common.workers import WorkerPool
    from modelyard.ui.details.pane import DetailsPane
    from modelyard.ui.profiles.actions import ProfileActions
    from modelyard.ui.tree.tree_model import RegistryTreeModel


class FilesHost(Protocol):
    """What the menus start of a version's files (``ui.downloads.files.Files``)."""

    def start_download(self, profile: Profile, model: str, version: str, paths: object) -> None: ...

    def start_downloads(self, profile: Profile, targets: object) -> None: ...


class AcrossHost(Protocol):
    """What the menus start between registries (``ui.compare.across.AcrossRegistries``)."""

    def copy_version(
        self, source: Profile, model: str, version: str, target: Profile
    ) -> Any: ...  # the dialog

    def compare_registries(
        self, left: Profile | None = None, right: Profile | None = None
    ) -> Any: ...

    def sync_models(
        self,
        source: Profile,
        target: Profile,
        models: tuple[str, ...] = (),
        versions: tuple[tuple[str, str], ...] = (),
    ) -> Any: ...  # the dialog


class MenuHost(Protocol):
    """What the tree's menus use of the window they belong to."""

    tree_model: RegistryTreeModel
    connections: Connections
    workers: WorkerPool
    details: DetailsPane
    profiles: ProfileActions
    refresh_action: QAction
    new_profile_action: QAction
    edit_profile_action: QAction
    duplicate_profile_action: QAction
    delete_profile_action: QAction
    test_profile_action: QAction

    @property
    def tree(self) -> QTreeView: ...

    def node_at(self, index: QModelIndex) -> Node | None: ...

    def selected_nodes(self) -> list[Node]: ...

    def select_node(self, node: Node) -> None: ...

    def retry_profile(self, node: Node) -> None: ...

    @property
    def files(self) -> FilesHost: ...  # downloads and local servers

    @property
    def across(self) -> AcrossHost: ...  # copy, sync and compare between registries


MAX_COMPARE = 12  # "Compare with ▸" lists the newest other versions


class TreeMenus(QObject):
    """Builds and opens the menu of the row under the mouse or of the current row."""

    def __init__(self, window: MenuHost, parent: QWidget) -> None:
        super().__init__(parent)
        self.window = window
        self.owner = parent  # the widget the menus belong to
        self.menu: QMenu | None = None  # the menu last opened (tests read it)
        self.node: Node | None = None  # the row it was opened for
        self.bulk = BulkActions(window.connections, window.workers, window.tree_model, parent)
        window.tree.customContextMenuRequested.connect(self.open_at)
        window.tree.installEventFilter(self)
        # a model's versions table: the same changes for the versions selected there
        table = window.details.model_view.table
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self.open_versions_menu)
        table.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # overrides QObject
        """The Menu key and Shift+F10 open the current row's menu: as a key press (Shift+F10,
        and keys sent to the widget directly) or as the context-menu event the window system
        makes of the Menu key, whose position is not the current row's."""
        if watched is self.window.details.model_view.table:
            return self._table_key(event)
        if watched is not self.window.tree:
            return False
        if keyboard_menu_event(event):
            event.accept()
            if self.menu is None or not self.menu.isVisible():
                self.open_current()
            return True
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and opens_menu(event)
        ):
            self.open_current()
            return True
        return False

    def open_current(self) -> QMenu | None:
        """The current row's menu, shown at that row: what keyboard-opened menus act on."""
        tree = self.window.tree
        index = tree.currentIndex()
        if not index.isValid():
            return None
        return self._open(index, tree.visualRect(index).center())

    def open_at(self, pos: QPoint) -> QMenu | None:
        """The menu of the row at ``pos`` (viewport coordinates): the mouse's."""
        return self._open(self.window.tree.indexAt(pos), pos)

    def _open(self, index: QModelIndex, pos: QPoint) -> QMenu | None:
        """The menu acts on what is highlighted: the selection when the row is one of several
        selected rows, else the row alone (selected first, so it is seen what it acts on)."""
        window = self.window
        node = window.node_at(index)
        if node is None:
            return None
        if not window.tree.selectionModel().isSelected(index):
            choose_row(window.tree, index)
        chosen = window.selected_nodes()
        if len(chosen) > 1 and node in chosen:
            return self._popup(node, selection_menu(self, chosen), pos)
        build: dict[NodeKind, Callable[[Node], QMenu]] = {
            NodeKind.PROFILE: self.profile_menu,
            NodeKind.MODEL: self.model_menu,
            NodeKind.VERSION: self.version_menu,
        }
        if node.kind not in build:
            return None
        return self._popup(node, build[node.kind](node), pos)

    def _table_key(self, event: QEvent) -> bool:
        """The Menu key (or Shift+F10) on the versions table: the menu of what is selected
        there, shown at the current row; the selection is never changed by the key."""
        menu_key = keyboard_menu_event(event) or (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and opens_menu(event)
        )
        if not menu_key:
            return False
        event.accept()
        table = self.window.details.model_view.table
        item = table.currentItem()
        at = table.visualItemRect(item).center() if item is not None else QPoint(4, 4)
        if self.menu is None or not self.menu.isVisible():
            self.open_versions_menu(at, keyboard=True)
        return True

    def open_versions_menu(self, pos: QPoint, keyboard: bool = False) -> QMenu | None:
        """The menu of the versions selected in the model pane's versions table (the row at
        ``pos``, viewport coordinates, alone when a click is not on one of them): the bulk
        changes, planned first. From the keyboard it acts on the selection as it is."""
        view = self.window.details.model_view
        node = self.window.details.current
        if node is None or node.kind is not NodeKind.MODEL or view.model is None:
            return None
        table = view.table
        row = table.rowAt(pos.y())
        if not keyboard and row >= 0 and not table.selectionModel().isRowSelected(row):
            table.selectRow(row)
        versions = view.selected_versions()
        if not versions:
            return None
        model = view.model.name
        menu = QMenu(self.owner)
        heading = f"v{versions[0]} of {model}" if len(versions) == 1 else (
            f"{len(versions)} versions of {model}")  # fmt: skip
        menu.addAction(literal(heading)).setEnabled(False)
        if len(versions) == 2:
            compare = menu.addAction(f"Compare v{versions[0]} and v{versions[1]}")
            compare.triggered.connect(view.compare_button.click)
        pairs = [(model, v) for v in versions]
        self.bulk.add_items_for(menu, node.profile, pairs, [node])
        self.across_items(menu, node.profile, pairs)
        if self.menu is not None:
            self.menu.deleteLater()
        self.node, self.menu = node, menu
        menu.popup(table.viewport().mapToGlobal(pos))
        return menu

    def across_items(self, menu: QMenu, source: Profile, pairs: list[tuple[str, str]]) -> None:
        """For chosen versions: "Copy N versions to ▸ <registry>" (the sync's plan, then copy,
        resumable) and "Download N versions…" (one folder, a sub-folder each)."""
        them = "1 version" if len(pairs) == 1 else f"{len(pairs)} versions"
        menu.addSeparator()
        others = [p for p in self.window.tree_model.profiles() if p.id != source.id]
        copy = menu.addMenu(f"Copy {them} to")
        copy.setEnabled(bool(others))
        for other in others:
            action = copy.addAction(_target_text(other))
            action.setEnabled(not other.read_only)
            action.triggered.connect(
                lambda _=False, t=other: self.window.across.sync_models(
                    source, t, versions=tuple(pairs)
                )
            )
        download = menu.addAction(f"Download {them}…")
        download.triggered.connect(
            lambda _=False: self.window.files.start_downloads(source, list(pairs))
        )

    def _popup(self, node: Node, menu: QMenu, pos: QPoint) -> QMenu:
        if self.menu is not None:
            self.menu.deleteLater()
        self.node, self.menu = node, menu
        menu.popup(self.window.tree.viewport().mapToGlobal(pos))
        return menu

    # --- registry rows -------------------------------------------------------------------------
    def profile_menu(self, node: Node) -> QMenu:
        """Retry, test, edit, duplicate, delete, compare, new."""
        window = self.window
        menu = QMenu(self.owner)
        if node.load.error or node.load.offline:
            retry = menu.addAction("Retry now")
            retry.triggered.connect(lambda _=False, n=node: window.retry_profile(n))
            menu.addSeparator()
        for action in (
            window.test_profile_action,
            window.edit_profile_action,
            window.duplicate_profile_action,
            window.delete_profile_action,
        ):
            menu.addAction(action)
        others = [p for p in window.tree_model.profiles() if p.id != node.profile.id]
        if others:
            compare = menu.addMenu("Compare with")
            for other in others:
                action = compare.addAction(literal(other.name))
                action.triggered.connect(
                    lambda _=False, a=node.profile, b=other: window.across.compare_registries(a, b)
                )
            self._sync_items(menu, node.profile, others, ())
        menu.addSeparator()
        menu.addAction(window.refresh_action)
        menu.addAction(window.new_profile_action)
        return menu

    def _sync_items(
        self,
        menu: QMenu,
        source: Profile,
        others: list[Profile],
        models: tuple[str, ...],
        title: str = "Sync to",
    ) -> None:
        """ "Sync to ▸ <registry>": the models (none: all of them) into another registry."""
        sync = menu.addMenu(title)
        sync.setEnabled(bool(others))
        for other in others:
            action = sync.addAction(_target_text(other))
            action.setEnabled(not other.read_only)
            action.triggered.connect(
                lambda _=False, t=other: self.window.across.sync_models(source, t, models)
            )

    # --- model rows ----------------------------------------------------------------------------
    def model_menu(self, node: Node) -> QMenu:
        """Open the board, copy a URI, open the web UI, reload."""
        window = self.window
        model = node.model_summary
        menu = QMenu(self.owner)
        board = menu.addAction("Open promotion board")
        board.triggered.connect(lambda: self._show_board(node))
        uris = menu.addMenu("Copy URI")
        aliases = window.connections.states.get(node.profile.id).aliases_of(model.name)
        choices = [("Loads it as it stands", model_uri(model))]
        choices += [(f"By alias @{a}", f"models:/{model.name}@{a}") for a in sorted(aliases)]
        self._uri_items(uris, [(label, uri) for label, uri in choices if uri])
        self._web_item(menu, web_ui_url(node.profile, model.name))
        others = [p for p in window.tree_model.profiles() if p.id != node.profile.id]
        self._sync_items(menu, node.profile, others, (model.name,))
        self.bulk.add_clean_up(menu, node)
        pinned = model.name in node.profile.pinned
        pin = menu.addAction("Unpin" if pinned else "Pin to the top")
        pin.setToolTip("Pinned models are shown first in their registry, also after a restart")
        pin.triggered.connect(
            lambda _=False: window.profiles.set_pinned(node.profile, model.name, not pinned)
        )
        menu.addSeparator()
        menu.addAction(window.refresh_action)
        return menu

    # --- version rows --------------------------------------------------------------------------
    def version_menu(self, node: Node) -> QMenu:
        """Promote, alias, request; URIs, snippet, download, compare, copy, web UI, reload."""
        window = self.window
        version = node.version_summary
        rules = window.details.promotions.rules_for(node)
        menu = QMenu(self.owner)
        if rules.access.protected:  # a read-only profile: say so where the changes would be
            menu.addAction(literal(rules.access.protected)).setEnabled(False)
        if rules.stages:
            moves = menu.addMenu("Promote to")
            asks = QMenu("Request transition to", menu)
            for stage in Stage:
                mode = rules.stage_change(version.stage, stage)
                target = Target("stage", stage.value)
                move = moves.addAction(stage.value)
                move.setEnabled(mode is Mode.MOVE)
                move.triggered.connect(lambda _=False, t=target: self._ask(node, t))
                ask = asks.addAction(stage.value)
                ask.setEnabled(mode is Mode.REQUEST)
                ask.triggered.connect(lambda _=False, t=target: self._ask(node, t))
            if rules.requests:
                menu.addMenu(asks)
                review = menu.addAction("Review open requests…")
                review.triggered.connect(lambda: self._show_board(node))
        if rules.aliases:
            self._alias_items(menu, node, rules.alias_change() is Mode.MOVE)
        menu.addSeparator()
        self._uri_items(menu.addMenu("Copy URI"), model_uris(version))
        snippet = menu.addAction("Copy load snippet")
        snippet.triggered.connect(lambda: window.details.copy_snippet_of(node))
        download = menu.addAction("Download…")
        download.triggered.connect(
            lambda: window.files.start_download(node.profile, version.model, version.version, None)
        )
        self._compare_items(menu.addMenu("Compare with"), node)
        others = [p for p in window.tree_model.profiles() if p.id != node.profile.id]
        copy = menu.addMenu("Copy to")
        copy.setEnabled(bool(others))
        for other in others:
            action = copy.addAction(_target_text(other))
            action.setEnabled(not other.read_only)
            action.triggered.connect(
                lambda _=False, t=other: window.across.copy_version(
                    node.profile, version.model, version.version, t
                )
            )
        self._web_item(menu, web_ui_url(node.profile, version.model, version.version))
        menu.addSeparator()
        menu.addAction(window.refresh_action)
        return menu

    def _alias_items(self, menu: QMenu, node: Node, allowed: bool) -> None:
        version = node.version_summary
        aliases = self.window.connections.states.get(node.profile.id).aliases_of(version.model)
        set_alias = menu.addMenu("Set alias")
        set_alias.setEnabled(allowed)
        for name in sorted(aliases):
            action = set_alias.addAction(literal(f"@{name}  (now v{aliases[name]})"))
            action.setEnabled(aliases[name] != version.version)
            action.triggered.connect(lambda _=False, n=name: self._ask(node, Target("alias", n)))
        new = set_alias.addAction("New alias…")
        new.triggered.connect(lambda: self._ask(node, Target("alias", NEW_ALIAS)))
        held = sorted(a for a, v in aliases.items() if v == version.version)
        if held:
            remove = menu.addMenu("Remove alias")
            remove.setEnabled(allowed)
            for name in held:
                action = remove.addAction(literal(f"@{name}"))
                action.triggered.connect(
                    lambda _=False, n=name: self._ask(node, Target("remove-alias", n))
                )

    def _compare_items(self, menu: QMenu, node: Node) -> None:
        version = node.version_summary
        siblings = [
            c.version_summary
            for c in (node.parent.children if node.parent else [])
            if c.kind is NodeKind.VERSION and c.version_summary.version != version.version
        ]
        siblings.sort(key=lambda v: version_sort_key(v.version), reverse=True)
        menu.setEnabled(bool(siblings))
        for other in siblings[:MAX_COMPARE]:
            label = f"v{other.version}" + (
                f"  ({other.stage.value})" if other.stage.value != "None" else ""
            )
            action = menu.addAction(label)
            action.triggered.connect(lambda _=False, o=other.version: self._compare(node, o))

    def _compare(self, node: Node, other: str) -> None:
        version = node.version_summary
        self.window.details.open_version_compare(
            node.profile, version.model, other, version.version
        )

    @staticmethod
    def _uri_items(menu: QMenu, uris: list[tuple[str, str]]) -> None:
        menu.setEnabled(bool(uris))
        for label, uri in uris:
            action = menu.addAction(literal(f"{uri}    {label}"))
            action.triggered.connect(lambda _=False, u=uri: QGuiApplication.clipboard().setText(u))

    @staticmethod
    def _web_item(menu: QMenu, url: str | None) -> None:
        web = menu.addAction("Open in web UI")
        web.setEnabled(url is not None)
        if url is not None:
            web.triggered.connect(lambda _=False, u=url: QDesktopServices.openUrl(QUrl(u)))

    # --- asking on the board -----------------------------------------------------------------
    def _show_board(self, node: Node) -> None:
        """Select the model (of a version row) and show its board."""
        model = node if node.kind is NodeKind.MODEL else node.parent
        if model is None:
            return
        self.window.select_node(model)
        self.window.details.model_view.tabs.setCurrentWidget(self.window.details.model_view.board)

    def _ask(self, node: Node, target: Target) -> None:
        """Ask for a change of a version row on its model's board (confirmed there)."""
        model = node.parent
        if model is None:
            return
        self.window.select_node(model)  # shown already: nothing happens; else it loads
        # Confirmed or not, the selection goes back to the version the menu was opened on.
        self.window.details.promotions.ask_on_board(
            model, node.version_summary.version, target, then=lambda: self.window.select_node(node)
        )


def selection_menu(menus: TreeMenus, nodes: list[Node]) -> QMenu:
    """The menu of several selected rows: what they have in common. Models of one registry
    sync together ("Sync 3 models to ▸"); other mixes say what would."""
    menu = QMenu(menus.owner)
    registries = {n.profile.id for n in nodes}
    models = [n for n in nodes if n.kind is NodeKind.MODEL]
    where = nodes[0].profile.name if len(registries) == 1 else f"{len(registries)} registries"
    kinds = "models" if len(models) == len(nodes) else "rows"
    if all(n.kind is NodeKind.VERSION for n in nodes):
        kinds = "versions"
    heading = menu.addAction(literal(f"{len(nodes)} {kinds} of {where}"))
    heading.setEnabled(False)
    versions = [n for n in nodes if n.kind is NodeKind.VERSION]
    if len(versions) == len(nodes) and len(registries) == 1:
        menus.bulk.add_items(menu, versions)
        pairs = [(n.version_summary.model, n.version_summary.version) for n in versions]
        menus.across_items(menu, versions[0].profile, pairs)
    elif len(models) == len(nodes) and len(registries) == 1:
        source = nodes[0].profile
        others = [p for p in menus.window.tree_model.profiles() if p.id != source.id]
        names = tuple(n.model_summary.name for n in models)
        menus._sync_items(menu, source, others, names, f"Sync {len(names)} models to")
    else:
        hint = menu.addAction("Select models (to sync) or versions (to change) of one registry")
        hint.setEnabled(False)
    menu.addSeparator()
    menu.addAction(menus.window.refresh_action)
    return menu


def _target_text(profile: Profile) -> str:
    """A registry to copy or sync into, as a menu item: "prod", "vault (read-only)"."""
    return literal(profile.name + (" (read-only)" if profile.read_only else ""))
