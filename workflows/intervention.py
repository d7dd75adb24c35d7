"""InterventionWorkflow: one intervention of an advice case (assisted mediation, team review or
a professional support and remediation action plan), from agreement to its report.

A child of the advice case, started by its `start_intervention` action. Each type has its own
stages, so the actions allowed at each are right for the type; its report is due a set time
after the mediation or review is held, and an action plan's follow-up dates are deadlines in
turn (the earliest outstanding one is live). When it ends it tells its advice case, which
cannot close while any intervention runs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from temporalio import workflow

from models import advice as m
from models.advice import InterventionStage as S
from models.advice import InterventionType as T
from models.cases import CaseLink
from models.common import AppliedAction, CaseKind
from models.deadlines import DeadlineChangeView
from workflows.case_kit import (
    CaseWorkflow,
    Context,
    Pathway,
    Step,
    both,
    common_steps,
    every,
    not_future,
)

REPORT = "intervention_report_due"
FOLLOW_UP = "psr_follow_up_due"

EVERY = frozenset(S)
FINAL = frozenset({S.COMPLETED, S.ABANDONED})
OPEN = EVERY - FINAL


def _of_type(kind: T):
    """A step that belongs to one type of intervention: the others are never offered it."""

    def available(state: m.InterventionState):
        if state.intervention is not kind:
            return "wrong_intervention_type", f"this is a {state.intervention.value} intervention"
        return None

    return available


def _appoint(state: m.InterventionState, p: m.AppointMediator, ctx: Context) -> None:
    state.mediator = p.mediator


def _plan(state: m.InterventionState, p: m.AgreeActionPlan, ctx: Context) -> None:
    state.objectives = [m.ObjectiveRecord(**o.model_dump()) for o in p.objectives]


def _distinct_objectives(state: m.InterventionState, p: m.AgreeActionPlan, ctx: Context):
    codes = [o.code for o in p.objectives]
    if len(set(codes)) != len(codes):
        return "duplicate_objective", "each objective of the plan needs its own code"
    if any(o.follow_up_on < p.agreed_on for o in p.objectives):
        return "follow_up_before_plan", "a follow-up date falls before the plan was agreed"
    return None


def _objective(state: m.InterventionState, code: str) -> m.ObjectiveRecord | None:
    return next((o for o in state.objectives if o.code == code), None)


def _objectives_outstanding(state: m.InterventionState):
    if all(o.met for o in state.objectives):
        return "objective_met", "every objective of the plan is already met"
    return None


def _follow_up_allowed(state: m.InterventionState, p: m.RecordFollowUp, ctx: Context):
    objective = _objective(state, p.objective)
    if objective is None:
        return "unknown_objective", f"the plan has no objective {p.objective}"
    if objective.met:
        return "objective_met", f"objective {p.objective} is already met"
    if not p.met and (p.next_follow_up_on is None or p.next_follow_up_on <= p.held_on):
        return "next_follow_up_needed", "an objective not yet met needs a later follow-up date"
    return None


def _follow_up(state: m.InterventionState, p: m.RecordFollowUp, ctx: Context) -> None:
    objective = _objective(state, p.objective)
    objective.follow_ups.append(p.held_on)
    objective.met = p.met
    if not p.met:
        objective.follow_up_on = p.next_follow_up_on


def _plan_complete(state: m.InterventionState):
    outstanding = [o.code for o in state.objectives if not o.met]
    if state.intervention is T.PSR_ACTION_PLAN and outstanding:
        return "objectives_outstanding", f"objectives not yet met: {', '.join(outstanding)}"
    return None


def _report(state: m.InterventionState, p: m.IssueInterventionReport, ctx: Context) -> None:
    state.report_issued_on = p.issued_on


def _done(outcome: str):
    def effect(state: m.InterventionState, p: Any, ctx: Context) -> None:
        state.outcome = getattr(p, "reason", outcome)

    return effect


# --- the action plan's follow-up deadline --------------------------------------------------
# An action plan's earliest outstanding follow-up date is its live follow-up deadline.


def _next_follow_up(case: InterventionWorkflow, trigger: str, ctx: Context) -> list[DeadlineChangeView]:
    state: m.InterventionState = case.state
    upcoming = state.next_follow_up()
    if upcoming is None:
        return []
    return [
        case.book.set_date(FOLLOW_UP, trigger, ctx.today, upcoming.follow_up_on, state.owner, ctx.actor.id)
    ]


async def _first_follow_up(
    case: InterventionWorkflow, p: m.AgreeActionPlan, ctx: Context
) -> list[DeadlineChangeView]:
    return _next_follow_up(case, "agree_action_plan", ctx)


async def _follow_up_held(
    case: InterventionWorkflow, p: m.RecordFollowUp, ctx: Context
) -> list[DeadlineChangeView]:
    """The follow-up due is met by this one, whichever objective it was; the next comes due."""
    current = case.state.deadlines.get(FOLLOW_UP)
    if current is not None and current.live:
        case.book.meet(FOLLOW_UP, p.held_on, ctx.actor.id)
    return _next_follow_up(case, "record_follow_up", ctx)


MEDIATION = _of_type(T.ASSISTED_MEDIATION)
REVIEW = _of_type(T.TEAM_REVIEW)
PLAN = _of_type(T.PSR_ACTION_PLAN)

STEPS = [
    Step(
        "appoint_mediator",
        m.AppointMediator,
        frozenset({S.AGREED}),
        S.MEDIATOR_APPOINTED,
        "A mediator appointed",
        _appoint,
        not_future("appointed_on"),
        roles=m.ADVISING,
        available=MEDIATION,
    ),
    Step(
        "hold_mediation",
        m.HoldMediation,
        frozenset({S.MEDIATOR_APPOINTED}),
        S.MEDIATION_HELD,
        "The assisted mediation held; its report is due",
        check=not_future("held_on"),
        roles=m.ADVISING,
        available=MEDIATION,
        date_field="held_on",
        sets=(REPORT,),
    ),
    Step(
        "agree_review_terms",
        m.AgreeReviewTerms,
        frozenset({S.AGREED}),
        S.TERMS_AGREED,
        "Terms of reference for the team review agreed",
        check=not_future("agreed_on"),
        roles=m.ADVISING,
        available=REVIEW,
    ),
    Step(
        "hold_team_review",
        m.HoldTeamReview,
        frozenset({S.TERMS_AGREED}),
        S.REVIEW_HELD,
        "The team review carried out; its report is due",
        check=not_future("held_on"),
        roles=m.ADVISING,
        available=REVIEW,
        date_field="held_on",
        sets=(REPORT,),
    ),
    Step(
        "agree_action_plan",
        m.AgreeActionPlan,
        frozenset({S.AGREED}),
        S.PLAN_AGREED,
        "The action plan agreed with its objectives and follow-up dates",
        _plan,
        both(not_future("agreed_on"), _distinct_objectives),
        roles=m.ADVISING,
        available=PLAN,
        book=_first_follow_up,
    ),
    Step(
        "record_follow_up",
        m.RecordFollowUp,
        frozenset({S.PLAN_AGREED}),
        None,
        "A follow-up of an objective of the plan",
        _follow_up,
        both(not_future("held_on"), _follow_up_allowed),
        roles=m.ADVISING,
        available=every(PLAN, _objectives_outstanding),
        book=_follow_up_held,
    ),
    Step(
        "issue_report",
        m.IssueInterventionReport,
        frozenset({S.MEDIATION_HELD, S.REVIEW_HELD, S.PLAN_AGREED}),
        S.REPORTED,
        "The intervention's report issued",
        _report,
        not_future("issued_on"),
        roles=m.ADVISING,
        available=_plan_complete,
        date_field="issued_on",
        meets=(REPORT,),
    ),
    Step(
        "complete",
        m.CompleteIntervention,
        frozenset({S.REPORTED}),
        S.COMPLETED,
        "The intervention completed",
        _done("completed"),
        not_future("completed_on"),
        roles=m.ADVISING,
    ),
    Step(
        "abandon",
        m.AbandonIntervention,
        OPEN - {S.REPORTED},
        S.ABANDONED,
        "The intervention abandoned",
        _done("abandoned"),
        not_future("abandoned_on"),
        roles=m.ADVISING,
    ),
    *common_steps(OPEN, EVERY, acting=m.ADVISING, supervising=m.ADVICE_SUPERVISING),
]

PATHWAY = Pathway(
    CaseKind.INTERVENTION.value, S, STEPS, final=FINAL, initial=S.AGREED, opening_action="start_intervention"
)


@workflow.defn
class InterventionWorkflow(CaseWorkflow):
    pathway = PATHWAY
    # Only for api/cases.py, whose history route still reads the class: remove once it reads
    # pathway.opening_action. The case itself reads the pathway.
    input_type = m.InterventionInput
    state_type = m.InterventionState

    @workflow.init
    def __init__(self, input: m.InterventionInput) -> None:
        self.start_case(input)

    @workflow.run
    async def run(self, input: m.InterventionInput) -> m.InterventionState:
        return await self.run_case()

    def open(self, input: m.InterventionInput, now: datetime) -> m.InterventionState:
        o = input.opening
        return m.InterventionState(
            ref=input.ref,
            kind=CaseKind.INTERVENTION,
            stage=S.AGREED,
            owner=o.owner,
            team=o.team,
            parent=CaseLink(kind=CaseKind.ADVICE, ref=o.advice_ref, workflow_id=o.advice_workflow_id),
            intervention=o.intervention,
            advice_ref=o.advice_ref,
            agreed_on=o.agreed_on,
            opened_at=now,
            updated_at=now,
        )

    def opening_summary(self, input: m.InterventionInput) -> dict[str, Any]:
        return {"advice_ref": input.opening.advice_ref, "intervention": input.opening.intervention.value}

    async def after_step(self, step: Step, payload: Any, ctx: Context, applied: AppliedAction) -> None:
        """Whichever step ends the intervention, its advice case is told (it cannot close while
        an intervention runs)."""
        state: m.InterventionState = self.state
        if applied.stage_after in FINAL and applied.stage_before not in FINAL:
            ended = m.ChildEnded(
                ref=state.ref, kind=CaseKind.INTERVENTION, outcome=state.outcome, ended_at=ctx.now
            )
            await self.signal_case(state.parent.workflow_id, "intervention_ended", ended)

    def facts(self) -> dict[str, Any]:
        state: m.InterventionState = self.state
        return {
            "advice_ref": state.advice_ref,
            "intervention": state.intervention.value,
            "objectives": len(state.objectives),
            "objectives_met": sum(o.met for o in state.objectives),
            "report_issued_on": state.report_issued_on.isoformat() if state.report_issued_on else None,
        }
