"""The pathway tables of the resolution routes (mediation, early neutral evaluation, litigation)
and of the resolution summit, row by row, without a Temporal server.

For every row: what it declares (stages, target, roles, deadlines, hooks), who may not take it
(forbidden_for_role), where it may not be taken (action_not_allowed), each refusal of its checks
and of its availability, and what it does to the state through `Pathway.apply`; then what each
role is offered at each stage; then the rows' hooks (their effect on the deadline book, what
they ask of and tell other cases) against a stand-in for the running workflow. States are built
directly from the models; every table below is what the rows must do, so a changed row fails.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import BaseModel
from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

from activities.court_service import ServiceActivities
from activities.deadlines import CalendarActivities
from models import early_neutral_evaluation as e
from models import litigation as lit
from models import mediation as med
from models import resolution_summit as summit
from models.cases import (
    AcknowledgeEscalation,
    AddNote,
    CaseLink,
    CaseNote,
    CasePolicy,
    ExtendDeadline,
    WaiveDeadline,
)
from models.common import Actor, AppliedAction, CaseKind, Role
from models.deadline_policies import STANDARD
from models.deadlines import Deadline, DeadlineStatus, LadderStep
from models.routes import (
    RouteKind,
    RouteOutcome,
    RouteProgress,
    RouteResult,
    SettlementTerms,
    SummitOutcome,
    SummitResult,
)
from workflows import early_neutral_evaluation as ene_wf
from workflows import litigation as lit_wf
from workflows import mediation as med_wf
from workflows import resolution_summit as summit_wf
from workflows.case_kit import Context, Pathway
from workflows.clock import end_of_london_day, london_date
from workflows.deadline_book import CaseRef, DeadlineBook
from workflows.route import RouteWorkflow

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TODAY = london_date(NOW)
POLICY = CasePolicy()
OWNER = "hana.handler"
ACTING = frozenset({Role.HANDLER, Role.SUPERVISOR, Role.ADMIN})
SUPERVISING = frozenset({Role.SUPERVISOR, Role.ADMIN})
ROLES = (Role.HANDLER, Role.SUPERVISOR, Role.AUDITOR, Role.ADVISER, Role.ADMIN, Role.ADVICE_SUPERVISOR)


def ctx(role: Role = Role.HANDLER, policy: CasePolicy = POLICY) -> Context:
    return Context(actor=Actor(id=f"{role}.one", role=role), now=NOW, today=TODAY, policy=policy)


def d(text: str) -> date:
    return date.fromisoformat(text)


def deadline(name: str, due_on: str, status: DeadlineStatus = DeadlineStatus.OPEN, rule=None, **fields):
    """A deadline as the book keeps it, due at the end of the London day."""
    policy_rule = POLICY.deadlines.rules[rule or name]
    due = d(due_on)
    return Deadline(
        name=name,
        rule=rule,
        title=policy_rule.title,
        kind=policy_rule.kind,
        basis=policy_rule.basis,
        trigger="earlier_step",
        trigger_date=due - timedelta(days=14),
        due_on=due,
        due_at=end_of_london_day(due),
        original_due_on=due,
        owner=OWNER,
        status=status,
        **fields,
    )


def book(*deadlines: Deadline) -> dict[str, Deadline]:
    return {x.name: x for x in deadlines}


def terms(agreed_on: str) -> SettlementTerms:
    return SettlementTerms(
        agreed_on=d(agreed_on),
        general_damages=Decimal("70000.00"),
        special_damages=Decimal("20000.00"),
        future_losses=Decimal("0.00"),
        claimant_costs=Decimal("25000.00"),
    )


def dig(obj: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(obj, list):
            obj = obj[int(part)]
        else:
            obj = obj[part] if isinstance(obj, dict) else getattr(obj, part)
    return obj


def route_fields(kind: CaseKind, route: RouteKind, ref: str, stage: str) -> dict[str, Any]:
    return {
        "ref": ref,
        "kind": kind,
        "route": route,
        "stage": stage,
        "owner": OWNER,
        "parent": CaseLink(kind=CaseKind.CLAIM, ref="CLM-A", workflow_id="claim-CLM-A"),
        "claim_ref": "CLM-A",
        "opened_at": NOW - timedelta(days=60),
        "updated_at": NOW - timedelta(days=1),
    }


# --- the shape of the tables ------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """What a row declares."""

    from_stages: frozenset[str]
    leads_to: str | None
    roles: frozenset[Role] = ACTING
    date_field: str | None = None
    sets: tuple[str, ...] = ()
    meets: tuple[str, ...] = ()
    waives: tuple[str, ...] = ()
    hooks: frozenset[str] = frozenset()  # which of available, book, before, after it has
    diverts: tuple[str, ...] = ()  # the stages it may divert to


@dataclass(frozen=True)
class Accepts:
    """A step taken: from `state`, with `payload`, it reaches `stage` and sets `fields`."""

    action: str
    state: Any  # () -> state
    payload: BaseModel
    stage: str
    fields: dict[str, Any] = field(default_factory=dict)
    role: Role = Role.HANDLER
    label: str = ""


@dataclass(frozen=True)
class Refuses:
    """A step refused with `code`: by a check, or (`available`) by the state alone, when the
    step is not offered either."""

    action: str
    state: Any
    payload: BaseModel
    code: str
    available: bool = False
    role: Role = Role.HANDLER
    policy: CasePolicy = field(default_factory=lambda: POLICY)
    label: str = ""


@dataclass(frozen=True)
class Kind:
    name: str
    pathway: Pathway
    at: Any  # stage -> the state a case typically has there
    rows: dict[str, Row]
    accepts: list[Accepts]
    refuses: list[Refuses]
    # (label, state, the handler's allowed actions); a supervisor adds waive_deadline on an open
    # case and acknowledge_escalation; auditors and advisers are offered nothing.
    offered: list[tuple[str, Any, set[str]]]
    also: Any = lambda state: set()  # what the handler is offered at every open stage besides


def common_rows(open_stages: frozenset[str], every: frozenset[str]) -> dict[str, Row]:
    return {
        "add_note": Row(every, None),
        "extend_deadline": Row(open_stages, None, hooks=frozenset({"book"})),
        "waive_deadline": Row(open_stages, None, roles=SUPERVISING, hooks=frozenset({"book"})),
        "acknowledge_escalation": Row(every, None, roles=SUPERVISING, hooks=frozenset({"book"})),
    }


def common_accepts(at, stage: str, name: str, due_on: str, rule: str | None = None) -> list[Accepts]:
    """The steps every case has, on one of the kind's deadlines."""

    def with_deadline():
        state = at(stage)
        state.deadlines[name] = deadline(name, due_on, rule=rule, steps_done=[LadderStep.WARNING])
        return state

    return [
        Accepts(
            "add_note",
            lambda: at(stage),
            AddNote(text="spoke to the claimant's solicitors"),
            stage,
            {
                "notes": [
                    CaseNote(seq=1, text="spoke to the claimant's solicitors", author="handler.one", at=NOW)
                ]
            },
        ),
        Accepts(
            "extend_deadline",
            with_deadline,
            ExtendDeadline(
                deadline=name,
                new_due_on=d(due_on) + timedelta(days=7),
                reason="agreed",
                agreed_by="Example & Co LLP",
            ),
            stage,
        ),
        Accepts(
            "waive_deadline",
            with_deadline,
            WaiveDeadline(deadline=name, reason="moot"),
            stage,
            role=Role.SUPERVISOR,
        ),
        Accepts(
            "acknowledge_escalation",
            with_deadline,
            AcknowledgeEscalation(deadline=name, revision=1, step="warning", comment="seen"),
            stage,
            {"acknowledged_escalations": [f"{name}:1:warning"]},
            role=Role.SUPERVISOR,
        ),
    ]


def common_refuses(at, stage: str, name: str, due_on: str, rule: str | None = None) -> list[Refuses]:
    def unknown():
        state = at(stage)
        state.deadlines.pop(name, None)
        return state

    def live():
        state = at(stage)
        state.deadlines[name] = deadline(name, due_on, rule=rule, steps_done=[LadderStep.WARNING])
        return state

    def met():
        state = at(stage)
        state.deadlines[name] = deadline(name, due_on, DeadlineStatus.MET, rule=rule)
        return state

    def acknowledged():
        state = live()
        state.acknowledged_escalations = [f"{name}:1:warning"]
        return state

    later = d(due_on) + timedelta(days=7)
    extend = ExtendDeadline(deadline=name, new_due_on=later, reason="agreed", agreed_by="them")
    waive = WaiveDeadline(deadline=name, reason="moot")
    ack = AcknowledgeEscalation(deadline=name, revision=1, step="warning", comment="seen")
    sup = Role.SUPERVISOR
    return [
        Refuses("extend_deadline", unknown, extend, "unknown_deadline"),
        Refuses("extend_deadline", met, extend, "deadline_closed"),
        Refuses(
            "extend_deadline",
            live,
            extend.model_copy(update={"new_due_on": d(due_on)}),
            "extension_not_later",
        ),
        Refuses("waive_deadline", unknown, waive, "unknown_deadline", role=sup),
        Refuses("waive_deadline", met, waive, "deadline_closed", role=sup),
        Refuses("acknowledge_escalation", unknown, ack, "unknown_deadline", role=sup),
        Refuses(
            "acknowledge_escalation",
            live,
            ack.model_copy(update={"step": "supervisor"}),
            "unknown_escalation",
            role=sup,
        ),
        Refuses("acknowledge_escalation", acknowledged, ack, "already_acknowledged", role=sup),
    ]


FUTURE = TODAY + timedelta(days=1)
AVAILABLE, BOOK, BEFORE, AFTER = "available", "book", "before", "after"


def hooks(*names: str) -> frozenset[str]:
    return frozenset(names)


# --- mediation ------------------------------------------------------------------------------------

MS = med.MediationStage
MED_EVERY = frozenset(MS)
MED_FINAL = frozenset({MS.SETTLED, MS.NOT_SETTLED, MS.DECLINED})
MED_OPEN = MED_EVERY - MED_FINAL

# What each stage adds to the mediation's details and book, on the way there.
MED_PATH = {
    MS.PROPOSED: (None, {}, ()),
    MS.AGREED: (MS.PROPOSED, {"accepted_on": d("2026-09-29")}, ()),
    MS.MEDIATOR_APPOINTED: (MS.AGREED, {"provider": "CEDR", "mediator": "A. Mediator"}, ()),
    MS.SCHEDULED: (
        MS.MEDIATOR_APPOINTED,
        {"mediation_on": d("2026-11-10"), "venue": "CEDR, London"},
        (
            ("position_statements_due", "2026-11-03", DeadlineStatus.OPEN),
            ("mediation_bundle_due", "2026-11-05", DeadlineStatus.OPEN),
        ),
    ),
    MS.NOT_SETTLED_ON_DAY: (
        MS.SCHEDULED,
        {"held_on": d("2026-11-10"), "settled_on_day": False},
        (("mediation_settlement_check_due", "2026-12-08", DeadlineStatus.OPEN),),
    ),
    MS.SETTLED: (MS.SCHEDULED, {"held_on": d("2026-11-10"), "settled_on_day": True}, ()),
    MS.NOT_SETTLED: (MS.NOT_SETTLED_ON_DAY, {"settled_within_28_days": False}, ()),
    MS.DECLINED: (MS.PROPOSED, {"refused_by": "claimant", "refusal_reason": "no"}, ()),
}


def walk(path: dict, stage: str) -> tuple[dict, dict]:
    """The details and deadlines a case has gathered by `stage`."""
    prior, details, deadlines = path[stage]
    gathered, book_ = walk(path, prior) if prior else ({}, {})
    gathered = gathered | details
    for name, due_on, status in deadlines:
        book_[name] = deadline(name, due_on, status)
    return gathered, book_


def mediation_at(stage: str) -> med.MediationState:
    details, deadlines = walk(MED_PATH, stage)
    return med.MediationState(
        **route_fields(CaseKind.MEDIATION, RouteKind.MEDIATION, "CLM-A-MED1", stage),
        deadlines=deadlines,
        mediation=med.MediationDetails(
            proposed_by="claimant", proposed_on=d("2026-09-25"), format="remote", **details
        ),
    )


def _med(stage):
    return lambda: mediation_at(stage)


