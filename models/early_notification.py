"""Maternity Early Notification (DOMAIN.md 3): what a trust notifies, the entry criteria in force
for the baby's date of birth, what each step of the assessment carries, the case's state and
its deadline policy.

Nothing here that reaches logs, search attributes or the register's facts carries a name or
clinical free text: the notification itself has no names (the family is reached through the
family liaison officer, not through this record), and the register keeps references and
figures only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from models.cases import CaseCarried, CaseLink, CasePolicy, CaseState
from models.claims import ClaimantFirm, ClaimOpening, ClaimPolicy, Payment, PaymentKind
from models.common import (
    ActionMeta,
    Actor,
    CaseKind,
    EventFloor,
    Money,
    OdsCode,
    Reference,
    RequestBody,
    broken_rule,
    derived_ref,
)
from models.deadline_policies import PolicyByReference, publish
from models.deadlines import (
    DeadlineKind,
    DeadlinePolicy,
    DeadlineRule,
    EscalationContacts,
    Ladder,
    Period,
)
from models.duty_of_candour import DutyOfCandourPolicy

TEAM = "early_notification"
ActorId = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._@-]+$")]
ClaimRef = Annotated[str, Field(pattern=r"^CLM-[A-Z2-7]{12}$", description="a claim reference")]


# --- the notification --------------------------------------------------------------------


class Birth(StrEnum):
    FOLLOWING_LABOUR = "following_labour"
    ELECTIVE_CAESAREAN = "elective_caesarean"  # no labour: outside every version of the scheme


class EncephalopathySigns(RequestBody):
    """Signs of moderate-to-severe encephalopathy, as the criteria name them."""

    altered_consciousness: bool = False
    coma: bool = Field(False, description="the 2017 criteria name coma; coma is altered consciousness")
    hypotonia: bool = Field(False, description="decreased central tone")
    abnormal_reflexes: bool = False
    absent_or_weak_suck: bool = False
    clinical_seizures: bool = Field(False, description="seizures of any kind")


class Notification(RequestBody):
    """A trust's notification, once MNSI has confirmed it is investigating. No names."""

    mnsi_reference: Reference = Field(description="MNSI's (formerly HSIB's) reference for its investigation")
    trust_code: OdsCode = Field(description="ODS code of the trust, e.g. RX1: the claim's defendant")
    trust_name: str = Field(min_length=1, max_length=200, description="the organisation, for the claim")
    date_of_birth: date
    gestation_weeks: int = Field(ge=20, le=45, description="completed weeks of gestation at birth")
    birth: Birth
    mri_confirmed: bool = Field(description="a potential severe hypoxic brain injury confirmed on MRI")
    actively_cooled: bool
    hie_grade: Literal[1, 2, 3] | None = Field(None, description="HIE grade if graded (2017 criteria)")
    injury_diagnosed_on: date | None = Field(None, description="when the brain injury was diagnosed")
    encephalopathy: EncephalopathySigns = EncephalopathySigns()
    died_in_first_week: bool = Field(False, description="died at 0 to 6 days")
    family_declined_mnsi: bool = Field(False, description="the family declined MNSI's investigation")
    family_asked_for_investigation: bool = Field(
        False, description="having declined MNSI's, the family asked (through the trust) for one"
    )
    handler: str | None = Field(None, max_length=100, description="EN handler's actor id; default: you")
    # The reporting before the notification, each checked against its period at opening
    # (`reporting_chain`); a date not given sets no deadline.
    legal_team_told_on: date | None = Field(
        None, description="the clinical team told the trust's legal team (EN report form: 14 days)"
    )
    reported_to_mnsi_on: date | None = Field(None, description="the trust reported the incident to MNSI")
    mnsi_contacted_trust_on: date | None = Field(
        None, description="MNSI first phoned the trust (within 1 working day of its report)"
    )

    @model_validator(mode="after")
    def _dates_in_order(self) -> Notification:
        if self.injury_diagnosed_on is not None and self.injury_diagnosed_on < self.date_of_birth:
            raise broken_rule("dates_out_of_order", "the injury was diagnosed before the date of birth")
        for name in ("legal_team_told_on", "reported_to_mnsi_on"):
            if (on := getattr(self, name)) is not None and on < self.date_of_birth:
                raise broken_rule("dates_out_of_order", f"{name} is before the date of birth")
        if self.mnsi_contacted_trust_on is not None:
            if self.reported_to_mnsi_on is None:
                raise broken_rule(
                    "mnsi_report_date_missing",
                    "MNSI's call counts from the trust's report to MNSI: give reported_to_mnsi_on too",
                )
            if self.mnsi_contacted_trust_on < self.reported_to_mnsi_on:
                raise broken_rule(
                    "dates_out_of_order", "MNSI phoned the trust before the trust reported to it"
                )
        return self


