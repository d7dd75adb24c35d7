"""Pharmacy appeals (DOMAIN.md 5, Primary Care Appeals): an appeal to the Secretary of State
against NHS England's decision on a pharmacy market entry, relocation or listing application,
what each step of it carries, the case's state and its deadline policy.

The notice of appeal is valid only if it reaches the Secretary of State within 30 days of the
date the applicant was notified of the decision (SI 2013/349 Sch 2 para 36): `appeal_window`
is that rule, asked by the API before a case starts and kept in the case. Appeals about the same
matter can be heard together (Sch 3 para 7): one appeal leads, the others are joined to it, and
its one determination decides them all.

The register's facts keep references and figures only: the appellant and the grounds stay in
the case.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from models.cases import CaseCarried, CaseLink, CasePolicy, CaseState
from models.common import ActionMeta, Actor, CaseKind, EventFloor, Reference, RequestBody, broken_rule
from models.deadline_policies import PolicyByReference, publish
from models.deadlines import (
    DeadlineKind,
    DeadlinePolicy,
    DeadlineRule,
    EscalationContacts,
    Ladder,
    Period,
)

TEAM = "primary_care_appeals"
APPEAL_REF = r"^PHA-[A-Z2-7]{12}$"
AppealRef = Annotated[str, Field(pattern=APPEAL_REF, description="a pharmacy appeal's reference")]
Text = Annotated[str, Field(min_length=1, max_length=10_000)]
Line = Annotated[str, Field(min_length=1, max_length=200)]


# --- the deadline policy -----------------------------------------------------------------------

DAY = 86_400.0
NOTICE_OF_APPEAL = "notice_of_appeal_due"
VALIDITY_CHECK = "appeal_validity_check_due"
REPRESENTATIONS = "appeal_representations_due"
HEARING = "appeal_hearing"

APPEAL_WINDOW_DAYS = 30  # SI 2013/349 Sch 2 para 36
# Sch 3 leaves the period for representations to the Secretary of State, who sets it in each
# invitation; this is only the period an invitation that names none gets (unconfirmed).
REPRESENTATIONS_DAYS = 30
REPRESENTATIONS_MOST_DAYS = 90  # the longest period an invitation may set here (our own bound)
# No published period for checking a notice of appeal: our own target (unconfirmed).
VALIDITY_CHECK_DAYS = 14

CONTACTS = {TEAM: EscalationContacts(supervisor="pat.pca-supervisor", head_of_service="hana.head")}

PHARMACY_APPEAL_RULES = [
    DeadlineRule(
        name=NOTICE_OF_APPEAL,
        title="Notice of appeal received by the Secretary of State",
        kind=DeadlineKind.STATUTORY,
        basis="SI 2013/349 Sch 2 para 36: a valid notice of appeal within 30 days of the date the "
        "applicant was notified of the decision",
        period=Period(amount=APPEAL_WINDOW_DAYS, unit="days"),
        # Met when the case opens (a late notice opens no case): its ladder never climbs.
        ladder=Ladder(warn_before_seconds=0, head_of_service_after_seconds=0),
    ),
    DeadlineRule(
        name=VALIDITY_CHECK,
        title="Validity check of the notice of appeal",
        kind=DeadlineKind.SERVICE,
        basis="Primary Care Appeals service target (unconfirmed: 14 days from receipt)",
        period=Period(amount=VALIDITY_CHECK_DAYS, unit="days"),
        ladder=Ladder(warn_before_seconds=3 * DAY, head_of_service_after_seconds=5 * DAY),
    ),
    DeadlineRule(
        name=REPRESENTATIONS,
        title="Representations on the appeal",
        kind=DeadlineKind.PROTOCOL,
        basis="SI 2013/349 Sch 3: the period the Secretary of State sets when inviting representations "
        "(30 days when none is set: unconfirmed)",
        period=Period(amount=REPRESENTATIONS_DAYS, unit="days"),
        ladder=Ladder(warn_before_seconds=5 * DAY, head_of_service_after_seconds=7 * DAY),
    ),
    DeadlineRule(
        name=HEARING,
        title="Oral hearing of the appeal",
        kind=DeadlineKind.PROTOCOL,
        basis="SI 2013/349 Sch 3 para 7: an oral hearing if the Secretary of State decides to hold one",
        period=Period(amount=0, unit="days"),  # the date is entered when the hearing is listed
        ladder=Ladder(warn_before_seconds=7 * DAY, head_of_service_after_seconds=1 * DAY),
    ),
]
PHARMACY_APPEAL_DEADLINES = publish(
    DeadlinePolicy(
        name="pharmacy-appeals",
        version="2026-12",
        rules={r.name: r for r in PHARMACY_APPEAL_RULES},
        contacts=CONTACTS,
    )
)


class PharmacyAppealPolicy(CasePolicy):
    version: str = "pharmacy-appeal-standard-2026-12"
    # The published object itself, never a copy: every case holds the one instance.
    deadlines: PolicyByReference = Field(default_factory=lambda: PHARMACY_APPEAL_DEADLINES)


# --- the 30 days ---------------------------------------------------------------------------------


class AppealWindow(BaseModel):
    """Whether a notice of appeal reached the Secretary of State in time, and by which rule."""

    notified_on: date = Field(description="the applicant was notified of the decision")
    received_on: date = Field(description="the notice of appeal was received")
    due_on: date = Field(description="the last day it could be received")
    in_time: bool
    basis: str


def appeal_window(notified_on: date, received_on: date) -> AppealWindow:
    """SI 2013/349 Sch 2 para 36: a notice of appeal is valid only if received within 30 days of
    the date the applicant was notified. Counted as the legal calendar counts days (the day of
    notification excluded, so the last day is the 30th after it); the regulations move no end
    that falls on a weekend, so neither does this. The statute's window, never the case policy's:
    a test policy's short periods do not make an appeal late."""
    rule = PHARMACY_APPEAL_DEADLINES.rules[NOTICE_OF_APPEAL]
    period = rule.period
    if period is None or period.unit != "days" or period.end_rule != "none":
        raise ValueError(f"{rule.name}: the window is a plain count of days")
    due_on = notified_on + timedelta(days=period.amount)
    return AppealWindow(
        notified_on=notified_on,
        received_on=received_on,
        due_on=due_on,
        in_time=received_on <= due_on,
        basis=rule.basis,
    )


