"""The rules shared by the board, the menus and the CLI: move, request or refused, and why."""

from __future__ import annotations

from modelyard.core.actions.permissions import Mode, Rules
from modelyard.core.model.domain import Access, Capabilities, Stage

STAGING_ONLY = frozenset({Stage.NONE, Stage.STAGING, Stage.ARCHIVED})


def test_an_editor_moves_and_a_reader_is_refused_with_the_reason() -> None:
    editor = Rules(Access(edit=True, level="CAN_MANAGE"))
    assert editor.change(Stage.NONE, "stage", "Production") is Mode.MOVE
    assert editor.change(Stage.NONE, "alias", "champion") is Mode.MOVE
    assert editor.change(Stage.STAGING, "stage", "Staging") is Mode.REFUSED
    assert editor.why_not(Stage.STAGING, "stage", "Staging") == "It is already in Staging."
    reader = Rules(Access(edit=False, level="CAN_READ"))
    assert reader.change(Stage.NONE, "stage", "Staging") is Mode.REFUSED
    assert reader.change(Stage.NONE, "alias", "champion") is Mode.REFUSED
    assert reader.read_only()
    assert "CAN_READ" in reader.why_not(Stage.NONE, "stage", "Staging")
    assert reader.describe(Stage.NONE, "stage", "Staging") == "not allowed"


def test_a_registry_that_does_not_say_is_offered_everything() -> None:
    rules = Rules()
    assert rules.change(Stage.NONE, "stage", "Production") is Mode.MOVE
    assert rules.change(Stage.NONE, "remove-alias", "champion") is Mode.MOVE
    assert not rules.read_only()


def test_requests_where_the_registry_has_them_and_the_identity_may_only_ask() -> None:
    asker = Rules(Access(edit=False, request=True, level="CAN_EDIT"), requests=True)
    assert asker.change(Stage.NONE, "stage", "Production") is Mode.REQUEST
    assert asker.describe(Stage.NONE, "stage", "Production") == "requests Production"
    assert asker.change(Stage.NONE, "alias", "x") is Mode.REFUSED
    assert not asker.read_only()
    # The same access on a registry without requests can do nothing.
    assert Rules(asker.access).change(Stage.NONE, "stage", "Production") is Mode.REFUSED


def test_staging_managers_move_below_production_and_ask_for_production() -> None:
    access = Access(
        edit=True, request=True, level="CAN_MANAGE_STAGING_VERSIONS", stages=STAGING_ONLY
    )
    rules = Rules.of(Capabilities(transition_requests=True), access)
    assert rules.change(Stage.NONE, "stage", "Staging") is Mode.MOVE
    assert rules.change(Stage.STAGING, "stage", "Production") is Mode.REQUEST
    assert rules.describe(Stage.NONE, "stage", "Staging") == "moves to Staging"


def test_kinds_without_stages_or_aliases_and_a_refusal_win() -> None:
    uc = Rules.of(Capabilities(stages=False), Access(edit=True))
    assert uc.change(Stage.NONE, "stage", "Production") is Mode.REFUSED
    assert uc.why_not(Stage.NONE, "stage", "Production").startswith("This registry has no stages")
    assert uc.change(Stage.NONE, "alias", "champion") is Mode.MOVE
    refused = Rules(Access(edit=True), refusal="PERMISSION_DENIED on 127.0.0.1")
    assert refused.change(Stage.NONE, "alias", "a") is Mode.REFUSED
    assert refused.why_not(Stage.NONE, "alias", "a") == "PERMISSION_DENIED on 127.0.0.1"


def test_what_each_profile_kind_offers_before_anything_is_read() -> None:
    from modelyard.core.kinds import DatabricksSettings, DatabricksUCSettings, MlflowServerSettings
    from modelyard.core.profiles.profile import Profile

    host = "https://dbc.example.com"
    workspace = Profile(name="ws", settings=DatabricksSettings(host=host))
    uc = Profile(name="uc", settings=DatabricksUCSettings(host=host))
    server = Profile(name="srv", settings=MlflowServerSettings(url="http://127.0.0.1:5000"))
    assert (workspace.has_stages, workspace.has_aliases, workspace.has_requests) == (
        True,
        False,
        True,
    )
    assert (uc.has_stages, uc.has_aliases, uc.has_requests) == (False, True, False)
    assert (server.has_stages, server.has_aliases, server.has_requests) == (True, True, False)
    rules = Rules(stages=workspace.has_stages, aliases=workspace.has_aliases, requests=True)
    assert rules.alias_change() is Mode.REFUSED
    assert rules.why_not(Stage.NONE, "alias", "champion") == "This registry has no aliases."
