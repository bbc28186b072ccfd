"""Every registry Modelyard opens is wrapped here: each write is refused on a read-only profile
before anything is sent, and recorded in the activity journal (started, then its outcome).

The wrapper forwards exactly the roles the connector's registry has (Registry, Publishing,
TransitionRequests, ReadingMany), so ``isinstance`` checks on the roles still tell what the
registry can do; reads pass through untouched.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Protocol

from modelyard.core.model.domain import Access, Capabilities
from modelyard.core.model.errors import ErrorKind, ModelyardError
from modelyard.core.model.registry import (
    Publishing,
    ReadingMany,
    Registry,
    TransitionRequests,
)
from modelyard.core.profiles.profile import Profile, read_only_access, read_only_refusal
from modelyard.core.runtime.activity import Activity

ROLES: tuple[type, ...] = (Registry, Publishing, TransitionRequests, ReadingMany)
EXTRA = ("unity_catalog",)  # plain attributes some connectors have, read with getattr


def _v(version: object) -> str:
    return f"v{version}"


# What each write changes, in words, from its bound arguments; and which model and version.
CHANGES: dict[str, Callable[[dict[str, Any]], str]] = {
    "set_model_tag": lambda a: f"set tag {a['key']}={a['value']!r}",
    "delete_model_tag": lambda a: f"delete tag {a['key']}",
    "set_version_tag": lambda a: f"set tag {a['key']}={a['value']!r}",
    "delete_version_tag": lambda a: f"delete tag {a['key']}",
    "set_model_description": lambda a: f"set the description ({len(a['description'])} chars)",
    "set_version_description": lambda a: f"set the description ({len(a['description'])} chars)",
    "transition_stage": lambda a: (
        f"stage → {getattr(a['stage'], 'value', a['stage'])}"
        + (", archiving the others there" if a.get("archive_existing") else "")
    ),
    "set_alias": lambda a: f"@{a['alias']} → {_v(a['version'])}",
    "delete_alias": lambda a: f"remove @{a['alias']}",
    "request_transition": lambda a: f"request {getattr(a['stage'], 'value', a['stage'])}",
    "approve_transition": lambda a: f"approve {getattr(a['stage'], 'value', a['stage'])}",
    "reject_transition": lambda a: f"reject {getattr(a['stage'], 'value', a['stage'])}",
    "withdraw_transition": lambda a: f"withdraw {getattr(a['stage'], 'value', a['stage'])}",
    "create_copy_run": lambda a: f"create the copy's run {a['run_name']!r}",
    "log_run_data": lambda a: f"log {len(a['params'])} params and metrics to run {a['run_id']}",
    "set_run_tag": lambda a: f"set run tag {a['key']}={a['value']!r} on run {a['run_id']}",
    "finish_run": lambda a: f"finish run {a['run_id']}",
    "delete_run": lambda a: f"delete run {a['run_id']}",
    "upload_file": lambda a: f"upload {a['relative']}",
    "delete_files": lambda a: "delete the copy's files",
    "create_model": lambda a: "create the model",
    "create_version": lambda a: f"create a version from run {a['run_id']}",
    "delete_version": lambda a: "delete the version",
    "delete_model": lambda a: "delete the model",
}

# Writes that can be made again from the journal alone (their arguments are short values).
RETRYABLE = frozenset(
    {
        "set_model_tag",
        "delete_model_tag",
        "set_version_tag",
        "delete_version_tag",
        "transition_stage",
        "set_alias",
        "delete_alias",
    }
)


def _members(role: type) -> dict[str, object]:
    """A protocol's own members (methods and properties), through its protocol bases."""
    out: dict[str, object] = {}
    for base in reversed(role.__mro__):
        if base is object or base is Protocol or not getattr(base, "_is_protocol", False):
            continue
        out.update({k: v for k, v in vars(base).items() if not k.startswith("_")})
    return out


_CLASSES: dict[tuple[type, ...], type] = {}


