"""ResolutionSummitWorkflow: one meeting with one claimant firm about many of its claims.

Its own case, not a child of a claim. Adding a claim asks the claim to join (an Update the claim
can refuse: closed, another firm, already in a summit) before anything changes here; removing
one asks it to leave. Each claim in it gets a pre-summit valuation deadline of its own, all under
one rule. Once the summit is held, the last claim's outcome concludes it, and the summit tells
each claim its outcome by signal; each claim moves on by itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

from activities.summits import SummitActivities
from models import resolution_summit as m
from models.claims import claim_workflow_id
from models.common import AppliedAction, CaseKind
from models.deadlines import DeadlineChangeView
from models.resolution_summit import SummitStage as S
from models.routes import SummitOutcome, SummitResult
from workflows.activity_options import ASKING_ANOTHER_CASE
from workflows.case_kit import (
    CaseWorkflow,
    Context,
    Divert,
    Pathway,
    Step,
    common_steps,
    not_future,
    refuse,
)

VALUATION_RULE = "summit_valuation_due"
# A claim that cannot be reached after a few tries is a refusal, not a summit stuck holding its lock.
ASK_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=10), maximum_attempts=5
)
UNREACHABLE = "claim_unreachable"
# A claim that has already left (or ended) has nothing to leave: removing it goes ahead. A
# cancelled summit lets go of every claim whatever each answers; only an unreachable one stops it.
ALREADY_OUT = frozenset({"not_in_summit", "claim_not_found"})
ANY_REFUSAL = frozenset({"*"})

EVERY = frozenset(S)
FINAL = frozenset({S.CONCLUDED, S.CANCELLED})
OPEN = EVERY - FINAL
BEFORE_THE_SUMMIT = frozenset({S.PLANNED, S.SCHEDULED})


# --- checks ---------------------------------------------------------------------------------


def _not_yet_in(state: m.SummitState, p: m.AddClaim, ctx: Context):
    claim = state.claim(p.claim_ref)
    if claim is not None and claim.in_summit:
        return "claim_already_in_summit", f"claim {p.claim_ref} is already in this summit"
    return None


def _claims_in_summit(state: m.SummitState):
    if not state.in_summit:
        return "no_claims_in_summit", "no claim is in this summit"
    return None


def _in_summit(state: m.SummitState, p: Any, ctx: Context):
    claim = state.claim(p.claim_ref)
    if claim is None or not claim.in_summit:
        return "claim_not_in_summit", f"claim {p.claim_ref} is not in this summit"
    return None


def _not_past(state: m.SummitState, p: m.ScheduleSummit, ctx: Context):
    if p.summit_on < ctx.today:
        return "date_in_past", f"summit_on {p.summit_on} has passed"
    return None


def _held_on_or_after_the_date(state: m.SummitState, p: m.SummitHeld, ctx: Context):
    if p.held_on > ctx.today:
        return "date_in_future", f"held_on {p.held_on} is in the future"
    if p.held_on < state.summit_on:
        return "before_summit_date", f"the summit is fixed for {state.summit_on}"
    return None


def _no_outcome_yet(state: m.SummitState, p: m.RecordClaimOutcome, ctx: Context):
    if refused := _in_summit(state, p, ctx):
        return refused
    if state.claim(p.claim_ref).outcome is not None:
        return "outcome_already_recorded", f"claim {p.claim_ref} already has its outcome"
    return None


def _valuation_ok(state: m.SummitState, p: m.RecordValuation, ctx: Context):
    return _in_summit(state, p, ctx) or not_future("valued_on")(state, p, ctx)


# --- effects --------------------------------------------------------------------------------


def _schedule(state: m.SummitState, p: m.ScheduleSummit, ctx: Context) -> None:
    state.summit_on = p.summit_on
    if p.format is not None:
        state.format = p.format
    if p.venue is not None:
        state.venue = p.venue


def _add(state: m.SummitState, p: m.AddClaim, ctx: Context) -> None:
    claim = state.claim(p.claim_ref)
    if claim is None:
        state.claims.append(
            m.SummitClaim(
                ref=p.claim_ref,
                workflow_id=claim_workflow_id(p.claim_ref),
                joined_at=ctx.now,
                joined_by=ctx.actor.id,
            )
        )
    else:  # removed earlier, brought back: its earlier valuation still stands
        claim.joins += 1
        claim.joined_at, claim.joined_by = ctx.now, ctx.actor.id
        claim.removed_at = claim.removal_reason = None


def _remove(state: m.SummitState, p: m.RemoveClaim, ctx: Context) -> None:
    claim = state.claim(p.claim_ref)
    claim.removed_at, claim.removal_reason = ctx.now, p.reason


def _value(state: m.SummitState, p: m.RecordValuation, ctx: Context) -> None:
    state.claim(p.claim_ref).valuation = m.Valuation(
        valued_on=p.valued_on,
        damages=p.damages,
        claimant_costs=p.claimant_costs,
        notes=p.notes,
        by=ctx.actor.id,
    )


def _held(state: m.SummitState, p: m.SummitHeld, ctx: Context) -> None:
    state.held_on = p.held_on


def _last_outcome(state: m.SummitState, p: m.RecordClaimOutcome, ctx: Context) -> bool:
    """This claim's is the outcome the summit still waits for: it concludes the summit."""
    return all(c.outcome is not None for c in state.in_summit if c.ref != p.claim_ref)


