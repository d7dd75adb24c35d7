"""The duty of candour for one notifiable safety incident (DOMAIN.md 6): the harm thresholds that
make an incident notifiable, what each step records, the case's state and its deadline policy.

Regulation 20 (SI 2014/2936) says what the provider owes the relevant person: as soon as
reasonably practicable after becoming aware of a notifiable safety incident, tell them in
person (a true account of the facts known, the further enquiries advised, an apology, all kept
in a written record), give reasonable support, and follow up in writing. It sets no day count;
the 10 days are the NHS Standard Contract's, a policy value here.

No names: the relevant person is a relationship (patient, mother), the provider's
representatives are roles. The register keeps references and figures only.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from models.cases import CaseCarried, CaseLink, CasePolicy, CaseState
from models.common import ActionMeta, CaseKind, EventFloor, Reference, RequestBody, broken_rule, derived_ref
from models.deadline_policies import CONTACTS as CLAIMS_CONTACTS
from models.deadline_policies import PolicyByReference, publish
from models.deadlines import DeadlineKind, DeadlinePolicy, DeadlineRule, EscalationContacts, Ladder, Period

DAY = 86_400.0
CLAIMS_TEAM = "claims"  # a candour case opened on its own: the claims handlers'
EN_TEAM = "early_notification"  # one an Early Notification case opens stays with the EN team

# --- the harm thresholds -----------------------------------------------------------------


class Harm(StrEnum):
    """The harm an incident appears to have caused, or could cause, in a clinician's opinion."""

    NO_HARM = "no_harm"
    LOW_HARM = "low_harm"
    MODERATE_HARM = "moderate_harm"
    SEVERE_HARM = "severe_harm"
    PROLONGED_PSYCHOLOGICAL_HARM = "prolonged_psychological_harm"
    DEATH = "death"


# Reg 20's thresholds: an incident that caused, or could cause, any of these is notifiable.
NOTIFIABLE_HARM = frozenset(
    {Harm.DEATH, Harm.SEVERE_HARM, Harm.MODERATE_HARM, Harm.PROLONGED_PSYCHOLOGICAL_HARM}
)


def notifiable(harm: Harm) -> bool:
    """Whether harm at this level makes the incident a notifiable safety incident."""
    return harm in NOTIFIABLE_HARM


# --- the deadline policy -----------------------------------------------------------------

WRITTEN_FOLLOW_UP = "written_follow_up_due"
# NHS Standard Contract: candour within 10 days of the incident being reported. Whether these
# are operational days is unconfirmed, so they are counted as calendar days, the earlier date.
CONTRACT_DAYS = 10

# Kept equal to models/early_notification.py's, which builds on this module and so cannot be
# imported here (tests/workflows/test_duty_of_candour_pathway.py holds the two together).
EN_CONTACTS = EscalationContacts(supervisor="erin.en-supervisor", head_of_service="hana.head")
CONTACTS = {CLAIMS_TEAM: CLAIMS_CONTACTS[CLAIMS_TEAM], EN_TEAM: EN_CONTACTS}

CANDOUR_RULES = [
    DeadlineRule(
        name=WRITTEN_FOLLOW_UP,
        title="Written duty of candour follow-up sent",
        kind=DeadlineKind.SERVICE,
        basis=(
            "NHS Standard Contract: 10 days from the incident being reported (whether operational "
            "days is unconfirmed: counted as calendar days); Reg 20 SI 2014/2936 itself says only "
            "'as soon as reasonably practicable'"
        ),
        period=Period(amount=CONTRACT_DAYS, unit="days"),
        ladder=Ladder(warn_before_seconds=3 * DAY, head_of_service_after_seconds=5 * DAY),
    ),
]
CANDOUR_DEADLINES = publish(
    DeadlinePolicy(
        name="duty-of-candour",
        version="2026-11",
        rules={r.name: r for r in CANDOUR_RULES},
        contacts=CONTACTS,
    )
)


class DutyOfCandourPolicy(CasePolicy):
    version: str = "candour-standard-2026-11"
    # The published object itself, never a copy: every case holds the one instance.
    deadlines: PolicyByReference = Field(default_factory=lambda: CANDOUR_DEADLINES)


# --- the incident and what each step carries ----------------------------------------------