MEDIATION = Kind(
    "mediation",
    med_wf.PATHWAY,
    mediation_at,
    rows={
        "accept_mediation": Row(frozenset({MS.PROPOSED}), MS.AGREED, meets=("mediation_reply_due",)),
        "refuse_mediation": Row(frozenset({MS.PROPOSED}), MS.DECLINED, meets=("mediation_reply_due",)),
        "appoint_mediator": Row(frozenset({MS.AGREED}), MS.MEDIATOR_APPOINTED),
        "fix_mediation_date": Row(
            frozenset({MS.MEDIATOR_APPOINTED, MS.SCHEDULED}), MS.SCHEDULED, hooks=hooks(BOOK)
        ),
        "serve_position_statement": Row(
            frozenset({MS.SCHEDULED}), None, date_field="served_on", meets=("position_statements_due",)
        ),
        "lodge_bundle": Row(
            frozenset({MS.SCHEDULED}), None, date_field="served_on", meets=("mediation_bundle_due",)
        ),
        "record_mediation_settled": Row(frozenset({MS.SCHEDULED}), MS.SETTLED, date_field="held_on"),
        "record_mediation_not_settled": Row(
            frozenset({MS.SCHEDULED}),
            MS.NOT_SETTLED_ON_DAY,
            date_field="held_on",
            sets=("mediation_settlement_check_due",),
            waives=("position_statements_due", "mediation_bundle_due"),
        ),
        "record_settlement_after_mediation": Row(
            frozenset({MS.NOT_SETTLED_ON_DAY}), MS.SETTLED, meets=("mediation_settlement_check_due",)
        ),
        "record_no_settlement": Row(
            frozenset({MS.NOT_SETTLED_ON_DAY}), MS.NOT_SETTLED, meets=("mediation_settlement_check_due",)
        ),
        "abandon_mediation": Row(MED_OPEN - {MS.NOT_SETTLED_ON_DAY}, MS.DECLINED),
        **common_rows(MED_OPEN, MED_EVERY),
    },
    accepts=[
        Accepts(
            "accept_mediation",
            _med(MS.PROPOSED),
            med.AcceptMediation(accepted_on=d("2026-09-29"), accepted_by="defendant"),
            MS.AGREED,
            {"mediation.accepted_on": d("2026-09-29")},
        ),
        Accepts(
            "refuse_mediation",
            _med(MS.PROPOSED),
            med.RefuseMediation(refused_on=d("2026-10-01"), refused_by="claimant", reason="liability first"),
            MS.DECLINED,
            {
                "mediation.refused_by": "claimant",
                "mediation.refusal_reason": "liability first",
                "outcome": "declined",
                "route_outcome": RouteOutcome(
                    result=RouteResult.DECLINED, reason="refused by claimant: liability first"
                ),
                "closed_at": NOW,
                "stage_before_closure": MS.PROPOSED,
            },
        ),
        Accepts(
            "appoint_mediator",
            _med(MS.AGREED),
            med.AppointMediator(
                provider="Trust Mediation",
                mediator="B. Mediator",
                appointed_on=d("2026-10-01"),
                format="in_person",
            ),
            MS.MEDIATOR_APPOINTED,
            {
                "mediation.provider": "Trust Mediation",
                "mediation.mediator": "B. Mediator",
                "mediation.format": "in_person",
            },
        ),
        Accepts(
            "appoint_mediator",
            _med(MS.AGREED),
            med.AppointMediator(provider="CEDR", mediator="A. Mediator", appointed_on=d("2026-10-01")),
            MS.MEDIATOR_APPOINTED,
            {"mediation.format": "remote"},
            label="no format keeps the proposed one",
        ),
        Accepts(
            "fix_mediation_date",
            _med(MS.MEDIATOR_APPOINTED),
            med.FixMediationDate(
                mediation_on=d("2026-12-10"),
                position_statements_due_on=d("2026-12-03"),
                bundle_due_on=d("2026-12-05"),
                venue="CEDR, London",
            ),
            MS.SCHEDULED,
            {"mediation.mediation_on": d("2026-12-10"), "mediation.venue": "CEDR, London"},
        ),
        Accepts(
            "serve_position_statement",
            _med(MS.SCHEDULED),
            med.ServePaper(served_on=d("2026-11-02"), by="defendant"),
            MS.SCHEDULED,
            {"mediation.papers_served": ["position statement by defendant on 2026-11-02"]},
        ),
        Accepts(
            "lodge_bundle",
            _med(MS.SCHEDULED),
            med.ServePaper(served_on=d("2026-11-04"), by="defendant"),
            MS.SCHEDULED,
            {"mediation.papers_served": ["bundle by defendant on 2026-11-04"]},
        ),
        Accepts(
            "record_mediation_settled",
            _med(MS.SCHEDULED),
            med.MediationSettled(held_on=d("2026-11-10"), settlement=terms("2026-11-10")),
            MS.SETTLED,
            {
                "mediation.held_on": d("2026-11-10"),
                "mediation.settled_on_day": True,
                "outcome": "settled_on_day",
                "route_outcome": RouteOutcome(
                    result=RouteResult.SETTLED, reason="settled_on_day", settlement=terms("2026-11-10")
                ),
                "closed_at": NOW,
            },
        ),
        Accepts(
            "record_mediation_not_settled",
            _med(MS.SCHEDULED),
            med.MediationNotSettled(held_on=d("2026-11-11")),
            MS.NOT_SETTLED_ON_DAY,
            {
                "mediation.held_on": d("2026-11-11"),
                "mediation.settled_on_day": False,
                "outcome": None,
                "route_outcome": None,
                "closed_at": None,
            },
        ),
        Accepts(
            "record_settlement_after_mediation",
            _med(MS.NOT_SETTLED_ON_DAY),
            med.RecordLaterSettlement(settlement=terms("2026-12-08")),
            MS.SETTLED,
            {
                "mediation.settled_within_28_days": True,
                "outcome": "settled_after_mediation",
                "route_outcome": RouteOutcome(
                    result=RouteResult.SETTLED,
                    reason="settled_after_mediation",
                    settlement=terms("2026-12-08"),
                ),
            },
        ),
        Accepts(
            "record_settlement_after_mediation",
            _med(MS.NOT_SETTLED_ON_DAY),
            med.RecordLaterSettlement(settlement=terms("2026-12-09")),
            MS.SETTLED,
            {
                "mediation.settled_within_28_days": False,
                "outcome": "settled_after_mediation",
                "route_outcome": RouteOutcome(
                    result=RouteResult.SETTLED,
                    reason="settled_after_mediation",
                    settlement=terms("2026-12-09"),
                ),
            },
            label="29 days after the day",
        ),
        Accepts(
            "record_no_settlement",
            _med(MS.NOT_SETTLED_ON_DAY),
            med.RecordNoSettlement(checked_on=d("2026-11-12"), reason="too far apart"),
            MS.NOT_SETTLED,
            {
                "mediation.settled_within_28_days": False,
                "outcome": "not_settled",
                "route_outcome": RouteOutcome(result=RouteResult.NOT_SETTLED, reason="too far apart"),
                "stage_before_closure": MS.NOT_SETTLED_ON_DAY,
            },
        ),
        *[
            Accepts(
                "abandon_mediation",
                _med(stage),
                med.AbandonMediation(reason="claimant withdrew"),
                MS.DECLINED,
                {
                    "outcome": "abandoned",
                    "route_outcome": RouteOutcome(
                        result=RouteResult.DECLINED, reason="abandoned: claimant withdrew"
                    ),
                    "stage_before_closure": stage,
                },
                label=stage,
            )
            for stage in (MS.PROPOSED, MS.AGREED, MS.MEDIATOR_APPOINTED, MS.SCHEDULED)
        ],
        *common_accepts(mediation_at, MS.PROPOSED, "mediation_reply_due", "2026-10-23"),
    ],
    refuses=[
        Refuses(
            "accept_mediation",
            _med(MS.PROPOSED),
            med.AcceptMediation(accepted_on=FUTURE, accepted_by="defendant"),
            "date_in_future",
        ),
        Refuses(
            "refuse_mediation",
            _med(MS.PROPOSED),
            med.RefuseMediation(refused_on=FUTURE, refused_by="claimant", reason="no"),
            "date_in_future",
        ),
        Refuses(
            "appoint_mediator",
            _med(MS.AGREED),
            med.AppointMediator(provider="CEDR", mediator="A. Mediator", appointed_on=FUTURE),
            "date_in_future",
        ),
        Refuses(
            "serve_position_statement",
            _med(MS.SCHEDULED),
            med.ServePaper(served_on=FUTURE, by="defendant"),
            "date_in_future",
        ),
        Refuses(
            "lodge_bundle",
            _med(MS.SCHEDULED),
            med.ServePaper(served_on=FUTURE, by="defendant"),
            "date_in_future",
        ),
        Refuses(
            "record_mediation_settled",
            _med(MS.SCHEDULED),
            med.MediationSettled(held_on=FUTURE, settlement=terms("2026-11-10")),
            "date_in_future",
        ),
        Refuses(
            "record_mediation_settled",
            _med(MS.SCHEDULED),
            med.MediationSettled(held_on=d("2026-11-09"), settlement=terms("2026-11-09")),
            "before_mediation_date",
        ),
        Refuses(
            "record_mediation_not_settled",
            _med(MS.SCHEDULED),
            med.MediationNotSettled(held_on=FUTURE),
            "date_in_future",
        ),
        Refuses(
            "record_mediation_not_settled",
            _med(MS.SCHEDULED),
            med.MediationNotSettled(held_on=d("2026-11-09")),
            "before_mediation_date",
        ),
        Refuses(
            "record_no_settlement",
            _med(MS.NOT_SETTLED_ON_DAY),
            med.RecordNoSettlement(checked_on=FUTURE, reason="too far apart"),
            "date_in_future",
        ),
        *common_refuses(mediation_at, MS.PROPOSED, "mediation_reply_due", "2026-10-23"),
    ],
    offered=[
        ("proposed", _med(MS.PROPOSED), {"accept_mediation", "refuse_mediation", "abandon_mediation"}),
        ("agreed", _med(MS.AGREED), {"appoint_mediator", "abandon_mediation"}),
        ("mediator_appointed", _med(MS.MEDIATOR_APPOINTED), {"fix_mediation_date", "abandon_mediation"}),
        (
            "scheduled",
            _med(MS.SCHEDULED),
            {
                "fix_mediation_date",
                "serve_position_statement",
                "lodge_bundle",
                "record_mediation_settled",
                "record_mediation_not_settled",
                "abandon_mediation",
            },
        ),
        (
            "not_settled_on_day",
            _med(MS.NOT_SETTLED_ON_DAY),
            {"record_settlement_after_mediation", "record_no_settlement"},
        ),
        ("settled", _med(MS.SETTLED), set()),
        ("not_settled", _med(MS.NOT_SETTLED), set()),
        ("declined", _med(MS.DECLINED), set()),
    ],
)


# --- early neutral evaluation ---------------------------------------------------------------------

ES = e.EvaluationStage
ENE_EVERY = frozenset(ES)
ENE_FINAL = frozenset({ES.SETTLED, ES.NARROWED, ES.NOT_RESOLVED, ES.ABANDONED})
ENE_OPEN = ENE_EVERY - ENE_FINAL
BEFORE_DELIVERY = frozenset({ES.AGREED, ES.EVALUATOR_APPOINTED, ES.PAPERS_DUE, ES.PAPERS_SERVED})
GIST = e.EvaluationGist(
    breach="likely", causation="arguable", quantum="£90k-£120k", valuation=Decimal("100000.00")
)
BOTH_PAPERS = {"claimant": d("2026-11-02"), "defendant": d("2026-11-03")}
RESPONSE = {
    side: e.RecordEvaluationResponse(by=side, responded_on=d("2026-11-18"), accepts=True)
    for side in ("claimant", "defendant")
}

ENE_PATH = {
    ES.AGREED: (None, {}, ()),
    ES.EVALUATOR_APPOINTED: (
        ES.AGREED,
        {
            "evaluator": "A. Evaluator KC",
            "standing": "kc",
            "appointed_on": d("2026-10-01"),
            "form": "hearing",
            "evaluation_on": d("2026-11-16"),
        },
        (("evaluation_due", "2026-11-16", DeadlineStatus.OPEN),),
    ),
    ES.PAPERS_DUE: (
        ES.EVALUATOR_APPOINTED,
        {},
        (
            ("evaluation_position_papers_due", "2026-11-02", DeadlineStatus.OPEN),
            ("evaluation_bundle_due", "2026-11-09", DeadlineStatus.OPEN),
        ),
    ),
    ES.PAPERS_SERVED: (
        ES.PAPERS_DUE,
        {"position_papers_served": BOTH_PAPERS, "bundle_lodged_on": d("2026-11-06")},
        (
            ("evaluation_position_papers_due", "2026-11-02", DeadlineStatus.MET),
            ("evaluation_bundle_due", "2026-11-09", DeadlineStatus.MET),
        ),
    ),
    ES.EVALUATION_DELIVERED: (
        ES.PAPERS_SERVED,
        {"delivered_on": d("2026-11-16"), "gist": GIST},
        (
            ("evaluation_due", "2026-11-16", DeadlineStatus.MET),
            ("evaluation_response_due", "2026-11-30", DeadlineStatus.OPEN),
        ),
    ),
    ES.SETTLED: (ES.EVALUATION_DELIVERED, {"responses": RESPONSE}, ()),
    ES.NARROWED: (ES.EVALUATION_DELIVERED, {"responses": RESPONSE}, ()),
    ES.NOT_RESOLVED: (ES.EVALUATION_DELIVERED, {"responses": RESPONSE}, ()),
    ES.ABANDONED: (ES.AGREED, {}, ()),
}


def evaluation_at(stage: str, **details) -> e.EvaluationState:
    gathered, deadlines = walk(ENE_PATH, stage)
    return e.EvaluationState(
        **route_fields(
            CaseKind.EARLY_NEUTRAL_EVALUATION, RouteKind.EARLY_NEUTRAL_EVALUATION, "CLM-A-ENE1", stage
        ),
        deadlines=deadlines,
        evaluation=e.EvaluationDetails(agreed_on=d("2026-09-25"), **(gathered | details)),
    )


def _ene(stage, **details):
    return lambda: evaluation_at(stage, **details)


ONE_PAPER = {"position_papers_served": {"claimant": d("2026-11-02")}}
ONE_RESPONSE = {"responses": {"claimant": RESPONSE["claimant"]}}
TIMETABLE = e.FixEvaluationTimetable(position_papers_due_on=d("2026-11-02"), bundle_due_on=d("2026-11-09"))
DELIVERY = e.DeliverEvaluation(delivered_on=d("2026-11-16"), gist=GIST)

