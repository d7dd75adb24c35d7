"""PharmacyAppealWorkflow: one appeal to the Secretary of State against NHS England's decision on
a pharmacy market entry, relocation or listing application (DOMAIN.md 5, Primary Care Appeals).

The API lets a case start only if the notice of appeal arrived within 30 days of the applicant
being notified (SI 2013/349 Sch 2 para 36); the case then checks the appeal is valid (a
misconceived one is dismissed without notifying the other parties, Sch 3 para 2), notifies the
other parties, invites representations within the period it sets, and is determined on the
papers or after an oral hearing: NHS England's decision confirmed, or quashed and redetermined.
The determination is then published.

Appeals can be heard together (Sch 3 para 7). Once its representations have closed, an appeal
(the lead) may join another whose representations have closed too: it asks that appeal by
Update, through an activity, before anything changes here, so the other appeal can refuse. A
joined appeal waits on its lead; the lead's one determination, and then its publication, are
signalled to every appeal joined to it, and each records them and moves on by itself, as the
claims in a resolution summit do (workflows/resolution_summit.py).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

from activities.pharmacy_appeals import PharmacyAppealActivities
from models import pharmacy_appeal as m
from models.cases import CaseLink
from models.common import AppliedAction, CaseKind, case_workflow_id
from models.deadlines import DeadlineChangeView
from models.pharmacy_appeal import Outcome
from models.pharmacy_appeal import Stage as S
from workflows.activity_options import ASKING_ANOTHER_CASE
from workflows.case_kit import (
    SYSTEM,
    CaseWorkflow,
    Context,
    Pathway,
    Step,
    both,
    common_steps,
    not_future,
    refuse,
)

EVERY = frozenset(S)
FINAL = frozenset({S.PUBLISHED, S.DISMISSED, S.WITHDRAWN})
OPEN = EVERY - FINAL
# Representations closed, no hearing held yet: an appeal may lead others, or be joined to one.
JOINABLE = frozenset({S.CONSIDERATION, S.HEARING_LISTED})
# A joined appeal is withdrawn with its lead or not at all: its lead's determination decides it.
WITHDRAWABLE = OPEN - {S.JOINED, S.DETERMINED}
LEAD_OUTCOME = "lead_outcome"  # the signal a lead sends each appeal joined to it
# An appeal that cannot be reached after a few tries refuses the join, rather than the lead
# holding its lock.
ASK_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=10), maximum_attempts=5
)
UNREACHABLE = "appeal_unreachable"


def appeal_workflow_id(ref: str) -> str:
    return case_workflow_id(CaseKind.PHARMACY_APPEAL, ref)


# --- effects -------------------------------------------------------------------------------------


def _valid(state: m.PharmacyAppealState, p: m.RecordValid, ctx: Context) -> None:
    state.checked_valid_on = p.checked_on


def _dismiss(state: m.PharmacyAppealState, p: m.DismissMisconceived, ctx: Context) -> None:
    state.dismissal = m.Dismissal(dismissed_on=p.dismissed_on, reasons=p.reasons, by=ctx.actor.id)
    state.outcome = Outcome.DISMISSED_AS_MISCONCEIVED.value


def _notify(state: m.PharmacyAppealState, p: m.NotifyParties, ctx: Context) -> None:
    state.parties_notified = m.PartiesNotified(sent_on=p.sent_on, parties=p.parties)


def representations_period(p: m.InviteRepresentations) -> int:
    """The period the invitation sets, or the policy's usual one when it names none."""
    return p.period_days or m.REPRESENTATIONS_DAYS


def _invite(state: m.PharmacyAppealState, p: m.InviteRepresentations, ctx: Context) -> None:
    state.invitation = m.Invitation(invited_on=p.invited_on, period_days=representations_period(p))


def late_representation(state: m.PharmacyAppealState, received_on) -> bool:
    """Received after the period set for representations (the Secretary of State may still
    consider it: it is recorded, and marked)."""
    due = state.deadlines.get(m.REPRESENTATIONS)
    return due is not None and due.due_on is not None and received_on > due.due_on


