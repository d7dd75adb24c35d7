"""The claim's pathway as data: stages, the actions allowed in each, and where each leads.

Update validators, the allowed actions in every response, `GET /pathways/claim`, the API's
routes and the diagram in docs/ are all generated from `STEPS`. Everything here is pure and
deterministic, so the workflow, the API and the docs can share it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel

from models import claims as m
from models.claims import ClaimStage as S
from models.common import Actor, Refusal, Role

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


# --- protocol periods -------------------------------------------------------------------


def add_months(d: date, months: int) -> date:
    """Calendar months (CPR 2.10): the same day number, or the month's last day if shorter."""
    year, month = divmod(d.month - 1 + months, 12)
    year, month = d.year + year, month + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _set_due(claim: m.Claim, name: str, basis: str, due_on: date) -> None:
    claim.due_dates[name] = m.DueDate(name=name, basis=basis, due_on=due_on)


def _meet(claim: m.Claim, name: str, on: date) -> None:
    if name in claim.due_dates and claim.due_dates[name].met_on is None:
        claim.due_dates[name].met_on = on


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
    due = claim.due_dates.get("health_records_due")
    if due is None:
        return "records_not_requested", "no request for health records is recorded"
    if due.met_on is not None:
        return "records_already_supplied", f"health records were supplied on {due.met_on}"
    return None


def _records_not_requested(claim: m.Claim, payload: Any, ctx: Context):
    due = claim.due_dates.get("health_records_due")
    if due is not None and due.met_on is None:
        return "records_already_requested", f"health records were requested, due {due.due_on}"
    return None


def _extension_later(claim: m.Claim, payload: m.ExtendResponsePeriod, ctx: Context):
    due = claim.due_dates.get("letter_of_response_due")
    if due is None:
        return "no_letter_of_claim", "no letter of claim is recorded, so no response is due"
    if payload.new_due_date <= due.due_on:
        return "extension_not_later", f"the new date must be after the current {due.due_on}"
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


def _request_records(claim: m.Claim, p: m.RequestHealthRecords, ctx: Context) -> None:
    _set_due(
        claim,
        "health_records_due",
        "PAP 3.2: copy records within 40 days",
        p.requested_on + timedelta(days=40),
    )


def _supply_records(claim: m.Claim, p: m.SupplyHealthRecords, ctx: Context) -> None:
    _meet(claim, "health_records_due", p.supplied_on)


def _receive_notification(claim: m.Claim, p: m.ReceiveLetter, ctx: Context) -> None:
    _set_due(
        claim,
        "letter_of_notification_acknowledgment_due",
        "PAP 3.10ff: acknowledge a letter of notification within 14 days",
        p.received_on + timedelta(days=14),
    )


def _acknowledge_notification(claim: m.Claim, p: m.AcknowledgeLetter, ctx: Context) -> None:
    _meet(claim, "letter_of_notification_acknowledgment_due", p.sent_on)


def _receive_claim(claim: m.Claim, p: m.ReceiveLetter, ctx: Context) -> None:
    _set_due(
        claim,
        "letter_of_claim_acknowledgment_due",
        "PAP: acknowledge a letter of claim within 14 days of receipt",
        p.received_on + timedelta(days=14),
    )
    _set_due(
        claim,
        "letter_of_response_due",
        "PAP 3.25: letter of response within 4 months of the letter of claim",
        add_months(p.received_on, 4),
    )


def _acknowledge_claim(claim: m.Claim, p: m.AcknowledgeLetter, ctx: Context) -> None:
    _meet(claim, "letter_of_claim_acknowledgment_due", p.sent_on)


def _instruct(claim: m.Claim, p: m.OpenInvestigation | m.InstructExperts, ctx: Context) -> None:
    claim.experts.extend(p.experts)


def _extend_response(claim: m.Claim, p: m.ExtendResponsePeriod, ctx: Context) -> None:
    claim.due_dates["letter_of_response_due"].due_on = p.new_due_date


def _standstill(claim: m.Claim, p: m.RecordStandstill, ctx: Context) -> None:
    claim.standstill_until = p.until


def _send_response(claim: m.Claim, p: m.SendLetterOfResponse, ctx: Context) -> None:
    claim.liability = p.liability
    claim.apology_given = p.apology_given
    _meet(claim, "letter_of_response_due", p.sent_on)


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
            _request_records,
            _both(_not_future("requested_on"), _records_not_requested),
        ),
        Step(
            "supply_health_records",
            m.SupplyHealthRecords,
            UNSETTLED,
            None,
            "Health records supplied",
            _supply_records,
            _both(_not_future("supplied_on"), _records_outstanding),
        ),
        Step(
            "receive_letter_of_notification",
            m.ReceiveLetter,
            frozenset({S.NOTIFIED}),
            S.LETTER_OF_NOTIFICATION_RECEIVED,
            "Letter of notification received (ack in 14 days)",
            _receive_notification,
            _not_future("received_on"),
        ),
        Step(
            "acknowledge_letter_of_notification",
            m.AcknowledgeLetter,
            frozenset({S.LETTER_OF_NOTIFICATION_RECEIVED}),
            S.LETTER_OF_NOTIFICATION_ACKNOWLEDGED,
            "Letter of notification acknowledged",
            _acknowledge_notification,
            _not_future("sent_on"),
        ),
        Step(
            "receive_letter_of_claim",
            m.ReceiveLetter,
            BEFORE_LETTER_OF_CLAIM,
            S.LETTER_OF_CLAIM_RECEIVED,
            "Letter of claim received (ack in 14 days, response in 4 months)",
            _receive_claim,
            _not_future("received_on"),
        ),
        Step(
            "acknowledge_letter_of_claim",
            m.AcknowledgeLetter,
            frozenset({S.LETTER_OF_CLAIM_RECEIVED}),
            S.LETTER_OF_CLAIM_ACKNOWLEDGED,
            "Letter of claim acknowledged",
            _acknowledge_claim,
            _not_future("sent_on"),
        ),
        Step(
            "open_investigation",
            m.OpenInvestigation,
            frozenset({S.LETTER_OF_NOTIFICATION_ACKNOWLEDGED, S.LETTER_OF_CLAIM_ACKNOWLEDGED}),
            S.INVESTIGATING,
            "Investigation opened, experts instructed",
            _instruct,
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
            _extend_response,
            _extension_later,
        ),
        Step(
            "record_standstill_agreement",
            m.RecordStandstill,
            UNSETTLED,
            None,
            "Standstill agreement on limitation recorded",
            _standstill,
        ),
        Step(
            "send_letter_of_response",
            m.SendLetterOfResponse,
            frozenset({S.LETTER_OF_CLAIM_ACKNOWLEDGED, S.INVESTIGATING}),
            S.LETTER_OF_RESPONSE_SENT,
            "Letter of response sent with a liability position",
            _send_response,
            _not_future("sent_on"),
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
            roles=SUPERVISING,
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