EVALUATION = Kind(
    "early_neutral_evaluation",
    ene_wf.PATHWAY,
    evaluation_at,
    rows={
        "appoint_evaluator": Row(frozenset({ES.AGREED}), ES.EVALUATOR_APPOINTED, hooks=hooks(BOOK)),
        "fix_evaluation_timetable": Row(
            frozenset({ES.EVALUATOR_APPOINTED, ES.PAPERS_DUE}), ES.PAPERS_DUE, hooks=hooks(BOOK)
        ),
        "serve_position_paper": Row(
            frozenset({ES.PAPERS_DUE}), None, date_field="served_on", hooks=hooks(AVAILABLE, BOOK)
        ),
        "lodge_evaluation_bundle": Row(
            frozenset({ES.PAPERS_DUE}),
            ES.PAPERS_SERVED,
            date_field="lodged_on",
            meets=("evaluation_bundle_due",),
            hooks=hooks(AVAILABLE),
        ),
        "deliver_evaluation": Row(
            frozenset({ES.PAPERS_DUE, ES.PAPERS_SERVED}),
            ES.EVALUATION_DELIVERED,
            date_field="delivered_on",
            sets=("evaluation_response_due",),
            meets=("evaluation_due",),
            waives=("evaluation_position_papers_due", "evaluation_bundle_due"),
        ),
        "record_evaluation_response": Row(
            frozenset({ES.EVALUATION_DELIVERED}),
            None,
            date_field="responded_on",
            hooks=hooks(AVAILABLE, BOOK),
        ),
        "settle_on_evaluation": Row(frozenset({ES.EVALUATION_DELIVERED}), ES.SETTLED, hooks=hooks(AVAILABLE)),
        "record_issues_narrowed": Row(
            frozenset({ES.EVALUATION_DELIVERED}), ES.NARROWED, hooks=hooks(AVAILABLE)
        ),
        "record_not_resolved": Row(
            frozenset({ES.EVALUATION_DELIVERED}), ES.NOT_RESOLVED, hooks=hooks(AVAILABLE)
        ),
        "abandon_evaluation": Row(BEFORE_DELIVERY, ES.ABANDONED),
        **common_rows(ENE_OPEN, ENE_EVERY),
    },
    accepts=[
        Accepts(
            "appoint_evaluator",
            _ene(ES.AGREED),
            e.AppointEvaluator(
                evaluator="HHJ Retired",
                standing="retired_judge",
                provider="CEDR",
                appointed_on=d("2026-10-01"),
                form="paper",
                evaluation_on=d("2026-11-20"),
            ),
            ES.EVALUATOR_APPOINTED,
            {
                "evaluation.evaluator": "HHJ Retired",
                "evaluation.standing": "retired_judge",
                "evaluation.provider": "CEDR",
                "evaluation.appointed_on": d("2026-10-01"),
                "evaluation.form": "paper",
                "evaluation.evaluation_on": d("2026-11-20"),
            },
        ),
        Accepts(
            "fix_evaluation_timetable",
            _ene(ES.EVALUATOR_APPOINTED),
            TIMETABLE,
            ES.PAPERS_DUE,
            {"evaluation.evaluation_on": d("2026-11-16")},
        ),
        Accepts(
            "fix_evaluation_timetable",
            _ene(ES.PAPERS_DUE),
            TIMETABLE.model_copy(update={"bundle_due_on": d("2026-11-20"), "evaluation_on": d("2026-11-23")}),
            ES.PAPERS_DUE,
            {"evaluation.evaluation_on": d("2026-11-23")},
            label="moving the evaluation",
        ),
        Accepts(
            "serve_position_paper",
            _ene(ES.PAPERS_DUE),
            e.ServePositionPaper(served_on=d("2026-11-02"), by="claimant"),
            ES.PAPERS_DUE,
            {"evaluation.position_papers_served": {"claimant": d("2026-11-02")}},
        ),
        Accepts(
            "serve_position_paper",
            _ene(ES.PAPERS_DUE, **ONE_PAPER),
            e.ServePositionPaper(served_on=d("2026-11-03"), by="defendant"),
            ES.PAPERS_DUE,
            {"evaluation.position_papers_served": BOTH_PAPERS},
            label="the second",
        ),
        Accepts(
            "lodge_evaluation_bundle",
            _ene(ES.PAPERS_DUE, position_papers_served=BOTH_PAPERS),
            e.LodgeEvaluationBundle(lodged_on=d("2026-11-06")),
            ES.PAPERS_SERVED,
            {"evaluation.bundle_lodged_on": d("2026-11-06")},
        ),
        Accepts(
            "deliver_evaluation",
            _ene(ES.PAPERS_SERVED),
            DELIVERY,
            ES.EVALUATION_DELIVERED,
            {"evaluation.delivered_on": d("2026-11-16"), "evaluation.gist": GIST},
        ),
        Accepts(
            "deliver_evaluation",
            _ene(ES.PAPERS_DUE, **ONE_PAPER),
            DELIVERY,
            ES.EVALUATION_DELIVERED,
            {"evaluation.delivered_on": d("2026-11-16")},
            label="on what was served",
        ),
        Accepts(
            "record_evaluation_response",
            _ene(ES.EVALUATION_DELIVERED),
            RESPONSE["claimant"],
            ES.EVALUATION_DELIVERED,
            {"evaluation.responses": {"claimant": RESPONSE["claimant"]}},
        ),
        Accepts(
            "settle_on_evaluation",
            _ene(ES.EVALUATION_DELIVERED, responses=RESPONSE),
            e.SettleOnEvaluation(settlement=terms("2026-11-19")),
            ES.SETTLED,
            {
                "outcome": "settled_on_evaluation",
                "route_outcome": RouteOutcome(
                    result=RouteResult.SETTLED,
                    reason="settled on the evaluation",
                    settlement=terms("2026-11-19"),
                ),
                "closed_at": NOW,
                "stage_before_closure": ES.EVALUATION_DELIVERED,
            },
        ),
        Accepts(
            "record_issues_narrowed",
            _ene(ES.EVALUATION_DELIVERED, responses=RESPONSE),
            e.RecordIssuesNarrowed(issues_agreed=["breach"], issues_remaining=["causation", "quantum"]),
            ES.NARROWED,
            {
                "evaluation.issues_agreed": ["breach"],
                "evaluation.issues_remaining": ["causation", "quantum"],
                "outcome": "issues_narrowed",
                "route_outcome": RouteOutcome(
                    result=RouteResult.NARROWED,
                    reason="issues agreed: breach | still in dispute: causation; quantum",
                ),
            },
        ),
        Accepts(
            "record_issues_narrowed",
            _ene(ES.EVALUATION_DELIVERED, responses=RESPONSE),
            e.RecordIssuesNarrowed(issues_agreed=["breach", "causation"]),
            ES.NARROWED,
            {
                "evaluation.issues_agreed": ["breach", "causation"],
                "evaluation.issues_remaining": [],
                "outcome": "issues_narrowed",
                "route_outcome": RouteOutcome(
                    result=RouteResult.NARROWED, reason="issues agreed: breach; causation"
                ),
            },
            label="none left",
        ),
        Accepts(
            "record_not_resolved",
            _ene(ES.EVALUATION_DELIVERED, responses=RESPONSE),
            e.RecordNotResolved(reason="causation defence maintained"),
            ES.NOT_RESOLVED,
            {
                "outcome": "not_resolved",
                "route_outcome": RouteOutcome(
                    result=RouteResult.NOT_SETTLED, reason="causation defence maintained"
                ),
            },
        ),
        *[
            Accepts(
                "abandon_evaluation",
                _ene(stage),
                e.AbandonEvaluation(reason="claimant unwilling"),
                ES.ABANDONED,
                {
                    "outcome": "abandoned",
                    "route_outcome": RouteOutcome(
                        result=RouteResult.DECLINED, reason="abandoned: claimant unwilling"
                    ),
                    "stage_before_closure": stage,
                },
                label=stage,
            )
            for stage in (ES.AGREED, ES.EVALUATOR_APPOINTED, ES.PAPERS_DUE, ES.PAPERS_SERVED)
        ],
        Accepts(
            "abandon_evaluation",
            _ene(ES.AGREED, ordered_by_court=True),
            e.AbandonEvaluation(reason="order varied", court_order_varied_on=d("2026-10-05")),
            ES.ABANDONED,
            {
                "outcome": "abandoned",
                "route_outcome": RouteOutcome(result=RouteResult.DECLINED, reason="abandoned: order varied"),
            },
            label="court order varied",
        ),
        *common_accepts(evaluation_at, ES.EVALUATOR_APPOINTED, "evaluation_due", "2026-11-16"),
    ],
    refuses=[
        Refuses(
            "appoint_evaluator",
            _ene(ES.AGREED),
            e.AppointEvaluator(
                evaluator="A", standing="kc", appointed_on=FUTURE, form="paper", evaluation_on=FUTURE
            ),
            "date_in_future",
        ),
        Refuses(
            "fix_evaluation_timetable",
            _ene(ES.EVALUATOR_APPOINTED),
            TIMETABLE.model_copy(update={"bundle_due_on": d("2026-11-17")}),
            "papers_after_evaluation",
        ),
        Refuses(
            "fix_evaluation_timetable",
            _ene(ES.PAPERS_DUE),
            TIMETABLE.model_copy(update={"evaluation_on": d("2026-11-05")}),
            "papers_after_evaluation",
            label="moved before the papers",
        ),
        Refuses(
            "serve_position_paper",
            _ene(ES.PAPERS_DUE),
            e.ServePositionPaper(served_on=FUTURE, by="claimant"),
            "date_in_future",
        ),
        Refuses(
            "serve_position_paper",
            _ene(ES.PAPERS_DUE, **ONE_PAPER),
            e.ServePositionPaper(served_on=d("2026-11-04"), by="claimant"),
            "already_served",
        ),
        Refuses(
            "serve_position_paper",
            _ene(ES.PAPERS_DUE, position_papers_served=BOTH_PAPERS),
            e.ServePositionPaper(served_on=d("2026-11-04"), by="claimant"),
            "already_served",
            available=True,
        ),
        Refuses(
            "lodge_evaluation_bundle",
            _ene(ES.PAPERS_DUE, position_papers_served=BOTH_PAPERS),
            e.LodgeEvaluationBundle(lodged_on=FUTURE),
            "date_in_future",
        ),
        Refuses(
            "lodge_evaluation_bundle",
            _ene(ES.PAPERS_DUE, **ONE_PAPER),
            e.LodgeEvaluationBundle(lodged_on=d("2026-11-06")),
            "position_papers_outstanding",
            available=True,
        ),
        Refuses(
            "deliver_evaluation",
            _ene(ES.PAPERS_SERVED),
            DELIVERY.model_copy(update={"delivered_on": FUTURE}),
            "date_in_future",
        ),
        Refuses(
            "deliver_evaluation",
            _ene(ES.PAPERS_SERVED),
            DELIVERY.model_copy(update={"delivered_on": d("2026-09-30")}),
            "before_appointment",
        ),
        Refuses(
            "record_evaluation_response",
            _ene(ES.EVALUATION_DELIVERED),
            RESPONSE["claimant"].model_copy(update={"responded_on": FUTURE}),
            "date_in_future",
        ),
        Refuses(
            "record_evaluation_response",
            _ene(ES.EVALUATION_DELIVERED, **ONE_RESPONSE),
            RESPONSE["claimant"],
            "already_responded",
        ),
        Refuses(
            "record_evaluation_response",
            _ene(ES.EVALUATION_DELIVERED),
            RESPONSE["claimant"].model_copy(update={"responded_on": d("2026-11-15")}),
            "before_evaluation",
        ),
        Refuses(
            "record_evaluation_response",
            _ene(ES.EVALUATION_DELIVERED, responses=RESPONSE),
            RESPONSE["claimant"],
            "already_responded",
            available=True,
        ),
        Refuses(
            "settle_on_evaluation",
            _ene(ES.EVALUATION_DELIVERED, **ONE_RESPONSE),
            e.SettleOnEvaluation(settlement=terms("2026-11-19")),
            "responses_outstanding",
            available=True,
        ),
        Refuses(
            "record_issues_narrowed",
            _ene(ES.EVALUATION_DELIVERED, **ONE_RESPONSE),
            e.RecordIssuesNarrowed(issues_agreed=["breach"]),
            "responses_outstanding",
            available=True,
        ),
        Refuses(
            "record_not_resolved",
            _ene(ES.EVALUATION_DELIVERED),
            e.RecordNotResolved(reason="no"),
            "responses_outstanding",
            available=True,
        ),
        Refuses(
            "abandon_evaluation",
            _ene(ES.PAPERS_DUE, ordered_by_court=True),
            e.AbandonEvaluation(reason="claimant unwilling"),
            "ordered_by_court",
        ),
        *common_refuses(evaluation_at, ES.EVALUATOR_APPOINTED, "evaluation_due", "2026-11-16"),
    ],
    offered=[
        ("agreed", _ene(ES.AGREED), {"appoint_evaluator", "abandon_evaluation"}),
        (
            "evaluator_appointed",
            _ene(ES.EVALUATOR_APPOINTED),
            {"fix_evaluation_timetable", "abandon_evaluation"},
        ),
        (
            "papers_due, none served",
            _ene(ES.PAPERS_DUE),
            {"fix_evaluation_timetable", "serve_position_paper", "deliver_evaluation", "abandon_evaluation"},
        ),
        (
            "papers_due, one served",
            _ene(ES.PAPERS_DUE, **ONE_PAPER),
            {"fix_evaluation_timetable", "serve_position_paper", "deliver_evaluation", "abandon_evaluation"},
        ),
        (
            "papers_due, both served",
            _ene(ES.PAPERS_DUE, position_papers_served=BOTH_PAPERS),
            {
                "fix_evaluation_timetable",
                "lodge_evaluation_bundle",
                "deliver_evaluation",
                "abandon_evaluation",
            },
        ),
        ("papers_served", _ene(ES.PAPERS_SERVED), {"deliver_evaluation", "abandon_evaluation"}),
        ("evaluation_delivered, no responses", _ene(ES.EVALUATION_DELIVERED), {"record_evaluation_response"}),
        (
            "evaluation_delivered, one response",
            _ene(ES.EVALUATION_DELIVERED, **ONE_RESPONSE),
            {"record_evaluation_response"},
        ),
        (
            "evaluation_delivered, both responses",
            _ene(ES.EVALUATION_DELIVERED, responses=RESPONSE),
            {"settle_on_evaluation", "record_issues_narrowed", "record_not_resolved"},
        ),
        *[
            (stage.value, _ene(stage), set())
            for stage in (ES.SETTLED, ES.NARROWED, ES.NOT_RESOLVED, ES.ABANDONED)
        ],
    ],
)


# --- litigation -------------------------------------------------------------------------------------

LS = lit.LitigationStage
LIT_EVERY = frozenset(LS)
LIT_FINAL = frozenset(
    {LS.SETTLED, LS.DISCONTINUED, LS.STRUCK_OUT, LS.JUDGMENT_FOR_CLAIMANT, LS.JUDGMENT_FOR_DEFENDANT}
)
LIT_OPEN = LIT_EVERY - LIT_FINAL
LIT_DIRECTIONS = frozenset({LS.DIRECTIONS_GIVEN, LS.TRIAL_LISTED})
OPEN_, MET = DeadlineStatus.OPEN, DeadlineStatus.MET
DIRECTION_DATES = {
    "disclosure_due": "2026-04-17",
    "witness_statements_due": "2026-06-12",
    "expert_reports_due": "2026-08-14",
    "experts_joint_statement_due": "2026-09-18",
    "pre_trial_review": "2026-10-16",
}

LIT_PATH = {
    LS.ISSUED: (None, {}, (("claim_form_service_due", "2025-11-30", OPEN_),)),
    LS.CLAIM_FORM_SERVED: (
        LS.ISSUED,
        {
            "claim_form_served_by": "first_class_post",
            "claim_form_step_taken_on": d("2025-08-21"),
            "claim_form_deemed_served_on": d("2025-08-26"),
        },
        (("claim_form_service_due", "2025-11-30", MET), ("particulars_of_claim_due", "2025-09-09", OPEN_)),
    ),
    LS.PARTICULARS_SERVED: (
        LS.CLAIM_FORM_SERVED,
        {"particulars_served_by": "email", "particulars_deemed_served_on": d("2025-09-08")},
        (
            ("particulars_of_claim_due", "2025-09-09", MET),
            ("acknowledgment_of_service_due", "2025-09-22", OPEN_),
            ("defence_due_without_acknowledgment", "2025-09-22", OPEN_),  # CPR 15.4(1)(a)
        ),
    ),
    LS.ACKNOWLEDGED: (
        LS.PARTICULARS_SERVED,
        {"acknowledged_on": d("2025-09-19")},
        (
            ("acknowledgment_of_service_due", "2025-09-22", MET),
            ("defence_due_without_acknowledgment", "2025-09-22", DeadlineStatus.WAIVED),
            ("defence_due", "2025-10-06", OPEN_),  # CPR 15.4(1)(b)
        ),
    ),
    LS.DEFENCE_FILED: (
        LS.ACKNOWLEDGED,
        {"defence_filed_on": d("2025-10-03"), "liability": "denied"},
        (("defence_due", "2025-10-06", MET),),
    ),
    LS.DIRECTIONS_QUESTIONNAIRE_DUE: (
        LS.DEFENCE_FILED,
        {"proposed_track": "multi"},
        (("directions_questionnaire_due", "2025-12-12", OPEN_),),
    ),
    LS.DIRECTIONS_QUESTIONNAIRE_FILED: (
        LS.DIRECTIONS_QUESTIONNAIRE_DUE,
        {"questionnaire_filed_on": d("2025-12-10")},
        (("directions_questionnaire_due", "2025-12-12", MET),),
    ),
    LS.CMC_LISTED: (
        LS.DIRECTIONS_QUESTIONNAIRE_FILED,
        {"cmc_on": d("2026-02-20")},
        (("case_management_conference", "2026-02-20", OPEN_),),
    ),
    LS.DIRECTIONS_GIVEN: (
        LS.CMC_LISTED,
        {
            "directions_made_on": d("2026-02-20"),
            "track": "multi",
            "trial_window_from": d("2026-11-02"),
            "trial_window_to": d("2026-11-27"),
        },
        (
            ("case_management_conference", "2026-02-20", MET),
            *[(name, on, OPEN_) for name, on in DIRECTION_DATES.items()],
            ("trial_window_opens", "2026-11-02", OPEN_),
        ),
    ),
    LS.TRIAL_LISTED: (
        LS.DIRECTIONS_GIVEN,
        {"trial_on": d("2026-11-09")},
        (("trial_window_opens", "2026-11-02", MET), ("trial", "2026-11-09", OPEN_)),
    ),
    LS.TRIAL_HELD: (LS.TRIAL_LISTED, {"trial_held_on": d("2026-11-09")}, (("trial", "2026-11-09", MET),)),
    LS.DEFAULT_JUDGMENT: (LS.ACKNOWLEDGED, {"default_judgment_on": d("2025-10-08")}, ()),
    **{stage: (LS.TRIAL_HELD, {}, ()) for stage in sorted(LIT_FINAL)},
}
STAY = lit.StayRecord(stayed_on=d("2026-08-20"), reason="for ADR", until=d("2026-10-01"))


def litigation_at(stage: str, stayed: bool = False, **details) -> lit.LitigationState:
    gathered, deadlines = walk(LIT_PATH, stage)
    if stayed:
        gathered |= {"stays": [STAY.model_copy()]}
        deadlines["stay_ends"] = deadline("stay_ends", "2026-10-01")
    return lit.LitigationState(
        **route_fields(CaseKind.LITIGATION, RouteKind.LITIGATION, "CLM-A-LIT1", stage),
        stayed=stayed,
        deadlines=deadlines,
        litigation=lit.LitigationDetails(
            issued_on=d("2025-07-31"),
            court="KBD",
            claim_number="KB-2025-001234",
            **(gathered | copy.deepcopy(details)),  # a step changes its own copy, not the table's
        ),
    )


def _lit(stage, stayed: bool = False, **details):
    return lambda: litigation_at(stage, stayed, **details)


def _lit_without(stage, *names: str):
    def build():
        state = litigation_at(stage)
        for name in names:
            del state.deadlines[name]
        return state

    return build


def _lit_extended(stage, name: str, to: str):
    """A deadline the parties extended by agreement."""

    def build():
        state = litigation_at(stage)
        state.deadlines[name].due_on = d(to)
        state.deadlines[name].due_at = end_of_london_day(d(to))
        state.deadlines[name].status = DeadlineStatus.EXTENDED
        return state

    return build


def _lit_with(stage, **statuses: DeadlineStatus):
    def build():
        state = litigation_at(stage)
        for name, status in statuses.items():
            state.deadlines[name].status = status
        return state

    return build


# CPR 7.6(2): the claimant applied within the four months; the court gave two months more.
SERVICE_EXTENDED = lit.CourtOrder(
    made_on=d("2025-11-20"),
    dates={"claim_form_service_due": d("2026-01-30")},
    description="time for service of the claim form extended (CPR 7.6(2))",
)
AGENDA = lit.ReceiveExpertsAgenda(received_on=d("2026-09-01"), discipline="obstetrics")
RECEIVED = lit.ExpertsAgenda(discipline="obstetrics", received_on=d("2026-09-01"))
AMENDING = RECEIVED.model_copy(update={"responded_on": d("2026-09-15"), "amendments_proposed": True})
AGREED = AMENDING.model_copy(update={"agreed_on": d("2026-09-21")})
ANSWER = lit.RespondToExpertsAgenda(sent_on=d("2026-09-15"), amendments_proposed=True)
NOTICE = lit.NoticeToServe(served_on=d("2025-08-04"), serve_by=d("2025-08-18"))
SERVICE = lit.ServeClaimForm(step_taken_on=d("2025-08-21"), method="first_class_post")
PARTICULARS_SENT = lit.ServeParticulars(sent_at=datetime(2025, 9, 5, 16, 0, tzinfo=UTC), method="email")
DIRECTIONS = lit.DirectionsOrder(
    made_on=d("2026-02-20"),
    disclosure_on=d("2026-04-17"),
    witness_statements_on=d("2026-06-12"),
    expert_reports_on=d("2026-08-14"),
    experts_joint_statement_on=d("2026-09-18"),
    pre_trial_review_on=d("2026-10-16"),
    trial_window_from=d("2026-11-02"),
    trial_window_to=d("2026-11-27"),
)
AWARD = terms("2026-11-20")
WITHOUT_NOTICE_RULE = CasePolicy(
    deadlines=STANDARD.model_copy(
        update={
            "rules": {k: v for k, v in STANDARD.rules.items() if k != "claim_form_service_required_by_notice"}
        }
    )
)
# The rows refused while the proceedings are stayed, each with a step it would otherwise take.
PROGRESSING = (
    "serve_notice_to_serve_claim_form",
    "serve_claim_form",
    "serve_claim_form_with_particulars",
    "serve_particulars_of_claim",
    "file_acknowledgment_of_service",
    "file_defence",
    "record_default_judgment",
    "set_aside_default_judgment",
    "record_allocation_notice",
    "file_directions_questionnaire",
    "list_case_management_conference",
    "record_directions_order",
    "list_trial",
    "record_trial_held",
    "record_judgment_for_claimant",
    "record_judgment_for_defendant",
    "stay_proceedings",
)
P = hooks(AVAILABLE)
PB = hooks(AVAILABLE, BOOK)

