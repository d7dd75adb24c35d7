"""The claim's pathway table, row by row, and its offer and route rules, without a Temporal server.

For every row: what it declares (stages, target, diverts, roles, hold, date, deadlines, hooks,
internal, assignee); who may not take it (forbidden_for_role), where it may not be taken
(action_not_allowed), on or off hold (on_hold, not_on_hold), each refusal of its check (still
offered) and of its availability (not offered); what `PATHWAY.apply` does to the state; and what
its hooks do to the deadline book and ask of Temporal beyond the claim (a payment activity, a
route's child workflow), run on the claim's real workflow class with Temporal's clock, activities
and children replaced by recorders and the calendar the real one. Then what each role is offered
at every stage, typical and edge; then the rules of claim_offers.py (Part 36) and claim_routes.py
(one ADR route at a time, how a route's end moves the claim) as pure functions; then what time
does to Part 36 offers, and the known gaps (strict xfails: each says what a row should do and does
not yet). States are built directly from the models; every table below is what the rows must do,
so a changed row fails here in milliseconds.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import inspect
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, NamedTuple

import pytest
from pydantic import BaseModel
from pydantic_core import to_jsonable_python
from temporalio import workflow
from temporalio.exceptions import ApplicationError

from activities.coding import CodingActivities
from activities.court_service import ServiceActivities
from activities.deadlines import CalendarActivities
from fairway.clinical_coding import read_taxonomy_file
from fairway.settings import SHIPPED_TAXONOMY_FILE
from models import cases
from models import claims as m
from models.access import ACCESS
from models.cases import CaseHold, CaseLink, CaseNote, CaseView, LinkCase
from models.claims import ClaimStage as S
from models.common import PEOPLE_ROLES, ActionMeta, Actor, AppliedAction, CaseKind, Role
from models.deadlines import Deadline, DeadlineStatus, LadderStep
from models.litigation import ServiceMethod
from models.routes import (
    AgreeEvaluation,
    JoinSummit,
    LeaveSummit,
    ProposeMediation,
    RecordProceedingsIssued,
    RouteKind,
    RouteOutcome,
    RouteProgress,
    RouteRecord,
    RouteResult,
    SettlementTerms,
    SummitOutcome,
    SummitResult,
)
from tests.helpers import ACTOR_IDS
from workflows import case_kit, claim_offers, claim_pathway, claim_protocol, claim_routes
from workflows.case_kit import PREVIOUS, Context
from workflows.claim import ClaimWorkflow
from workflows.clock import end_of_london_day, london_date
from workflows.deadline_book import Calendar

PATHWAY = claim_pathway.PATHWAY
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TODAY = london_date(NOW)
POLICY = m.ClaimPolicy()
REF = "CLM-TESTCLAIM0001"
WORKFLOW_ID = f"claim-{REF}"
OWNER = ACTOR_IDS["handler"]
ACTING = frozenset({Role.HANDLER, Role.SUPERVISOR, Role.ADMIN})
SUPERVISING = frozenset({Role.SUPERVISOR, Role.ADMIN})
D = Decimal


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


EVENT = day(-1)  # the date most steps record (not today: deadlines count from it)
FUTURE = day(1)


def ctx(role: Role = Role.HANDLER, action: str = "", policy: m.ClaimPolicy = POLICY) -> Context:
    return Context(
        actor=Actor(id=ACTOR_IDS[role], role=role), now=NOW, today=TODAY, policy=policy, action=action
    )


# --- the stages, spelled out here so a changed set in the table fails -----------------------------

EVERY = frozenset(S)
OPEN = EVERY - {S.CLOSED}
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
UNSETTLED = BEFORE_RESPONSE | {S.LETTER_OF_RESPONSE_SENT, S.NEGOTIATING}
AWAITING_RESPONSE = frozenset({S.LETTER_OF_CLAIM_RECEIVED, S.LETTER_OF_CLAIM_ACKNOWLEDGED, S.INVESTIGATING})
ADR_STAGES = frozenset({S.IN_MEDIATION, S.IN_EARLY_NEUTRAL_EVALUATION, S.IN_RESOLUTION_SUMMIT})
ROUTE_STAGES = ADR_STAGES | {S.IN_LITIGATION}
OFFERS_OPEN = (
    frozenset({S.LETTER_OF_CLAIM_ACKNOWLEDGED, S.INVESTIGATING, S.LETTER_OF_RESPONSE_SENT, S.NEGOTIATING})
    | ROUTE_STAGES
)
OFFERS_MADE = ROUTE_STAGES | {S.NEGOTIATING}
PAYMENTS = ROUTE_STAGES | {S.LETTER_OF_RESPONSE_SENT, S.NEGOTIATING, S.SETTLED, S.PAID}
ADR_FROM = frozenset(
    {
        S.LETTER_OF_CLAIM_ACKNOWLEDGED,
        S.INVESTIGATING,
        S.LETTER_OF_RESPONSE_SENT,
        S.NEGOTIATING,
        S.IN_LITIGATION,
    }
)
LITIGATION_FROM = UNSETTLED | ADR_STAGES

# --- deadlines ------------------------------------------------------------------------------------

REVIEW = "case_review_due"
RECORDS = "health_records_due"
NOTIFICATION_ACK = "letter_of_notification_acknowledgment_due"
CLAIM_ACK = "letter_of_claim_acknowledgment_due"
RESPONSE = "letter_of_response_due"
LIMITATION = "limitation"
STOCKTAKE = "stocktake_due_letter_of_response_sent"
PERIOD_1 = "part_36_relevant_period_offer_1"
PERIOD_2 = "part_36_relevant_period_offer_2"
INCIDENT = date(2024, 6, 1)
LIMITATION_ON = date(2027, 6, 1)  # three years from the incident (an adult claimant)
RESPONSE_DUE = date(2027, 3, 17)  # four months from the letter of claim on day(-3)
MET, OPEN_, WAIVED = DeadlineStatus.MET, DeadlineStatus.OPEN, DeadlineStatus.WAIVED


def deadline(
    name: str,
    due_on: date,
    status: DeadlineStatus = OPEN_,
    *,
    rule: str | None = None,
    trigger: str = "earlier_step",
    trigger_date: date | None = None,
    **fields: Any,
) -> Deadline:
    """A deadline as the book keeps it, due at the end of the London day."""
    policy_rule = POLICY.deadlines.rules[rule or name]
    return Deadline(
        name=name,
        rule=rule,
        title=policy_rule.title,
        kind=policy_rule.kind,
        basis=policy_rule.basis,
        trigger=trigger,
        trigger_date=trigger_date or due_on - timedelta(days=14),
        due_on=due_on,
        due_at=end_of_london_day(due_on),
        original_due_on=due_on,
        owner=OWNER,
        status=status,
        met_on=day(-2) if status is MET else None,
        **fields,
    )


def review(status=OPEN_, **fields) -> Deadline:
    return deadline(REVIEW, day(5), status, trigger="open_claim", trigger_date=day(-5), **fields)


def limitation(status=OPEN_) -> Deadline:
    return deadline(LIMITATION, LIMITATION_ON, status, trigger="open_claim", trigger_date=INCIDENT)


def notification_ack(status=OPEN_) -> Deadline:
    return deadline(
        NOTIFICATION_ACK, day(11), status, trigger="receive_letter_of_notification", trigger_date=day(-3)
    )


def claim_ack(status=OPEN_) -> Deadline:
    return deadline(CLAIM_ACK, day(11), status, trigger="receive_letter_of_claim", trigger_date=day(-3))


def response(status=OPEN_) -> Deadline:
    return deadline(RESPONSE, RESPONSE_DUE, status, trigger="receive_letter_of_claim", trigger_date=day(-3))


def records(status=OPEN_) -> Deadline:
    return deadline(RECORDS, day(30), status, trigger="request_health_records", trigger_date=day(-10))


def stocktake(status=OPEN_) -> Deadline:
    return deadline(
        STOCKTAKE,
        day(20),
        status,
        rule="stocktake_due",
        trigger="send_letter_of_response",
        trigger_date=day(-8),
    )


def period(no: int = 1, due_on: date | None = None, status=OPEN_) -> Deadline:
    due = due_on or day(16)
    return deadline(
        claim_offers.relevant_period_name(no),
        due,
        status,
        rule=claim_offers.RELEVANT_PERIOD,
        trigger="make_offer",
        trigger_date=due - timedelta(days=21),
    )


CLARIFY_1 = claim_offers.clarification_name(1)


def clarification(status=OPEN_) -> Deadline:
    """Offer 1's clarification, asked on day(-3): CPR 36.8(2) gives the offeror until day(4)."""
    return deadline(
        CLARIFY_1,
        day(4),
        status,
        rule=claim_offers.CLARIFICATION,
        trigger="request_offer_clarification",
        trigger_date=day(-3),
    )


def book(*deadlines: Deadline) -> dict[str, Deadline]:
    return {x.name: x for x in deadlines}


def with_deadlines(stage: S, *extra: Deadline) -> dict[str, Deadline]:
    """A stage's typical book with `extra` in it (replacing any of the same name)."""
    return BOOKS[stage]() | book(*extra)


def without(stage: S, *names: str) -> dict[str, Deadline]:
    return {n: x for n, x in BOOKS[stage]().items() if n not in names}


def _responded(stocktake_status=OPEN_) -> dict[str, Deadline]:
    return book(review(MET), claim_ack(MET), response(MET), stocktake(stocktake_status), limitation())


BOOKS = {
    S.NOTIFIED: lambda: book(review(), limitation()),
    S.LETTER_OF_NOTIFICATION_RECEIVED: lambda: book(review(), notification_ack(), limitation()),
    S.LETTER_OF_NOTIFICATION_ACKNOWLEDGED: lambda: book(review(MET), notification_ack(MET), limitation()),
    S.LETTER_OF_CLAIM_RECEIVED: lambda: book(review(), claim_ack(), response(), limitation()),
    S.LETTER_OF_CLAIM_ACKNOWLEDGED: lambda: book(review(MET), claim_ack(MET), response(), limitation()),
    S.INVESTIGATING: lambda: book(review(MET), claim_ack(MET), response(), limitation()),
    S.LETTER_OF_RESPONSE_SENT: _responded,
    S.NEGOTIATING: lambda: _responded() | book(period()),
    S.IN_MEDIATION: lambda: _responded() | book(period()),
    S.IN_EARLY_NEUTRAL_EVALUATION: lambda: _responded() | book(period()),
    S.IN_RESOLUTION_SUMMIT: lambda: _responded() | book(period()),
    S.IN_LITIGATION: lambda: _responded() | book(period()),
    S.PROCEEDINGS_CONCLUDED: lambda: _responded(),
    S.OFFER_ACCEPTED: lambda: _responded() | book(period(status=MET)),
    S.AWAITING_APPROVAL: lambda: _responded(MET),
    S.SETTLED: lambda: _responded(MET),
    S.PAID: lambda: _responded(MET),
    S.CLOSED: lambda: {n: x.model_copy(update={"status": WAIVED}) for n, x in _responded().items()},
}

# --- what a claim has ------------------------------------------------------------------------------

FIRM = m.ClaimantFirm(firm_id="SRA-100200", name="Example & Co LLP")
ADULT = m.ClaimOpening(
    scheme=m.Scheme.CNST,
    defendant=m.Defendant(kind="trust", code="RX1", name="Example Hospitals NHS Trust"),
    specialty="obstetrics",
    incident_date=INCIDENT,
    claimant=m.Claimant(name="Alex Example", date_of_birth=date(1980, 5, 5)),
    claimant_firm=FIRM,
    allegations="delay in delivery",
    handler=OWNER,
)
CHILD = ADULT.model_copy(
    update={"claimant": m.Claimant(name="Sam Example", date_of_birth=date(2015, 4, 1))}
)  # eleven on TODAY: a settlement needs the court's approval (CPR 21.10)
IN_PERSON = ADULT.model_copy(update={"claimant_firm": None})
OPENED = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
OBSTETRICS = m.ExpertInstruction(discipline="obstetrics", issues=["breach"], expert="Dr Expert")
CARE = m.ExpertInstruction(discipline="care", issues=["quantum"])
RESPONDED = {"experts": [OBSTETRICS], "liability": m.LiabilityPosition.ADMITTED, "apology_given": True}


def offer(no: int = 1, **fields: Any) -> m.Offer:
    """Offer `no`: by default the claimant's Part 36 offer of 250,000 made on day(-5), its
    relevant period of 21 days ending on day(16)."""
    return m.Offer(
        **{
            "no": no,
            "by": m.Side.CLAIMANT,
            "amount": D("250000.00"),
            "heads_of_loss": ["pain"],
            "part_36": True,
            "made_on": day(-5),
            "responds_to": None,
            "relevant_period_days": 21,
            "relevant_period_ends_on": day(16),
        }
        | fields
    )


def ordinary(no: int = 1, **fields: Any) -> m.Offer:
    return offer(no, part_36=False, relevant_period_days=None, relevant_period_ends_on=None, **fields)


SETTLEMENT = m.Settlement(
    agreed_on=day(-10),
    general_damages=D("150000.00"),
    special_damages=D("60000.00"),
    future_losses=D("40000.00"),
    claimant_costs=D("35000.00"),
)  # damages 250,000; paid at once with costs 285,000
PERIODICAL_ORDER = m.PeriodicalPaymentOrder(
    annual_amount=D("20000.00"), indexation="ASHE 6115", starts_on=day(30)
)
PERIODICAL = SETTLEMENT.model_copy(
    update={"lump_sum": D("200000.00"), "periodical_payments": PERIODICAL_ORDER}
)
PAID_IN_FULL = m.Payment(
    paid_on=day(-2), amount=D("285000.00"), payee="claimant_solicitors", reference="PAY-1"
)
INTERIM_PAID = m.Payment(
    paid_on=day(-2), amount=D("50000.00"), payee="claimant", reference="INT-1", kind=m.PaymentKind.INTERIM
)
SUMMIT_REF, OTHER_SUMMIT = "SUM-TESTSUMMIT01", "SUM-OTHERSUMMIT1"
SUFFIX = {RouteKind.MEDIATION: "MED", RouteKind.EARLY_NEUTRAL_EVALUATION: "ENE", RouteKind.LITIGATION: "LIT"}


def route(kind: RouteKind, n: int = 1, *, return_to: S = S.NEGOTIATING, **fields: Any) -> RouteRecord:
    """A route the claim started a month ago (a summit: joined), running unless `fields` end it."""
    if kind is RouteKind.RESOLUTION_SUMMIT:
        ref = fields.pop("ref", SUMMIT_REF)
        workflow_id, stage = f"resolution_summit-{ref}", "joined"
    else:
        ref = f"{REF}-{SUFFIX[kind]}{n}"
        workflow_id, stage = f"{claim_routes.ROUTE_CASE_KINDS[kind].value}-{ref}", "running"
    return RouteRecord(
        **{
            "ref": ref,
            "kind": kind,
            "workflow_id": workflow_id,
            "started_at": NOW - timedelta(days=30),
            "started_by": OWNER,
            "stage": stage,
            "return_to": return_to.value,
        }
        | fields
    )


MEDIATION = route(RouteKind.MEDIATION)
EVALUATION = route(RouteKind.EARLY_NEUTRAL_EVALUATION)
SUMMIT = route(RouteKind.RESOLUTION_SUMMIT)
LITIGATION = route(RouteKind.LITIGATION)
STAYED = route(RouteKind.LITIGATION, stayed=True)
DISCONTINUED = route(
    RouteKind.LITIGATION,
    stage="discontinued",
    ended_at=NOW - timedelta(days=2),
    outcome=RouteOutcome(result=RouteResult.DISCONTINUED, reason="notice of discontinuance"),
)
ENDED_MEDIATION = route(
    RouteKind.MEDIATION,
    stage="not_settled",
    ended_at=NOW - timedelta(days=5),
    outcome=RouteOutcome(result=RouteResult.NOT_SETTLED),
)

NEGOTIATED = RESPONDED | {"offers": [offer()]}
TYPICAL: dict[S, dict[str, Any]] = {
    S.NOTIFIED: {},
    S.LETTER_OF_NOTIFICATION_RECEIVED: {},
    S.LETTER_OF_NOTIFICATION_ACKNOWLEDGED: {},
    S.LETTER_OF_CLAIM_RECEIVED: {},
    S.LETTER_OF_CLAIM_ACKNOWLEDGED: {},
    S.INVESTIGATING: {"experts": [OBSTETRICS]},
    S.LETTER_OF_RESPONSE_SENT: RESPONDED,
    S.NEGOTIATING: NEGOTIATED,
    S.IN_MEDIATION: NEGOTIATED | {"routes": [MEDIATION]},
    S.IN_EARLY_NEUTRAL_EVALUATION: NEGOTIATED | {"routes": [EVALUATION]},
    S.IN_RESOLUTION_SUMMIT: NEGOTIATED | {"routes": [SUMMIT]},
    S.IN_LITIGATION: NEGOTIATED | {"routes": [LITIGATION]},
    S.PROCEEDINGS_CONCLUDED: RESPONDED | {"routes": [DISCONTINUED]},
    S.OFFER_ACCEPTED: RESPONDED | {"offers": [offer(status="accepted", closed_on=day(-1))]},
    S.AWAITING_APPROVAL: RESPONDED | {"opening": CHILD, "settlement": SETTLEMENT},
    S.SETTLED: RESPONDED | {"settlement": SETTLEMENT},
    S.PAID: RESPONDED | {"settlement": SETTLEMENT, "payments": [PAID_IN_FULL]},
    S.CLOSED: RESPONDED
    | {
        "outcome": m.ClosureOutcome.WITHDRAWN,
        "closed_at": NOW - timedelta(days=10),
        "stage_before_closure": S.NEGOTIATING,
    },
}


def claim(stage: S, **fields: Any) -> m.ClaimState:
    """A typical claim at `stage`, with `fields` instead of what it typically has there."""
    values = {
        "ref": REF,
        "stage": stage,
        "owner": OWNER,
        "opening": ADULT,
        "opened_at": OPENED,
        "updated_at": OPENED,
        "deadlines": BOOKS[stage](),
    }
    return m.ClaimState(**copy.deepcopy(values | TYPICAL[stage] | fields))


def at(stage: S, **fields: Any):
    """A fresh typical claim at `stage` each time it is called."""
    return lambda: claim(stage, **fields)


HELD = CaseHold(reason="awaiting inquest", review_on=day(60), since=NOW - timedelta(days=10))

# --- what a row declares ---------------------------------------------------------------------------

CHECK, AVAILABLE, BOOK, BEFORE, AFTER = "check", "available", "book", "before", "after"


def hooks(*names: str) -> frozenset[str]:
    return frozenset(names)


@dataclass(frozen=True)
class Row:
    """What a row declares, and the codes its check and its availability refuse with."""

    stages: frozenset[str]
    leads_to: str | None
    roles: frozenset[Role] = ACTING
    hold: str = "off"
    date_field: str | None = None
    sets: tuple[str, ...] = ()
    meets: tuple[str, ...] = ()
    waives: tuple[str, ...] = ()
    hooks: frozenset[str] = frozenset()
    # (to, from which stages (None: any of its own), whether only when a condition holds)
    diverts: tuple[tuple[str, frozenset[str] | None, bool], ...] = ()
    internal: bool = False
    assignee: str | None = None
    checks: frozenset[str] = frozenset()  # every code its check refuses with
    unavailable: frozenset[str] = frozenset()  # every code its availability refuses with


def codes(*names: str) -> frozenset[str]:
    return frozenset(names)


FUTURE_DATE = codes("date_in_future")
DURING_A_STAY = ((S.IN_LITIGATION, frozenset({S.IN_LITIGATION}), False),)
ADR_REFUSALS = codes("route_already_active", "adr_already_active", "litigation_not_stayed")