def _outcome(state: m.SummitState, p: m.RecordClaimOutcome, ctx: Context) -> None:
    state.claim(p.claim_ref).outcome = m.ClaimOutcome(
        result=p.result, settlement=p.settlement, notes=p.notes, recorded_at=ctx.now, by=ctx.actor.id
    )
    claims = state.in_summit
    if all(c.outcome is not None for c in claims):
        settled = sum(c.outcome.result == SummitResult.SETTLED for c in claims)
        state.outcome = (
            "settled_all" if settled == len(claims) else "settled_some" if settled else "settled_none"
        )


def _cancel(state: m.SummitState, p: m.CancelSummit, ctx: Context) -> None:
    state.cancel_reason, state.outcome = p.reason, "cancelled"


# --- asking the claims: before anything changes here, so a claim's no refuses the step ---------


def _request(
    case: ResolutionSummitWorkflow, claim_ref: str, joins: int, ctx: Context, reason: str = ""
) -> m.ClaimRequest:
    state: m.SummitState = case.state
    return m.ClaimRequest(
        summit_ref=state.ref,
        summit_workflow_id=workflow.info().workflow_id,
        claim_ref=claim_ref,
        claimant_firm_id=state.claimant_firm_id,
        summit_on=state.summit_on,
        joins=joins,
        actor=ctx.actor,
        reason=reason,
    )


async def _ask(
    case: ResolutionSummitWorkflow, activity, request: m.ClaimRequest, ctx: Context, tolerate=frozenset()
) -> None:
    """Ask one claim; its refusal (unless tolerated) is the summit's, with the claim's reason."""
    try:
        await workflow.execute_activity_method(
            activity, request, **ASKING_ANOTHER_CASE, retry_policy=ASK_RETRY
        )
    except ActivityError as err:
        code, message = _claims_reason(request.claim_ref, err)
        if code != UNREACHABLE and (tolerate is ANY_REFUSAL or code in tolerate):
            workflow.logger.warning("claim %s did not leave: %s", request.claim_ref, code)
            return
        allowed = case.pathway.allowed_actions(case.state, ctx.actor.role)
        raise refuse(code, message, case.state.stage, allowed) from err


async def _claim_agrees_to_join(case: ResolutionSummitWorkflow, p: m.AddClaim, ctx: Context) -> None:
    known = case.state.claim(p.claim_ref)
    joins = known.joins + 1 if known else 1
    await _ask(case, SummitActivities.join_claim, _request(case, p.claim_ref, joins, ctx), ctx)


async def _claim_leaves(case: ResolutionSummitWorkflow, p: m.RemoveClaim, ctx: Context) -> None:
    claim = case.state.claim(p.claim_ref)
    request = _request(case, claim.ref, claim.joins, ctx, p.reason)
    await _ask(case, SummitActivities.leave_claim, request, ctx, tolerate=ALREADY_OUT)


async def _every_claim_released(case: ResolutionSummitWorkflow, p: m.CancelSummit, ctx: Context) -> None:
    for claim in case.state.in_summit:
        request = _request(case, claim.ref, claim.joins, ctx, f"summit cancelled: {p.reason}")
        await _ask(case, SummitActivities.leave_claim, request, ctx, tolerate=ANY_REFUSAL)


# --- the deadline book: one valuation deadline per claim -------------------------------------


def _waive_if_live(case: ResolutionSummitWorkflow, name: str, reason: str, actor: str) -> None:
    deadline = case.state.deadlines.get(name)
    if deadline is not None and deadline.live:
        case.book.waive(name, reason, actor)


async def _valuation_due(
    case: ResolutionSummitWorkflow, p: m.AddClaim, ctx: Context
) -> list[DeadlineChangeView]:
    name, owner, actor = m.valuation_deadline(p.claim_ref), case.state.owner, ctx.actor.id
    return [await case.book.set(name, "add_claim", ctx.today, owner, actor, rule=VALUATION_RULE)]


async def _valuation_moot_once_removed(
    case: ResolutionSummitWorkflow, p: m.RemoveClaim, ctx: Context
) -> list[DeadlineChangeView]:
    _waive_if_live(case, m.valuation_deadline(p.claim_ref), "the claim left the summit", ctx.actor.id)
    return []


async def _valuation_met(
    case: ResolutionSummitWorkflow, p: m.RecordValuation, ctx: Context
) -> list[DeadlineChangeView]:
    case.book.meet(m.valuation_deadline(p.claim_ref), p.valued_on, ctx.actor.id)
    return []


async def _valuations_moot_once_held(
    case: ResolutionSummitWorkflow, p: m.SummitHeld, ctx: Context
) -> list[DeadlineChangeView]:
    for claim in case.state.claims:
        _waive_if_live(case, m.valuation_deadline(claim.ref), "moot: the summit was held", ctx.actor.id)
    return []


# --- telling the claims -------------------------------------------------------------------------


