"""``modelyard profiles edit``: a profile's protection, protected aliases, pinned models, label
and colour."""

from __future__ import annotations

from typing import Any

import click

from modelyard.cli.output import _echo, _fail, _reported
from modelyard.cli.profiles import profiles
from modelyard.core.profiles.profile import PROTECTIONS, Profile, ProfileStore

PROTECTION_HELP = (
    "How writes to this registry are guarded: none; confirm (each write needs the model's "
    "name typed, --confirm NAME in the CLI); read-only (no write is sent, whatever --yes "
    "says). Default: confirm for a profile labelled prod, none for the others."
)


def protected(profile: Profile, protection: str | None, protect: tuple[str, ...]) -> Profile:
    """``profile`` with the protection and protected aliases given on the command line."""
    update: dict[str, Any] = {}
    if protection is not None:
        update["protection"] = protection
    if protect:
        aliases = [a.strip().lstrip("@") for a in protect]
        if not all(aliases):
            _fail("--protect-alias needs an alias name")
        update["protected_aliases"] = tuple(dict.fromkeys((*profile.protected_aliases, *aliases)))
    return profile.model_copy(update=update) if update else profile


def describe_protection(profile: Profile) -> str:
    """ "read-only", "confirm (from its prod label)", "none; @champion protected"."""
    level = profile.protection_level
    words = level if profile.protection is not None or level == "none" else f"{level} (prod)"
    if profile.protected_aliases:
        words += "; " + ", ".join(f"@{a}" for a in profile.protected_aliases) + " protected"
    return words


@profiles.command("edit")
@click.argument("name")
@click.option("--protection", type=click.Choice(PROTECTIONS), help=PROTECTION_HELP)
@click.option(
    "--protect-alias",
    "protect",
    multiple=True,
    metavar="ALIAS",
    help="Moving this alias needs the model's name typed, at any level (repeatable).",
)
@click.option(
    "--unprotect-alias", "unprotect", multiple=True, metavar="ALIAS", help="No longer protected."
)
@click.option(
    "--pin", multiple=True, metavar="MODEL", help="Show this model first in the tree (repeat)."
)
@click.option("--unpin", multiple=True, metavar="MODEL", help="No longer pinned.")
@click.option("--label", help="An environment label such as dev, staging or prod.")
@click.option("--color", help="A colour for the tree, e.g. #d9534f.")
def profiles_edit(
    name: str,
    protection: str | None,
    protect: tuple[str, ...],
    unprotect: tuple[str, ...],
    pin: tuple[str, ...],
    unpin: tuple[str, ...],
    label: str | None,
    color: str | None,
) -> None:
    """Change a profile's protection, protected aliases, pinned models, label or colour."""
    with _reported():
        store = ProfileStore()
        profile = store.get(name)
        changed = protected(profile, protection, protect)
        if unprotect:
            gone = {a.strip().lstrip("@") for a in unprotect}
            kept = tuple(a for a in changed.protected_aliases if a not in gone)
            changed = changed.model_copy(update={"protected_aliases": kept})
        if pin or unpin:
            gone = set(unpin)
            kept = tuple(m for m in dict.fromkeys((*changed.pinned, *pin)) if m not in gone)
            changed = changed.model_copy(update={"pinned": kept})
        if label is not None:
            changed = changed.model_copy(update={"label": label or None})
        if color is not None:
            changed = changed.model_copy(update={"color": color or None})
        if changed == profile:
            _echo(f"{name}: nothing to change (protection: {describe_protection(profile)}).")
            return
        store.replace(Profile.model_validate(changed.model_dump()))  # validated again
        pins = f"; pinned: {', '.join(changed.pinned)}" if changed.pinned else ""
        _echo(f"{name}: protection {describe_protection(changed)}{pins}.")
