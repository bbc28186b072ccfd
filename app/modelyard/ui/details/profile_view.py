"""The details of a registry profile: where it points, its state, and what changed since you
last looked."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from modelyard.core.kinds import KINDS
from modelyard.core.model.domain import Capabilities
from modelyard.core.model.errors import UNREACHABLE, ErrorKind
from modelyard.core.profiles.profile import PROTECTION_WORDS, Profile
from modelyard.ui.common.choices import protection_choice
from modelyard.ui.details.version_view import Header
from modelyard.ui.details.widgets import Banner, FieldForm
from modelyard.ui.tree.tree_model import Node


def protection_words(profile: Profile) -> str:
    """ "Read-only: Modelyard sends no write · @champion protected"."""
    words = PROTECTION_WORDS[profile.protection_level]
    if profile.protection is None and profile.protection_level != "none":
        words += " (as for every prod profile)"
    if profile.protected_aliases:
        words += " · " + ", ".join(f"@{a}" for a in profile.protected_aliases) + " protected"
    return words


class ProfileView(QWidget):
    """A registry profile: where it points and its state."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.header = Header()
        self.fields = FieldForm()
        self.banner = Banner()
        self.banner.actionClicked.connect(self._dismiss)
        self.node: Node | None = None
        body = QVBoxLayout()
        body.setContentsMargins(16, 8, 16, 8)
        body.addWidget(self.fields)
        protection_row = QHBoxLayout()
        protection_label = QLabel("Change protection:")
        self.protection = protection_choice(
            "protectionChoice",
            "None: writes as asked · Confirm: each write needs the model's name typed · "
            "Read-only: Modelyard sends no write to this registry",
        )
        protection_label.setBuddy(self.protection)
        self.protection.activated.connect(self._protection_chosen)
        protection_row.addWidget(protection_label)
        protection_row.addWidget(self.protection)
        protection_row.addStretch(1)
        body.addLayout(protection_row)
        body.addWidget(self.banner)
        self.next_steps = QLabel()
        self.next_steps.setObjectName("nextSteps")
        self.next_steps.setTextFormat(Qt.TextFormat.RichText)
        self.next_steps.setWordWrap(True)
        body.addSpacing(12)
        body.addWidget(self.next_steps)
        layout.addWidget(self.header)
        layout.addLayout(body)
        layout.addStretch(1)

    newsDismissed = Signal(object)  # the profile Node whose changes were seen
    retryRequested = Signal(object)  # the profile Node to read again now
    protectionChosen = Signal(object, str)  # the Profile and the level chosen for it

    def _protection_chosen(self, index: int) -> None:
        level = self.protection.itemData(index)
        if self.node is not None and isinstance(level, str):
            self.protectionChosen.emit(self.node.profile, level)

    def _dismiss(self) -> None:
        if self.node is None:
            return
        if self.node.load.error or self.node.load.offline:
            self.retryRequested.emit(self.node)
        elif self.node.news:
            self.newsDismissed.emit(self.node)

    def show_profile(
        self, profile: Profile, node: Node, capabilities: Capabilities | None = None
    ) -> None:
        """Fill from the profile, its tree node and what its registry said it can do."""
        self.node = node
        self.header.set(
            profile.name,
            f"{profile.kind} registry",
            profile.label or "",
            profile.color or "#475569",
        )
        if node.load.error:
            state = "error"
        elif node.load.offline:
            state = f"{len(node.children)} models, {node.load.offline.split(':', 1)[0]}"
        elif node.load.fetching and node.children:
            state = f"{len(node.children)} models shown, reading the registry…"
        elif node.load.fetching:
            state = "loading…"
        elif node.children or node.load.all_fetched:
            state = f"{len(node.children)}{'' if node.load.all_fetched else '+'} models loaded"
        else:
            state = "not loaded yet (expand it)"
        rows = [
            ("Kind", KINDS[profile.kind].description),
            ("Location", profile.settings.describe()),
        ]
        store = getattr(profile.settings, "store", None)
        if store is not None:
            rows.append(("Files", f"{store.describe()}, reached from this computer"))
        if capabilities is not None and capabilities.server:
            rows.append(("Server", capabilities.server))
        if capabilities is not None and capabilities.lacks:
            rows.append(("Lacks", " ".join(capabilities.lacks)))
        rows += [
            ("State", state),
            ("History recording", "on" if profile.record_history else "off"),
            ("Protection", protection_words(profile)),
        ]
        self.fields.set_rows(rows)
        self.protection.setCurrentIndex(self.protection.findData(profile.protection_level))
        self.header.setToolTip(f"Profile id {profile.id} (its secrets are keyed by it)")
        self.next_steps.setText(next_steps(profile, capabilities))
        if node.load.error:
            self.banner.show_message(
                f"{node.load.error}\n{error_advice(node.load.error_kind)}", "error", "Retry now"
            )
        elif node.load.offline:
            self.banner.show_message(
                f"{node.load.offline}\nThe rows are the last-seen state; changes are refused until "
                "the registry answers again (tried again automatically, or press F5).",
                "error",
                "Retry now",
            )
        elif node.news:
            shown = [f"• {line}" for line in node.news[:12]]
            if len(node.news) > 12:
                shown.append(f"… and {len(node.news) - 12} more (modelyard changes {profile.name})")
            self.banner.show_message(
                "Since you last looked:\n" + "\n".join(shown), "notice", "Dismiss"
            )
        else:
            self.banner.hide()


# Failures that the profile's settings or secrets cause, and only they: fixing the profile helps.
PROFILE_FAULTS = frozenset(
    {
        ErrorKind.AUTH,
        ErrorKind.PERMISSION,
        ErrorKind.NO_API,
        ErrorKind.UNRESOLVED,
        ErrorKind.TLS,
        ErrorKind.INVALID,
        ErrorKind.KEYRING,
        ErrorKind.NOT_FOUND,
    }
)


def error_advice(kind: ErrorKind | None) -> str:
    """What to do about a registry row's failure: only a failure the profile causes sends the
    user to edit it; the app's own faults and the server's say so."""
    if kind in PROFILE_FAULTS:
        return "Fix the profile with File ▸ Edit profile… (Ctrl+E), or try again."
    if kind in UNREACHABLE:
        return "The profile's settings are not the cause: try again when the registry answers."
    return (
        "This is a fault in Modelyard, not in the profile: try again; if it stays, the details "
        "are in Help ▸ Open log folder."
    )


def next_steps(profile: Profile, capabilities: Capabilities | None = None) -> str:
    """What a newcomer can do from here, in a few lines (``capabilities``: what the registry
    said it can do, once it was read)."""
    stages = capabilities.stages if capabilities is not None else profile.has_stages
    aliases = capabilities.aliases if capabilities is not None else profile.has_aliases
    promote = "drag versions between " + " and ".join(
        what for what, has in (("stages", stages), ("aliases", aliases)) if has
    )
    steps = [
        "Expand a model in the tree (→ or double-click) to see its versions; select one for "
        "its runs, metrics, files and history.",
        f"Select a model and open its <b>Promote</b> tab to {promote}.",
        "Drag a version onto another registry in the tree to copy it there.",
        "Compare this registry with another: right-click it ▸ Compare with, or "
        "<b>Ctrl+Shift+C</b>.",
        "Add a registry with File ▸ New profile… (<b>Ctrl+N</b>); <b>Ctrl+F</b> filters by "
        "name or @alias, <b>F5</b> reloads.",
    ]
    items = "".join(f"<li>{step}</li>" for step in steps)
    return f"<p><b>What you can do here</b></p><ul>{items}</ul>"  # the scheme's text colour