ROWS: dict[str, Row] = {
    "add_note": Row(EVERY, None, hold="any"),
    "extend_deadline": Row(
        OPEN,
        None,
        hold="any",
        hooks=hooks(CHECK, BOOK),
        checks=codes("unknown_deadline", "deadline_closed", "extension_not_later", "extension_too_long"),
    ),
    "waive_deadline": Row(
        OPEN,
        None,
        roles=SUPERVISING,
        hold="any",
        hooks=hooks(CHECK, BOOK),
        checks=codes("unknown_deadline", "deadline_closed"),
    ),
    "acknowledge_escalation": Row(
        EVERY,
        None,
        roles=SUPERVISING,
        hold="any",
        hooks=hooks(CHECK, BOOK),
        checks=codes("unknown_deadline", "unknown_escalation", "already_acknowledged"),
    ),
    "reassign": Row(
        OPEN,
        None,
        roles=SUPERVISING,
        hold="any",
        hooks=hooks(CHECK, BOOK),
        assignee="handler",
        checks=codes("same_handler"),
    ),
    "put_on_hold": Row(OPEN, None, hooks=hooks(BOOK)),
    "take_off_hold": Row(OPEN, None, hold="on", hooks=hooks(BOOK)),
    "request_health_records": Row(
        BEFORE_RESPONSE,
        None,
        date_field="requested_on",
        sets=(RECORDS,),
        meets=(REVIEW,),
        hooks=hooks(CHECK, AVAILABLE),
        checks=FUTURE_DATE,
        unavailable=codes("records_already_requested"),
    ),
    "supply_health_records": Row(
        UNSETTLED,
        None,
        date_field="supplied_on",
        meets=(RECORDS,),
        hooks=hooks(CHECK, AVAILABLE),
        checks=FUTURE_DATE,
        unavailable=codes("records_not_requested", "records_already_supplied"),
    ),
    "receive_letter_of_notification": Row(
        frozenset({S.NOTIFIED}),
        S.LETTER_OF_NOTIFICATION_RECEIVED,
        date_field="received_on",
        sets=(NOTIFICATION_ACK,),
        hooks=hooks(CHECK),
        checks=FUTURE_DATE,
    ),
    "acknowledge_letter_of_notification": Row(
        frozenset({S.LETTER_OF_NOTIFICATION_RECEIVED}),
        S.LETTER_OF_NOTIFICATION_ACKNOWLEDGED,
        date_field="sent_on",
        meets=(NOTIFICATION_ACK, REVIEW),
        hooks=hooks(CHECK),
        checks=FUTURE_DATE,
    ),
    "receive_letter_of_claim": Row(
        frozenset({S.NOTIFIED, S.LETTER_OF_NOTIFICATION_RECEIVED, S.LETTER_OF_NOTIFICATION_ACKNOWLEDGED}),
        S.LETTER_OF_CLAIM_RECEIVED,
        date_field="received_on",
        sets=(CLAIM_ACK, RESPONSE),
        hooks=hooks(CHECK),
        checks=FUTURE_DATE,
    ),
    "acknowledge_letter_of_claim": Row(
        frozenset({S.LETTER_OF_CLAIM_RECEIVED}),
        S.LETTER_OF_CLAIM_ACKNOWLEDGED,
        date_field="sent_on",
        meets=(CLAIM_ACK, REVIEW),
        hooks=hooks(CHECK),
        checks=FUTURE_DATE,
    ),
    "open_investigation": Row(
        frozenset({S.LETTER_OF_NOTIFICATION_ACKNOWLEDGED, S.LETTER_OF_CLAIM_ACKNOWLEDGED}),
        S.INVESTIGATING,
        meets=(REVIEW,),
    ),
    "instruct_experts": Row(frozenset({S.INVESTIGATING, S.LETTER_OF_RESPONSE_SENT, S.NEGOTIATING}), None),
    "extend_response_period": Row(
        AWAITING_RESPONSE,
        None,
        hooks=hooks(CHECK, AVAILABLE, BOOK),
        checks=codes("deadline_closed", "extension_not_later", "extension_too_long"),
        unavailable=codes("no_letter_of_claim"),
    ),
    "record_standstill_agreement": Row(UNSETTLED, None, hooks=hooks(BOOK)),
    "record_death": Row(
        UNSETTLED,
        None,
        hooks=hooks(CHECK, AVAILABLE, BOOK),
        checks=FUTURE_DATE,
        unavailable=codes("death_already_recorded"),
    ),
    "send_letter_of_response": Row(
        frozenset({S.LETTER_OF_CLAIM_ACKNOWLEDGED, S.INVESTIGATING}),
        S.LETTER_OF_RESPONSE_SENT,
        date_field="sent_on",
        meets=(RESPONSE,),
        hooks=hooks(CHECK),
        checks=FUTURE_DATE,
    ),
    "hold_stocktake": Row(
        frozenset({S.LETTER_OF_RESPONSE_SENT, S.NEGOTIATING, S.IN_LITIGATION}),
        None,
        hooks=hooks(CHECK, BOOK),
        checks=FUTURE_DATE,
    ),
    "make_offer": Row(
        OFFERS_OPEN,
        S.NEGOTIATING,
        hooks=hooks(CHECK, BOOK),
        diverts=tuple(
            (stage, frozenset({stage}), False)
            for stage in (
                S.IN_MEDIATION,
                S.IN_EARLY_NEUTRAL_EVALUATION,
                S.IN_RESOLUTION_SUMMIT,
                S.IN_LITIGATION,
            )
        ),
        checks=codes("date_in_future", "offer_not_open", "counter_to_own_offer", "relevant_period_too_short"),
    ),
    "request_offer_clarification": Row(
        OFFERS_MADE,
        None,
        hooks=hooks(CHECK, BOOK),
        checks=codes(
            "date_in_future",
            "unknown_offer",
            "offer_not_open",
            "not_part_36",
            "date_before_offer",
            "clarification_too_late",
        ),
    ),
    "clarify_offer": Row(
        OFFERS_MADE,
        None,
        hooks=hooks(CHECK, BOOK),
        checks=codes("date_in_future", "unknown_offer", "no_clarification_requested"),
    ),
    "change_offer": Row(
        OFFERS_MADE,
        None,
        hooks=hooks(CHECK, BOOK),
        checks=codes(
            "date_in_future",
            "unknown_offer",
            "offer_not_open",
            "not_part_36",
            "offer_unchanged",
            "date_before_offer",
            "relevant_period_too_short",
        ),
    ),
    "withdraw_offer": Row(
        OFFERS_MADE,
        None,
        hooks=hooks(CHECK, BOOK),
        checks=codes("date_in_future", "unknown_offer", "offer_not_open", "date_before_offer"),
    ),
    "accept_offer": Row(
        frozenset({S.NEGOTIATING, S.IN_LITIGATION}),
        S.OFFER_ACCEPTED,
        hooks=hooks(CHECK, BOOK),
        checks=codes("date_in_future", "unknown_offer", "offer_not_open", "date_before_offer"),
    ),
    "record_settlement": Row(
        frozenset({S.LETTER_OF_RESPONSE_SENT, S.NEGOTIATING, S.OFFER_ACCEPTED}),
        S.SETTLED,
        hooks=hooks(CHECK, BOOK),
        diverts=((S.AWAITING_APPROVAL, None, True),),
        checks=codes("settlement_differs_from_offer"),
    ),
    "record_court_approval": Row(
        frozenset({S.AWAITING_APPROVAL}),
        S.SETTLED,
        hooks=hooks(CHECK, BOOK),
        diverts=((S.IN_LITIGATION, None, True), (S.NEGOTIATING, None, True)),
        checks=FUTURE_DATE,
    ),
    "record_payment": Row(
        PAYMENTS,
        None,
        hooks=hooks(CHECK, AFTER),
        diverts=((S.PAID, frozenset({S.SETTLED, S.PAID}), False),),
        checks=codes(
            "date_in_future",
            "not_settled",
            "court_approval_required",
            "no_periodical_payment_order",
            "duplicate_payment_reference",
            "overpayment",
        ),
    ),
    "propose_mediation": Row(
        ADR_FROM,
        S.IN_MEDIATION,
        hooks=hooks(CHECK, AVAILABLE, AFTER),
        diverts=DURING_A_STAY,
        checks=FUTURE_DATE,
        unavailable=ADR_REFUSALS,
    ),
    "agree_early_neutral_evaluation": Row(
        ADR_FROM,
        S.IN_EARLY_NEUTRAL_EVALUATION,
        hooks=hooks(CHECK, AVAILABLE, AFTER),
        diverts=DURING_A_STAY,
        checks=FUTURE_DATE,
        unavailable=ADR_REFUSALS,
    ),
    "record_proceedings_issued": Row(
        LITIGATION_FROM,
        S.IN_LITIGATION,
        hold="any",
        hooks=hooks(CHECK, AVAILABLE, AFTER),
        checks=FUTURE_DATE,
        unavailable=codes("route_already_active"),
    ),
    "join_summit": Row(
        ADR_FROM | {S.IN_RESOLUTION_SUMMIT},
        S.IN_RESOLUTION_SUMMIT,
        hooks=hooks(CHECK),
        diverts=DURING_A_STAY,
        internal=True,
        checks=codes(
            "claimant_firm_mismatch", "already_in_summit", "adr_already_active", "litigation_not_stayed"
        ),
    ),
    "leave_summit": Row(
        OPEN,
        None,
        hold="any",
        hooks=hooks(CHECK),
        internal=True,
        checks=codes("not_in_summit"),
    ),
    "link_case": Row(EVERY, None, hold="any", internal=True),
    "code_claim": Row(EVERY, None, hold="any", hooks=hooks(CHECK, BEFORE), checks=codes("same_coding")),
    "close": Row(
        OPEN,
        S.CLOSED,
        hooks=hooks(CHECK, AVAILABLE),
        checks=codes("no_payment_recorded", "outcome_mismatch", "claim_not_coded"),
        unavailable=codes("awaiting_court_approval", "payment_outstanding", "routes_running"),
    ),
    "reopen": Row(frozenset({S.CLOSED}), PREVIOUS, roles=SUPERVISING, hooks=hooks(BOOK)),
    "correct_date": Row(
        OPEN,
        None,
        hold="any",
        hooks=hooks(CHECK, BOOK),
        checks=codes("date_in_future", "offer_date_not_correctable", "no_dependent_deadlines"),
    ),
}


def _declared(step) -> Row:
    row = ROWS.get(step.action, Row(frozenset(), None))
    has_check = step.check is not case_kit._no_check
    return Row(
        stages=step.from_stages,
        leads_to=step.leads_to,
        roles=step.roles,
        hold=step.hold,
        date_field=step.date_field,
        sets=step.sets,
        meets=step.meets,
        waives=step.waives,
        hooks=frozenset(h for h in (AVAILABLE, BOOK, BEFORE, AFTER) if getattr(step, h) is not None)
        | ({CHECK} if has_check else set()),
        diverts=tuple((d.to, d.origins, d.when is not None) for d in step.diverts),
        internal=step.internal,
        assignee=step.assignee,
        checks=row.checks,  # the codes are tried below, not declared by the step
        unavailable=row.unavailable,
    )


# --- accepted and refused steps ---------------------------------------------------------------------


class Due(NamedTuple):
    """What a test reads of a deadline in the book."""

    status: str
    due_on: date | None
    met_on: date | None
    trigger: str
    trigger_date: date
    revision: int
    owner: str
    paused: bool


def summary(state: m.ClaimState) -> dict[str, Due]:
    return {
        n: Due(x.status, x.due_on, x.met_on, x.trigger, x.trigger_date, x.revision, x.owner, x.paused)
        for n, x in state.deadlines.items()
    }


@dataclass(frozen=True)
class Accepts:
    """A step taken: from `state`, with `payload`, the claim reaches `stage` with `fields` changed
    (dotted paths into the state; nothing else changes but updated_at, and on closing closed_at
    and stage_before_closure). Taken by the running workflow, it changes the deadlines in `book`
    (each the attributes of Due that change; a new one's beside trigger=action and
    trigger_date=EVENT), the fields in `later` beyond the step's own effect, and asks `outside`
    of Temporal: (kind, name, what its argument contains)."""

    action: str
    state: Any  # () -> state
    payload: BaseModel
    stage: str
    fields: dict[str, Any] = field(default_factory=dict)
    book: dict[str, dict[str, Any]] = field(default_factory=dict)
    later: dict[str, Any] = field(default_factory=dict)
    outside: tuple[tuple[str, str, dict[str, Any]], ...] = ()
    role: Role = Role.HANDLER
    label: str = ""


@dataclass(frozen=True)
class Refuses:
    """A step refused with `code`: by its check (the step is still offered), or by its
    availability (`available`: the state alone refuses it, and it is not offered)."""

    action: str
    state: Any
    payload: BaseModel
    code: str
    available: bool = False
    role: Role = Role.HANDLER
    policy: m.ClaimPolicy = field(default_factory=lambda: POLICY)
    label: str = ""


def unavailable(action: str, state, payload: BaseModel, code: str, label: str = "") -> Refuses:
    return Refuses(action, state, payload, code, available=True, label=label)


def met(on: date = EVENT) -> dict[str, Any]:
    return {"status": MET, "met_on": on}


def new(due_on: date, trigger_date: date = EVENT, **more: Any) -> dict[str, Any]:
    return {"due_on": due_on, "trigger_date": trigger_date} | more


STRICTER = m.ClaimPolicy(
    deadlines=POLICY.deadlines.model_copy(
        update={
            "rules": POLICY.deadlines.rules
            | {
                name: POLICY.deadlines.rules[name].model_copy(update={"max_extension_days": 28})
                for name in (RESPONSE, CLAIM_ACK)
            }
        }
    )
)  # a policy that limits these extensions by agreement, as CPR 15.5 limits a defence's

NOTE = cases.AddNote(text="spoke to the trust")
FIRED = review(steps_done=[LadderStep.WARNING])  # its warning has gone out
ACK = cases.AcknowledgeEscalation(deadline=REVIEW, revision=1, step="warning", comment="seen")
EXTEND_ACK = cases.ExtendDeadline(
    deadline=CLAIM_ACK, new_due_on=day(30), reason="records late", agreed_by="the firm"
)
HOLD = m.PutOnHold(reason="awaiting inquest", review_on=day(60))
LETTER = m.ReceiveLetter(received_on=EVENT)
SENT = m.AcknowledgeLetter(sent_on=EVENT)
EXTEND_RESPONSE = m.ExtendResponsePeriod(
    agreed_by="Example & Co LLP", reason="expert delay", new_due_date=RESPONSE_DUE + timedelta(days=30)
)
DEATH = m.Death(died_on=EVENT)
# Died within the period; a personal representative and a dependant who learnt of it later.
DEPENDANTS_CLAIM = m.Death(
    died_on=date(2026, 3, 2),
    personal_representative_knowledge=date(2026, 4, 1),
    fatal_accidents_claim=True,
    dependants_knowledge=date(2026, 5, 4),
)
DEPENDANTS_LIMITATION = "fatal_accidents_limitation"
STANDSTILL = m.RecordStandstill(agreed_on=EVENT, until=date(2028, 12, 31), terms="no limitation point")
LOR = m.SendLetterOfResponse(sent_on=EVENT, liability=m.LiabilityPosition.ADMITTED, apology_given=True)
STOCKTAKE_HELD = m.HoldStocktake(
    held_on=EVENT, outcome=m.StocktakeOutcome.ACTION_AGREED, notes="quantum next"
)
# Emailed at 10am on EVENT, a Thursday: deemed served, so made, that day (CPR 6.26, 36.7).
POSTED_AT = datetime.combine(EVENT, datetime.min.time(), UTC).replace(hour=17)
EMAILED_AT = datetime.combine(EVENT, datetime.min.time(), UTC).replace(hour=10)
EMAILED = {"sent_at": EMAILED_AT, "method": ServiceMethod.EMAIL}
EMAILED_OFFER = {"made_on": EVENT, **EMAILED}
PART_36 = m.MakeOffer(
    by=m.Side.DEFENDANT, amount=D("200000.00"), part_36=True, **EMAILED, relevant_period_days=28
)
ORDINARY = m.MakeOffer(by=m.Side.DEFENDANT, amount=D("200000.00"), **EMAILED, relevant_period_days=7)
COUNTER = m.MakeOffer(by=m.Side.DEFENDANT, amount=D("220000.00"), **EMAILED, responds_to=1)
POSTED = m.MakeOffer(
    by=m.Side.DEFENDANT, amount=D("200000.00"), part_36=True, sent_at=POSTED_AT, method="first_class_post"
)
QUESTION = m.RequestOfferClarification(offer_no=1, requested_on=EVENT, question="Is interest included?")
ASKED = [m.OfferClarification(question="Is interest included?", requested_on=day(-3))]
ANSWER = m.ClarifyOffer(offer_no=1, answer="Yes, interest is included.", clarified_on=EVENT)
WORSE = m.ChangeOffer(offer_no=1, amount=D("260000.00"), changed_on=EVENT)  # the claimant asks more
BETTER = m.ChangeOffer(offer_no=1, amount=D("240000.00"), changed_on=EVENT)
WITHDRAW = m.WithdrawOffer(offer_no=1, withdrawn_on=EVENT)
ACCEPT = m.AcceptOffer(offer_no=1, accepted_on=EVENT)
SETTLE = m.RecordSettlement(
    agreed_on=EVENT,
    general_damages=D("150000.00"),
    special_damages=D("60000.00"),
    future_losses=D("40000.00"),
    claimant_costs=D("35000.00"),
)
APPROVED = m.RecordCourtApproval(
    approved=True, decided_on=EVENT, court="County Court at Central London", order_reference="K00CL123"
)
NOT_APPROVED = APPROVED.model_copy(update={"approved": False})
PAY = m.RecordPayment(paid_on=EVENT, amount=D("285000.00"), payee="claimant_solicitors", reference="PAY-2")
INTERIM = m.RecordPayment(
    paid_on=EVENT, amount=D("50000.00"), payee="claimant", reference="INT-1", kind=m.PaymentKind.INTERIM
)
MEDIATE = ProposeMediation(proposed_by="claimant", proposed_on=EVENT, reason="quantum gap narrowing")
EVALUATE = AgreeEvaluation(agreed_on=EVENT, reason="causation in dispute")
ISSUED = RecordProceedingsIssued(
    issued_on=EVENT,
    court="High Court, King's Bench Division",
    claim_number="KB-2026-000123",
    reason="limitation",
)
JOIN = JoinSummit(
    summit_ref=SUMMIT_REF, summit_workflow_id=f"resolution_summit-{SUMMIT_REF}", claimant_firm_id="SRA-100200"
)
LEAVE = LeaveSummit(summit_ref=SUMMIT_REF, reason="not ready for the summit")
LINK = LinkCase(
    kind=CaseKind.EARLY_NOTIFICATION,
    ref="EN-TESTCASE0001",
    workflow_id="early_notification-EN-TESTCASE0001",
    relation="opened from this Early Notification case",
)
CLOSE = m.Close(outcome=m.ClosureOutcome.WITHDRAWN, summary="claimant withdrew")
CODING_ACTIVITIES = CodingActivities(read_taxonomy_file(SHIPPED_TAXONOMY_FILE))
CODING = m.CodeClaim(
    taxonomy_version="2026.1",
    specialty="specialty.obstetrics",
    primary_cause="cause.fetal_monitoring",
    injuries=["injury.hypoxic_brain_injury"],
    themes=["theme.ctg_misinterpreted", "theme.delay_in_escalation"],
    reason="coded at the letter of response",
)
CODED = m.ClaimCoding(**CODING.model_dump(), coded_by=OWNER, coded_at=NOW - timedelta(days=1))
REOPEN = m.Reopen(reason="claimant reinstated the claim")
CORRECT = m.CorrectDate(action="receive_letter_of_claim", corrected_date=day(-10), reason="misread stamp")


def response_ended(status=OPEN_) -> Deadline:
    """A letter of response whose 4 months from the letter of claim (PAP) ended on day(-2)."""
    return deadline(
        RESPONSE, day(-2), status, trigger="receive_letter_of_claim", trigger_date=date(2026, 7, 18)
    )


# PAP: no proceedings until 4 months after the letter of claim; flagged, not refused (PAP 1.6).
WITHIN_PROTOCOL_PERIOD = m.ProtocolDeparture(
    code="issued_within_protocol_period",
    basis="PAP: proceedings should not be issued until 4 months after the letter of claim",
    on=EVENT,
    explanation=f"Proceedings were issued on {EVENT}, within the 4 months from the letter of claim of "
    f"{day(-3)}, which end on {RESPONSE_DUE}: unless limitation required it (PAP 1.6), a possible breach "
    "of the protocol to record for costs; if it did, the parties should agree a stay while the "
    "investigation goes on.",
)
WITHOUT_LETTER_OF_CLAIM = m.ProtocolDeparture(
    code="issued_without_letter_of_claim",
    basis="PAP: proceedings should not be issued until 4 months after the letter of claim; PAP 3.13: the "
    "letter of claim",
    on=EVENT,
    explanation=f"Proceedings were issued on {EVENT} with no letter of claim recorded: unless limitation "
    "required it (PAP 1.6), a possible breach of the protocol to record for costs; if it did, the parties "
    "should agree a stay while the investigation goes on.",
)


