"""The claim's pathway as data: stages, the actions allowed in each, where each leads, and
what each does beyond its stage (deadlines, routes, payments).

Update validators, the allowed actions in every response, `GET /pathways/claim`, the API's
routes and the diagram in docs/ are all generated from `PATHWAY`. The rows are pure and
deterministic; their `book` and `after` hooks run inside the claim's workflow.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from temporalio import workflow

from activities.coding import CodingActivities
from models import claims as m
from models.cases import CaseHold, CaseLink, CasePolicy
from models.claims import ClaimStage as S
from models.coding import Coding
from models.common import CaseKind
from models.deadlines import DeadlineChangeView, LimitationRequest
from models.litigation import DeemedService, DeemedServiceRequest
from models.routes import (
    ROUTE_WORKFLOW_TYPES,
    AgreeEvaluation,
    JoinSummit,
    LeaveSummit,
    ProposeMediation,
    RecordProceedingsIssued,
    RouteOpening,
)
from models.routes import RouteKind as R
from workflows import claim_offers as offers
from workflows import claim_protocol as protocol
from workflows import claim_routes as routes
from workflows.activity_options import COMPUTATION, REGISTER_WRITE
from workflows.case_kit import (
    PREVIOUS,
    SUPERVISING,
    Context,
    Divert,
    Pathway,
    Step,
    both,
    common_steps,
    extension_refusal,
    link_case_step,
    not_future,
    refuse,
)

OPEN = frozenset(s for s in S if s is not S.CLOSED)
EVERY = frozenset(S)
BEFORE_RESPONSE = frozenset(
    {
        S.NOTIFIED,
        S.LETTER_OF_NOTIFICATION_RECEIVED,
        S.LETTER_OF_NOTIFICATION_ACKNOWLEDGED,
        S.LETTER_OF_CLAIM_RECEIVED,
        S.LETTER_OF_CLAIM_ACKNOWLEDGED,
        S.INVESTIGATING,
    }
)
BEFORE_LETTER_OF_CLAIM = frozenset(
    {S.NOTIFIED, S.LETTER_OF_NOTIFICATION_RECEIVED, S.LETTER_OF_NOTIFICATION_ACKNOWLEDGED}
)
AWAITING_RESPONSE = frozenset({S.LETTER_OF_CLAIM_RECEIVED, S.LETTER_OF_CLAIM_ACKNOWLEDGED, S.INVESTIGATING})
UNSETTLED = BEFORE_RESPONSE | {S.LETTER_OF_RESPONSE_SENT, S.NEGOTIATING}
# Offers, their Part 36 periods and interim payments run on while a route runs.
ROUTE_STAGES = routes.ADR_STAGES | {S.IN_LITIGATION}
OFFERS_OPEN = (
    frozenset({S.LETTER_OF_CLAIM_ACKNOWLEDGED, S.INVESTIGATING, S.LETTER_OF_RESPONSE_SENT, S.NEGOTIATING})
    | ROUTE_STAGES
)
OFFERS_MADE = frozenset({S.NEGOTIATING}) | ROUTE_STAGES
PAYMENTS = frozenset({S.LETTER_OF_RESPONSE_SENT, S.NEGOTIATING, S.SETTLED, S.PAID}) | ROUTE_STAGES
SETTLED_OR_PAID = frozenset({S.SETTLED, S.PAID})

RECORDS = "health_records_due"
NOTIFICATION_ACK = "letter_of_notification_acknowledgment_due"
CLAIM_ACK = "letter_of_claim_acknowledgment_due"
RESPONSE = "letter_of_response_due"
REVIEW = "case_review_due"
LIMITATION = "limitation"
DEPENDANTS_LIMITATION = "fatal_accidents_limitation"  # LA 1980 s.12, beside the estate's
STOCKTAKE = "stocktake_due"

# Most claim steps wait while the claim is on hold; those that do not say hold="any".
ClaimStep = partial(Step, hold="off")


# --- checks -----------------------------------------------------------------------------


def _records_outstanding(claim: m.ClaimState):
    due = claim.deadlines.get(RECORDS)
    if due is not None and due.met_on is not None:
        return "records_already_supplied", f"health records were supplied on {due.met_on}"
    if due is None or not due.live:  # never asked for, or the request was waived
        return "records_not_requested", "no request for health records is outstanding"
    return None


def _records_not_requested(claim: m.ClaimState):
    due = claim.deadlines.get(RECORDS)
    if due is not None and due.live:
        return "records_already_requested", f"health records were requested, due {due.due_on}"
    return None


def _death_not_recorded(claim: m.ClaimState):
    if claim.death is not None:
        return "death_already_recorded", f"the claimant's death on {claim.death.died_on} is recorded"
    return None


def _letter_of_claim_recorded(claim: m.ClaimState):
    if RESPONSE not in claim.deadlines:
        return "no_letter_of_claim", "no letter of claim is recorded, so no response is due"
    return None


def _response_extension(claim: m.ClaimState, p: m.ExtendResponsePeriod, ctx: Context):
    return extension_refusal(claim, RESPONSE, p.new_due_date, None, ctx)


def _correctable(claim: m.ClaimState, payload: m.CorrectDate, ctx: Context):
    if payload.corrected_date > ctx.today:
        return "date_in_future", f"{payload.corrected_date} is in the future"
    if payload.action in offers.OFFER_ACTIONS:
        # Each offer has its own date; correcting "the" date of make_offer would move them all.
        return "offer_date_not_correctable", "an offer's date is corrected by withdrawing and remaking it"
    if not any(d.trigger == payload.action for d in claim.deadlines.values()):
        return "no_dependent_deadlines", f"no deadline was computed from the date of {payload.action}"
    return None


def _settlement_needs_approval(claim: m.ClaimState, payload: m.RecordSettlement, ctx: Context) -> bool:
    return claim.needs_approval(payload.agreed_on)


def _approval_refused(claim: m.ClaimState, payload: m.RecordCourtApproval, ctx: Context) -> bool:
    return not payload.approved


def _refused_in_litigation(claim: m.ClaimState, payload: m.RecordCourtApproval, ctx: Context) -> bool:
    return not payload.approved and routes.active(claim, R.LITIGATION) is not None


def _payment_allowed(claim: m.ClaimState, payload: m.RecordPayment, ctx: Context):
    if claim.settlement is None:
        if payload.kind is not m.PaymentKind.INTERIM:
            return "not_settled", f"only an interim payment comes before settlement; stage {claim.stage}"
        if claim.needs_approval(payload.paid_on) and payload.court_approval_reference is None:
            return (
                "court_approval_required",
                "an interim payment to a child or protected party needs the court's approval (CPR 21.10)",
            )
    elif payload.kind is m.PaymentKind.PERIODICAL and claim.settlement.periodical_payments is None:
        return "no_periodical_payment_order", "the settlement has no periodical payment order"
    if any(p.reference == payload.reference for p in claim.payments):
        return "duplicate_payment_reference", f"payment {payload.reference} is already recorded"
    return _within_settlement(claim, payload, ctx)


def _within_settlement(claim: m.ClaimState, payload: m.RecordPayment, ctx: Context):
    settlement = claim.settlement
    if settlement is None or payload.kind is m.PaymentKind.PERIODICAL:
        return None  # interim payments are set off against the settlement; annual ones run on
    owed = settlement.paid_at_once
    paid = sum((p.amount for p in claim.payments if p.kind is not m.PaymentKind.PERIODICAL), start=0)
    if paid + payload.amount > owed:
        return "overpayment", f"{payload.amount} would take payments past the {owed} agreed"
    return None


def _closable(claim: m.ClaimState):
    """What rules out closing whatever the outcome: a settlement not yet approved or paid, or a
    route still running (its own actions end it)."""
    if claim.stage is S.AWAITING_APPROVAL:
        return (
            "awaiting_court_approval",
            f"the claim is at stage {claim.stage}: the court must approve the settlement (CPR 21.10)",
        )
    if claim.stage in (S.OFFER_ACCEPTED, S.SETTLED):
        return "payment_outstanding", "a settled claim closes once its payment is recorded"
    return routes.none_running(claim)


def _outcome_fits(claim: m.ClaimState, payload: m.Close, ctx: Context):
    with_damages = payload.outcome is m.ClosureOutcome.SETTLED_WITH_DAMAGES
    if with_damages and claim.stage is not S.PAID:
        return "no_payment_recorded", "settled with damages needs the payment recorded first"
    if claim.stage is S.PAID and not with_damages:
        return "outcome_mismatch", "a paid claim closes as settled with damages"
    if (with_damages or claim.damages_paid) and claim.coding is None:
        return "claim_not_coded", "a claim that paid damages is coded (code_claim) before it closes"
    return None


def _coding_changes(claim: m.ClaimState, payload: m.CodeClaim, ctx: Context):
    coded = payload.model_dump(exclude={"reason"})
    if claim.coding is not None and claim.coding.model_dump(include=set(coded)) == coded:
        return "same_coding", "the claim is already coded with exactly these codes"
    return None


def _handler_changes(claim: m.ClaimState, payload: m.Reassign, ctx: Context):
    if payload.handler == claim.owner:
        return "same_handler", f"the claim is already with {claim.owner}"
    return None


# --- effects ----------------------------------------------------------------------------


def _reassign(claim: m.ClaimState, p: m.Reassign, ctx: Context) -> None:
    claim.owner = p.handler


def _code(claim: m.ClaimState, p: m.CodeClaim, ctx: Context) -> None:
    claim.coding = m.ClaimCoding(**p.model_dump(), coded_by=ctx.actor.id, coded_at=ctx.now)


async def _codes_in_taxonomy(case, p: m.CodeClaim, ctx: Context) -> None:
    """The worker's taxonomy is the judge: unknown, retired, group or stale-version codes are
    refused before anything changes."""
    refusal = await workflow.execute_local_activity_method(
        CodingActivities.check_coding, Coding(**p.model_dump(exclude={"reason"})), **COMPUTATION
    )
    if refusal is not None:
        allowed = case.pathway.allowed_actions(case.state, ctx.actor.role)
        raise refuse(refusal.code, refusal.message, case.state.stage, allowed)


def _close(claim: m.ClaimState, p: m.Close, ctx: Context) -> None:
    claim.outcome = p.outcome


def _put_on_hold(claim: m.ClaimState, p: m.PutOnHold, ctx: Context) -> None:
    claim.hold = CaseHold(reason=p.reason, review_on=p.review_on, since=ctx.now)


def _take_off_hold(claim: m.ClaimState, p: m.TakeOffHold, ctx: Context) -> None:
    claim.hold = None


def _instruct(claim: m.ClaimState, p: m.OpenInvestigation | m.InstructExperts, ctx: Context) -> None:
    claim.experts.extend(p.experts)


def _standstill(claim: m.ClaimState, p: m.RecordStandstill, ctx: Context) -> None:
    claim.standstill_until = p.until


def _died(claim: m.ClaimState, p: m.Death, ctx: Context) -> None:
    claim.death = p


def _send_response(claim: m.ClaimState, p: m.SendLetterOfResponse, ctx: Context) -> None:
    claim.liability = p.liability
    claim.apology_given = p.apology_given


def _stocktake(claim: m.ClaimState, p: m.HoldStocktake, ctx: Context) -> None:
    claim.stocktakes.append(m.Stocktake(**p.model_dump()))


def _settle(claim: m.ClaimState, p: m.RecordSettlement, ctx: Context) -> None:
    claim.settlement = m.Settlement(**p.model_dump())
    offers.lapse_open_offers(claim, p.agreed_on)


def _court_decision(claim: m.ClaimState, p: m.RecordCourtApproval, ctx: Context) -> None:
    settlement = claim.settlement
    settlement.approval = m.CourtApproval(**p.model_dump())
    if p.approved:
        return
    # Not approved, so never valid (CPR 21.10): back to negotiating, the refusal kept.
    claim.refused_settlements.append(settlement)
    claim.settlement = None
    for offer in claim.offers:
        if offer.status == "accepted":
            offer.status = "approval_refused"


def _pay(claim: m.ClaimState, p: m.RecordPayment, ctx: Context) -> None:
    claim.payments.append(m.Payment(**p.model_dump()))


def _issued(claim: m.ClaimState, p: RecordProceedingsIssued, ctx: Context) -> None:
    """Litigation starts; an issue before the protocol's 4 months were up is flagged."""
    protocol.record_early_issue(claim, p.issued_on)
    routes.start_route(R.LITIGATION)(claim, p, ctx)


