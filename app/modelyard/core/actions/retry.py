"""Retry a failed write from the activity journal: read what the server holds now first, so that
nothing is applied twice (a change that is there already — made by the lost answer's write, or
by someone else — is reported, not sent again)."""

from __future__ import annotations

from modelyard.core.actions.promote import Target, promote
from modelyard.core.model.domain import Stage
from modelyard.core.model.errors import ErrorKind, ModelyardError
from modelyard.core.model.registry import Registry
from modelyard.core.runtime.activity import Write

ALREADY = "already so on the server: nothing sent"


def retry_write(registry: Registry, write: Write, *, record_history: bool = True) -> str:
    """Make ``write`` again in ``registry`` (the same profile's), after a fresh read; what
    happened, in words. Raises what the registry raises when it fails again."""
    args = dict(write.args)
    op, model, version = write.op, args.get("model", write.model), args.get("version", "")
    if not op:
        raise ModelyardError(
            f"“{write.change}” cannot be made again from the activity list: make it again "
            "where it was made (a copy or a sync reruns on its own).",
            ErrorKind.INVALID,
        )
    key = args.get("key", "")
    if op in ("set_model_tag", "delete_model_tag"):
        tags = registry.get_model(model).tags
        if op == "set_model_tag":
            if tags.get(key) == args["value"]:
                return ALREADY
            registry.set_model_tag(model, key, args["value"])
        else:
            if key not in tags:
                return ALREADY
            registry.delete_model_tag(model, key)
        return "made again"
    if op in ("set_version_tag", "delete_version_tag"):
        tags = registry.get_version(model, version).tags
        if op == "set_version_tag":
            if tags.get(key) == args["value"]:
                return ALREADY
            registry.set_version_tag(model, version, key, args["value"])
        else:
            if key not in tags:
                return ALREADY
            registry.delete_version_tag(model, version, key)
        return "made again"
    if op == "transition_stage":
        stage = Stage.parse(args["stage"])
        if registry.get_version(model, version).stage is stage:
            return ALREADY
        target = Target("stage", stage.value)
        archive = args.get("archive_existing") == "True"
        result = promote(
            registry,
            model,
            version,
            target,
            archive_existing=archive,
            record_history=record_history,
        )
        return _said(result.outcome_problem)
    if op in ("set_alias", "delete_alias"):
        alias = args["alias"]
        held = registry.get_model(model).aliases.get(alias)
        if op == "set_alias" and held == version:
            return ALREADY
        if op == "delete_alias" and held is None:
            return ALREADY
        if op == "delete_alias":
            version = held or ""
        kind = "alias" if op == "set_alias" else "remove-alias"
        result = promote(
            registry, model, version, Target(kind, alias), record_history=record_history
        )
        return _said(result.outcome_problem)
    raise ModelyardError(f"“{write.change}” cannot be made again from here.", ErrorKind.INVALID)


def _said(problem: str | None) -> str:
    return f"made again, but {problem}" if problem else "made again"