def _represent(state: m.PharmacyAppealState, p: m.RecordRepresentations, ctx: Context) -> None:
    state.representations.append(
        m.Representation(
            party=p.party,
            received_on=p.received_on,
            late=late_representation(state, p.received_on),
            recorded_by=ctx.actor.id,
        )
    )


def _close_representations(state: m.PharmacyAppealState, p: m.CloseRepresentations, ctx: Context) -> None:
    state.representations_closed_on = p.closed_on


def _list_hearing(state: m.PharmacyAppealState, p: m.ListHearing, ctx: Context) -> None:
    state.hearing = m.Hearing(hearing_on=p.hearing_on, format=p.format)


def _hearing_held(state: m.PharmacyAppealState, p: m.RecordHearingHeld, ctx: Context) -> None:
    state.hearing.held_on = p.held_on


def _join(state: m.PharmacyAppealState, p: m.JoinAppeal, ctx: Context) -> None:
    workflow_id = appeal_workflow_id(p.appeal_ref)
    state.joined.append(
        m.JoinedAppeal(ref=p.appeal_ref, workflow_id=workflow_id, joined_at=ctx.now, joined_by=ctx.actor.id)
    )
    state.links.append(
        CaseLink(
            kind=CaseKind.PHARMACY_APPEAL,
            ref=p.appeal_ref,
            workflow_id=workflow_id,
            relation="joined to this appeal: heard and determined with it",
            linked_at=ctx.now,
        )
    )


def _joined_to_lead(state: m.PharmacyAppealState, p: m.JoinLead, ctx: Context) -> None:
    state.lead = CaseLink(
        kind=CaseKind.PHARMACY_APPEAL,
        ref=p.lead_ref,
        workflow_id=p.lead_workflow_id,
        relation="the lead appeal: its determination decides this one",
        linked_at=ctx.now,
    )
    state.links.append(state.lead)


def _determine(state: m.PharmacyAppealState, p: m.Determine, ctx: Context) -> None:
    state.determination = m.Determination(
        lead_ref=state.ref,
        appeals=[state.ref, *(j.ref for j in state.joined)],
        determined_on=p.determined_on,
        decision=p.decision,
        reasons=p.reasons,
        redetermination=p.redetermination,
        recorded_by=ctx.actor.id,
    )
    state.outcome = p.decision.value


def _publish(state: m.PharmacyAppealState, p: m.PublishDetermination, ctx: Context) -> None:
    state.publication = m.Publication(
        published_on=p.published_on, publication_reference=p.publication_reference
    )


def _withdraw(state: m.PharmacyAppealState, p: m.WithdrawAppeal, ctx: Context) -> None:
    state.withdrawal = m.Withdrawal(withdrawn_on=p.withdrawn_on, reason=p.reason)
    state.outcome = Outcome.WITHDRAWN.value


# --- checks --------------------------------------------------------------------------------------


def _closed_after_invitation(state: m.PharmacyAppealState, p: Any, ctx: Context):
    invited = state.invitation.invited_on
    if p.closed_on < invited:
        return "date_before_invitation", f"closed_on {p.closed_on} is before the invitation on {invited}"
    return None


def _hearing_not_past(state: m.PharmacyAppealState, p: m.ListHearing, ctx: Context):
    if p.hearing_on < ctx.today:
        return "date_in_past", f"hearing_on {p.hearing_on} has passed"
    return None


def _held_on_or_after_listing(state: m.PharmacyAppealState, p: m.RecordHearingHeld, ctx: Context):
    if p.held_on > ctx.today:
        return "date_in_future", f"held_on {p.held_on} is in the future"
    if p.held_on < state.hearing.hearing_on:
        return "before_hearing_date", f"the hearing is listed for {state.hearing.hearing_on}"
    return None


def _may_lead(state: m.PharmacyAppealState, p: m.JoinAppeal, ctx: Context):
    if p.appeal_ref == state.ref:
        return "cannot_join_itself", "an appeal cannot be joined to itself"
    if state.joined_appeal(p.appeal_ref) is not None:
        return "already_joined", f"appeal {p.appeal_ref} is already joined to this one"
    return None