# --- what steps do to the deadline book (run by the claim's workflow) ---------------------


def limitation_request(claim: m.ClaimState, dependants: bool = False) -> LimitationRequest:
    """What limitation is computed from: the injured person's claim (the estate's once they
    have died, LA 1980 s.11(5)) or, with `dependants`, the Fatal Accidents Act claim (s.12)."""
    opening, death = claim.opening, claim.death
    return LimitationRequest(
        incident_date=opening.incident_date,
        date_of_knowledge=opening.date_of_knowledge,
        claimant_date_of_birth=opening.claimant.date_of_birth,
        protected_party=opening.claimant.protected_party,
        standstill_until=claim.standstill_until,
        death_date=death.died_on if death else None,
        personal_representative_knowledge=death.personal_representative_knowledge if death else None,
        dependants=dependants,
        dependants_knowledge=death.dependants_knowledge if death else None,
    )


async def set_limitations(case, trigger: str, actor: str) -> list[DeadlineChangeView]:
    """Limitation of the claim and, where the dependants claim after a death, of theirs: each its
    own deadline, since each can expire first (s.11(5) runs from the personal representative's
    knowledge, s.12(2) from a dependant's)."""
    claim, book = case.state, case.book
    changes = [await book.set_limitation(limitation_request(claim), trigger, claim.owner, actor)]
    if claim.death is not None and claim.death.fatal_accidents_claim:
        request = limitation_request(claim, dependants=True)
        changes.append(
            await book.set_limitation(request, trigger, claim.owner, actor, name=DEPENDANTS_LIMITATION)
        )
    return changes


