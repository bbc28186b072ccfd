"""Run by test_real_drag.py in its own process on a real X server (Xvfb, xcb platform).

Opens the app on the profiles of XDG_CONFIG_HOME, shows the promotion board of MODEL, prints
where version VERSION's card and the TARGET lane are on the screen, and waits while the test
moves the real (XTEST) mouse with xdotool. Confirmations are answered "yes" here (this is the
test's stand-in for the user); prints the promotion's outcome and exits.
"""

from __future__ import annotations

import json
import sys

from PySide6.QtCore import QTimer

from modelyard.ui.board.promote_board import VERSION_ROLE
from modelyard.ui.board.promote_dialog import PromotionChoice
from modelyard.ui.shell.app import create_app
from modelyard.ui.shell.main_window import MainWindow
from modelyard.ui.tree.tree_panel import choose_row


def main() -> int:
    profile, model, version, target = sys.argv[1:5]
    app = create_app()
    window = MainWindow()
    window.resize(1360, 840)
    window.move(0, 0)
    window.show()
    window.details.promotions.confirm_promotion = lambda *args: PromotionChoice(False, "real drag")
    state = {"step": 0, "ticks": 0}
    tm = window.tree_model

    def tick() -> None:
        state["ticks"] += 1
        if state["ticks"] > 1200:  # 2 minutes
            print(json.dumps({"error": f"timed out at step {state['step']}"}), flush=True)
            app.exit(3)
            return
        if not window.profiles_loaded:  # the profile file is read on a worker
            return
        root = tm.profile_index(profile)
        if state["step"] == 0:
            window.open_profile(profile)
            state["step"] = 1
        elif state["step"] == 1 and tm.node(root).load.all_fetched:
            row = next(r for r in range(tm.rowCount(root)) if tm.index(r, 0, root).data() == model)
            choose_row(window.tree, window.proxy.mapFromSource(tm.index(row, 0, root)))
            state["step"] = 2
        elif state["step"] == 2 and window.workers.is_idle() and window.details.model_view.model:
            view = window.details.model_view
            view.tabs.setCurrentWidget(view.board)
            state["step"] = 3
        elif state["step"] == 3:
            board = window.details.model_view.board
            source_lane = next(
                lane
                for lane in board.stage_lanes.values()
                if any(lane.item(i).data(VERSION_ROLE) == version for i in range(lane.count()))
            )
            item = next(
                source_lane.item(i)
                for i in range(source_lane.count())
                if source_lane.item(i).data(VERSION_ROLE) == version
            )
            card = source_lane.visualItemRect(item).center()
            start = source_lane.viewport().mapToGlobal(card)
            lane = board.stage_lanes[target]
            end = lane.viewport().mapToGlobal(lane.viewport().rect().center())
            window.details.loaded.connect(lambda: state.__setitem__("step", 5))
            print(
                json.dumps({"from": [start.x(), start.y()], "to": [end.x(), end.y()]}), flush=True
            )
            state["step"] = 4
        elif state["step"] == 5 and window.workers.is_idle():
            stage = next(
                (
                    s
                    for s, lane in window.details.model_view.board.stage_lanes.items()
                    if any(lane.item(i).data(VERSION_ROLE) == version for i in range(lane.count()))
                ),
                "?",
            )
            print(json.dumps({"done": stage}), flush=True)
            app.exit(0)

    timer = QTimer()
    timer.setInterval(100)
    timer.timeout.connect(tick)
    timer.start()
    code = app.exec()
    window.shutdown()
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
