"""Drag-to-promote against real servers: drops, menus, conflicts, permissions, double drops."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from modelyard.core.actions.promote import ShownModel, Target
from modelyard.core.model.domain import Stage
from modelyard.core.profiles.profile import Profile, ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from modelyard.core.reads.history import recorded_events
from modelyard.ui.board.promote_dialog import PromoteDialog, PromotionChoice
from modelyard.ui.tree.tree_panel import choose_row
from tests.conftest import save_artifact
from tests.helpers.board import drop, fresh_model, lane_versions, open_board, tree_mime
from tests.helpers.menus import submenu_of
from tests.helpers.registry import add_server_profile, admin_store
from tests.helpers.values import some
from tests.support.servers import ADMIN_PASSWORD, ADMIN_USER, MlflowServer, create_user


def test_drag_from_the_tree_promotes_and_archives(
    qtbot: QtBot, mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    fresh_model(mlflow_server, "board-a")
    admin = admin_store(mlflow_server)
    admin.transition_model_version_stage("board-a", "1", "Production", False)
    add_server_profile(store, secrets, mlflow_server, "srv")
    window = open_board(qtbot, store, "srv", "board-a")
    board = window.details.model_view.board
    assert lane_versions(board.stage_lanes["Production"]) == ["1"]
    asked: list[list[str]] = []

    def confirm(
        model: str, version: str, target: Target, snapshot: ShownModel, changed: list[str]
    ) -> PromotionChoice | None:
        from modelyard.core.actions.promote import plan_lines

        asked.append(plan_lines(snapshot, version, target, True))
        return PromotionChoice(archive_existing=True, comment="canary passed")

    window.details.promotions.confirm_promotion = confirm
    with qtbot.waitSignal(window.details.loaded, timeout=60_000):
        drop(board.stage_lanes["Production"], tree_mime(window, "3"))
    assert asked == [["v3 (None) → Production", "v1 (Production) → Archived"]]
    assert admin.get_model_version("board-a", "3").current_stage == "Production"
    assert admin.get_model_version("board-a", "1").current_stage == "Archived"
    assert lane_versions(board.stage_lanes["Production"]) == ["3"]
    assert "1" in lane_versions(board.stage_lanes["Archived"])
    events = recorded_events("3", admin.get_model_version("board-a", "3").tags)
    assert [(e.to_value, e.comment) for e in events] == [("Production", "canary passed")]
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    window.grab().save(str(save_artifact("promote-board.png")))
    window.close()


def test_alias_move_from_the_context_menu(
    qtbot: QtBot, mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    fresh_model(mlflow_server, "board-b")
    admin = admin_store(mlflow_server)
    admin.set_registered_model_alias("board-b", "champion", "1")
    add_server_profile(store, secrets, mlflow_server, "srv")
    window = open_board(qtbot, store, "srv", "board-b")
    board = window.details.model_view.board
    window.details.promotions.confirm_promotion = lambda *a: PromotionChoice(False, "")
    menu = board.menu_for("2")
    set_alias = submenu_of(menu, "Set alias")
    with qtbot.waitSignal(window.details.loaded, timeout=60_000):
        next(a for a in set_alias.actions() if a.text() == "@champion").trigger()
    assert admin.get_registered_model("board-b").aliases == {"champion": "2"}
    assert lane_versions(board.alias_lanes["champion"]) == ["2"]
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    window.close()


def test_a_change_made_meanwhile_is_shown_and_asked_again(
    qtbot: QtBot, mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    fresh_model(mlflow_server, "board-c")
    admin = admin_store(mlflow_server)
    add_server_profile(store, secrets, mlflow_server, "srv")
    window = open_board(qtbot, store, "srv", "board-c")
    board = window.details.model_view.board
    admin.transition_model_version_stage("board-c", "2", "Production", False)  # someone else
    calls: list[list[str]] = []

    def confirm(
        model: str, version: str, target: Target, snapshot: ShownModel, changed: list[str]
    ) -> PromotionChoice | None:
        calls.append(changed)
        if changed:  # the real dialog, as the user sees it on the re-ask
            dialog = PromoteDialog.for_promotion(
                model, version, target, snapshot, changed, parent=window
            )
            dialog.show()
            qtbot.waitExposed(dialog)
            dialog.grab().save(str(save_artifact("promote-conflict.png")))
            assert (
                "Production now holds v2" in some(dialog.findChild(QLabel, "conflictText")).text()
            )
            dialog.close()
        return PromotionChoice(False, "")

    window.details.promotions.confirm_promotion = confirm
    drop(board.stage_lanes["Production"], tree_mime(window, "1"))
    qtbot.waitUntil(lambda: len(calls) == 2, timeout=60_000)
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    assert calls[0] == []
    assert any("Production now holds v2" in line for line in calls[1])
    assert admin.get_model_version("board-c", "1").current_stage == "Production"
    assert sorted(lane_versions(board.stage_lanes["Production"])) == ["1", "2"]
    window.close()


def test_read_only_user_is_refused_and_the_board_stays_true(
    qtbot: QtBot, auth_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    fresh_model(auth_server, "board-secure", 2)
    if not _user_exists(auth_server, "reader"):
        create_user(auth_server, "reader", "reader-password-123")
    add_server_profile(store, secrets, auth_server, "ro", "reader", "reader-password-123")
    window = open_board(qtbot, store, "ro", "board-secure")
    board = window.details.model_view.board
    window.details.promotions.confirm_promotion = lambda *a: PromotionChoice(False, "")
    drop(board.stage_lanes["Staging"], tree_mime(window, "2"))
    qtbot.waitUntil(lambda: not board.editable, timeout=60_000)
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    view = window.details.model_view
    assert "Permission denied" in view.banner.label.text()
    assert board.hint.text().startswith("Read-only: Permission denied")
    assert admin_store(auth_server).get_model_version("board-secure", "2").current_stage == "None"
    assert "2" in lane_versions(board.stage_lanes["None"])
    window.grab().save(str(save_artifact("promote-refused.png")))
    window.close()


def test_double_drop_applies_once(
    qtbot: QtBot, mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    fresh_model(mlflow_server, "board-d", 2)
    add_server_profile(store, secrets, mlflow_server, "srv")
    window = open_board(qtbot, store, "srv", "board-d")
    board = window.details.model_view.board
    asked: list[tuple[object, ...]] = []

    def refuse(*a: object) -> PromotionChoice:
        asked.append(a)
        return PromotionChoice(False, "")

    window.details.promotions.confirm_promotion = refuse
    mime = tree_mime(window, "2")
    drop(board.stage_lanes["Staging"], mime)
    drop(board.stage_lanes["Staging"], mime)  # the second lands while the first is in flight
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    assert len(asked) == 1
    tags = admin_store(mlflow_server).get_model_version("board-d", "2").tags
    assert len(recorded_events("2", tags)) == 1
    window.close()


def test_a_result_that_lands_after_another_model_is_selected_stays_with_its_model(
    qtbot: QtBot, mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    """#11.9: the promotion's banner and board state belong to the model it was made on."""
    fresh_model(mlflow_server, "board-e1", 2)
    fresh_model(mlflow_server, "board-e2", 2)
    add_server_profile(store, secrets, mlflow_server, "srv")
    window = open_board(qtbot, store, "srv", "board-e1")
    board = window.details.model_view.board
    window.details.promotions.confirm_promotion = lambda *a: PromotionChoice(False, "")
    drop(board.stage_lanes["Staging"], tree_mime(window, "2"))
    # Before the worker can answer (its result needs this event loop), the user moves on.
    tm = window.tree_model
    root = tm.profile_index("srv")
    row = next(r for r in range(tm.rowCount(root)) if tm.index(r, 0, root).data() == "board-e2")
    choose_row(window.tree, window.proxy.mapFromSource(tm.index(row, 0, root)))
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    assert window.details.current is not None
    assert some(window.details.current).model_summary.name == "board-e2"
    assert admin_store(mlflow_server).get_model_version("board-e1", "2").current_stage == "Staging"
    view = window.details.model_view
    assert "Done: v2" not in view.banner.label.text()
    assert view.model is not None and view.model.name == "board-e2"
    assert board.editable and not board.busy
    assert window.statusBar().currentMessage() == "board-e1: Done: v2 → Staging."  # said there
    window.close()