async def _limitation_again(case, p: Any, ctx: Context) -> list[DeadlineChangeView]:
    """Limitation computed again: a standstill or a death moved it, or a reopen revived it after
    closure waived every deadline."""
    return await set_limitations(case, ctx.action, ctx.actor.id)


async def _extend_response(case, p: m.ExtendResponsePeriod, ctx: Context) -> list[DeadlineChangeView]:
    return [case.book.extend(RESPONSE, p.new_due_date, None, p.reason, p.agreed_by, ctx.actor.id)]


async def _recompute(case, p: m.CorrectDate, ctx: Context) -> list[DeadlineChangeView]:
    return await case.book.recompute(p.action, p.corrected_date, ctx.actor.id, True)


async def _pause_service_clocks(case, p: m.PutOnHold, ctx: Context) -> list[DeadlineChangeView]:
    case.book.pause_service_clocks(ctx.actor.id, p.reason)
    return []


async def _resume_service_clocks(case, p: m.TakeOffHold, ctx: Context) -> list[DeadlineChangeView]:
    case.book.resume_service_clocks(ctx.actor.id)
    return []


async def _deadlines_follow_handler(case, p: m.Reassign, ctx: Context) -> list[DeadlineChangeView]:
    for deadline in case.state.deadlines.values():
        if deadline.live:
            deadline.owner = p.handler
    return []