# --- the notice of appeal (the opening) ----------------------------------------------------------


class AppealSubject(StrEnum):
    MARKET_ENTRY = "market_entry"  # an application to be included in the pharmaceutical list
    RELOCATION = "relocation"
    LISTING = "listing"  # a decision about an existing listing (removal, conditions)


class NoticeOfAppeal(RequestBody):
    """A notice of appeal against NHS England's decision on a pharmacy application."""

    subject: AppealSubject
    application_reference: Reference = Field(description="NHS England's reference for the application")
    decided_by: Reference = Field(description="ODS code of the NHS England team or ICB that decided")
    appellant: Line = Field(description="the appellant as the notice names them (a pharmacy contractor)")
    notified_on: date = Field(description="when the applicant was notified of the decision")
    received_on: date = Field(description="when the notice of appeal reached the Secretary of State")
    grounds: Text = Field(description="the concise reasoned grounds the notice gives")
    handler: str | None = Field(
        None, max_length=100, pattern=r"^[A-Za-z0-9._@-]+$", description="the case's handler; default: you"
    )

    @model_validator(mode="after")
    def _received_after_notification(self) -> NoticeOfAppeal:
        if self.received_on < self.notified_on:
            raise broken_rule(
                "dates_out_of_order", "the appeal was received before the decision was notified"
            )
        return self


# --- stages and what each step carries ----------------------------------------------------------


class Stage(StrEnum):
    LODGED = "lodged"  # in time; its validity is being checked
    VALID = "valid"
    PARTIES_NOTIFIED = "parties_notified"
    REPRESENTATIONS = "representations"
    CONSIDERATION = "consideration"  # representations closed: determined on the papers or at a hearing
    HEARING_LISTED = "hearing_listed"
    HEARD = "heard"
    JOINED = "joined"  # heard and determined with its lead appeal
    DETERMINED = "determined"
    PUBLISHED = "published"
    DISMISSED = "dismissed"
    WITHDRAWN = "withdrawn"


class Decision(StrEnum):
    """What a determination does with NHS England's decision."""

    CONFIRMED = "confirmed"
    QUASHED_AND_REDETERMINED = "quashed_and_redetermined"


class Outcome(StrEnum):
    """How an appeal ended: its determination's decision, or one of these."""

    DISMISSED_AS_MISCONCEIVED = "dismissed_as_misconceived"
    WITHDRAWN = "withdrawn"


class RecordValid(RequestBody):
    checked_on: date


class DismissMisconceived(RequestBody):
    """Sch 3 para 2: a misconceived appeal is dismissed without notifying the other parties."""

    dismissed_on: date
    reasons: Text


class NotifyParties(RequestBody):
    sent_on: date
    parties: list[Line] = Field(
        min_length=1, max_length=50, description="who was notified (NHS England, other applicants, the LPC)"
    )


class InviteRepresentations(RequestBody):
    invited_on: date
    period_days: int | None = Field(
        None,
        ge=1,
        le=REPRESENTATIONS_MOST_DAYS,
        description=f"the period set for this appeal; default {REPRESENTATIONS_DAYS} days",
    )


