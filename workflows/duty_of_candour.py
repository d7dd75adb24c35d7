"""DutyOfCandourWorkflow: the duty of candour for one possible notifiable safety incident
(DOMAIN.md 6; Reg 20, SI 2014/2936), from the harm assessment to the outcome shared.

Opened on its own through the API, or by an Early Notification case for its baby, linked both
ways (this case's `parent`, that case's `links`). The harm is assessed first: below Reg 20's
thresholds the incident is not notifiable and the case closes with that reason. Otherwise the
relevant person is told in person and given an apology, and the written follow-up, which
repeats both, is due within the NHS Standard Contract's 10 days of the incident being reported
(set when the case opens: the contract's clock runs from the report, not from the assessment).
Reg 20 itself says only "as soon as reasonably practicable", so the in-person notification
has no deadline of its own; an Early Notification case that opened this one is told of it, since
MNSI's contact with the family is due 5 working days after it. Updates on the enquiries follow
until their outcome is shared, which closes the case.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from temporalio import workflow

from models import duty_of_candour as m
from models.common import AppliedAction, CaseKind
from models.duty_of_candour import DutyOfCandourState, Outcome
from models.duty_of_candour import Stage as S
from workflows.case_kit import CaseWorkflow, Context, Divert, Pathway, Step, both, common_steps, not_future

EVERY = frozenset(S)
FINAL = frozenset({S.CLOSED})
OPEN = EVERY - FINAL
WRITTEN = frozenset({S.WRITTEN_FOLLOW_UP_SENT, S.UPDATING})


# --- effects -------------------------------------------------------------------------------


def _assessed(state: DutyOfCandourState, p: m.AssessHarm, ctx: Context) -> None:
    state.harm = p
    if not m.notifiable(p.harm):
        state.outcome = Outcome.NOT_NOTIFIABLE.value


def _below_threshold(state: DutyOfCandourState, p: m.AssessHarm, ctx: Context) -> bool:
    return not m.notifiable(p.harm)


def _notified(state: DutyOfCandourState, p: m.NotifyInPerson, ctx: Context) -> None:
    state.in_person = p


def _apologised(state: DutyOfCandourState, p: m.RecordApology, ctx: Context) -> None:
    state.apology = p


def _followed_up(state: DutyOfCandourState, p: m.SendWrittenFollowUp, ctx: Context) -> None:
    state.written_follow_up = p


def _updated(state: DutyOfCandourState, p: m.RecordUpdate, ctx: Context) -> None:
    state.updates.append(p)


def _outcome_shared(state: DutyOfCandourState, p: m.ShareOutcome, ctx: Context) -> None:
    state.outcome_shared = p
    state.outcome = Outcome.OUTCOME_SHARED.value


# --- checks --------------------------------------------------------------------------------


def _not_before(field: str, code: str, what: str, earlier: Callable[[DutyOfCandourState], date]):
    """A step's date is not before the step it follows from (an apology before the notification
    it belongs to, an update before the letter it updates)."""

    def check(state: DutyOfCandourState, p: Any, ctx: Context):
        if getattr(p, field) < (when := earlier(state)):
            return code, f"{field} is before {what} ({when})"
        return None

    return check


def _after_notification(field: str):
    return _not_before(field, "date_before_notification", "the in-person notification", _notified_on)


def _after_follow_up(field: str):
    return _not_before(field, "date_before_follow_up", "the written follow-up", _followed_up_on)


def _notified_on(state: DutyOfCandourState) -> date:
    return state.in_person.notified_on


def _followed_up_on(state: DutyOfCandourState) -> date:
    return state.written_follow_up.sent_on


def _apology_recorded(state: DutyOfCandourState):
    if state.apology is None:
        return "apology_outstanding", "the written follow-up repeats the apology (Reg 20(4)): record it first"
    return None


def _no_apology_yet(state: DutyOfCandourState):
    if state.apology is not None:
        return "apology_already_recorded", f"the apology was recorded as given on {state.apology.given_on}"
    return None


# --- the pathway ---------------------------------------------------------------------------

STEPS = [
    Step(
        "assess_harm",
        m.AssessHarm,
        frozenset({S.INCIDENT_REPORTED}),
        S.NOTIFIABLE,
        "Harm assessed against Reg 20's thresholds (death, severe, moderate, prolonged psychological)",
        _assessed,
        not_future("assessed_on"),
        diverts=(Divert(S.CLOSED, "below the thresholds: not notifiable", when=_below_threshold),),
    ),
    Step(
        "notify_in_person",
        m.NotifyInPerson,
        frozenset({S.NOTIFIABLE}),
        S.NOTIFIED_IN_PERSON,
        "The relevant person told in person: a true account, the enquiries advised, support offered",
        _notified,
        not_future("notified_on"),
    ),
    Step(
        "record_apology",
        m.RecordApology,
        frozenset({S.NOTIFIED_IN_PERSON}),
        None,
        "An apology given to the relevant person (once; the written follow-up repeats it)",
        _apologised,
        both(not_future("given_on"), _after_notification("given_on")),
        available=_no_apology_yet,
    ),
    Step(
        "send_written_follow_up",
        m.SendWrittenFollowUp,
        frozenset({S.NOTIFIED_IN_PERSON}),
        S.WRITTEN_FOLLOW_UP_SENT,
        "The written follow-up: the account, the apology and the enquiries to be made",
        _followed_up,
        both(not_future("sent_on"), _after_notification("sent_on")),
        date_field="sent_on",
        meets=(m.WRITTEN_FOLLOW_UP,),
        available=_apology_recorded,
    ),
    Step(
        "record_update",
        m.RecordUpdate,
        WRITTEN,
        S.UPDATING,
        "An update on the enquiries given to the relevant person",
        _updated,
        both(not_future("given_on"), _after_follow_up("given_on")),
    ),
    Step(
        "share_outcome",
        m.ShareOutcome,
        WRITTEN,
        S.CLOSED,
        "The outcome of the enquiries shared with the relevant person: closed",
        _outcome_shared,
        both(not_future("shared_on"), _after_follow_up("shared_on")),
    ),
    *common_steps(OPEN, EVERY),
]
PATHWAY = Pathway(CaseKind.DUTY_OF_CANDOUR.value, S, STEPS, final=FINAL, opening_action="report_incident")


@workflow.defn
class DutyOfCandourWorkflow(CaseWorkflow):
    pathway = PATHWAY
    input_type = m.DutyOfCandourInput
    state_type = DutyOfCandourState

    @workflow.init
    def __init__(self, input: m.DutyOfCandourInput) -> None:
        self.start_case(input)

    @workflow.run
    async def run(self, input: m.DutyOfCandourInput) -> DutyOfCandourState:
        return await self.run_case()

    def open(self, input: m.DutyOfCandourInput, now: datetime) -> DutyOfCandourState:
        return DutyOfCandourState(
            ref=input.ref,
            stage=self.pathway.initial,
            owner=input.owner,
            team=input.team,
            parent=input.parent,
            incident=input.opening,
            opened_at=now,
            updated_at=now,
        )

    def opening_summary(self, input: m.DutyOfCandourInput) -> dict[str, Any]:
        incident = input.opening
        return {
            "provider_code": incident.provider_code,
            "incident_reference": incident.incident_reference,
            "owner": input.owner,
            "opened_by_case": input.parent.ref if input.parent else None,
        }

    async def on_open(self, input: m.DutyOfCandourInput) -> None:
        state = self.state
        await self.book.set(
            m.WRITTEN_FOLLOW_UP,
            self.pathway.opening_action,
            state.incident.reported_on,
            state.owner,
            input.opened_by.actor.id,
        )

    async def after_step(self, step: Step, payload: Any, ctx: Context, applied: AppliedAction) -> None:
        """The family told in person: the Early Notification case that opened this one hears of
        it (MNSI's contact with the family is due 5 working days on)."""
        parent = self.state.parent
        if step.action == "notify_in_person" and parent and parent.kind is CaseKind.EARLY_NOTIFICATION:
            given = m.CandourGiven(candour_ref=self.state.ref, notified_on=payload.notified_on)
            await self.signal_case(parent.workflow_id, "candour_given", given)

    def facts(self) -> dict[str, Any]:
        """References and figures for reporting: how long each step took from the report."""
        s: DutyOfCandourState = self.state
        reported = s.incident.reported_on
        return {
            "provider_code": s.incident.provider_code,
            "incident_reference": s.incident.incident_reference,
            "harm": s.harm.harm.value if s.harm else None,
            "notifiable": m.notifiable(s.harm.harm) if s.harm else None,
            "days_to_notification": m.days_between(reported, s.in_person and s.in_person.notified_on),
            "days_to_written_follow_up": m.days_between(
                reported, s.written_follow_up and s.written_follow_up.sent_on
            ),
            "apology_recorded": s.apology is not None,
            "updates": len(s.updates),
        }