async def _meet_stocktakes(case, p: m.HoldStocktake, ctx: Context) -> list[DeadlineChangeView]:
    for deadline in case.state.deadlines.values():
        if deadline.rule == STOCKTAKE and deadline.live:
            case.book.meet(deadline.name, p.held_on, ctx.actor.id)
    return []


async def _serve_offer(case, p: m.MakeOffer, ctx: Context) -> list[DeadlineChangeView]:
    """An offer is made when served (CPR 36.7): on the day CPR 6.26 deems it served, computed by
    the service activity from when and how it was sent, so the day lands in history. A Part 36
    offer's relevant period runs from that day."""
    offer = case.state.offers[-1]
    request = DeemedServiceRequest(document="other", method=p.method, sent_at=p.sent_at)
    served = await workflow.execute_local_activity(
        "deemed_service",  # by name: the pathway table, read by the API too, imports no activity
        request,
        result_type=DeemedService,
        summary=f"CPR 6.26: offer {offer.no} deemed served",
        **COMPUTATION,
    )
    offers.served(case.state, offer, served.deemed_served_on)
    return await _start_relevant_period(case, p, ctx)


async def _start_relevant_period(case, p: m.MakeOffer | m.ChangeOffer, ctx: Context):
    """A Part 36 offer, or a change to better terms, starts a relevant period (CPR 36.5, 36.9)."""
    claim = case.state
    made = isinstance(p, m.MakeOffer)
    offer = offers.find_offer(claim, len(claim.offers) if made else p.offer_no)
    if (made and not offer.part_36) or (not made and not offer.changes[-1].more_advantageous):
        return []
    change = await case.book.set(
        offers.relevant_period_name(offer.no),
        ctx.action,
        offer.made_on if made else p.changed_on,
        claim.owner,
        ctx.actor.id,
        rule=offers.RELEVANT_PERIOD,
        days=offer.relevant_period_days,
    )
    offer.relevant_period_ends_on = change.due_on
    return [change]


