"""Transition requests (Databricks workspace registry): ask, approve, reject, withdraw.

A user who may not move a version asks for it; someone with a managing permission approves
(the service then moves the version) or rejects. Like direct promotions, every write first
re-reads what it depends on, so a request decided meanwhile by someone else is reported as a
conflict instead of failing obscurely, and the server's state is read again afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from modelyard.core.actions.promote import (
    PromotionConflict,
    PromotionResult,
    ShownModel,
    promote_stage,
    record,
    utc_now,
)
from modelyard.core.model.domain import (
    EventKind,
    Stage,
    StageEvent,
    TransitionRequest,
    VersionSummary,
    version_sort_key,
)
from modelyard.core.model.errors import ErrorKind, ModelyardError, RegistryError
from modelyard.core.model.registry import Registry, TransitionRequests

LIST_WORKERS = 8
# Requests are listed per version (the API has no per-model listing): the newest versions and
# every version in Staging or Production. An old archived version rarely has an open request.
NEWEST_LISTED = 50


def versions_to_scan(versions: Iterable[VersionSummary]) -> list[str]:
    """Which versions' requests to list: the newest ones and all in Staging/Production."""
    ordered = sorted(versions, key=lambda v: version_sort_key(v.version), reverse=True)
    chosen = [v.version for v in ordered[:NEWEST_LISTED]]
    chosen += [
        v.version for v in ordered[NEWEST_LISTED:] if v.stage in (Stage.STAGING, Stage.PRODUCTION)
    ]
    return chosen


def open_requests(
    registry: Registry, model: str, versions: Iterable[VersionSummary]
) -> dict[str, tuple[TransitionRequest, ...]]:
    """Open requests by version (only versions that have some), listed in parallel."""
    if not isinstance(registry, TransitionRequests):
        return {}
    role = registry
    scan = versions_to_scan(versions)
    with ThreadPoolExecutor(max_workers=LIST_WORKERS) as pool:
        found = list(pool.map(lambda v: role.transition_requests(model, v), scan))
    return {version: requests for version, requests in zip(scan, found, strict=True) if requests}


def requests_of(registry: Registry) -> TransitionRequests:
    """The registry's transition-request role, or a plain refusal where it has none."""
    if isinstance(registry, TransitionRequests):
        return registry
    raise RegistryError(
        f"{registry.location} has no transition requests: promote directly, or ask someone who "
        "may change the model.",
        ErrorKind.INVALID,
    )


def _refused(exc: ModelyardError, what: str) -> ModelyardError:
    if exc.kind is ErrorKind.PERMISSION:
        return RegistryError(f"{what}: the registry refused it (403). {exc.message}", exc.kind)
    return exc


def request_transition(
    registry: Registry,
    model: str,
    version: str,
    stage: Stage,
    *,
    comment: str = "",
    shown: ShownModel | None = None,
) -> TransitionRequest:
    """Ask for ``version`` to go to ``stage``; refuses a duplicate of one's own open request
    and reports a stage changed since ``shown``."""
    fresh = registry.get_version(model, version)
    before = shown.versions.get(version) if shown is not None else None
    if before is not None and before.stage is not fresh.stage:
        raise PromotionConflict(
            [f"v{version} is now in {fresh.stage.value} (was {before.stage.value})"],
            ShownModel.read(registry, model),
        )
    if fresh.stage is stage:
        raise RegistryError(f"v{version} is already in {stage.value}.", ErrorKind.INVALID)
    me = registry.identity()
    for open_request in requests_of(registry).transition_requests(model, version):
        if open_request.to_stage is stage and open_request.requester == me:
            raise RegistryError(
                f"You already asked for v{version} → {stage.value}; the request is still open.",
                ErrorKind.INVALID,
            )
    try:
        return requests_of(registry).request_transition(model, version, stage, comment)
    except ModelyardError as exc:
        raise _refused(exc, f"Could not request v{version} → {stage.value}") from None


def _still_open(registry: Registry, request: TransitionRequest) -> None:
    current = requests_of(registry).transition_requests(request.model, request.version)
    if not any(
        r.to_stage is request.to_stage and r.requester == request.requester for r in current
    ):
        raise PromotionConflict(
            [
                f"{request.requester or 'the'} request for v{request.version} → "
                f"{request.to_stage.value} is no longer open (approved, rejected or withdrawn "
                "meanwhile)"
            ],
            ShownModel.read(registry, request.model),
        )


def approve(
    registry: Registry,
    request: TransitionRequest,
    *,
    archive_existing: bool = False,
    comment: str = "",
    record_history: bool = True,
) -> PromotionResult:
    """Approve an open request: the service moves the version. Re-reads everything after."""
    model, version, stage = request.model, request.version, request.to_stage
    _still_open(registry, request)

    def write() -> None:
        try:
            requests_of(registry).approve_transition(
                model, version, stage, archive_existing, comment
            )
        except ModelyardError as exc:
            raise _refused(exc, f"Could not approve v{version} → {stage.value}") from None

    note = f"approved {request.requester}'s request" if request.requester else "approved request"
    return promote_stage(
        registry,
        model,
        version,
        stage,
        archive_existing=archive_existing,
        comment=f"{note}: {comment}" if comment else note,
        record_history=record_history,
        write=write,
    )


def reject(
    registry: Registry,
    request: TransitionRequest,
    *,
    comment: str = "",
    record_history: bool = True,
) -> PromotionResult:
    """Reject an open request; the version stays where it is."""
    model, version, stage = request.model, request.version, request.to_stage
    _still_open(registry, request)
    try:
        requests_of(registry).reject_transition(model, version, stage, comment)
    except ModelyardError as exc:
        raise _refused(exc, f"Could not reject v{version} → {stage.value}") from None
    event = StageEvent(
        EventKind.REJECTED,
        version,
        utc_now(),
        registry.identity(),
        request.requester,
        stage.value,
        comment,
    )
    problem = record(registry, model, [event]) if record_history else None
    return PromotionResult(registry.get_version(model, version), (), (event,), problem)


def withdraw(registry: Registry, request: TransitionRequest, *, comment: str = "") -> None:
    """Withdraw one's own open request (nothing to record: the requester may not write tags)."""
    _still_open(registry, request)
    if request.requester and request.requester != registry.identity():
        raise RegistryError(
            f"Only {request.requester} can withdraw their request; approve or reject it instead.",
            ErrorKind.INVALID,
        )
    requests_of(registry).withdraw_transition(
        request.model, request.version, request.to_stage, comment
    )


def find_request(
    registry: Registry, model: str, version: str, stage: Stage, requester: str = ""
) -> TransitionRequest:
    """The open request for ``version`` → ``stage`` (by ``requester`` if given)."""
    matches = [
        r
        for r in requests_of(registry).transition_requests(model, version)
        if r.to_stage is stage and (not requester or r.requester == requester)
    ]
    if not matches:
        raise RegistryError(
            f"There is no open request for {model} v{version} → {stage.value}"
            + (f" by {requester}" if requester else "")
            + ".",
            ErrorKind.NOT_FOUND,
        )
    if len(matches) > 1:
        names = ", ".join(sorted({r.requester for r in matches}))
        raise RegistryError(
            f"Several people asked for v{version} → {stage.value} ({names}): say whose request "
            "with --requester.",
            ErrorKind.INVALID,
        )
    return matches[0]