# --- entry criteria, versioned by date of birth --------------------------------------------


class FailedCriterion(BaseModel):
    criterion: str
    message: str


Check = Callable[[Notification], "str | None"]


def _term(n: Notification) -> str | None:
    if n.gestation_weeks < 37:
        return f"born at {n.gestation_weeks} completed weeks; the scheme is for term babies (37 or more)"
    return None


def _following_labour(n: Notification) -> str | None:
    if n.birth is not Birth.FOLLOWING_LABOUR:
        return "born by elective caesarean, not following labour"
    return None


def _severe_brain_injury_2017(n: Notification) -> str | None:
    signs = n.encephalopathy
    triad = signs.hypotonia and signs.coma and signs.clinical_seizures
    if n.hie_grade == 3 or n.actively_cooled or triad:
        return None
    return (
        "no potentially severe brain injury as the 2017 criteria define it: grade III HIE, active "
        "cooling, or decreased central tone with coma and seizures"
    )


def _diagnosed_in_first_week(n: Notification) -> str | None:
    if n.injury_diagnosed_on is None:
        return "the date the brain injury was diagnosed is needed (it must be in the first 7 days)"
    age = (n.injury_diagnosed_on - n.date_of_birth).days
    if age >= 7:
        return f"the brain injury was diagnosed at {age} days, after the first 7 days"
    return None


def _potential_severe_brain_injury(n: Notification) -> str | None:
    signs = n.encephalopathy
    altered = signs.altered_consciousness or signs.coma
    another = (
        signs.hypotonia or signs.abnormal_reflexes or signs.absent_or_weak_suck or signs.clinical_seizures
    )
    if n.actively_cooled or (altered and another):
        return None
    return (
        "neither active cooling nor moderate-to-severe encephalopathy (altered consciousness with "
        "hypotonia, abnormal reflexes, absent or weak suck, or clinical seizures)"
    )


def _mri_confirmed(n: Notification) -> str | None:
    return None if n.mri_confirmed else "the potential severe hypoxic brain injury is not confirmed on MRI"


def _survived_first_week(n: Notification) -> str | None:
    if n.died_in_first_week:
        return "the baby died at 0 to 6 days: such deaths are excluded from the scheme"
    return None


def _family_did_not_decline(n: Notification) -> str | None:
    if n.family_declined_mnsi and not n.family_asked_for_investigation:
        return "the family declined the MNSI investigation and has not asked for one"
    return None


CHECKS: dict[str, Check] = {
    "term": _term,
    "born_following_labour": _following_labour,
    "severe_brain_injury_2017": _severe_brain_injury_2017,
    "diagnosed_in_first_week": _diagnosed_in_first_week,
    "potential_severe_brain_injury": _potential_severe_brain_injury,
    "mri_confirmed": _mri_confirmed,
    "survived_first_week": _survived_first_week,
    "family_did_not_decline_mnsi": _family_did_not_decline,
}

_ORIGINAL = ("term", "born_following_labour", "severe_brain_injury_2017", "diagnosed_in_first_week")
_CURRENT = (
    "term",
    "born_following_labour",
    "potential_severe_brain_injury",
    "mri_confirmed",
    "survived_first_week",
)


@dataclass(frozen=True)
class CriteriaVersion:
    """The entry criteria and process for babies born from `born_from` (to the next version)."""

    version: str
    born_from: date
    criteria: tuple[str, ...]
    family_consent_required: bool
    source: str
    # The pre-2020 scheme: the trust's legal services reported to NHS Resolution themselves,
    # within 30 days of the incident; from 1 Apr 2020 the report goes through HSIB, then MNSI.
    trust_reports_to_nhsr: bool = False


