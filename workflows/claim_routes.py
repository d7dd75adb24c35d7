"""The claim's side of its resolution routes: which route may start when, and how the claim
moves on by itself when a route (or a summit) tells it how it ended.

Pure and deterministic, like the pathway table that lists these steps (claim_pathway.py);
the workflow starts the route's child workflow and hands these functions its signals.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from models import claims as m
from models.claims import ClaimStage as S
from models.common import case_workflow_id
from models.routes import (
    ADR_ROUTES,
    ROUTE_CASE_KINDS,
    JoinSummit,
    LeaveSummit,
    RouteKind,
    RouteOutcome,
    RouteProgress,
    RouteRecord,
    RouteResult,
    SettlementTerms,
    SummitOutcome,
    SummitResult,
)
from workflows.claim_offers import lapse_open_offers

ROUTE_STAGE = {
    RouteKind.MEDIATION: S.IN_MEDIATION,
    RouteKind.EARLY_NEUTRAL_EVALUATION: S.IN_EARLY_NEUTRAL_EVALUATION,
    RouteKind.RESOLUTION_SUMMIT: S.IN_RESOLUTION_SUMMIT,
    RouteKind.LITIGATION: S.IN_LITIGATION,
}
REF_SUFFIX = {
    RouteKind.MEDIATION: "MED",
    RouteKind.EARLY_NEUTRAL_EVALUATION: "ENE",
    RouteKind.LITIGATION: "LIT",
}
ADR_STAGES = frozenset({S.IN_MEDIATION, S.IN_EARLY_NEUTRAL_EVALUATION, S.IN_RESOLUTION_SUMMIT})
# Once liability is answered (or while it is investigated) a claim can try ADR; during
# litigation only while proceedings are stayed.
ADR_FROM = frozenset(
    {
        S.LETTER_OF_CLAIM_ACKNOWLEDGED,
        S.INVESTIGATING,
        S.LETTER_OF_RESPONSE_SENT,
        S.NEGOTIATING,
        S.IN_LITIGATION,
    }
)
# Litigation can be entered from any open stage before a settlement is agreed.
LITIGATION_FROM = frozenset(
    {
        S.NOTIFIED,
        S.LETTER_OF_NOTIFICATION_RECEIVED,
        S.LETTER_OF_NOTIFICATION_ACKNOWLEDGED,
        S.LETTER_OF_CLAIM_RECEIVED,
        S.LETTER_OF_CLAIM_ACKNOWLEDGED,
        S.INVESTIGATING,
        S.LETTER_OF_RESPONSE_SENT,
        S.NEGOTIATING,
        *ADR_STAGES,
    }
)
SETTLED_ALREADY = frozenset({S.OFFER_ACCEPTED, S.AWAITING_APPROVAL, S.SETTLED, S.PAID, S.CLOSED})
ENDED_BY_COURT = frozenset(
    {RouteResult.DISCONTINUED, RouteResult.STRUCK_OUT, RouteResult.JUDGMENT_FOR_DEFENDANT}
)


def active(claim: m.ClaimState, kind: RouteKind) -> RouteRecord | None:
    return next((r for r in claim.routes if r.kind is kind and r.active), None)


def _route(claim: m.ClaimState, ref: str) -> RouteRecord | None:
    return next((r for r in claim.routes if r.ref == ref), None)


# --- checks -----------------------------------------------------------------------------


def adr_allowed(kind: RouteKind):
    """Whether the claim's state allows this ADR route to start now (one ADR route at a time,
    and beside litigation only while it is stayed)."""

    def check(claim: m.ClaimState):
        if (running := active(claim, kind)) is not None:
            return "route_already_active", f"{kind} {running.ref} is still running on this claim"
        if adr := next((r for r in claim.routes if r.kind in ADR_ROUTES and r.active), None):
            return "adr_already_active", f"{adr.kind} {adr.ref} is still running; one ADR route at a time"
        litigation = active(claim, RouteKind.LITIGATION)
        if litigation is not None and not litigation.stayed:
            return (
                "litigation_not_stayed",
                f"ADR runs beside litigation only while proceedings {litigation.ref} are stayed",
            )
        return None

    return check


def litigation_allowed(claim: m.ClaimState):
    if (running := active(claim, RouteKind.LITIGATION)) is not None:
        return "route_already_active", f"litigation {running.ref} is still running on this claim"
    return None


def none_running(claim: m.ClaimState):
    """A claim closes only once its routes have ended (their own actions end them)."""
    if running := [r.ref for r in claim.routes if r.active]:
        return "routes_running", f"end the running routes first: {', '.join(running)}"
    return None


def summit_joinable(claim: m.ClaimState, p: JoinSummit, ctx: Any):
    firm = claim.opening.claimant_firm
    if firm is None or firm.firm_id != p.claimant_firm_id:
        return (
            "claimant_firm_mismatch",
            f"claim {claim.ref} is not represented by {p.claimant_firm_id}",
        )
    summit = active(claim, RouteKind.RESOLUTION_SUMMIT)
    if summit is not None and summit.ref != p.summit_ref:
        return "already_in_summit", f"claim {claim.ref} is already in resolution summit {summit.ref}"
    if summit is not None:
        return None  # joining the same summit again changes nothing (the summit's retry)
    return adr_allowed(RouteKind.RESOLUTION_SUMMIT)(claim)


def in_summit(claim: m.ClaimState, p: LeaveSummit, ctx: Any):
    summit = active(claim, RouteKind.RESOLUTION_SUMMIT)
    if summit is None or summit.ref != p.summit_ref:
        return "not_in_summit", f"claim {claim.ref} is not in resolution summit {p.summit_ref}"
    return None


# --- effects ------------------------------------------------------------------------------


def start_route(kind: RouteKind):
    """Record the route the claim is starting; the workflow starts its child from this record."""

    def effect(claim: m.ClaimState, payload: Any, ctx: Any) -> None:
        n = sum(1 for r in claim.routes if r.kind is kind) + 1
        ref = f"{claim.ref}-{REF_SUFFIX[kind]}{n}"
        claim.routes.append(
            RouteRecord(
                ref=ref,
                kind=kind,
                workflow_id=case_workflow_id(ROUTE_CASE_KINDS[kind], ref),
                started_at=ctx.now,
                started_by=ctx.actor.id,
                reason=payload.reason,
                stage="starting",
                return_to=_return_to(claim),
            )
        )

    return effect


def _return_to(claim: m.ClaimState) -> str:
    """Where the claim goes back to if the route fails: its stage before any route began."""
    return claim.stage.value if claim.stage not in ADR_STAGES | {S.IN_LITIGATION} else S.NEGOTIATING.value


def join_summit(claim: m.ClaimState, p: JoinSummit, ctx: Any) -> None:
    if active(claim, RouteKind.RESOLUTION_SUMMIT) is not None:
        return
    claim.routes.append(
        RouteRecord(
            ref=p.summit_ref,
            kind=RouteKind.RESOLUTION_SUMMIT,
            workflow_id=p.summit_workflow_id,
            started_at=ctx.now,
            started_by=ctx.actor.id,
            reason=f"summit with {p.claimant_firm_id}",
            stage="joined",
            return_to=_return_to(claim),
        )
    )


def leave_summit(claim: m.ClaimState, p: LeaveSummit, ctx: Any) -> None:
    summit = active(claim, RouteKind.RESOLUTION_SUMMIT)
    _end(claim, summit, RouteOutcome(result=RouteResult.DECLINED, reason=f"removed: {p.reason}"), ctx.now)


def route_progress(claim: m.ClaimState, progress: RouteProgress) -> dict | None:
    """A route's news. Returns the ledger summary when the route has ended, else None."""
    route = _route(claim, progress.ref)
    if route is None or not route.active:
        return None
    route.stage = progress.stage
    if progress.stayed is not None:
        route.stayed = progress.stayed
    if not progress.ended:
        return None
    outcome = progress.outcome or RouteOutcome(result=RouteResult.NOT_SETTLED, reason="ended without outcome")
    _end(claim, route, outcome, progress.at)
    return _summary(route)


