"""The setup wizard, driven page by page against real servers (and the Databricks stand-in)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest
from PySide6.QtWidgets import QDialog, QLineEdit, QWizard
from pytestqt.qtbot import QtBot

from modelyard.core.kinds import (
    AzureMLSettings,
    DatabricksSettings,
    LocalSettings,
    MlflowServerSettings,
)
from modelyard.core.model.errors import ErrorKind
from modelyard.core.profiles.profile import Profile, ProfileStore
from modelyard.core.profiles.secrets import SecretStore
from modelyard.ui.common.workers import WorkerPool
from modelyard.ui.profiles.fields import PAGE_AUTH, PAGE_CONNECTION, PAGE_FINISH, PAGE_TEST
from modelyard.ui.profiles.wizard import ProfileWizard
from modelyard.ui.shell.main_window import MainWindow
from modelyard.ui.tree.tree_panel import choose_row
from tests.conftest import save_artifact
from tests.support.contract_server import contract_server
from tests.support.html_server import html_server, status_server
from tests.support.memory_keyring import MemoryKeyring
from tests.support.servers import ADMIN_PASSWORD, ADMIN_USER, MlflowServer, free_port


@pytest.fixture()
def make_wizard(qtbot: QtBot, store: ProfileStore) -> Iterator[Callable[..., ProfileWizard]]:
    pools: list[WorkerPool] = []

    def make(**kwargs: object) -> ProfileWizard:
        pool = WorkerPool()
        pools.append(pool)
        wizard = ProfileWizard(store, kwargs.pop("secrets", None) or SecretStore(), pool, **kwargs)  # type: ignore[arg-type]
        qtbot.addWidget(wizard)
        wizard.show()
        qtbot.waitUntil(lambda: wizard.probed, timeout=30_000)  # keyring asked on a worker
        return wizard

    yield make
    for pool in pools:
        pool.shutdown()


def type_into(wizard: ProfileWizard, key: str, text: str) -> None:
    widget = wizard.fields[key]
    assert isinstance(widget, QLineEdit)
    widget.setText(text)


def finish(wizard: ProfileWizard, qtbot: QtBot) -> None:
    """Press Finish: the save runs on a worker; the dialog closes when it is done."""
    wizard.accept()
    qtbot.waitUntil(lambda: wizard.result() == QDialog.DialogCode.Accepted, timeout=30_000)


def next_enabled(wizard: ProfileWizard) -> bool:
    return wizard.button(QWizard.WizardButton.NextButton).isEnabled()


def go_to_test(
    wizard: ProfileWizard,
    qtbot: QtBot,
    kind: str,
    fill: dict[str, str],
    auth: str | None = None,
    secrets: dict[str, str] | None = None,
) -> None:
    wizard.kind_page.buttons[kind].setChecked(True)
    wizard.next()
    assert wizard.currentId() == PAGE_CONNECTION
    for key, value in fill.items():
        type_into(wizard, key, value)
    assert next_enabled(wizard), wizard.connection_page.problem.text()
    wizard.next()
    assert wizard.currentId() == PAGE_AUTH
    if auth is not None:
        wizard.auth_page.method.setCurrentIndex(wizard.auth_page.method.findData(auth))
    for key, value in (secrets or {}).items():
        type_into(wizard, key, value)
    assert next_enabled(wizard), wizard.auth_page.problem.text()
    wizard.next()
    assert wizard.currentId() == PAGE_TEST
    qtbot.waitUntil(lambda: wizard.test_page.result is not None, timeout=60_000)


def shot(wizard: ProfileWizard, name: str) -> None:
    wizard.grab().save(str(save_artifact(name)))


def test_new_basic_auth_profile_page_by_page(
    make_wizard: Callable[..., ProfileWizard],
    qtbot: QtBot,
    auth_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
) -> None:
    wizard = make_wizard()
    shot(wizard, "wizard-1-kind.png")
    wizard.next()
    assert wizard.connection_page.problem.text() == ""  # nothing to complain about yet
    type_into(wizard, "url", "ftp://registry")
    assert not next_enabled(wizard)
    # Said as it is typed (#23.13: a disabled Next without a word was a dead end).
    problem = wizard.connection_page.problem.text()
    assert problem.startswith("⚠ Server address: The address must start with http://") or (
        "the address must start with http://" in problem
    ), problem
    type_into(wizard, "url", auth_server.url)
    assert next_enabled(wizard) and wizard.connection_page.problem.text() == ""
    shot(wizard, "wizard-2-connection.png")
    wizard.next()
    wizard.auth_page.method.setCurrentIndex(wizard.auth_page.method.findData("basic"))
    assert not next_enabled(wizard)  # username and password missing
    type_into(wizard, "username", ADMIN_USER)
    assert "password" in wizard.auth_page.problem.text().lower()
    type_into(wizard, "password", ADMIN_PASSWORD)
    assert next_enabled(wizard)
    shot(wizard, "wizard-3-sign-in.png")
    wizard.next()
    qtbot.waitUntil(lambda: wizard.test_page.result is not None, timeout=60_000)
    result = wizard.test_page.result
    assert result is not None, "no test result"
    assert result.ok, result.text()
    assert "Signed in as admin" in wizard.test_page.message.text()
    shot(wizard, "wizard-4-test.png")
    assert store.list() == []  # nothing written before Save
    wizard.next()
    assert wizard.currentId() == PAGE_FINISH
    assert wizard.finish_page.name.text().startswith("127.0.0.1")
    wizard.finish_page.name.setText("team-registry")
    wizard.finish_page.label.setCurrentText("prod")
    assert wizard.finish_page.color.currentData() == "#dc2626"  # prod is red
    shot(wizard, "wizard-5-name.png")
    finish(wizard, qtbot)
    saved = store.get("team-registry")
    assert saved.label == "prod" and saved.color == "#dc2626"
    assert saved.settings == MlflowServerSettings(
        url=auth_server.url, auth="basic", username=ADMIN_USER
    )
    assert secrets.get(saved.id, "password") == ADMIN_PASSWORD
    assert ADMIN_PASSWORD not in store.path.read_text()


FAILURES: list[tuple[str, ErrorKind, str]] = [
    ("unresolved", ErrorKind.UNRESOLVED, "The host name does not resolve"),
    ("refused", ErrorKind.REFUSED, "Connection refused"),
    ("tls", ErrorKind.TLS, "TLS certificate problem"),
    ("401", ErrorKind.AUTH, "Sign-in refused (401)"),
    ("403", ErrorKind.PERMISSION, "Access denied (403)"),
    ("404", ErrorKind.NO_API, "No MLflow API at this address (404)"),
    ("html", ErrorKind.HTML, "A web page answered instead of the MLflow API"),
    ("timeout", ErrorKind.TIMEOUT, "No answer in time"),
]


@pytest.mark.parametrize(("case", "kind", "headline"), FAILURES, ids=[f[0] for f in FAILURES])
def test_every_failure_is_diagnosed_in_the_wizard(
    case: str,
    kind: ErrorKind,
    headline: str,
    make_wizard: Callable[..., ProfileWizard],
    qtbot: QtBot,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    auth, secret = None, {}
    with _failing_url(case, request, monkeypatch) as url:
        if case == "401":
            auth, secret = "basic", {"username": ADMIN_USER, "password": "wrong-password"}
        wizard = make_wizard()
        go_to_test(wizard, qtbot, "mlflow", {"url": url}, auth, secret)
    result = wizard.test_page.result
    assert result is not None, "no test result"
    assert result.kind is kind, result.text()
    assert wizard.test_page.headline.text() == f"✖  {headline}"
    assert "wrong-password" not in wizard.test_page.message.text()
    if case == "tls":
        shot(wizard, "wizard-4-test-tls-failure.png")
    assert next_enabled(wizard)  # the user may still save (e.g. the server is down today)


class _failing_url:
    def __init__(
        self, case: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self.case, self.request, self.monkeypatch = case, request, monkeypatch
        self.stack: list[object] = []

    def __enter__(self) -> str:
        case = self.case
        if case == "unresolved":
            return "http://no-such-host.invalid"
        if case == "refused":
            return f"http://127.0.0.1:{free_port()}"
        if case == "tls":
            return str(self.request.getfixturevalue("tls_server").url)
        if case == "401":
            return str(self.request.getfixturevalue("auth_server").url)
        if case == "404":
            return str(self.request.getfixturevalue("mlflow_server").url) + "/not-here"
        if case == "timeout":
            import socket

            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sock.listen(4)
            self.stack.append(sock)
            self.monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "1")
            self.monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
            return f"http://127.0.0.1:{sock.getsockname()[1]}"
        server = (
            status_server(403, b'{"error_code": "PERMISSION_DENIED", "message": "no"}')
            if case == "403"
            else html_server()
        )
        self.stack.append(server)
        return server.__enter__()

    def __exit__(self, *exc: object) -> None:
        for item in self.stack:
            if hasattr(item, "__exit__"):
                item.__exit__(None, None, None)
            else:
                item.close()  # type: ignore[attr-defined]


def test_contract_databricks_pat_from_the_wizard(
    make_wizard: Callable[..., ProfileWizard],
    qtbot: QtBot,
    mlflow_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
) -> None:
    with contract_server(mlflow_server.url) as contract:
        token = contract.issue("dana@example.com")
        wizard = make_wizard()
        go_to_test(wizard, qtbot, "databricks", {"host": contract.url}, "pat", {"token": token})
        result = wizard.test_page.result
        assert result is not None, "no test result"
        assert result.ok, result.text()
        assert result.identity == "dana@example.com"
        wizard.next()
        finish(wizard, qtbot)
    [saved] = store.list()
    assert isinstance(saved.settings, DatabricksSettings) and saved.settings.auth == "pat"
    assert secrets.get(saved.id, "token") == token
    assert token not in store.path.read_text()


def test_no_keyring_offers_this_session_only(
    make_wizard: Callable[..., ProfileWizard],
    qtbot: QtBot,
    auth_server: MlflowServer,
    store: ProfileStore,
) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())  # restored by isolated_user
    session = SecretStore()
    wizard = make_wizard(secrets=session)
    wizard.next()
    type_into(wizard, "url", auth_server.url)
    wizard.next()
    wizard.auth_page.method.setCurrentIndex(wizard.auth_page.method.findData("basic"))
    type_into(wizard, "username", ADMIN_USER)
    type_into(wizard, "password", ADMIN_PASSWORD)
    assert wizard.auth_page.keyring_warning.isVisible()
    assert "No OS keyring" in wizard.auth_page.keyring_warning.text()
    assert not next_enabled(wizard)  # not silently: the user must agree
    wizard.auth_page.session_only.setChecked(True)
    shot(wizard, "wizard-3-no-keyring.png")
    assert next_enabled(wizard)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.test_page.result is not None, timeout=60_000)
    assert wizard.test_page.result is not None and wizard.test_page.result.ok
    wizard.next()
    finish(wizard, qtbot)
    [saved] = store.list()
    assert session.get(saved.id, "password") == ADMIN_PASSWORD  # in this session's memory
    assert ADMIN_PASSWORD not in store.path.read_text()


def test_edit_keeps_secret_duplicate_copies_it_delete_removes_it(
    qtbot: QtBot,
    auth_server: MlflowServer,
    store: ProfileStore,
    secrets: SecretStore,
    tmp_path: Path,
) -> None:
    settings = MlflowServerSettings(url=auth_server.url, auth="basic", username=ADMIN_USER)
    original = store.add(Profile(name="shared", settings=settings))
    secrets.set(original.id, "password", ADMIN_PASSWORD)
    window = MainWindow(store)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.profiles_loaded, timeout=30_000)
    window.profiles.show_dialogs = False
    choose_row(window.tree, window.proxy.mapFromSource(window.tree_model.profile_index("shared")))
    wizard = window.profiles.edit_profile()
    assert wizard is not None and wizard.currentId() == PAGE_CONNECTION
    qtbot.waitUntil(lambda: wizard.probed, timeout=30_000)
    wizard.next()
    assert "leave the field empty to keep it" in wizard.auth_page.keep_note.text()
    assert next_enabled(wizard)  # the stored password counts
    wizard.next()
    qtbot.waitUntil(lambda: wizard.test_page.result is not None, timeout=60_000)
    assert wizard.test_page.result is not None and wizard.test_page.result.ok
    wizard.next()
    wizard.finish_page.label.setCurrentText("staging")
    finish(wizard, qtbot)
    assert store.get("shared").label == "staging" and store.get("shared").id == original.id
    assert secrets.get(original.id, "password") == ADMIN_PASSWORD
    choose_row(window.tree, window.proxy.mapFromSource(window.tree_model.profile_index("shared")))
    copy = window.profiles.duplicate_profile()
    assert copy is not None and copy.finish_page.name.text() == "shared copy"
    qtbot.waitUntil(lambda: copy.probed, timeout=30_000)
    copy.next()
    copy.next()
    qtbot.waitUntil(lambda: copy.test_page.result is not None, timeout=60_000)
    copy.next()
    finish(copy, qtbot)
    duplicate = store.get("shared copy")
    assert duplicate.id != original.id
    assert secrets.get(duplicate.id, "password") == ADMIN_PASSWORD
    # The tree shows a saved profile once the profile file is read again (on a worker): the
    # row is selected when it is there (selecting it earlier selected nothing, and Delete then
    # had no profile to delete — seen once under load).
    qtbot.waitUntil(
        lambda: window.tree_model.profile_index("shared copy").isValid(), timeout=30_000
    )
    choose_row(
        window.tree, window.proxy.mapFromSource(window.tree_model.profile_index("shared copy"))
    )
    assert (selected := window.selected_profile()) is not None and selected.name == "shared copy"
    window.profiles.delete_profile(confirm=False)  # the keyring work runs on a worker
    qtbot.waitUntil(lambda: store.find("shared copy") is None, timeout=30_000)
    qtbot.waitUntil(window.workers.is_idle, timeout=30_000)
    assert store.find("shared copy") is None and secrets.get(duplicate.id, "password") is None
    assert [p.name for p in window.tree_model.profiles()] == ["shared"]
    window.profiles.export_profiles(str(tmp_path / "out.json"))
    assert ADMIN_PASSWORD not in (tmp_path / "out.json").read_text()
    window.profiles.test_profile()
    qtbot.waitUntil(lambda: window.profiles.last_diagnosis is not None, timeout=60_000)
    assert window.profiles.last_diagnosis is not None and window.profiles.last_diagnosis.ok
    window.workers.shutdown()


class ThreadWatchingKeyring(MemoryKeyring):
    """The in-memory keyring, noting every call made on the GUI thread."""

    def __init__(self) -> None:
        super().__init__()
        self.on_gui_thread: list[str] = []

    def _note(self, what: str) -> None:
        if threading.current_thread() is threading.main_thread():
            self.on_gui_thread.append(what)

    def get_password(self, service: str, username: str) -> str | None:
        self._note(f"get {username}")
        return super().get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        self._note(f"set {username}")
        super().set_password(service, username, password)

    def delete_password(self, service: str, username: str) -> None:
        self._note(f"delete {username}")
        super().delete_password(service, username)


def test_the_wizard_never_touches_the_keyring_on_the_gui_thread(
    qtbot: QtBot, auth_server: MlflowServer, store: ProfileStore
) -> None:
    """#11.19: a slow keyring (or an unlock prompt) never freezes the window: edit, test and
    save a profile with a stored password, then delete it; no keyring call on the GUI thread."""
    watching = ThreadWatchingKeyring()
    keyring.set_keyring(watching)
    settings = MlflowServerSettings(url=auth_server.url, auth="basic", username=ADMIN_USER)
    original = store.add(Profile(name="watched", settings=settings))
    watching.set_password("modelyard", f"{original.id}:password", ADMIN_PASSWORD)
    watching.on_gui_thread.clear()
    window = MainWindow(store)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.profiles_loaded, timeout=30_000)
    window.profiles.show_dialogs = False
    choose_row(window.tree, window.proxy.mapFromSource(window.tree_model.profile_index("watched")))
    wizard = window.profiles.edit_profile()
    assert wizard is not None
    qtbot.waitUntil(lambda: wizard.probed, timeout=30_000)
    assert wizard.stored_secret_fields == ("password",)
    wizard.next()
    wizard.next()
    qtbot.waitUntil(lambda: wizard.test_page.result is not None, timeout=60_000)
    assert wizard.test_page.result is not None and wizard.test_page.result.ok
    wizard.next()
    finish(wizard, qtbot)
    window.profiles.delete_profile(confirm=False)
    qtbot.waitUntil(lambda: store.find("watched") is None, timeout=30_000)
    qtbot.waitUntil(window.workers.is_idle, timeout=30_000)
    assert watching.on_gui_thread == []
    window.workers.shutdown()


def test_azureml_clouds_in_the_wizard_and_edit_keeps_the_hosts(
    make_wizard: Callable[..., ProfileWizard], qtbot: QtBot
) -> None:
    sub = "0b4f5f0e-1111-2222-3333-444455556666"
    wizard = make_wizard()
    wizard.kind_page.buttons["azureml"].setChecked(True)
    wizard.next()
    type_into(
        wizard,
        "tracking_uri",
        f"azureml://usgovvirginia.api.ml.azure.us/mlflow/v1.0/subscriptions/{sub}"
        "/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws-gov",
    )
    assert wizard.fields["cloud"].currentText() == "Azure Government"
    parsed = wizard.settings("azure-cli")
    assert isinstance(parsed, AzureMLSettings) and parsed.cloud == "usgov"
    assert parsed.authority == "login.microsoftonline.us"
    shot(wizard, "wizard-azureml-cloud.png")

    private = AzureMLSettings(
        subscription_id=sub,
        resource_group="rg",
        workspace="ws",
        region="chinaeast2",
        cloud="china",
        api_host="ml.internal.example.cn",
        authority_host="login.example.cn",
        auth="azure-cli",
    )
    editing = make_wizard(editing=Profile(name="cn", settings=private))
    assert editing.settings("azure-cli") == private  # the auth page applies its own choice later


def test_secrets_can_be_shown_and_files_have_browse_buttons(
    make_wizard: Callable[..., ProfileWizard],
) -> None:
    from PySide6.QtGui import QAction

    wizard = make_wizard()
    password = wizard.fields["password"]
    assert isinstance(password, QLineEdit)
    show = password.findChild(QAction, "showSecret")
    assert show is not None and password.echoMode() is QLineEdit.EchoMode.Password
    show.trigger()
    assert password.echoMode() is QLineEdit.EchoMode.Normal
    show.trigger()
    assert password.echoMode() is QLineEdit.EchoMode.Password
    for key in ("ca_bundle", "client_cert", "path"):
        field = wizard.fields[key]
        assert field.findChild(QAction, "browse") is not None, key


def test_a_url_without_scheme_says_why_right_under_it_and_a_second_profile_is_named(
    make_wizard: Callable[..., ProfileWizard], store: ProfileStore, qtbot: QtBot
) -> None:
    """#23.13: `127.0.0.1:5078` disabled Next without a word until the field was left; the
    message for a bad scheme showed ~230 px below its field; a second profile for the same URL
    got no warning."""
    store.add(Profile(name="local-srv", settings=MlflowServerSettings(url="http://127.0.0.1:5078")))
    wizard = make_wizard()
    wizard.resize(760, 560)
    wizard.kind_page.buttons["mlflow"].setChecked(True)
    wizard.next()
    page = wizard.connection_page
    url = wizard.fields["url"]
    type_into(wizard, "url", "127.0.0.1:5078")  # typed, not yet left
    assert not next_enabled(wizard)
    assert "did you mean http://127.0.0.1:5078" in page.problem.text()
    qtbot.waitUntil(page.problem.isVisible)
    below = page.problem.mapTo(page, page.problem.rect().topLeft()).y() - (
        url.mapTo(page, url.rect().bottomLeft()).y()
    )
    assert 0 <= below < 130, f"the message is {below} px below the URL field"
    shot(wizard, "wizard-2-connection-no-scheme.png")
    type_into(wizard, "url", "http://127.0.0.1:5078")
    assert next_enabled(wizard)
    assert "exists already" in page.problem.text() and "local-srv" in page.problem.text()


def test_a_local_registry_file_has_no_sign_in_page_and_saves(
    make_wizard: Callable[..., ProfileWizard], store: ProfileStore, qtbot: QtBot, tmp_path: Path
) -> None:
    """A local file needs no sign-in: the wizard used to show the Databricks methods there.
    The kind says it has none, so Next goes from where straight to the test."""
    from modelyard.core.connectors.local import open_local

    path = tmp_path / "reg.db"
    open_local(Profile(name="x", settings=LocalSettings(path=str(path))), create=True).close()
    wizard = make_wizard()
    wizard.kind_page.buttons["local"].setChecked(True)
    wizard.next()
    assert wizard.currentId() == PAGE_CONNECTION
    assert wizard.connection_page.subTitle().startswith("A registry in a local sqlite file")
    type_into(wizard, "path", str(path))
    assert next_enabled(wizard), wizard.connection_page.problem.text()
    wizard.next()
    assert wizard.currentId() == PAGE_TEST
    qtbot.waitUntil(lambda: wizard.test_page.result is not None, timeout=60_000)
    wizard.next()
    assert wizard.currentId() == PAGE_FINISH
    assert wizard.finish_page.name.text() == "reg"  # the kind's short name: the file's stem
    finish(wizard, qtbot)
    (saved,) = store.list()
    assert saved.settings == LocalSettings(path=str(path))


def test_editing_a_unity_catalog_profile_fills_its_own_form(
    make_wizard: Callable[..., ProfileWizard], store: ProfileStore
) -> None:
    """The connection fields come from the kind: Unity Catalog's host has a widget of its own
    (the workspace registry's form has a host too), and what is shown is what is saved."""
    from modelyard.core.kinds import DatabricksUCSettings

    settings = DatabricksUCSettings(
        host="https://dbc-1.cloud.databricks.com",
        auth="azure-cli",
        default_catalog="main",
        default_schema="ml",
    )
    profile = store.add(Profile(name="uc", settings=settings))
    wizard = make_wizard(editing=profile)
    assert wizard.kind() == "databricks-uc"
    assert wizard.fields["uc_host"].text() == "https://dbc-1.cloud.databricks.com"
    assert wizard.fields["host"].text() == ""  # the workspace registry's form is untouched
    assert (wizard.fields["catalog"].text(), wizard.fields["schema"].text()) == ("main", "ml")
    wizard.next()
    assert wizard.currentId() == PAGE_AUTH
    assert wizard.auth_page.auth() == "azure-cli"
    assert wizard.settings() == settings


def test_the_wizard_sets_the_protection_and_prod_starts_at_confirm(
    make_wizard: Callable[..., ProfileWizard], store: ProfileStore, qtbot: QtBot
) -> None:
    profile = store.add(Profile(name="arch", settings=LocalSettings(path="/tmp/arch.db")))
    wizard = make_wizard(editing=profile)
    page = wizard.finish_page
    assert page.protection.currentData() == "none"
    page.label.setCurrentText("prod")  # follows the label while no level was chosen
    assert page.protection.currentData() == "confirm"
    page.protection.setCurrentIndex(page.protection.findData("read-only"))
    page.protection.activated.emit(page.protection.currentIndex())  # as a person's choice
    page.label.setCurrentText("dev")
    assert page.protection.currentData() == "read-only"  # a choice is kept
    page.protected_aliases.setText("@champion, prod ,")
    finish(wizard, qtbot)
    saved = store.get("arch")
    assert (saved.protection, saved.protected_aliases) == ("read-only", ("champion", "prod"))
    again = make_wizard(editing=saved)
    assert again.finish_page.protection.currentData() == "read-only"
    assert again.finish_page.protected_aliases.text() == "champion, prod"