# Newest last. Every version also applies the rule on families who declined MNSI's
# investigation: notifications now come through MNSI whatever the date of birth.
CRITERIA_VERSIONS: tuple[CriteriaVersion, ...] = (
    CriteriaVersion(
        "en-2017-04",
        date(2017, 4, 1),
        _ORIGINAL,
        False,
        "EN report form: term, following labour, severe brain injury diagnosed in the first 7 days",
        trust_reports_to_nhsr=True,
    ),
    # 1 Apr 2020 - 31 Mar 2022: trusts reported to HSIB, which passed on the cases with harm, and
    # NHS Resolution took no step until HSIB's report was complete. DOMAIN.md gives no criteria
    # of NHS Resolution's own for these births, so the criteria are those HSIB applied (the same
    # definitions as 2017's); waiting for the report is the pathway's first stage for every case.
    CriteriaVersion(
        "en-2020-04-hsib",
        date(2020, 4, 1),
        _ORIGINAL,
        False,
        "Pause in EN reporting (26 Mar 2020): HSIB triages; NHS Resolution acts on its report",
    ),
    CriteriaVersion(
        "en-2022-04",
        date(2022, 4, 1),
        _CURRENT,
        False,
        "EN FAQ: term, following labour, potential severe hypoxic brain injury confirmed on MRI",
    ),
    CriteriaVersion(
        "en-2023-10",
        date(2023, 10, 1),
        _CURRENT,
        True,
        "EN process update (3 Apr 2024): the family's permission before a legal investigation",
    ),
)
SCHEME_START = CRITERIA_VERSIONS[0].born_from


def criteria_for(date_of_birth: date) -> CriteriaVersion | None:
    """The version in force for a baby born on this date; None before the scheme began."""
    found = None
    for version in CRITERIA_VERSIONS:
        if date_of_birth >= version.born_from:
            found = version
    return found


def check_eligibility(notification: Notification) -> list[FailedCriterion]:
    """Every entry criterion the notification fails under the version for its date of birth."""
    version = criteria_for(notification.date_of_birth)
    if version is None:
        message = f"born before {SCHEME_START:%d %B %Y}, when the scheme began"
        return [FailedCriterion(criterion="born_within_scheme", message=message)]
    failed = []
    for name in (*version.criteria, "family_did_not_decline_mnsi"):
        if (message := CHECKS[name](notification)) is not None:
            failed.append(FailedCriterion(criterion=name, message=message))
    return failed


# --- the deadline policy -----------------------------------------------------------------

DAY = 86_400.0
MNSI_REPORT = "mnsi_report_due"
FAMILY_DECISION = "family_decision_due"
LIABILITY_DECISION = "liability_decision_due"
# The reporting before the notification: set and met at opening with the dates it records.
LEGAL_TEAM_TOLD = "legal_team_told_due"
LEGACY_REPORT = "legacy_report_to_nhsr_due"
MNSI_FIRST_CONTACT = "mnsi_first_contact_due"
# Set when the trust's duty of candour case says the family was told in person.
MNSI_FAMILY_CONTACT = "mnsi_family_contact_due"

MNSI_REPORT_MONTHS = 6  # MNSI expects to finish in "about 6 months"
FAMILY_DECISION_MONTHS = 3  # EN family flowchart step 4: 3 months from the letter
LIABILITY_DECISION_MONTHS = 18  # the scheme's reported time to a liability decision
LEGAL_TEAM_TOLD_DAYS = 14  # EN report form: the clinical team tells the legal team
LEGACY_REPORT_DAYS = 30  # EN report form: legal services report to NHS Resolution (pre-2020)
MNSI_FIRST_CONTACT_WORKING_DAYS = 1  # MNSI phones the trust after its report
MNSI_FAMILY_CONTACT_WORKING_DAYS = 5  # MNSI contacts the family after the trust's initial candour
# Met at opening with a date the notification records, so never warned of or escalated: a
# nominal ladder keeps the rule valid.
RECORDED = Ladder(warn_before_seconds=0, head_of_service_after_seconds=0)

CONTACTS = {TEAM: EscalationContacts(supervisor="erin.en-supervisor", head_of_service="hana.head")}


def _rule(name: str, title: str, kind: DeadlineKind, basis: str, period: Period, ladder: Ladder):
    return DeadlineRule(name=name, title=title, kind=kind, basis=basis, period=period, ladder=ladder)


