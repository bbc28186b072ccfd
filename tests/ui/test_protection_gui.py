"""Protection levels in the window: a read-only profile offers no change and says why (menus,
board, details), sends nothing; the wizard sets the level (prod starts at Confirm)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from modelyard.core.profiles.profile import Profile, ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from modelyard.core.runtime.activity import Activity
from modelyard.ui.board.promote_dialog import PromotionChoice
from tests.conftest import save_artifact
from tests.helpers.board import drop, fresh_model, lane_versions, open_board, tree_mime
from tests.helpers.menus import grab_with_popups, open_menu_by_key, submenu_of
from tests.helpers.registry import add_server_profile, admin_store
from tests.helpers.window import open_window, select_version
from tests.support.servers import MlflowServer


def _read_only(store: ProfileStore, name: str) -> None:
    profile = store.get(name)
    store.replace(profile.model_copy(update={"protection": "read-only"}))


def test_a_read_only_registry_offers_no_change_says_why_and_sends_nothing(
    qtbot: QtBot, mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    fresh_model(mlflow_server, "vault-model", 2)
    add_server_profile(store, secrets, mlflow_server, "vault")
    _read_only(store, "vault")
    window = open_board(qtbot, store, "vault", "vault-model")
    board = window.details.model_view.board
    qtbot.waitUntil(lambda: not board.editable, timeout=60_000)
    assert board.hint.text() == (
        "Read-only: vault is read-only in Modelyard (its protection level)."
    )
    window.details.promotions.confirm_promotion = lambda *a: PromotionChoice(True, "")
    drop(board.stage_lanes["Production"], tree_mime(window, "2"))  # refused by the rules
    select_version(qtbot, window, "2")
    menu = open_menu_by_key(qtbot, window)
    first = menu.actions()[0]
    assert first.text().startswith("vault is read-only") and not first.isEnabled()
    stages = submenu_of(menu, "Promote to")
    assert not any(a.isEnabled() for a in stages.actions())
    assert not submenu_of(menu, "Set alias").isEnabled()
    grab_with_popups(window, menu, stages).save(str(save_artifact("read-only-menu.png")))
    QTest.keyClick(menu, Qt.Key.Key_Escape)
    # the details offer no editing, and say why; a write asked anyway is refused unsent
    view = window.details.version_view
    assert not view.tags.add_button.isEnabled() and not view.description.edit_button.isEnabled()
    assert "vault is read-only" in view.tags.add_button.toolTip()
    view.setTag.emit("team", "fraud")  # as the tags editor would
    assert "vault is read-only in Modelyard" in view.banner.label.text()
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    version = admin_store(mlflow_server).get_model_version("vault-model", "2")
    assert version.current_stage == "None" and "team" not in version.tags
    assert "2" in lane_versions(board.stage_lanes["None"])
    assert Activity().entries() == []  # nothing was even tried
    window.close()


def test_a_protected_promotion_waits_for_the_models_name_typed(qtbot: QtBot) -> None:
    from modelyard.core.actions.promote import ShownModel, Target
    from modelyard.core.model.domain import VersionSummary
    from modelyard.ui.board.promote_dialog import PromoteDialog

    snapshot = ShownModel({"2": VersionSummary("churn", "2")}, {})
    why = "prod asks for each write to be confirmed (its protection level)"
    dialog = PromoteDialog.for_promotion(
        "churn", "2", Target("alias", "champion"), snapshot, [], typed=("churn", why)
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.focusWidget() is dialog.typed  # typing goes into the name first
    assert not dialog.ok_button.isEnabled()
    QTest.keyClicks(dialog.typed, "chur")
    assert not dialog.ok_button.isEnabled()
    QTest.keyClick(dialog.typed, Qt.Key.Key_Return)  # Enter does nothing until it matches
    assert dialog.isVisible()
    QTest.keyClicks(dialog.typed, "n")
    assert dialog.ok_button.isEnabled()
    dialog.grab().save(str(save_artifact("typed-confirmation.png")))
    QTest.keyClick(dialog.typed, Qt.Key.Key_Return)
    assert not dialog.isVisible() and dialog.result() == dialog.DialogCode.Accepted


def test_deciding_a_transition_request_on_a_confirm_registry_waits_for_the_name(
    qtbot: QtBot,
) -> None:
    from modelyard.core.actions.promote import ShownModel
    from modelyard.core.model.domain import Stage, TransitionRequest, VersionSummary
    from modelyard.ui.board.promote_dialog import PromoteDialog, TransitionAsk

    snapshot = ShownModel({"3": VersionSummary("churn", "3")}, {})
    request = TransitionRequest("churn", "3", Stage.PRODUCTION, "bob", comment="AUC +2")
    why = "ws asks for each write to be confirmed (its protection level)"
    for action in ("approve", "reject", "withdraw", "request"):
        ask = TransitionAsk(action, "churn", "3", Stage.PRODUCTION, snapshot, request)
        dialog = PromoteDialog.for_transition(ask, typed=("churn", why))
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        assert not dialog.ok_button.isEnabled(), action
        QTest.keyClicks(dialog.typed, "churn")
        assert dialog.ok_button.isEnabled(), action
        dialog.close()


def test_a_tag_edit_on_a_confirm_registry_waits_for_the_models_name(
    qtbot: QtBot, mlflow_server: MlflowServer, store: ProfileStore, secrets: SecretStore
) -> None:
    fresh_model(mlflow_server, "confirm-model", 1)
    profile = add_server_profile(store, secrets, mlflow_server, "careful")
    store.replace(profile.model_copy(update={"label": "prod"}))  # prod: Confirm by default
    window = open_board(qtbot, store, "careful", "confirm-model")
    select_version(qtbot, window, "1")
    asked: list[tuple[str, str]] = []
    answers = iter([None, "confirm-mode", "confirm-model"])

    def ask(why: str, needed: str) -> str | None:
        asked.append((why, needed))
        return next(answers)

    window.details.promotions.ask_typed = ask
    view = window.details.version_view
    admin = admin_store(mlflow_server)
    view.setTag.emit("team", "fraud")  # cancelled: nothing sent
    view.setTag.emit("team", "fraud")  # a typo: nothing sent, and said
    assert "not the model's" in view.banner.label.text()
    qtbot.waitUntil(window.workers.is_idle, timeout=30_000)
    assert "team" not in admin.get_model_version("confirm-model", "1").tags
    view.setTag.emit("team", "fraud")  # the name: sent
    qtbot.waitUntil(
        lambda: admin.get_model_version("confirm-model", "1").tags.get("team") == "fraud",
        timeout=30_000,
    )
    assert asked[0] == (
        "careful asks for each write to be confirmed (its protection level)",
        "confirm-model",
    )
    qtbot.waitUntil(window.workers.is_idle, timeout=30_000)
    window.close()


def test_the_profile_pane_changes_the_protection_and_asks_before_lowering_it(
    qtbot: QtBot, demo_profile: Profile, store: ProfileStore
) -> None:
    window = open_window(qtbot, store)
    window.open_profile("demo")
    view = window.details.profile_view
    qtbot.waitUntil(lambda: view.isVisible() and view.node is not None, timeout=30_000)
    combo = view.protection
    assert combo.currentData() == "none"
    combo.setFocus()
    QTest.keyClick(combo, Qt.Key.Key_End)  # the last level: Read-only
    qtbot.waitUntil(lambda: store.get("demo").protection == "read-only", timeout=10_000)
    qtbot.waitUntil(
        lambda: (
            view.node is not None
            and view.node.profile.read_only
            and combo.currentData() == "read-only"
        ),
        timeout=30_000,
    )
    assert view.fields.values["Protection"].startswith("Read-only")
    window.grab().save(str(save_artifact("profile-protection.png")))
    # lowering it asks first: declined, it stays read-only
    asked: list[str] = []

    def decline(profile: Profile, level: str) -> bool:
        asked.append(f"{profile.protection_level}->{level}")
        return False

    window.profiles.confirm_lowering = decline
    combo.setFocus()
    QTest.keyClick(combo, Qt.Key.Key_Home)
    qtbot.waitUntil(lambda: asked == ["read-only->none"], timeout=10_000)
    assert store.get("demo").protection == "read-only"
    qtbot.waitUntil(lambda: combo.currentData() == "read-only", timeout=30_000)
    window.profiles.confirm_lowering = lambda _profile, _level: True
    QTest.keyClick(combo, Qt.Key.Key_Home)
    qtbot.waitUntil(lambda: store.get("demo").protection == "none", timeout=10_000)
    qtbot.waitUntil(window.workers.is_idle, timeout=60_000)
    window.close()
