"""The claim's offers: ordinary offers and Part 36 offers (CPR 36), their relevant periods,
clarification, change, withdrawal, acceptance and expiry; pure and deterministic, like the
pathway table that lists their steps (claim_pathway.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from models import claims as m
from models.common import date_refusal
from workflows.clock import london_date

if TYPE_CHECKING:
    from workflows.case_kit import Context


def find_offer(claim: m.ClaimState, no: int) -> m.Offer | None:
    return next((o for o in claim.offers if o.no == no), None)


# --- Part 36 offers (CPR 36) -----------------------------------------------------------

PART_36_MIN_DAYS = 21  # CPR 36.5(1)(c)
CLARIFICATION_DAYS = 7  # CPR 36.8(1): clarification may be asked within 7 days of the offer
RELEVANT_PERIOD = "part_36_relevant_period"
CLARIFICATION = "part_36_clarification_due"  # CPR 36.8(2): 7 days from the request
LIVE_OFFER = ("open", "withdrawal_pending", "change_pending")  # open for acceptance
OFFER_ACTIONS = frozenset({"make_offer", "change_offer"})


def relevant_period_name(offer_no: int) -> str:
    return f"{RELEVANT_PERIOD}_offer_{offer_no}"


def clarification_name(offer_no: int) -> str:
    return f"{CLARIFICATION}_offer_{offer_no}"


def clarification_awaited(offer: m.Offer) -> bool:
    return any(c.answer is None for c in offer.clarifications)


def relevant_period(claim: m.ClaimState, offer: m.Offer):
    """The offer's relevant-period deadline; None for ordinary offers and for Part 36 offers
    made before the workflow kept one, which keep the ordinary rules."""
    return claim.deadlines.get(relevant_period_name(offer.no)) if offer.part_36 else None


def period_ended(claim: m.ClaimState, offer: m.Offer, now: datetime) -> bool:
    deadline = relevant_period(claim, offer)
    if deadline is None or offer.relevant_period_expired:
        return offer.relevant_period_expired
    return deadline.due_at is not None and deadline.due_at <= now


def expire(claim: m.ClaimState, offer: m.Offer) -> None:
    """The relevant period has ended: notices given during it take effect (CPR 36.9(4))."""
    offer.relevant_period_expired = True
    ends_on = offer.relevant_period_ends_on
    if offer.status == "withdrawal_pending":
        offer.status, offer.closed_on = "withdrawn", ends_on
    elif offer.status == "change_pending":
        change = offer.changes[-1]
        offer.amount, change.effective_on, offer.status = change.amount, ends_on, "open"


def expire_offers(claim: m.ClaimState, now: datetime) -> list[m.Offer]:
    """Part 36 offers whose relevant period has ended by `now`; each stays open for acceptance
    unless withdrawn (CPR 36.11(2), costs consequences in 36.13 and 36.17)."""
    due = [
        o
        for o in claim.offers
        if o.status in LIVE_OFFER and not o.relevant_period_expired and period_ended(claim, o, now)
    ]
    for offer in due:
        expire(claim, offer)
    return due


def offers_on(claim: m.ClaimState, on: date) -> m.OffersOnDate:
    """Which offers were open for acceptance at some time on `on`."""

    def open_on(o: m.Offer) -> bool:
        return o.made_on <= on and (o.closed_on is None or on <= o.closed_on)

    listed = [m.OfferOnDate(offer=o, open=open_on(o)) for o in claim.offers]
    return m.OffersOnDate(
        ref=claim.ref, on=on, open_offers=[o.offer.no for o in listed if o.open], offers=listed
    )


def offer_live(claim: m.ClaimState, payload: Any, ctx: Context):
    """The offer can still be accepted: open, or with a notice that waits for its period."""
    offer = find_offer(claim, payload.offer_no)
    if offer is None:
        return "unknown_offer", f"there is no offer {payload.offer_no}"
    status = offer.status
    if status in LIVE_OFFER and period_ended(claim, offer, ctx.now) and status == "withdrawal_pending":
        status = "withdrawn"  # the withdrawal took effect when the period ended
    if status not in LIVE_OFFER:
        return "offer_not_open", f"offer {offer.no} is {status}, not open"
    return None


def on_or_after_offer(field: str):
    """The date an offer is answered (withdrawn, accepted) is not before it was made."""

    def check(claim: m.ClaimState, payload: Any, ctx: Context):
        offer, on = find_offer(claim, payload.offer_no), getattr(payload, field)
        if offer is not None and on < offer.made_on:
            return "date_before_offer", f"{field} {on} is before offer {offer.no} was made ({offer.made_on})"
        return None

    return check


def offer_open(claim: m.ClaimState, payload: Any, ctx: Context):
    """Open to withdrawal or change: live, with no withdrawal already pending."""
    if refused := offer_live(claim, payload, ctx):
        return refused
    offer = find_offer(claim, payload.offer_no)
    if offer.status == "withdrawal_pending":
        return "offer_not_open", f"offer {offer.no} is withdrawal_pending, not open"
    return None


def part_36(claim: m.ClaimState, payload: Any, ctx: Context):
    if relevant_period(claim, find_offer(claim, payload.offer_no)) is None:
        return "not_part_36", f"offer {payload.offer_no} is not a Part 36 offer with a relevant period"
    return None


def relevant_period_long_enough(claim: m.ClaimState, payload: Any, ctx: Context):
    if getattr(payload, "part_36", True) and payload.relevant_period_days < PART_36_MIN_DAYS:
        return (
            "relevant_period_too_short",
            f"a Part 36 offer's relevant period is at least {PART_36_MIN_DAYS} days (CPR 36.5)",
        )
    return None


def more_advantageous(offer: m.Offer, amount) -> bool:
    """Better for the offeree: more from a defendant, less asked by a claimant."""
    return amount > offer.amount if offer.by is m.Side.DEFENDANT else amount < offer.amount


def change_valid(claim: m.ClaimState, payload: m.ChangeOffer, ctx: Context):
    offer = find_offer(claim, payload.offer_no)
    if payload.amount == offer.amount:
        return "offer_unchanged", f"offer {offer.no} is already for {offer.amount}"
    if payload.changed_on < offer.made_on:
        return "date_before_offer", f"offer {offer.no} was made on {offer.made_on}"
    if more_advantageous(offer, payload.amount):
        return relevant_period_long_enough(claim, payload, ctx)
    return None


def clarification_in_time(claim: m.ClaimState, payload: m.RequestOfferClarification, ctx: Context):
    offer = find_offer(claim, payload.offer_no)
    if payload.requested_on < offer.made_on:
        return "date_before_offer", f"offer {offer.no} was made on {offer.made_on}"
    if payload.requested_on > offer.made_on + timedelta(days=CLARIFICATION_DAYS):
        return (
            "clarification_too_late",
            f"clarification is asked within {CLARIFICATION_DAYS} days of the offer (CPR 36.8)",
        )
    return None


def clarification_outstanding(claim: m.ClaimState, payload: m.ClarifyOffer, ctx: Context):
    offer = find_offer(claim, payload.offer_no)
    if offer is None:
        return "unknown_offer", f"there is no offer {payload.offer_no}"
    if not clarification_awaited(offer):
        return "no_clarification_requested", f"no clarification of offer {offer.no} is awaited"
    return None


def counter_valid(claim: m.ClaimState, payload: m.MakeOffer, ctx: Context):
    if payload.responds_to is None:
        return None
    countered = find_offer(claim, payload.responds_to)
    if countered is None or countered.status not in LIVE_OFFER:
        return "offer_not_open", f"offer {payload.responds_to} is not open to counter"
    if countered.by == payload.by:
        return "counter_to_own_offer", "a counter-offer answers the other side's offer"
    return None


def matches_accepted_offer(claim: m.ClaimState, payload: m.RecordSettlement, ctx: Context):
    accepted = next((o for o in claim.offers if o.status == "accepted"), None)
    damages = payload.general_damages + payload.special_damages + payload.future_losses
    if accepted is not None and damages != accepted.amount:
        return (
            "settlement_differs_from_offer",
            f"damages {damages} differ from the accepted offer {accepted.no} of {accepted.amount}",
        )
    return None


def sent_in_the_past(claim: m.ClaimState, p: m.MakeOffer, ctx: Context):
    """An offer is recorded once sent: not in the future, nor before the incident."""
    if p.sent_at > ctx.now:
        return "date_in_future", f"sent_at {p.sent_at} is in the future"
    return date_refusal("sent_at", london_date(p.sent_at), ctx.today, claim.event_floor())


def make_offer(claim: m.ClaimState, p: m.MakeOffer, ctx: Context) -> None:
    if p.responds_to is not None:
        countered = find_offer(claim, p.responds_to)
        # A counter-offer rejects an ordinary offer; a Part 36 offer stays open (CPR 36.11(2)).
        if not countered.part_36:
            countered.status, countered.closed_on = "lapsed", london_date(p.sent_at)
    terms = p.model_dump(exclude={"responds_to", "relevant_period_days"})
    claim.offers.append(
        m.Offer(
            no=len(claim.offers) + 1,
            **terms,
            made_on=london_date(p.sent_at),  # until its deemed service is computed (claim_pathway.py)
            responds_to=p.responds_to,
            relevant_period_days=p.relevant_period_days if p.part_36 else None,
        )
    )


def served(claim: m.ClaimState, offer: m.Offer, on: date) -> None:
    """The offer is made on the day it is deemed served (CPR 36.7); an ordinary offer it counters
    was rejected that day."""
    offer.made_on = on
    countered = find_offer(claim, offer.responds_to) if offer.responds_to is not None else None
    if countered is not None and not countered.part_36 and countered.status == "lapsed":
        countered.closed_on = on


def withdraw_offer(claim: m.ClaimState, p: m.WithdrawOffer, ctx: Context) -> None:
    offer = find_offer(claim, p.offer_no)
    expire_offers(claim, ctx.now)
    if relevant_period(claim, offer) is not None and not offer.relevant_period_expired:
        # Notice within the relevant period takes effect when it ends; until then the offeree
        # may still accept (CPR 36.9(4), 36.11(2)).
        offer.status, offer.withdrawal_notice_on = "withdrawal_pending", p.withdrawn_on
    else:
        offer.status, offer.closed_on = "withdrawn", p.withdrawn_on


def change_offer(claim: m.ClaimState, p: m.ChangeOffer, ctx: Context) -> None:
    offer = find_offer(claim, p.offer_no)
    expire_offers(claim, ctx.now)
    better = more_advantageous(offer, p.amount)
    pending = not better and not offer.relevant_period_expired
    offer.changes.append(
        m.OfferChange(
            amount=p.amount,
            previous_amount=offer.amount,
            notice_on=p.changed_on,
            effective_on=None if pending else p.changed_on,
            more_advantageous=better,
        )
    )
    if pending:  # worse terms wait for the relevant period to end (CPR 36.9(4))
        offer.status = "change_pending"
        return
    offer.amount, offer.status = p.amount, "open"
    if better:  # better terms take effect at once, with a new relevant period
        offer.relevant_period_days, offer.relevant_period_expired = p.relevant_period_days, False


def accept_offer(claim: m.ClaimState, p: m.AcceptOffer, ctx: Context) -> None:
    expire_offers(claim, ctx.now)
    # Accepted within the relevant period, a pending change never takes effect (CPR 36.9(4)(b)).
    accepted = find_offer(claim, p.offer_no)
    for offer in claim.offers:
        if offer.status in LIVE_OFFER:
            offer.status, offer.closed_on = "lapsed", p.accepted_on
    accepted.status, accepted.closed_on = "accepted", p.accepted_on


def request_clarification(claim: m.ClaimState, p: m.RequestOfferClarification, ctx: Context) -> None:
    offer = find_offer(claim, p.offer_no)
    offer.clarifications.append(m.OfferClarification(question=p.question, requested_on=p.requested_on))


def clarify(claim: m.ClaimState, p: m.ClarifyOffer, ctx: Context) -> None:
    asked = next(c for c in find_offer(claim, p.offer_no).clarifications if c.answer is None)
    asked.answer, asked.clarified_on = p.answer, p.clarified_on


def lapse_open_offers(claim: m.ClaimState, on: date) -> None:
    """A settlement ends the negotiation: offers still open lapse, and their relevant periods
    stop escalating (the workflow waives them once they are no longer live)."""
    for offer in claim.offers:
        if offer.status in LIVE_OFFER:
            offer.status, offer.closed_on = "lapsed", on