def joining_refusal(state: m.PharmacyAppealState, lead_ref: str) -> tuple[str, str] | None:
    """Why this appeal may not be joined to the lead `lead_ref`: one lead each, no chains of
    leads, and only between the close of its representations and a hearing of its own."""
    if lead_ref == state.ref:
        return "cannot_join_itself", "an appeal cannot be joined to itself"
    if state.lead is not None:
        return "already_joined", f"{state.ref} is already joined to appeal {state.lead.ref}"
    if state.joined:
        return "appeal_leads_others", f"{state.ref} has appeals joined to it: join those to it instead"
    if state.stage not in JOINABLE:
        return (
            "appeal_not_joinable",
            f"{state.ref} is at stage {state.stage}: an appeal is joined once its representations have "
            "closed and before any hearing of its own is held",
        )
    return None


def _may_join_lead(state: m.PharmacyAppealState, p: m.JoinLead, ctx: Context):
    return joining_refusal(state, p.lead_ref)


def _no_joined_appeals(state: m.PharmacyAppealState):
    if state.joined:
        return "appeal_leads_others", "appeals are joined to this one: their determination waits on it"
    return None


def _determined_here(state: m.PharmacyAppealState):
    """A joined appeal's determination is its lead's, and so is its publication."""
    determination = state.determination
    if determination is not None and determination.lead_ref != state.ref:
        return "published_with_lead", f"published with its lead appeal {determination.lead_ref}"
    return None


# --- the deadline book ---------------------------------------------------------------------------


async def _representations_due(
    case: PharmacyAppealWorkflow, p: m.InviteRepresentations, ctx: Context
) -> list[DeadlineChangeView]:
    """Due at the end of the period this invitation sets (Sch 3)."""
    days, owner = representations_period(p), case.state.owner
    return [await case.book.set(m.REPRESENTATIONS, ctx.action, p.invited_on, owner, ctx.actor.id, days=days)]


async def _hearing_on_the_book(
    case: PharmacyAppealWorkflow, p: m.ListHearing, ctx: Context
) -> list[DeadlineChangeView]:
    owner = case.state.owner
    return [case.book.set_date(m.HEARING, ctx.action, ctx.today, p.hearing_on, owner, ctx.actor.id)]


# --- the appeals joined to a lead ------------------------------------------------------------------


async def _other_appeal_agrees(case: PharmacyAppealWorkflow, p: m.JoinAppeal, ctx: Context) -> None:
    """The other appeal joins first: its refusal is this step's, and nothing here has changed."""
    request = m.JoinRequest(
        lead_ref=case.state.ref,
        lead_workflow_id=workflow.info().workflow_id,
        appeal_ref=p.appeal_ref,
        actor=ctx.actor,
    )
    try:
        await workflow.execute_activity_method(
            PharmacyAppealActivities.join_appeal, request, **ASKING_ANOTHER_CASE, retry_policy=ASK_RETRY
        )
    except ActivityError as err:
        code, message = _appeals_reason(p.appeal_ref, err)
        allowed = case.pathway.allowed_actions(case.state, ctx.actor.role)
        raise refuse(code, message, case.state.stage, allowed) from err


def _appeals_reason(appeal_ref: str, err: ActivityError) -> tuple[str, str]:
    cause = err.cause
    if isinstance(cause, ApplicationError) and cause.non_retryable and cause.type:
        return cause.type, cause.message
    return UNREACHABLE, f"appeal {appeal_ref} could not be reached; try again"


async def _tell_joined_appeals(
    case: PharmacyAppealWorkflow, p: Any, ctx: Context, applied: AppliedAction
) -> None:
    """The lead's determination, and then its publication, decide every appeal joined to it."""
    state: m.PharmacyAppealState = case.state
    told = m.LeadOutcome(
        lead_ref=state.ref, determination=state.determination, publication=state.publication, at=ctx.now
    )
    for joined in state.joined:
        if await case.signal_case(joined.workflow_id, LEAD_OUTCOME, told):
            if told.publication is None:
                joined.told_determined_at = ctx.now
            else:
                joined.told_published_at = ctx.now