async def _clarification_due(case, p: m.RequestOfferClarification, ctx: Context):
    """CPR 36.8(2): the offeror has 7 days from the request to clarify its offer."""
    claim = case.state
    name = offers.clarification_name(p.offer_no)
    action, owner, actor = ctx.action, claim.owner, ctx.actor.id
    return [await case.book.set(name, action, p.requested_on, owner, actor, rule=offers.CLARIFICATION)]


async def _clarified(case, p: m.ClarifyOffer, ctx: Context) -> list[DeadlineChangeView]:
    """Met once no request is left unanswered."""
    if not offers.clarification_awaited(offers.find_offer(case.state, p.offer_no)):
        case.book.meet(offers.clarification_name(p.offer_no), p.clarified_on, ctx.actor.id)
    return []


def _close_clarifications(case, actor: str) -> bool:
    """An offer no longer open needs no clarification: its request's deadline is moot."""
    closed = False
    for offer in case.state.offers:
        deadline = case.state.deadlines.get(offers.clarification_name(offer.no))
        if deadline is not None and deadline.live and offer.status not in offers.LIVE_OFFER:
            case.book.waive(deadline.name, f"offer {offer.no} is {offer.status}", actor)
            closed = True
    return closed


def close_relevant_periods(case, actor: str) -> bool:
    """An accepted offer meets its relevant period; a withdrawn or lapsed one, or one whose
    period has run (it stays open for acceptance, CPR 36.11), needs no more reminders; nor does a
    request to clarify an offer no longer open."""
    closed = _close_clarifications(case, actor)
    for offer in case.state.offers:
        deadline = offers.relevant_period(case.state, offer)
        if deadline is None or not deadline.live:
            continue
        if offer.status == "accepted":
            case.book.meet(deadline.name, offer.closed_on, actor)
        elif offer.status not in offers.LIVE_OFFER:
            case.book.waive(deadline.name, f"offer {offer.no} is {offer.status}", actor)
        elif offer.relevant_period_expired:
            case.book.waive(deadline.name, "the relevant period has ended; the offer stays open", actor)
        else:
            continue
        closed = True
    return closed


async def _offers_closed(case, p: Any, ctx: Context) -> list[DeadlineChangeView]:
    close_relevant_periods(case, ctx.actor.id)
    return []


# --- what steps do outside the claim --------------------------------------------------------


async def _record_payment(case, p: m.RecordPayment, ctx: Context, applied) -> None:
    await register_payment(case, case.state.payments[-1], ctx.actor.id, ctx.now)


async def register_payment(case, payment: m.Payment, actor: str, at: datetime) -> None:
    """The payment's row in the register's payment table (keyed by claim and reference, so a
    retry or replay writes it once)."""
    record = m.PaymentRecord(claim_ref=case.state.ref, payment=payment, recorded_by=actor, recorded_at=at)
    await workflow.execute_activity(
        "record_payment",  # by name: the pathway table, read by the API too, imports no activity
        record,
        **REGISTER_WRITE,
    )


async def _start_route(case, request: Any, ctx: Context, applied) -> None:
    """Start the route the step just recorded, as a child that outlives this run (the claim
    continues-as-new over the years a route can take; the route reports back by signal)."""
    claim, route = case.state, case.state.routes[-1]
    workflow_id = workflow.info().workflow_id
    firm = claim.opening.claimant_firm
    opening = RouteOpening(
        claim_ref=claim.ref,
        claim_workflow_id=workflow_id,
        owner=claim.owner,
        team=claim.team,
        claimant_firm_id=firm.firm_id if firm else None,
        child_or_protected_party=claim.needs_approval(ctx.today),
    )
    policy = case.policy
    await workflow.start_child_workflow(
        ROUTE_WORKFLOW_TYPES[route.kind],
        {
            "ref": route.ref,
            "owner": claim.owner,
            "opening": opening.model_dump(mode="json") | request.model_dump(mode="json"),
            "opened_by": {"actor": ctx.actor.model_dump(mode="json"), "request_id": applied.request_id},
            "parent": CaseLink(kind=CaseKind.CLAIM, ref=claim.ref, workflow_id=workflow_id).model_dump(
                mode="json"
            ),
            "policy": CasePolicy(
                version=policy.version,
                deadlines=policy.deadlines,
                projection_delay_seconds=policy.projection_delay_seconds,
            ).model_dump(mode="json"),
        },
        id=route.workflow_id,
        parent_close_policy=workflow.ParentClosePolicy.ABANDON,
        static_summary=f"{route.kind.value.replace('_', ' ')} {route.ref} of claim {claim.ref}",
    )