async def _claims_told_once_concluded(
    case: ResolutionSummitWorkflow, p: m.RecordClaimOutcome, ctx: Context, applied: AppliedAction
) -> None:
    """Each claim in the summit is told its outcome, and moves on by itself."""
    if applied.stage_after != S.CONCLUDED:
        return
    state: m.SummitState = case.state
    now = workflow.now()
    for claim in state.in_summit:
        o = claim.outcome
        told = SummitOutcome(
            summit_ref=state.ref, result=o.result, settlement=o.settlement, notes=o.notes, at=now
        )
        if await case.signal_case(claim.workflow_id, "summit_outcome", told):
            claim.told_at = now


PATHWAY = Pathway(
    "resolution_summit",
    S,
    [
        Step(
            "schedule_summit",
            m.ScheduleSummit,
            BEFORE_THE_SUMMIT,
            S.SCHEDULED,
            "Summit date fixed (or moved)",
            _schedule,
            _not_past,
        ),
        Step(
            "add_claim",
            m.AddClaim,
            BEFORE_THE_SUMMIT,
            None,
            "A claim of the firm's brought into the summit (the claim must agree to join)",
            _add,
            _not_yet_in,
            before=_claim_agrees_to_join,
            book=_valuation_due,
        ),
        Step(
            "remove_claim",
            m.RemoveClaim,
            BEFORE_THE_SUMMIT,
            None,
            "A claim taken out of the summit before it is held, with the reason",
            _remove,
            _in_summit,
            available=_claims_in_summit,
            before=_claim_leaves,
            book=_valuation_moot_once_removed,
        ),
        Step(
            "record_valuation",
            m.RecordValuation,
            BEFORE_THE_SUMMIT,
            None,
            "Our pre-summit valuation of one claim",
            _value,
            _valuation_ok,
            date_field="valued_on",
            available=_claims_in_summit,
            book=_valuation_met,
        ),
        Step(
            "record_summit_held",
            m.SummitHeld,
            frozenset({S.SCHEDULED}),
            S.HELD,
            "Summit held: outcomes are recorded claim by claim",
            _held,
            _held_on_or_after_the_date,
            date_field="held_on",
            available=_claims_in_summit,
            book=_valuations_moot_once_held,
        ),
        Step(
            "record_claim_outcome",
            m.RecordClaimOutcome,
            frozenset({S.HELD}),
            None,
            "One claim's outcome; the last one concludes the summit and tells every claim",
            _outcome,
            _no_outcome_yet,
            diverts=(Divert(S.CONCLUDED, "the last outcome", _last_outcome),),
            after=_claims_told_once_concluded,
        ),
        Step(
            "cancel_summit",
            m.CancelSummit,
            BEFORE_THE_SUMMIT,
            S.CANCELLED,
            "Summit cancelled before it was held: every claim in it is released",
            _cancel,
            before=_every_claim_released,
        ),
        *common_steps(OPEN, EVERY),
    ],
    final=FINAL,
    opening_action="open_summit",
)


@workflow.defn
class ResolutionSummitWorkflow(CaseWorkflow):
    pathway = PATHWAY
    input_type = m.SummitInput
    state_type = m.SummitState

    @workflow.init
    def __init__(self, input: m.SummitInput) -> None:
        self.start_case(input)

    @workflow.run
    async def run(self, input: m.SummitInput) -> m.SummitState:
        return await self.run_case()

    def open(self, input: m.SummitInput, now: datetime) -> m.SummitState:
        o = input.opening
        return m.SummitState(
            ref=input.ref,
            kind=CaseKind.RESOLUTION_SUMMIT,
            stage=self.pathway.initial,
            owner=input.owner,
            team=o.team,
            opened_at=now,
            updated_at=now,
            claimant_firm_id=o.claimant_firm_id,
            claimant_firm_name=o.claimant_firm_name,
            proposed_on=o.proposed_on,
            format=o.format,
            venue=o.venue,
        )

    def opening_summary(self, input: m.SummitInput) -> dict[str, Any]:
        o = input.opening
        return {
            "claimant_firm_id": o.claimant_firm_id,
            "proposed_on": o.proposed_on and o.proposed_on.isoformat(),
        }

    def facts(self) -> dict[str, Any]:
        state: m.SummitState = self.state
        claims = state.in_summit
        return {
            "claimant_firm_id": state.claimant_firm_id,
            "summit_on": state.summit_on and state.summit_on.isoformat(),
            "held_on": state.held_on and state.held_on.isoformat(),
            "claim_refs": [c.ref for c in claims],
            "removed_refs": [c.ref for c in state.claims if not c.in_summit],
            "valued": sum(c.valuation is not None for c in claims),
            "results": {c.ref: c.outcome.result.value for c in claims if c.outcome},
        }


def _claims_reason(claim_ref: str, err: ActivityError) -> tuple[str, str]:
    """The claim's refusal (code and reason) from the activity, or that it could not be reached."""
    cause = err.cause
    if isinstance(cause, ApplicationError) and cause.non_retryable and cause.type:
        return cause.type, cause.message
    return UNREACHABLE, f"claim {claim_ref} could not be reached; try again"