def started(kind: RouteKind, return_to: S, reason: str, n: int = 1, role: Role = Role.HANDLER) -> RouteRecord:
    """The record a route-starting step leaves on the claim."""
    ref = f"{REF}-{SUFFIX[kind]}{n}"
    return RouteRecord(
        ref=ref,
        kind=kind,
        workflow_id=f"{claim_routes.ROUTE_CASE_KINDS[kind].value}-{ref}",
        started_at=NOW,
        started_by=ACTOR_IDS[role],
        reason=reason,
        stage="starting",
        return_to=return_to.value,
    )


def child(workflow_type: str, kind: RouteKind, n: int = 1, **opening: Any) -> tuple[str, str, dict]:
    """The route's child workflow the claim starts: its type, id and what it starts with."""
    ref = f"{REF}-{SUFFIX[kind]}{n}"
    return (
        "child",
        workflow_type,
        {
            "id": f"{claim_routes.ROUTE_CASE_KINDS[kind].value}-{ref}",
            "parent_close_policy": "ABANDON",
            "ref": ref,
            "owner": OWNER,
            "opening": {
                "claim_ref": REF,
                "claim_workflow_id": WORKFLOW_ID,
                "owner": OWNER,
                "team": "claims",
                "claimant_firm_id": "SRA-100200",
                "child_or_protected_party": False,
            }
            | opening,
            "opened_by": {"actor": {"id": OWNER, "role": "handler"}, "request_id": "request-1"},
            "parent": {"kind": "claim", "ref": REF, "workflow_id": WORKFLOW_ID},
        },
    )


def recorded_payment(payment: m.RecordPayment) -> tuple[str, str, dict]:
    return (
        "activity",
        "record_payment",
        {
            "claim_ref": REF,
            "payment": to_jsonable_python(m.Payment(**payment.model_dump())),
            "recorded_by": OWNER,
            "recorded_at": to_jsonable_python(NOW),
        },
    )