LITIGATION_ACCEPTS = [
    Accepts(
        "serve_notice_to_serve_claim_form",
        _lit(LS.ISSUED),
        NOTICE,
        LS.ISSUED,
        {"litigation.notice_to_serve_on": d("2025-08-04"), "litigation.service_required_by": d("2025-08-18")},
    ),
    Accepts(
        "serve_claim_form",
        _lit(LS.ISSUED),
        SERVICE,
        LS.CLAIM_FORM_SERVED,
        {
            "litigation.claim_form_served_by": "first_class_post",
            "litigation.claim_form_step_taken_on": d("2025-08-21"),
            "litigation.particulars_served_by": None,
        },
    ),
    Accepts(
        "serve_claim_form_with_particulars",
        _lit(LS.ISSUED),
        SERVICE,
        LS.PARTICULARS_SERVED,
        {
            "litigation.claim_form_served_by": "first_class_post",
            "litigation.claim_form_step_taken_on": d("2025-08-21"),
            "litigation.particulars_served_by": "first_class_post",
        },
    ),
    Accepts(
        "serve_particulars_of_claim",
        _lit(LS.CLAIM_FORM_SERVED),
        PARTICULARS_SENT,
        LS.PARTICULARS_SERVED,
        {"litigation.particulars_served_by": "email"},
    ),
    Accepts(
        "file_acknowledgment_of_service",
        _lit(LS.PARTICULARS_SERVED),
        lit.FileAcknowledgment(filed_on=d("2025-09-19")),
        LS.ACKNOWLEDGED,
        {"litigation.acknowledged_on": d("2025-09-19")},
    ),
    Accepts(
        "file_defence",
        _lit(LS.ACKNOWLEDGED),
        lit.FileDefence(filed_on=d("2025-10-03"), liability="admitted_in_part"),
        LS.DEFENCE_FILED,
        {"litigation.defence_filed_on": d("2025-10-03"), "litigation.liability": "admitted_in_part"},
    ),
    Accepts(
        "file_defence",
        _lit(LS.PARTICULARS_SERVED),
        lit.FileDefence(filed_on=d("2025-09-20")),
        LS.DEFENCE_FILED,
        {"litigation.defence_filed_on": d("2025-09-20"), "litigation.liability": "denied"},
        label="without an acknowledgment",
    ),
    Accepts(
        "record_default_judgment",
        _lit(LS.ACKNOWLEDGED),
        lit.DefaultJudgment(entered_on=d("2025-10-07")),
        LS.DEFAULT_JUDGMENT,
        {"litigation.default_judgment_on": d("2025-10-07"), "outcome": None, "closed_at": None},
    ),
    Accepts(
        "record_default_judgment",
        _lit(LS.PARTICULARS_SERVED),
        lit.DefaultJudgment(entered_on=d("2025-09-23")),
        LS.DEFAULT_JUDGMENT,
        {"litigation.default_judgment_on": d("2025-09-23")},
        label="no acknowledgment in time",
    ),
    Accepts(
        "set_aside_default_judgment",
        _lit(LS.DEFAULT_JUDGMENT),
        lit.SetAsideDefaultJudgment(
            set_aside_on=d("2025-11-03"), defence_due_on=d("2025-11-17"), reason="CPR 13.3"
        ),
        LS.ACKNOWLEDGED,
        {"litigation.default_judgment_set_aside_on": d("2025-11-03")},
    ),
    Accepts(
        "record_allocation_notice",
        _lit(LS.DEFENCE_FILED),
        lit.AllocationNotice(
            served_on=d("2025-11-14"), questionnaire_due_on=d("2025-12-12"), proposed_track="fast"
        ),
        LS.DIRECTIONS_QUESTIONNAIRE_DUE,
        {"litigation.proposed_track": "fast"},
    ),
    Accepts(
        "file_directions_questionnaire",
        _lit(LS.DIRECTIONS_QUESTIONNAIRE_DUE),
        lit.FileQuestionnaire(filed_on=d("2025-12-10")),
        LS.DIRECTIONS_QUESTIONNAIRE_FILED,
        {"litigation.questionnaire_filed_on": d("2025-12-10")},
    ),
    *[
        Accepts(
            "list_case_management_conference",
            _lit(stage),
            lit.ListConference(listed_for=d("2026-03-06"), notified_on=d("2025-12-20")),
            LS.CMC_LISTED,
            {"litigation.cmc_on": d("2026-03-06")},
            label=stage,
        )
        for stage in (LS.DIRECTIONS_QUESTIONNAIRE_FILED, LS.CMC_LISTED)
    ],
    *[
        Accepts(
            "record_directions_order",
            _lit(stage),
            DIRECTIONS,
            LS.DIRECTIONS_GIVEN,
            {
                "litigation.directions_made_on": d("2026-02-20"),
                "litigation.track": "multi",
                "litigation.trial_window_from": d("2026-11-02"),
                "litigation.trial_window_to": d("2026-11-27"),
                "litigation.orders": [
                    lit.CourtOrderRecord(
                        made_on=d("2026-02-20"),
                        dates={
                            "disclosure_due": d("2026-04-17"),
                            "witness_statements_due": d("2026-06-12"),
                            "expert_reports_due": d("2026-08-14"),
                            "experts_joint_statement_due": d("2026-09-18"),
                            "pre_trial_review": d("2026-10-16"),
                            "trial_window_opens": d("2026-11-02"),
                            "trial_window_closes": d("2026-11-27"),
                        },
                        description="directions order",
                    )
                ],
            },
            label=stage,
        )
        for stage in (LS.DIRECTIONS_QUESTIONNAIRE_FILED, LS.CMC_LISTED)
    ],
    Accepts(
        "record_court_order",
        _lit(LS.DIRECTIONS_GIVEN),
        lit.CourtOrder(
            made_on=d("2026-09-11"),
            dates={"trial_window_opens": d("2026-12-07"), "trial": d("2026-12-14")},
            description="trial window moved",
        ),
        LS.DIRECTIONS_GIVEN,
        {
            "litigation.trial_window_from": d("2026-12-07"),
            "litigation.trial_window_to": d("2027-01-01"),  # the window keeps its length
            "litigation.trial_on": d("2026-12-14"),
            "litigation.cmc_on": d("2026-02-20"),
            "litigation.orders": [
                lit.CourtOrderRecord(
                    made_on=d("2026-09-11"),
                    dates={"trial_window_opens": d("2026-12-07"), "trial": d("2026-12-14")},
                    description="trial window moved",
                )
            ],
        },
    ),
    Accepts(
        "record_court_order",
        _lit(LS.DIRECTIONS_QUESTIONNAIRE_FILED, stayed=True),
        lit.CourtOrder(
            made_on=d("2026-01-09"), dates={"case_management_conference": d("2026-03-06")}, description="CMC"
        ),
        LS.DIRECTIONS_QUESTIONNAIRE_FILED,
        {"litigation.cmc_on": d("2026-03-06"), "litigation.trial_window_from": None, "stayed": True},
        label="while stayed",
    ),
    Accepts(
        "record_court_order",
        _lit(LS.ISSUED),
        SERVICE_EXTENDED,
        LS.ISSUED,
        {
            "litigation.orders": [
                lit.CourtOrderRecord(
                    made_on=d("2025-11-20"),
                    dates={"claim_form_service_due": d("2026-01-30")},
                    description=SERVICE_EXTENDED.description,
                )
            ]
        },
        label="time to serve the claim form extended (CPR 7.6)",
    ),
    Accepts(
        "receive_experts_agenda",
        _lit(LS.DIRECTIONS_GIVEN),
        AGENDA,
        LS.DIRECTIONS_GIVEN,
        {"litigation.experts_agendas": [RECEIVED]},
    ),
    Accepts(
        "receive_experts_agenda",
        _lit(LS.TRIAL_LISTED, stayed=True, experts_agendas=[AGREED]),
        AGENDA.model_copy(update={"received_on": d("2026-10-01"), "discipline": "neonatology"}),
        LS.TRIAL_LISTED,
        {
            "litigation.experts_agendas": [
                AGREED,
                lit.ExpertsAgenda(discipline="neonatology", received_on=d("2026-10-01")),
            ]
        },
        label="the next discipline's, while stayed",
    ),
    Accepts(
        "respond_to_experts_agenda",
        _lit(LS.DIRECTIONS_GIVEN, experts_agendas=[RECEIVED]),
        ANSWER,
        LS.DIRECTIONS_GIVEN,
        {"litigation.experts_agendas": [AMENDING]},
    ),
    Accepts(
        "respond_to_experts_agenda",
        _lit(LS.DIRECTIONS_GIVEN, experts_agendas=[RECEIVED]),
        ANSWER.model_copy(update={"amendments_proposed": False}),
        LS.DIRECTIONS_GIVEN,
        {
            "litigation.experts_agendas": [
                RECEIVED.model_copy(
                    update={
                        "responded_on": d("2026-09-15"),
                        "amendments_proposed": False,
                        "agreed_on": d("2026-09-15"),
                    }
                )
            ]
        },
        label="agreed as drafted",
    ),
    Accepts(
        "record_experts_agenda_agreed",
        _lit(LS.DIRECTIONS_GIVEN, experts_agendas=[AMENDING]),
        lit.AgreeExpertsAgenda(agreed_on=d("2026-09-21")),
        LS.DIRECTIONS_GIVEN,
        {"litigation.experts_agendas": [AGREED]},
    ),
    Accepts(
        "record_direction_complied",
        _lit(LS.DIRECTIONS_GIVEN),
        lit.ComplyWithDirection(direction="disclosure_due", complied_on=d("2026-04-15")),
        LS.DIRECTIONS_GIVEN,
        {"litigation.complied": {"disclosure_due": d("2026-04-15")}},
    ),
    Accepts(
        "record_direction_complied",
        _lit(LS.TRIAL_LISTED, stayed=True),
        lit.ComplyWithDirection(direction="pre_trial_review", complied_on=d("2026-10-16")),
        LS.TRIAL_LISTED,
        {"litigation.complied": {"pre_trial_review": d("2026-10-16")}},
        label="while stayed",
    ),
    *[
        Accepts(
            "list_trial",
            _lit(stage),
            lit.ListTrial(trial_on=d("2026-11-16"), notified_on=d("2026-10-20")),
            LS.TRIAL_LISTED,
            {"litigation.trial_on": d("2026-11-16")},
            label=stage,
        )
        for stage in (LS.DIRECTIONS_GIVEN, LS.TRIAL_LISTED)
    ],
    Accepts(
        "record_trial_held",
        _lit(LS.TRIAL_LISTED),
        lit.TrialHeld(held_on=d("2026-11-09")),
        LS.TRIAL_HELD,
        {"litigation.trial_held_on": d("2026-11-09")},
    ),
    Accepts(
        "record_judgment_for_claimant",
        _lit(LS.TRIAL_HELD),
        lit.JudgmentForClaimant(given_on=d("2026-11-20"), award=AWARD),
        LS.JUDGMENT_FOR_CLAIMANT,
        {
            "litigation.judgment_on": d("2026-11-20"),
            "litigation.trial_held_on": d("2026-11-09"),
            "outcome": "judgment_for_claimant",
            "route_outcome": RouteOutcome(
                result=RouteResult.JUDGMENT_FOR_CLAIMANT, reason="judgment for the claimant", settlement=AWARD
            ),
            "stayed": False,
            "closed_at": NOW,
            "stage_before_closure": LS.TRIAL_HELD,
        },
    ),
    Accepts(
        "record_judgment_for_claimant",
        _lit(LS.TRIAL_LISTED),
        lit.JudgmentForClaimant(given_on=d("2026-11-20"), award=AWARD, notes="ex tempore"),
        LS.JUDGMENT_FOR_CLAIMANT,
        {
            "litigation.judgment_on": d("2026-11-20"),
            "litigation.trial_held_on": d("2026-11-20"),
            "outcome": "judgment_for_claimant",
            "route_outcome": RouteOutcome(
                result=RouteResult.JUDGMENT_FOR_CLAIMANT, reason="ex tempore", settlement=AWARD
            ),
        },
        label="given at the trial",
    ),
    Accepts(
        "record_judgment_for_claimant",
        _lit(LS.DEFAULT_JUDGMENT),
        lit.JudgmentForClaimant(given_on=d("2026-11-20"), award=AWARD),
        LS.JUDGMENT_FOR_CLAIMANT,
        {
            "litigation.judgment_on": d("2026-11-20"),
            "litigation.trial_held_on": d("2026-11-20"),
            "litigation.default_judgment_on": d("2025-10-08"),
            "outcome": "judgment_for_claimant",
            "route_outcome": RouteOutcome(
                result=RouteResult.JUDGMENT_FOR_CLAIMANT, reason="judgment for the claimant", settlement=AWARD
            ),
            "stage_before_closure": LS.DEFAULT_JUDGMENT,
        },
        label="damages assessed",
    ),
    Accepts(
        "record_judgment_for_defendant",
        _lit(LS.TRIAL_HELD),
        lit.JudgmentForDefendant(given_on=d("2026-11-20")),
        LS.JUDGMENT_FOR_DEFENDANT,
        {
            "litigation.judgment_on": d("2026-11-20"),
            "outcome": "judgment_for_defendant",
            "route_outcome": RouteOutcome(
                result=RouteResult.JUDGMENT_FOR_DEFENDANT, reason="judgment for the defendant"
            ),
        },
    ),
    Accepts(
        "record_consent_order",
        _lit(LS.DIRECTIONS_GIVEN, stayed=True),
        lit.ConsentOrder(sealed_on=d("2026-11-19"), settlement=terms("2026-11-19")),
        LS.SETTLED,
        {
            "outcome": "settled",
            "route_outcome": RouteOutcome(
                result=RouteResult.SETTLED,
                reason="consent order sealed on 2026-11-19",
                settlement=terms("2026-11-19"),
            ),
            "stayed": False,
            "stage_before_closure": LS.DIRECTIONS_GIVEN,
        },
    ),
    Accepts(
        "record_discontinuance",
        _lit(LS.ISSUED),
        lit.Discontinuance(served_on=d("2025-12-05"), reason="causation cannot be proved"),
        LS.DISCONTINUED,
        {
            "outcome": "discontinued",
            "route_outcome": RouteOutcome(
                result=RouteResult.DISCONTINUED,
                reason="notice of discontinuance (CPR 38): causation cannot be proved",
            ),
        },
    ),
    Accepts(
        "record_strike_out",
        _lit(LS.DEFENCE_FILED, stayed=True),
        lit.StrikeOut(struck_out_on=d("2026-01-05"), reason="no reasonable grounds"),
        LS.STRUCK_OUT,
        {
            "outcome": "struck_out",
            "route_outcome": RouteOutcome(result=RouteResult.STRUCK_OUT, reason="no reasonable grounds"),
            "stayed": False,
        },
    ),
    Accepts(
        "stay_proceedings",
        _lit(LS.DIRECTIONS_GIVEN),
        lit.StayProceedings(stayed_on=d("2026-08-20"), reason="for ADR", until=d("2026-10-01")),
        LS.DIRECTIONS_GIVEN,
        {"stayed": True, "litigation.stays": [STAY]},
    ),
    Accepts(
        "lift_stay",
        _lit(LS.DIRECTIONS_GIVEN, stayed=True),
        lit.LiftStay(lifted_on=d("2026-09-10"), reason="ADR failed"),
        LS.DIRECTIONS_GIVEN,
        {
            "stayed": False,
            "litigation.stays": [
                STAY.model_copy(update={"lifted_on": d("2026-09-10"), "lift_reason": "ADR failed"})
            ],
        },
    ),
    *common_accepts(litigation_at, LS.ACKNOWLEDGED, "defence_due", "2025-10-06"),
]


def _first_accepted(action: str) -> Accepts:
    return next(a for a in LITIGATION_ACCEPTS if a.action == action)


def _stayed(accepted: Accepts):
    def build():
        state = accepted.state()
        state.stayed, state.litigation.stays = True, [STAY.model_copy()]
        return state

    return build


def litigation_anywhere(state: lit.LitigationState) -> set[str]:
    """Whatever the stage, an open case may take a court order, end, and be stayed (or have
    its stay lifted)."""
    if state.stage in LIT_FINAL:
        return set()
    stay = "lift_stay" if state.stayed else "stay_proceedings"
    return {"record_court_order", "record_consent_order", "record_discontinuance", "record_strike_out", stay}


