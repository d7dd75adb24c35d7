"""ExclusionWorkflow: one exclusion of a practitioner under Maintaining High Professional
Standards (MHPS Part II), as the advice service follows it.

A child of the advice case, started by its `record_exclusion` action (so the advice service
knows of every exclusion it follows). An immediate exclusion lasts at most 2 weeks; a formal
one at most 4 weeks at a time, renewed only after a review of the period, and only once the
advice service has been consulted (before the first formal period, and again after three). A
review not carried out in time escalates and gives the practitioner a right to return to work,
which the case flags; return to work ends the cycle and its deadlines with it. Whatever its type,
while the exclusion runs the board's monthly return is due to the advice service (MHPS Part II
para 38): a calendar month from the exclusion, then from each return received.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from temporalio import workflow

from models import advice as m
from models.advice import ExclusionStage as S
from models.cases import CaseLink
from models.common import AppliedAction, CaseKind
from models.deadlines import DeadlineChangeView, DeadlineStatus
from workflows.case_kit import CaseWorkflow, Context, Pathway, Step, both, common_steps, not_future

IMMEDIATE_ENDS = "immediate_exclusion_ends"
REVIEW = "exclusion_review_due"
RECONSULT = "advice_reconsultation_due"
BOARD_RETURN = "board_return_due"
# A missed one of these gives the practitioner a right to return to work (MHPS Part II).
RIGHT_TO_RETURN_IF_MISSED = {
    REVIEW: "the exclusion was not reviewed before its period ended",
    IMMEDIATE_ENDS: "the immediate exclusion ran past 2 weeks",
}

EVERY = frozenset(S)
FINAL = frozenset({S.RETURNED_TO_WORK, S.ENDED})
EXCLUDED = EVERY - FINAL


def _consulted(state: m.ExclusionState):
    if not state.consultations:
        return (
            "advice_not_consulted",
            "the advice service must be consulted before a formal exclusion (MHPS Part II)",
        )
    return None


def _consult(state: m.ExclusionState, p: m.ConsultAdviceService, ctx: Context) -> None:
    state.consultations.append(p.consulted_on)
    if state.period is not None:
        state.period.consulted_on = p.consulted_on


def _first_period(state: m.ExclusionState, p: m.FormallyExclude, ctx: Context) -> None:
    state.periods.append(m.ExclusionPeriod(number=len(state.periods) + 1, started_on=p.excluded_on))


def _not_yet_reviewed(state: m.ExclusionState):
    period = state.period
    if period.reviewed_on is not None:
        return "already_reviewed", f"period {period.number} was reviewed on {period.reviewed_on}"
    return None


def _within_period(state: m.ExclusionState, p: m.ReviewExclusion, ctx: Context):
    period = state.period
    if p.reviewed_on < period.started_on:
        return "review_before_period", f"period {period.number} started on {period.started_on}"
    return None


def _review(state: m.ExclusionState, p: m.ReviewExclusion, ctx: Context) -> None:
    state.period.reviewed_on = p.reviewed_on


def _renewable(state: m.ExclusionState):
    period = state.period
    if period.reviewed_on is None:
        return (
            "review_required",
            f"a formal exclusion is renewed only after a review; period {period.number} has none",
        )
    since_third = state.periods[m.ADVICE_RECONSULTATION_PERIODS - 1 :]
    if period.number >= m.ADVICE_RECONSULTATION_PERIODS and not any(q.consulted_on for q in since_third):
        return (
            "advice_consultation_required",
            f"after {m.ADVICE_RECONSULTATION_PERIODS} periods the advice service must be contacted "
            "before the exclusion is renewed",
        )
    return None


def _renew(state: m.ExclusionState, p: m.RenewExclusion, ctx: Context) -> None:
    state.periods.append(m.ExclusionPeriod(number=len(state.periods) + 1, started_on=p.renewed_on))


async def _reconsultation_clock(
    case: ExclusionWorkflow, p: m.RenewExclusion, ctx: Context
) -> list[DeadlineChangeView]:
    """The third formal period starts the clock on contacting the advice service again."""
    state: m.ExclusionState = case.state
    if state.period.number != m.ADVICE_RECONSULTATION_PERIODS:
        return []
    return [await case.book.set(RECONSULT, "renew_exclusion", p.renewed_on, state.owner, ctx.actor.id)]


def _board_return_in_order(state: m.ExclusionState, p: m.RecordBoardReturn, ctx: Context):
    if p.received_on < state.excluded_on:
        return "board_return_before_exclusion", f"the exclusion began on {state.excluded_on}"
    last = state.last_board_return
    if last is not None and p.received_on < last.received_on:
        return "board_return_out_of_order", f"return {last.number} was received on {last.received_on}"
    return None


def _board_return(state: m.ExclusionState, p: m.RecordBoardReturn, ctx: Context) -> None:
    number = len(state.board_returns) + 1
    state.board_returns.append(m.BoardReturn(number=number, received_on=p.received_on, summary=p.summary))


def _returned(state: m.ExclusionState, p: m.ReturnToWork, ctx: Context) -> None:
    state.returned_on, state.outcome = p.returned_on, "returned_to_work"


def _ended(state: m.ExclusionState, p: m.EndExclusion, ctx: Context) -> None:
    state.outcome = p.reason


# --- time ------------------------------------------------------------------------------------


def flag_right_to_return(state: m.ExclusionState, now: datetime) -> list[tuple[str, str, str]]:
    """Each newly missed deadline that gives the practitioner a right to return to work, flagged
    on the state once per revision: (ledger key, deadline, reason) for each."""
    flagged = []
    for name, why in RIGHT_TO_RETURN_IF_MISSED.items():
        deadline = state.deadlines.get(name)
        if deadline is None or deadline.status is not DeadlineStatus.MISSED:
            continue
        key = f"right_to_return:{name}:{deadline.revision}"
        if key in state.missed:
            continue
        state.missed.append(key)
        state.right_to_return, state.right_to_return_reason = True, why
        state.updated_at = now
        flagged.append((key, name, why))
    return flagged


STEPS = [
    Step(
        "consult_advice_service",
        m.ConsultAdviceService,
        EXCLUDED,
        None,
        "The advice service consulted about the exclusion",
        _consult,
        not_future("consulted_on"),
        roles=m.ADVISING,
        date_field="consulted_on",
        meets=(RECONSULT,),
    ),
    Step(
        "formally_exclude",
        m.FormallyExclude,
        frozenset({S.IMMEDIATELY_EXCLUDED}),
        S.FORMALLY_EXCLUDED,
        "Formal exclusion for up to 4 weeks, after consulting the advice service",
        _first_period,
        not_future("excluded_on"),
        roles=m.ADVISING,
        available=_consulted,
        date_field="excluded_on",
        sets=(REVIEW,),
        meets=(IMMEDIATE_ENDS,),
    ),
    Step(
        "review_exclusion",
        m.ReviewExclusion,
        frozenset({S.FORMALLY_EXCLUDED}),
        None,
        "The current exclusion period reviewed",
        _review,
        both(not_future("reviewed_on"), _within_period),
        roles=m.ADVISING,
        available=_not_yet_reviewed,
        date_field="reviewed_on",
        meets=(REVIEW,),
    ),
    Step(
        "renew_exclusion",
        m.RenewExclusion,
        frozenset({S.FORMALLY_EXCLUDED}),
        None,
        "The formal exclusion renewed for up to 4 more weeks, after its review",
        _renew,
        not_future("renewed_on"),
        roles=m.ADVISING,
        available=_renewable,
        date_field="renewed_on",
        sets=(REVIEW,),
        book=_reconsultation_clock,
    ),
    Step(
        "record_board_return",
        m.RecordBoardReturn,
        EXCLUDED,
        None,
        "The board's monthly return on the exclusion received; the next is due a month on",
        _board_return,
        both(not_future("received_on"), _board_return_in_order),
        roles=m.ADVISING,
        date_field="received_on",
        # The kit meets before it sets: this return is met, and the next counts from it.
        meets=(BOARD_RETURN,),
        sets=(BOARD_RETURN,),
    ),
    Step(
        "return_to_work",
        m.ReturnToWork,
        EXCLUDED,
        S.RETURNED_TO_WORK,
        "The practitioner returned to work: the exclusion ends",
        _returned,
        not_future("returned_on"),
        roles=m.ADVISING,
    ),
    Step(
        "end_exclusion",
        m.EndExclusion,
        EXCLUDED,
        S.ENDED,
        "The exclusion ended by another process (a hearing, a resignation)",
        _ended,
        not_future("ended_on"),
        roles=m.ADVISING,
    ),
    *common_steps(EXCLUDED, EVERY, acting=m.ADVISING, supervising=m.ADVICE_SUPERVISING),
]

PATHWAY = Pathway(
    CaseKind.EXCLUSION.value,
    S,
    STEPS,
    final=FINAL,
    initial=S.IMMEDIATELY_EXCLUDED,
    opening_action="record_exclusion",
)


@workflow.defn
class ExclusionWorkflow(CaseWorkflow):
    pathway = PATHWAY
    # Only for api/cases.py, whose history route still reads the class: remove once it reads
    # pathway.opening_action. The case itself reads the pathway.
    input_type = m.ExclusionInput
    state_type = m.ExclusionState

    @workflow.init
    def __init__(self, input: m.ExclusionInput) -> None:
        self.start_case(input)

    @workflow.run
    async def run(self, input: m.ExclusionInput) -> m.ExclusionState:
        return await self.run_case()

    def open(self, input: m.ExclusionInput, now: datetime) -> m.ExclusionState:
        o = input.opening
        formal = o.exclusion is m.ExclusionType.FORMAL
        return m.ExclusionState(
            ref=input.ref,
            kind=CaseKind.EXCLUSION,
            stage=S.FORMALLY_EXCLUDED if formal else S.IMMEDIATELY_EXCLUDED,
            owner=o.owner,
            team=o.team,
            parent=CaseLink(kind=CaseKind.ADVICE, ref=o.advice_ref, workflow_id=o.advice_workflow_id),
            exclusion=o.exclusion,
            advice_ref=o.advice_ref,
            excluded_on=o.excluded_on,
            consultations=[o.advice_consulted_on] if o.advice_consulted_on else [],
            periods=[m.ExclusionPeriod(number=1, started_on=o.excluded_on)] if formal else [],
            opened_at=now,
            updated_at=now,
        )

    async def on_open(self, input: m.ExclusionInput) -> None:
        """The period's end (or its review) and the first monthly board return, both counted
        from the day the practitioner was excluded."""
        o, state = input.opening, self.state
        first = REVIEW if state.periods else IMMEDIATE_ENDS
        actor = input.opened_by.actor.id
        for name in (first, BOARD_RETURN):
            await self.book.set(name, self.pathway.opening_action, o.excluded_on, state.owner, actor)

    def opening_summary(self, input: m.ExclusionInput) -> dict[str, Any]:
        return {"advice_ref": input.opening.advice_ref, "exclusion": input.opening.exclusion.value}

    async def on_time_passed(self) -> bool:
        """A missed review (or an immediate exclusion left to run past 2 weeks) gives the
        practitioner a right to return to work: flagged, and recorded once per missed deadline.
        The book itself is unchanged."""
        state: m.ExclusionState = self.state
        for key, name, why in flag_right_to_return(state, workflow.now()):
            self.record_system("right_to_return", state.stage, {"deadline": name, "reason": why}, key)
        return False

    async def after_step(self, step: Step, payload: Any, ctx: Context, applied: AppliedAction) -> None:
        """Whichever step ends the exclusion, its advice case is told (it cannot close while an
        exclusion runs)."""
        state: m.ExclusionState = self.state
        if applied.stage_after in FINAL and applied.stage_before not in FINAL:
            ended = m.ChildEnded(
                ref=state.ref, kind=CaseKind.EXCLUSION, outcome=state.outcome, ended_at=ctx.now
            )
            await self.signal_case(state.parent.workflow_id, "exclusion_ended", ended)

    def facts(self) -> dict[str, Any]:
        state: m.ExclusionState = self.state
        return {
            "advice_ref": state.advice_ref,
            "exclusion": state.exclusion.value,
            "excluded_on": state.excluded_on.isoformat(),
            "formal_periods": len(state.periods),
            "advice_consultations": len(state.consultations),
            "board_returns": len(state.board_returns),
            "right_to_return": state.right_to_return,
            "returned_on": state.returned_on.isoformat() if state.returned_on else None,
        }
