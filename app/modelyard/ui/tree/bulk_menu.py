"""The selection menu's changes for several versions of one registry (#28): archive, move to a
stage, set or remove a tag, set the description, set an alias (one version per model), delete —
each opens the plan (``BulkDialog``) first."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QInputDialog, QLineEdit, QMenu, QWidget

from modelyard.core.actions.bulk import BulkPlan, Change, plan_bulk
from modelyard.core.actions.prune import Keep, plan_prune
from modelyard.core.model.domain import Stage
from modelyard.core.profiles.profile import read_only_refusal
from modelyard.ui.common.menu_text import literal
from modelyard.ui.tree.bulk_dialog import BulkDialog
from modelyard.ui.tree.tree_model import Node, NodeKind

if TYPE_CHECKING:
    from modelyard.core.model.registry import Registry
    from modelyard.core.profiles.profile import Profile
    from modelyard.core.session import Connections
    from modelyard.ui.common.workers import WorkerPool
    from modelyard.ui.tree.tree_model import RegistryTreeModel

AskText = Callable[[str, str], "str | None"]  # (title, label) -> text, None when cancelled


def ask_text(parent: QWidget) -> AskText:
    def ask(title: str, label: str) -> str | None:
        text, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal, "")
        return text if ok else None

    return ask


def ask_long_text(parent: QWidget) -> AskText:
    def ask(title: str, label: str) -> str | None:
        text, ok = QInputDialog.getMultiLineText(parent, title, label, "")
        return text if ok else None

    return ask


class BulkActions:
    """Opens the plan of one change to the selected versions; the tree reads the models again
    when it was applied."""

    def __init__(
        self,
        connections: Connections,
        workers: WorkerPool,
        tree_model: RegistryTreeModel,
        owner: QWidget,
    ) -> None:
        self.connections, self.workers, self.tree_model, self.owner = (
            connections,
            workers,
            tree_model,
            owner,
        )
        self.ask: AskText = ask_text(owner)
        self.ask_long: AskText = ask_long_text(owner)  # a description (Markdown, lines)
        self.dialog: BulkDialog | None = None  # the one last opened (tests read it)

    def add_items(self, menu: QMenu, nodes: list[Node]) -> None:
        """The changes offered for ``nodes`` (all versions of one registry)."""
        targets = [(n.version_summary.model, n.version_summary.version) for n in nodes]
        parents = {id(n.parent): n.parent for n in nodes if n.parent is not None}
        self.add_items_for(menu, nodes[0].profile, targets, list(parents.values()))

    def add_items_for(
        self,
        menu: QMenu,
        profile: Profile,
        targets: list[tuple[str, str]],
        models: list[Node],
    ) -> None:
        """The changes offered for ``targets`` (model, version) of ``profile``; ``models``: the
        model rows read again once a change was applied."""
        n = len(targets)
        them = "1 version" if n == 1 else f"{n} versions"
        if profile.read_only:
            menu.addAction(literal(read_only_refusal(profile).message)).setEnabled(False)
        allowed = not profile.read_only

        def add(where: QMenu, text: str, change: Callable[[], Change | None]) -> None:
            action = where.addAction(text)
            action.setEnabled(allowed)
            action.triggered.connect(lambda _=False: self._open(profile, targets, models, change()))

        if profile.has_stages:  # in the menu's order: Archive, then Move to ▸
            add(menu, f"Archive {them}…", partial(Change, "stage", "Archived"))
            moves = menu.addMenu(f"Move {them} to")
            moves.setEnabled(allowed)
            for stage in (Stage.NONE, Stage.STAGING, Stage.PRODUCTION):
                add(moves, stage.value, partial(Change, "stage", stage.value))
        add(menu, f"Set tag on {them}…", self._tag)
        add(menu, f"Remove tag from {them}…", self._untag)
        add(menu, f"Set description of {them}…", self._description)
        if profile.has_aliases:
            add(menu, "Set alias (one version per model)…", self._alias)
        add(menu, f"Delete {them}…", partial(Change, "delete"))

    def add_clean_up(self, menu: QMenu, node: Node) -> None:
        """A model's "Clean up old versions…": keep the latest N (and those in Staging or
        Production, or with an alias), archive the rest — the plan first."""
        action = menu.addAction("Clean up old versions…")
        action.setEnabled(not node.profile.read_only and node.profile.has_stages)
        action.triggered.connect(lambda _=False: self.clean_up(node))

    def clean_up(self, node: Node) -> BulkDialog | None:
        model, profile = node.model_summary.name, node.profile
        text = self.ask(
            f"Clean up {model}",
            "Keep the latest how many versions? (those in Staging or Production and those "
            "holding an alias are kept too; the others are archived)",
        )
        if text is None:
            return None
        try:
            keep = Keep(int(text), staged=True, aliased=True)
        except ValueError:
            return None
        if keep.latest < 0:
            return None

        def planner(registry: Registry) -> BulkPlan:
            chosen = plan_prune(registry, profile.name, [model], keep, mode="archive")
            targets = [(i.model, i.version) for i in chosen.changes]
            return plan_bulk(registry, profile.name, targets, Change("stage", "Archived"))

        return self._show(
            BulkDialog(
                self.connections,
                self.workers,
                profile,
                [],
                Change("stage", "Archived"),
                planner=planner,
                models=[model],
                parent=self.owner,
            ),
            [node],
        )

    def _tag(self) -> Change | None:
        key = self.ask("Set tag", "Key:")
        if not key or not key.strip():
            return None
        value = self.ask("Set tag", f"Value of {key.strip()}:")
        return None if value is None else Change("tag", key.strip(), value)

    def _description(self) -> Change | None:
        text = self.ask_long("Set description", "Description (Markdown) of each version:")
        return None if text is None else Change("description", text)

    def _alias(self) -> Change | None:
        name = self.ask(
            "Set alias",
            "Alias (of the versions chosen, the newest of each model takes it):",
        )
        name = (name or "").strip().lstrip("@")
        return Change("alias", name) if name else None

    def _untag(self) -> Change | None:
        key = self.ask("Remove tag", "Key:")
        return Change("untag", key.strip()) if key and key.strip() else None

    def _open(
        self,
        profile: Profile,
        targets: list[tuple[str, str]],
        models: list[Node],
        change: Change | None,
    ) -> BulkDialog | None:
        if change is None:
            return None
        dialog = BulkDialog(
            self.connections, self.workers, profile, targets, change, parent=self.owner
        )
        return self._show(dialog, models)

    def _show(self, dialog: BulkDialog, models: list[Node]) -> BulkDialog:
        dialog.applied.connect(lambda _outcome: self._reread(models))
        self.dialog = dialog
        dialog.show()
        return dialog

    def _reread(self, models: list[Node]) -> None:
        """The server's truth after the change: each model's versions read again."""
        for model in models:
            if model.kind is NodeKind.MODEL:
                index = self.tree_model.index_for(model)
                if index.isValid():
                    self.tree_model.refresh(index)
