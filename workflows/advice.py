"""AdviceCaseWorkflow: a Practitioner Performance Advice case, from an organisation's referral
to closure (DOMAIN.md 4).

Every case starts with an advice call (a service target of about one working day). Every
episode of advice is followed by a confirmation letter, which either schedules the next
contact (the adviser's date becomes a deadline) or records that the case can close. An
assessment needs the Intervention Consideration Group's approval and the consent of both the
organisation and the practitioner before it starts; either may withdraw its consent, which ends
the assessment and returns the case to advice with a next contact. Interventions and MHPS
exclusions run as child workflows (workflows/intervention.py, workflows/exclusion.py), started by
this case's actions; each tells the case when it ends, and the case cannot close while one runs.
A Healthcare Professional Alert Notice about the practitioner is recorded on the case itself,
with its reviews on the case's book until it is revoked; nor can the case close while one is in
force.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from temporalio import workflow
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

from activities.calendar import add_months
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
    every,
    link_case_step,
    not_future,
)
from workflows.exclusion import ExclusionWorkflow
from workflows.intervention import InterventionWorkflow

CALL = "advice_call_due"
LETTER = "confirmation_letter_due"
FOLLOW_UP = "follow_up_due"
HPAN_REVIEW = "hpan_review_due"

EVERY = frozenset(S)
FINAL = frozenset({S.CLOSED})
OPEN = EVERY - FINAL
# Where an episode of advice can begin: not while a letter is owed or an assessment is pending.
CALLABLE = frozenset({S.ADVISER_ASSIGNED, S.FOLLOW_UP_SCHEDULED, S.ASSESSMENT_REPORTED})
# Where the assessment runs on the consents given: a withdrawal ends it there.
ON_CONSENT = frozenset({S.ASSESSMENT_REQUESTED, S.ASSESSING})
# The steps of an assessment: a deadline one of them set ends with the assessment.
ASSESSMENT_STEPS = frozenset(
    {"request_assessment", "approve_assessment", "record_consent", "start_assessment"}
)


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
    """The next contact after the event that schedules it (a letter, the ICG's decision, a
    withdrawal of consent), and not in the past."""
    after = next(f for f in ("letter_sent_on", "decided_on", "withdrawn_on") if f in type(p).model_fields)
    if p.follow_up_on <= getattr(p, after) or p.follow_up_on < ctx.today:
        return "follow_up_not_ahead", f"follow_up_on must be after {after} and not in the past"
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


def _consent_given(state: m.AdviceState):
    if not any(state.assessment.consented_on(party) for party in m.ConsentParty):
        return "no_consent_given", "neither the organisation nor the practitioner has consented yet"
    return None


def _withdrawable(state: m.AdviceState, p: m.WithdrawConsent, ctx: Context):
    given_on = state.assessment.consented_on(p.party)
    if given_on is None:
        return "consent_not_given", f"the {p.party.value} has not consented to the assessment"
    if p.withdrawn_on < given_on:
        return "withdrawal_before_consent", f"the {p.party.value} consented on {given_on}"
    return None


def _withdraw(state: m.AdviceState, p: m.WithdrawConsent, ctx: Context) -> None:
    state.assessment.consent_withdrawn_by = p.party
    state.assessment.consent_withdrawn_on = p.withdrawn_on


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


def _no_alert_in_force(state: m.AdviceState):
    if (notice := state.alert_notice) is not None:
        return "alert_notice_in_force", f"alert notice {notice.number} is in force until revoked"
    return None


def _alert_in_force(state: m.AdviceState):
    if state.alert_notice is None:
        return "no_alert_notice", "no alert notice is in force"
    return None


def latest_review_on(from_date: date, policy) -> date:
    """The furthest ahead an alert notice's next review may be set: the policy's interval
    between reviews (unconfirmed) from `from_date`. A short test policy counts its deadlines in
    seconds; the interval a date may be entered for stays the published one."""
    period = policy.deadlines.rules[HPAN_REVIEW].period or m.ADVICE_DEADLINES.rules[HPAN_REVIEW].period
    return add_months(from_date, period.amount)


def _review_ahead(field: str, after: str):
    """The review date in `field` after the date in `after`, not past, within the interval."""

    def check(state: m.AdviceState, p: Any, ctx: Context):
        review_on, since = getattr(p, field), getattr(p, after)
        if review_on <= since or review_on < ctx.today:
            return "review_not_ahead", f"{field} must be after {after} and not in the past"
        if review_on > (latest := latest_review_on(since, ctx.policy)):
            return (
                "review_too_far",
                f"{field} may be no later than {latest}, the longest interval between reviews",
            )
        return None

    return check


def _not_before_alert(field: str):
    def check(state: m.AdviceState, p: Any, ctx: Context):
        notice = state.alert_notice
        last = max([notice.issued_on, *notice.reviews])
        if getattr(p, field) < last:
            return "before_last_review", f"alert notice {notice.number} was last issued or reviewed on {last}"
        return None

    return check


def _issue_alert(state: m.AdviceState, p: m.IssueAlertNotice, ctx: Context) -> None:
    state.alert_notices.append(
        m.AlertNotice(
            number=len(state.alert_notices) + 1,
            issued_on=p.issued_on,
            issuing_body=p.issuing_body,
            reason=p.reason,
            review_on=p.review_on,
        )
    )


def _review_alert(state: m.AdviceState, p: m.ReviewAlertNotice, ctx: Context) -> None:
    notice = state.alert_notice
    notice.reviews.append(p.reviewed_on)
    notice.review_on = p.next_review_on


def _revoke_alert(state: m.AdviceState, p: m.RevokeAlertNotice, ctx: Context) -> None:
    notice = state.alert_notice
    notice.revoked_on, notice.revocation_reason, notice.review_on = p.revoked_on, p.reason, None


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


async def _assessment_ends_on_withdrawal(
    case: AdviceCaseWorkflow, p: m.WithdrawConsent, ctx: Context
) -> list[DeadlineChangeView]:
    """Whatever the assessment's steps set is moot, said why; advice goes on with the contact
    the adviser names, as when the ICG declines."""
    book, reason = case.book, f"the {p.party.value} withdrew consent to the assessment on {p.withdrawn_on}"
    for deadline in list(case.state.deadlines.values()):
        if deadline.live and deadline.trigger in ASSESSMENT_STEPS:
            book.waive(deadline.name, reason, ctx.actor.id)
    return [_next_contact(case, "withdraw_consent", p.withdrawn_on, p, ctx)]


def _review_date(
    case: AdviceCaseWorkflow, trigger: str, on: date, review_on: date, ctx: Context
) -> DeadlineChangeView:
    """An alert notice's review date is the adviser's: it becomes the review deadline."""
    return case.book.set_date(HPAN_REVIEW, trigger, on, review_on, case.state.owner, ctx.actor.id)


async def _first_review(
    case: AdviceCaseWorkflow, p: m.IssueAlertNotice, ctx: Context
) -> list[DeadlineChangeView]:
    return [_review_date(case, "issue_alert_notice", p.issued_on, p.review_on, ctx)]


async def _next_review(
    case: AdviceCaseWorkflow, p: m.ReviewAlertNotice, ctx: Context
) -> list[DeadlineChangeView]:
    return [_review_date(case, "review_alert_notice", p.reviewed_on, p.next_review_on, ctx)]


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
        "withdraw_consent",
        m.WithdrawConsent,
        ON_CONSENT,
        S.FOLLOW_UP_SCHEDULED,
        "The organisation or the practitioner withdrew its consent: the assessment ends, advice continues",
        _withdraw,
        both(not_future("withdrawn_on"), _withdrawable, _follow_up_later),
        roles=m.ADVISING,
        available=_consent_given,
        book=_assessment_ends_on_withdrawal,
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
        "issue_alert_notice",
        m.IssueAlertNotice,
        OPEN - {S.CLOSURE_AGREED},
        None,
        "A Healthcare Professional Alert Notice issued about the practitioner; its review is due",
        _issue_alert,
        both(_dated("issued_on"), _review_ahead("review_on", "issued_on")),
        roles=m.ADVISING,
        available=_no_alert_in_force,
        date_field="issued_on",
        book=_first_review,
    ),
    Step(
        "review_alert_notice",
        m.ReviewAlertNotice,
        OPEN,
        None,
        "The alert notice in force reviewed and kept in force until its next review",
        _review_alert,
        both(
            not_future("reviewed_on"),
            _not_before_alert("reviewed_on"),
            _review_ahead("next_review_on", "reviewed_on"),
        ),
        roles=m.ADVISING,
        available=_alert_in_force,
        date_field="reviewed_on",
        meets=(HPAN_REVIEW,),
        book=_next_review,
    ),
    Step(
        "revoke_alert_notice",
        m.RevokeAlertNotice,
        OPEN,
        None,
        "The alert notice revoked: its reviews end",
        _revoke_alert,
        both(not_future("revoked_on"), _not_before_alert("revoked_on")),
        roles=m.ADVISING,
        available=_alert_in_force,
        date_field="revoked_on",
        waives=(HPAN_REVIEW,),
    ),
    Step(
        "close",
        m.CloseAdvice,
        frozenset({S.CLOSURE_AGREED}),
        S.CLOSED,
        "The case closed, once no intervention or exclusion runs and no alert notice is in force",
        _close,
        not_future("closed_on"),
        roles=m.ADVISING,
        available=every(_nothing_running, _no_alert_in_force),
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
            "alert_notices": len(state.alert_notices),
            "alert_notice_in_force": state.alert_notice is not None,
            "assessment_consent_withdrawn": bool(assessment and assessment.consent_withdrawn_by),
        }