def summit_outcome(claim: m.ClaimState, outcome: SummitOutcome) -> dict | None:
    route = _route(claim, outcome.summit_ref)
    if route is None or not route.active:
        return None
    result = {
        SummitResult.SETTLED: RouteResult.SETTLED,
        SummitResult.NOT_SETTLED: RouteResult.NOT_SETTLED,
        SummitResult.ACTION_AGREED: RouteResult.NOT_SETTLED,
        SummitResult.ESCALATED: RouteResult.NOT_SETTLED,
    }[outcome.result]
    reason = f"summit outcome: {outcome.result}" + (f" ({outcome.notes})" if outcome.notes else "")
    route.stage = "concluded"
    _end(claim, route, RouteOutcome(result=result, reason=reason, settlement=outcome.settlement), outcome.at)
    return _summary(route)


def _summary(route: RouteRecord) -> dict:
    outcome = route.outcome
    return {
        "route": route.kind.value,
        "route_ref": route.ref,
        "result": outcome.result.value,
        "reason": outcome.reason,
    }


def _end(claim: m.ClaimState, route: RouteRecord, outcome: RouteOutcome, at: datetime) -> None:
    """The route ended: the claim takes its settlement, or goes back to choose again."""
    route.ended_at, route.outcome = at, outcome
    if claim.stage in SETTLED_ALREADY:
        return  # settled on another route meanwhile: this one only closes its record
    if outcome.settlement is not None and outcome.result in (
        RouteResult.SETTLED,
        RouteResult.JUDGMENT_FOR_CLAIMANT,
    ):
        _settle(claim, outcome.settlement)
    elif route.kind is RouteKind.LITIGATION and outcome.result in ENDED_BY_COURT:
        claim.stage = S.PROCEEDINGS_CONCLUDED
    elif claim.stage is ROUTE_STAGE[route.kind]:
        # Back to a route still running beside this one (litigation, or ADR during a stay), else
        # to where the claim was before any route began.
        still = active(claim, RouteKind.LITIGATION) or next((r for r in claim.routes if r.active), None)
        claim.stage = ROUTE_STAGE[still.kind] if still else S(route.return_to or S.NEGOTIATING)
    claim.updated_at = at


def _settle(claim: m.ClaimState, terms: SettlementTerms) -> None:
    claim.settlement = m.Settlement(**terms.model_dump())
    lapse_open_offers(claim, terms.agreed_on)
    claim.stage = S.AWAITING_APPROVAL if claim.needs_approval(terms.agreed_on) else S.SETTLED
