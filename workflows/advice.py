"""AdviceCaseWorkflow: a Practitioner Performance Advice case, from an organisation's referral
to closure (DOMAIN.md 4).

Every case starts with an advice call (a service target of about one working day). Every
episode of advice is followed by a confirmation letter, which either schedules the next
contact (the adviser's date becomes a deadline) or records that the case can close. An
assessment needs the Intervention Consideration Group's approval and the consent of both the
organisation and the practitioner before it starts. Interventions and MHPS exclusions run as
child workflows (workflows/intervention.py, workflows/exclusion.py), started by this case's
actions; each tells the case when it ends, and the case cannot close while one runs.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from temporalio import workflow
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

from models import advice as m
from models.advice import AdviceStage as S
from models.cases import CaseLink
from models.common import ActionMeta, AppliedAction, CaseKind, case_workflow_id
from models.deadlines import DeadlineChangeView
from workflows.case_kit import (
    CaseWorkflow,
    Context,
    Pathway,
    Step,
    both,
    common_steps,
    link_case_step,
    not_future,
)
from workflows.exclusion import ExclusionWorkflow
from workflows.intervention import InterventionWorkflow

CALL = "advice_call_due"
LETTER = "confirmation_letter_due"
FOLLOW_UP = "follow_up_due"

EVERY = frozenset(S)
FINAL = frozenset({S.CLOSED})
OPEN = EVERY - FINAL
# Where an episode of advice can begin: not while a letter is owed or an assessment is pending.
CALLABLE = frozenset({S.ADVISER_ASSIGNED, S.FOLLOW_UP_SCHEDULED, S.ASSESSMENT_REPORTED})


def _on_or_after_referral(field: str):
    def check(state: m.AdviceState, p: Any, ctx: Context):
        if getattr(p, field) < state.referred_on:
            return "before_referral", f"{field} is before the referral on {state.referred_on}"
        return None

    return check


def _dated(field: str):
    return both(not_future(field), _on_or_after_referral(field))


def _assign(state: m.AdviceState, p: m.AssignAdviser, ctx: Context) -> None:
    state.adviser = state.owner = p.adviser


def _call(state: m.AdviceState, p: m.HoldAdviceCall, ctx: Context) -> None:
    state.episodes.append(m.Episode(number=len(state.episodes) + 1, call_held_on=p.held_on))


def _follow_up_later(state: m.AdviceState, p: Any, ctx: Context):
    sent = getattr(p, "letter_sent_on", None) or getattr(p, "decided_on", None)
    if p.follow_up_on <= sent or p.follow_up_on < ctx.today:
        return "follow_up_not_ahead", "the follow-up date must be after the letter and not in the past"
    return None


def _letter_after_call(state: m.AdviceState, p: Any, ctx: Context):
    if p.letter_sent_on < state.episodes[-1].call_held_on:
        return "letter_before_call", f"the call was held on {state.episodes[-1].call_held_on}"
    return None


def _schedule(state: m.AdviceState, p: m.ScheduleFollowUp, ctx: Context) -> None:
    episode = state.episodes[-1]
    episode.letter_sent_on, episode.follow_up_on = p.letter_sent_on, p.follow_up_on


def _agree_closure(state: m.AdviceState, p: m.AgreeClosure, ctx: Context) -> None:
    episode = state.episodes[-1]
    episode.letter_sent_on, episode.closure_agreed = p.letter_sent_on, True


def _request(state: m.AdviceState, p: m.RequestAssessment, ctx: Context) -> None:
    state.assessments.append(m.Assessment(assessment_type=p.assessment_type, requested_on=p.requested_on))


def _undecided(state: m.AdviceState):
    if state.assessment.icg_approved_on is not None:
        return "icg_already_decided", f"the ICG approved it on {state.assessment.icg_approved_on}"
    return None


def _approve(state: m.AdviceState, p: m.IcgDecision, ctx: Context) -> None:
    state.assessment.icg_approved_on = p.decided_on


def _decline(state: m.AdviceState, p: m.DeclineAssessment, ctx: Context) -> None:
    state.assessment.icg_declined_on = p.decided_on


def _consent(state: m.AdviceState, p: m.RecordConsent, ctx: Context) -> None:
    setattr(state.assessment, f"{p.party.value}_consented_on", p.given_on)


def _authorised(state: m.AdviceState):
    if missing := state.assessment.missing():
        return "assessment_not_authorised", f"the assessment cannot start without {', '.join(missing)}"
    return None


def _start(state: m.AdviceState, p: m.StartAssessment, ctx: Context) -> None:
    state.assessment.started_on = p.started_on


def _report(state: m.AdviceState, p: m.IssueAssessmentReport, ctx: Context) -> None:
    state.assessment.report_issued_on = p.issued_on


def _child(state: m.AdviceState, kind: CaseKind, type_: str, started_on, letter: str) -> m.ChildRecord:
    children = state.interventions if kind is CaseKind.INTERVENTION else state.exclusions
    ref = f"{state.ref}-{letter}{len(children) + 1}"
    record = m.ChildRecord(
        ref=ref, kind=kind, type=type_, workflow_id=case_workflow_id(kind, ref), started_on=started_on
    )
    children.append(record)
    return record


def _intervene(state: m.AdviceState, p: m.StartIntervention, ctx: Context) -> None:
    _child(state, CaseKind.INTERVENTION, p.intervention.value, p.agreed_on, "I")


def _no_exclusion_running(state: m.AdviceState):
    if running := [c.ref for c in state.exclusions if c.running]:
        return "exclusion_running", f"exclusion {running[0]} is still running"
    return None


def _formal_after_consultation(state: m.AdviceState, p: m.RecordExclusion, ctx: Context):
    if p.exclusion is m.ExclusionType.FORMAL and p.advice_consulted_on is None:
        return (
            "advice_not_consulted",
            "the advice service must be consulted before a formal exclusion (MHPS Part II)",
        )
    return None


def _exclude(state: m.AdviceState, p: m.RecordExclusion, ctx: Context) -> None:
    _child(state, CaseKind.EXCLUSION, p.exclusion.value, p.excluded_on, "X")


def _nothing_running(state: m.AdviceState):
    if running := state.running_children():
        refs = ", ".join(f"{c.kind.value} {c.ref}" for c in running)
        return "children_running", f"the case cannot close while these run: {refs}"
    return None


def _close(state: m.AdviceState, p: m.CloseAdvice, ctx: Context) -> None:
    state.outcome = "closed"


# --- what a step does beyond its stage ------------------------------------------------------


def _next_contact(
    case: AdviceCaseWorkflow, trigger: str, on: date, p: Any, ctx: Context
) -> DeadlineChangeView:
    """The next contact's date is the adviser's, not a period's: it becomes the follow-up
    deadline, counted from what set it."""
    return case.book.set_date(FOLLOW_UP, trigger, on, p.follow_up_on, case.state.owner, ctx.actor.id)


async def _contact_the_letter_scheduled(
    case: AdviceCaseWorkflow, p: m.ScheduleFollowUp, ctx: Context
) -> list[DeadlineChangeView]:
    return [_next_contact(case, "schedule_follow_up", p.letter_sent_on, p, ctx)]


async def _contact_instead_of_assessment(
    case: AdviceCaseWorkflow, p: m.DeclineAssessment, ctx: Context
) -> list[DeadlineChangeView]:
    return [_next_contact(case, "decline_assessment", p.decided_on, p, ctx)]


def _child_of(state: m.AdviceState, here: CaseLink) -> dict[str, Any]:
    """What an intervention or exclusion knows of the case that started it."""
    return {
        "advice_ref": state.ref,
        "advice_workflow_id": here.workflow_id,
        "owner": state.owner,
        "team": state.team,
    }


def intervention_input(
    state: m.AdviceState, p: m.StartIntervention, ctx: Context, here: CaseLink, request_id: str
) -> m.InterventionInput:
    """The intervention the step just recorded, as its own case will start."""
    opening = m.InterventionOpening(
        intervention=p.intervention, agreed_on=p.agreed_on, **_child_of(state, here)
    )
    return m.InterventionInput(
        ref=state.interventions[-1].ref,
        owner=state.owner,
        opening=opening,
        opened_by=ActionMeta(actor=ctx.actor, request_id=request_id),
        parent=here,
        policy=ctx.policy,
    )


def exclusion_input(
    state: m.AdviceState, p: m.RecordExclusion, ctx: Context, here: CaseLink, request_id: str
) -> m.ExclusionInput:
    """The exclusion the step just recorded, as its own case will start."""
    opening = m.ExclusionOpening(
        exclusion=p.exclusion,
        excluded_on=p.excluded_on,
        advice_consulted_on=p.advice_consulted_on,
        **_child_of(state, here),
    )
    return m.ExclusionInput(
        ref=state.exclusions[-1].ref,
        owner=state.owner,
        opening=opening,
        opened_by=ActionMeta(actor=ctx.actor, request_id=request_id),
        parent=here,
        policy=ctx.policy,
    )


async def _start_intervention_case(
    case: AdviceCaseWorkflow, p: m.StartIntervention, ctx: Context, applied: AppliedAction
) -> None:
    child = intervention_input(case.state, p, ctx, case.here(), applied.request_id)
    await case.start_child(InterventionWorkflow.run, child, case.state.interventions[-1])


async def _start_exclusion_case(
    case: AdviceCaseWorkflow, p: m.RecordExclusion, ctx: Context, applied: AppliedAction
) -> None:
    child = exclusion_input(case.state, p, ctx, case.here(), applied.request_id)
    await case.start_child(ExclusionWorkflow.run, child, case.state.exclusions[-1])


STEPS = [
    Step(
        "assign_adviser",
        m.AssignAdviser,
        frozenset({S.REFERRED}),
        S.ADVISER_ASSIGNED,
        "An adviser assigned to the referral",
        _assign,
        roles=m.ADVISING,
        assignee="adviser",
    ),
    Step(
        "reassign_adviser",
        m.AssignAdviser,
        OPEN - {S.REFERRED},
        None,
        "The case passed to another adviser",
        _assign,
        roles=m.ADVICE_SUPERVISING,
        assignee="adviser",
    ),
    Step(
        "hold_advice_call",
        m.HoldAdviceCall,
        CALLABLE,
        S.ADVICE_GIVEN,
        "An episode of advice: the call held; its confirmation letter is due",
        _call,
        _dated("held_on"),
        roles=m.ADVISING,
        date_field="held_on",
        sets=(LETTER,),
        meets=(CALL, FOLLOW_UP),
    ),
    Step(
        "schedule_follow_up",
        m.ScheduleFollowUp,
        frozenset({S.ADVICE_GIVEN}),
        S.FOLLOW_UP_SCHEDULED,
        "The confirmation letter sent, scheduling the next contact",
        _schedule,
        both(not_future("letter_sent_on"), _letter_after_call, _follow_up_later),
        roles=m.ADVISING,
        date_field="letter_sent_on",
        meets=(LETTER,),
        book=_contact_the_letter_scheduled,
    ),
    Step(
        "agree_closure",
        m.AgreeClosure,
        frozenset({S.ADVICE_GIVEN}),
        S.CLOSURE_AGREED,
        "The confirmation letter sent, recording that the case can close",
        _agree_closure,
        both(not_future("letter_sent_on"), _letter_after_call),
        roles=m.ADVISING,
        date_field="letter_sent_on",
        meets=(LETTER,),
    ),
    Step(
        "request_assessment",
        m.RequestAssessment,
        frozenset({S.FOLLOW_UP_SCHEDULED}),
        S.ASSESSMENT_REQUESTED,
        "An assessment requested: it goes to the Intervention Consideration Group",
        _request,
        _dated("requested_on"),
        roles=m.ADVISING,
        # The assessment process takes over the contact the letter scheduled.
        waives=(FOLLOW_UP,),
    ),
    Step(
        "approve_assessment",
        m.IcgDecision,
        frozenset({S.ASSESSMENT_REQUESTED}),
        None,
        "The Intervention Consideration Group approved the assessment",
        _approve,
        not_future("decided_on"),
        roles=m.ADVISING,
        available=_undecided,
    ),
    Step(
        "decline_assessment",
        m.DeclineAssessment,
        frozenset({S.ASSESSMENT_REQUESTED}),
        S.FOLLOW_UP_SCHEDULED,
        "The Intervention Consideration Group declined the assessment; advice continues",
        _decline,
        both(not_future("decided_on"), _follow_up_later),
        roles=m.ADVISING,
        available=_undecided,
        book=_contact_instead_of_assessment,
    ),
    Step(
        "record_consent",
        m.RecordConsent,
        frozenset({S.ASSESSMENT_REQUESTED}),
        None,
        "The organisation's or the practitioner's consent to the assessment",
        _consent,
        not_future("given_on"),
        roles=m.ADVISING,
    ),
    Step(
        "start_assessment",
        m.StartAssessment,
        frozenset({S.ASSESSMENT_REQUESTED}),
        S.ASSESSING,
        "The assessment started: needs ICG approval and both consents",
        _start,
        not_future("started_on"),
        roles=m.ADVISING,
        available=_authorised,
    ),
    Step(
        "issue_assessment_report",
        m.IssueAssessmentReport,
        frozenset({S.ASSESSING}),
        S.ASSESSMENT_REPORTED,
        "The assessment report issued",
        _report,
        not_future("issued_on"),
        roles=m.ADVISING,
    ),
    Step(
        "start_intervention",
        m.StartIntervention,
        frozenset({S.ADVICE_GIVEN, S.FOLLOW_UP_SCHEDULED, S.ASSESSMENT_REPORTED}),
        None,
        "An intervention agreed: it runs as its own case",
        _intervene,
        _dated("agreed_on"),
        roles=m.ADVISING,
        after=_start_intervention_case,
    ),
    Step(
        "record_exclusion",
        m.RecordExclusion,
        OPEN - {S.CLOSURE_AGREED},
        None,
        "An MHPS exclusion of the practitioner: followed as its own case",
        _exclude,
        both(not_future("excluded_on"), _formal_after_consultation),
        roles=m.ADVISING,
        available=_no_exclusion_running,
        after=_start_exclusion_case,
    ),
    Step(
        "close",
        m.CloseAdvice,
        frozenset({S.CLOSURE_AGREED}),
        S.CLOSED,
        "The case closed, once no intervention or exclusion runs",
        _close,
        not_future("closed_on"),
        roles=m.ADVISING,
        available=_nothing_running,
    ),
    *common_steps(OPEN, EVERY, acting=m.ADVISING, supervising=m.ADVICE_SUPERVISING),
    link_case_step(EVERY, acting=m.ADVISING),
]

PATHWAY = Pathway(CaseKind.ADVICE.value, S, STEPS, final=FINAL, initial=S.REFERRED, opening_action="refer")


@workflow.defn
class AdviceCaseWorkflow(CaseWorkflow):
    pathway = PATHWAY
    # Only for api/cases.py, whose history route still reads the class: remove once it reads
    # pathway.opening_action. The case itself reads the pathway.
    input_type = m.AdviceInput
    state_type = m.AdviceState

    @workflow.init
    def __init__(self, input: m.AdviceInput) -> None:
        self.start_case(input)

    @workflow.run
    async def run(self, input: m.AdviceInput) -> m.AdviceState:
        return await self.run_case()

    def open(self, input: m.AdviceInput, now: datetime) -> m.AdviceState:
        r = input.opening
        return m.AdviceState(
            ref=input.ref,
            kind=CaseKind.ADVICE,
            stage=S.REFERRED,
            owner=input.owner,
            team=r.team,
            organisation_ods_code=r.organisation_ods_code,
            practitioner=r.practitioner,
            profession=r.profession,
            concerns=r.concerns,
            referred_on=r.referred_on,
            opened_at=now,
            updated_at=now,
        )

    async def on_open(self, input: m.AdviceInput) -> None:
        actor = input.opened_by.actor.id
        await self.book.set(
            CALL, self.pathway.opening_action, input.opening.referred_on, self.state.owner, actor
        )

    def opening_summary(self, input: m.AdviceInput) -> dict[str, Any]:
        r = input.opening
        return {
            "organisation_ods_code": r.organisation_ods_code,
            "profession": r.profession.value,
            "concerns": [c.value for c in r.concerns],
        }

    def here(self) -> CaseLink:
        return CaseLink(kind=CaseKind.ADVICE, ref=self.state.ref, workflow_id=workflow.info().workflow_id)

    async def start_child(self, run, child_input, record: m.ChildRecord) -> None:
        """Start an intervention or exclusion; it outlives nothing, but is never cut short by
        this case's run ending (continue-as-new), hence ABANDON."""
        try:
            await workflow.start_child_workflow(
                run,
                child_input,
                id=record.workflow_id,
                parent_close_policy=ParentClosePolicy.ABANDON,
                static_summary=f"{record.kind.value} {record.ref} of advice case {self.state.ref}",
            )
        except WorkflowAlreadyStartedError:
            workflow.logger.warning("child %s was already started", record.workflow_id)
        self.state.links.append(CaseLink(kind=record.kind, ref=record.ref, workflow_id=record.workflow_id))

    @workflow.signal
    async def intervention_ended(self, ended: m.ChildEnded) -> None:
        await self._child_ended(self.state.interventions, ended)

    @workflow.signal
    async def exclusion_ended(self, ended: m.ChildEnded) -> None:
        await self._child_ended(self.state.exclusions, ended)

    async def _child_ended(self, children: list[m.ChildRecord], ended: m.ChildEnded) -> None:
        async with self._lock:
            record = next((c for c in children if c.ref == ended.ref), None)
            if record is None or not record.running:
                return  # a repeat, or not ours
            record.ended_at, record.outcome = ended.ended_at, ended.outcome
            self.state.updated_at = workflow.now()
            summary = {"ref": ended.ref, "outcome": ended.outcome}
            self.record_system(f"{ended.kind.value}_ended", self.state.stage, summary, f"{ended.ref}:ended")

    def facts(self) -> dict[str, Any]:
        state: m.AdviceState = self.state
        assessment = state.assessment
        return {
            "organisation_ods_code": state.organisation_ods_code,
            "practitioner": str(state.practitioner),
            "profession": state.profession.value,
            "concerns": [c.value for c in state.concerns],
            "adviser": state.adviser,
            "episodes": len(state.episodes),
            "assessment": assessment.assessment_type.value if assessment else None,
            "assessment_started": bool(assessment and assessment.started_on),
            "interventions": [c.type for c in state.interventions],
            "interventions_running": sum(c.running for c in state.interventions),
            "exclusions_running": sum(c.running for c in state.exclusions),
        }