def test_snapshot_and_target_helpers() -> None:
    snapshot = ShownModel({}, {})
    assert Target("alias", "x").describe() == "@x" and snapshot.aliases == {}
    assert Stage.parse("production") is Stage.PRODUCTION


def _user_exists(server: MlflowServer, name: str) -> bool:
    import requests

    response = requests.get(
        f"{server.url}/api/2.0/mlflow/users/get",
        params={"username": name},
        auth=(ADMIN_USER, ADMIN_PASSWORD),
        timeout=30,
    )
    return response.status_code == 200


def test_read_only_permission_is_shown_before_any_drag(
    qtbot: QtBot, auth_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    import requests

    fresh_model(auth_server, "board-granted", 1)
    if not _user_exists(auth_server, "reader"):
        create_user(auth_server, "reader", "reader-password-123")
    requests.post(
        f"{auth_server.url}/api/3.0/mlflow/users/permissions/grant",
        json={
            "username": "reader",
            "resource_type": "registered_model",
            "resource_id": "board-granted",
            "permission": "READ",
        },
        auth=(ADMIN_USER, ADMIN_PASSWORD),
        timeout=30,
    ).raise_for_status()
    add_server_profile(store, secrets, auth_server, "ro", "reader", "reader-password-123")
    window = open_board(qtbot, store, "ro", "board-granted")
    board = window.details.model_view.board
    assert not board.editable
    assert board.hint.text().startswith("Read-only")
    assert not board.stage_lanes["Production"].accepting
    window.close()


def test_admin_may_edit_and_plain_servers_do_not_say(
    auth_server: MlflowServer,
    mlflow_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
) -> None:
    from modelyard.core.connectors import open_registry

    fresh_model(auth_server, "board-granted", 1)
    admin = add_server_profile(store, secrets, auth_server, "adm", ADMIN_USER, ADMIN_PASSWORD)
    assert open_registry(admin, secrets).can_edit_model("board-granted") is True
    plain = add_server_profile(store, secrets, mlflow_server, "plain")
    assert open_registry(plain, secrets).can_edit_model("anything") is None


def test_demo_cards_show_key_metric_creator_and_switch_metric(
    qtbot: QtBot, demo_profile: Profile, store: ProfileStore
) -> None:
    from modelyard.ui.board.cards import CARD_ROLE

    window = open_board(qtbot, store, "demo", "demand-forecast")
    board = window.details.model_view.board
    qtbot.waitUntil(lambda: board.metric_box.count() > 0, timeout=60_000)
    assert board.metric_box.isVisible()
    chosen = board.key_metric
    assert chosen in [board.metric_box.itemText(i) for i in range(board.metric_box.count())]
    production = board.stage_lanes["Production"]
    card = production.item(0).data(CARD_ROLE)
    assert card.metric is not None and card.metric[0] == chosen
    assert card.version.creator  # the demo has creators
    assert f"{chosen} " in production.item(0).text()
    other = next(
        board.metric_box.itemText(i)
        for i in range(board.metric_box.count())
        if board.metric_box.itemText(i) != chosen
    )
    board.metric_box.setCurrentText(other)
    assert board.stage_lanes["Production"].item(0).data(CARD_ROLE).metric[0] == other
    # The choice is remembered for this model: another model has its own, coming back keeps it.
    from tests.helpers.window import select_model

    select_model(qtbot, window, "demo", "churn-classifier")
    qtbot.waitUntil(
        lambda: board.model == "churn-classifier" and bool(board.key_metric), timeout=60_000
    )
    assert board.key_metric == "val_accuracy"  # its default: the metric that tells cards apart
    cards = [
        board.stage_lanes[s].item(i).data(CARD_ROLE)
        for s in board.stage_lanes
        for i in range(board.stage_lanes[s].count())
    ]
    values = {c.version.version: c.text().splitlines()[1] for c in cards if c.metric}
    assert len(set(values.values())) == len(values)  # every card reads differently
    select_model(qtbot, window, "demo", "demand-forecast")
    qtbot.waitUntil(
        lambda: board.model == "demand-forecast" and board.key_metric == other, timeout=60_000
    )
    qtbot.waitUntil(window.workers.is_idle, timeout=30_000)
    window.close()


def test_an_alias_left_on_an_archived_version_is_one_click_from_moving(
    qtbot: QtBot, mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    """#23.8: "@champion still points to v1, now Archived — move it?" offered nothing to act
    on. The banner's button asks to move it (confirmed as any alias move)."""
    fresh_model(mlflow_server, "board-stale", 2)
    admin = admin_store(mlflow_server)
    admin.transition_model_version_stage("board-stale", "1", "Production", False)
    admin.set_registered_model_alias("board-stale", "champion", "1")
    add_server_profile(store, secrets, mlflow_server, "srv")
    window = open_board(qtbot, store, "srv", "board-stale")
    board = window.details.model_view.board
    asked: list[object] = []

    def confirm(
        model: str, version: str, target: Target, snapshot: ShownModel, changed: list[str]
    ) -> PromotionChoice | None:
        asked.append((version, target.kind, target.value))
        return PromotionChoice(archive_existing=True, comment="")

    window.details.promotions.confirm_promotion = confirm
    with qtbot.waitSignal(window.details.loaded, timeout=60_000):
        drop(board.stage_lanes["Production"], tree_mime(window, "2"))
    banner = window.details.model_view.banner
    qtbot.waitUntil(banner.button.isVisible, timeout=30_000)
    assert "@champion still points to v1" in banner.label.text()
    assert banner.button.text() == "Move @champion to v2…"
    with qtbot.waitSignal(window.details.loaded, timeout=60_000):
        banner.button.click()
    assert asked[-1] == ("2", "alias", "champion")
    assert admin.get_registered_model("board-stale").aliases == {"champion": "2"}
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    window.close()