EN_RULES = [
    _rule(
        MNSI_REPORT,
        "MNSI report received",
        DeadlineKind.SERVICE,
        "MNSI aims to finish its investigation in about 6 months (EN reporting from 1 Apr 2022)",
        Period(amount=MNSI_REPORT_MONTHS, unit="months"),
        Ladder(warn_before_seconds=14 * DAY, head_of_service_after_seconds=30 * DAY),
    ),
    _rule(
        FAMILY_DECISION,
        "Family's decision on a legal investigation",
        DeadlineKind.PROTOCOL,
        "EN scheme: 3 months from the letter to decide (births on or after 1 Oct 2023)",
        Period(amount=FAMILY_DECISION_MONTHS, unit="months"),
        Ladder(warn_before_seconds=14 * DAY, head_of_service_after_seconds=7 * DAY),
    ),
    _rule(
        LIABILITY_DECISION,
        "Liability decision",
        DeadlineKind.SERVICE,
        "EN scheme target: a liability decision in about 18 months (second EN report)",
        Period(amount=LIABILITY_DECISION_MONTHS, unit="months"),
        Ladder(warn_before_seconds=60 * DAY, head_of_service_after_seconds=30 * DAY),
    ),
    _rule(
        LEGAL_TEAM_TOLD,
        "Clinical team tells the trust's legal team",
        DeadlineKind.PROTOCOL,
        "EN report form: the clinical team tells the trust's legal team within 14 days of the incident",
        Period(amount=LEGAL_TEAM_TOLD_DAYS, unit="days", end_rule="protocol_flag_only"),
        RECORDED,
    ),
    _rule(
        LEGACY_REPORT,
        "Legal services report to NHS Resolution (births before 1 Apr 2020)",
        DeadlineKind.PROTOCOL,
        "EN report form (the 2017 scheme): legal services report to NHS Resolution within 30 days of "
        "the incident",
        Period(amount=LEGACY_REPORT_DAYS, unit="days", end_rule="protocol_flag_only"),
        RECORDED,
    ),
    _rule(
        MNSI_FIRST_CONTACT,
        "MNSI phones the trust",
        DeadlineKind.SERVICE,
        "MNSI investigation process: MNSI phones the trust within 1 working day of the trust's report",
        Period(amount=MNSI_FIRST_CONTACT_WORKING_DAYS, unit="working_days"),
        RECORDED,
    ),
    _rule(
        MNSI_FAMILY_CONTACT,
        "MNSI contacts the family",
        DeadlineKind.SERVICE,
        "MNSI investigation process: MNSI contacts the family within 5 working days after the "
        "trust's initial duty of candour",
        Period(amount=MNSI_FAMILY_CONTACT_WORKING_DAYS, unit="working_days"),
        Ladder(warn_before_seconds=1 * DAY, head_of_service_after_seconds=2 * DAY),
    ),
]
EN_DEADLINES = publish(
    DeadlinePolicy(
        name="early-notification", version="2026-11", rules={r.name: r for r in EN_RULES}, contacts=CONTACTS
    )
)


class ReportedStep(BaseModel):
    """A step of the reporting before the notification, as its deadline: counted from
    `counted_from`, met on `met_on`."""

    deadline: str
    counted_from: date
    met_on: date


def reporting_chain(notification: Notification, version: str, notified_on: date) -> list[ReportedStep]:
    """The reporting the notification records, each step a deadline the case sets and meets at
    opening, so its book shows each period, its due date and how late it was met: the clinical
    team to the legal team (14 days from the birth), for the pre-2020 scheme legal services to
    NHS Resolution (30 days from the birth, met by this notification), and MNSI's call to the
    trust (1 working day from the trust's report). A step whose date was not given is left out."""
    n, steps = notification, []
    if n.legal_team_told_on is not None:
        steps.append(
            ReportedStep(deadline=LEGAL_TEAM_TOLD, counted_from=n.date_of_birth, met_on=n.legal_team_told_on)
        )
    criteria = next((c for c in CRITERIA_VERSIONS if c.version == version), None)
    if criteria is not None and criteria.trust_reports_to_nhsr:
        steps.append(ReportedStep(deadline=LEGACY_REPORT, counted_from=n.date_of_birth, met_on=notified_on))
    if n.reported_to_mnsi_on is not None and n.mnsi_contacted_trust_on is not None:
        steps.append(
            ReportedStep(
                deadline=MNSI_FIRST_CONTACT,
                counted_from=n.reported_to_mnsi_on,
                met_on=n.mnsi_contacted_trust_on,
            )
        )
    return steps


class EarlyNotificationPolicy(CasePolicy):
    version: str = "en-standard-2026-11"
    # The published object itself, never a copy: every case holds the one instance.
    deadlines: PolicyByReference = Field(default_factory=lambda: EN_DEADLINES)
    # The policy a claim opened from an admission runs under.
    claim_policy: ClaimPolicy = ClaimPolicy()
    # The policy the trust's duty of candour case, opened with this one, runs under.
    candour_policy: DutyOfCandourPolicy = DutyOfCandourPolicy()