class RecordRepresentations(RequestBody):
    party: Line
    received_on: date


class CloseRepresentations(RequestBody):
    closed_on: date


class ListHearing(RequestBody):
    hearing_on: date
    format: Literal["in_person", "remote"] = "remote"


class RecordHearingHeld(RequestBody):
    held_on: date


class JoinAppeal(RequestBody):
    """Another appeal, heard and determined with this one (Sch 3 para 7)."""

    appeal_ref: AppealRef


class JoinLead(RequestBody):
    """Sent by a lead appeal to the appeal it joins to itself."""

    lead_ref: AppealRef
    lead_workflow_id: str = Field(min_length=1, max_length=80, pattern=r"^[a-z_]+-PHA-[A-Z2-7]{12}$")


class Determine(RequestBody):
    determined_on: date
    decision: Decision
    reasons: Text
    redetermination: str | None = Field(
        None, min_length=1, max_length=10_000, description="the new decision, when the decision is quashed"
    )

    @model_validator(mode="after")
    def _redetermined_iff_quashed(self) -> Determine:
        if (self.decision == Decision.QUASHED_AND_REDETERMINED) != (self.redetermination is not None):
            raise broken_rule(
                "redetermination_mismatch",
                "a redetermination is given if and only if the decision is quashed",
            )
        return self


class PublishDetermination(RequestBody):
    published_on: date
    publication_reference: Reference


class WithdrawAppeal(RequestBody):
    withdrawn_on: date
    reason: str = Field(min_length=1, max_length=2_000)


# --- state ---------------------------------------------------------------------------------------


class Dismissal(BaseModel):
    dismissed_on: date
    reasons: str
    by: str


class PartiesNotified(BaseModel):
    sent_on: date
    parties: list[str]


class Invitation(BaseModel):
    invited_on: date
    period_days: int


class Representation(BaseModel):
    party: str
    received_on: date
    late: bool = Field(description="received after the period set for representations")
    recorded_by: str


class Hearing(BaseModel):
    hearing_on: date
    format: str
    held_on: date | None = None


class JoinedAppeal(BaseModel):
    """An appeal joined to this one: decided by this appeal's determination."""

    ref: str
    workflow_id: str
    joined_at: datetime
    joined_by: str
    told_determined_at: datetime | None = None
    told_published_at: datetime | None = None


class Determination(BaseModel):
    """One determination, and every appeal it decides (the lead's and those joined to it)."""

    lead_ref: str
    appeals: list[str]
    determined_on: date
    decision: Decision
    reasons: str
    redetermination: str | None = None
    recorded_by: str


class Publication(BaseModel):
    published_on: date
    publication_reference: str


class Withdrawal(BaseModel):
    withdrawn_on: date
    reason: str


class PharmacyAppealState(CaseState):
    kind: CaseKind = CaseKind.PHARMACY_APPEAL
    team: str = TEAM
    notice: NoticeOfAppeal
    window: AppealWindow
    checked_valid_on: date | None = None
    dismissal: Dismissal | None = None
    parties_notified: PartiesNotified | None = None
    invitation: Invitation | None = None
    representations: list[Representation] = []
    representations_closed_on: date | None = None
    hearing: Hearing | None = None
    lead: CaseLink | None = Field(None, description="the appeal this one is joined to")
    joined: list[JoinedAppeal] = Field([], description="the appeals joined to this one")
    determination: Determination | None = None
    publication: Publication | None = None
    withdrawal: Withdrawal | None = None

    def event_floor(self) -> EventFloor:
        return EventFloor(self.notice.received_on, "appeal")

    def joined_appeal(self, ref: str) -> JoinedAppeal | None:
        return next((j for j in self.joined if j.ref == ref), None)


class PharmacyAppealInput(BaseModel):
    ref: str
    owner: str
    opening: NoticeOfAppeal | None = None
    opened_by: ActionMeta | None = None
    parent: CaseLink | None = None
    policy: PharmacyAppealPolicy = PharmacyAppealPolicy()
    carried: CaseCarried[PharmacyAppealState] | None = None


# --- what a lead appeal asks of and tells the appeals joined to it -------------------------------


class JoinRequest(BaseModel):
    """Ask an appeal to join a lead: its update id comes from both references, so a retried
    activity joins it once."""

    lead_ref: str
    lead_workflow_id: str
    appeal_ref: str
    actor: Actor  # the lead's handler who asked: the joined appeal's history shows them


class JoinAnswer(BaseModel):
    appeal_ref: str
    stage: str | None = None


class LeadOutcome(BaseModel):
    """What a lead appeal tells each appeal joined to it (signal `lead_outcome`): its
    determination, and then its publication."""

    lead_ref: str
    determination: Determination
    publication: Publication | None = None
    at: datetime
