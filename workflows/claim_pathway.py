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
OFFERS_OPEN = frozenset(
    {S.LETTER_OF_CLAIM_ACKNOWLEDGED, S.INVESTIGATING, S.LETTER_OF_RESPONSE_SENT, S.NEGOTIATING}
)

PREVIOUS = "previous stage"


@dataclass(frozen=True)
class Context:
    actor: Actor
    now: datetime
    today: date
    policy: m.ClaimPolicy


Effect = Callable[[m.Claim, Any, Context], None]
Check = Callable[[m.Claim, Any, Context], "tuple[str, str] | None"]


def _no_effect(claim: m.Claim, payload: Any, ctx: Context) -> None:
    return None


def _no_check(claim: m.Claim, payload: Any, ctx: Context) -> None:
    return None


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
        max_days = ctx.policy.deadlines.rules[deadline.name].max_extension_days
    check = _extension_allowed(payload.deadline, payload.new_due_on, payload.new_due_at, ctx, max_days)
    return check(claim)


def _deadline_waivable(claim: m.Claim, payload: m.WaiveDeadline, ctx: Context):
    return _live_deadline(claim, payload.deadline)[1]


def _correctable(claim: m.Claim, payload: m.CorrectDate, ctx: Context):
    if payload.corrected_date > ctx.today:
        return "date_in_future", f"{payload.corrected_date} is in the future"
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


def _offer(claim: m.Claim, no: int) -> m.Offer | None:
    return next((o for o in claim.offers if o.no == no), None)


def _offer_open(claim: m.Claim, payload: Any, ctx: Context):
    offer = _offer(claim, payload.offer_no)
    if offer is None:
        return "unknown_offer", f"there is no offer {payload.offer_no}"
    if offer.status != "open":
        return "offer_not_open", f"offer {offer.no} is {offer.status}, not open"
    return None


def _counter_valid(claim: m.Claim, payload: m.MakeOffer, ctx: Context):
    if payload.responds_to is None:
        return None
    countered = _offer(claim, payload.responds_to)
    if countered is None or countered.status != "open":
        return "offer_not_open", f"offer {payload.responds_to} is not open to counter"
    if countered.by == payload.by:
        return "counter_to_own_offer", "a counter-offer answers the other side's offer"
    return None


def _matches_accepted_offer(claim: m.Claim, payload: m.RecordSettlement, ctx: Context):
    accepted = next((o for o in claim.offers if o.status == "accepted"), None)
    damages = payload.general_damages + payload.special_damages + payload.future_losses
    if accepted is not None and damages != accepted.amount:
        return (
            "settlement_differs_from_offer",
            f"damages {damages} differ from the accepted offer {accepted.no} of {accepted.amount}",
        )
    return None


def _within_settlement(claim: m.Claim, payload: m.RecordPayment, ctx: Context):
    settlement = claim.settlement
    owed = settlement.damages + settlement.claimant_costs
    paid = sum((p.amount for p in claim.payments), start=0)
    if paid + payload.amount > owed:
        return "overpayment", f"{payload.amount} would take payments past the {owed} agreed"
    return None


def _outcome_fits(claim: m.Claim, payload: m.Close, ctx: Context):
    with_damages = payload.outcome is m.ClosureOutcome.SETTLED_WITH_DAMAGES
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
    claim.stocktakes.append(p)


def _make_offer(claim: m.Claim, p: m.MakeOffer, ctx: Context) -> None:
    if p.responds_to is not None:
        countered = _offer(claim, p.responds_to)
        # A counter-offer rejects an ordinary offer; a Part 36 offer stays open (CPR 36.11(2)).
        if not countered.part_36:
            countered.status, countered.closed_on = "lapsed", p.made_on
    claim.offers.append(
        m.Offer(no=len(claim.offers) + 1, **p.model_dump(exclude={"responds_to"}), responds_to=p.responds_to)
    )


def _withdraw_offer(claim: m.Claim, p: m.WithdrawOffer, ctx: Context) -> None:
    offer = _offer(claim, p.offer_no)
    offer.status, offer.closed_on = "withdrawn", p.withdrawn_on


def _accept_offer(claim: m.Claim, p: m.AcceptOffer, ctx: Context) -> None:
    for offer in claim.offers:
        if offer.status == "open":
            offer.status, offer.closed_on = "lapsed", p.accepted_on
    accepted = _offer(claim, p.offer_no)
    accepted.status = "accepted"


def _settle(claim: m.Claim, p: m.RecordSettlement, ctx: Context) -> None:
    claim.settlement = m.Settlement(**p.model_dump())


def _pay(claim: m.Claim, p: m.RecordPayment, ctx: Context) -> None:
    claim.payments.append(m.Payment(**p.model_dump()))


# --- the table --------------------------------------------------------------------------

RECORDS = "health_records_due"
NOTIFICATION_ACK = "letter_of_notification_acknowledgment_due"
CLAIM_ACK = "letter_of_claim_acknowledgment_due"
RESPONSE = "letter_of_response_due"
REVIEW = "case_review_due"
LIMITATION = "limitation"

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
            frozenset({S.LETTER_OF_RESPONSE_SENT, S.NEGOTIATING}),
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
            "Offer or counter-offer made",
            _make_offer,
            _both(_not_future("made_on"), _counter_valid),
        ),
        Step(
            "withdraw_offer",
            m.WithdrawOffer,
            frozenset({S.NEGOTIATING}),
            None,
            "Offer withdrawn",
            _withdraw_offer,
            _offer_open,
        ),
        Step(
            "accept_offer",
            m.AcceptOffer,
            frozenset({S.NEGOTIATING}),
            S.OFFER_ACCEPTED,
            "Offer accepted",
            _accept_offer,
            _offer_open,
        ),
        Step(
            "record_settlement",
            m.RecordSettlement,
            frozenset({S.LETTER_OF_RESPONSE_SENT, S.NEGOTIATING, S.OFFER_ACCEPTED}),
            S.SETTLED,
            "Settlement agreed: damages and claimant costs",
            _settle,
            _matches_accepted_offer,
        ),
        Step(
            "record_payment",
            m.RecordPayment,
            frozenset({S.SETTLED, S.PAID}),
            S.PAID,
            "Payment recorded",
            _pay,
            _within_settlement,
        ),
        Step("close", m.Close, OPEN, S.CLOSED, "Closed with an outcome", _close, _outcome_fits),
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
        if role in s.roles and claim.stage in s.from_stages and _hold_allows(claim, s)
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
    step.apply(claim, payload, ctx)
    if step.leads_to == PREVIOUS:
        claim.stage, claim.stage_before_closure = claim.stage_before_closure or S.NOTIFIED, None
    elif step.leads_to is not None:
        claim.stage = step.leads_to
    claim.updated_at = ctx.now


def mermaid() -> str:
    """The pathway as a Mermaid state diagram, generated so the docs cannot drift."""
    lines = ["stateDiagram-v2", f"    [*] --> {S.NOTIFIED.value}: open_claim"]
    for step in STEPS.values():
        if step.leads_to is None:
            continue
        target = "reopened" if step.leads_to == PREVIOUS else step.leads_to.value
        for origin in sorted(step.from_stages, key=list(S).index):
            lines.append(f"    {origin.value} --> {target}: {step.action}")
    lines.append("    note right of reopened: back to the stage before closure")
    return "\n".join(lines) + "\n"