ACCEPTS: list[Accepts] = [
    # --- what every case has
    Accepts(
        "add_note",
        at(S.NOTIFIED),
        NOTE,
        S.NOTIFIED,
        {"notes": [CaseNote(seq=1, text=NOTE.text, author=OWNER, at=NOW)]},
    ),
    Accepts(
        "add_note",
        at(S.CLOSED, seq=7),
        NOTE,
        S.CLOSED,
        {"notes": [CaseNote(seq=8, text=NOTE.text, author=OWNER, at=NOW)]},
        label="closed",
    ),
    Accepts(
        "extend_deadline",
        at(S.LETTER_OF_CLAIM_RECEIVED),
        EXTEND_ACK,
        S.LETTER_OF_CLAIM_RECEIVED,
        book={CLAIM_ACK: {"status": "extended", "due_on": day(30), "revision": 2}},
    ),
    Accepts(
        "waive_deadline",
        at(S.LETTER_OF_CLAIM_RECEIVED),
        cases.WaiveDeadline(deadline=CLAIM_ACK, reason="moot"),
        S.LETTER_OF_CLAIM_RECEIVED,
        book={CLAIM_ACK: {"status": WAIVED}},
        role=Role.SUPERVISOR,
    ),
    Accepts(
        "acknowledge_escalation",
        at(S.NOTIFIED, deadlines=with_deadlines(S.NOTIFIED, FIRED)),
        ACK,
        S.NOTIFIED,
        {"acknowledged_escalations": [f"{REVIEW}:1:warning"]},
        outside=(("activity", "acknowledge", {"case_ref": REF, "deadline": REVIEW, "revision": 1}),),
        role=Role.SUPERVISOR,
    ),
    Accepts(
        "acknowledge_escalation",
        at(S.CLOSED, deadlines=with_deadlines(S.CLOSED, review(WAIVED, steps_done=[LadderStep.WARNING]))),
        ACK,
        S.CLOSED,
        {"acknowledged_escalations": [f"{REVIEW}:1:warning"]},
        outside=(("activity", "acknowledge", {"case_ref": REF, "deadline": REVIEW, "step": "warning"}),),
        role=Role.SUPERVISOR,
        label="closed",
    ),
    # --- the claim's own
    Accepts(
        "reassign",
        at(S.LETTER_OF_CLAIM_ACKNOWLEDGED),
        m.Reassign(handler="harry.handler", reason="caseload"),
        S.LETTER_OF_CLAIM_ACKNOWLEDGED,
        {"owner": "harry.handler"},
        book={RESPONSE: {"owner": "harry.handler"}, LIMITATION: {"owner": "harry.handler"}},
        role=Role.SUPERVISOR,
    ),
    Accepts(
        "put_on_hold",
        at(S.LETTER_OF_CLAIM_RECEIVED),
        HOLD,
        S.LETTER_OF_CLAIM_RECEIVED,
        {"hold": CaseHold(reason=HOLD.reason, review_on=HOLD.review_on, since=NOW)},
        book={REVIEW: {"paused": True}},  # our own target; the protocol's and limitation run on
    ),
    Accepts(
        "take_off_hold",
        at(
            S.LETTER_OF_CLAIM_RECEIVED,
            hold=HELD,
            deadlines=with_deadlines(
                S.LETTER_OF_CLAIM_RECEIVED,
                review(paused_remaining_seconds=15 * 86_400.0, paused_on=day(-10)),
            ),
        ),
        m.TakeOffHold(reason="inquest concluded"),
        S.LETTER_OF_CLAIM_RECEIVED,
        {"hold": None},
        book={REVIEW: {"paused": False, "due_on": day(15)}},  # ten days on hold, ten days later
    ),
    Accepts(
        "request_health_records",
        at(S.NOTIFIED),
        m.RequestHealthRecords(requested_on=EVENT),
        S.NOTIFIED,
        book={RECORDS: new(date(2026, 12, 29)), REVIEW: met()},
    ),
    Accepts(
        "request_health_records",
        at(
            S.LETTER_OF_CLAIM_ACKNOWLEDGED,
            deadlines=with_deadlines(S.LETTER_OF_CLAIM_ACKNOWLEDGED, records(MET)),
        ),
        m.RequestHealthRecords(requested_on=EVENT),
        S.LETTER_OF_CLAIM_ACKNOWLEDGED,
        book={RECORDS: new(date(2026, 12, 29), status=OPEN_, met_on=None, revision=2)},
        label="again, once supplied",
    ),
    Accepts(
        "supply_health_records",
        at(
            S.LETTER_OF_CLAIM_ACKNOWLEDGED,
            deadlines=with_deadlines(S.LETTER_OF_CLAIM_ACKNOWLEDGED, records()),
        ),
        m.SupplyHealthRecords(supplied_on=EVENT),
        S.LETTER_OF_CLAIM_ACKNOWLEDGED,
        book={RECORDS: met()},
    ),
    Accepts(
        "receive_letter_of_notification",
        at(S.NOTIFIED),
        LETTER,
        S.LETTER_OF_NOTIFICATION_RECEIVED,
        book={NOTIFICATION_ACK: new(date(2026, 12, 3))},
    ),
    Accepts(
        "acknowledge_letter_of_notification",
        at(S.LETTER_OF_NOTIFICATION_RECEIVED),
        SENT,
        S.LETTER_OF_NOTIFICATION_ACKNOWLEDGED,
        book={NOTIFICATION_ACK: met(), REVIEW: met()},
    ),
    Accepts(
        "receive_letter_of_claim",
        at(S.NOTIFIED),
        LETTER,
        S.LETTER_OF_CLAIM_RECEIVED,
        book={CLAIM_ACK: new(date(2026, 12, 3)), RESPONSE: new(date(2027, 3, 19))},
    ),
    Accepts(
        "receive_letter_of_claim",
        at(S.LETTER_OF_NOTIFICATION_ACKNOWLEDGED),
        LETTER,
        S.LETTER_OF_CLAIM_RECEIVED,
        book={CLAIM_ACK: new(date(2026, 12, 3)), RESPONSE: new(date(2027, 3, 19))},
        label="after a letter of notification",
    ),
    Accepts(
        "acknowledge_letter_of_claim",
        at(S.LETTER_OF_CLAIM_RECEIVED),
        SENT,
        S.LETTER_OF_CLAIM_ACKNOWLEDGED,
        book={CLAIM_ACK: met(), REVIEW: met()},
    ),
    Accepts(
        "open_investigation",
        at(
            S.LETTER_OF_NOTIFICATION_ACKNOWLEDGED, deadlines=with_deadlines(S.NOTIFIED, notification_ack(MET))
        ),
        m.OpenInvestigation(experts=[OBSTETRICS]),
        S.INVESTIGATING,
        {"experts": [OBSTETRICS]},
        book={REVIEW: met(TODAY)},  # no date of its own: met today
    ),
    Accepts(
        "open_investigation",
        at(S.LETTER_OF_CLAIM_ACKNOWLEDGED),
        m.OpenInvestigation(experts=[OBSTETRICS, CARE]),
        S.INVESTIGATING,
        {"experts": [OBSTETRICS, CARE]},
        label="after a letter of claim",
    ),
    Accepts(
        "instruct_experts",
        at(S.INVESTIGATING),
        m.InstructExperts(experts=[CARE]),
        S.INVESTIGATING,
        {"experts": [OBSTETRICS, CARE]},
    ),
    Accepts(
        "extend_response_period",
        at(S.LETTER_OF_CLAIM_ACKNOWLEDGED),
        EXTEND_RESPONSE,
        S.LETTER_OF_CLAIM_ACKNOWLEDGED,
        book={RESPONSE: {"status": "extended", "due_on": RESPONSE_DUE + timedelta(days=30), "revision": 2}},
    ),
    Accepts(
        "record_standstill_agreement",
        at(S.NEGOTIATING),
        STANDSTILL,
        S.NEGOTIATING,
        {"standstill_until": STANDSTILL.until},
        book={
            LIMITATION: {
                "due_on": STANDSTILL.until,
                "trigger": "record_standstill_agreement",
                "revision": 2,
            }
        },
    ),
    Accepts(
        "record_death",
        at(S.INVESTIGATING),
        DEATH,
        S.INVESTIGATING,
        {"death": DEATH},
        # LA 1980 s.11(5): the estate has 3 years from the death.
        book={LIMITATION: {"due_on": date(2029, 11, 19), "trigger": "record_death", "revision": 2}},
    ),
    Accepts(
        "record_death",
        at(S.NEGOTIATING),
        DEPENDANTS_CLAIM,
        S.NEGOTIATING,
        {"death": DEPENDANTS_CLAIM},
        book={
            # s.11(5)(b): from the personal representative's later knowledge.
            LIMITATION: {"due_on": date(2029, 4, 1), "trigger": "record_death", "revision": 2},
            # s.12(2)(b): the dependants' claim from their later knowledge, a deadline of its own.
            DEPENDANTS_LIMITATION: new(date(2029, 5, 4), INCIDENT),
        },
        label="a Fatal Accidents Act claim for the dependants",
    ),
    Accepts(
        "send_letter_of_response",
        at(S.INVESTIGATING),
        LOR,
        S.LETTER_OF_RESPONSE_SENT,
        {"liability": m.LiabilityPosition.ADMITTED, "apology_given": True},
        # Arriving at a stock-take stage sets its stock-take (PAP section 6).
        book={RESPONSE: met(), STOCKTAKE: new(date(2026, 12, 17))},
    ),
    Accepts(
        "hold_stocktake",
        at(S.LETTER_OF_RESPONSE_SENT),
        STOCKTAKE_HELD,
        S.LETTER_OF_RESPONSE_SENT,
        {"stocktakes": [m.Stocktake(held_on=EVENT, outcome="action_agreed", notes="quantum next")]},
        book={STOCKTAKE: met()},
    ),
    Accepts(
        "hold_stocktake",
        at(S.IN_LITIGATION, deadlines=with_deadlines(S.IN_LITIGATION, stocktake(MET))),
        STOCKTAKE_HELD,
        S.IN_LITIGATION,
        {"stocktakes": [m.Stocktake(held_on=EVENT, outcome="action_agreed", notes="quantum next")]},
        label="none due",
    ),
    # --- offers (CPR 36)
    Accepts(
        "make_offer",
        at(S.LETTER_OF_RESPONSE_SENT),
        PART_36,
        S.NEGOTIATING,
        {
            "offers": [
                m.Offer(
                    no=1,
                    by=m.Side.DEFENDANT,
                    amount=D("200000.00"),
                    heads_of_loss=[],
                    part_36=True,
                    **EMAILED_OFFER,
                    responds_to=None,
                    relevant_period_days=28,
                )
            ]
        },
        book={STOCKTAKE: {"status": WAIVED}, PERIOD_1: new(date(2026, 12, 17))},  # its own period of 28 days
        later={"offers.0.relevant_period_ends_on": date(2026, 12, 17)},
    ),
    Accepts(
        "make_offer",
        at(S.LETTER_OF_RESPONSE_SENT),
        POSTED,
        S.NEGOTIATING,
        {
            "offers": [
                m.Offer(
                    no=1,
                    by=m.Side.DEFENDANT,
                    amount=D("200000.00"),
                    heads_of_loss=[],
                    part_36=True,
                    made_on=EVENT,  # the day it was posted, until its deemed service is computed
                    sent_at=POSTED.sent_at,
                    method="first_class_post",
                    responds_to=None,
                    relevant_period_days=21,
                )
            ]
        },
        # CPR 6.26: posted Thu 19 Nov, the second day is a Saturday, so served Mon 23 Nov; the
        # relevant period runs 21 days from then.
        book={STOCKTAKE: {"status": WAIVED}, PERIOD_1: new(date(2026, 12, 14), date(2026, 11, 23))},
        later={
            "offers.0.made_on": date(2026, 11, 23),
            "offers.0.relevant_period_ends_on": date(2026, 12, 14),
        },
        label="posted: made when deemed served",
    ),
    Accepts(
        "make_offer",
        at(S.LETTER_OF_RESPONSE_SENT),
        ORDINARY,
        S.NEGOTIATING,
        {"offers": [ordinary(by=m.Side.DEFENDANT, amount=D("200000.00"), heads_of_loss=[], **EMAILED_OFFER)]},
        label="ordinary: no relevant period",
        book={STOCKTAKE: {"status": WAIVED}},
    ),
    Accepts(
        "make_offer",
        at(S.NEGOTIATING, offers=[ordinary()]),
        COUNTER,
        S.NEGOTIATING,
        {
            "offers.0.status": "lapsed",
            "offers.0.closed_on": EVENT,
            "offers.1": ordinary(
                2,
                by=m.Side.DEFENDANT,
                amount=D("220000.00"),
                heads_of_loss=[],
                **EMAILED_OFFER,
                responds_to=1,
            ),
        },
        label="a counter-offer rejects an ordinary offer",
    ),
    Accepts(
        "make_offer",
        at(S.NEGOTIATING, offers=[ordinary()]),
        COUNTER.model_copy(update={"sent_at": POSTED_AT, "method": ServiceMethod.FIRST_CLASS_POST}),
        S.NEGOTIATING,
        {
            "offers.0.status": "lapsed",
            "offers.0.closed_on": EVENT,
            "offers.1": ordinary(
                2,
                by=m.Side.DEFENDANT,
                amount=D("220000.00"),
                heads_of_loss=[],
                made_on=EVENT,
                sent_at=POSTED_AT,
                method="first_class_post",
                responds_to=1,
            ),
        },
        # Both on the day the counter-offer is deemed served, Mon 23 Nov (CPR 6.26, 36.7).
        later={"offers.0.closed_on": date(2026, 11, 23), "offers.1.made_on": date(2026, 11, 23)},
        label="a posted counter-offer rejects it when deemed served",
    ),
    Accepts(
        "make_offer",
        at(S.NEGOTIATING),
        COUNTER,
        S.NEGOTIATING,
        {
            "offers.1": ordinary(
                2,
                by=m.Side.DEFENDANT,
                amount=D("220000.00"),
                heads_of_loss=[],
                **EMAILED_OFFER,
                responds_to=1,
            )
        },
        label="a counter-offer leaves a Part 36 offer open",
    ),
    *[
        Accepts(
            "make_offer",
            at(stage, offers=[]),
            ORDINARY,
            stage,
            {
                "offers": [
                    ordinary(by=m.Side.DEFENDANT, amount=D("200000.00"), heads_of_loss=[], **EMAILED_OFFER)
                ]
            },
            label=f"while a route runs: {stage}",
        )
        for stage in (S.IN_MEDIATION, S.IN_EARLY_NEUTRAL_EVALUATION, S.IN_RESOLUTION_SUMMIT, S.IN_LITIGATION)
    ],
    Accepts(
        "request_offer_clarification",
        at(S.NEGOTIATING),
        QUESTION,
        S.NEGOTIATING,
        {"offers.0.clarifications": [m.OfferClarification(question=QUESTION.question, requested_on=EVENT)]},
        book={CLARIFY_1: new(day(6))},  # CPR 36.8(2): 7 days from the request
    ),
    Accepts(
        "request_offer_clarification",
        at(S.NEGOTIATING, offers=[offer(made_on=day(-8))]),
        QUESTION,
        S.NEGOTIATING,
        {"offers.0.clarifications": [m.OfferClarification(question=QUESTION.question, requested_on=EVENT)]},
        book={CLARIFY_1: new(day(6))},
        label="on the seventh day",
    ),
    Accepts(
        "clarify_offer",
        at(
            S.NEGOTIATING,
            offers=[offer(clarifications=ASKED)],
            deadlines=with_deadlines(S.NEGOTIATING, clarification()),
        ),
        ANSWER,
        S.NEGOTIATING,
        {"offers.0.clarifications.0.answer": ANSWER.answer, "offers.0.clarifications.0.clarified_on": EVENT},
        book={CLARIFY_1: met()},
    ),
    Accepts(
        "clarify_offer",
        at(
            S.NEGOTIATING,
            offers=[
                offer(
                    clarifications=[*ASKED, m.OfferClarification(question="And costs?", requested_on=EVENT)]
                )
            ],
            deadlines=with_deadlines(S.NEGOTIATING, clarification()),
        ),
        ANSWER,
        S.NEGOTIATING,
        {"offers.0.clarifications.0.answer": ANSWER.answer, "offers.0.clarifications.0.clarified_on": EVENT},
        label="another question still awaits an answer",
    ),
    Accepts(
        "change_offer",
        at(S.NEGOTIATING),
        WORSE,
        S.NEGOTIATING,
        {
            "offers.0.status": "change_pending",
            "offers.0.changes": [
                m.OfferChange(
                    amount=WORSE.amount,
                    previous_amount=D("250000.00"),
                    notice_on=EVENT,
                    effective_on=None,
                    more_advantageous=False,
                )
            ],
        },
        label="worse terms wait for the relevant period",
    ),
    Accepts(
        "change_offer",
        at(S.NEGOTIATING),
        BETTER,
        S.NEGOTIATING,
        {
            "offers.0.amount": BETTER.amount,
            "offers.0.changes": [
                m.OfferChange(
                    amount=BETTER.amount,
                    previous_amount=D("250000.00"),
                    notice_on=EVENT,
                    effective_on=EVENT,
                    more_advantageous=True,
                )
            ],
        },
        book={PERIOD_1: new(date(2026, 12, 10), trigger="change_offer", revision=2)},
        later={"offers.0.relevant_period_ends_on": date(2026, 12, 10)},
        label="better terms at once, with a new relevant period",
    ),
    Accepts(
        "change_offer",
        at(
            S.NEGOTIATING,
            offers=[offer(relevant_period_expired=True)],
            deadlines=with_deadlines(S.NEGOTIATING, period(status=WAIVED)),
        ),
        WORSE,
        S.NEGOTIATING,
        {
            "offers.0.amount": WORSE.amount,
            "offers.0.changes": [
                m.OfferChange(
                    amount=WORSE.amount,
                    previous_amount=D("250000.00"),
                    notice_on=EVENT,
                    effective_on=EVENT,
                    more_advantageous=False,
                )
            ],
        },
        label="worse terms after the relevant period, at once",
    ),
    Accepts(
        "withdraw_offer",
        at(S.NEGOTIATING),
        WITHDRAW,
        S.NEGOTIATING,
        {"offers.0.status": "withdrawal_pending", "offers.0.withdrawal_notice_on": EVENT},
        label="Part 36 within its period: pending, the period runs on",
    ),
    Accepts(
        "withdraw_offer",
        at(S.NEGOTIATING, offers=[ordinary()], deadlines=without(S.NEGOTIATING, PERIOD_1)),
        WITHDRAW,
        S.NEGOTIATING,
        {"offers.0.status": "withdrawn", "offers.0.closed_on": EVENT},
        label="ordinary",
    ),
    Accepts(
        "withdraw_offer",
        at(
            S.NEGOTIATING,
            offers=[offer(made_on=day(-25), relevant_period_ends_on=day(-4))],
            deadlines=with_deadlines(S.NEGOTIATING, period(due_on=day(-4))),
        ),
        WITHDRAW,
        S.NEGOTIATING,
        {
            "offers.0.status": "withdrawn",
            "offers.0.closed_on": EVENT,
            "offers.0.relevant_period_expired": True,
        },
        book={PERIOD_1: {"status": WAIVED}},
        label="Part 36 after its period: at once",
    ),
    Accepts(
        "accept_offer",
        at(S.NEGOTIATING),
        ACCEPT,
        S.OFFER_ACCEPTED,
        {"offers.0.status": "accepted", "offers.0.closed_on": EVENT},
        book={STOCKTAKE: {"status": WAIVED}, PERIOD_1: met()},
    ),
    Accepts(
        "accept_offer",
        at(S.NEGOTIATING, offers=[offer(), ordinary(2, by=m.Side.DEFENDANT, amount=D("200000.00"))]),
        m.AcceptOffer(offer_no=2, accepted_on=EVENT),
        S.OFFER_ACCEPTED,
        {
            "offers.0.status": "lapsed",
            "offers.0.closed_on": EVENT,
            "offers.1.status": "accepted",
            "offers.1.closed_on": EVENT,
        },
        book={STOCKTAKE: {"status": WAIVED}, PERIOD_1: {"status": WAIVED}},
        label="the other offers lapse",
    ),
    Accepts(
        "accept_offer",
        at(S.NEGOTIATING, offers=[offer(status="withdrawal_pending", withdrawal_notice_on=day(-3))]),
        ACCEPT,
        S.OFFER_ACCEPTED,
        {"offers.0.status": "accepted", "offers.0.closed_on": EVENT},
        book={STOCKTAKE: {"status": WAIVED}, PERIOD_1: met()},
        label="a withdrawal pending within the period",
    ),
    Accepts(
        "accept_offer",
        at(
            S.NEGOTIATING,
            offers=[
                offer(
                    status="change_pending",
                    changes=[
                        m.OfferChange(
                            amount=D("260000.00"),
                            previous_amount=D("250000.00"),
                            notice_on=day(-3),
                            effective_on=None,
                            more_advantageous=False,
                        )
                    ],
                )
            ],
        ),
        ACCEPT,
        S.OFFER_ACCEPTED,
        {"offers.0.status": "accepted", "offers.0.closed_on": EVENT},  # on the terms before the change
        book={STOCKTAKE: {"status": WAIVED}, PERIOD_1: met()},
        label="a pending change never takes effect",
    ),
    Accepts(
        "accept_offer",
        at(S.IN_LITIGATION),
        ACCEPT,
        S.OFFER_ACCEPTED,
        {"offers.0.status": "accepted", "offers.0.closed_on": EVENT},
        book={STOCKTAKE: {"status": WAIVED}, PERIOD_1: met()},
        label="in litigation",
    ),
    # --- settlement and payment
    Accepts(
        "record_settlement",
        at(S.LETTER_OF_RESPONSE_SENT),
        SETTLE,
        S.SETTLED,
        {"settlement": m.Settlement(**SETTLE.model_dump())},
        book={STOCKTAKE: {"status": WAIVED}},
    ),
    Accepts(
        "record_settlement",
        at(S.LETTER_OF_RESPONSE_SENT, opening=CHILD),
        SETTLE,
        S.AWAITING_APPROVAL,
        {"settlement": m.Settlement(**SETTLE.model_dump())},
        label="a child's waits for the court",
        book={STOCKTAKE: {"status": WAIVED}},
    ),
    Accepts(
        "record_settlement",
        at(
            S.LETTER_OF_RESPONSE_SENT,
            opening=ADULT.model_copy(
                update={"claimant": ADULT.claimant.model_copy(update={"protected_party": True})}
            ),
        ),
        SETTLE,
        S.AWAITING_APPROVAL,
        {"settlement": m.Settlement(**SETTLE.model_dump())},
        label="a protected party's waits for the court",
        book={STOCKTAKE: {"status": WAIVED}},
    ),
    Accepts(
        "record_settlement",
        at(S.OFFER_ACCEPTED),
        SETTLE,
        S.SETTLED,
        {"settlement": m.Settlement(**SETTLE.model_dump())},
        label="the accepted offer's terms",
        book={STOCKTAKE: {"status": WAIVED}},
    ),
    Accepts(
        "record_settlement",
        at(S.NEGOTIATING),
        SETTLE,
        S.SETTLED,
        {
            "settlement": m.Settlement(**SETTLE.model_dump()),
            "offers.0.status": "lapsed",
            "offers.0.closed_on": EVENT,
        },
        book={STOCKTAKE: {"status": WAIVED}, PERIOD_1: {"status": WAIVED}},
        label="open offers lapse",
    ),
    Accepts(
        "record_court_approval",
        at(S.AWAITING_APPROVAL),
        APPROVED,
        S.SETTLED,
        {"settlement.approval": m.CourtApproval(**APPROVED.model_dump())},
    ),
    Accepts(
        "record_court_approval",
        at(S.AWAITING_APPROVAL, offers=[offer(status="accepted", closed_on=day(-12))]),
        NOT_APPROVED,
        S.NEGOTIATING,
        {
            "settlement": None,
            "refused_settlements": [
                SETTLEMENT.model_copy(update={"approval": m.CourtApproval(**NOT_APPROVED.model_dump())})
            ],
            "offers.0.status": "approval_refused",
        },
        label="refused: never valid, back to negotiating",
    ),
    Accepts(
        "record_court_approval",
        at(
            S.AWAITING_APPROVAL,
            offers=[offer(status="lapsed", closed_on=day(-10))],
            deadlines=with_deadlines(S.AWAITING_APPROVAL, period()),
        ),
        APPROVED,
        S.SETTLED,
        {"settlement.approval": m.CourtApproval(**APPROVED.model_dump())},
        book={PERIOD_1: {"status": WAIVED}},
        label="a lapsed offer's period still running is closed",
    ),
    Accepts(
        "record_payment",
        at(S.SETTLED),
        PAY,
        S.PAID,
        {"payments": [m.Payment(**PAY.model_dump())]},
        outside=(recorded_payment(PAY),),
    ),
    Accepts(
        "record_payment",
        at(S.PAID, payments=[PAID_IN_FULL.model_copy(update={"amount": D("250000.00")})]),
        m.RecordPayment(
            paid_on=EVENT,
            amount=D("35000.00"),
            payee="claimant_solicitors",
            reference="COSTS-1",
            kind=m.PaymentKind.COSTS,
        ),
        S.PAID,
        {
            "payments.1": m.Payment(
                paid_on=EVENT,
                amount=D("35000.00"),
                payee="claimant_solicitors",
                reference="COSTS-1",
                kind=m.PaymentKind.COSTS,
            )
        },
        outside=(("activity", "record_payment", {"claim_ref": REF, "payment": {"reference": "COSTS-1"}}),),
        label="costs, once paid",
    ),
    Accepts(
        "record_payment",
        at(S.NEGOTIATING),
        INTERIM,
        S.NEGOTIATING,
        {"payments": [m.Payment(**INTERIM.model_dump())]},
        outside=(recorded_payment(INTERIM),),
        label="interim before settlement",
    ),
    Accepts(
        "record_payment",
        at(S.NEGOTIATING, opening=CHILD),
        INTERIM.model_copy(update={"court_approval_reference": "K00CL999"}),
        S.NEGOTIATING,
        {"payments": [m.Payment(**INTERIM.model_dump() | {"court_approval_reference": "K00CL999"})]},
        outside=(("activity", "record_payment", {"payment": {"court_approval_reference": "K00CL999"}}),),
        label="interim to a child, approved",
    ),
    Accepts(
        "record_payment",
        at(
            S.SETTLED,
            settlement=PERIODICAL,
            payments=[PAID_IN_FULL.model_copy(update={"amount": D("235000.00")})],
        ),
        m.RecordPayment(
            paid_on=EVENT,
            amount=D("20000.00"),
            payee="claimant",
            reference="PPO-1",
            kind=m.PaymentKind.PERIODICAL,
        ),
        S.PAID,
        {
            "payments.1": m.Payment(
                paid_on=EVENT,
                amount=D("20000.00"),
                payee="claimant",
                reference="PPO-1",
                kind=m.PaymentKind.PERIODICAL,
            )
        },
        outside=(("activity", "record_payment", {"payment": {"kind": "periodical"}}),),
        label="periodical, beyond the lump sum",
    ),
    Accepts(
        "record_payment",
        at(S.SETTLED, payments=[m.Payment(**INTERIM.model_dump())]),
        PAY.model_copy(update={"amount": D("235000.00")}),
        S.PAID,
        {"payments.1": m.Payment(**PAY.model_dump() | {"amount": D("235000.00")})},
        outside=(("activity", "record_payment", {"payment": {"amount": "235000.00"}}),),
        label="the rest after an interim payment",
    ),
    # --- routes
    Accepts(
        "propose_mediation",
        at(S.NEGOTIATING),
        MEDIATE,
        S.IN_MEDIATION,
        {"routes": [started(RouteKind.MEDIATION, S.NEGOTIATING, MEDIATE.reason)]},
        outside=(
            child(
                "MediationWorkflow",
                RouteKind.MEDIATION,
                proposed_by="claimant",
                proposed_on=EVENT.isoformat(),
            ),
        ),
        book={STOCKTAKE: {"status": WAIVED}},
    ),
    Accepts(
        "propose_mediation",
        at(S.IN_LITIGATION, routes=[STAYED]),
        MEDIATE,
        S.IN_LITIGATION,
        {"routes.1": started(RouteKind.MEDIATION, S.NEGOTIATING, MEDIATE.reason)},
        outside=(child("MediationWorkflow", RouteKind.MEDIATION),),
        label="during a stay the claim stays in litigation",
    ),
    Accepts(
        "propose_mediation",
        at(S.NEGOTIATING, routes=[ENDED_MEDIATION]),
        MEDIATE,
        S.IN_MEDIATION,
        {"routes.1": started(RouteKind.MEDIATION, S.NEGOTIATING, MEDIATE.reason, n=2)},
        outside=(child("MediationWorkflow", RouteKind.MEDIATION, n=2),),
        label="a second mediation",
        book={STOCKTAKE: {"status": WAIVED}},
    ),
    Accepts(
        "agree_early_neutral_evaluation",
        at(S.LETTER_OF_CLAIM_ACKNOWLEDGED, opening=CHILD),
        EVALUATE,
        S.IN_EARLY_NEUTRAL_EVALUATION,
        {
            "routes": [
                started(RouteKind.EARLY_NEUTRAL_EVALUATION, S.LETTER_OF_CLAIM_ACKNOWLEDGED, EVALUATE.reason)
            ]
        },
        outside=(
            child(
                "EarlyNeutralEvaluationWorkflow",
                RouteKind.EARLY_NEUTRAL_EVALUATION,
                child_or_protected_party=True,
                agreed_on=EVENT.isoformat(),
                ordered_by_court=False,
            ),
        ),
    ),
    Accepts(
        "agree_early_neutral_evaluation",
        at(S.IN_LITIGATION, routes=[STAYED]),
        EVALUATE,
        S.IN_LITIGATION,
        {"routes.1": started(RouteKind.EARLY_NEUTRAL_EVALUATION, S.NEGOTIATING, EVALUATE.reason)},
        outside=(child("EarlyNeutralEvaluationWorkflow", RouteKind.EARLY_NEUTRAL_EVALUATION),),
        label="during a stay the claim stays in litigation",
    ),
    Accepts(
        "record_proceedings_issued",
        at(S.NOTIFIED),
        ISSUED,
        S.IN_LITIGATION,
        {
            "routes": [started(RouteKind.LITIGATION, S.NOTIFIED, ISSUED.reason)],
            "protocol_departures": [WITHOUT_LETTER_OF_CLAIM],
        },
        outside=(child("LitigationWorkflow", RouteKind.LITIGATION, claim_number="KB-2026-000123"),),
    ),
    Accepts(
        "record_proceedings_issued",
        at(S.NOTIFIED, hold=HELD),
        ISSUED,
        S.IN_LITIGATION,
        {
            "routes": [started(RouteKind.LITIGATION, S.NOTIFIED, ISSUED.reason)],
            "protocol_departures": [WITHOUT_LETTER_OF_CLAIM],
        },
        outside=(child("LitigationWorkflow", RouteKind.LITIGATION),),
        label="protectively, while on hold",
    ),
    Accepts(
        "record_proceedings_issued",
        at(S.IN_MEDIATION),
        ISSUED,
        S.IN_LITIGATION,
        {
            "routes.1": started(RouteKind.LITIGATION, S.NEGOTIATING, ISSUED.reason),
            "protocol_departures": [WITHIN_PROTOCOL_PERIOD],
        },
        outside=(child("LitigationWorkflow", RouteKind.LITIGATION),),
        label="during mediation",
        book={STOCKTAKE: {"status": WAIVED}},
    ),
    Accepts(
        "record_proceedings_issued",
        at(S.NEGOTIATING, deadlines=with_deadlines(S.NEGOTIATING, response_ended(MET))),
        ISSUED,
        S.IN_LITIGATION,
        {"routes": [started(RouteKind.LITIGATION, S.NEGOTIATING, ISSUED.reason)]},
        outside=(child("LitigationWorkflow", RouteKind.LITIGATION),),
        label="once the protocol's 4 months are up: nothing flagged",
        book={STOCKTAKE: {"status": WAIVED}},
    ),
    Accepts(
        "join_summit",
        at(S.NEGOTIATING),
        JOIN,
        S.IN_RESOLUTION_SUMMIT,
        {
            "routes": [
                RouteRecord(
                    ref=SUMMIT_REF,
                    kind=RouteKind.RESOLUTION_SUMMIT,
                    workflow_id=JOIN.summit_workflow_id,
                    started_at=NOW,
                    started_by=OWNER,
                    reason="summit with SRA-100200",
                    stage="joined",
                    return_to=S.NEGOTIATING.value,
                )
            ]
        },
        book={STOCKTAKE: {"status": WAIVED}},
    ),
    Accepts(
        "join_summit",
        at(S.IN_LITIGATION, routes=[STAYED]),
        JOIN,
        S.IN_LITIGATION,
        {"routes.1": route(RouteKind.RESOLUTION_SUMMIT, started_at=NOW, reason="summit with SRA-100200")},
        label="during a stay the claim stays in litigation",
    ),
    Accepts(
        "join_summit",
        at(S.IN_RESOLUTION_SUMMIT),
        JOIN,
        S.IN_RESOLUTION_SUMMIT,
        label="the same summit again: nothing changes",
    ),
    Accepts(
        "leave_summit",
        at(S.IN_RESOLUTION_SUMMIT),
        LEAVE,
        S.NEGOTIATING,
        {
            "routes.0.ended_at": NOW,
            "routes.0.outcome": RouteOutcome(
                result=RouteResult.DECLINED, reason="removed: not ready for the summit"
            ),
        },
        book={STOCKTAKE: {"status": WAIVED}},
    ),
    Accepts(
        "leave_summit",
        at(S.IN_LITIGATION, routes=[STAYED, SUMMIT]),
        LEAVE,
        S.IN_LITIGATION,
        {
            "routes.1.ended_at": NOW,
            "routes.1.outcome": RouteOutcome(
                result=RouteResult.DECLINED, reason="removed: not ready for the summit"
            ),
        },
        label="during a stay the claim stays in litigation",
    ),
    Accepts(
        "link_case",
        at(S.NOTIFIED),
        LINK,
        S.NOTIFIED,
        {"links": [CaseLink(**LINK.model_dump(), linked_at=NOW)]},
    ),
    Accepts(
        "link_case",
        at(S.CLOSED, links=[CaseLink(**LINK.model_dump(), linked_at=OPENED)]),
        LINK,
        S.CLOSED,
        label="linked already, closed: nothing changes",
    ),
    # --- coding
    Accepts(
        "code_claim",
        at(S.INVESTIGATING),
        CODING,
        S.INVESTIGATING,
        {"coding": m.ClaimCoding(**CODING.model_dump(), coded_by=OWNER, coded_at=NOW)},
        outside=(("local activity", "check_coding", {"specialty": "specialty.obstetrics"}),),
    ),
    Accepts(
        "code_claim",
        at(S.CLOSED, coding=CODED),
        CODING.model_copy(update={"themes": ["theme.handover"], "reason": "handover was the theme"}),
        S.CLOSED,
        {
            "coding.themes": ["theme.handover"],
            "coding.reason": "handover was the theme",
            "coding.coded_at": NOW,
        },
        outside=(("local activity", "check_coding", {"themes": ["theme.handover"]}),),
        label="closed, coded again",
    ),
    # --- closing and reopening
    Accepts(
        "close",
        at(S.NEGOTIATING),
        CLOSE,
        S.CLOSED,
        {"outcome": m.ClosureOutcome.WITHDRAWN},
        book={
            STOCKTAKE: {"status": WAIVED},
            LIMITATION: {"status": WAIVED},
            PERIOD_1: {"status": WAIVED},
        },
    ),
    Accepts(
        "close",
        at(S.PAID, coding=CODED),
        m.Close(outcome=m.ClosureOutcome.SETTLED_WITH_DAMAGES),
        S.CLOSED,
        {"outcome": m.ClosureOutcome.SETTLED_WITH_DAMAGES},
        book={LIMITATION: {"status": WAIVED}},
        label="paid",
    ),
    Accepts(
        "close",
        at(S.PROCEEDINGS_CONCLUDED),
        m.Close(outcome=m.ClosureOutcome.DISCONTINUED),
        S.CLOSED,
        {"outcome": m.ClosureOutcome.DISCONTINUED},
        book={STOCKTAKE: {"status": WAIVED}, LIMITATION: {"status": WAIVED}},
        label="proceedings concluded",
    ),
    Accepts(
        "reopen",
        at(S.CLOSED),
        REOPEN,
        S.NEGOTIATING,
        {"outcome": None, "closed_at": None, "stage_before_closure": None},
        # Closure waived every deadline; limitation runs again.
        book={LIMITATION: new(LIMITATION_ON, INCIDENT, trigger="reopen", revision=2, status=OPEN_)},
        role=Role.SUPERVISOR,
    ),
    Accepts(
        "reopen",
        at(S.CLOSED, stage_before_closure=None),
        REOPEN,
        S.NOTIFIED,
        {"outcome": None, "closed_at": None},
        book={LIMITATION: new(LIMITATION_ON, INCIDENT, trigger="reopen", revision=2, status=OPEN_)},
        role=Role.SUPERVISOR,
        label="closed before a stage was kept: notified",
    ),
    Accepts(
        "reopen",
        at(S.CLOSED, stage_before_closure=S.LETTER_OF_RESPONSE_SENT),
        REOPEN,
        S.LETTER_OF_RESPONSE_SENT,
        {"outcome": None, "closed_at": None, "stage_before_closure": None},
        book={
            LIMITATION: new(LIMITATION_ON, INCIDENT, trigger="reopen", revision=2, status=OPEN_),
            STOCKTAKE: new(date(2026, 12, 18), TODAY, trigger="reopen", revision=2, status=OPEN_),
        },
        role=Role.SUPERVISOR,
        label="to a stock-take stage: a new stock-take",
    ),
    Accepts(
        "correct_date",
        at(S.LETTER_OF_CLAIM_RECEIVED),
        CORRECT,
        S.LETTER_OF_CLAIM_RECEIVED,
        book={
            CLAIM_ACK: new(day(4), day(-10), trigger="receive_letter_of_claim", revision=2),
            RESPONSE: new(date(2027, 3, 10), day(-10), trigger="receive_letter_of_claim", revision=2),
        },
    ),
    Accepts(
        "correct_date",
        at(
            S.LETTER_OF_CLAIM_ACKNOWLEDGED,
            hold=HELD,
            deadlines=with_deadlines(
                S.LETTER_OF_CLAIM_ACKNOWLEDGED,
                response().model_copy(update={"status": DeadlineStatus.EXTENDED}),
            ),
        ),
        CORRECT,
        S.LETTER_OF_CLAIM_ACKNOWLEDGED,
        # A met deadline shows its corrected date and stays met; an agreed extension stays.
        book={
            CLAIM_ACK: new(
                day(4), day(-10), trigger="receive_letter_of_claim", revision=2, status=MET, met_on=day(-2)
            )
        },
        label="on hold, one met and one extended",
    ),
]