def take_lead_outcome(state: m.PharmacyAppealState, told: m.LeadOutcome, now: datetime) -> tuple | None:
    """A joined appeal takes the next of its lead's news: the determination, then the
    publication, one at a time. Returns (action, ledger summary), or None: nothing more to take
    (from another lead, or taken already)."""
    if state.lead is None or state.lead.ref != told.lead_ref:
        return None
    if state.stage == S.JOINED:
        state.determination = told.determination
        state.outcome = told.determination.decision.value
        state.stage, state.updated_at = S.DETERMINED, now
        return "determined_with_lead", {"lead_ref": told.lead_ref, "decision": state.outcome}
    if told.publication is not None and state.stage == S.DETERMINED and state.publication is None:
        state.publication = told.publication
        state.stage_before_closure, state.stage = state.stage, S.PUBLISHED
        state.closed_at = state.updated_at = now
        return "published_with_lead", {"lead_ref": told.lead_ref, **told.publication.model_dump(mode="json")}
    return None


# --- the pathway ---------------------------------------------------------------------------------

STEPS = [
    Step(
        "record_valid",
        m.RecordValid,
        frozenset({S.LODGED}),
        S.VALID,
        "Validity check: a valid appeal, with concise reasoned grounds",
        _valid,
        not_future("checked_on"),
        date_field="checked_on",
        meets=(m.VALIDITY_CHECK,),
    ),
    Step(
        "dismiss_misconceived",
        m.DismissMisconceived,
        frozenset({S.LODGED}),
        S.DISMISSED,
        "Validity check: misconceived, dismissed without notifying the other parties (SI 2013/349 Sch 3 "
        "para 2)",
        _dismiss,
        not_future("dismissed_on"),
        date_field="dismissed_on",
        meets=(m.VALIDITY_CHECK,),
    ),
    Step(
        "notify_parties",
        m.NotifyParties,
        frozenset({S.VALID}),
        S.PARTIES_NOTIFIED,
        "The other parties notified of the appeal",
        _notify,
        not_future("sent_on"),
    ),
    Step(
        "invite_representations",
        m.InviteRepresentations,
        frozenset({S.PARTIES_NOTIFIED}),
        S.REPRESENTATIONS,
        "Representations invited, within the period set for this appeal",
        _invite,
        not_future("invited_on"),
        date_field="invited_on",
        book=_representations_due,
    ),
    Step(
        "record_representations",
        m.RecordRepresentations,
        frozenset({S.REPRESENTATIONS}),
        None,
        "A party's representations received (marked late after the period)",
        _represent,
        not_future("received_on"),
    ),
    Step(
        "close_representations",
        m.CloseRepresentations,
        frozenset({S.REPRESENTATIONS}),
        S.CONSIDERATION,
        "Representations closed: the appeal is determined on the papers or after a hearing",
        _close_representations,
        both(not_future("closed_on"), _closed_after_invitation),
        date_field="closed_on",
        meets=(m.REPRESENTATIONS,),
    ),
    Step(
        "list_hearing",
        m.ListHearing,
        frozenset({S.CONSIDERATION, S.HEARING_LISTED}),
        S.HEARING_LISTED,
        "An oral hearing listed, or moved (Sch 3 para 7: a hearing is optional)",
        _list_hearing,
        _hearing_not_past,
        book=_hearing_on_the_book,
    ),
    Step(
        "record_hearing_held",
        m.RecordHearingHeld,
        frozenset({S.HEARING_LISTED}),
        S.HEARD,
        "The oral hearing held",
        _hearing_held,
        _held_on_or_after_listing,
        date_field="held_on",
        meets=(m.HEARING,),
    ),
    Step(
        "join_appeal",
        m.JoinAppeal,
        JOINABLE,
        None,
        "Another appeal joined to this one, to be heard and determined with it (Sch 3 para 7); the other "
        "appeal must agree",
        _join,
        _may_lead,
        before=_other_appeal_agrees,
    ),
    Step(  # from every stage, so a lead hears why an appeal may not join it
        "join_lead_appeal",
        m.JoinLead,
        EVERY,
        S.JOINED,
        "Joined to a lead appeal, whose determination will decide this one (sent by the lead)",
        _joined_to_lead,
        _may_join_lead,
        waives=(m.HEARING,),  # heard at the lead's hearing, if it has one
        internal=True,
    ),
    Step(
        "determine",
        m.Determine,
        frozenset({S.CONSIDERATION, S.HEARD}),
        S.DETERMINED,
        "Determined: NHS England's decision confirmed, or quashed and redetermined; every appeal joined "
        "to this one is decided with it",
        _determine,
        not_future("determined_on"),
        after=_tell_joined_appeals,
    ),
    Step(
        "publish_determination",
        m.PublishDetermination,
        frozenset({S.DETERMINED}),
        S.PUBLISHED,
        "The determination published, for every appeal it decides",
        _publish,
        not_future("published_on"),
        available=_determined_here,
        after=_tell_joined_appeals,
    ),
    Step(
        "withdraw_appeal",
        m.WithdrawAppeal,
        WITHDRAWABLE,
        S.WITHDRAWN,
        "The appellant withdrew the appeal",
        _withdraw,
        not_future("withdrawn_on"),
        available=_no_joined_appeals,
    ),
    *common_steps(OPEN, EVERY),
]
PATHWAY = Pathway(CaseKind.PHARMACY_APPEAL.value, S, STEPS, final=FINAL, opening_action="lodge_appeal")


