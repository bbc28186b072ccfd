"""Choice boxes more than one view offers."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox

from modelyard.core.profiles.profile import PROTECTION_WORDS, PROTECTIONS


def protection_choice(object_name: str, tip: str) -> QComboBox:
    """A registry's protection level, in words (the wizard's last page, the registry pane);
    each item's data is the level ("none", "confirm", "read-only")."""
    box = QComboBox()
    box.setObjectName(object_name)
    for level in PROTECTIONS:
        box.addItem(PROTECTION_WORDS[level], level)
    box.setToolTip(tip)
    return box
