"""EarlyNeutralEvaluationWorkflow: one early neutral evaluation of a claim, from agreement (or a
court order) to its outcome.

A child of the claim (workflows/route.py). The evaluation is not binding: after it, each party
says whether it accepts it, and the route ends settled on it, with the issues narrowed, or not
resolved; the claim then moves on by itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from temporalio import workflow

from models import early_neutral_evaluation as e
from models.claims import Side
from models.deadlines import DeadlineChangeView
from models.early_neutral_evaluation import EvaluationStage as S
from models.routes import RouteKind, RouteOutcome, RouteResult
from workflows.case_kit import Context, Pathway, Step, both, common_steps, not_future
from workflows.route import RouteWorkflow

POSITION_PAPERS = "evaluation_position_papers_due"
BUNDLE = "evaluation_bundle_due"
EVALUATION = "evaluation_due"
RESPONSES = "evaluation_response_due"

EVERY = frozenset(S)
FINAL = frozenset({S.SETTLED, S.NARROWED, S.NOT_RESOLVED, S.ABANDONED})
OPEN = EVERY - FINAL
BEFORE_DELIVERY = frozenset({S.AGREED, S.EVALUATOR_APPOINTED, S.PAPERS_DUE, S.PAPERS_SERVED})
SIDES = frozenset(Side)


# --- effects ----------------------------------------------------------------------------


def _appoint(state: e.EvaluationState, p: e.AppointEvaluator, ctx: Context) -> None:
    ene = state.evaluation
    ene.evaluator, ene.standing, ene.provider = p.evaluator, p.standing, p.provider
    ene.appointed_on, ene.form, ene.evaluation_on = p.appointed_on, p.form, p.evaluation_on


def _timetable(state: e.EvaluationState, p: e.FixEvaluationTimetable, ctx: Context) -> None:
    if p.evaluation_on is not None:
        state.evaluation.evaluation_on = p.evaluation_on


def _position_paper(state: e.EvaluationState, p: e.ServePositionPaper, ctx: Context) -> None:
    state.evaluation.position_papers_served[p.by] = p.served_on


def _bundle(state: e.EvaluationState, p: e.LodgeEvaluationBundle, ctx: Context) -> None:
    state.evaluation.bundle_lodged_on = p.lodged_on


def _deliver(state: e.EvaluationState, p: e.DeliverEvaluation, ctx: Context) -> None:
    state.evaluation.delivered_on, state.evaluation.gist = p.delivered_on, p.gist


def _respond(state: e.EvaluationState, p: e.RecordEvaluationResponse, ctx: Context) -> None:
    state.evaluation.responses[p.by] = p


def _end(state: e.EvaluationState, result: RouteResult, outcome: str, reason: str, settlement=None) -> None:
    state.outcome = outcome
    state.route_outcome = RouteOutcome(result=result, reason=reason, settlement=settlement)


def _settle(state: e.EvaluationState, p: e.SettleOnEvaluation, ctx: Context) -> None:
    _end(state, RouteResult.SETTLED, "settled_on_evaluation", "settled on the evaluation", p.settlement)


def _narrow(state: e.EvaluationState, p: e.RecordIssuesNarrowed, ctx: Context) -> None:
    state.evaluation.issues_agreed, state.evaluation.issues_remaining = p.issues_agreed, p.issues_remaining
    reason = "issues agreed: " + "; ".join(p.issues_agreed)
    if p.issues_remaining:
        reason += " | still in dispute: " + "; ".join(p.issues_remaining)
    _end(state, RouteResult.NARROWED, "issues_narrowed", reason)


def _not_resolved(state: e.EvaluationState, p: e.RecordNotResolved, ctx: Context) -> None:
    _end(state, RouteResult.NOT_SETTLED, "not_resolved", p.reason)


def _abandon(state: e.EvaluationState, p: e.AbandonEvaluation, ctx: Context) -> None:
    _end(state, RouteResult.DECLINED, "abandoned", f"abandoned: {p.reason}")


# --- checks -----------------------------------------------------------------------------


def _on_or_before_evaluation(state: e.EvaluationState, p: e.FixEvaluationTimetable, ctx: Context):
    evaluation_on = p.evaluation_on or state.evaluation.evaluation_on
    if max(p.position_papers_due_on, p.bundle_due_on) > evaluation_on:
        return "papers_after_evaluation", f"the papers are due on or before the evaluation ({evaluation_on})"
    return None


def _not_served_yet(state: e.EvaluationState, p: e.ServePositionPaper, ctx: Context):
    if p.by in state.evaluation.position_papers_served:
        served = state.evaluation.position_papers_served[p.by]
        return "already_served", f"the {p.by}'s position paper was served on {served}"
    return None


def _a_paper_outstanding(state: e.EvaluationState):
    if state.evaluation.position_papers_served.keys() >= SIDES:
        return "already_served", "both parties' position papers were served"
    return None


def _papers_in(state: e.EvaluationState):
    # The bundle is what the evaluator reads: it goes in once both position papers are in it.
    missing = sorted(SIDES - state.evaluation.position_papers_served.keys())
    if missing:
        return "position_papers_outstanding", f"no position paper yet from: {', '.join(missing)}"
    return None


def _not_before_appointment(state: e.EvaluationState, p: e.DeliverEvaluation, ctx: Context):
    if p.delivered_on < state.evaluation.appointed_on:
        return "before_appointment", f"the evaluator was appointed on {state.evaluation.appointed_on}"
    return None


def _first_response(state: e.EvaluationState, p: e.RecordEvaluationResponse, ctx: Context):
    if p.by in state.evaluation.responses:
        return "already_responded", f"the {p.by}'s response was recorded; add a note if it changed"
    if p.responded_on < state.evaluation.delivered_on:
        return "before_evaluation", f"the evaluation was delivered on {state.evaluation.delivered_on}"
    return None


def _a_response_outstanding(state: e.EvaluationState):
    if state.evaluation.responses.keys() >= SIDES:
        return "already_responded", "both parties' responses were recorded; add a note if one changed"
    return None


def _responses_in(state: e.EvaluationState):
    missing = sorted(SIDES - state.evaluation.responses.keys())
    if missing:
        return "responses_outstanding", f"no response to the evaluation yet from: {', '.join(missing)}"
    return None


def _court_order_varied(state: e.EvaluationState, p: e.AbandonEvaluation, ctx: Context):
    if state.evaluation.ordered_by_court and p.court_order_varied_on is None:
        return "ordered_by_court", "a court-ordered evaluation ends early only if the court varies its order"
    return None


# --- the deadline book -------------------------------------------------------------------
# No periods are fixed by rule: every date is agreed or ordered, and entered.


async def _evaluation_due(
    case: EarlyNeutralEvaluationWorkflow, p: e.AppointEvaluator, ctx: Context
) -> list[DeadlineChangeView]:
    owner, actor = case.state.owner, ctx.actor.id
    return [case.book.set_date(EVALUATION, "appoint_evaluator", ctx.today, p.evaluation_on, owner, actor)]


async def _timetable_due(
    case: EarlyNeutralEvaluationWorkflow, p: e.FixEvaluationTimetable, ctx: Context
) -> list[DeadlineChangeView]:
    """The papers' dates, and the evaluation's if the timetable moves it."""
    book, owner, actor, action = case.book, case.state.owner, ctx.actor.id, "fix_evaluation_timetable"
    changes = [
        book.set_date(POSITION_PAPERS, action, ctx.today, p.position_papers_due_on, owner, actor),
        book.set_date(BUNDLE, action, ctx.today, p.bundle_due_on, owner, actor),
    ]
    if p.evaluation_on is not None:
        changes.append(book.set_date(EVALUATION, action, ctx.today, p.evaluation_on, owner, actor))
    return changes


# One deadline for both papers and one for both responses: met when the second is in.


async def _papers_met_once_both_served(
    case: EarlyNeutralEvaluationWorkflow, p: e.ServePositionPaper, ctx: Context
) -> list[DeadlineChangeView]:
    if case.state.evaluation.position_papers_served.keys() >= SIDES:
        case.book.meet(POSITION_PAPERS, p.served_on, ctx.actor.id)
    return []


async def _responses_met_once_both_in(
    case: EarlyNeutralEvaluationWorkflow, p: e.RecordEvaluationResponse, ctx: Context
) -> list[DeadlineChangeView]:
    if case.state.evaluation.responses.keys() >= SIDES:
        case.book.meet(RESPONSES, p.responded_on, ctx.actor.id)
    return []


PATHWAY = Pathway(
    "early_neutral_evaluation",
    S,
    [
        Step(
            "appoint_evaluator",
            e.AppointEvaluator,
            frozenset({S.AGREED}),
            S.EVALUATOR_APPOINTED,
            "Evaluator appointed; the evaluation hearing (or paper evaluation) fixed",
            _appoint,
            not_future("appointed_on"),
            book=_evaluation_due,
        ),
        Step(
            "fix_evaluation_timetable",
            e.FixEvaluationTimetable,
            frozenset({S.EVALUATOR_APPOINTED, S.PAPERS_DUE}),
            S.PAPERS_DUE,
            "Position papers and bundle due (dates agreed or ordered); may move the evaluation date",
            _timetable,
            _on_or_before_evaluation,
            book=_timetable_due,
        ),
        Step(
            "serve_position_paper",
            e.ServePositionPaper,
            frozenset({S.PAPERS_DUE}),
            None,
            "A party's position paper served",
            _position_paper,
            both(not_future("served_on"), _not_served_yet),
            date_field="served_on",
            available=_a_paper_outstanding,
            book=_papers_met_once_both_served,
        ),
        Step(
            "lodge_evaluation_bundle",
            e.LodgeEvaluationBundle,
            frozenset({S.PAPERS_DUE}),
            S.PAPERS_SERVED,
            "Bundle lodged with the evaluator, with both position papers: the papers are served",
            _bundle,
            not_future("lodged_on"),
            date_field="lodged_on",
            available=_papers_in,
            meets=(BUNDLE,),
        ),
        Step(
            "deliver_evaluation",
            e.DeliverEvaluation,
            frozenset({S.PAPERS_DUE, S.PAPERS_SERVED}),
            S.EVALUATION_DELIVERED,
            "Evaluation delivered (its gist on breach, causation and quantum); responses due",
            _deliver,
            both(not_future("delivered_on"), _not_before_appointment),
            date_field="delivered_on",
            sets=(RESPONSES,),
            meets=(EVALUATION,),
            # The evaluator may go ahead on what was served; what was not is moot.
            waives=(POSITION_PAPERS, BUNDLE),
        ),
        Step(
            "record_evaluation_response",
            e.RecordEvaluationResponse,
            frozenset({S.EVALUATION_DELIVERED}),
            None,
            "A party's response to the evaluation (accepts it or not)",
            _respond,
            both(not_future("responded_on"), _first_response),
            date_field="responded_on",
            available=_a_response_outstanding,
            book=_responses_met_once_both_in,
        ),
        Step(
            "settle_on_evaluation",
            e.SettleOnEvaluation,
            frozenset({S.EVALUATION_DELIVERED}),
            S.SETTLED,
            "Settled on the evaluation: the claim moves to settlement",
            _settle,
            available=_responses_in,
        ),
        Step(
            "record_issues_narrowed",
            e.RecordIssuesNarrowed,
            frozenset({S.EVALUATION_DELIVERED}),
            S.NARROWED,
            "Not settled, issues narrowed: the claim chooses its next route",
            _narrow,
            available=_responses_in,
        ),
        Step(
            "record_not_resolved",
            e.RecordNotResolved,
            frozenset({S.EVALUATION_DELIVERED}),
            S.NOT_RESOLVED,
            "Not resolved: the claim chooses its next route",
            _not_resolved,
            available=_responses_in,
        ),
        Step(
            "abandon_evaluation",
            e.AbandonEvaluation,
            BEFORE_DELIVERY,
            S.ABANDONED,
            "Evaluation abandoned before it was delivered",
            _abandon,
            _court_order_varied,
        ),
        *common_steps(OPEN, EVERY),
    ],
    final=FINAL,
    opening_action="agree_early_neutral_evaluation",
)


@workflow.defn
class EarlyNeutralEvaluationWorkflow(RouteWorkflow):
    pathway = PATHWAY
    route = RouteKind.EARLY_NEUTRAL_EVALUATION
    input_type = e.EvaluationInput
    state_type = e.EvaluationState

    @workflow.init
    def __init__(self, input: e.EvaluationInput) -> None:
        self.start_case(input)

    @workflow.run
    async def run(self, input: e.EvaluationInput) -> e.EvaluationState:
        return await self.run_case()

    def open(self, input: e.EvaluationInput, now: datetime) -> e.EvaluationState:
        o = input.opening
        details = e.EvaluationDetails(agreed_on=o.agreed_on, ordered_by_court=o.ordered_by_court)
        return self.open_route(input, now, e.EvaluationState, evaluation=details)

    async def on_open(self, input: e.EvaluationInput) -> None:
        await self.tell_claim()

    def facts(self) -> dict[str, Any]:
        ene = self.state.evaluation
        return super().facts() | {
            "ordered_by_court": ene.ordered_by_court,
            "form": ene.form.value if ene.form else None,
            "valuation": str(ene.gist.valuation) if ene.gist and ene.gist.valuation is not None else None,
        }