LITIGATION = Kind(
    "litigation",
    lit_wf.PATHWAY,
    litigation_at,
    rows={
        "serve_notice_to_serve_claim_form": Row(frozenset({LS.ISSUED}), None, hooks=PB),
        "serve_claim_form": Row(
            frozenset({LS.ISSUED}),
            LS.CLAIM_FORM_SERVED,
            date_field="step_taken_on",
            meets=("claim_form_service_due", "claim_form_service_required_by_notice"),
            hooks=PB,
        ),
        "serve_claim_form_with_particulars": Row(
            frozenset({LS.ISSUED}),
            LS.PARTICULARS_SERVED,
            date_field="step_taken_on",
            meets=("claim_form_service_due", "claim_form_service_required_by_notice"),
            hooks=PB,
        ),
        "serve_particulars_of_claim": Row(frozenset({LS.CLAIM_FORM_SERVED}), LS.PARTICULARS_SERVED, hooks=PB),
        "file_acknowledgment_of_service": Row(
            frozenset({LS.PARTICULARS_SERVED}),
            LS.ACKNOWLEDGED,
            date_field="filed_on",
            meets=("acknowledgment_of_service_due",),
            waives=("defence_due_without_acknowledgment",),
            hooks=PB,
        ),
        "file_defence": Row(
            frozenset({LS.PARTICULARS_SERVED, LS.ACKNOWLEDGED}),
            LS.DEFENCE_FILED,
            date_field="filed_on",
            meets=("acknowledgment_of_service_due", "defence_due_without_acknowledgment", "defence_due"),
            hooks=P,
        ),
        "record_default_judgment": Row(
            frozenset({LS.PARTICULARS_SERVED, LS.ACKNOWLEDGED}), LS.DEFAULT_JUDGMENT, hooks=P
        ),
        "set_aside_default_judgment": Row(frozenset({LS.DEFAULT_JUDGMENT}), LS.ACKNOWLEDGED, hooks=PB),
        "record_allocation_notice": Row(
            frozenset({LS.DEFENCE_FILED}), LS.DIRECTIONS_QUESTIONNAIRE_DUE, hooks=PB
        ),
        "file_directions_questionnaire": Row(
            frozenset({LS.DIRECTIONS_QUESTIONNAIRE_DUE}),
            LS.DIRECTIONS_QUESTIONNAIRE_FILED,
            date_field="filed_on",
            meets=("directions_questionnaire_due",),
            hooks=P,
        ),
        "list_case_management_conference": Row(
            frozenset({LS.DIRECTIONS_QUESTIONNAIRE_FILED, LS.CMC_LISTED}), LS.CMC_LISTED, hooks=PB
        ),
        "record_directions_order": Row(
            frozenset({LS.DIRECTIONS_QUESTIONNAIRE_FILED, LS.CMC_LISTED}),
            LS.DIRECTIONS_GIVEN,
            date_field="made_on",
            meets=("case_management_conference",),
            hooks=PB,
        ),
        "record_court_order": Row(LIT_OPEN, None, hooks=hooks(BOOK)),
        "record_direction_complied": Row(LIT_DIRECTIONS, None, hooks=PB),
        "receive_experts_agenda": Row(
            LIT_DIRECTIONS, None, date_field="received_on", sets=("experts_agenda_response_due",), hooks=P
        ),
        "respond_to_experts_agenda": Row(
            LIT_DIRECTIONS, None, date_field="sent_on", meets=("experts_agenda_response_due",), hooks=PB
        ),
        "record_experts_agenda_agreed": Row(
            LIT_DIRECTIONS, None, date_field="agreed_on", meets=("experts_agenda_agreement_due",), hooks=P
        ),
        "list_trial": Row(
            LIT_DIRECTIONS, LS.TRIAL_LISTED, date_field="notified_on", meets=("trial_window_opens",), hooks=PB
        ),
        "record_trial_held": Row(
            frozenset({LS.TRIAL_LISTED}), LS.TRIAL_HELD, date_field="held_on", meets=("trial",), hooks=P
        ),
        "record_judgment_for_claimant": Row(
            frozenset({LS.TRIAL_LISTED, LS.TRIAL_HELD, LS.DEFAULT_JUDGMENT}),
            LS.JUDGMENT_FOR_CLAIMANT,
            date_field="given_on",
            meets=("trial",),
            hooks=P,
        ),
        "record_judgment_for_defendant": Row(
            frozenset({LS.TRIAL_LISTED, LS.TRIAL_HELD}),
            LS.JUDGMENT_FOR_DEFENDANT,
            date_field="given_on",
            meets=("trial",),
            hooks=P,
        ),
        "record_consent_order": Row(LIT_OPEN, LS.SETTLED),
        "record_discontinuance": Row(LIT_OPEN, LS.DISCONTINUED),
        "record_strike_out": Row(LIT_OPEN, LS.STRUCK_OUT),
        "stay_proceedings": Row(LIT_OPEN, None, hooks=hooks(AVAILABLE, BOOK, AFTER)),
        "lift_stay": Row(
            LIT_OPEN, None, date_field="lifted_on", meets=("stay_ends",), hooks=hooks(AVAILABLE, AFTER)
        ),
        **common_rows(LIT_OPEN, LIT_EVERY),
    },
    accepts=LITIGATION_ACCEPTS,
    refuses=[
        *[
            Refuses(
                action,
                _stayed(_first_accepted(action)),
                _first_accepted(action).payload,
                "proceedings_stayed",
                True,
            )
            for action in PROGRESSING
        ],
        Refuses(
            "serve_notice_to_serve_claim_form",
            _lit(LS.ISSUED),
            lit.NoticeToServe(served_on=FUTURE, serve_by=FUTURE + timedelta(days=14)),
            "date_in_future",
        ),
        Refuses(
            "serve_notice_to_serve_claim_form",
            _lit(LS.ISSUED),
            lit.NoticeToServe(served_on=d("2025-07-30"), serve_by=d("2025-08-13")),
            "before_issue",
        ),
        Refuses(
            "serve_notice_to_serve_claim_form",
            _lit(LS.ISSUED),
            NOTICE,
            "policy_lacks_deadline",
            policy=WITHOUT_NOTICE_RULE,
        ),
        Refuses(
            "serve_notice_to_serve_claim_form",
            _lit(LS.ISSUED),
            NOTICE.model_copy(update={"serve_by": d("2025-11-30")}),
            "notice_changes_nothing",
        ),
        *[
            Refuses(action, _lit(LS.ISSUED), SERVICE.model_copy(update={"step_taken_on": on}), code)
            for action in ("serve_claim_form", "serve_claim_form_with_particulars")
            for on, code in ((FUTURE, "date_in_future"), (d("2025-07-30"), "before_issue"))
        ],
        Refuses(
            "serve_particulars_of_claim",
            _lit(LS.CLAIM_FORM_SERVED),
            PARTICULARS_SENT.model_copy(update={"sent_at": NOW + timedelta(minutes=1)}),
            "date_in_future",
        ),
        Refuses(
            "file_acknowledgment_of_service",
            _lit(LS.PARTICULARS_SERVED),
            lit.FileAcknowledgment(filed_on=FUTURE),
            "date_in_future",
        ),
        Refuses("file_defence", _lit(LS.ACKNOWLEDGED), lit.FileDefence(filed_on=FUTURE), "date_in_future"),
        Refuses(
            "record_default_judgment",
            _lit(LS.ACKNOWLEDGED),
            lit.DefaultJudgment(entered_on=FUTURE),
            "date_in_future",
        ),
        Refuses(
            "record_default_judgment",
            _lit(LS.ACKNOWLEDGED),
            lit.DefaultJudgment(entered_on=d("2025-10-06")),
            "time_not_expired",
            label="the defence's last day",
        ),
        Refuses(
            "record_default_judgment",
            _lit(LS.PARTICULARS_SERVED),
            lit.DefaultJudgment(entered_on=d("2025-09-22")),
            "time_not_expired",
            label="the acknowledgment's last day",
        ),
        Refuses(
            "record_default_judgment",
            _lit_extended(LS.PARTICULARS_SERVED, "defence_due_without_acknowledgment", "2025-10-20"),
            lit.DefaultJudgment(entered_on=d("2025-09-23")),
            "time_not_expired",
            label="the defence's time extended by agreement (CPR 15.5)",
        ),
        Refuses(
            "extend_deadline",
            _lit(LS.ISSUED),
            ExtendDeadline(
                deadline="claim_form_service_due", new_due_on=d("2025-12-31"), reason="x", agreed_by="us"
            ),
            "extension_too_long",
            label="only the court extends time to serve the claim form (CPR 7.6)",
        ),
        Refuses(
            "extend_deadline",
            _lit(LS.PARTICULARS_SERVED),
            ExtendDeadline(
                deadline="defence_due_without_acknowledgment",
                new_due_on=d("2025-10-21"),  # 28 days after 22 September is 20 October
                reason="experts",
                agreed_by="them",
            ),
            "extension_too_long",
            label="a defence without an acknowledgment: 28 days more at most (CPR 15.5)",
        ),
        Refuses(
            "record_default_judgment",
            _lit_without(LS.ACKNOWLEDGED, "defence_due"),
            lit.DefaultJudgment(entered_on=d("2025-10-07")),
            "no_deadline",
            available=True,
        ),
        Refuses(
            "set_aside_default_judgment",
            _lit(LS.DEFAULT_JUDGMENT),
            lit.SetAsideDefaultJudgment(set_aside_on=FUTURE, defence_due_on=FUTURE, reason="x"),
            "date_in_future",
        ),
        Refuses(
            "record_allocation_notice",
            _lit(LS.DEFENCE_FILED),
            lit.AllocationNotice(served_on=FUTURE, questionnaire_due_on=FUTURE),
            "date_in_future",
        ),
        Refuses(
            "record_allocation_notice",
            _lit(LS.DEFENCE_FILED),
            lit.AllocationNotice(served_on=d("2025-11-14"), questionnaire_due_on=d("2025-11-13")),
            "due_before_notice",
        ),
        Refuses(
            "file_directions_questionnaire",
            _lit(LS.DIRECTIONS_QUESTIONNAIRE_DUE),
            lit.FileQuestionnaire(filed_on=FUTURE),
            "date_in_future",
        ),
        Refuses(
            "list_case_management_conference",
            _lit(LS.DIRECTIONS_QUESTIONNAIRE_FILED),
            lit.ListConference(listed_for=FUTURE, notified_on=FUTURE),
            "date_in_future",
        ),
        Refuses(
            "record_directions_order",
            _lit(LS.CMC_LISTED),
            DIRECTIONS.model_copy(update={"made_on": FUTURE}),
            "date_in_future",
        ),
        Refuses(
            "record_court_order",
            _lit(LS.DEFENCE_FILED),
            lit.CourtOrder(made_on=FUTURE, dates={"directions_questionnaire_due": FUTURE}, description="x"),
            "date_in_future",
        ),
        Refuses(
            "record_court_order",
            _lit(LS.DEFENCE_FILED),
            lit.CourtOrder(made_on=d("2025-11-01"), dates={"defence_due": d("2025-11-17")}, description="x"),
            "deadline_met",
        ),
        Refuses(
            "record_direction_complied",
            _lit(LS.DIRECTIONS_GIVEN),
            lit.ComplyWithDirection(direction="disclosure_due", complied_on=FUTURE),
            "date_in_future",
        ),
        Refuses(
            "record_direction_complied",
            _lit_without(LS.DIRECTIONS_GIVEN, "pre_trial_review"),
            lit.ComplyWithDirection(direction="pre_trial_review", complied_on=d("2026-10-16")),
            "unknown_deadline",
        ),
        Refuses(
            "record_direction_complied",
            _lit_with(LS.DIRECTIONS_GIVEN, disclosure_due=MET),
            lit.ComplyWithDirection(direction="disclosure_due", complied_on=d("2026-04-15")),
            "deadline_closed",
        ),
        Refuses(
            "record_direction_complied",
            _lit_with(
                LS.DIRECTIONS_GIVEN,
                **dict.fromkeys(DIRECTION_DATES, MET) | {"pre_trial_review": DeadlineStatus.WAIVED},
            ),
            lit.ComplyWithDirection(direction="disclosure_due", complied_on=d("2026-04-15")),
            "deadline_closed",
            available=True,
        ),
        Refuses(
            "list_trial",
            _lit(LS.DIRECTIONS_GIVEN),
            lit.ListTrial(trial_on=d("2026-11-09"), notified_on=FUTURE),
            "date_in_future",
        ),
        Refuses(
            "receive_experts_agenda",
            _lit(LS.DIRECTIONS_GIVEN),
            AGENDA.model_copy(update={"received_on": FUTURE}),
            "date_in_future",
        ),
        Refuses(
            "receive_experts_agenda",
            _lit(LS.DIRECTIONS_GIVEN, experts_agendas=[AMENDING]),
            AGENDA,
            "agenda_in_hand",
            True,
        ),
        Refuses(
            "respond_to_experts_agenda",
            _lit(LS.DIRECTIONS_GIVEN, experts_agendas=[RECEIVED]),
            ANSWER.model_copy(update={"sent_on": FUTURE}),
            "date_in_future",
        ),
        Refuses(
            "respond_to_experts_agenda",
            _lit(LS.DIRECTIONS_GIVEN, experts_agendas=[RECEIVED]),
            ANSWER.model_copy(update={"sent_on": d("2026-08-31")}),
            "date_before_agenda",
        ),
        Refuses("respond_to_experts_agenda", _lit(LS.DIRECTIONS_GIVEN), ANSWER, "no_agenda_to_answer", True),
        Refuses(
            "respond_to_experts_agenda",
            _lit(LS.DIRECTIONS_GIVEN, experts_agendas=[AMENDING]),
            ANSWER,
            "no_agenda_to_answer",
            True,
            label="already answered",
        ),
        Refuses(
            "record_experts_agenda_agreed",
            _lit(LS.DIRECTIONS_GIVEN, experts_agendas=[AMENDING]),
            lit.AgreeExpertsAgenda(agreed_on=FUTURE),
            "date_in_future",
        ),
        Refuses(
            "record_experts_agenda_agreed",
            _lit(LS.DIRECTIONS_GIVEN, experts_agendas=[AMENDING]),
            lit.AgreeExpertsAgenda(agreed_on=d("2026-09-14")),
            "date_before_agenda",
        ),
        Refuses(
            "record_experts_agenda_agreed",
            _lit(LS.DIRECTIONS_GIVEN, experts_agendas=[AGREED]),
            lit.AgreeExpertsAgenda(agreed_on=d("2026-09-21")),
            "no_amendments_proposed",
            True,
        ),
        *[
            Refuses(
                "list_trial",
                _lit(LS.DIRECTIONS_GIVEN),
                lit.ListTrial(trial_on=on, notified_on=d("2026-10-20")),
                "outside_trial_window",
                label=str(on),
            )
            for on in (d("2026-11-01"), d("2026-11-28"))
        ],
        Refuses("record_trial_held", _lit(LS.TRIAL_LISTED), lit.TrialHeld(held_on=FUTURE), "date_in_future"),
        Refuses(
            "record_judgment_for_claimant",
            _lit(LS.TRIAL_HELD),
            lit.JudgmentForClaimant(given_on=FUTURE, award=terms(str(FUTURE))),
            "date_in_future",
        ),
        Refuses(
            "record_judgment_for_defendant",
            _lit(LS.TRIAL_HELD),
            lit.JudgmentForDefendant(given_on=FUTURE),
            "date_in_future",
        ),
        Refuses(
            "record_consent_order",
            _lit(LS.ISSUED),
            lit.ConsentOrder(sealed_on=FUTURE, settlement=terms("2026-11-19")),
            "date_in_future",
        ),
        Refuses(
            "record_discontinuance",
            _lit(LS.ISSUED),
            lit.Discontinuance(served_on=FUTURE, reason="x"),
            "date_in_future",
        ),
        Refuses(
            "record_strike_out",
            _lit(LS.ISSUED),
            lit.StrikeOut(struck_out_on=FUTURE, reason="x"),
            "date_in_future",
        ),
        Refuses(
            "stay_proceedings",
            _lit(LS.ISSUED),
            lit.StayProceedings(stayed_on=FUTURE, reason="for ADR"),
            "date_in_future",
        ),
        Refuses(
            "lift_stay",
            _lit(LS.ISSUED, stayed=True),
            lit.LiftStay(lifted_on=FUTURE, reason="x"),
            "date_in_future",
        ),
        Refuses(
            "lift_stay",
            _lit(LS.ISSUED),
            lit.LiftStay(lifted_on=d("2026-09-10"), reason="x"),
            "not_stayed",
            True,
        ),
        Refuses(
            "extend_deadline",
            _lit(LS.ACKNOWLEDGED),
            ExtendDeadline(
                deadline="defence_due", new_due_on=d("2025-11-04"), reason="experts", agreed_by="them"
            ),
            "extension_too_long",
        ),
        *common_refuses(litigation_at, LS.ACKNOWLEDGED, "defence_due", "2025-10-06"),
    ],
    offered=[
        (
            "issued",
            _lit(LS.ISSUED),
            {"serve_notice_to_serve_claim_form", "serve_claim_form", "serve_claim_form_with_particulars"},
        ),
        ("claim_form_served", _lit(LS.CLAIM_FORM_SERVED), {"serve_particulars_of_claim"}),
        (
            "particulars_served",
            _lit(LS.PARTICULARS_SERVED),
            {"file_acknowledgment_of_service", "file_defence", "record_default_judgment"},
        ),
        (
            "particulars_served, no acknowledgment or defence date",
            _lit_without(
                LS.PARTICULARS_SERVED, "acknowledgment_of_service_due", "defence_due_without_acknowledgment"
            ),
            {"file_acknowledgment_of_service", "file_defence"},
        ),
        ("acknowledged", _lit(LS.ACKNOWLEDGED), {"file_defence", "record_default_judgment"}),
        ("defence_filed", _lit(LS.DEFENCE_FILED), {"record_allocation_notice"}),
        (
            "directions_questionnaire_due",
            _lit(LS.DIRECTIONS_QUESTIONNAIRE_DUE),
            {"file_directions_questionnaire"},
        ),
        (
            "directions_questionnaire_filed",
            _lit(LS.DIRECTIONS_QUESTIONNAIRE_FILED),
            {"list_case_management_conference", "record_directions_order"},
        ),
        ("cmc_listed", _lit(LS.CMC_LISTED), {"list_case_management_conference", "record_directions_order"}),
        (
            "directions_given",
            _lit(LS.DIRECTIONS_GIVEN),
            {"record_direction_complied", "receive_experts_agenda", "list_trial"},
        ),
        (
            "directions_given, every direction complied with",
            _lit_with(LS.DIRECTIONS_GIVEN, **dict.fromkeys(DIRECTION_DATES, MET)),
            {"receive_experts_agenda", "list_trial"},
        ),
        (
            "directions_given, an agenda received",
            _lit(LS.DIRECTIONS_GIVEN, experts_agendas=[RECEIVED]),
            {"record_direction_complied", "respond_to_experts_agenda", "list_trial"},
        ),
        (
            "directions_given, amendments to an agenda proposed",
            _lit(LS.DIRECTIONS_GIVEN, experts_agendas=[AMENDING]),
            {"record_direction_complied", "record_experts_agenda_agreed", "list_trial"},
        ),
        (
            "trial_listed",
            _lit(LS.TRIAL_LISTED),
            {
                "record_direction_complied",
                "receive_experts_agenda",
                "list_trial",
                "record_trial_held",
                "record_judgment_for_claimant",
                "record_judgment_for_defendant",
            },
        ),
        (
            "trial_held",
            _lit(LS.TRIAL_HELD),
            {"record_judgment_for_claimant", "record_judgment_for_defendant"},
        ),
        (
            "default_judgment",
            _lit(LS.DEFAULT_JUDGMENT),
            {"set_aside_default_judgment", "record_judgment_for_claimant"},
        ),
        ("issued, stayed", _lit(LS.ISSUED, stayed=True), set()),
        (
            "trial_listed, stayed",
            _lit(LS.TRIAL_LISTED, stayed=True),
            {"record_direction_complied", "receive_experts_agenda"},
        ),
        *[(stage.value, _lit(stage), set()) for stage in sorted(LIT_FINAL)],
    ],
    also=litigation_anywhere,
)