# --- stages and what each step carries -----------------------------------------------------


class Stage(StrEnum):
    NOTIFIED = "notified"
    AWAITING_MNSI_REPORT = "awaiting_mnsi_report"
    MRI_TRIAGE = "mri_triage"
    INITIAL_CLINICAL_REVIEW = "initial_clinical_review"
    FAMILY_LETTER_DUE = "family_letter_due"
    AWAITING_FAMILY_DECISION = "awaiting_family_decision"
    LEGAL_INVESTIGATION = "legal_investigation"
    LIABILITY_ADMITTED = "liability_admitted"
    AWAITING_LETTER_OF_CLAIM = "awaiting_letter_of_claim"
    CLAIM_OPEN = "claim_open"  # the claim it led to runs: the case follows it until it closes
    CLOSED = "closed"


class Outcome(StrEnum):
    MRI_CRITERIA_NOT_MET = "mri_criteria_not_met"
    NO_CARE_CONCERN = "no_care_concern"
    FAMILY_DECLINED = "family_declined"
    FAMILY_DECISION_EXPIRED = "family_decision_expired"
    TRADITIONAL_CLAIM = "traditional_claim"
    NO_LIABILITY = "no_liability"
    LIABILITY_ADMITTED = "liability_admitted"


class AcknowledgeNotification(RequestBody):
    sent_on: date


class ReceiveMnsiReport(RequestBody):
    received_on: date


class Review(RequestBody):
    """A reviewer's conclusion at a step (MRI triage, initial clinical review)."""

    reviewed_on: date
    reviewer: ActorId
    reasons: str = Field(min_length=1, max_length=5_000)


class ReviewWithLetters(Review):
    """A review that ends the case: letters go to the trust and the family the same day or later."""

    letters_sent_on: date

    @model_validator(mode="after")
    def _letters_after_review(self) -> ReviewWithLetters:
        if self.letters_sent_on < self.reviewed_on:
            raise broken_rule("dates_out_of_order", "the letters cannot go before the review")
        return self


class SendFamilyLetter(RequestBody):
    sent_on: date


class FamilyDecisionOn(RequestBody):
    decided_on: date


class RecordLetterOfClaim(RequestBody):
    claim_ref: ClaimRef
    received_on: date


class Finding(RequestBody):
    """A legal investigation's finding on breach of duty or on causation."""

    found: bool
    reasons: str = Field(min_length=1, max_length=10_000)
    reviewer: ActorId
    found_on: date


class DecideNoLiability(RequestBody):
    decided_on: date
    reasons: str = Field(min_length=1, max_length=10_000)
    outcome_letter_sent_on: date


class AdmitLiability(RequestBody):
    decided_on: date
    reasons: str = Field(min_length=1, max_length=10_000)


class RecordApology(RequestBody):
    given_on: date
    by: Literal["trust", "nhs_resolution"]
    method: Literal["letter", "meeting", "phone"]


class RecordInterimPayment(RequestBody):
    paid_on: date
    amount: Money = Field(gt=0)
    reference: Reference


class OpenClaim(RequestBody):
    """What the claim opened from an admission needs beyond the EN facts. The claimant's name
    goes to the claim only: the EN ledger records that a name was given, not the name."""

    claimant_name: str = Field(min_length=1, max_length=200)
    protected_party: bool = False
    claimant_firm: ClaimantFirm | None = None
    handler: str | None = Field(
        None, max_length=100, description="the claim's handler; default: the EN owner"
    )


class AssignFamilyLiaison(RequestBody):
    officer: ActorId


class RecordMnsiFamilyContact(RequestBody):
    """MNSI's first contact with the family, as the trust or MNSI reports it."""

    contacted_on: date


ContactMethod = Literal["phone", "video", "in_person", "letter", "email"]


class RecordFamilyContact(RequestBody):
    """One contact with the family. `contact_with` is a relationship (mother, father, family's
    solicitor), never a name."""

    contacted_on: date
    contact_with: str = Field(min_length=1, max_length=100)
    method: ContactMethod
    language_needs: str | None = Field(None, max_length=100, description="e.g. Polish; BSL")
    interpreter_used: bool = False
    agreed: str = Field(min_length=1, max_length=2_000, description="what was agreed")


# --- state ---------------------------------------------------------------------------------


class ReviewRecord(Review):
    met: bool
    by: str  # who recorded it


