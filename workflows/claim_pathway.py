"""The claim's pathway as data: stages, the actions allowed in each, and where each leads.

Update validators, the allowed actions in every response, `GET /pathways/claim`, the API's
routes and the diagram in docs/ are all generated from `STEPS`. Everything here is pure and
deterministic, so the workflow, the API and the docs can share it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel

from models import claims as m
from models.claims import ClaimStage as S
from models.common import Actor, Refusal, Role
from models.routes import AgreeEvaluation, JoinSummit, LeaveSummit, ProposeMediation, RecordProceedingsIssued
from models.routes import RouteKind as R
from workflows import claim_offers as offers
from workflows import claim_routes as routes
from workflows.clock import end_of_london_day, london_date

ACTING = frozenset({Role.HANDLER, Role.SUPERVISOR, Role.ADMIN})
SUPERVISING = frozenset({Role.SUPERVISOR, Role.ADMIN})

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

PREVIOUS = "previous stage"


def _always(patch: str) -> bool:
    return True


@dataclass(frozen=True)
class Context:
    actor: Actor
    now: datetime
    today: date
    policy: m.ClaimPolicy
    # workflow.patched inside a workflow's handler: whether a change to running code applies.
    patched: Callable[[str], bool] = _always


Effect = Callable[[m.Claim, Any, Context], None]
Check = Callable[[m.Claim, Any, Context], "tuple[str, str] | None"]


def _no_effect(claim: m.Claim, payload: Any, ctx: Context) -> None:
    return None


def _no_check(claim: m.Claim, payload: Any, ctx: Context) -> None:
    return None


@dataclass(frozen=True)
class Divert:
    """Where a step leads instead of its `leads_to`, from `origins` (None: from any of the
    step's stages) when `when` holds; a divert added to running code names its patch."""

    to: S
    label: str
    when: Callable[[m.Claim, Any, Context], bool] | None = None
    origins: frozenset[S] | None = None
    patch: str | None = None

    def applies(self, claim: m.Claim, payload: Any, ctx: Context) -> bool:
        return (
            (self.origins is None or claim.stage in self.origins)
            and (self.when is None or self.when(claim, payload, ctx))
            and (self.patch is None or ctx.patched(self.patch))
        )


@dataclass(frozen=True)
class Step:
    action: str
    payload: type[BaseModel]
    from_stages: frozenset[S]
    leads_to: S | Literal["previous stage"] | None  # None: the stage does not change
    describe: str
    apply: Effect = _no_effect
    check: Check = _no_check
    roles: frozenset[Role] = ACTING
    hold: Literal["off", "on", "any"] = "off"  # whether the claim must be off hold, on hold, or either
    date_field: str | None = None  # the payload's date of the event; deadlines count from it
    sets: tuple[str, ...] = ()  # deadlines this step starts (triggered by this action)
    meets: tuple[str, ...] = ()  # deadlines this step satisfies
    diverts: tuple[Divert, ...] = ()  # other stages it leads to, first that applies
    internal: bool = False  # sent by another case's workflow (a summit), never through the API


# --- protocol periods -------------------------------------------------------------------


# --- checks -----------------------------------------------------------------------------


def _not_future(field: str) -> Check:
    def check(claim: m.Claim, payload: Any, ctx: Context):
        if getattr(payload, field) > ctx.today:
            return "date_in_future", f"{field} {getattr(payload, field)} is in the future"
        return None

    return check


def _both(*checks: Check) -> Check:
    def check(claim: m.Claim, payload: Any, ctx: Context):
        for c in checks:
            if refused := c(claim, payload, ctx):
                return refused
        return None

    return check


def _records_outstanding(claim: m.Claim, payload: Any, ctx: Context):
    due = claim.deadlines.get("health_records_due")
    if due is None:
        return "records_not_requested", "no request for health records is recorded"
    if due.met_on is not None:
        return "records_already_supplied", f"health records were supplied on {due.met_on}"
    return None


def _records_not_requested(claim: m.Claim, payload: Any, ctx: Context):
    due = claim.deadlines.get("health_records_due")
    if due is not None and due.met_on is None:
        return "records_already_requested", f"health records were requested, due {due.due_on}"
    return None


def _live_deadline(claim: m.Claim, name: str):
    deadline = claim.deadlines.get(name)
    if deadline is None:
        return None, ("unknown_deadline", f"the claim has no deadline {name}")
    if not deadline.live:
        return None, ("deadline_closed", f"{name} is {deadline.status}")
    return deadline, None


def _extension_allowed(name: str, new_due_on, new_due_at, ctx: Context, max_days: int | None):
    def refusal(claim: m.Claim):
        deadline, refused = _live_deadline(claim, name)
        if refused:
            return refused
        new_on = new_due_on or london_date(new_due_at)
        if (new_due_at or end_of_london_day(new_due_on)) <= (deadline.due_at or ctx.now):
            return (
                "extension_not_later",
                f"the new due time must be after the current one ({deadline.due_on})",
            )
        if (
            max_days is not None
            and deadline.original_due_on
            and (new_on - deadline.original_due_on).days > max_days
        ):
            return (
                "extension_too_long",
                f"{name} may be extended by agreement by at most {max_days} days; longer needs the court",
            )
        return None

    return refusal


def _response_extension(claim: m.Claim, payload: m.ExtendResponsePeriod, ctx: Context):
    if "letter_of_response_due" not in claim.deadlines:
        return "no_letter_of_claim", "no letter of claim is recorded, so no response is due"
    return _extension_allowed("letter_of_response_due", payload.new_due_date, None, ctx, None)(claim)


def _deadline_extension(claim: m.Claim, payload: m.ExtendDeadline, ctx: Context):
    deadline = claim.deadlines.get(payload.deadline)
    max_days = None
    if deadline is not None:
        max_days = ctx.policy.deadlines.rules[deadline.rule or deadline.name].max_extension_days
    check = _extension_allowed(payload.deadline, payload.new_due_on, payload.new_due_at, ctx, max_days)
    return check(claim)


def _deadline_waivable(claim: m.Claim, payload: m.WaiveDeadline, ctx: Context):
    return _live_deadline(claim, payload.deadline)[1]


def _correctable(claim: m.Claim, payload: m.CorrectDate, ctx: Context):
    if payload.corrected_date > ctx.today:
        return "date_in_future", f"{payload.corrected_date} is in the future"
    if payload.action in offers.OFFER_ACTIONS:
        # Each offer has its own date; correcting "the" date of make_offer would move them all.
        return "offer_date_not_correctable", "an offer's date is corrected by withdrawing and remaking it"
    if not any(d.trigger == payload.action for d in claim.deadlines.values()):
        return "no_dependent_deadlines", f"no deadline was computed from the date of {payload.action}"
    return None


def escalation_key(deadline: str, revision: int, step: str) -> str:
    return f"{deadline}:{revision}:{step}"


def _escalation_open(claim: m.Claim, payload: m.AcknowledgeEscalation, ctx: Context):
    deadline = claim.deadlines.get(payload.deadline)
    if deadline is None:
        return "unknown_deadline", f"the claim has no deadline {payload.deadline}"
    fired = payload.revision < deadline.revision or payload.step in deadline.steps_done
    if payload.revision > deadline.revision or not fired:
        return (
            "unknown_escalation",
            f"no {payload.step} escalation of {payload.deadline} revision {payload.revision}",
        )
    if escalation_key(payload.deadline, payload.revision, payload.step) in claim.acknowledged_escalations:
        return "already_acknowledged", "this escalation was already acknowledged"
    return None


# --- settlement approval (CPR 21.10) and payments ---------------------------------------

SETTLEMENT_APPROVAL = "settlement-approval"  # patch: a child's settlement waits for the court
ADULT_AGE = 18


def _age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def needs_approval(claim: m.Claim, on: date) -> bool:
    """A child or protected party's settlement or payment is valid only once the court has
    approved it (CPR 21.10)."""
    claimant = claim.opening.claimant
    return claimant.protected_party or _age_on(claimant.date_of_birth, on) < ADULT_AGE


def _settlement_needs_approval(claim: m.Claim, payload: m.RecordSettlement, ctx: Context) -> bool:
    return needs_approval(claim, payload.agreed_on)


def _approval_refused(claim: m.Claim, payload: m.RecordCourtApproval, ctx: Context) -> bool:
    return not payload.approved


def _payment_allowed(claim: m.Claim, payload: m.RecordPayment, ctx: Context):
    if claim.settlement is None:
        if payload.kind is not m.PaymentKind.INTERIM:
            return "not_settled", f"only an interim payment comes before settlement; stage {claim.stage}"
        if needs_approval(claim, payload.paid_on) and payload.court_approval_reference is None:
            return (
                "court_approval_required",
                "an interim payment to a child or protected party needs the court's approval (CPR 21.10)",
            )
    elif payload.kind is m.PaymentKind.PERIODICAL and claim.settlement.periodical_payments is None:
        return "no_periodical_payment_order", "the settlement has no periodical payment order"
    if any(p.reference == payload.reference for p in claim.payments):
        return "duplicate_payment_reference", f"payment {payload.reference} is already recorded"
    return _within_settlement(claim, payload, ctx)


def _within_settlement(claim: m.Claim, payload: m.RecordPayment, ctx: Context):
    settlement = claim.settlement
    if settlement is None or payload.kind is m.PaymentKind.PERIODICAL:
        return None  # interim payments are set off against the settlement; annual ones run on
    owed = settlement.paid_at_once
    paid = sum((p.amount for p in claim.payments if p.kind is not m.PaymentKind.PERIODICAL), start=0)
    if paid + payload.amount > owed:
        return "overpayment", f"{payload.amount} would take payments past the {owed} agreed"
    return None


def _outcome_fits(claim: m.Claim, payload: m.Close, ctx: Context):
    with_damages = payload.outcome is m.ClosureOutcome.SETTLED_WITH_DAMAGES
    if claim.stage is S.AWAITING_APPROVAL:
        return (
            "awaiting_court_approval",
            f"the claim is at stage {claim.stage}: the court must approve the settlement (CPR 21.10)",
        )
    if claim.stage in (S.OFFER_ACCEPTED, S.SETTLED):
        return "payment_outstanding", "a settled claim closes once its payment is recorded"
    if with_damages and claim.stage is not S.PAID:
        return "no_payment_recorded", "settled with damages needs the payment recorded first"
    if claim.stage is S.PAID and not with_damages:
        return "outcome_mismatch", "a paid claim closes as settled with damages"
    return None


def _handler_changes(claim: m.Claim, payload: m.Reassign, ctx: Context):
    if payload.handler == claim.handler:
        return "same_handler", f"the claim is already with {claim.handler}"
    return None


# --- effects ----------------------------------------------------------------------------


def _add_note(claim: m.Claim, p: m.AddNote, ctx: Context) -> None:
    claim.notes.append(m.Note(seq=claim.seq + 1, text=p.text, author=ctx.actor.id, at=ctx.now))


def _reassign(claim: m.Claim, p: m.Reassign, ctx: Context) -> None:
    claim.handler = p.handler


def _close(claim: m.Claim, p: m.Close, ctx: Context) -> None:
    claim.stage_before_closure = claim.stage
    claim.outcome = p.outcome
    claim.closed_at = ctx.now


def _reopen(claim: m.Claim, p: m.Reopen, ctx: Context) -> None:
    claim.outcome = None
    claim.closed_at = None


def _put_on_hold(claim: m.Claim, p: m.PutOnHold, ctx: Context) -> None:
    claim.hold = m.Hold(reason=p.reason, review_on=p.review_on, since=ctx.now)


def _take_off_hold(claim: m.Claim, p: m.TakeOffHold, ctx: Context) -> None:
    claim.hold = None


def _acknowledged(claim: m.Claim, p: m.AcknowledgeEscalation, ctx: Context) -> None:
    claim.acknowledged_escalations.append(escalation_key(p.deadline, p.revision, p.step))


def _instruct(claim: m.Claim, p: m.OpenInvestigation | m.InstructExperts, ctx: Context) -> None:
    claim.experts.extend(p.experts)


def _standstill(claim: m.Claim, p: m.RecordStandstill, ctx: Context) -> None:
    claim.standstill_until = p.until


def _send_response(claim: m.Claim, p: m.SendLetterOfResponse, ctx: Context) -> None:
    claim.liability = p.liability
    claim.apology_given = p.apology_given


def _stocktake(claim: m.Claim, p: m.HoldStocktake, ctx: Context) -> None:
    claim.stocktakes.append(m.Stocktake(**p.model_dump()))


def _settle(claim: m.Claim, p: m.RecordSettlement, ctx: Context) -> None:
    claim.settlement = m.Settlement(**p.model_dump())
    if ctx.patched(offers.SETTLEMENT_LAPSES_OFFERS):
        offers.lapse_open_offers(claim, p.agreed_on)


def _court_decision(claim: m.Claim, p: m.RecordCourtApproval, ctx: Context) -> None:
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


def _pay(claim: m.Claim, p: m.RecordPayment, ctx: Context) -> None:
    claim.payments.append(m.Payment(**p.model_dump()))


def _link(claim: m.Claim, p: m.LinkCase, ctx: Context) -> None:
    if not any(link.ref == p.ref for link in claim.links):
        claim.links.append(m.LinkedCase(**p.model_dump(), linked_at=ctx.now))


# --- the table --------------------------------------------------------------------------

RECORDS = "health_records_due"
NOTIFICATION_ACK = "letter_of_notification_acknowledgment_due"
CLAIM_ACK = "letter_of_claim_acknowledgment_due"
RESPONSE = "letter_of_response_due"
REVIEW = "case_review_due"
LIMITATION = "limitation"


def _adr_step(
    action: str, payload, kind, describe: str, check=None, effect=None, also_from=frozenset(), **options
) -> Step:
    """Starting ADR: the claim shows the route's stage, except during stayed litigation."""
    return Step(
        action,
        payload,
        routes.ADR_FROM | also_from,
        routes.ROUTE_STAGE[kind],
        describe,
        effect or routes.start_route(kind),
        check or routes.adr_allowed(kind),
        diverts=(Divert(S.IN_LITIGATION, "during a stay", origins=frozenset({S.IN_LITIGATION})),),
        **options,
    )


ROUTE_STEPS = [
    _adr_step("propose_mediation", ProposeMediation, R.MEDIATION, "Mediation proposed: a mediation begins"),
    _adr_step(
        "agree_early_neutral_evaluation",
        AgreeEvaluation,
        R.EARLY_NEUTRAL_EVALUATION,
        "Early neutral evaluation agreed or ordered",
    ),
    Step(
        "record_proceedings_issued",
        RecordProceedingsIssued,
        routes.LITIGATION_FROM,
        S.IN_LITIGATION,
        "Proceedings issued: litigation under the CPR timetable begins",
        routes.start_route(R.LITIGATION),
        _both(_not_future("issued_on"), routes.litigation_allowed),
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
    Step(
        "leave_summit",
        LeaveSummit,
        frozenset({S.IN_RESOLUTION_SUMMIT, S.IN_LITIGATION}),
        None,
        "Removed from a resolution summit (sent by the summit)",
        routes.leave_summit,
        routes.in_summit,
        internal=True,
    ),
]

STEPS: dict[str, Step] = {
    step.action: step
    for step in [
        Step("add_note", m.AddNote, EVERY, None, "Add a note", _add_note, hold="any"),
        Step(
            "reassign",
            m.Reassign,
            OPEN,
            None,
            "Reassign to another handler",
            _reassign,
            _handler_changes,
            roles=SUPERVISING,
            hold="any",
        ),
        Step("put_on_hold", m.PutOnHold, OPEN, None, "Put on hold with a review date", _put_on_hold),
        Step("take_off_hold", m.TakeOffHold, OPEN, None, "Take off hold", _take_off_hold, hold="on"),
        Step(
            "request_health_records",
            m.RequestHealthRecords,
            BEFORE_RESPONSE,
            None,
            "Health records requested (40 days)",
            check=_both(_not_future("requested_on"), _records_not_requested),
            date_field="requested_on",
            sets=(RECORDS,),
            meets=(REVIEW,),
        ),
        Step(
            "supply_health_records",
            m.SupplyHealthRecords,
            UNSETTLED,
            None,
            "Health records supplied",
            check=_both(_not_future("supplied_on"), _records_outstanding),
            date_field="supplied_on",
            meets=(RECORDS,),
        ),
        Step(
            "receive_letter_of_notification",
            m.ReceiveLetter,
            frozenset({S.NOTIFIED}),
            S.LETTER_OF_NOTIFICATION_RECEIVED,
            "Letter of notification received (ack in 14 days)",
            check=_not_future("received_on"),
            date_field="received_on",
            sets=(NOTIFICATION_ACK,),
        ),
        Step(
            "acknowledge_letter_of_notification",
            m.AcknowledgeLetter,
            frozenset({S.LETTER_OF_NOTIFICATION_RECEIVED}),
            S.LETTER_OF_NOTIFICATION_ACKNOWLEDGED,
            "Letter of notification acknowledged",
            check=_not_future("sent_on"),
            date_field="sent_on",
            meets=(NOTIFICATION_ACK, REVIEW),
        ),
        Step(
            "receive_letter_of_claim",
            m.ReceiveLetter,
            BEFORE_LETTER_OF_CLAIM,
            S.LETTER_OF_CLAIM_RECEIVED,
            "Letter of claim received (ack in 14 days, response in 4 months)",
            check=_not_future("received_on"),
            date_field="received_on",
            sets=(CLAIM_ACK, RESPONSE),
        ),
        Step(
            "acknowledge_letter_of_claim",
            m.AcknowledgeLetter,
            frozenset({S.LETTER_OF_CLAIM_RECEIVED}),
            S.LETTER_OF_CLAIM_ACKNOWLEDGED,
            "Letter of claim acknowledged",
            check=_not_future("sent_on"),
            date_field="sent_on",
            meets=(CLAIM_ACK, REVIEW),
        ),
        Step(
            "open_investigation",
            m.OpenInvestigation,
            frozenset({S.LETTER_OF_NOTIFICATION_ACKNOWLEDGED, S.LETTER_OF_CLAIM_ACKNOWLEDGED}),
            S.INVESTIGATING,
            "Investigation opened, experts instructed",
            _instruct,
            meets=(REVIEW,),
        ),
        Step(
            "instruct_experts",
            m.InstructExperts,
            frozenset({S.INVESTIGATING, S.LETTER_OF_RESPONSE_SENT, S.NEGOTIATING}),
            None,
            "Further experts instructed",
            _instruct,
        ),
        Step(
            "extend_response_period",
            m.ExtendResponsePeriod,
            AWAITING_RESPONSE,
            None,
            "Response period extended by agreement",
            check=_response_extension,
        ),
        Step(
            "record_standstill_agreement",
            m.RecordStandstill,
            UNSETTLED,
            None,
            "Standstill agreement on limitation recorded",
            _standstill,
            sets=(LIMITATION,),
        ),
        Step(
            "send_letter_of_response",
            m.SendLetterOfResponse,
            frozenset({S.LETTER_OF_CLAIM_ACKNOWLEDGED, S.INVESTIGATING}),
            S.LETTER_OF_RESPONSE_SENT,
            "Letter of response sent with a liability position",
            _send_response,
            _not_future("sent_on"),
            date_field="sent_on",
            meets=(RESPONSE,),
        ),
        Step(
            "hold_stocktake",
            m.HoldStocktake,
            frozenset({S.LETTER_OF_RESPONSE_SENT, S.NEGOTIATING, S.IN_LITIGATION}),
            None,
            "Pre-issue stocktake held (PAP 6)",
            _stocktake,
            _not_future("held_on"),
        ),
        Step(
            "make_offer",
            m.MakeOffer,
            OFFERS_OPEN,
            S.NEGOTIATING,
            "Offer or counter-offer made (Part 36: relevant period of 21 days or more)",
            offers.make_offer,
            _both(_not_future("made_on"), offers.counter_valid, offers.relevant_period_long_enough),
            diverts=tuple(
                Divert(stage, "while a route runs", origins=frozenset({stage}))
                for stage in sorted(ROUTE_STAGES, key=list(S).index)
            ),
        ),
        Step(
            "request_offer_clarification",
            m.RequestOfferClarification,
            OFFERS_MADE,
            None,
            "Clarification of a Part 36 offer requested (CPR 36.8, within 7 days)",
            offers.request_clarification,
            _both(
                _not_future("requested_on"), offers.offer_live, offers.part_36, offers.clarification_in_time
            ),
        ),
        Step(
            "clarify_offer",
            m.ClarifyOffer,
            OFFERS_MADE,
            None,
            "A Part 36 offer clarified (CPR 36.8)",
            offers.clarify,
            _both(_not_future("clarified_on"), offers.clarification_outstanding),
        ),
        Step(
            "change_offer",
            m.ChangeOffer,
            OFFERS_MADE,
            None,
            "A Part 36 offer's terms changed (CPR 36.9: worse terms wait for the relevant period)",
            offers.change_offer,
            _both(_not_future("changed_on"), offers.offer_open, offers.part_36, offers.change_valid),
        ),
        Step(
            "withdraw_offer",
            m.WithdrawOffer,
            OFFERS_MADE,
            None,
            "Offer withdrawn (Part 36: at the end of the relevant period, CPR 36.9)",
            offers.withdraw_offer,
            offers.offer_open,
        ),
        Step(
            "accept_offer",
            m.AcceptOffer,
            frozenset({S.NEGOTIATING, S.IN_LITIGATION}),  # an ADR route ends with its own outcome
            S.OFFER_ACCEPTED,
            "Offer accepted",
            offers.accept_offer,
            offers.offer_live,
        ),
        Step(
            "record_settlement",
            m.RecordSettlement,
            frozenset({S.LETTER_OF_RESPONSE_SENT, S.NEGOTIATING, S.OFFER_ACCEPTED}),
            S.SETTLED,
            "Settlement agreed: damages, claimant costs and the form of award",
            _settle,
            offers.matches_accepted_offer,
            diverts=(
                Divert(
                    S.AWAITING_APPROVAL,
                    "child or protected party, CPR 21.10",
                    _settlement_needs_approval,
                    patch=SETTLEMENT_APPROVAL,
                ),
            ),
        ),
        Step(
            "record_court_approval",
            m.RecordCourtApproval,
            frozenset({S.AWAITING_APPROVAL}),
            S.SETTLED,
            "The court's decision on a child's or protected party's settlement (CPR 21.10)",
            _court_decision,
            _not_future("decided_on"),
            diverts=(Divert(S.NEGOTIATING, "approval refused", _approval_refused),),
        ),
        Step(
            "record_payment",
            m.RecordPayment,
            PAYMENTS,
            None,
            "Payment recorded (interim before settlement; a child's needs the court's approval)",
            _pay,
            _both(_not_future("paid_on"), _payment_allowed),
            diverts=(Divert(S.PAID, "once settled", origins=SETTLED_OR_PAID),),
        ),
        *ROUTE_STEPS,
        Step(
            "link_case",
            m.LinkCase,
            EVERY,
            None,
            "Linked to another case (sent by that case)",
            _link,
            hold="any",
            internal=True,
        ),
        Step(
            "close",
            m.Close,
            OPEN,
            S.CLOSED,
            "Closed with an outcome",
            _close,
            _both(_outcome_fits, routes.none_running),
        ),
        Step(
            "reopen",
            m.Reopen,
            frozenset({S.CLOSED}),
            PREVIOUS,
            "Reopened by a supervisor",
            _reopen,
            sets=(LIMITATION,),  # closure waived every deadline; limitation runs again
            roles=SUPERVISING,
        ),
        Step(
            "extend_deadline",
            m.ExtendDeadline,
            OPEN,
            None,
            "A deadline extended by agreement",
            check=_deadline_extension,
            hold="any",
        ),
        Step(
            "waive_deadline",
            m.WaiveDeadline,
            OPEN,
            None,
            "A deadline waived by a supervisor",
            check=_deadline_waivable,
            roles=SUPERVISING,
            hold="any",
        ),
        Step(
            "correct_date",
            m.CorrectDate,
            OPEN,
            None,
            "A recorded date corrected; its deadlines recomputed",
            check=_correctable,
            hold="any",
        ),
        Step(
            "acknowledge_escalation",
            m.AcknowledgeEscalation,
            EVERY,
            None,
            "An escalation acknowledged",
            _acknowledged,
            _escalation_open,
            roles=SUPERVISING,
            hold="any",
        ),
    ]
}


def _hold_allows(claim: m.Claim, step: Step) -> bool:
    return step.hold == "any" or (step.hold == "on") == (claim.hold is not None)


def allowed_actions(claim: m.Claim, role: Role) -> list[str]:
    return [
        s.action
        for s in STEPS.values()
        if role in s.roles and claim.stage in s.from_stages and _hold_allows(claim, s) and not s.internal
    ]


def refusal(claim: m.Claim, step: Step, payload: Any, ctx: Context) -> Refusal | None:
    """Why `step` may not be taken now, or None if it may."""
    allowed = allowed_actions(claim, ctx.actor.role)

    def refuse(code: str, message: str) -> Refusal:
        return Refusal(code=code, message=message, stage=claim.stage, allowed_actions=allowed)

    if ctx.actor.role not in step.roles:
        return refuse("forbidden_for_role", f"{step.action} needs one of: {', '.join(sorted(step.roles))}")
    if claim.stage not in step.from_stages:
        return refuse(
            "action_not_allowed",
            f"{step.action} is not allowed at stage {claim.stage}; allowed now: {', '.join(allowed)}",
        )
    if not _hold_allows(claim, step):
        on_hold = claim.hold is not None
        return refuse(
            "on_hold" if on_hold else "not_on_hold",
            f"{step.action} is not allowed while the claim is {'on' if on_hold else 'off'} hold",
        )
    if refused := step.check(claim, payload, ctx):
        return refuse(*refused)
    return None


def apply(claim: m.Claim, step: Step, payload: Any, ctx: Context) -> None:
    """Take the step: its effect, then its stage change."""
    target = next((d.to for d in step.diverts if d.applies(claim, payload, ctx)), step.leads_to)
    step.apply(claim, payload, ctx)
    if target == PREVIOUS:
        claim.stage, claim.stage_before_closure = claim.stage_before_closure or S.NOTIFIED, None
    elif target is not None:
        claim.stage = target
    claim.updated_at = ctx.now


def mermaid() -> str:
    """The pathway as a Mermaid state diagram, generated so the docs cannot drift."""
    lines = ["stateDiagram-v2", f"    [*] --> {S.NOTIFIED.value}: open_claim"]
    for step in STEPS.values():
        for divert in step.diverts:
            for origin in sorted(divert.origins or step.from_stages, key=list(S).index):
                lines.append(f"    {origin.value} --> {divert.to.value}: {step.action} ({divert.label})")
        if step.leads_to is None:
            continue
        target = "reopened" if step.leads_to == PREVIOUS else step.leads_to.value
        for origin in sorted(step.from_stages, key=list(S).index):
            lines.append(f"    {origin.value} --> {target}: {step.action}")
    lines.append("    note right of reopened: back to the stage before closure")
    return "\n".join(lines) + "\n"