REFUSES: list[Refuses] = [
    Refuses("record_death", at(S.INVESTIGATING), m.Death(died_on=FUTURE), "date_in_future"),
    unavailable("record_death", at(S.INVESTIGATING, death=DEATH), DEATH, "death_already_recorded"),
    # --- what every case has
    Refuses(
        "extend_deadline",
        at(S.LETTER_OF_CLAIM_RECEIVED),
        EXTEND_ACK.model_copy(update={"deadline": "nothing_due"}),
        "unknown_deadline",
    ),
    Refuses("extend_deadline", at(S.LETTER_OF_CLAIM_ACKNOWLEDGED), EXTEND_ACK, "deadline_closed"),
    Refuses(
        "extend_deadline",
        at(S.LETTER_OF_CLAIM_RECEIVED),
        EXTEND_ACK.model_copy(update={"new_due_on": day(11)}),
        "extension_not_later",
    ),
    Refuses(
        "extend_deadline",
        at(S.LETTER_OF_CLAIM_RECEIVED),
        EXTEND_ACK.model_copy(update={"new_due_on": day(40)}),
        "extension_too_long",
        policy=STRICTER,
    ),
    Refuses(
        "waive_deadline",
        at(S.NOTIFIED),
        cases.WaiveDeadline(deadline="nothing_due", reason="x"),
        "unknown_deadline",
        role=Role.SUPERVISOR,
    ),
    Refuses(
        "waive_deadline",
        at(S.LETTER_OF_CLAIM_ACKNOWLEDGED),
        cases.WaiveDeadline(deadline=CLAIM_ACK, reason="x"),
        "deadline_closed",
        role=Role.SUPERVISOR,
    ),
    Refuses(
        "acknowledge_escalation",
        at(S.NOTIFIED),
        ACK.model_copy(update={"deadline": "nothing_due"}),
        "unknown_deadline",
        role=Role.SUPERVISOR,
    ),
    Refuses(
        "acknowledge_escalation",
        at(S.NOTIFIED, deadlines=with_deadlines(S.NOTIFIED, FIRED)),
        ACK.model_copy(update={"step": "supervisor"}),
        "unknown_escalation",
        role=Role.SUPERVISOR,
    ),
    Refuses(
        "acknowledge_escalation",
        at(S.NOTIFIED),
        ACK,
        "unknown_escalation",
        role=Role.SUPERVISOR,
        label="not fired yet",
    ),
    Refuses(
        "acknowledge_escalation",
        at(
            S.NOTIFIED,
            deadlines=with_deadlines(S.NOTIFIED, FIRED),
            acknowledged_escalations=[f"{REVIEW}:1:warning"],
        ),
        ACK,
        "already_acknowledged",
        role=Role.SUPERVISOR,
    ),
    # --- the claim's own
    Refuses("reassign", at(S.NOTIFIED), m.Reassign(handler=OWNER), "same_handler", role=Role.SUPERVISOR),
    Refuses(
        "request_health_records",
        at(S.NOTIFIED),
        m.RequestHealthRecords(requested_on=FUTURE),
        "date_in_future",
    ),
    unavailable(
        "request_health_records",
        at(S.NOTIFIED, deadlines=with_deadlines(S.NOTIFIED, records())),
        m.RequestHealthRecords(requested_on=EVENT),
        "records_already_requested",
    ),
    Refuses(
        "supply_health_records",
        at(S.NOTIFIED, deadlines=with_deadlines(S.NOTIFIED, records())),
        m.SupplyHealthRecords(supplied_on=FUTURE),
        "date_in_future",
    ),
    unavailable(
        "supply_health_records",
        at(S.NOTIFIED),
        m.SupplyHealthRecords(supplied_on=EVENT),
        "records_not_requested",
    ),
    unavailable(
        "supply_health_records",
        at(S.NEGOTIATING, deadlines=with_deadlines(S.NEGOTIATING, records(MET))),
        m.SupplyHealthRecords(supplied_on=EVENT),
        "records_already_supplied",
    ),
    Refuses(
        "receive_letter_of_notification",
        at(S.NOTIFIED),
        m.ReceiveLetter(received_on=FUTURE),
        "date_in_future",
    ),
    Refuses(
        "acknowledge_letter_of_notification",
        at(S.LETTER_OF_NOTIFICATION_RECEIVED),
        m.AcknowledgeLetter(sent_on=FUTURE),
        "date_in_future",
    ),
    Refuses("receive_letter_of_claim", at(S.NOTIFIED), m.ReceiveLetter(received_on=FUTURE), "date_in_future"),
    Refuses(
        "acknowledge_letter_of_claim",
        at(S.LETTER_OF_CLAIM_RECEIVED),
        m.AcknowledgeLetter(sent_on=FUTURE),
        "date_in_future",
    ),
    unavailable(
        "extend_response_period",
        at(S.INVESTIGATING, deadlines=BOOKS[S.LETTER_OF_NOTIFICATION_ACKNOWLEDGED]()),
        EXTEND_RESPONSE,
        "no_letter_of_claim",
        label="investigating after a letter of notification",
    ),
    Refuses(
        "extend_response_period",
        at(S.INVESTIGATING, deadlines=with_deadlines(S.INVESTIGATING, response(WAIVED))),
        EXTEND_RESPONSE,
        "deadline_closed",
    ),
    Refuses(
        "extend_response_period",
        at(S.LETTER_OF_CLAIM_RECEIVED),
        EXTEND_RESPONSE.model_copy(update={"new_due_date": RESPONSE_DUE}),
        "extension_not_later",
    ),
    Refuses(
        "extend_response_period",
        at(S.LETTER_OF_CLAIM_RECEIVED),
        EXTEND_RESPONSE.model_copy(update={"new_due_date": RESPONSE_DUE + timedelta(days=29)}),
        "extension_too_long",
        policy=STRICTER,
    ),
    Refuses(
        "send_letter_of_response",
        at(S.INVESTIGATING),
        LOR.model_copy(update={"sent_on": FUTURE}),
        "date_in_future",
    ),
    Refuses(
        "hold_stocktake",
        at(S.NEGOTIATING),
        STOCKTAKE_HELD.model_copy(update={"held_on": FUTURE}),
        "date_in_future",
    ),
    # --- offers
    Refuses(
        "make_offer",
        at(S.NEGOTIATING),
        PART_36.model_copy(update={"sent_at": NOW + timedelta(minutes=1)}),
        "date_in_future",
    ),
    Refuses(
        "make_offer",
        at(S.NEGOTIATING),
        COUNTER.model_copy(update={"responds_to": 9}),
        "offer_not_open",
        label="unknown",
    ),
    Refuses(
        "make_offer",
        at(S.NEGOTIATING, offers=[offer(status="withdrawn", closed_on=day(-2))]),
        COUNTER,
        "offer_not_open",
        label="withdrawn",
    ),
    Refuses(
        "make_offer",
        at(S.NEGOTIATING),
        COUNTER.model_copy(update={"by": m.Side.CLAIMANT}),
        "counter_to_own_offer",
    ),
    Refuses(
        "make_offer",
        at(S.NEGOTIATING),
        PART_36.model_copy(update={"relevant_period_days": 20}),
        "relevant_period_too_short",
    ),
    Refuses(
        "request_offer_clarification",
        at(S.NEGOTIATING),
        QUESTION.model_copy(update={"requested_on": FUTURE}),
        "date_in_future",
    ),
    Refuses(
        "request_offer_clarification",
        at(S.NEGOTIATING),
        QUESTION.model_copy(update={"offer_no": 9}),
        "unknown_offer",
    ),
    Refuses(
        "request_offer_clarification",
        at(S.NEGOTIATING, offers=[offer(status="withdrawn", closed_on=day(-2))]),
        QUESTION,
        "offer_not_open",
    ),
    Refuses(
        "request_offer_clarification",
        at(S.NEGOTIATING, offers=[ordinary()], deadlines=without(S.NEGOTIATING, PERIOD_1)),
        QUESTION,
        "not_part_36",
    ),
    Refuses(
        "request_offer_clarification",
        at(S.NEGOTIATING, deadlines=without(S.NEGOTIATING, PERIOD_1)),
        QUESTION,
        "not_part_36",
        label="made before the workflow kept its period",
    ),
    Refuses(
        "request_offer_clarification",
        at(S.NEGOTIATING),
        QUESTION.model_copy(update={"requested_on": day(-6)}),
        "date_before_offer",
    ),
    Refuses(
        "request_offer_clarification",
        at(S.NEGOTIATING, offers=[offer(made_on=day(-9))]),
        QUESTION,
        "clarification_too_late",
        label="on the eighth day",
    ),
    Refuses(
        "clarify_offer",
        at(S.NEGOTIATING, offers=[offer(clarifications=ASKED)]),
        ANSWER.model_copy(update={"clarified_on": FUTURE}),
        "date_in_future",
    ),
    Refuses("clarify_offer", at(S.NEGOTIATING), ANSWER.model_copy(update={"offer_no": 9}), "unknown_offer"),
    Refuses("clarify_offer", at(S.NEGOTIATING), ANSWER, "no_clarification_requested"),
    Refuses(
        "clarify_offer",
        at(
            S.NEGOTIATING,
            offers=[
                offer(clarifications=[ASKED[0].model_copy(update={"answer": "yes", "clarified_on": day(-2)})])
            ],
        ),
        ANSWER,
        "no_clarification_requested",
        label="answered already",
    ),
    Refuses(
        "change_offer", at(S.NEGOTIATING), WORSE.model_copy(update={"changed_on": FUTURE}), "date_in_future"
    ),
    Refuses("change_offer", at(S.NEGOTIATING), WORSE.model_copy(update={"offer_no": 9}), "unknown_offer"),
    Refuses(
        "change_offer",
        at(S.NEGOTIATING, offers=[offer(status="withdrawal_pending", withdrawal_notice_on=day(-2))]),
        WORSE,
        "offer_not_open",
        label="withdrawal pending",
    ),
    Refuses(
        "change_offer",
        at(S.NEGOTIATING, offers=[offer(status="lapsed", closed_on=day(-2))]),
        WORSE,
        "offer_not_open",
        label="lapsed",
    ),
    Refuses(
        "change_offer",
        at(S.NEGOTIATING, offers=[ordinary()], deadlines=without(S.NEGOTIATING, PERIOD_1)),
        WORSE,
        "not_part_36",
    ),
    Refuses(
        "change_offer",
        at(S.NEGOTIATING),
        WORSE.model_copy(update={"amount": D("250000.00")}),
        "offer_unchanged",
    ),
    Refuses(
        "change_offer",
        at(S.NEGOTIATING),
        WORSE.model_copy(update={"changed_on": day(-6)}),
        "date_before_offer",
    ),
    Refuses(
        "change_offer",
        at(S.NEGOTIATING),
        BETTER.model_copy(update={"relevant_period_days": 14}),
        "relevant_period_too_short",
    ),
    Refuses(
        "withdraw_offer", at(S.NEGOTIATING), WITHDRAW.model_copy(update={"offer_no": 9}), "unknown_offer"
    ),
    Refuses(
        "withdraw_offer",
        at(S.NEGOTIATING, offers=[offer(status="withdrawal_pending", withdrawal_notice_on=day(-2))]),
        WITHDRAW,
        "offer_not_open",
        label="withdrawal pending",
    ),
    Refuses(
        "withdraw_offer",
        at(S.IN_LITIGATION, offers=[offer(status="approval_refused", closed_on=day(-2))]),
        WITHDRAW,
        "offer_not_open",
        label="approval refused",
    ),
    Refuses(
        "withdraw_offer",
        at(S.NEGOTIATING),
        WITHDRAW.model_copy(update={"withdrawn_on": FUTURE}),
        "date_in_future",
    ),
    Refuses(
        "withdraw_offer",
        at(S.NEGOTIATING),
        WITHDRAW.model_copy(update={"withdrawn_on": day(-6)}),
        "date_before_offer",
    ),
    Refuses(
        "accept_offer", at(S.NEGOTIATING), ACCEPT.model_copy(update={"accepted_on": FUTURE}), "date_in_future"
    ),
    Refuses(
        "accept_offer",
        at(S.NEGOTIATING),
        ACCEPT.model_copy(update={"accepted_on": day(-6)}),
        "date_before_offer",
    ),
    Refuses(
        "propose_mediation",
        at(S.NEGOTIATING),
        MEDIATE.model_copy(update={"proposed_on": FUTURE}),
        "date_in_future",
    ),
    Refuses(
        "agree_early_neutral_evaluation",
        at(S.NEGOTIATING),
        EVALUATE.model_copy(update={"agreed_on": FUTURE}),
        "date_in_future",
    ),
    Refuses("accept_offer", at(S.NEGOTIATING), ACCEPT.model_copy(update={"offer_no": 9}), "unknown_offer"),
    Refuses(
        "accept_offer",
        at(S.NEGOTIATING, offers=[ordinary(status="withdrawn", closed_on=day(-2))]),
        ACCEPT,
        "offer_not_open",
        label="withdrawn",
    ),
    Refuses(
        "accept_offer",
        at(S.NEGOTIATING, offers=[offer(status="lapsed", closed_on=day(-2))]),
        ACCEPT,
        "offer_not_open",
        label="lapsed",
    ),
    Refuses(
        "accept_offer",
        at(
            S.NEGOTIATING,
            offers=[
                offer(
                    made_on=day(-25),
                    relevant_period_ends_on=day(-4),
                    status="withdrawal_pending",
                    withdrawal_notice_on=day(-10),
                )
            ],
            deadlines=with_deadlines(S.NEGOTIATING, period(due_on=day(-4))),
        ),
        ACCEPT,
        "offer_not_open",
        label="its withdrawal took effect when the period ended",
    ),
    # --- settlement and payment
    Refuses(
        "record_settlement",
        at(S.OFFER_ACCEPTED),
        SETTLE.model_copy(update={"general_damages": D("140000.00")}),
        "settlement_differs_from_offer",
    ),
    Refuses(
        "record_court_approval",
        at(S.AWAITING_APPROVAL),
        APPROVED.model_copy(update={"decided_on": FUTURE}),
        "date_in_future",
    ),
    Refuses("record_payment", at(S.SETTLED), PAY.model_copy(update={"paid_on": FUTURE}), "date_in_future"),
    Refuses("record_payment", at(S.NEGOTIATING), PAY, "not_settled"),
    Refuses(
        "record_payment",
        at(S.NEGOTIATING),
        PAY.model_copy(update={"kind": m.PaymentKind.COSTS}),
        "not_settled",
        label="costs",
    ),
    Refuses("record_payment", at(S.NEGOTIATING, opening=CHILD), INTERIM, "court_approval_required"),
    Refuses(
        "record_payment",
        at(S.SETTLED),
        PAY.model_copy(update={"kind": m.PaymentKind.PERIODICAL}),
        "no_periodical_payment_order",
    ),
    Refuses(
        "record_payment",
        at(S.PAID),
        PAY.model_copy(update={"reference": "PAY-1", "amount": D("1.00")}),
        "duplicate_payment_reference",
    ),
    Refuses(
        "record_payment", at(S.SETTLED), PAY.model_copy(update={"amount": D("285000.01")}), "overpayment"
    ),
    Refuses(
        "record_payment",
        at(S.PAID),
        PAY.model_copy(update={"amount": D("1.00")}),
        "overpayment",
        label="paid in full",
    ),
    Refuses(
        "record_payment",
        at(S.SETTLED, settlement=PERIODICAL),
        PAY.model_copy(update={"amount": D("235000.01")}),
        "overpayment",
        label="beyond the lump sum and costs",
    ),
    # --- routes
    unavailable(
        "propose_mediation", at(S.IN_LITIGATION, routes=[STAYED, MEDIATION]), MEDIATE, "route_already_active"
    ),
    unavailable(
        "propose_mediation", at(S.IN_LITIGATION, routes=[STAYED, EVALUATION]), MEDIATE, "adr_already_active"
    ),
    unavailable(
        "propose_mediation",
        at(S.IN_LITIGATION, routes=[STAYED, SUMMIT]),
        MEDIATE,
        "adr_already_active",
        label="a summit",
    ),
    unavailable("propose_mediation", at(S.IN_LITIGATION), MEDIATE, "litigation_not_stayed"),
    unavailable(
        "agree_early_neutral_evaluation",
        at(S.IN_LITIGATION, routes=[STAYED, EVALUATION]),
        EVALUATE,
        "route_already_active",
    ),
    unavailable(
        "agree_early_neutral_evaluation",
        at(S.IN_LITIGATION, routes=[STAYED, MEDIATION]),
        EVALUATE,
        "adr_already_active",
    ),
    unavailable("agree_early_neutral_evaluation", at(S.IN_LITIGATION), EVALUATE, "litigation_not_stayed"),
    Refuses(
        "record_proceedings_issued",
        at(S.NOTIFIED),
        ISSUED.model_copy(update={"issued_on": FUTURE}),
        "date_in_future",
    ),
    unavailable(
        "record_proceedings_issued",
        at(S.NEGOTIATING, routes=[LITIGATION]),
        ISSUED,
        "route_already_active",
        label="back to negotiating with proceedings running",
    ),
    Refuses(
        "join_summit",
        at(S.NEGOTIATING),
        JOIN.model_copy(update={"claimant_firm_id": "SRA-999999"}),
        "claimant_firm_mismatch",
    ),
    Refuses(
        "join_summit",
        at(S.NEGOTIATING, opening=IN_PERSON),
        JOIN,
        "claimant_firm_mismatch",
        label="litigant in person",
    ),
    Refuses(
        "join_summit",
        at(S.IN_RESOLUTION_SUMMIT, routes=[route(RouteKind.RESOLUTION_SUMMIT, ref=OTHER_SUMMIT)]),
        JOIN,
        "already_in_summit",
    ),
    Refuses("join_summit", at(S.IN_LITIGATION, routes=[STAYED, MEDIATION]), JOIN, "adr_already_active"),
    Refuses("join_summit", at(S.IN_LITIGATION), JOIN, "litigation_not_stayed"),
    Refuses(
        "leave_summit",
        at(S.IN_RESOLUTION_SUMMIT),
        LEAVE.model_copy(update={"summit_ref": OTHER_SUMMIT}),
        "not_in_summit",
    ),
    Refuses("leave_summit", at(S.IN_LITIGATION), LEAVE, "not_in_summit", label="in litigation, in no summit"),
    # --- closing
    Refuses(
        "close",
        at(S.NEGOTIATING),
        m.Close(outcome=m.ClosureOutcome.SETTLED_WITH_DAMAGES),
        "no_payment_recorded",
    ),
    Refuses("close", at(S.PAID), CLOSE, "outcome_mismatch"),
    Refuses("close", at(S.PAID), m.Close(outcome=m.ClosureOutcome.SETTLED_WITH_DAMAGES), "claim_not_coded"),
    Refuses(
        "close",
        at(S.NEGOTIATING, payments=[INTERIM_PAID]),
        CLOSE,
        "claim_not_coded",
        label="an interim payment made, withdrawn",
    ),
    Refuses("code_claim", at(S.NEGOTIATING, coding=CODED), CODING, "same_coding"),
    unavailable("close", at(S.AWAITING_APPROVAL), CLOSE, "awaiting_court_approval"),
    unavailable("close", at(S.OFFER_ACCEPTED), CLOSE, "payment_outstanding"),
    unavailable("close", at(S.SETTLED), CLOSE, "payment_outstanding", label="settled"),
    unavailable("close", at(S.IN_MEDIATION), CLOSE, "routes_running"),
    unavailable("close", at(S.IN_LITIGATION), CLOSE, "routes_running", label="litigation"),
    unavailable(
        "close", at(S.PAID, routes=[LITIGATION]), CLOSE, "routes_running", label="paid, proceedings running"
    ),
    Refuses(
        "correct_date",
        at(S.LETTER_OF_CLAIM_RECEIVED),
        CORRECT.model_copy(update={"corrected_date": FUTURE}),
        "date_in_future",
    ),
    Refuses(
        "correct_date",
        at(S.NEGOTIATING),
        CORRECT.model_copy(update={"action": "make_offer"}),
        "offer_date_not_correctable",
    ),
    Refuses(
        "correct_date",
        at(S.NEGOTIATING),
        CORRECT.model_copy(update={"action": "change_offer"}),
        "offer_date_not_correctable",
        label="change",
    ),
    Refuses(
        "correct_date",
        at(S.LETTER_OF_CLAIM_RECEIVED),
        CORRECT.model_copy(update={"action": "acknowledge_letter_of_claim"}),
        "no_dependent_deadlines",
    ),
]