# --- resolution summit ------------------------------------------------------------------------------

SS = summit.SummitStage
SUM_EVERY = frozenset(SS)
SUM_FINAL = frozenset({SS.CONCLUDED, SS.CANCELLED})
SUM_OPEN = SUM_EVERY - SUM_FINAL
BEFORE_THE_SUMMIT = frozenset({SS.PLANNED, SS.SCHEDULED})
JOINED_AT = NOW - timedelta(days=10)


def member(ref: str, **fields) -> summit.SummitClaim:
    return summit.SummitClaim(
        ref=ref, workflow_id=f"claim-{ref}", joined_at=JOINED_AT, joined_by="hana.handler", **fields
    )


def outcome(result: SummitResult, settlement=None) -> summit.ClaimOutcome:
    return summit.ClaimOutcome(result=result, settlement=settlement, recorded_at=JOINED_AT, by="hana.handler")


def summit_at(stage: str, claims: tuple[str, ...] = ("CLM-A", "CLM-B"), **fields) -> summit.SummitState:
    """A summit of two claims by default, each with its valuation deadline."""
    held = stage not in (SS.PLANNED, SS.SCHEDULED, SS.CANCELLED)
    status = DeadlineStatus.WAIVED if held or stage == SS.CANCELLED else DeadlineStatus.OPEN
    values: dict[str, Any] = {
        "summit_on": None if stage == SS.PLANNED else TODAY,
        "held_on": TODAY if held else None,
        "claims": [member(ref) for ref in claims],
        "deadlines": book(
            *[
                deadline(summit.valuation_deadline(ref), "2026-12-04", status, rule="summit_valuation_due")
                for ref in claims
            ]
        ),
    }
    if stage == SS.CONCLUDED:
        for claim in values["claims"]:
            claim.outcome = outcome(SummitResult.NOT_SETTLED)
    return summit.SummitState(
        ref="SUM-1",
        kind=CaseKind.RESOLUTION_SUMMIT,
        stage=stage,
        owner=OWNER,
        opened_at=NOW - timedelta(days=20),
        updated_at=NOW - timedelta(days=1),
        claimant_firm_id="SRA-500600",
        claimant_firm_name="Summit & Partners LLP",
        **(values | fields),
    )


def _sum(stage, claims=("CLM-A", "CLM-B"), **fields):
    return lambda: summit_at(stage, claims, **fields)


def _held_with(**outcomes: summit.ClaimOutcome):
    def build():
        state = summit_at(SS.HELD, ("CLM-A", "CLM-B", "CLM-C"))
        state.claims[2].removed_at, state.claims[2].removal_reason = JOINED_AT, "liability disputed"
        for claim in state.claims:
            claim.outcome = outcomes.get(claim.ref.replace("-", "_"))
        return state

    return build


def _removed(stage, ref: str):
    def build():
        state = summit_at(stage)
        claim = state.claim(ref)
        claim.removed_at, claim.removal_reason = JOINED_AT, "liability disputed"
        claim.valuation = summit.Valuation(valued_on=d("2026-11-12"), damages=Decimal("1.00"), by="x")
        return state

    return build


SETTLED_A = outcome(SummitResult.SETTLED, terms("2026-11-20"))
VALUATION = summit.RecordValuation(claim_ref="CLM-A", valued_on=d("2026-11-19"), damages=Decimal("80000.00"))

SUMMIT = Kind(
    "resolution_summit",
    summit_wf.PATHWAY,
    summit_at,
    rows={
        "schedule_summit": Row(BEFORE_THE_SUMMIT, SS.SCHEDULED),
        "add_claim": Row(BEFORE_THE_SUMMIT, None, hooks=hooks(BEFORE, BOOK)),
        "remove_claim": Row(BEFORE_THE_SUMMIT, None, hooks=hooks(AVAILABLE, BEFORE, BOOK)),
        "record_valuation": Row(
            BEFORE_THE_SUMMIT, None, date_field="valued_on", hooks=hooks(AVAILABLE, BOOK)
        ),
        "record_summit_held": Row(
            frozenset({SS.SCHEDULED}), SS.HELD, date_field="held_on", hooks=hooks(AVAILABLE, BOOK)
        ),
        "record_claim_outcome": Row(frozenset({SS.HELD}), None, hooks=hooks(AFTER), diverts=(SS.CONCLUDED,)),
        "cancel_summit": Row(BEFORE_THE_SUMMIT, SS.CANCELLED, hooks=hooks(BEFORE)),
        **common_rows(SUM_OPEN, SUM_EVERY),
    },
    accepts=[
        Accepts(
            "schedule_summit",
            _sum(SS.PLANNED),
            summit.ScheduleSummit(summit_on=d("2026-12-01"), format="in_person", venue="Leeds"),
            SS.SCHEDULED,
            {"summit_on": d("2026-12-01"), "format": "in_person", "venue": "Leeds"},
        ),
        Accepts(
            "schedule_summit",
            _sum(SS.SCHEDULED, venue="Leeds"),
            summit.ScheduleSummit(summit_on=TODAY),
            SS.SCHEDULED,
            {"summit_on": TODAY, "format": "remote", "venue": "Leeds"},
            label="moved, keeping format and venue",
        ),
        Accepts(
            "add_claim",
            _sum(SS.PLANNED),
            summit.AddClaim(claim_ref="CLM-C"),
            SS.PLANNED,
            {
                "claims.2": summit.SummitClaim(
                    ref="CLM-C", workflow_id="claim-CLM-C", joined_at=NOW, joined_by="handler.one"
                )
            },
        ),
        Accepts(
            "add_claim",
            _removed(SS.SCHEDULED, "CLM-B"),
            summit.AddClaim(claim_ref="CLM-B"),
            SS.SCHEDULED,
            {
                "claims.1.joins": 2,
                "claims.1.joined_at": NOW,
                "claims.1.joined_by": "handler.one",
                "claims.1.removed_at": None,
                "claims.1.removal_reason": None,
                "claims.1.valuation.damages": Decimal("1.00"),
            },
            label="brought back",
        ),
        Accepts(
            "remove_claim",
            _sum(SS.SCHEDULED),
            summit.RemoveClaim(claim_ref="CLM-B", reason="liability disputed"),
            SS.SCHEDULED,
            {
                "claims.1.removed_at": NOW,
                "claims.1.removal_reason": "liability disputed",
                "claims.0.removed_at": None,
            },
        ),
        Accepts(
            "record_valuation",
            _sum(SS.PLANNED),
            VALUATION,
            SS.PLANNED,
            {
                "claims.0.valuation": summit.Valuation(
                    valued_on=d("2026-11-19"), damages=Decimal("80000.00"), by="handler.one"
                ),
                "claims.1.valuation": None,
            },
        ),
        Accepts(
            "record_summit_held",
            _sum(SS.SCHEDULED),
            summit.SummitHeld(held_on=TODAY),
            SS.HELD,
            {"held_on": TODAY, "closed_at": None},
        ),
        Accepts(
            "record_claim_outcome",
            _held_with(),
            summit.RecordClaimOutcome(claim_ref="CLM-A", result="settled", settlement=terms("2026-11-20")),
            SS.HELD,
            {
                "claims.0.outcome": summit.ClaimOutcome(
                    result=SummitResult.SETTLED,
                    settlement=terms("2026-11-20"),
                    recorded_at=NOW,
                    by="handler.one",
                ),
                "outcome": None,
                "closed_at": None,
            },
        ),
        Accepts(
            "record_claim_outcome",
            _held_with(CLM_A=SETTLED_A),
            summit.RecordClaimOutcome(claim_ref="CLM-B", result="not_settled"),
            SS.CONCLUDED,
            {
                "claims.1.outcome.result": SummitResult.NOT_SETTLED,
                "outcome": "settled_some",
                "closed_at": NOW,
                "stage_before_closure": SS.HELD,
            },
            label="the last concludes",
        ),
        Accepts(
            "record_claim_outcome",
            _held_with(CLM_A=SETTLED_A),
            summit.RecordClaimOutcome(claim_ref="CLM-B", result="settled", settlement=terms("2026-11-20")),
            SS.CONCLUDED,
            {"claims.1.outcome.result": SummitResult.SETTLED, "outcome": "settled_all"},
            label="all settled",
        ),
        Accepts(
            "record_claim_outcome",
            _held_with(CLM_A=outcome(SummitResult.ESCALATED)),
            summit.RecordClaimOutcome(claim_ref="CLM-B", result="action_agreed"),
            SS.CONCLUDED,
            {"claims.1.outcome.result": SummitResult.ACTION_AGREED, "outcome": "settled_none"},
            label="none settled",
        ),
        Accepts(
            "cancel_summit",
            _sum(SS.SCHEDULED),
            summit.CancelSummit(reason="the firm asked to postpone"),
            SS.CANCELLED,
            {"cancel_reason": "the firm asked to postpone", "outcome": "cancelled", "closed_at": NOW},
        ),
        *common_accepts(summit_at, SS.PLANNED, "valuation_due_CLM-Z", "2026-12-04", "summit_valuation_due"),
    ],
    refuses=[
        Refuses(
            "schedule_summit",
            _sum(SS.PLANNED),
            summit.ScheduleSummit(summit_on=TODAY - timedelta(days=1)),
            "date_in_past",
        ),
        Refuses("add_claim", _sum(SS.PLANNED), summit.AddClaim(claim_ref="CLM-A"), "claim_already_in_summit"),
        Refuses(
            "remove_claim",
            _sum(SS.SCHEDULED),
            summit.RemoveClaim(claim_ref="CLM-Z", reason="x"),
            "claim_not_in_summit",
        ),
        Refuses(
            "remove_claim",
            _removed(SS.SCHEDULED, "CLM-B"),
            summit.RemoveClaim(claim_ref="CLM-B", reason="x"),
            "claim_not_in_summit",
            label="removed already",
        ),
        Refuses(
            "remove_claim",
            _sum(SS.SCHEDULED, ()),
            summit.RemoveClaim(claim_ref="CLM-A", reason="x"),
            "no_claims_in_summit",
            available=True,
        ),
        Refuses(
            "record_valuation",
            _removed(SS.PLANNED, "CLM-A"),
            VALUATION,
            "claim_not_in_summit",
        ),
        Refuses(
            "record_valuation",
            _sum(SS.PLANNED),
            VALUATION.model_copy(update={"valued_on": FUTURE}),
            "date_in_future",
        ),
        Refuses("record_valuation", _sum(SS.PLANNED, ()), VALUATION, "no_claims_in_summit", available=True),
        Refuses(
            "record_summit_held", _sum(SS.SCHEDULED), summit.SummitHeld(held_on=FUTURE), "date_in_future"
        ),
        Refuses(
            "record_summit_held",
            _sum(SS.SCHEDULED),
            summit.SummitHeld(held_on=TODAY - timedelta(days=1)),
            "before_summit_date",
        ),
        Refuses(
            "record_summit_held",
            _sum(SS.SCHEDULED, ()),
            summit.SummitHeld(held_on=TODAY),
            "no_claims_in_summit",
            available=True,
        ),
        Refuses(
            "record_claim_outcome",
            _held_with(),
            summit.RecordClaimOutcome(claim_ref="CLM-C", result="not_settled"),
            "claim_not_in_summit",
            label="removed before it was held",
        ),
        Refuses(
            "record_claim_outcome",
            _held_with(CLM_A=SETTLED_A),
            summit.RecordClaimOutcome(claim_ref="CLM-A", result="not_settled"),
            "outcome_already_recorded",
        ),
        *common_refuses(summit_at, SS.PLANNED, "valuation_due_CLM-Z", "2026-12-04", "summit_valuation_due"),
    ],
    offered=[
        (
            "planned",
            _sum(SS.PLANNED),
            {"schedule_summit", "add_claim", "remove_claim", "record_valuation", "cancel_summit"},
        ),
        ("planned, no claims", _sum(SS.PLANNED, ()), {"schedule_summit", "add_claim", "cancel_summit"}),
        (
            "scheduled",
            _sum(SS.SCHEDULED),
            {
                "schedule_summit",
                "add_claim",
                "remove_claim",
                "record_valuation",
                "record_summit_held",
                "cancel_summit",
            },
        ),
        ("scheduled, no claims", _sum(SS.SCHEDULED, ()), {"schedule_summit", "add_claim", "cancel_summit"}),
        ("held", _sum(SS.HELD), {"record_claim_outcome"}),
        ("concluded", _sum(SS.CONCLUDED), set()),
        ("cancelled", _sum(SS.CANCELLED), set()),
    ],
)


# --- the rows ------------------------------------------------------------------------------------

KINDS = [MEDIATION, EVALUATION, LITIGATION, SUMMIT]
ROWS = [(kind, action) for kind in KINDS for action in kind.rows]
ACCEPTS = [(kind, case) for kind in KINDS for case in kind.accepts]
REFUSES = [(kind, case) for kind in KINDS for case in kind.refuses]
# The first accepted case of each row: the state and payload its role and stage refusals use.
FIRST = [(kind, next(c for c in kind.accepts if c.action == action)) for kind, action in ROWS]


def _id(value: Any) -> str | None:
    if isinstance(value, Kind):
        return value.name
    if isinstance(value, Accepts | Refuses):
        code = f"-{value.code}" if isinstance(value, Refuses) else ""
        return f"{value.action}{code}" + (f"[{value.label}]" if value.label else "")
    return None