Relationship = Annotated[
    str,
    Field(
        min_length=1,
        max_length=100,
        description="who, as a relationship (patient, mother, the patient's partner), never a name",
    ),
]
ByRole = Annotated[
    str,
    Field(min_length=1, max_length=100, description="the provider's representative, by role, never a name"),
]
Account = Annotated[str, Field(min_length=1, max_length=5_000)]
Method = Literal["in_person", "phone", "video", "letter", "email"]


class Incident(RequestBody):
    """A possible notifiable safety incident, as the provider reports it. No names."""

    provider_code: Reference = Field(description="ODS code of the provider, the registered person")
    provider_name: str = Field(min_length=1, max_length=200)
    incident_on: date = Field(description="when the incident happened")
    reported_on: date = Field(
        description="when it was reported (for a case an Early Notification case opens, the day it "
        "was notified to NHS Resolution): the contract's 10 days run from here"
    )
    incident_reference: Reference | None = Field(
        None, description="a reference it is known by elsewhere (the provider's incident system, MNSI)"
    )
    handler: str | None = Field(None, max_length=100, description="the handler's actor id; default: you")

    @model_validator(mode="after")
    def _dates_in_order(self) -> Incident:
        if self.reported_on < self.incident_on:
            raise broken_rule("dates_out_of_order", "the incident was reported before it happened")
        return self


class Stage(StrEnum):
    INCIDENT_REPORTED = "incident_reported"  # its harm to be assessed
    NOTIFIABLE = "notifiable"  # the relevant person to be told in person
    NOTIFIED_IN_PERSON = "notified_in_person"  # the written follow-up to be sent
    WRITTEN_FOLLOW_UP_SENT = "written_follow_up_sent"
    UPDATING = "updating"  # updates on the enquiries given, their outcome to come
    CLOSED = "closed"


class Outcome(StrEnum):
    NOT_NOTIFIABLE = "not_notifiable"
    OUTCOME_SHARED = "outcome_shared"


class AssessHarm(RequestBody):
    assessed_on: date
    harm: Harm
    reasons: Account


class CandourGiven(BaseModel):
    """What a candour case opened by another case (an Early Notification) tells it: the relevant
    person was told in person on `notified_on`, from which MNSI's 5 working days run."""

    candour_ref: str
    notified_on: date


class NotifyInPerson(RequestBody):
    """Reg 20(3): given in person, with a true account of the facts known and the further
    enquiries advised; the apology given is recorded by `record_apology`."""

    notified_on: date
    relevant_person: Relationship
    given_by: ByRole
    further_enquiries: Account = Field(description="the further enquiries the provider advised")
    support_offered: Account = Field(description="the support offered to the relevant person")


class RecordApology(RequestBody):
    """An expression of sorrow or regret for the incident."""

    given_on: date
    method: Method
    given_by: ByRole


class SendWrittenFollowUp(RequestBody):
    """Reg 20(4): the written notification repeats the account and the apology, with details of
    the enquiries to be made."""

    sent_on: date
    enquiries: Account = Field(description="the enquiries to be undertaken")


class RecordUpdate(RequestBody):
    given_on: date
    method: Method
    shared: Account = Field(description="what the relevant person was told of the enquiries so far")


class ShareOutcome(RequestBody):
    shared_on: date
    method: Method
    findings: Account = Field(description="the results of the enquiries, as shared")


# --- state -----------------------------------------------------------------------------------


class DutyOfCandourState(CaseState):
    kind: CaseKind = CaseKind.DUTY_OF_CANDOUR
    incident: Incident
    harm: AssessHarm | None = None
    in_person: NotifyInPerson | None = None
    apology: RecordApology | None = None
    written_follow_up: SendWrittenFollowUp | None = None
    updates: list[RecordUpdate] = []
    outcome_shared: ShareOutcome | None = None

    def event_floor(self) -> EventFloor:
        return EventFloor(self.incident.incident_on, "incident")


class DutyOfCandourInput(BaseModel):
    ref: str
    owner: str
    team: str = CLAIMS_TEAM
    opening: Incident | None = None
    opened_by: ActionMeta | None = None
    parent: CaseLink | None = None  # the case that opened it (an Early Notification case)
    policy: DutyOfCandourPolicy = DutyOfCandourPolicy()
    carried: CaseCarried[DutyOfCandourState] | None = None


def candour_ref_for(en_ref: str) -> str:
    """The candour case an EN case opens has a reference derived from the EN's: a retry finds it."""
    return derived_ref("DOC", "duty_of_candour", en_ref)


def days_between(start: date | None, end: date | None) -> int | None:
    return None if start is None or end is None else (end - start).days
