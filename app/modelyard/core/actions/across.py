"""Promote across registries: copy a version (or find the identical one already there), then
set its stage or alias in the target — "promote to prod" as one action."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from modelyard.core.actions.copy import AlreadyCopied, CopyProgress, CopyResult, copy_version
from modelyard.core.actions.copy_plan import CopyPlan, Endpoint
from modelyard.core.actions.promote import PromotionResult, Target
from modelyard.core.model.domain import Access, Stage, VersionSummary
from modelyard.core.model.errors import ErrorKind, ModelyardError, RegistryError


@dataclass(frozen=True)
class Across:
    """A promotion across registries: the version in the target (copied now, or the identical
    one already there) and what setting its stage or alias did."""

    version: VersionSummary
    copied: CopyResult | None  # None: the target had it already (``reused``)
    promotions: tuple[PromotionResult, ...] = ()  # one per target asked for, in order

    @property
    def promotion(self) -> PromotionResult | None:
        """The last promotion (None: none was asked for)."""
        return self.promotions[-1] if self.promotions else None

    @property
    def reused(self) -> bool:
        """The target already had this version; nothing was copied."""
        return self.copied is None


def _targets(then: Target | Sequence[Target] | None) -> tuple[Target, ...]:
    if then is None:
        return ()
    return (then,) if isinstance(then, Target) else tuple(then)


def then_problem(target: Endpoint, then: Target | Sequence[Target] | None) -> str:
    """Why ``then`` (a stage, an alias, or both) cannot be set in the target at all ("" when
    it can be tried): said before anything is copied, never after."""
    from modelyard.core.actions.permissions import Rules

    for one in _targets(then):
        if one.kind == "stage" and one.value.lower() == "none":
            continue
        rules = Rules.of(target.registry.capabilities(), Access())
        if not (rules.stages if one.kind == "stage" else rules.aliases):
            why = rules.why_not(Stage.NONE, one.kind, one.value)
            return f"{target.profile}: {why} Nothing was copied."
    return ""


def promote_across(
    source: Endpoint,
    target: Endpoint,
    plan: CopyPlan,
    then: Target | Sequence[Target] | None,
    *,
    progress: Callable[[CopyProgress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    record_history: bool = True,
) -> Across:
    """Copy (or reuse the identical version already in the target), then set the stage and/or
    alias ``then`` in the target, in order — "promote to prod" as one action. A target that
    cannot take ``then`` is refused before the copy; a promotion that fails after it says
    what was copied and what was set."""
    from modelyard.core.actions.promote import promote

    problem = then_problem(target, then)
    if problem:
        raise RegistryError(problem, ErrorKind.INVALID)
    copied: CopyResult | None = None
    try:
        copied = copy_version(source, target, plan, progress, cancelled)
        version = copied.version
    except AlreadyCopied as exc:
        version = exc.version
    promotions: list[PromotionResult] = []
    for one in _targets(then):
        try:
            promotion = promote(
                target.registry,
                version.model,
                version.version,
                one,
                record_history=record_history,
            )
        except ModelyardError as exc:
            done = "Copied" if copied is not None else "Found already there"
            was_set = "".join(f", set {_what(p)}" for p in _targets(then)[: len(promotions)])
            raise RegistryError(
                f"{done} in {target.profile}: {version.model} v{version.version}{was_set}; "
                f"setting {_what(one)} there failed: {exc.message}",
                exc.kind,
            ) from exc
        promotions.append(promotion)
        version = promotion.version
    return Across(version, copied, tuple(promotions))


def _what(target: Target) -> str:
    return f"stage {target.value}" if target.kind == "stage" else f"alias @{target.value}"