def _declared(step) -> Row:
    return Row(
        from_stages=step.from_stages,
        leads_to=step.leads_to,
        roles=step.roles,
        date_field=step.date_field,
        sets=step.sets,
        meets=step.meets,
        waives=step.waives,
        hooks=frozenset(h for h in (AVAILABLE, BOOK, BEFORE, AFTER) if getattr(step, h) is not None),
        diverts=tuple(divert.to for divert in step.diverts),
    )


@pytest.mark.parametrize("kind", KINDS, ids=_id)
def test_every_row_is_in_the_tables_here(kind: Kind):
    steps = kind.pathway.steps
    assert set(steps) == set(kind.rows)
    assert {c.action for c in kind.accepts} == set(steps), "every row is taken at least once"
    checked = {a for a, s in steps.items() if s.check.__name__ != "_no_check"}
    assert checked <= {c.action for c in kind.refuses if not c.available}, "every check refuses"
    available = {a for a, s in steps.items() if s.available is not None}
    assert available == {c.action for c in kind.refuses if c.available}, "every availability refuses"
    assert not [s for s in steps.values() if s.internal or s.assignee or s.hold != "any"]


@pytest.mark.parametrize(("kind", "action"), ROWS, ids=lambda v: _id(v) or v)
def test_row_declares(kind: Kind, action: str):
    assert _declared(kind.pathway.steps[action]) == kind.rows[action]


@pytest.mark.parametrize(("kind", "case"), FIRST, ids=_id)
def test_only_its_roles_take_a_row(kind: Kind, case: Accepts):
    step = kind.pathway.steps[case.action]
    for role in ROLES:
        refused = kind.pathway.refusal(case.state(), step, case.payload, ctx(role))
        if role in kind.rows[case.action].roles:
            assert refused is None, (role, refused)
        else:
            assert refused is not None and refused.code == "forbidden_for_role", role


@pytest.mark.parametrize(("kind", "case"), FIRST, ids=_id)
def test_a_row_is_refused_at_every_other_stage(kind: Kind, case: Accepts):
    step, rows = kind.pathway.steps[case.action], kind.rows[case.action]
    others = [stage for stage in kind.pathway.stages if stage not in rows.from_stages]
    for stage in others:
        state = case.state().model_copy(update={"stage": stage})
        refused = kind.pathway.refusal(state, step, case.payload, ctx(case.role))
        assert refused is not None and refused.code == "action_not_allowed", stage
        assert refused.stage == stage and case.action not in refused.allowed_actions


@pytest.mark.parametrize(("kind", "case"), ACCEPTS, ids=_id)
def test_a_row_changes_the_state(kind: Kind, case: Accepts):
    state, step, context = case.state(), kind.pathway.steps[case.action], ctx(case.role)
    assert kind.pathway.refusal(state, step, case.payload, context) is None
    assert case.action in kind.pathway.allowed_actions(state, case.role)
    before = state.model_copy(deep=True)
    kind.pathway.apply(state, step, case.payload, context)
    assert state.stage == case.stage
    assert state.updated_at == NOW
    for path, value in case.fields.items():
        assert dig(state, path) == value, path
    unchanged = {"stage", "updated_at", "closed_at", "stage_before_closure"} | {
        p.split(".")[0] for p in case.fields
    }
    assert state.model_dump(exclude=unchanged) == before.model_dump(exclude=unchanged), "nothing else changes"
    if case.stage in kind.pathway.final:
        assert (state.closed_at, state.stage_before_closure) == (NOW, before.stage)


@pytest.mark.parametrize(("kind", "case"), REFUSES, ids=_id)
def test_a_row_refuses(kind: Kind, case: Refuses):
    state, step = case.state(), kind.pathway.steps[case.action]
    before = state.model_copy(deep=True)
    refused = kind.pathway.refusal(state, step, case.payload, ctx(case.role, case.policy))
    assert refused is not None and refused.code == case.code, refused
    assert refused.stage == state.stage and refused.message
    offered = kind.pathway.allowed_actions(state, case.role)
    assert refused.allowed_actions == offered
    if case.available:  # the state alone refuses it: it is not offered
        assert step.available(state)[0] == case.code
        assert case.action not in offered
    else:  # only this payload is refused: the step is still offered
        assert step.available is None or step.available(state) is None
        assert case.action in offered
    assert state == before


OFFERED = [(kind, label, state, handler) for kind in KINDS for label, state, handler in kind.offered]


@pytest.mark.parametrize(
    ("kind", "label", "state", "handler"), OFFERED, ids=[f"{k.name}-{label}" for k, label, *_ in OFFERED]
)
@pytest.mark.parametrize("role", ROLES, ids=str)
def test_allowed_actions(kind: Kind, label: str, state, handler: set[str], role: Role):
    state = state()
    ended = state.stage in kind.pathway.final
    acting = handler | kind.also(state) | {"add_note"} | (set() if ended else {"extend_deadline"})
    expected = {
        Role.HANDLER: acting,
        Role.SUPERVISOR: acting | {"acknowledge_escalation"} | (set() if ended else {"waive_deadline"}),
    }
    expected[Role.ADMIN] = expected[Role.SUPERVISOR]
    offered = kind.pathway.allowed_actions(state, role)
    assert set(offered) == expected.get(role, set())
    assert offered == [a for a in kind.pathway.steps if a in offered], "in the table's order"


def test_the_pathways_name_their_openings():
    assert [k.pathway.opening_action for k in KINDS] == [
        "propose_mediation",
        "agree_early_neutral_evaluation",
        "record_proceedings_issued",
        "open_summit",
    ]
    assert [k.pathway.initial for k in KINDS] == ["proposed", "agreed", "issued", "planned"]
    for kind in KINDS:
        assert f"[*] --> {kind.pathway.initial}: {kind.pathway.opening_action}" in kind.pathway.mermaid()
    assert "held --> concluded: record_claim_outcome (the last outcome)" in SUMMIT.pathway.mermaid()


# --- the rows' hooks, against a stand-in for the running workflow ----------------------------------


class Running:
    """What a row's hooks see of the running case: its state, book, pathway and policy. What it
    tells other cases is kept in `signals`."""

    def __init__(self, kind: Kind, state) -> None:
        self.pathway, self.state, self.policy = kind.pathway, state, POLICY
        self.route = getattr(state, "route", None)
        self.signals: list[tuple[str, str, BaseModel]] = []

    @property
    def book(self) -> DeadlineBook:
        s = self.state
        case = CaseRef(s.kind.value, s.ref, f"{s.kind.value}-{s.ref}", s.team)
        return DeadlineBook(s.deadlines, self.policy.deadlines, case)

    async def signal_case(self, workflow_id: str, signal: str, arg: BaseModel) -> bool:
        self.signals.append((workflow_id, signal, arg))
        return True

    async def tell_claim(self) -> None:
        await RouteWorkflow.tell_claim(self)


ACTIVITIES = {"CalendarActivities": CalendarActivities(), "ServiceActivities": ServiceActivities()}


@pytest.fixture
def claims(monkeypatch):
    """Temporal's side of a workflow: its clock and id, its local activities (the calendar and
    deemed service, computed here), and the claims a summit asks (each answers as `answers`
    says: an exception, or yes)."""
    asked: list[tuple[str, summit.ClaimRequest]] = []
    answers: dict[str, BaseException] = {}

    async def local_activity(method, arg, **options):
        instance = ACTIVITIES[method.__qualname__.split(".")[0]]
        return await getattr(instance, method.__name__)(arg)

    async def activity(method, arg, **options):
        asked.append((method.__name__, arg))
        if arg.claim_ref in answers:
            raise answers[arg.claim_ref]
        return summit.ClaimAnswer(claim_ref=arg.claim_ref)

    monkeypatch.setattr(workflow, "now", lambda: NOW)
    monkeypatch.setattr(workflow, "logger", logging.getLogger("tests.workflows"))
    monkeypatch.setattr(workflow, "info", lambda: SimpleNamespace(workflow_id="resolution_summit-SUM-1"))
    monkeypatch.setattr(workflow, "execute_local_activity_method", local_activity)
    monkeypatch.setattr(workflow, "execute_activity_method", activity)
    return SimpleNamespace(asked=asked, answers=answers)


def claim_says_no(code: str) -> ActivityError:
    err = ActivityError(
        "activity failed",
        scheduled_event_id=1,
        started_event_id=2,
        identity="worker",
        activity_type="join_claim",
        activity_id="1",
        retry_state=None,
    )
    err.__cause__ = ApplicationError(f"the claim says {code}", type=code, non_retryable=True)
    return err


def unreachable() -> ActivityError:
    err = claim_says_no("ignored")
    err.__cause__ = ApplicationError("timed out", type="TimeoutError")
    return err


async def take(running: Running, action: str, payload: BaseModel, role: Role = Role.HANDLER):
    """One step as the kit takes it: refusal, before, apply, the row's book, after."""
    step, context = running.pathway.steps[action], ctx(role)
    assert running.pathway.refusal(running.state, step, payload, context) is None
    if step.before is not None:
        await step.before(running, payload, context)
    stage_before = running.state.stage
    running.pathway.apply(running.state, step, payload, context)
    changes = await step.book(running, payload, context) if step.book is not None else []
    applied = AppliedAction(
        seq=1,
        action=action,
        request_id="r-1",
        stage_before=stage_before,
        stage_after=running.state.stage,
        actor_id=context.actor.id,
    )
    if step.after is not None:
        await step.after(running, payload, context, applied)
    return changes, applied


@dataclass(frozen=True)
class Books:
    """A row's effect on the deadline book: the changes it answers with, then deadlines' status
    and due date (and the day met), and fields of the state the book's dates went into."""

    kind: Kind
    state: Any
    action: str
    payload: BaseModel
    changes: list[tuple[str, str | None, str]]
    deadlines: dict[str, tuple[DeadlineStatus, str, str | None]] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)
    label: str = ""


def _changes(*rows: tuple[str, str | None, str]) -> list[tuple[str, str | None, str]]:
    return list(rows)


BOOKS = [
    Books(
        MEDIATION,
        _med(MS.MEDIATOR_APPOINTED),
        "fix_mediation_date",
        med.FixMediationDate(
            mediation_on=d("2026-12-10"),
            position_statements_due_on=d("2026-12-03"),
            bundle_due_on=d("2026-12-05"),
        ),
        _changes(
            ("position_statements_due", None, "2026-12-03"), ("mediation_bundle_due", None, "2026-12-05")
        ),
        {
            "position_statements_due": (OPEN_, "2026-12-03", None),
            "mediation_bundle_due": (OPEN_, "2026-12-05", None),
        },
    ),
    Books(
        MEDIATION,
        _med(MS.SCHEDULED),
        "fix_mediation_date",
        med.FixMediationDate(
            mediation_on=d("2026-12-10"),
            position_statements_due_on=d("2026-12-03"),
            bundle_due_on=d("2026-12-05"),
        ),
        _changes(
            ("position_statements_due", "2026-11-03", "2026-12-03"),
            ("mediation_bundle_due", "2026-11-05", "2026-12-05"),
        ),
        label="moved",
    ),
    Books(
        EVALUATION,
        _ene(ES.AGREED),
        "appoint_evaluator",
        e.AppointEvaluator(
            evaluator="A",
            standing="kc",
            appointed_on=d("2026-10-01"),
            form="paper",
            evaluation_on=d("2026-11-20"),
        ),
        _changes(("evaluation_due", None, "2026-11-20")),
        {"evaluation_due": (OPEN_, "2026-11-20", None)},
    ),
    Books(
        EVALUATION,
        _ene(ES.EVALUATOR_APPOINTED),
        "fix_evaluation_timetable",
        TIMETABLE,
        _changes(
            ("evaluation_position_papers_due", None, "2026-11-02"),
            ("evaluation_bundle_due", None, "2026-11-09"),
        ),
        {"evaluation_due": (OPEN_, "2026-11-16", None)},
    ),
    Books(
        EVALUATION,
        _ene(ES.PAPERS_DUE),
        "fix_evaluation_timetable",
        TIMETABLE.model_copy(update={"bundle_due_on": d("2026-11-20"), "evaluation_on": d("2026-11-23")}),
        _changes(
            ("evaluation_position_papers_due", "2026-11-02", "2026-11-02"),
            ("evaluation_bundle_due", "2026-11-09", "2026-11-20"),
            ("evaluation_due", "2026-11-16", "2026-11-23"),
        ),
        label="moving the evaluation",
    ),
    Books(
        EVALUATION,
        _ene(ES.PAPERS_DUE),
        "serve_position_paper",
        e.ServePositionPaper(served_on=d("2026-11-02"), by="claimant"),
        [],
        {"evaluation_position_papers_due": (OPEN_, "2026-11-02", None)},
        label="the first",
    ),
    Books(
        EVALUATION,
        _ene(ES.PAPERS_DUE, **ONE_PAPER),
        "serve_position_paper",
        e.ServePositionPaper(served_on=d("2026-11-03"), by="defendant"),
        [],
        {"evaluation_position_papers_due": (MET, "2026-11-02", "2026-11-03")},
        label="the second",
    ),
    Books(
        EVALUATION,
        _ene(ES.EVALUATION_DELIVERED),
        "record_evaluation_response",
        RESPONSE["claimant"],
        [],
        {"evaluation_response_due": (OPEN_, "2026-11-30", None)},
        label="the first",
    ),
    Books(
        EVALUATION,
        _ene(ES.EVALUATION_DELIVERED, **ONE_RESPONSE),
        "record_evaluation_response",
        RESPONSE["defendant"].model_copy(update={"responded_on": d("2026-11-19")}),
        [],
        {"evaluation_response_due": (MET, "2026-11-30", "2026-11-19")},
        label="the second",
    ),
    Books(
        LITIGATION,
        _lit(LS.ISSUED),
        "serve_notice_to_serve_claim_form",
        NOTICE,
        _changes(("claim_form_service_required_by_notice", None, "2025-08-18")),
        {
            "claim_form_service_required_by_notice": (OPEN_, "2025-08-18", None),
            "claim_form_service_due": (OPEN_, "2025-11-30", None),
        },
    ),
    Books(
        LITIGATION,
        _lit(LS.ISSUED),
        "serve_claim_form",
        SERVICE,
        _changes(("particulars_of_claim_due", None, "2025-09-09")),  # CPR 6.14 then 7.4
        fields={"litigation.claim_form_deemed_served_on": d("2025-08-26")},
    ),
    Books(
        LITIGATION,
        _lit(LS.ISSUED),
        "serve_claim_form",
        lit.ServeClaimForm(step_taken_on=d("2025-11-27"), method="personal"),
        _changes(("particulars_of_claim_due", "2025-12-15", "2025-11-30")),  # CPR 7.4(2)
        {"particulars_of_claim_due": (OPEN_, "2025-11-30", None)},
        {"litigation.claim_form_deemed_served_on": d("2025-12-01")},
        label="late in the four months",
    ),
    Books(
        LITIGATION,
        _lit(LS.ISSUED),
        "serve_claim_form_with_particulars",
        SERVICE,
        _changes(
            ("acknowledgment_of_service_due", None, "2025-09-09"),  # CPR 10.3
            ("defence_due_without_acknowledgment", None, "2025-09-09"),  # CPR 15.4(1)(a)
        ),
        fields={
            "litigation.claim_form_deemed_served_on": d("2025-08-26"),
            "litigation.particulars_deemed_served_on": d("2025-08-26"),
        },
    ),
    Books(
        LITIGATION,
        _lit(LS.CLAIM_FORM_SERVED),
        "serve_particulars_of_claim",
        PARTICULARS_SENT,  # emailed after 4.30pm on a Friday: deemed served on the Monday
        _changes(
            ("acknowledgment_of_service_due", None, "2025-09-22"),
            ("defence_due_without_acknowledgment", None, "2025-09-22"),
        ),
        {"particulars_of_claim_due": (MET, "2025-09-09", "2025-09-05")},
        {"litigation.particulars_deemed_served_on": d("2025-09-08")},
    ),
    Books(
        LITIGATION,
        _lit(LS.PARTICULARS_SERVED),
        "file_acknowledgment_of_service",
        lit.FileAcknowledgment(filed_on=d("2025-09-19")),
        _changes(("defence_due", None, "2025-10-06")),  # CPR 15.4: 28 days after the particulars
    ),
    Books(
        LITIGATION,
        _lit(LS.ISSUED),
        "record_court_order",
        SERVICE_EXTENDED,
        _changes(("claim_form_service_due", "2025-11-30", "2026-01-30")),
        {"claim_form_service_due": (OPEN_, "2026-01-30", None)},
        label="CPR 7.6",
    ),
    Books(
        LITIGATION,
        _lit(LS.DIRECTIONS_GIVEN, experts_agendas=[RECEIVED]),
        "respond_to_experts_agenda",
        ANSWER,  # Model Directions: then 7 days to agree the agenda
        _changes(("experts_agenda_agreement_due", None, "2026-09-22")),
        {"experts_agenda_agreement_due": (OPEN_, "2026-09-22", None)},
    ),
    Books(
        LITIGATION,
        _lit(LS.DIRECTIONS_GIVEN, experts_agendas=[RECEIVED]),
        "respond_to_experts_agenda",
        ANSWER.model_copy(update={"amendments_proposed": False}),
        _changes(),
        label="agreed as drafted: nothing more due",
    ),
    Books(
        LITIGATION,
        _lit(LS.DEFAULT_JUDGMENT),
        "set_aside_default_judgment",
        lit.SetAsideDefaultJudgment(set_aside_on=d("2025-11-03"), defence_due_on=d("2025-11-17"), reason="x"),
        _changes(("defence_due", "2025-10-06", "2025-11-17")),
    ),
    Books(
        LITIGATION,
        _lit(LS.DEFENCE_FILED),
        "record_allocation_notice",
        lit.AllocationNotice(served_on=d("2025-11-14"), questionnaire_due_on=d("2025-12-12")),
        _changes(("directions_questionnaire_due", None, "2025-12-12")),
    ),
    Books(
        LITIGATION,
        _lit(LS.DIRECTIONS_QUESTIONNAIRE_FILED),
        "list_case_management_conference",
        lit.ListConference(listed_for=d("2026-03-06"), notified_on=d("2025-12-20")),
        _changes(("case_management_conference", None, "2026-03-06")),
    ),
    Books(
        LITIGATION,
        _lit(LS.CMC_LISTED),
        "record_directions_order",
        DIRECTIONS,
        _changes(
            *[(name, None, on) for name, on in DIRECTION_DATES.items()],
            ("trial_window_opens", None, "2026-11-02"),
        ),
    ),
    Books(
        LITIGATION,
        _lit(LS.DIRECTIONS_GIVEN),
        "record_court_order",
        lit.CourtOrder(
            made_on=d("2026-09-11"),
            dates={"trial_window_opens": d("2026-12-07"), "trial": d("2026-12-14")},
            description="moved",
        ),
        _changes(("trial_window_opens", "2026-11-02", "2026-12-07"), ("trial", None, "2026-12-14")),
    ),
    Books(
        LITIGATION,
        _lit(LS.DIRECTIONS_GIVEN),
        "record_direction_complied",
        lit.ComplyWithDirection(direction="disclosure_due", complied_on=d("2026-04-15")),
        [],
        {
            "disclosure_due": (MET, "2026-04-17", "2026-04-15"),
            "witness_statements_due": (OPEN_, "2026-06-12", None),
        },
    ),
    Books(
        LITIGATION,
        _lit(LS.DIRECTIONS_GIVEN),
        "list_trial",
        lit.ListTrial(trial_on=d("2026-11-16"), notified_on=d("2026-10-20")),
        _changes(("trial", None, "2026-11-16")),
    ),
    Books(
        LITIGATION,
        _lit(LS.DIRECTIONS_GIVEN),
        "stay_proceedings",
        lit.StayProceedings(stayed_on=d("2026-08-20"), reason="for ADR", until=d("2026-10-01")),
        _changes(("stay_ends", None, "2026-10-01")),
    ),
    Books(
        LITIGATION,
        _lit(LS.DIRECTIONS_GIVEN),
        "stay_proceedings",
        lit.StayProceedings(stayed_on=d("2026-08-20"), reason="for ADR"),
        [],
        label="without an end",
    ),
    Books(
        SUMMIT,
        _sum(SS.PLANNED),
        "add_claim",
        summit.AddClaim(claim_ref="CLM-C"),
        _changes(("valuation_due_CLM-C", None, "2026-12-04")),  # 14 days
        {
            "valuation_due_CLM-C": (OPEN_, "2026-12-04", None),
            "valuation_due_CLM-A": (OPEN_, "2026-12-04", None),
        },
    ),
    Books(
        SUMMIT,
        _sum(SS.SCHEDULED),
        "remove_claim",
        summit.RemoveClaim(claim_ref="CLM-B", reason="x"),
        [],
        {
            "valuation_due_CLM-A": (OPEN_, "2026-12-04", None),
            "valuation_due_CLM-B": (DeadlineStatus.WAIVED, "2026-12-04", None),
        },
    ),
    Books(
        SUMMIT,
        _sum(SS.PLANNED),
        "record_valuation",
        VALUATION,
        [],
        {
            "valuation_due_CLM-A": (MET, "2026-12-04", "2026-11-19"),
            "valuation_due_CLM-B": (OPEN_, "2026-12-04", None),
        },
    ),
    Books(
        SUMMIT,
        _sum(SS.SCHEDULED),
        "record_summit_held",
        summit.SummitHeld(held_on=TODAY),
        [],
        {"valuation_due_CLM-B": (DeadlineStatus.WAIVED, "2026-12-04", None)},
    ),
]


