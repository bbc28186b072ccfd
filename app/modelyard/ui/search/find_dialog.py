"""Find across registries (#29): one query line over every profile, results as a flat list that
fills in as registries answer.

Typing searches what each registry's state holds now (no I/O, on every keystroke); Enter (or
"Search the registries") reads each registry on its own lane, merges what it read into that
registry's one state, and searches the state again with the source runs' metrics read for the
candidates. A registry that cannot be reached keeps its rows from the state, marked "as seen …
ago". Enter on a row (or a double-click) opens it in the tree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from modelyard.core.model.errors import UNREACHABLE, ModelyardError
from modelyard.core.model.state import RegistryState
from modelyard.core.profiles.profile import Profile
from modelyard.core.reads.history import humanize_age
from modelyard.core.reads.query import Query, QueryError, parse_query
from modelyard.core.reads.saved import SavedSearches
from modelyard.core.reads.search import (
    Hit,
    SearchRead,
    merge_read,
    read_for_search,
    search_kept,
)
from modelyard.core.session import Connections
from modelyard.ui.common.menu_text import literal
from modelyard.ui.common.plain import plain_tooltip
from modelyard.ui.common.workers import CancelToken, WorkerPool

SHOWN = 2000  # results shown per registry (the CLI lists them all)
COLUMNS = ["Registry", "Model", "Version", "Stage", "Aliases", "What matched", "Seen"]
HELP = (
    "Every term must hold:\n"
    "  churn — a word in a model's name or description, or a version's description\n"
    "  @champion — holds an alias starting so (@ alone: any alias)\n"
    "  stage:prod — in a stage (a prefix is enough)\n"
    "  tag:team=fraud — a tag of the version or its model (tag:team: any value; * wildcard)\n"
    "  by:ana — registered by someone\n"
    "  registry:prod — in profiles named so (a prefix or a glob)\n"
    "  metric:val_auc>0.9 — the source run's latest value (> >= < <= = !=; read on Enter)\n"
    "  updated:<7d — updated less than 7 days ago (>30d: longer ago; or >2026-11-20)\n"
    "  created:<24h — the same for when it was registered\n"
    '  -term — must not hold; quotes keep spaces: tag:team="fraud risk"\n'
    "Typing searches what was read so far; Enter reads every registry."
)


class FindDialog(QDialog):
    """The query, the results and each registry's answer.

    Signals:
        openRequested(str, str, str): profile id, model and version to show in the tree.
        savedChanged(): a search was saved (the saved searches above the tree follow).
    """

    openRequested = Signal(str, str, str)
    savedChanged = Signal()  # a search was saved

    def __init__(
        self,
        connections: Connections,
        workers: WorkerPool,
        profiles: Callable[[], list[Profile]],
        parent: QWidget | None = None,
        *,
        embedded: bool = False,
    ) -> None:
        """``embedded``: a plain widget under the tree's filter box, which gives the query
        (``set_query``) instead of a line of its own."""
        super().__init__(parent)
        if embedded:
            self.setWindowFlags(Qt.WindowType.Widget)
        self.setObjectName("queryResults" if embedded else "findDialog")
        self.setWindowTitle("Find across registries")
        self.resize(900, 480)
        self.connections, self.workers, self.profiles = connections, workers, profiles
        self.parsed: Query | None = parse_query("")
        self.hits: list[Hit] = []
        self.metrics: dict[str, Mapping[str, Mapping[str, float]]] = {}  # profile id -> runs'
        self.answers: dict[str, str] = {}  # profile id -> "" (read now) or why not
        self.reading: set[str] = set()
        self._generation = 0
        self._following: set[int] = set()  # the states whose changes search again
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.query = QLineEdit()
        self.query.setObjectName("searchQuery")
        self.query.setPlaceholderText(
            "stage:prod tag:team=fraud @champion metric:val_auc>0.9 updated:<7d …"
        )
        self.query.setToolTip(HELP)
        self.query.setClearButtonEnabled(True)
        self.search_button = QPushButton("Search the registries")
        self.search_button.setToolTip("Read every registry and search it (Enter)")
        self.saved = SavedSearches()
        self.save_button = QPushButton("Save…")
        self.save_button.setToolTip("Keep this query under a name (also: modelyard search --saved)")
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(self.save_query)
        self.saved_button = QPushButton("Saved")
        self.saved_button.setObjectName("savedSearches")
        self.saved_button.setAutoDefault(False)
        self.saved_menu = QMenu(self.saved_button)
        self.saved_menu.aboutToShow.connect(self._fill_saved)
        self.saved_button.setMenu(self.saved_menu)
        self.ask_name: Callable[[str], str | None] = self._ask_name
        row.addWidget(self.query, 1)
        row.addWidget(self.search_button)
        row.addWidget(self.save_button)
        row.addWidget(self.saved_button)
        layout.addLayout(row)
        if embedded:
            layout.setContentsMargins(0, 0, 0, 0)
            for widget in (self.query, self.search_button, self.save_button, self.saved_button):
                widget.hide()
        self.problem = QLabel()
        self.problem.setObjectName("errorText")
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.hide()
        layout.addWidget(self.problem)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("searchResults")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)
        self.table.setAlternatingRowColors(True)
        # "what matched" takes the room left (a narrow pane scrolls; its tooltip has it all)
        self.table.horizontalHeader().setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.table.cellDoubleClicked.connect(lambda r, _c: self._open(r))
        self.table.installEventFilter(self)
        layout.addWidget(self.table, 1)
        self.status = QLabel("Type a query; Enter reads every registry.")
        self.status.setObjectName("muted")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self._typing = QTimer(self)
        self._typing.setSingleShot(True)
        self._typing.setInterval(120)
        self._typing.timeout.connect(self.refresh)
        self.query.textChanged.connect(lambda _t: self._typing.start())
        self.query.returnPressed.connect(self.search_registries)
        self.search_button.clicked.connect(self.search_registries)
        self.search_button.setAutoDefault(False)
        self.query.installEventFilter(self)

    # --- embedded under the tree's filter box -------------------------------------------------
    def set_query(self, text: str) -> None:
        """The filter box's text: searched in the states (Enter there reads the registries)."""
        if self.query.text() != text:
            self.query.setText(text)
        self._typing.stop()
        self.refresh()

    def focus_results(self) -> None:
        """Down in the filter box: into the results, on the first."""
        if self.table.rowCount():
            self.table.setFocus()
            if self.table.currentRow() < 0:
                self.table.selectRow(0)

    # --- saved searches ---------------------------------------------------------------------
    def save_query(self) -> None:
        """Keep the query under a name (asked); shared with the CLI's search --saved."""
        text = self.query.text().strip()
        if not text or self._parse() is None:
            return
        name = self.ask_name(text)
        if not name:
            return
        try:
            kept = self.saved.save(name, text)
        except ModelyardError as exc:
            self.problem.setText(exc.message)
            self.problem.show()
            return
        self.status.setText(f"Saved as “{kept.name}”. " + self.status.text())
        self.savedChanged.emit()

    def run_saved(self, query: str) -> None:
        """A saved search chosen: its query, read from every registry."""
        self.query.setText(query)
        self.search_registries()

    def _fill_saved(self) -> None:
        self.saved_menu.clear()
        found = self.saved.load()
        for item in found:
            action = self.saved_menu.addAction(literal(f"{item.name} — {item.query}"))
            action.triggered.connect(lambda _c=False, q=item.query: self.run_saved(q))
        if not found:
            self.saved_menu.addAction("No saved search yet: Save… keeps this one").setEnabled(False)
        for problem in self.saved.problems:
            self.saved_menu.addAction(literal(problem)).setEnabled(False)

    def _ask_name(self, query: str) -> str | None:
        name, ok = QInputDialog.getText(self, "Save search", f"A name for “{query}”:")
        return name if ok else None

    # --- keys -----------------------------------------------------------------------------
    def eventFilter(self, watched: object, event: object) -> bool:  # overrides QObject
        """Down from the query goes to the results; Enter on a result opens it."""
        if not isinstance(event, QKeyEvent) or event.type() != QKeyEvent.Type.KeyPress:
            return False
        if watched is self.query and event.key() == Qt.Key.Key_Down and self.table.rowCount():
            self.table.setFocus()
            if self.table.currentRow() < 0:
                self.table.selectRow(0)
            return True
        if watched is self.table and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._open(self.table.currentRow())
            return True
        return False

    # --- searching --------------------------------------------------------------------------
    def load_kept(self) -> None:
        """The snapshot of each registry nothing was read of yet in this session, read off the
        GUI thread and adopted into its state (as the tree does), then searched."""
        for profile in self.profiles():
            state = self.connections.states.get(profile.id)
            if state.models_read_at is not None or state.models:
                continue

            self._adopt_kept(profile)

    def _adopt_kept(self, profile: Profile) -> None:
        states = self.connections.states

        def read(_token: CancelToken) -> RegistryState | None:
            return states.read_cached(profile.id)

        def adopt(cached: RegistryState | None) -> None:
            if cached is not None and states.get(profile.id).adopt(cached):
                self.refresh()

        self.workers.submit(read, adopt, None, f"kept state of {profile.name}")

    def _parse(self) -> Query | None:
        try:
            parsed = parse_query(self.query.text())
        except QueryError as exc:
            self.problem.setText(str(exc))
            self.problem.show()
            return None
        self.problem.hide()
        return parsed

    def refresh(self) -> None:
        """Search every registry's state as it is now (no I/O) and show the results."""
        parsed = self._parse()
        if parsed is None:
            return
        if parsed.text != (self.parsed.text if self.parsed else None):
            self.answers = {}  # a new query: no registry answered it yet
        self.parsed = parsed
        hits: list[Hit] = []
        for profile in self.profiles():
            state = self.connections.states.get(profile.id)
            self._follow(state)
            answered = self.answers.get(profile.id) == ""
            hits += search_kept(
                state,
                profile.name,
                parsed,
                self.metrics.get(profile.id),
                as_seen=not answered,
                limit=SHOWN,
            )
        self.hits = hits
        self._fill()
        self._say()

    def _follow(self, state: RegistryState) -> None:
        """The results are the state's: a change to it (a promotion, the tree reading again)
        searches it again while the results are in sight."""
        if id(state) in self._following:
            return
        self._following.add(id(state))

        def changed(_event: object) -> None:
            if self.isVisible():
                self._typing.start()  # one search after a burst of changes

        unsubscribe = state.subscribe(changed)
        self.destroyed.connect(lambda _obj=None: unsubscribe())

    def search_registries(self) -> None:
        """Read every registry (those a ``registry:`` term leaves) and search again."""
        parsed = self._parse()
        if parsed is None:
            return
        self.parsed = parsed
        self._generation += 1
        generation = self._generation
        self.answers = {}
        chosen = [p for p in self.profiles() if parsed.wants_registry(p.name)]
        self.reading = {p.id for p in chosen}
        for profile in chosen:
            self._read(profile, parsed, generation)
        self.refresh()

    def _read(self, profile: Profile, parsed: Query, generation: int) -> None:
        connections = self.connections

        def work(_token: CancelToken) -> SearchRead:
            return read_for_search(connections.get(profile), profile.name, parsed)

        def done(read: SearchRead) -> None:
            merge_read(connections.states.get(profile.id), read)  # into the one state
            known = dict(self.metrics.get(profile.id, {}))
            known.update(read.metrics)
            self.metrics[profile.id] = known
            if generation == self._generation:
                self.reading.discard(profile.id)
                self.answers[profile.id] = ""
                self.refresh()

        def failed(error: ModelyardError) -> None:
            if generation != self._generation:
                return
            self.reading.discard(profile.id)
            if error.kind in UNREACHABLE:
                read_at = connections.states.get(profile.id).models_read_at
                age = f"{humanize_age(datetime.now(UTC) - read_at)} ago" if read_at else "never"
                why = f"shown as seen {age} ({error.message})"
            else:
                why = f"not searched: {error.message}"
            self.answers[profile.id] = why
            self.refresh()

        self.workers.submit(work, done, failed, f"search {profile.name}", lane=profile.id)

    # --- showing ----------------------------------------------------------------------------
    def _fill(self) -> None:
        table = self.table
        current = table.currentRow()
        table.setRowCount(len(self.hits))
        now = datetime.now(UTC)
        names = {p.id: p.name for p in self.profiles()}
        ids = {name: pid for pid, name in names.items()}
        for row, hit in enumerate(self.hits):
            seen = f"{humanize_age(now - hit.seen)} ago" if hit.seen else "now"
            cells = [
                hit.profile,
                hit.model,
                f"v{hit.version}",
                hit.stage,
                " ".join(f"@{a}" for a in hit.aliases),
                "; ".join(hit.matched),
                seen,
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)  # an item shows its text as written
                item.setToolTip(plain_tooltip(text))  # a narrow pane cuts "what matched"
                item.setData(Qt.ItemDataRole.UserRole, (ids.get(hit.profile, ""), hit.model))
                item.setData(Qt.ItemDataRole.UserRole + 1, hit.version)
                table.setItem(row, column, item)
        table.resizeColumnsToContents()
        if 0 <= current < len(self.hits):
            table.selectRow(current)

    def _say(self) -> None:
        parts = []
        for profile in self.profiles():
            count = sum(1 for h in self.hits if h.profile == profile.name)
            if profile.id in self.reading:
                parts.append(f"{profile.name}: reading… ({count} so far)")
            elif profile.id in self.answers:
                why = self.answers[profile.id]
                parts.append(f"{profile.name}: {count}" + (f" — {why}" if why else ""))
            else:
                parts.append(f"{profile.name}: {count} in what was read so far")
        total = f"{len(self.hits)} version{'s' if len(self.hits) != 1 else ''}"
        if any(sum(1 for h in self.hits if h.profile == p.name) >= SHOWN for p in self.profiles()):
            total += f" (the first {SHOWN:,} of a registry: a narrower query shows the rest)"
        self.status.setText(f"{total} · " + " · ".join(parts))

    def _open(self, row: int) -> None:
        item = self.table.item(row, 0)
        if item is None:
            return
        profile_id, model = item.data(Qt.ItemDataRole.UserRole)
        version = str(item.data(Qt.ItemDataRole.UserRole + 1))
        if profile_id:
            self.openRequested.emit(profile_id, model, version)
