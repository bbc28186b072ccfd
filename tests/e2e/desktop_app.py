"""The app, driven by a desktop test: run in its own process on a real X server with a window
manager (Xvfb + openbox, xcb platform), it answers one JSON line on stdout for each JSON line the
test writes on stdin. The test presses real keys with xdotool and asks here what happened.

Commands (``{"cmd": NAME, ...}``):
- ``ready``: answered once the profile file is read and every registry row has read its models
  (one at least has some).
- ``select``: ``profile``, ``model`` and optionally ``version``: expands, selects, focuses the
  tree; answered when the row is current.
- ``state``: the current row, the selected rows, the row the last tree menu was opened for and
  whether a menu or a dialog is shown, the focus widget, the window's frame, the screen's
  available area and the sync dialog's state.
- ``compare``: the registry comparison of the first two profiles, with where it is.
- ``versions``: the shown model's Versions tab, its table focused at the first row; answered
  when the table has the focus and its rows.
- ``row``: ``profile`` and optionally ``model``: the row's centre on the screen (scrolled to it).
- ``shot``: the whole screen saved to ``path``.
- ``quit``.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from PySide6.QtCore import QSocketNotifier, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMenu, QWidget

from modelyard.ui.profiles.wizard import ProfileWizard
from modelyard.ui.shell.app import create_app
from modelyard.ui.shell.main_window import MainWindow
from modelyard.ui.tree.tree_model import Node, NodeKind
from modelyard.ui.tree.tree_panel import choose_row


def describe(node: Node | None) -> list[str] | None:
    """A node as [profile, model?, version?]."""
    if node is None:
        return None
    if node.kind is NodeKind.PROFILE:
        return [node.profile.name]
    if node.kind is NodeKind.MODEL:
        return [node.profile.name, str(node.key)]
    if node.kind is NodeKind.VERSION:
        assert node.parent is not None
        return [node.profile.name, str(node.parent.key), str(node.key)]
    return None


def rect(widget: QWidget) -> list[int]:
    frame = widget.frameGeometry()
    return [frame.x(), frame.y(), frame.width(), frame.height()]


def pretend_saved_geometry(text: str) -> None:
    """A geometry saved by an earlier session on a larger screen: "x,y,w,h"."""
    from PySide6.QtCore import QSettings

    x, y, w, h = (int(v) for v in text.split(","))
    earlier = QWidget()
    earlier.setGeometry(x, y, w, h)
    QSettings().setValue("window/geometry", earlier.saveGeometry())


def main() -> int:
    app = create_app()
    if os.environ.get("MODELYARD_TEST_SAVED_GEOMETRY"):
        pretend_saved_geometry(os.environ["MODELYARD_TEST_SAVED_GEOMETRY"])
    window = MainWindow()
    window.show()
    if os.environ.get("MODELYARD_TEST_DEMO"):
        window.prepare_demo()  # as `modelyard --demo` does
    waiting: list[tuple[dict[str, Any], Any]] = []  # (command, predicate) answered when true

    def answer(payload: dict[str, Any]) -> None:
        print(json.dumps(payload), flush=True)

    def node_of(profile: str, model: str | None, version: str | None) -> Node | None:
        tm = window.tree_model
        root = tm.profile_index(profile)
        if not root.isValid():
            return None
        profile_node = tm.node(root)
        if model is None:
            return profile_node
        model_node = profile_node.by_key.get(model)
        if model_node is None or version is None:
            return model_node
        return model_node.by_key.get(version)

    def all_loaded() -> bool:
        if not window.profiles_loaded:
            return False
        tm = window.tree_model
        rows = [tm.node(tm.index(r, 0)) for r in range(tm.rowCount())]
        for node in rows:
            if not node.load.opened:
                window.tree.expand(window.proxy.mapFromSource(tm.index_for(node)))
        return any(n.children for n in rows) and all(n.load.all_fetched for n in rows)

    def state() -> dict[str, Any]:
        popup = QApplication.activePopupWidget()
        modal = QApplication.activeModalWidget()
        focus = QApplication.focusWidget()
        screen = window.screen().availableGeometry()
        menus = window.tree_menus
        return {
            "current": describe(window.node_at(window.tree.currentIndex())),
            "selected": [describe(n) for n in window.selected_nodes()],
            "menu_for": describe(menus.node) if menus.menu is not None else None,
            "menu_shown": isinstance(popup, QMenu),
            "menu_items": [a.text() for a in popup.actions()] if isinstance(popup, QMenu) else [],
            "active_item": (
                popup.activeAction().text()
                if isinstance(popup, QMenu) and popup.activeAction() is not None
                else None
            ),
            "dialog": modal.windowTitle() if isinstance(modal, QDialog) else None,
            "focus": (type(focus).__name__, focus.objectName()) if focus else None,
            "window": rect(window),
            "screen": [screen.x(), screen.y(), screen.width(), screen.height()],
            "filter": window.search.text(),
            "wizard_problem": (
                modal.connection_page.problem.text() if isinstance(modal, ProfileWizard) else None
            ),
            "expanded": expanded(),
            "sync": sync_state(),
            "bulk": bulk_state(),
            "table_selected": window.details.model_view.selected_versions(),
            "palette": palette_state(),
            "find": find_state(),
            "windows": sorted(
                w.windowTitle() for w in QApplication.topLevelWidgets() if w.isVisible()
            ),
        }

    def palette_state() -> dict[str, Any] | None:
        palette = window.finder.palette
        if palette is None or not palette.isVisible():
            return None
        return {
            "query": palette.line.text(),
            "items": [palette.list.item(r).text() for r in range(palette.list.count())][:8],
            "current": palette.list.currentRow(),
        }

    def find_state() -> dict[str, Any] | None:
        found = window.finder.dialog
        if found is None or not found.isVisible():
            return None
        table = found.table
        return {
            "rows": [
                [cell.text() if (cell := table.item(r, c)) else "" for c in range(3)]
                for r in range(table.rowCount())
            ],
            "reading": sorted(found.reading),
            "current": table.currentRow(),
            "status": found.status.text(),
        }

    def bulk_state() -> dict[str, Any] | None:
        dialog = window.tree_menus.bulk.dialog
        if dialog is None or not dialog.isVisible():
            return None
        plan = dialog.plan
        return {
            "planned": plan is not None and not dialog.running,
            "changes": len(plan.changes) if plan is not None else 0,
            "done": dialog.outcome is not None,
            "apply": dialog.apply_button.isEnabled(),
            "active": dialog.isActiveWindow(),
            "rect": rect(dialog),
            "said": dialog.said.text(),
            "commands": dialog.commands.toPlainText(),
            "notes": [
                dialog.table.topLevelItem(r).text(4)  # type: ignore[union-attr]
                for r in range(dialog.table.topLevelItemCount())
            ],
        }

    def sync_state() -> dict[str, Any] | None:
        dialog = window.across.sync_dialog
        if dialog is None or not dialog.isVisible():
            return None
        return {
            "state": dialog.state,
            "models": list(dialog.models),
            "active": dialog.isActiveWindow(),
            "rect": rect(dialog),
            "pause": dialog.pause.text() if dialog.pause.isVisible() else None,
            "held": dialog._pause.waiting,
            "done": dialog.bar.value(),
            "status": dialog.status.text(),
            "results": [row.text(2) for row in dialog.rows()],
        }

    def expanded() -> list[list[str]]:
        rows: list[list[str]] = []
        proxy = window.proxy
        for row in range(proxy.rowCount()):
            profile = proxy.index(row, 0)
            for child in range(proxy.rowCount(profile)):
                index = proxy.index(child, 0, profile)
                if window.tree.isExpanded(index):
                    found = describe(window.node_at(index))
                    if found:
                        rows.append(found)
        return rows

    def command(line: str) -> None:
        request = json.loads(line)
        name = request["cmd"]
        if name == "quit":
            app.exit(0)
        elif name == "ready":
            waiting.append((request, all_loaded))
        elif name == "state":
            answer(state())
        elif name == "row":
            node = node_of(request["profile"], request.get("model"), None)
            if node is None:
                answer({"error": "no such row"})
                return
            index = window.proxy.mapFromSource(window.tree_model.index_for(node))
            window.tree.scrollTo(index)
            centre = window.tree.viewport().mapToGlobal(window.tree.visualRect(index).center())
            answer({"at": [centre.x(), centre.y()]})
        elif name == "shot":
            window.screen().grabWindow(0).save(request["path"])
            answer({"saved": request["path"]})
        elif name == "compare":
            profiles = window.tree_model.profiles()
            dialog = window.across.compare_registries(profiles[0], profiles[1])
            assert dialog is not None

            seen: list[list[int]] = []

            def laid_out() -> bool:
                # Placed by the window manager: shown, active, and at the same place on two
                # polls in a row (read while openbox was still placing it, it was at (-1, -10)).
                if not (dialog.isVisible() and dialog.export_button.isVisible()):
                    return False
                if not dialog.isActiveWindow():
                    return False
                seen.append(rect(dialog))
                return len(seen) >= 2 and seen[-1] == seen[-2]

            def where() -> dict[str, Any]:
                button = dialog.export_button
                corner = button.mapToGlobal(button.rect().bottomRight())
                return {"dialog": rect(dialog), "export_corner": [corner.x(), corner.y()]}

            waiting.append(({"cmd": "compare", "extra": where}, laid_out))
        elif name == "versions":
            view = window.details.model_view

            def table_ready() -> bool:
                table = view.table
                if table.rowCount() == 0:
                    return False
                page = table.parentWidget()
                assert page is not None
                view.tabs.setCurrentIndex(view.tabs.indexOf(page))
                if table.currentRow() != 0:
                    table.setCurrentCell(0, 0)
                window.activateWindow()
                table.setFocus()
                return table.hasFocus() and window.isActiveWindow()

            waiting.append((request, table_ready))
        elif name == "select":
            profile, model, version = (
                request["profile"],
                request.get("model"),
                request.get("version"),
            )

            def selected() -> bool:
                node = node_of(profile, model, version)
                if node is None and model is not None:
                    model_node = node_of(profile, model, None)
                    if model_node is not None:
                        index = window.proxy.mapFromSource(window.tree_model.index_for(model_node))
                        window.tree.expand(index)
                    return False
                if node is None:
                    return False
                index = window.proxy.mapFromSource(window.tree_model.index_for(node))
                if window.tree.currentIndex() != index:
                    choose_row(window.tree, index)
                    window.tree.scrollTo(index)
                window.activateWindow()
                window.tree.setFocus()
                return window.tree.hasFocus() and window.isActiveWindow()

            waiting.append((request, selected))
        else:
            answer({"error": f"unknown command {name!r}"})

    def poll() -> None:
        for entry in list(waiting):
            request, ready = entry
            if ready():
                waiting.remove(entry)
                extra = request.get("extra")
                answer({"done": request["cmd"], **state(), **(extra() if extra else {})})

    notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)

    def read() -> None:
        line = sys.stdin.readline()
        if not line:
            app.exit(0)
            return
        command(line)

    notifier.activated.connect(read)
    timer = QTimer()
    timer.setInterval(50)
    timer.timeout.connect(poll)
    timer.start()
    code = app.exec()
    window.shutdown()
    return int(code)


if __name__ == "__main__":
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    sys.exit(main())