# --- the table as declared ----------------------------------------------------------------------


def _id(value: Any) -> str:
    if isinstance(value, Accepts | Refuses):
        code = f"-{value.code}" if isinstance(value, Refuses) else ""
        return f"{value.action}{code}" + (f"[{value.label}]" if value.label else "")
    return str(value)


# The first accepted case of each row: the state and payload its role, stage and hold refusals use.
FIRST = [next(c for c in ACCEPTS if c.action == action) for action in ROWS]
# Every refusal code the claim's rules spell out (and the kit's checks its rows use).
_CODE = re.compile(r'return\s*\(?\s*"([a-z0-9_]+)",')


def _codes_in(*modules) -> set[str]:
    return {code for module in modules for code in _CODE.findall(inspect.getsource(module))}


def test_every_row_of_the_table_is_specified_here():
    steps = PATHWAY.steps
    assert list(ROWS) == list(steps), "one declaration per row, in the table's order"
    assert {c.action for c in ACCEPTS} == set(steps), "every row is taken at least once"
    for action, row in ROWS.items():
        tried = {r.code for r in REFUSES if r.action == action and not r.available}
        assert tried == row.checks, f"{action}: every code of its check is tried, and only those"
        tried = {r.code for r in REFUSES if r.action == action and r.available}
        assert tried == row.unavailable, f"{action}: every code of its availability is tried"
        assert bool(row.checks) == (CHECK in row.hooks) and bool(row.unavailable) == (AVAILABLE in row.hooks)
    hooked = {a for a, s in steps.items() if s.book or s.after or s.before}
    assert hooked <= {c.action for c in ACCEPTS if c.book or c.outside or c.later}, (
        "every hook does something"
    )


def test_every_refusal_code_of_the_claims_rules_is_tried():
    # action_not_allowed is the kit's own gate, tried at every stage outside each row's stages.
    spelled_out = _codes_in(claim_pathway, claim_offers, claim_routes, case_kit) - {"action_not_allowed"}
    assert spelled_out <= {r.code for r in REFUSES}, spelled_out - {r.code for r in REFUSES}


@pytest.mark.parametrize("action", list(ROWS))
def test_row_declares(action: str):
    assert _declared(PATHWAY.steps[action]) == ROWS[action]


def test_the_pathway_opens_ends_and_is_declared_on_its_rows():
    assert (PATHWAY.kind, PATHWAY.initial, PATHWAY.opening_action) == ("claim", S.NOTIFIED, "open_claim")
    assert PATHWAY.final == {S.CLOSED} and PATHWAY.open_stages == OPEN
    assert [s.action for s in PATHWAY.steps.values() if s.internal] == [
        "join_summit",
        "leave_summit",
        "link_case",
    ]
    assert {Role.HANDLER, Role.SUPERVISOR} == ACCESS[CaseKind.CLAIM].assignees
    assert ClaimWorkflow.view_type is CaseView[m.ClaimState] and ClaimWorkflow.pathway is PATHWAY
    for step in PATHWAY.steps.values():
        if step.assignee:
            assert step.assignee in step.payload.model_fields
        if step.date_field:
            assert step.date_field in step.payload.model_fields
    assert "[*] --> notified: open_claim" in PATHWAY.mermaid()
    assert "awaiting_approval --> negotiating: record_court_approval (approval refused)" in PATHWAY.mermaid()


# --- who, where, on hold or not -------------------------------------------------------------------


@pytest.mark.parametrize("case", FIRST, ids=_id)
def test_only_its_roles_take_a_row(case: Accepts):
    step = PATHWAY.steps[case.action]
    for role in sorted(PEOPLE_ROLES):
        refused = PATHWAY.refusal(case.state(), step, case.payload, ctx(role))
        if role in ROWS[case.action].roles:
            assert refused is None, (role, refused)
        else:
            assert refused is not None and refused.code == "forbidden_for_role", role
            assert case.action not in refused.allowed_actions


@pytest.mark.parametrize("case", FIRST, ids=_id)
def test_a_row_is_refused_at_every_other_stage(case: Accepts):
    step = PATHWAY.steps[case.action]
    others = [stage for stage in S if stage not in ROWS[case.action].stages]
    assert len(others) == len(S) - len(ROWS[case.action].stages)
    for stage in others:
        state = case.state().model_copy(update={"stage": stage})
        refused = PATHWAY.refusal(state, step, case.payload, ctx(case.role))
        assert refused is not None and refused.code == "action_not_allowed", stage
        assert refused.stage == stage and stage in refused.message
        assert case.action not in refused.allowed_actions
        assert refused.allowed_actions == PATHWAY.allowed_actions(state, case.role)


@pytest.mark.parametrize("case", FIRST, ids=_id)
def test_a_row_is_refused_on_or_off_hold_as_it_declares(case: Accepts):
    step, state = PATHWAY.steps[case.action], case.state()
    state.hold = None if state.hold is not None else HELD
    refused = PATHWAY.refusal(state, step, case.payload, ctx(case.role))
    offered = PATHWAY.allowed_actions(state, case.role)
    if ROWS[case.action].hold == "any":
        assert refused is None, refused
        assert (case.action in offered) is not step.internal
    else:
        assert refused is not None and refused.code == ("on_hold" if state.hold else "not_on_hold")
        assert case.action not in offered and refused.allowed_actions == offered


# --- what a step does to the claim ---------------------------------------------------------------


def _place(tree: Any, path: str, value: Any) -> None:
    """Put `value` (JSON) at the dotted `path` of `tree`; an index one past a list's end appends."""
    *parents, last = path.split(".")
    for part in parents:
        tree = tree[int(part)] if isinstance(tree, list) else tree[part]
    if isinstance(tree, list) and int(last) == len(tree):
        tree.append(value)
    elif isinstance(tree, list):
        tree[int(last)] = value
    else:
        tree[last] = value