def _book_id(case: Books) -> str:
    return f"{case.kind.name}-{case.action}" + (f"[{case.label}]" if case.label else "")


def test_every_book_effect_is_tried():
    rows = {(k.name, a) for k in KINDS for a, s in k.pathway.steps.items() if s.book and a not in COMMON}
    assert rows == {(c.kind.name, c.action) for c in BOOKS}


COMMON = ("add_note", "extend_deadline", "waive_deadline", "acknowledge_escalation")


@pytest.mark.parametrize("case", BOOKS, ids=_book_id)
async def test_a_rows_effect_on_the_book(claims, case: Books):
    running = Running(case.kind, case.state())
    changes, _ = await take(running, case.action, case.payload)
    assert [
        (c.name, c.previous_due_on and str(c.previous_due_on), str(c.due_on)) for c in changes
    ] == case.changes
    deadlines = running.state.deadlines
    for name, *_ in case.changes:
        assert deadlines[name].trigger == case.action and deadlines[name].live
    for name, (status, due_on, met_on) in case.deadlines.items():
        assert (deadlines[name].status, str(deadlines[name].due_on), deadlines[name].met_on) == (
            status,
            due_on,
            met_on and d(met_on),
        ), name
    for path, value in case.fields.items():
        assert dig(running.state, path) == value, path


async def test_an_agreed_extension_of_the_defence_counts_from_the_end_of_the_cpr_15_4_period(claims):
    """Particulars deemed served Thu 27 Nov 2025: the 28 days of CPR 15.4(1)(b) end on Christmas
    Day, so the defence is in time on Mon 29 Dec (CPR 2.8(5)). The parties may agree up to 28 days
    more from the end of that period, 25 Dec, so to Thu 22 Jan 2026, not to 26 Jan (CPR 15.5)."""
    running = Running(
        LITIGATION, litigation_at(LS.PARTICULARS_SERVED, particulars_deemed_served_on=d("2025-11-27"))
    )
    await take(running, "file_acknowledgment_of_service", lit.FileAcknowledgment(filed_on=d("2025-12-01")))

    defence = running.state.deadlines["defence_due"]
    assert (defence.due_on, defence.extendable_to) == (d("2025-12-29"), d("2026-01-22"))
    step, agreed = (
        LITIGATION.pathway.steps["extend_deadline"],
        ExtendDeadline(
            deadline="defence_due", new_due_on=d("2026-01-23"), reason="experts", agreed_by="Example & Co LLP"
        ),
    )
    refused = LITIGATION.pathway.refusal(running.state, step, agreed, ctx())
    assert refused.code == "extension_too_long" and "to 2026-01-22" in refused.message
    in_time = agreed.model_copy(update={"new_due_on": d("2026-01-22")})
    assert LITIGATION.pathway.refusal(running.state, step, in_time, ctx()) is None


def test_only_a_court_order_extends_time_to_serve_the_claim_form():
    step = LITIGATION.pathway.steps["extend_deadline"]
    agreed = ExtendDeadline(
        deadline="claim_form_service_due",
        new_due_on=d("2025-12-01"),
        reason="x",
        agreed_by="Example & Co LLP",
    )
    refused = LITIGATION.pathway.refusal(litigation_at(LS.ISSUED), step, agreed, ctx())
    assert (refused.code, refused.message) == (
        "extension_too_long",
        "claim_form_service_due cannot be extended by agreement: only a court order moves it",
    )
    assert lit.CourtDate.CLAIM_FORM_SERVICE.value == "claim_form_service_due"  # record_court_order's


async def test_the_valuation_of_a_claim_met_before_it_left_stays_met(claims):
    state = summit_at(SS.SCHEDULED)
    state.deadlines["valuation_due_CLM-B"].status = MET
    running = Running(SUMMIT, state)
    await take(running, "remove_claim", summit.RemoveClaim(claim_ref="CLM-B", reason="x"))
    await take(running, "record_summit_held", summit.SummitHeld(held_on=TODAY))
    assert {n: x.status for n, x in running.state.deadlines.items()} == {
        "valuation_due_CLM-A": DeadlineStatus.WAIVED,
        "valuation_due_CLM-B": MET,
    }


# --- a route keeps its claim told ------------------------------------------------------------------


def progress(state, stage: str, ended: bool = False, outcome=None, stayed: bool = False):
    return (
        "claim-CLM-A",
        "route_progress",
        RouteProgress(
            ref=state.ref, kind=state.route, stage=stage, ended=ended, outcome=outcome, stayed=stayed, at=NOW
        ),
    )


async def after_step(running: Running, action: str, payload: BaseModel) -> None:
    _, applied = await take(running, action, payload)
    await RouteWorkflow.after_step(running, running.pathway.steps[action], payload, ctx(), applied)


async def test_a_route_tells_its_claim_each_new_stage_and_its_end(claims):
    running = Running(MEDIATION, mediation_at(MS.PROPOSED))
    await after_step(running, "add_note", AddNote(text="called"))
    assert running.signals == []
    await after_step(
        running, "accept_mediation", med.AcceptMediation(accepted_on=TODAY, accepted_by="claimant")
    )
    assert running.signals == [progress(running.state, MS.AGREED)]
    await after_step(running, "abandon_mediation", med.AbandonMediation(reason="withdrawn"))
    declined = RouteOutcome(result=RouteResult.DECLINED, reason="abandoned: withdrawn")
    assert running.signals[1:] == [progress(running.state, MS.DECLINED, ended=True, outcome=declined)]


async def test_a_stay_and_its_lifting_are_told_to_the_claim(claims):
    running = Running(LITIGATION, litigation_at(LS.DIRECTIONS_GIVEN))
    await after_step(running, "stay_proceedings", lit.StayProceedings(stayed_on=TODAY, reason="for ADR"))
    await after_step(running, "lift_stay", lit.LiftStay(lifted_on=TODAY, reason="ADR failed"))
    assert running.signals == [
        progress(running.state, LS.DIRECTIONS_GIVEN, stayed=True),
        progress(running.state, LS.DIRECTIONS_GIVEN, stayed=False),
    ]
    await after_step(running, "list_trial", lit.ListTrial(trial_on=d("2026-11-16"), notified_on=TODAY))
    assert running.signals[2:] == [progress(running.state, LS.TRIAL_LISTED)], "told once"


async def test_a_route_tells_its_claim_once_of_a_new_stage_when_a_row_tells_it_too(claims):
    running = Running(LITIGATION, litigation_at(LS.ISSUED, stayed=True))
    applied = AppliedAction(seq=2, action="lift_stay", request_id="r", stage_before="issued", stage_after="x")
    await LITIGATION.pathway.steps["lift_stay"].after(running, None, ctx(), applied)
    assert running.signals == [], "a new stage is told by after_step"


# --- a summit asks its claims, then tells them --------------------------------------------------------


def request(ref: str, joins: int = 1, reason: str = "", summit_on: date | None = None) -> summit.ClaimRequest:
    return summit.ClaimRequest(
        summit_ref="SUM-1",
        summit_workflow_id="resolution_summit-SUM-1",
        claim_ref=ref,
        claimant_firm_id="SRA-500600",
        summit_on=summit_on,
        joins=joins,
        actor=ctx().actor,
        reason=reason,
    )


async def test_a_claim_is_asked_to_join_before_it_is_added(claims):
    running = Running(SUMMIT, summit_at(SS.PLANNED))
    await take(running, "add_claim", summit.AddClaim(claim_ref="CLM-C"))
    running.state = _removed(SS.SCHEDULED, "CLM-B")()
    await take(running, "add_claim", summit.AddClaim(claim_ref="CLM-B"))
    assert claims.asked == [
        ("join_claim", request("CLM-C")),
        ("join_claim", request("CLM-B", joins=2, summit_on=TODAY)),
    ]


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        (claim_says_no("claimant_firm_mismatch"), "claimant_firm_mismatch"),
        (unreachable(), "claim_unreachable"),
    ],
    ids=["the claim says no", "unreachable"],
)
async def test_a_claim_that_does_not_join_is_not_added(claims, answer, code):
    claims.answers["CLM-C"] = answer
    running = Running(SUMMIT, summit_at(SS.PLANNED))
    before = running.state.model_copy(deep=True)
    with pytest.raises(ApplicationError) as refused:
        await take(running, "add_claim", summit.AddClaim(claim_ref="CLM-C"))
    assert refused.value.type == code and refused.value.details[0]["stage"] == SS.PLANNED
    assert running.state == before


@pytest.mark.parametrize(
    ("answer", "refused"),
    [
        (None, None),
        (claim_says_no("not_in_summit"), None),
        (claim_says_no("claim_not_found"), None),
        (claim_says_no("claim_closed"), "claim_closed"),
        (unreachable(), "claim_unreachable"),
    ],
    ids=["left", "not in it", "not found", "says no", "unreachable"],
)
async def test_a_claim_is_asked_to_leave_before_it_is_removed(claims, answer, refused):
    if answer is not None:
        claims.answers["CLM-B"] = answer
    running = Running(SUMMIT, summit_at(SS.SCHEDULED))
    payload = summit.RemoveClaim(claim_ref="CLM-B", reason="liability disputed")
    if refused:
        with pytest.raises(ApplicationError) as err:
            await take(running, "remove_claim", payload)
        assert err.value.type == refused and running.state.claim("CLM-B").in_summit
    else:
        await take(running, "remove_claim", payload)
        assert not running.state.claim("CLM-B").in_summit
    assert claims.asked == [("leave_claim", request("CLM-B", reason="liability disputed", summit_on=TODAY))]


async def test_a_cancelled_summit_releases_every_claim_still_in_it(claims):
    claims.answers["CLM-A"] = claim_says_no("claim_closed")  # let go whatever it answers
    running = Running(SUMMIT, _removed(SS.SCHEDULED, "CLM-B")())
    running.state.claims.append(member("CLM-C"))
    await take(running, "cancel_summit", summit.CancelSummit(reason="postponed"))
    assert running.state.stage == SS.CANCELLED
    reason = "summit cancelled: postponed"
    assert claims.asked == [
        ("leave_claim", request("CLM-A", reason=reason, summit_on=TODAY)),
        ("leave_claim", request("CLM-C", reason=reason, summit_on=TODAY)),
    ]


async def test_a_summit_that_cannot_reach_a_claim_is_not_cancelled(claims):
    claims.answers["CLM-B"] = unreachable()
    running = Running(SUMMIT, summit_at(SS.SCHEDULED))
    with pytest.raises(ApplicationError) as refused:
        await take(running, "cancel_summit", summit.CancelSummit(reason="postponed"))
    assert refused.value.type == "claim_unreachable" and running.state.stage == SS.SCHEDULED


async def test_the_last_outcome_concludes_the_summit_and_tells_every_claim_in_it(claims):
    running = Running(SUMMIT, _held_with()())
    await take(
        running, "record_claim_outcome", summit.RecordClaimOutcome(claim_ref="CLM-A", result="escalated")
    )
    assert running.signals == [] and running.state.stage == SS.HELD
    settled = summit.RecordClaimOutcome(claim_ref="CLM-B", result="settled", settlement=terms("2026-11-20"))
    await take(running, "record_claim_outcome", settled)
    assert running.state.stage == SS.CONCLUDED
    assert running.signals == [
        (
            "claim-CLM-A",
            "summit_outcome",
            SummitOutcome(summit_ref="SUM-1", result=SummitResult.ESCALATED, at=NOW),
        ),
        (
            "claim-CLM-B",
            "summit_outcome",
            SummitOutcome(
                summit_ref="SUM-1", result=SummitResult.SETTLED, settlement=terms("2026-11-20"), at=NOW
            ),
        ),
    ]
    assert [c.told_at for c in running.state.claims] == [NOW, NOW, None], "not the claim removed"