def guarded(inner: Registry, profile: Profile, activity: Activity | None = None) -> Registry:
    """``inner`` behind the guard of ``profile``'s protection and the activity journal."""
    roles = tuple(role for role in ROLES if isinstance(inner, role))
    cls = _CLASSES.get(roles)
    if cls is None:
        cls = _CLASSES[roles] = _build(roles)
    wrapper: Registry = cls(inner, profile, activity or Activity())
    return wrapper


def _build(roles: tuple[type, ...]) -> type:
    namespace: dict[str, object] = {
        "__init__": _init,
        "inner": property(lambda s: s._inner),
        # the profile's protection, for plans that must say what they will not write
        "read_only": property(lambda s: s._profile.read_only),
    }
    for role in roles:
        for name, member in _members(role).items():
            if isinstance(member, property):
                namespace[name] = property(_attribute(name))
            elif callable(member) and name in CHANGES:
                namespace[name] = _write(name, inspect.signature(member))
            elif callable(member):
                namespace[name] = _read(name)
    for name in EXTRA:
        namespace[name] = property(_attribute(name, False))
    namespace.update(access=_access, can_edit_model=_can_edit_model, capabilities=_capabilities)
    return type("Guarded", (), namespace)


def _access(self: Any, model: str) -> Access:
    """What the identity may do to ``model``: nothing at all on a read-only profile."""
    if self._profile.read_only:
        return read_only_access(self._profile)
    access: Access = self._inner.access(model)
    return access


def _can_edit_model(self: Any, model: str) -> bool | None:
    if self._profile.read_only:
        return False
    answer: bool | None = self._inner.can_edit_model(model)
    return answer


def _capabilities(self: Any) -> Capabilities:
    capabilities: Capabilities = self._inner.capabilities()
    return replace(capabilities, can_edit=False) if self._profile.read_only else capabilities


def _init(self: Any, inner: Registry, profile: Profile, activity: Activity) -> None:
    self._inner = inner
    self._profile = profile
    self._activity = activity


def _attribute(name: str, *default: object) -> Callable[[Any], Any]:
    def get(self: Any) -> Any:
        return getattr(self._inner, name, *default)

    return get


def _read(name: str) -> Callable[..., Any]:
    def forward(self: Any, *args: Any, **kwargs: Any) -> Any:
        return getattr(self._inner, name)(*args, **kwargs)

    forward.__name__ = name
    return forward


def _write(name: str, signature: inspect.Signature) -> Callable[..., Any]:
    words = CHANGES[name]

    def write(self: Any, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        given = dict(bound.arguments)
        model = str(given.get("model", given.get("name", "")) or "")
        version = str(given.get("version", "") or "")
        journal: Activity = self._activity
        again = (
            tuple((k, str(getattr(v, "value", v))) for k, v in given.items() if k != "self")
            if name in RETRYABLE
            else ()
        )
        entry = journal.started(
            self._profile.name, model, version, words(given), op=name if again else "", args=again
        )
        if self._profile.read_only:
            refusal = read_only_refusal(self._profile)
            journal.finished(entry, "refused", str(refusal), refusal.kind.value)
            raise refusal
        started = time.monotonic()
        try:
            result = getattr(self._inner, name)(*args, **kwargs)
        except ModelyardError as exc:
            kind = getattr(exc, "kind", ErrorKind.UNKNOWN)
            journal.finished(entry, "failed", str(exc), getattr(kind, "value", str(kind)))
            raise
        except BaseException as exc:
            journal.finished(entry, "failed", f"{type(exc).__name__}", "unknown")
            raise
        journal.finished(entry, "ok", _answer(result, time.monotonic() - started))
        return result

    write.__name__ = name
    return write


def _answer(result: object, seconds: float) -> str:
    """The server's answer in a few words: the version it made or moved, and its stage."""
    version = getattr(result, "version", None)
    stage = getattr(result, "stage", None)
    if version is not None and stage is not None:
        return f"v{version} is {getattr(stage, 'value', stage)} ({seconds:.2f} s)"
    if isinstance(result, tuple) and result and isinstance(result[0], str):
        return f"{result[0]} ({seconds:.2f} s)"  # a run id
    return f"done ({seconds:.2f} s)"