# --- the table --------------------------------------------------------------------------


def _adr_step(
    action: str, payload, kind, describe: str, check=None, effect=None, also_from=frozenset(), **options
) -> Step:
    """Starting ADR: the claim shows the route's stage, except during stayed litigation."""
    return ClaimStep(
        action,
        payload,
        routes.ADR_FROM | also_from,
        routes.ROUTE_STAGE[kind],
        describe,
        effect or routes.start_route(kind),
        **({"check": check} if check else {}),
        diverts=(Divert(S.IN_LITIGATION, "during a stay", origins=frozenset({S.IN_LITIGATION})),),
        **options,
    )


ROUTE_STEPS = [
    _adr_step(
        "propose_mediation",
        ProposeMediation,
        R.MEDIATION,
        "Mediation proposed: a mediation begins",
        not_future("proposed_on"),
        available=routes.adr_allowed(R.MEDIATION),
        after=_start_route,
    ),
    _adr_step(
        "agree_early_neutral_evaluation",
        AgreeEvaluation,
        R.EARLY_NEUTRAL_EVALUATION,
        "Early neutral evaluation agreed or ordered",
        not_future("agreed_on"),
        available=routes.adr_allowed(R.EARLY_NEUTRAL_EVALUATION),
        after=_start_route,
    ),
    Step(
        "record_proceedings_issued",
        RecordProceedingsIssued,
        routes.LITIGATION_FROM,
        S.IN_LITIGATION,
        "Proceedings issued: litigation under the CPR timetable begins (early issue flagged, PAP)",
        _issued,
        not_future("issued_on"),
        available=routes.litigation_allowed,
        after=_start_route,
        hold="any",  # the claimant may issue protectively while we hold the claim
    ),
    _adr_step(
        "join_summit",
        JoinSummit,
        R.RESOLUTION_SUMMIT,
        "Joined a resolution summit (sent by the summit)",
        routes.summit_joinable,
        routes.join_summit,
        also_from=frozenset({S.IN_RESOLUTION_SUMMIT}),  # so another summit hears why it may not
        internal=True,
    ),
    Step(  # at any open stage and on hold too: a summit must always be able to let its claims go
        "leave_summit",
        LeaveSummit,
        OPEN,
        None,
        "Removed from a resolution summit (sent by the summit)",
        routes.leave_summit,
        routes.in_summit,
        internal=True,
    ),
]