class FindingRecord(Finding):
    recorded_by: str


class FamilyDecision(BaseModel):
    decision: Literal["consented", "declined", "traditional_claim", "window_expired"]
    on: date


class LiabilityDecision(BaseModel):
    admitted: bool
    decided_on: date
    reasons: str
    decided_by: str


class Letter(BaseModel):
    to: Literal["trust", "family"]
    purpose: str
    sent_on: date


class FamilyContact(RecordFamilyContact):
    recorded_by: str
    recorded_at: datetime


class EarlyNotificationState(CaseState):
    kind: CaseKind = CaseKind.EARLY_NOTIFICATION
    team: str = TEAM
    notification: Notification
    criteria_version: str
    family_consent_required: bool
    notified_on: date
    acknowledged_on: date | None = None
    mnsi_report_received_on: date | None = None
    mri_triage: ReviewRecord | None = None
    initial_review: ReviewRecord | None = None
    family_letter_sent_on: date | None = None
    family_decision: FamilyDecision | None = None
    breach: FindingRecord | None = None
    causation: FindingRecord | None = None
    liability: LiabilityDecision | None = None
    apology: RecordApology | None = None
    interim_payments: list[RecordInterimPayment] = []
    family_liaison_officer: str | None = None
    family_contacts: list[FamilyContact] = []
    candour_ref: str | None = None  # the trust's duty of candour, a case of its own
    letters: list[Letter] = []
    claim_ref: str | None = None
    claim_stage: str | None = None  # as the claim last told it (CaseProgress)
    initial_candour_on: date | None = None  # the family told in person (the candour case says)
    mnsi_family_contact_on: date | None = None

    def event_floor(self) -> EventFloor:
        return EventFloor(self.notification.date_of_birth, "birth")


class EarlyNotificationInput(BaseModel):
    ref: str
    owner: str
    opening: Notification | None = None
    opened_by: ActionMeta | None = None
    parent: CaseLink | None = None
    policy: EarlyNotificationPolicy = EarlyNotificationPolicy()
    carried: CaseCarried[EarlyNotificationState] | None = None


# --- the claim an admission opens, and the register's row -------------------------------


def en_ref_for(mnsi_reference: str) -> str:
    """An EN case's reference follows from the MNSI investigation it notifies, so a second
    notification of the investigation names the same case, whose workflow Temporal will not
    start twice. Letters count whatever their case: a person may type MNSI's reference either way."""
    return derived_ref("EN", "mnsi", mnsi_reference.upper())


def claim_ref_for(en_ref: str) -> str:
    """The claim an EN case opens has a reference derived from the EN's: a retry finds it."""
    return derived_ref("CLM", "early_notification", en_ref)


class ClaimFromEarlyNotification(BaseModel):
    en_ref: str
    claim_ref: str
    opening: ClaimOpening
    opened_by: ActionMeta
    policy: ClaimPolicy
    note: str
    # The EN case's interim payments, which the claim holds among its own from its start.
    interim_payments: list[Payment] = []


class ClaimBackLink(BaseModel):
    """A note on a claim saying which EN case it belongs to (added with the claim's add_note)."""

    en_ref: str
    claim_ref: str
    actor: Actor
    note: str
    relation: str = "opened from this Early Notification case"


class ClaimLinked(BaseModel):
    claim_ref: str
    workflow_id: str
    noted: bool = Field(description="the claim took the back-link note (false if its run has ended)")


def interim_payment(paid: RecordInterimPayment) -> Payment:
    """An EN interim payment as the claim an admission opens records it: interim, to the
    claimant (the family, for the baby's immediate needs), under its own reference."""
    return Payment(
        paid_on=paid.paid_on,
        amount=paid.amount,
        payee="claimant",
        reference=paid.reference,
        kind=PaymentKind.INTERIM,
    )


def days_between(start: date | None, end: date | None) -> int | None:
    return None if start is None or end is None else (end - start).days


class EarlyNotificationRecord(BaseModel):
    """The register's early_notification row: references and figures, never names."""

    ref: str
    workflow_id: str
    mnsi_reference: str
    trust_code: str
    criteria_version: str
    family_consent_required: bool
    stage: str
    outcome: str | None
    notified_on: date
    liability_decided_on: date | None
    liability_admitted: bool | None
    days_to_liability_decision: int | None = Field(description="from the notification")
    days_from_birth_to_liability_decision: int | None
    liability_decision_target_on: date | None
    claim_ref: str | None
    seq: int