def _expected(before: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    expected = copy.deepcopy(before)
    for path, value in changes.items():
        _place(expected, path, to_jsonable_python(value))
    return expected


@pytest.mark.parametrize("case", ACCEPTS, ids=_id)
def test_a_row_changes_the_claim(case: Accepts):
    state, step, context = case.state(), PATHWAY.steps[case.action], ctx(case.role)
    assert PATHWAY.refusal(state, step, case.payload, context) is None
    assert (case.action in PATHWAY.allowed_actions(state, case.role)) is not step.internal
    before = state.model_dump(mode="json")
    PATHWAY.apply(state, step, case.payload, context)
    changes = {"stage": case.stage, "updated_at": NOW} | case.fields
    if case.stage == S.CLOSED and before["stage"] != S.CLOSED:
        changes |= {"closed_at": NOW, "stage_before_closure": before["stage"]}
    assert state.model_dump(mode="json") == _expected(before, changes)


@pytest.mark.parametrize("case", REFUSES, ids=_id)
def test_a_row_refuses(case: Refuses):
    state, step = case.state(), PATHWAY.steps[case.action]
    before = state.model_copy(deep=True)
    refused = PATHWAY.refusal(state, step, case.payload, ctx(case.role, policy=case.policy))
    assert refused is not None and refused.code == case.code, refused
    assert refused.stage == state.stage and refused.message
    offered = PATHWAY.allowed_actions(state, case.role)
    assert refused.allowed_actions == offered
    if case.available:  # the state alone refuses it: it is not offered
        assert step.available(state)[0] == case.code
        assert case.action not in offered
    else:  # only this payload is refused: the step is still offered
        assert step.available is None or step.available(state) is None
        assert (case.action in offered) is not step.internal
    assert state == before


# --- what a step does to the book and beyond the claim, on the running workflow ----------------------


@dataclass
class Outside:
    calls: list[tuple[str, str, dict]] = field(default_factory=list)


def _dump(value: Any) -> Any:
    return value.model_dump(mode="json") if isinstance(value, BaseModel) else to_jsonable_python(value)


@pytest.fixture
def outside(monkeypatch) -> Outside:
    """Temporal's clock and id, its activities and children replaced by recorders; the calendar
    the deadline book asks is the real one, called directly."""
    record, calendar = Outside(), CalendarActivities()

    async def execute_activity(activity, arg, **options):
        name = activity if isinstance(activity, str) else activity.__name__
        record.calls.append(("activity", name, _dump(arg)))

    async def execute_activity_method(method, arg, **options):
        record.calls.append(("activity", method.__name__, _dump(arg)))

    async def execute_local_activity_method(method, arg, **options):
        if method.__name__ == "check_coding":  # the shipped taxonomy judges, as a worker's would
            record.calls.append(("local activity", "check_coding", _dump(arg)))
            return await CODING_ACTIVITIES.check_coding(arg)
        return await getattr(calendar, method.__name__)(arg)

    async def execute_local_activity(name, arg, *, result_type, **options):
        assert name == "deemed_service", name
        return result_type.model_validate((await ServiceActivities().deemed_service(arg)).model_dump())

    async def start_child_workflow(workflow_type, arg, *, id, parent_close_policy, **options):
        name = workflow_type if isinstance(workflow_type, str) else workflow_type.__qualname__
        record.calls.append(
            ("child", name, {"id": id, "parent_close_policy": parent_close_policy.name} | arg)
        )

    monkeypatch.setattr(workflow, "now", lambda: NOW)
    monkeypatch.setattr(workflow, "logger", logging.getLogger("tests.workflows"))
    monkeypatch.setattr(workflow, "info", lambda: SimpleNamespace(workflow_id=WORKFLOW_ID))
    monkeypatch.setattr(workflow, "execute_activity", execute_activity)
    monkeypatch.setattr(workflow, "execute_activity_method", execute_activity_method)
    monkeypatch.setattr(workflow, "execute_local_activity_method", execute_local_activity_method)
    monkeypatch.setattr(workflow, "execute_local_activity", execute_local_activity)
    monkeypatch.setattr(workflow, "start_child_workflow", start_child_workflow)
    monkeypatch.setattr(workflow, "upsert_search_attributes", lambda attributes: None)
    return record


def running(state: m.ClaimState) -> ClaimWorkflow:
    """The claim's workflow class around `state`, as a running claim would hold it."""
    case = object.__new__(ClaimWorkflow)
    case.state, case.policy, case._input = state, POLICY, None
    case._dirty = case._rearm = False
    case.requests, case.unprojected = {}, []
    case._lock = asyncio.Lock()
    case._calendar = Calendar()
    case._visible_deadlines = (None, False)
    return case


async def take(case: ClaimWorkflow, action: str, payload: BaseModel, role: Role = Role.HANDLER):
    """What the kit's update handler does with an accepted step, less the ledger and projection."""
    step, context = PATHWAY.steps[action], ctx(role, action)
    assert PATHWAY.refusal(case.state, step, payload, context) is None
    if step.before is not None:
        await step.before(case, payload, context)
    stage_before = case.state.stage
    PATHWAY.apply(case.state, step, payload, context)
    changes = await case._deadline_effects(step, payload, context, stage_before)
    applied = AppliedAction(
        seq=case.state.seq + 1,
        action=action,
        request_id="request-1",
        stage_before=stage_before,
        stage_after=case.state.stage,
        actor_id=context.actor.id,
    )
    if step.after is not None:
        await step.after(case, payload, context, applied)
    await case.after_step(step, payload, context, applied)
    return changes


def contains(expected: Any, actual: Any) -> bool:
    """`actual` has everything `expected` says (dicts may have more keys)."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and contains(v, actual[k]) for k, v in expected.items()
        )
    return expected == actual


BOOK_FIELDS = {"deadlines", "next_deadline_at", "overdue"}


@pytest.mark.parametrize("case", ACCEPTS, ids=_id)
async def test_what_a_row_does_to_the_book_and_beyond_the_claim(case: Accepts, outside: Outside):
    state, step = case.state(), PATHWAY.steps[case.action]
    applied_only = case.state()
    PATHWAY.apply(applied_only, step, case.payload, ctx(case.role, case.action))
    before = summary(state)

    changes = await take(running(state), case.action, case.payload, case.role)

    after = summary(state)
    assert {n for n in set(before) | set(after) if before.get(n) != after.get(n)} == set(case.book)
    fresh = Due(OPEN_, None, None, case.action, EVENT, 1, state.owner, False)
    for name, attrs in case.book.items():
        assert after[name] == before.get(name, fresh)._replace(**attrs), name
    # What the answer shows as changed: deadlines set, moved or recomputed (resuming on hold moves
    # service clocks without showing them).
    assert {c.name for c in changes} <= {n for n, attrs in case.book.items() if "due_on" in attrs}
    hooked = state.model_dump(mode="json", exclude=BOOK_FIELDS)
    assert hooked == _expected(applied_only.model_dump(mode="json", exclude=BOOK_FIELDS), case.later)
    assert [(kind, name) for kind, name, _ in outside.calls] == [(k, n) for k, n, _ in case.outside]
    for (_, _, arg), (_, _, expected) in zip(outside.calls, case.outside, strict=True):
        assert contains(_dump(expected), arg), arg
    if step.touches_book or case.book:  # the register's next deadline follows the book
        assert (state.next_deadline_at, state.overdue) == (
            min(
                (x.due_at for x in state.deadlines.values() if x.live and x.due_at and not x.paused),
                default=None,
            ),
            False,
        )


# --- what each role is offered -----------------------------------------------------------------------

OFFER_STEPS = {"make_offer", "request_offer_clarification", "clarify_offer", "change_offer", "withdraw_offer"}
LIMITATION_STEPS = {"record_standstill_agreement", "record_death"}
BEFORE_LOR = {"request_health_records", *LIMITATION_STEPS, "record_proceedings_issued", "close"}
ADR = {"propose_mediation", "agree_early_neutral_evaluation"}
RESPONDING = {"extend_response_period", "send_letter_of_response", "make_offer", *ADR, *BEFORE_LOR}
AFTER_LOR = {
    "instruct_experts",
    *LIMITATION_STEPS,
    "hold_stocktake",
    "make_offer",
    "record_settlement",
}
WHILE_A_ROUTE_RUNS = OFFER_STEPS | {"record_payment"}

# (label, state, what a handler is offered beyond notes, deadline extensions, date corrections and
# putting on or taking off hold). A supervisor and an admin are offered that and reassign,
# waive_deadline and acknowledge_escalation (on a closed claim: acknowledge_escalation and reopen);
# auditors, advisers and advice supervisors nothing.
OFFERED: list[tuple[str, Any, set[str]]] = [
    ("notified", at(S.NOTIFIED), {"receive_letter_of_notification", "receive_letter_of_claim", *BEFORE_LOR}),
    (
        "notified, records requested",
        at(S.NOTIFIED, deadlines=with_deadlines(S.NOTIFIED, records())),
        {"receive_letter_of_notification", "receive_letter_of_claim", "supply_health_records", *BEFORE_LOR}
        - {"request_health_records"},
    ),
    (
        "notified, records supplied",
        at(S.NOTIFIED, deadlines=with_deadlines(S.NOTIFIED, records(MET))),
        {"receive_letter_of_notification", "receive_letter_of_claim", *BEFORE_LOR},
    ),
    ("notified, on hold", at(S.NOTIFIED, hold=HELD), {"record_proceedings_issued"}),
    (
        "letter of notification received",
        at(S.LETTER_OF_NOTIFICATION_RECEIVED),
        {"acknowledge_letter_of_notification", "receive_letter_of_claim", *BEFORE_LOR},
    ),
    (
        "letter of notification acknowledged",
        at(S.LETTER_OF_NOTIFICATION_ACKNOWLEDGED),
        {"receive_letter_of_claim", "open_investigation", *BEFORE_LOR},
    ),
    (
        "letter of claim received",
        at(S.LETTER_OF_CLAIM_RECEIVED),
        {"acknowledge_letter_of_claim", "extend_response_period", *BEFORE_LOR},
    ),
    (
        "letter of claim received, on hold",
        at(S.LETTER_OF_CLAIM_RECEIVED, hold=HELD),
        {"record_proceedings_issued"},
    ),
    ("letter of claim acknowledged", at(S.LETTER_OF_CLAIM_ACKNOWLEDGED), {"open_investigation", *RESPONDING}),
    ("investigating", at(S.INVESTIGATING), {"instruct_experts", *RESPONDING}),
    (
        "investigating after a letter of notification: no response due",
        at(S.INVESTIGATING, deadlines=BOOKS[S.LETTER_OF_NOTIFICATION_ACKNOWLEDGED]()),
        {"instruct_experts", *RESPONDING} - {"extend_response_period"},
    ),
    (
        "investigating, records requested",
        at(S.INVESTIGATING, deadlines=with_deadlines(S.INVESTIGATING, records())),
        {"instruct_experts", "supply_health_records", *RESPONDING} - {"request_health_records"},
    ),
    (
        "letter of response sent",
        at(S.LETTER_OF_RESPONSE_SENT),
        {*AFTER_LOR, *ADR, "record_payment", "record_proceedings_issued", "close"},
    ),
    (
        "letter of response sent, records outstanding",
        at(S.LETTER_OF_RESPONSE_SENT, deadlines=with_deadlines(S.LETTER_OF_RESPONSE_SENT, records())),
        {*AFTER_LOR, *ADR, "supply_health_records", "record_payment", "record_proceedings_issued", "close"},
    ),
    (
        "negotiating",
        at(S.NEGOTIATING),
        {
            *AFTER_LOR,
            *ADR,
            *OFFER_STEPS,
            "accept_offer",
            "record_payment",
            "record_proceedings_issued",
            "close",
        },
    ),
    ("negotiating, on hold", at(S.NEGOTIATING, hold=HELD), {"record_proceedings_issued"}),
    (
        "negotiating with proceedings running (the court refused a settlement's approval)",
        at(S.NEGOTIATING, routes=[LITIGATION]),
        {*AFTER_LOR, *OFFER_STEPS, "accept_offer", "record_payment"},
    ),
    (
        "negotiating after a mediation",
        at(S.NEGOTIATING, routes=[ENDED_MEDIATION]),
        {
            *AFTER_LOR,
            *ADR,
            *OFFER_STEPS,
            "accept_offer",
            "record_payment",
            "record_proceedings_issued",
            "close",
        },
    ),
    ("in mediation", at(S.IN_MEDIATION), {*WHILE_A_ROUTE_RUNS, "record_proceedings_issued"}),
    ("in mediation, on hold", at(S.IN_MEDIATION, hold=HELD), {"record_proceedings_issued"}),
    (
        "in early neutral evaluation",
        at(S.IN_EARLY_NEUTRAL_EVALUATION),
        {*WHILE_A_ROUTE_RUNS, "record_proceedings_issued"},
    ),
    (
        "in a resolution summit",
        at(S.IN_RESOLUTION_SUMMIT),
        {*WHILE_A_ROUTE_RUNS, "record_proceedings_issued"},
    ),
    # Not propose_mediation nor early neutral evaluation beside litigation that is not stayed;
    # never close while a route runs.
    ("in litigation", at(S.IN_LITIGATION), {*WHILE_A_ROUTE_RUNS, "hold_stocktake", "accept_offer"}),
    (
        "in litigation, stayed",
        at(S.IN_LITIGATION, routes=[STAYED]),
        {*WHILE_A_ROUTE_RUNS, *ADR, "hold_stocktake", "accept_offer"},
    ),
    (
        "in litigation, stayed, mediating",
        at(S.IN_LITIGATION, routes=[STAYED, MEDIATION]),
        {*WHILE_A_ROUTE_RUNS, "hold_stocktake", "accept_offer"},
    ),
    (
        "in litigation, stayed, in a summit",
        at(S.IN_LITIGATION, routes=[STAYED, SUMMIT]),
        {*WHILE_A_ROUTE_RUNS, "hold_stocktake", "accept_offer"},
    ),
    ("in litigation, on hold", at(S.IN_LITIGATION, hold=HELD), set()),
    ("proceedings concluded", at(S.PROCEEDINGS_CONCLUDED), {"close"}),
    ("offer accepted", at(S.OFFER_ACCEPTED), {"record_settlement"}),
    ("offer accepted in litigation", at(S.OFFER_ACCEPTED, routes=[LITIGATION]), {"record_settlement"}),
    ("awaiting approval", at(S.AWAITING_APPROVAL), {"record_court_approval"}),
    ("settled", at(S.SETTLED), {"record_payment"}),
    ("settled, on hold", at(S.SETTLED, hold=HELD), set()),
    ("paid", at(S.PAID), {"record_payment", "close"}),
    ("paid, proceedings still running", at(S.PAID, routes=[LITIGATION]), {"record_payment"}),
    ("closed", at(S.CLOSED), set()),
]


@pytest.mark.parametrize(("label", "state", "handler"), OFFERED, ids=[o[0] for o in OFFERED])
@pytest.mark.parametrize("role", sorted(PEOPLE_ROLES), ids=str)
def test_what_each_role_is_offered(label: str, state, handler: set[str], role: Role):
    state = state()
    if state.stage == S.CLOSED:
        acting = handler | {"add_note", "code_claim"}
        supervising = acting | {"acknowledge_escalation", "reopen"}
    else:
        held = {"take_off_hold"} if state.hold else {"put_on_hold"}
        acting = handler | {"add_note", "code_claim", "extend_deadline", "correct_date"} | held
        supervising = acting | {"reassign", "waive_deadline", "acknowledge_escalation"}
    expected = {Role.HANDLER: acting, Role.SUPERVISOR: supervising, Role.ADMIN: supervising}
    offered = PATHWAY.allowed_actions(state, role)
    assert set(offered) == expected.get(role, set())
    assert offered == [a for a in PATHWAY.steps if a in offered], "in the table's order"


def test_every_stage_is_shown_above():
    assert {o[1]().stage for o in OFFERED} == set(S)


# --- Part 36 and other offers (claim_offers.py) ---------------------------------------------------------


def negotiating(*offers_: m.Offer, **deadlines_: Deadline) -> m.ClaimState:
    """A claim negotiating these offers, with the relevant periods given (by offer number)."""
    return claim(
        S.NEGOTIATING,
        offers=list(offers_),
        deadlines=without(S.NEGOTIATING, PERIOD_1) | {x.name: x for x in deadlines_.values()},
    )


ENDED = period(due_on=day(-1))  # ended at the end of yesterday, London time


def test_a_part_36_relevant_period_is_at_least_21_days():
    check = claim_offers.relevant_period_long_enough
    assert claim_offers.PART_36_MIN_DAYS == 21
    assert check(None, PART_36.model_copy(update={"relevant_period_days": 21}), ctx()) is None
    assert (
        check(None, PART_36.model_copy(update={"relevant_period_days": 20}), ctx())[0]
        == "relevant_period_too_short"
    )
    assert check(None, ORDINARY.model_copy(update={"relevant_period_days": 1}), ctx()) is None
    # A change carries no part_36 flag: only Part 36 offers change by notice, so it is held to it.
    assert (
        check(None, BETTER.model_copy(update={"relevant_period_days": 20}), ctx())[0]
        == "relevant_period_too_short"
    )


def test_counter_offers_lapse_ordinary_offers_but_not_part_36_ones():
    state = negotiating(ordinary(1), offer(2, by=m.Side.CLAIMANT), p2=period(2))
    claim_offers.make_offer(state, COUNTER, ctx())
    claim_offers.make_offer(state, COUNTER.model_copy(update={"responds_to": 2, "sent_at": NOW}), ctx())
    assert [(o.no, o.status, o.closed_on, o.responds_to) for o in state.offers] == [
        (1, "lapsed", EVENT, None),
        (2, "open", None, None),  # CPR 36.11(2): still open to acceptance
        (3, "open", None, 1),
        (4, "open", None, 2),
    ]
    assert [o.relevant_period_days for o in state.offers] == [None, 21, None, None]


def test_a_counter_offer_answers_the_other_sides_live_offer():
    check = claim_offers.counter_valid
    state = negotiating(offer(1), offer(2, status="withdrawal_pending"), offer(3, status="accepted"))
    assert check(state, COUNTER, ctx()) is None
    assert check(state, COUNTER.model_copy(update={"responds_to": 2}), ctx()) is None
    assert check(state, COUNTER.model_copy(update={"responds_to": 3}), ctx())[0] == "offer_not_open"
    assert check(state, COUNTER.model_copy(update={"responds_to": 4}), ctx())[0] == "offer_not_open"
    assert (
        check(state, COUNTER.model_copy(update={"by": m.Side.CLAIMANT}), ctx())[0] == "counter_to_own_offer"
    )
    assert check(state, ORDINARY, ctx()) is None


@pytest.mark.parametrize(
    ("requested_on", "code"),
    [
        (day(-6), "date_before_offer"),
        (day(-5), None),
        (day(2), None),
        (day(2) + timedelta(days=1), "clarification_too_late"),
    ],
    ids=["before the offer", "the same day", "the seventh day", "the eighth day"],
)
def test_clarification_is_asked_within_7_days_of_the_offer(requested_on: date, code: str | None):
    state = negotiating(offer(), p1=period())
    refused = claim_offers.clarification_in_time(
        state, QUESTION.model_copy(update={"requested_on": requested_on}), ctx()
    )
    assert (refused and refused[0]) == code


def test_a_clarification_is_answered_once():
    state = negotiating(offer(), p1=period())
    claim_offers.request_clarification(state, QUESTION, ctx())
    claim_offers.request_clarification(state, QUESTION.model_copy(update={"question": "And costs?"}), ctx())
    assert claim_offers.clarification_outstanding(state, ANSWER, ctx()) is None
    claim_offers.clarify(state, ANSWER, ctx())
    claim_offers.clarify(state, ANSWER.model_copy(update={"answer": "Costs too."}), ctx())
    assert [(c.question, c.answer, c.clarified_on) for c in state.offers[0].clarifications] == [
        ("Is interest included?", "Yes, interest is included.", EVENT),
        ("And costs?", "Costs too.", EVENT),
    ]
    assert claim_offers.clarification_outstanding(state, ANSWER, ctx())[0] == "no_clarification_requested"


@pytest.mark.parametrize(
    ("by", "amount", "better"),
    [
        (m.Side.DEFENDANT, "200000.01", True),
        (m.Side.DEFENDANT, "199999.99", False),
        (m.Side.CLAIMANT, "199999.99", True),
        (m.Side.CLAIMANT, "200000.01", False),
    ],
)
def test_better_terms_are_better_for_the_offeree(by: m.Side, amount: str, better: bool):
    assert claim_offers.more_advantageous(offer(by=by, amount=D("200000.00")), D(amount)) is better


def test_a_change_to_worse_terms_waits_for_the_relevant_period_then_takes_effect():
    state = negotiating(offer(made_on=day(-20), relevant_period_ends_on=day(1)), p1=period(due_on=day(1)))
    claim_offers.change_offer(state, WORSE, ctx())
    pending = state.offers[0]
    assert (pending.status, pending.amount, pending.changes[-1].effective_on) == (
        "change_pending",
        D("250000.00"),
        None,
    )
    assert claim_offers.offer_live(state, ACCEPT, ctx()) is None, "still open on its old terms"
    assert claim_offers.expire_offers(state, NOW) == []
    assert claim_offers.expire_offers(state, end_of_london_day(day(1))) == [pending]
    assert (pending.status, pending.amount, pending.changes[-1].effective_on) == (
        "open",
        WORSE.amount,
        day(1),
    )
    assert pending.relevant_period_expired


def test_a_change_to_better_terms_takes_effect_at_once_with_a_new_period():
    state = negotiating(offer(relevant_period_expired=True), p1=period(status=WAIVED))
    claim_offers.change_offer(state, BETTER.model_copy(update={"relevant_period_days": 30}), ctx())
    changed = state.offers[0]
    assert (changed.status, changed.amount, changed.relevant_period_days) == ("open", BETTER.amount, 30)
    assert not changed.relevant_period_expired and changed.changes[-1].more_advantageous


def test_a_change_is_to_other_terms_and_not_before_the_offer():
    state = negotiating(offer(), p1=period())
    check = claim_offers.change_valid
    assert check(state, WORSE.model_copy(update={"amount": D("250000.00")}), ctx())[0] == "offer_unchanged"
    assert check(state, WORSE.model_copy(update={"changed_on": day(-6)}), ctx())[0] == "date_before_offer"
    assert check(state, WORSE.model_copy(update={"relevant_period_days": 1}), ctx()) is None
    assert (
        check(state, BETTER.model_copy(update={"relevant_period_days": 20}), ctx())[0]
        == "relevant_period_too_short"
    )


def test_a_part_36_withdrawal_is_pending_until_the_period_ends():
    state = negotiating(offer(made_on=day(-20), relevant_period_ends_on=day(1)), p1=period(due_on=day(1)))
    claim_offers.withdraw_offer(state, WITHDRAW, ctx())
    withdrawn = state.offers[0]
    assert (withdrawn.status, withdrawn.withdrawal_notice_on, withdrawn.closed_on) == (
        "withdrawal_pending",
        EVENT,
        None,
    )
    assert claim_offers.offer_live(state, ACCEPT, ctx()) is None, "the offeree may still accept (CPR 36.11)"
    assert claim_offers.offer_open(state, WITHDRAW, ctx())[0] == "offer_not_open", "withdrawn once"
    later = dataclasses.replace(ctx(), now=end_of_london_day(day(1)))
    assert claim_offers.offer_live(state, ACCEPT, later)[0] == "offer_not_open", "its period has ended"
    assert claim_offers.expire_offers(state, later.now) == [withdrawn]
    assert (withdrawn.status, withdrawn.closed_on) == ("withdrawn", day(1))


@pytest.mark.parametrize(
    ("offers_", "deadlines_"),
    [
        ([ordinary()], {}),
        ([offer()], {}),  # Part 36, made before the workflow kept its period: the ordinary rules
        ([offer(relevant_period_expired=True)], {"p1": ENDED}),
    ],
    ids=["ordinary", "part 36 without a period", "part 36 after its period"],
)
def test_a_withdrawal_takes_effect_at_once_when_no_period_runs(offers_, deadlines_):
    state = negotiating(*offers_, **deadlines_)
    claim_offers.withdraw_offer(state, WITHDRAW, ctx())
    assert (state.offers[0].status, state.offers[0].closed_on) == ("withdrawn", EVENT)


def test_acceptance_closes_every_other_live_offer_and_leaves_a_pending_change_unmade():
    change = m.OfferChange(
        amount=D("300000.00"),
        previous_amount=D("250000.00"),
        notice_on=day(-2),
        effective_on=None,
        more_advantageous=False,
    )
    state = negotiating(
        offer(1, status="change_pending", changes=[change]),
        ordinary(2, by=m.Side.DEFENDANT, status="withdrawn", closed_on=day(-3)),
        ordinary(3, by=m.Side.DEFENDANT),
        offer(4, status="withdrawal_pending"),
        p1=period(1),
        p4=period(4),
    )
    claim_offers.accept_offer(state, ACCEPT, ctx())
    assert [(o.no, o.status, o.closed_on) for o in state.offers] == [
        (1, "accepted", EVENT),
        (2, "withdrawn", day(-3)),
        (3, "lapsed", EVENT),
        (4, "lapsed", EVENT),
    ]
    assert state.offers[0].amount == D("250000.00") and state.offers[0].changes[0].effective_on is None


def test_acceptance_after_the_period_first_lets_the_notices_take_effect():
    state = negotiating(
        offer(1, made_on=day(-25), relevant_period_ends_on=day(-1)),
        offer(2, made_on=day(-25), status="withdrawal_pending", relevant_period_ends_on=day(-1)),
        p1=period(1, due_on=day(-1)),
        p2=period(2, due_on=day(-1)),
    )
    assert (
        claim_offers.offer_live(state, m.AcceptOffer(offer_no=2, accepted_on=TODAY), ctx())[0]
        == "offer_not_open"
    )
    claim_offers.accept_offer(state, ACCEPT, ctx())
    assert [(o.status, o.closed_on, o.relevant_period_expired) for o in state.offers] == [
        ("accepted", EVENT, True),
        ("withdrawn", day(-1), True),  # withdrawn when its period ended, not lapsed on acceptance
    ]


def test_expiry_marks_part_36_offers_whose_period_has_ended_once():
    state = negotiating(
        offer(1, made_on=day(-25), relevant_period_ends_on=day(-1)),
        ordinary(2),
        offer(3),  # no period kept: never expires here
        offer(4, relevant_period_ends_on=day(16)),
        offer(5, made_on=day(-30), status="accepted", closed_on=day(-9)),
        p1=period(1, due_on=day(-1)),
        p4=period(4),
        p5=period(5, due_on=day(-9)),
    )
    assert claim_offers.expire_offers(state, NOW) == [state.offers[0]]
    assert [o.relevant_period_expired for o in state.offers] == [True, False, False, False, False]
    assert state.offers[0].status == "open", "still open for acceptance, with costs consequences"
    assert claim_offers.expire_offers(state, NOW) == []
    assert claim_offers.expire_offers(state, end_of_london_day(day(16))) == [state.offers[3]]


def test_a_period_ends_at_its_due_instant():
    state = negotiating(offer(), p1=period(due_on=TODAY))
    due_at = state.deadlines[PERIOD_1].due_at
    assert not claim_offers.period_ended(state, state.offers[0], due_at - timedelta(microseconds=1))
    assert claim_offers.period_ended(state, state.offers[0], due_at)
    assert not claim_offers.period_ended(negotiating(ordinary()), ordinary(), NOW)
    assert claim_offers.period_ended(negotiating(offer()), offer(relevant_period_expired=True), NOW)


def test_which_offers_were_open_on_a_date():
    state = negotiating(
        ordinary(1, made_on=day(-20), status="lapsed", closed_on=day(-10)),
        offer(2, made_on=day(-10)),
        offer(3, made_on=day(-3), status="withdrawn", closed_on=day(-1)),
    )
    on = {d: claim_offers.offers_on(state, day(d)).open_offers for d in (-21, -20, -10, -9, -3, -1, 0)}
    assert on == {-21: [], -20: [1], -10: [1, 2], -9: [2], -3: [2, 3], -1: [2, 3], 0: [2]}
    answer = claim_offers.offers_on(state, day(-9))
    assert (answer.ref, answer.on, [(o.offer.no, o.open) for o in answer.offers]) == (
        REF,
        day(-9),
        [(1, False), (2, True), (3, False)],
    )


def test_a_settlement_lapses_the_offers_still_open_and_matches_an_accepted_one():
    state = negotiating(
        offer(1, status="accepted", closed_on=day(-2)), ordinary(2), offer(3, status="withdrawal_pending")
    )
    assert claim_offers.matches_accepted_offer(state, SETTLE, ctx()) is None
    other = SETTLE.model_copy(update={"future_losses": D("40000.01")})
    assert claim_offers.matches_accepted_offer(state, other, ctx())[0] == "settlement_differs_from_offer"
    claim_offers.lapse_open_offers(state, TODAY)
    assert [(o.status, o.closed_on) for o in state.offers] == [
        ("accepted", day(-2)),
        ("lapsed", TODAY),
        ("lapsed", TODAY),
    ]
    assert claim_offers.matches_accepted_offer(negotiating(ordinary()), other, ctx()) is None


def test_offer_dates_are_not_corrected_by_correct_date():
    assert {"make_offer", "change_offer"} == claim_offers.OFFER_ACTIONS
    assert claim_offers.relevant_period_name(3) == "part_36_relevant_period_offer_3"


# --- routes (claim_routes.py) ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("routes_", "kind", "code"),
    [
        ([], RouteKind.MEDIATION, None),
        ([ENDED_MEDIATION], RouteKind.MEDIATION, None),
        ([MEDIATION], RouteKind.MEDIATION, "route_already_active"),
        ([MEDIATION], RouteKind.EARLY_NEUTRAL_EVALUATION, "adr_already_active"),
        ([EVALUATION], RouteKind.RESOLUTION_SUMMIT, "adr_already_active"),
        ([SUMMIT], RouteKind.MEDIATION, "adr_already_active"),
        ([LITIGATION], RouteKind.MEDIATION, "litigation_not_stayed"),
        ([STAYED], RouteKind.MEDIATION, None),
        ([STAYED], RouteKind.RESOLUTION_SUMMIT, None),
        ([DISCONTINUED], RouteKind.EARLY_NEUTRAL_EVALUATION, None),
        ([STAYED, MEDIATION], RouteKind.EARLY_NEUTRAL_EVALUATION, "adr_already_active"),
    ],
)
def test_one_adr_route_at_a_time_and_beside_litigation_only_while_stayed(routes_, kind, code):
    refused = claim_routes.adr_allowed(kind)(claim(S.NEGOTIATING, routes=routes_))
    assert (refused and refused[0]) == code


def test_litigation_once_at_a_time_and_closing_once_every_route_has_ended():
    assert claim_routes.litigation_allowed(claim(S.NEGOTIATING, routes=[MEDIATION])) is None
    assert claim_routes.litigation_allowed(claim(S.NEGOTIATING, routes=[DISCONTINUED])) is None
    assert claim_routes.litigation_allowed(claim(S.NEGOTIATING, routes=[STAYED]))[0] == "route_already_active"
    assert claim_routes.none_running(claim(S.NEGOTIATING, routes=[DISCONTINUED, ENDED_MEDIATION])) is None
    refused = claim_routes.none_running(claim(S.NEGOTIATING, routes=[LITIGATION, ENDED_MEDIATION, SUMMIT]))
    assert refused == ("routes_running", f"end the running routes first: {REF}-LIT1, {SUMMIT_REF}")


@pytest.mark.parametrize(
    ("stage", "routes_", "return_to"),
    [
        (S.LETTER_OF_CLAIM_ACKNOWLEDGED, [], S.LETTER_OF_CLAIM_ACKNOWLEDGED),
        (S.NEGOTIATING, [], S.NEGOTIATING),
        (S.IN_LITIGATION, [STAYED], S.NEGOTIATING),
        (S.IN_MEDIATION, [MEDIATION], S.NEGOTIATING),
    ],
)
def test_a_route_remembers_where_the_claim_goes_back_to(stage, routes_, return_to):
    state = claim(stage, routes=routes_)
    claim_routes.start_route(RouteKind.EARLY_NEUTRAL_EVALUATION)(state, EVALUATE, ctx())
    assert state.routes[-1].return_to == return_to


def test_routes_are_numbered_by_kind():
    state = claim(S.NEGOTIATING, routes=[ENDED_MEDIATION, DISCONTINUED])
    for kind in (RouteKind.MEDIATION, RouteKind.LITIGATION, RouteKind.EARLY_NEUTRAL_EVALUATION):
        claim_routes.start_route(kind)(state, ISSUED, ctx())
    assert [(r.ref, r.workflow_id) for r in state.routes[2:]] == [
        (f"{REF}-MED2", f"mediation-{REF}-MED2"),
        (f"{REF}-LIT2", f"litigation-{REF}-LIT2"),
        (f"{REF}-ENE1", f"early_neutral_evaluation-{REF}-ENE1"),
    ]


def terms(agreed_on: date = EVENT) -> SettlementTerms:
    return SettlementTerms(
        agreed_on=agreed_on,
        general_damages=D("150000.00"),
        special_damages=D("60000.00"),
        future_losses=D("40000.00"),
        claimant_costs=D("35000.00"),
    )


def ended(
    ref: str, kind: RouteKind, result: RouteResult, settlement: SettlementTerms | None = None, **more
) -> RouteProgress:
    outcome = RouteOutcome(result=result, reason="as it ended", settlement=settlement)
    return RouteProgress(ref=ref, kind=kind, stage=result.value, ended=True, outcome=outcome, at=NOW, **more)


MED1, LIT1 = f"{REF}-MED1", f"{REF}-LIT1"


@pytest.mark.parametrize(
    ("state", "progress", "stage", "settled"),
    [
        pytest.param(
            at(S.IN_MEDIATION),
            ended(MED1, RouteKind.MEDIATION, RouteResult.SETTLED, terms()),
            S.SETTLED,
            True,
            id="settled",
        ),
        pytest.param(
            at(S.IN_MEDIATION, opening=CHILD),
            ended(MED1, RouteKind.MEDIATION, RouteResult.SETTLED, terms()),
            S.AWAITING_APPROVAL,
            True,
            id="a child's settlement waits for the court",
        ),
        pytest.param(
            at(S.IN_MEDIATION),
            ended(MED1, RouteKind.MEDIATION, RouteResult.NOT_SETTLED),
            S.NEGOTIATING,
            False,
            id="not settled: back",
        ),
        pytest.param(
            at(S.IN_MEDIATION, routes=[route(RouteKind.MEDIATION, return_to=S.INVESTIGATING)]),
            ended(MED1, RouteKind.MEDIATION, RouteResult.DECLINED),
            S.INVESTIGATING,
            False,
            id="declined: back to the stage before",
        ),
        pytest.param(
            at(S.IN_LITIGATION, routes=[STAYED, MEDIATION]),
            ended(MED1, RouteKind.MEDIATION, RouteResult.NARROWED),
            S.IN_LITIGATION,
            False,
            id="beside litigation: stays in litigation",
        ),
        pytest.param(
            at(S.IN_LITIGATION, routes=[STAYED, MEDIATION]),
            ended(MED1, RouteKind.MEDIATION, RouteResult.SETTLED, terms()),
            S.SETTLED,
            True,
            id="beside litigation, settled",
        ),
        pytest.param(
            at(S.IN_LITIGATION),
            ended(LIT1, RouteKind.LITIGATION, RouteResult.DISCONTINUED),
            S.PROCEEDINGS_CONCLUDED,
            False,
            id="discontinued",
        ),
        pytest.param(
            at(S.IN_LITIGATION),
            ended(LIT1, RouteKind.LITIGATION, RouteResult.STRUCK_OUT),
            S.PROCEEDINGS_CONCLUDED,
            False,
            id="struck out",
        ),
        pytest.param(
            at(S.IN_LITIGATION),
            ended(LIT1, RouteKind.LITIGATION, RouteResult.JUDGMENT_FOR_DEFENDANT),
            S.PROCEEDINGS_CONCLUDED,
            False,
            id="judgment for the defendant",
        ),
        pytest.param(
            at(S.IN_LITIGATION),
            ended(LIT1, RouteKind.LITIGATION, RouteResult.JUDGMENT_FOR_CLAIMANT, terms()),
            S.SETTLED,
            True,
            id="judgment for the claimant",
        ),
        pytest.param(
            at(S.IN_LITIGATION),
            ended(LIT1, RouteKind.LITIGATION, RouteResult.NOT_SETTLED),
            S.NEGOTIATING,
            False,
            id="litigation not settled: back",
        ),
        pytest.param(
            at(S.IN_MEDIATION),
            ended(MED1, RouteKind.MEDIATION, RouteResult.NOT_SETTLED, terms()),
            S.NEGOTIATING,
            False,
            id="terms without a settlement are not one",
        ),
        pytest.param(
            at(S.OFFER_ACCEPTED, routes=[LITIGATION]),
            ended(LIT1, RouteKind.LITIGATION, RouteResult.DISCONTINUED),
            S.OFFER_ACCEPTED,
            False,
            id="settled meanwhile: only the record closes",
        ),
        pytest.param(
            at(S.SETTLED, routes=[LITIGATION]),
            ended(LIT1, RouteKind.LITIGATION, RouteResult.JUDGMENT_FOR_CLAIMANT, terms(TODAY)),
            S.SETTLED,
            False,
            id="settled meanwhile: the route's terms are not taken",
        ),
    ],
)
def test_the_end_of_a_route_moves_the_claim(state, progress: RouteProgress, stage: S, settled: bool):
    state = state()
    before = state.model_copy(deep=True)
    summary_ = claim_routes.route_progress(state, progress)
    record = next(r for r in state.routes if r.ref == progress.ref)
    assert summary_ == {
        "route": progress.kind.value,
        "route_ref": progress.ref,
        "result": progress.outcome.result.value,
        "reason": "as it ended",
    }
    assert (record.ended_at, record.outcome, record.stage) == (
        NOW,
        progress.outcome,
        progress.outcome.result.value,
    )
    assert state.stage == stage
    if settled:
        assert state.settlement == m.Settlement(**progress.outcome.settlement.model_dump())
        assert [(o.status, o.closed_on) for o in state.offers] == [("lapsed", EVENT)] * len(state.offers)
    else:
        assert (state.settlement, state.offers) == (before.settlement, before.offers)
    # A claim settled on another route meanwhile only closes this route's record.
    assert state.updated_at == (before.updated_at if before.stage in claim_routes.SETTLED_ALREADY else NOW)


def test_route_news_moves_only_a_running_route():
    state = claim(S.IN_LITIGATION, routes=[LITIGATION, ENDED_MEDIATION])
    before = state.model_copy(deep=True)
    assert (
        claim_routes.route_progress(state, ended(MED1, RouteKind.MEDIATION, RouteResult.SETTLED, terms()))
        is None
    )
    assert (
        claim_routes.route_progress(
            state, ended("CLM-ELSEWHERE-MED1", RouteKind.MEDIATION, RouteResult.SETTLED)
        )
        is None
    )
    assert state == before
    news = RouteProgress(ref=LIT1, kind=RouteKind.LITIGATION, stage="stayed", stayed=True, at=NOW)
    assert claim_routes.route_progress(state, news) is None
    assert (state.routes[0].stage, state.routes[0].stayed, state.routes[0].active) == ("stayed", True, True)
    news = RouteProgress(ref=LIT1, kind=RouteKind.LITIGATION, stage="trial_listed", at=NOW)
    claim_routes.route_progress(state, news)
    assert (state.routes[0].stage, state.routes[0].stayed, state.stage) == (
        "trial_listed",
        True,
        S.IN_LITIGATION,
    )


def test_a_route_that_ends_without_an_outcome_did_not_settle():
    state = claim(
        S.IN_EARLY_NEUTRAL_EVALUATION,
        routes=[route(RouteKind.EARLY_NEUTRAL_EVALUATION, return_to=S.LETTER_OF_RESPONSE_SENT)],
    )
    news = RouteProgress(
        ref=f"{REF}-ENE1", kind=RouteKind.EARLY_NEUTRAL_EVALUATION, stage="abandoned", ended=True, at=NOW
    )
    assert claim_routes.route_progress(state, news) == {
        "route": "early_neutral_evaluation",
        "route_ref": f"{REF}-ENE1",
        "result": "not_settled",
        "reason": "ended without outcome",
    }
    assert state.stage == S.LETTER_OF_RESPONSE_SENT and state.updated_at == NOW


@pytest.mark.parametrize(
    ("result", "settlement", "stage"),
    [
        (SummitResult.SETTLED, terms(), S.SETTLED),
        (SummitResult.NOT_SETTLED, None, S.NEGOTIATING),
        (SummitResult.ACTION_AGREED, None, S.NEGOTIATING),
        (SummitResult.ESCALATED, None, S.NEGOTIATING),
    ],
)
def test_a_summits_outcome_ends_the_claims_summit(result: SummitResult, settlement, stage: S):
    state = claim(S.IN_RESOLUTION_SUMMIT)
    outcome = SummitOutcome(summit_ref=SUMMIT_REF, result=result, settlement=settlement, notes="held", at=NOW)
    summary_ = claim_routes.summit_outcome(state, outcome)
    route_result = "settled" if result is SummitResult.SETTLED else "not_settled"
    assert summary_ == {
        "route": "resolution_summit",
        "route_ref": SUMMIT_REF,
        "result": route_result,
        "reason": f"summit outcome: {result.value} (held)",
    }
    assert (state.stage, state.routes[0].stage, state.routes[0].ended_at) == (stage, "concluded", NOW)
    assert (state.settlement is not None) is (result is SummitResult.SETTLED)
    assert claim_routes.summit_outcome(state, outcome) is None, "told once"


def test_a_summits_outcome_during_a_stay_leaves_the_claim_in_litigation():
    state = claim(S.IN_LITIGATION, routes=[STAYED, SUMMIT])
    outcome = SummitOutcome(summit_ref=SUMMIT_REF, result=SummitResult.NOT_SETTLED, at=NOW)
    claim_routes.summit_outcome(state, outcome)
    assert state.stage == S.IN_LITIGATION and not state.routes[1].active and state.routes[0].active
    assert claim_routes.summit_outcome(state, outcome.model_copy(update={"summit_ref": OTHER_SUMMIT})) is None


# --- what time and routes do to a running claim ------------------------------------------------------------


async def test_an_ended_relevant_period_expires_its_offer_and_closes_its_deadline(outside: Outside):
    state = negotiating(
        offer(1, made_on=day(-25), relevant_period_ends_on=day(-1)),
        offer(2, made_on=day(-25), status="withdrawal_pending", relevant_period_ends_on=day(-1)),
        offer(3),
        p1=period(1, due_on=day(-1)),
        p2=period(2, due_on=day(-1)),
        p3=period(3),
    )
    case = running(state)
    assert await case.on_time_passed() is True
    assert [(o.status, o.closed_on, o.relevant_period_expired) for o in state.offers] == [
        ("open", None, True),
        ("withdrawn", day(-1), True),
        ("open", None, False),
    ]
    assert {
        n: x.status for n, x in state.deadlines.items() if n.startswith(claim_offers.RELEVANT_PERIOD)
    } == {
        PERIOD_1: WAIVED,
        PERIOD_2: WAIVED,
        "part_36_relevant_period_offer_3": OPEN_,
    }
    assert await case.on_time_passed() is False, "once"
    assert outside.calls == []


async def test_a_route_settling_the_claim_closes_the_periods_of_the_offers_it_lapsed(outside: Outside):
    case = running(claim(S.IN_MEDIATION))
    await case.route_progress(ended(MED1, RouteKind.MEDIATION, RouteResult.SETTLED, terms()))
    assert case.state.stage == S.SETTLED and case.state.deadlines[PERIOD_1].status == WAIVED
    assert [
        (e.action, e.actor_id, e.stage_before, e.stage_after, e.request_id) for e in case.unprojected
    ] == [("route_ended", "system", S.IN_MEDIATION, S.SETTLED, f"{MED1}:ended")]
    await case.route_progress(ended(MED1, RouteKind.MEDIATION, RouteResult.SETTLED, terms()))
    assert len(case.unprojected) == 1, "an ended route's news again changes nothing"


async def test_a_summit_outcome_is_recorded_once_as_the_claims_own(outside: Outside):
    case = running(claim(S.IN_RESOLUTION_SUMMIT))
    outcome = SummitOutcome(summit_ref=SUMMIT_REF, result=SummitResult.ACTION_AGREED, at=NOW)
    await case.summit_outcome(outcome)
    await case.summit_outcome(outcome)
    assert case.state.stage == S.NEGOTIATING
    assert [(e.action, e.summary["result"], e.request_id) for e in case.unprojected] == [
        ("route_ended", "not_settled", f"{SUMMIT_REF}:outcome")
    ]


# --- gaps the first pure tests found, now closed ---


def test_a_claim_on_hold_can_still_be_taken_out_of_a_summit():
    state = claim(S.IN_RESOLUTION_SUMMIT, hold=HELD)
    assert PATHWAY.refusal(state, PATHWAY.steps["leave_summit"], LEAVE, ctx(Role.SUPERVISOR)) is None


@pytest.mark.parametrize(
    "state",
    [
        at(S.NEGOTIATING, routes=[DISCONTINUED, SUMMIT]),
        at(S.PROCEEDINGS_CONCLUDED, routes=[DISCONTINUED, SUMMIT]),
        at(S.OFFER_ACCEPTED, routes=[STAYED, SUMMIT]),
    ],
    ids=["negotiating", "proceedings concluded", "offer accepted"],
)
def test_a_claim_still_in_a_summit_can_be_taken_out_of_it_at_any_open_stage(state):
    assert PATHWAY.refusal(state(), PATHWAY.steps["leave_summit"], LEAVE, ctx(Role.SUPERVISOR)) is None


def test_litigation_ending_beside_a_running_mediation_leaves_the_claim_in_mediation():
    state = claim(S.IN_LITIGATION, routes=[STAYED, MEDIATION])
    claim_routes.route_progress(state, ended(LIT1, RouteKind.LITIGATION, RouteResult.NOT_SETTLED))
    assert state.stage == S.IN_MEDIATION


def test_a_refused_approval_during_litigation_goes_back_to_litigation():
    state = claim(S.AWAITING_APPROVAL, routes=[LITIGATION])
    PATHWAY.apply(state, PATHWAY.steps["record_court_approval"], NOT_APPROVED, ctx())
    assert state.stage == S.IN_LITIGATION


@pytest.mark.parametrize(
    ("action", "payload", "code"),
    [
        ("withdraw_offer", WITHDRAW.model_copy(update={"withdrawn_on": FUTURE}), "date_in_future"),
        ("withdraw_offer", WITHDRAW.model_copy(update={"withdrawn_on": day(-6)}), "date_before_offer"),
        ("accept_offer", ACCEPT.model_copy(update={"accepted_on": FUTURE}), "date_in_future"),
        ("accept_offer", ACCEPT.model_copy(update={"accepted_on": day(-6)}), "date_before_offer"),
        ("propose_mediation", MEDIATE.model_copy(update={"proposed_on": FUTURE}), "date_in_future"),
        (
            "agree_early_neutral_evaluation",
            EVALUATE.model_copy(update={"agreed_on": FUTURE}),
            "date_in_future",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_offer_and_route_dates_are_checked(action: str, payload: BaseModel, code: str):
    refused = PATHWAY.refusal(claim(S.NEGOTIATING), PATHWAY.steps[action], payload, ctx())
    assert refused is not None and refused.code == code


def test_health_records_can_be_requested_again_once_the_request_was_waived():
    state = claim(S.INVESTIGATING, deadlines=with_deadlines(S.INVESTIGATING, records(WAIVED)))
    offered = PATHWAY.allowed_actions(state, Role.HANDLER)
    assert "request_health_records" in offered and "supply_health_records" not in offered


# --- limitation after a death (LA 1980 s.11(5), s.12) ------------------------------------------------


async def test_a_claim_opened_after_the_death_keeps_the_estates_and_the_dependants_limitation(outside):
    opening = ADULT.model_copy(update={"death": DEPENDANTS_CLAIM})
    opened_by = ActionMeta(actor=Actor(id=OWNER, role=Role.HANDLER), request_id="request-1")
    start = m.ClaimInput(ref=REF, owner=OWNER, opening=opening, opened_by=opened_by)
    case = running(claim(S.NOTIFIED, deadlines={}))
    case.state = case.open(start, OPENED)
    assert case.state.death == DEPENDANTS_CLAIM

    await case.on_open(start)

    book_ = case.state.deadlines
    assert {n: (x.due_on, x.trigger, x.kind) for n, x in book_.items()} == {
        REVIEW: (date(2026, 6, 11), "open_claim", "service"),
        LIMITATION: (date(2029, 4, 1), "open_claim", "statutory"),
        DEPENDANTS_LIMITATION: (date(2029, 5, 4), "open_claim", "statutory"),
    }
    assert book_[LIMITATION].explanation.startswith("LA 1980 s.11(5)")
    assert book_[DEPENDANTS_LIMITATION].explanation.startswith("LA 1980 s.12(2)")


# --- payments made before the claim (an Early Notification case's interim payment) ------------------

EN_INTERIM = m.Payment(
    paid_on=date(2026, 5, 1), amount=D("50000.00"), payee="claimant", reference="EN-INT-1", kind="interim"
)


async def test_a_claim_opened_with_earlier_payments_holds_them_from_its_start(outside):
    """The EN case's interim payments come in the claim's start input, so the claim holds them from
    its first event, each once by its reference, and writes each to the register's payment table
    (keyed by claim and reference: a replay writes it once)."""
    opened_by = ActionMeta(actor=Actor(id=OWNER, role=Role.HANDLER), request_id="request-1")
    start = m.ClaimInput(
        ref=REF, owner=OWNER, opening=ADULT, opened_by=opened_by, earlier_payments=[EN_INTERIM, EN_INTERIM]
    )
    case = running(claim(S.NOTIFIED, deadlines={}))
    case.state = case.open(start, OPENED)
    assert case.state.payments == [EN_INTERIM], "once by its reference"
    assert case.opening_summary(start)["earlier_payments"] == ["EN-INT-1"]

    await case.on_open(start)

    recorded = [
        m.PaymentRecord.model_validate(arg) for _, name, arg in outside.calls if name == "record_payment"
    ]
    assert recorded == [
        m.PaymentRecord(claim_ref=REF, payment=EN_INTERIM, recorded_by=OWNER, recorded_at=OPENED)
    ]
    plain = m.ClaimInput(ref=REF, owner=OWNER, opening=ADULT, opened_by=opened_by)
    assert "earlier_payments" not in case.opening_summary(plain), "an API opening has none"


def test_an_earlier_interim_payment_is_set_off_against_the_settlement_and_keeps_its_reference():
    state = claim(S.SETTLED, settlement=SETTLEMENT, payments=[EN_INTERIM])
    step = PATHWAY.steps["record_payment"]

    def refusal(**payment: Any):
        fields = {
            "paid_on": day(-1),
            "payee": "claimant_solicitors",
            "reference": "PAY-1",
            "kind": "lump_sum",
        }
        payload = m.RecordPayment(**fields | payment)
        refused = PATHWAY.refusal(state, step, payload, ctx())
        return refused and refused.code

    assert refusal(amount=D("285000.00")) == "overpayment", "285,000 agreed, 50,000 of it already paid"
    assert refusal(amount=D("235000.00")) is None
    assert refusal(amount=D("1.00"), reference="EN-INT-1") == "duplicate_payment_reference"


async def test_a_standstill_after_a_death_moves_both_limitations(outside):
    state = claim(S.NEGOTIATING, death=DEPENDANTS_CLAIM)
    standstill = STANDSTILL.model_copy(update={"until": date(2029, 9, 28)})  # after both dates
    await take(running(state), "record_standstill_agreement", standstill)
    assert state.deadlines[LIMITATION].due_on == standstill.until
    assert state.deadlines[DEPENDANTS_LIMITATION].due_on == standstill.until
    assert state.deadlines[DEPENDANTS_LIMITATION].basis.startswith("Limitation Act 1980 ss.12")


async def test_a_clarification_still_awaited_is_moot_once_the_offer_is_accepted(outside):
    state = claim(
        S.NEGOTIATING,
        offers=[offer(clarifications=ASKED)],
        deadlines=with_deadlines(S.NEGOTIATING, clarification()),
    )
    await take(running(state), "accept_offer", ACCEPT)
    assert (state.deadlines[CLARIFY_1].status, state.deadlines[PERIOD_1].status) == (WAIVED, MET)
    assert state.deadlines[CLARIFY_1].changes[-1].reason == "offer 1 is accepted"
    assert state.deadlines[CLARIFY_1].basis.startswith("CPR 36.8(2)")


# --- an early issue (PAP: no proceedings until 4 months after the letter of claim) -----------------


@pytest.mark.parametrize(
    ("issued_on", "code"),
    [(RESPONSE_DUE, "issued_within_protocol_period"), (RESPONSE_DUE + timedelta(days=1), None)],
    ids=["on the last day of the 4 months", "the day after"],
)
def test_an_issue_within_the_protocols_4_months_is_flagged(issued_on: date, code: str | None):
    extended = response(DeadlineStatus.EXTENDED).model_copy(
        update={"due_on": RESPONSE_DUE + timedelta(days=30)}
    )
    state = claim(S.INVESTIGATING, deadlines=with_deadlines(S.INVESTIGATING, extended))
    departure = claim_protocol.early_issue(state, issued_on)
    assert (departure and departure.code) == code, "an agreed extension of the response does not move the bar"


# --- clinical coding: the worker's taxonomy judges the codes (activities/coding.py) ----------------


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"themes": ["theme.communication"]}, "code_not_specific"),
        ({"primary_cause": "cause.no_such_cause"}, "unknown_code"),
        ({"specialty": "cause.fetal_monitoring"}, "wrong_kind_of_code"),
        ({"taxonomy_version": "2025.9"}, "taxonomy_version_stale"),
        ({"injuries": ["injury.death", "injury.death"]}, "code_given_twice"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
async def test_a_coding_the_taxonomy_refuses_changes_nothing(outside: Outside, change: dict, code: str):
    state = claim(S.INVESTIGATING)
    before = state.model_dump()
    with pytest.raises(ApplicationError) as refused:
        await take(running(state), "code_claim", CODING.model_copy(update=change))
    assert refused.value.type == code
    assert refused.value.details[0]["allowed_actions"], "the refusal says what may be done instead"
    assert state.model_dump() == before
