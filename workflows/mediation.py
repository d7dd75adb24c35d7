"""MediationWorkflow: one mediation of a claim, from proposal to its outcome.

A child of the claim (workflows/route.py). A claim not settled on the day is checked again 28
days later: settling within 28 days is how the service measures mediation.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from temporalio import workflow

from models import mediation as m
from models.deadlines import DeadlineChangeView
from models.mediation import MediationStage as S
from models.routes import RouteKind, RouteOutcome, RouteResult
from workflows.case_kit import Context, Pathway, Step, common_steps, not_future
from workflows.route import RouteWorkflow

REPLY = "mediation_reply_due"
POSITION_STATEMENTS = "position_statements_due"
BUNDLE = "mediation_bundle_due"
SETTLEMENT_CHECK = "mediation_settlement_check_due"

EVERY = frozenset(S)
FINAL = frozenset({S.SETTLED, S.NOT_SETTLED, S.DECLINED})
OPEN = EVERY - FINAL
BEFORE_THE_DAY = frozenset({S.AGREED, S.MEDIATOR_APPOINTED, S.SCHEDULED})


def _accept(state: m.MediationState, p: m.AcceptMediation, ctx: Context) -> None:
    state.mediation.accepted_on = p.accepted_on


def _refuse(state: m.MediationState, p: m.RefuseMediation, ctx: Context) -> None:
    state.mediation.refused_by, state.mediation.refusal_reason = p.refused_by, p.reason
    state.outcome = "declined"
    state.route_outcome = RouteOutcome(
        result=RouteResult.DECLINED, reason=f"refused by {p.refused_by}: {p.reason}"
    )


def _appoint(state: m.MediationState, p: m.AppointMediator, ctx: Context) -> None:
    state.mediation.provider, state.mediation.mediator = p.provider, p.mediator
    if p.format is not None:
        state.mediation.format = p.format


def _fix_date(state: m.MediationState, p: m.FixMediationDate, ctx: Context) -> None:
    state.mediation.mediation_on, state.mediation.venue = p.mediation_on, p.venue


def _serve(paper: str):
    def serve(state: m.MediationState, p: m.ServePaper, ctx: Context) -> None:
        state.mediation.papers_served.append(f"{paper} by {p.by} on {p.served_on}")

    return serve


def _settled(state: m.MediationState, settlement, how: str) -> None:
    state.outcome = how
    state.route_outcome = RouteOutcome(result=RouteResult.SETTLED, reason=how, settlement=settlement)


def _held(state: m.MediationState, p: m.MediationNotSettled | m.MediationSettled, ctx: Context) -> None:
    state.mediation.held_on = p.held_on
    state.mediation.settled_on_day = isinstance(p, m.MediationSettled)
    if state.mediation.settled_on_day:
        _settled(state, p.settlement, "settled_on_day")


def _settled_later(state: m.MediationState, p: m.RecordLaterSettlement, ctx: Context) -> None:
    state.mediation.settled_within_28_days = (p.settlement.agreed_on - state.mediation.held_on).days <= 28
    _settled(state, p.settlement, "settled_after_mediation")


def _not_settled(state: m.MediationState, p: m.RecordNoSettlement, ctx: Context) -> None:
    state.mediation.settled_within_28_days = False
    state.outcome = "not_settled"
    state.route_outcome = RouteOutcome(result=RouteResult.NOT_SETTLED, reason=p.reason)


def _abandon(state: m.MediationState, p: m.AbandonMediation, ctx: Context) -> None:
    state.outcome = "abandoned"
    state.route_outcome = RouteOutcome(result=RouteResult.DECLINED, reason=f"abandoned: {p.reason}")


# --- the deadline book ------------------------------------------------------------------


async def _papers_due(
    case: MediationWorkflow, p: m.FixMediationDate, ctx: Context
) -> list[DeadlineChangeView]:
    """The dates agreed for the position statements and the bundle (moved with the day)."""
    book, owner, actor = case.book, case.state.owner, ctx.actor.id
    return [
        book.set_date(
            POSITION_STATEMENTS,
            "fix_mediation_date",
            ctx.today,
            p.position_statements_due_on,
            owner,
            actor,
        ),
        book.set_date(BUNDLE, "fix_mediation_date", ctx.today, p.bundle_due_on, owner, actor),
    ]


def _held_on_or_after_the_date(state: m.MediationState, p: Any, ctx: Context):
    if p.held_on > ctx.today:
        return "date_in_future", f"held_on {p.held_on} is in the future"
    if p.held_on < state.mediation.mediation_on:
        return "before_mediation_date", f"the mediation is fixed for {state.mediation.mediation_on}"
    return None


PATHWAY = Pathway(
    "mediation",
    S,
    [
        Step(
            "accept_mediation",
            m.AcceptMediation,
            frozenset({S.PROPOSED}),
            S.AGREED,
            "Mediation accepted",
            _accept,
            not_future("accepted_on"),
            meets=(REPLY,),
        ),
        Step(
            "refuse_mediation",
            m.RefuseMediation,
            frozenset({S.PROPOSED}),
            S.DECLINED,
            "Mediation refused, with the reason (courts weigh it on costs)",
            _refuse,
            not_future("refused_on"),
            meets=(REPLY,),
        ),
        Step(
            "appoint_mediator",
            m.AppointMediator,
            frozenset({S.AGREED}),
            S.MEDIATOR_APPOINTED,
            "Provider and mediator appointed",
            _appoint,
            not_future("appointed_on"),
        ),
        Step(
            "fix_mediation_date",
            m.FixMediationDate,
            frozenset({S.MEDIATOR_APPOINTED, S.SCHEDULED}),
            S.SCHEDULED,
            "Mediation date fixed (or moved); position statements and bundle due",
            _fix_date,
            book=_papers_due,
        ),
        Step(
            "serve_position_statement",
            m.ServePaper,
            frozenset({S.SCHEDULED}),
            None,
            "Position statement served",
            _serve("position statement"),
            not_future("served_on"),
            date_field="served_on",
            meets=(POSITION_STATEMENTS,),
        ),
        Step(
            "lodge_bundle",
            m.ServePaper,
            frozenset({S.SCHEDULED}),
            None,
            "Mediation bundle lodged",
            _serve("bundle"),
            not_future("served_on"),
            date_field="served_on",
            meets=(BUNDLE,),
        ),
        Step(
            "record_mediation_settled",
            m.MediationSettled,
            frozenset({S.SCHEDULED}),
            S.SETTLED,
            "Mediation held and settled on the day",
            _held,
            _held_on_or_after_the_date,
            date_field="held_on",
        ),
        Step(
            "record_mediation_not_settled",
            m.MediationNotSettled,
            frozenset({S.SCHEDULED}),
            S.NOT_SETTLED_ON_DAY,
            "Mediation held, not settled on the day: checked again in 28 days",
            _held,
            _held_on_or_after_the_date,
            date_field="held_on",
            sets=(SETTLEMENT_CHECK,),
            waives=(POSITION_STATEMENTS, BUNDLE),
        ),
        Step(
            "record_settlement_after_mediation",
            m.RecordLaterSettlement,
            frozenset({S.NOT_SETTLED_ON_DAY}),
            S.SETTLED,
            "Settled after the day (within 28 days counts for the measure)",
            _settled_later,
            meets=(SETTLEMENT_CHECK,),
        ),
        Step(
            "record_no_settlement",
            m.RecordNoSettlement,
            frozenset({S.NOT_SETTLED_ON_DAY}),
            S.NOT_SETTLED,
            "Not settled: the claim chooses another route",
            _not_settled,
            not_future("checked_on"),
            meets=(SETTLEMENT_CHECK,),
        ),
        Step(
            "abandon_mediation",
            m.AbandonMediation,
            OPEN - {S.NOT_SETTLED_ON_DAY},
            S.DECLINED,
            "Mediation abandoned before it was held",
            _abandon,
        ),
        *common_steps(OPEN, EVERY),
    ],
    final=FINAL,
    opening_action="propose_mediation",
)


@workflow.defn
class MediationWorkflow(RouteWorkflow):
    pathway = PATHWAY
    route = RouteKind.MEDIATION
    input_type = m.MediationInput
    state_type = m.MediationState

    @workflow.init
    def __init__(self, input: m.MediationInput) -> None:
        self.start_case(input)

    @workflow.run
    async def run(self, input: m.MediationInput) -> m.MediationState:
        return await self.run_case()

    def open(self, input: m.MediationInput, now: datetime) -> m.MediationState:
        o = input.opening
        details = m.MediationDetails(proposed_by=o.proposed_by, proposed_on=o.proposed_on, format=o.format)
        return self.open_route(input, now, m.MediationState, mediation=details)

    async def on_open(self, input: m.MediationInput) -> None:
        o = input.opening
        if o.proposed_by == "claimant":  # our reply is due; our own proposal waits on theirs
            opening, actor = self.pathway.opening_action, input.opened_by.actor.id
            await self.book.set(REPLY, opening, o.proposed_on, o.owner, actor)
        await self.tell_claim()