STEPS: list[Step] = [
    *common_steps(OPEN, EVERY),
    Step(
        "reassign",
        m.Reassign,
        OPEN,
        None,
        "Reassign to another handler",
        _reassign,
        _handler_changes,
        roles=SUPERVISING,
        book=_deadlines_follow_handler,
        assignee="handler",
    ),
    ClaimStep(
        "put_on_hold",
        m.PutOnHold,
        OPEN,
        None,
        "Put on hold with a review date",
        _put_on_hold,
        book=_pause_service_clocks,
    ),
    ClaimStep(
        "take_off_hold",
        m.TakeOffHold,
        OPEN,
        None,
        "Take off hold",
        _take_off_hold,
        hold="on",
        book=_resume_service_clocks,
    ),
    ClaimStep(
        "request_health_records",
        m.RequestHealthRecords,
        BEFORE_RESPONSE,
        None,
        "Health records requested (40 days)",
        check=not_future("requested_on"),
        available=_records_not_requested,
        date_field="requested_on",
        sets=(RECORDS,),
        meets=(REVIEW,),
    ),
    ClaimStep(
        "supply_health_records",
        m.SupplyHealthRecords,
        UNSETTLED,
        None,
        "Health records supplied",
        check=not_future("supplied_on"),
        available=_records_outstanding,
        date_field="supplied_on",
        meets=(RECORDS,),
    ),
    ClaimStep(
        "receive_letter_of_notification",
        m.ReceiveLetter,
        frozenset({S.NOTIFIED}),
        S.LETTER_OF_NOTIFICATION_RECEIVED,
        "Letter of notification received (ack in 14 days)",
        check=not_future("received_on"),
        date_field="received_on",
        sets=(NOTIFICATION_ACK,),
    ),
    ClaimStep(
        "acknowledge_letter_of_notification",
        m.AcknowledgeLetter,
        frozenset({S.LETTER_OF_NOTIFICATION_RECEIVED}),
        S.LETTER_OF_NOTIFICATION_ACKNOWLEDGED,
        "Letter of notification acknowledged",
        check=not_future("sent_on"),
        date_field="sent_on",
        meets=(NOTIFICATION_ACK, REVIEW),
    ),
    ClaimStep(
        "receive_letter_of_claim",
        m.ReceiveLetter,
        BEFORE_LETTER_OF_CLAIM,
        S.LETTER_OF_CLAIM_RECEIVED,
        "Letter of claim received (ack in 14 days, response in 4 months)",
        check=not_future("received_on"),
        date_field="received_on",
        sets=(CLAIM_ACK, RESPONSE),
    ),
    ClaimStep(
        "acknowledge_letter_of_claim",
        m.AcknowledgeLetter,
        frozenset({S.LETTER_OF_CLAIM_RECEIVED}),
        S.LETTER_OF_CLAIM_ACKNOWLEDGED,
        "Letter of claim acknowledged",
        check=not_future("sent_on"),
        date_field="sent_on",
        meets=(CLAIM_ACK, REVIEW),
    ),
    ClaimStep(
        "open_investigation",
        m.OpenInvestigation,
        frozenset({S.LETTER_OF_NOTIFICATION_ACKNOWLEDGED, S.LETTER_OF_CLAIM_ACKNOWLEDGED}),
        S.INVESTIGATING,
        "Investigation opened, experts instructed",
        _instruct,
        meets=(REVIEW,),
    ),
    ClaimStep(
        "instruct_experts",
        m.InstructExperts,
        frozenset({S.INVESTIGATING, S.LETTER_OF_RESPONSE_SENT, S.NEGOTIATING}),
        None,
        "Further experts instructed",
        _instruct,
    ),
    ClaimStep(
        "extend_response_period",
        m.ExtendResponsePeriod,
        AWAITING_RESPONSE,
        None,
        "Response period extended by agreement",
        check=_response_extension,
        available=_letter_of_claim_recorded,
        book=_extend_response,
    ),
    ClaimStep(
        "record_standstill_agreement",
        m.RecordStandstill,
        UNSETTLED,
        None,
        "Standstill agreement on limitation recorded",
        _standstill,
        book=_limitation_again,
    ),
    ClaimStep(
        "record_death",
        m.Death,
        UNSETTLED,
        None,
        "The claimant's death recorded: limitation runs from it (LA 1980 s.11(5); dependants s.12)",
        _died,
        not_future("died_on"),
        available=_death_not_recorded,
        book=_limitation_again,
    ),
    ClaimStep(
        "send_letter_of_response",
        m.SendLetterOfResponse,
        frozenset({S.LETTER_OF_CLAIM_ACKNOWLEDGED, S.INVESTIGATING}),
        S.LETTER_OF_RESPONSE_SENT,
        "Letter of response sent with a liability position",
        _send_response,
        not_future("sent_on"),
        date_field="sent_on",
        meets=(RESPONSE,),
    ),
    ClaimStep(
        "hold_stocktake",
        m.HoldStocktake,
        frozenset({S.LETTER_OF_RESPONSE_SENT, S.NEGOTIATING, S.IN_LITIGATION}),
        None,
        "Pre-issue stocktake held (PAP 6)",
        _stocktake,
        not_future("held_on"),
        book=_meet_stocktakes,
    ),
    ClaimStep(
        "make_offer",
        m.MakeOffer,
        OFFERS_OPEN,
        S.NEGOTIATING,
        "Offer or counter-offer served, made when deemed served (CPR 36.7, 6.26; Part 36: 21 days or more)",
        offers.make_offer,
        both(offers.sent_in_the_past, offers.counter_valid, offers.relevant_period_long_enough),
        diverts=tuple(
            Divert(stage, "while a route runs", origins=frozenset({stage}))
            for stage in sorted(ROUTE_STAGES, key=list(S).index)
        ),
        book=_serve_offer,
    ),
    ClaimStep(
        "request_offer_clarification",
        m.RequestOfferClarification,
        OFFERS_MADE,
        None,
        "Clarification of a Part 36 offer requested (CPR 36.8: within 7 days; answered 7 days on)",
        offers.request_clarification,
        both(not_future("requested_on"), offers.offer_live, offers.part_36, offers.clarification_in_time),
        book=_clarification_due,
    ),
    ClaimStep(
        "clarify_offer",
        m.ClarifyOffer,
        OFFERS_MADE,
        None,
        "A Part 36 offer clarified (CPR 36.8)",
        offers.clarify,
        both(not_future("clarified_on"), offers.clarification_outstanding),
        book=_clarified,
    ),
    ClaimStep(
        "change_offer",
        m.ChangeOffer,
        OFFERS_MADE,
        None,
        "A Part 36 offer's terms changed (CPR 36.9: worse terms wait for the relevant period)",
        offers.change_offer,
        both(not_future("changed_on"), offers.offer_open, offers.part_36, offers.change_valid),
        book=_start_relevant_period,
    ),
    ClaimStep(
        "withdraw_offer",
        m.WithdrawOffer,
        OFFERS_MADE,
        None,
        "Offer withdrawn (Part 36: at the end of the relevant period, CPR 36.9)",
        offers.withdraw_offer,
        both(not_future("withdrawn_on"), offers.offer_open, offers.on_or_after_offer("withdrawn_on")),
        book=_offers_closed,
    ),
    ClaimStep(
        "accept_offer",
        m.AcceptOffer,
        frozenset({S.NEGOTIATING, S.IN_LITIGATION}),  # an ADR route ends with its own outcome
        S.OFFER_ACCEPTED,
        "Offer accepted",
        offers.accept_offer,
        both(not_future("accepted_on"), offers.offer_live, offers.on_or_after_offer("accepted_on")),
        book=_offers_closed,
    ),
    ClaimStep(
        "record_settlement",
        m.RecordSettlement,
        frozenset({S.LETTER_OF_RESPONSE_SENT, S.NEGOTIATING, S.OFFER_ACCEPTED}),
        S.SETTLED,
        "Settlement agreed: damages, claimant costs and the form of award",
        _settle,
        offers.matches_accepted_offer,
        diverts=(
            Divert(S.AWAITING_APPROVAL, "child or protected party, CPR 21.10", _settlement_needs_approval),
        ),
        book=_offers_closed,
    ),
    ClaimStep(
        "record_court_approval",
        m.RecordCourtApproval,
        frozenset({S.AWAITING_APPROVAL}),
        S.SETTLED,
        "The court's decision on a child's or protected party's settlement (CPR 21.10)",
        _court_decision,
        not_future("decided_on"),
        diverts=(
            Divert(S.IN_LITIGATION, "approval refused, proceedings running", _refused_in_litigation),
            Divert(S.NEGOTIATING, "approval refused", _approval_refused),
        ),
        book=_offers_closed,
    ),
    ClaimStep(
        "record_payment",
        m.RecordPayment,
        PAYMENTS,
        None,
        "Payment recorded (interim before settlement; a child's needs the court's approval)",
        _pay,
        both(not_future("paid_on"), _payment_allowed),
        diverts=(Divert(S.PAID, "once settled", origins=SETTLED_OR_PAID),),
        after=_record_payment,
    ),
    *ROUTE_STEPS,
    link_case_step(EVERY),
    Step(  # at every stage, on hold or not, and after closure: coding is for learning, not the claim
        "code_claim",
        m.CodeClaim,
        EVERY,
        None,
        "Clinically coded (specialty, primary cause, injuries, learning themes), or its coding corrected",
        _code,
        _coding_changes,
        before=_codes_in_taxonomy,
    ),
    ClaimStep(
        "close",
        m.Close,
        OPEN,
        S.CLOSED,
        "Closed with an outcome",
        _close,
        _outcome_fits,
        available=_closable,
    ),
    ClaimStep(
        "reopen",
        m.Reopen,
        frozenset({S.CLOSED}),
        PREVIOUS,
        "Reopened by a supervisor",
        roles=SUPERVISING,
        book=_limitation_again,  # closure waived every deadline; limitation runs again
    ),
    Step(
        "correct_date",
        m.CorrectDate,
        OPEN,
        None,
        "A recorded date corrected; its deadlines recomputed",
        check=_correctable,
        book=_recompute,
    ),
]

PATHWAY = Pathway(
    "claim", S, STEPS, final=frozenset({S.CLOSED}), initial=S.NOTIFIED, opening_action="open_claim"
)