@workflow.defn
class PharmacyAppealWorkflow(CaseWorkflow):
    pathway = PATHWAY
    input_type = m.PharmacyAppealInput
    state_type = m.PharmacyAppealState

    @workflow.init
    def __init__(self, input: m.PharmacyAppealInput) -> None:
        self.start_case(input)

    @workflow.run
    async def run(self, input: m.PharmacyAppealInput) -> m.PharmacyAppealState:
        return await self.run_case()

    def open(self, input: m.PharmacyAppealInput, now: datetime) -> m.PharmacyAppealState:
        notice = input.opening
        return m.PharmacyAppealState(
            ref=input.ref,
            stage=self.pathway.initial,
            owner=input.owner,
            notice=notice,
            window=m.appeal_window(notice.notified_on, notice.received_on),
            opened_at=now,
            updated_at=now,
        )

    def opening_summary(self, input: m.PharmacyAppealInput) -> dict[str, Any]:
        n = input.opening
        return {
            "subject": n.subject.value,
            "application_reference": n.application_reference,
            "decided_by": n.decided_by,
            "notified_on": n.notified_on.isoformat(),
            "received_on": n.received_on.isoformat(),
            "owner": input.owner,
        }

    async def on_open(self, input: m.PharmacyAppealInput) -> None:
        """The 30 days, on the book and met by the notice's arrival (a late one opened no case),
        and our own target for checking it."""
        state, actor, opening = self.state, input.opened_by.actor.id, self.pathway.opening_action
        notice, book = state.notice, self.book
        # Both computed at once: one round of local activities in the opening's task, not two.
        await asyncio.gather(
            book.set(m.NOTICE_OF_APPEAL, opening, notice.notified_on, state.owner, actor),
            book.set(m.VALIDITY_CHECK, opening, notice.received_on, state.owner, actor),
        )
        book.meet(m.NOTICE_OF_APPEAL, notice.received_on, actor)

    # --- what a lead appeal tells this one ----------------------------------------------------

    @workflow.signal
    async def lead_outcome(self, told: m.LeadOutcome) -> None:
        async with self._lock:
            stage_before, taken = self.state.stage, False
            while (news := take_lead_outcome(self.state, told, workflow.now())) is not None:
                action, summary = news
                self.record_system(action, stage_before, summary, f"{told.lead_ref}:{action}")
                stage_before, taken = self.state.stage, True
            if taken:
                if self._finished():
                    self.book.waive_all(f"published with its lead appeal {told.lead_ref}", SYSTEM.id)
                self._book_changed()

    # --- the register --------------------------------------------------------------------------

    def facts(self) -> dict[str, Any]:
        s: m.PharmacyAppealState = self.state
        n = s.notice
        return {
            "subject": n.subject.value,
            "application_reference": n.application_reference,
            "decided_by": n.decided_by,
            "days_to_lodge": (n.received_on - n.notified_on).days,
            "lead_ref": s.lead.ref if s.lead else None,
            "joined_refs": [j.ref for j in s.joined],
            "decision": s.determination.decision.value if s.determination else None,
        }
