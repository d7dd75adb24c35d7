"""Practitioner Performance Advice (DOMAIN.md 4): advice cases, their interventions and MHPS
exclusions, the payloads of every action on them and the policy they run under.

An advice case, its interventions and its exclusions are confidential: only advisers, advice
supervisors, auditors and admins see them. Nothing here carries a practitioner's name or free
text about their clinical work: the practitioner is their professional register number.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from models.cases import CaseCarried, CaseLink, CasePolicy, CaseState
from models.common import ActionMeta, CaseKind, Reference, RequestBody, Role, broken_rule
from models.deadline_policies import PolicyByReference, publish
from models.deadlines import (
    DeadlineKind,
    DeadlinePolicy,
    DeadlineRule,
    EscalationContacts,
    Ladder,
    Period,
)

ADVICE_TEAM = "advice"
# Who may see an advice case, its interventions and exclusions: in the API, lists and search.
ADVICE_READERS = frozenset({Role.ADVISER, Role.ADVICE_SUPERVISOR, Role.AUDITOR, Role.ADMIN})
ADVISING = frozenset({Role.ADVISER, Role.ADVICE_SUPERVISOR, Role.ADMIN})
ADVICE_SUPERVISING = frozenset({Role.ADVICE_SUPERVISOR, Role.ADMIN})


# --- the referral ---------------------------------------------------------------------------


class Profession(StrEnum):
    DOCTOR = "doctor"
    DENTIST = "dentist"
    PHARMACIST = "pharmacist"


class Regulator(StrEnum):
    GMC = "GMC"
    GDC = "GDC"
    GPHC = "GPhC"


REGULATOR_OF = {
    Profession.DOCTOR: Regulator.GMC,
    Profession.DENTIST: Regulator.GDC,
    Profession.PHARMACIST: Regulator.GPHC,
}


class ConcernType(StrEnum):
    CLINICAL = "clinical"
    BEHAVIOUR = "behaviour"
    HEALTH = "health"
    GOVERNANCE = "governance"


class PractitionerRef(RequestBody):
    """The practitioner as their professional register knows them: never a name."""

    regulator: Regulator
    number: str = Field(pattern=r"^[0-9]{4,8}$", description="e.g. a 7-digit GMC number")

    def __str__(self) -> str:
        return f"{self.regulator.value}:{self.number}"


class Referral(RequestBody):
    """A healthcare organisation's request for advice (only the organisation can ask)."""

    organisation_ods_code: Reference = Field(description="ODS code of the referring organisation")
    practitioner: PractitionerRef
    profession: Profession
    concerns: list[ConcernType] = Field(min_length=1, max_length=4)
    referred_on: date
    team: str = Field(ADVICE_TEAM, max_length=60)

    @model_validator(mode="after")
    def _consistent(self) -> Referral:
        if self.practitioner.regulator is not REGULATOR_OF[self.profession]:
            expected = REGULATOR_OF[self.profession].value
            raise broken_rule("wrong_regulator", f"a {self.profession.value}'s register is the {expected}")
        if len(set(self.concerns)) != len(self.concerns):
            raise broken_rule("concern_repeated", "each concern type once")
        return self


# --- advice case: stages and actions --------------------------------------------------------


class AdviceStage(StrEnum):
    REFERRED = "referred"
    ADVISER_ASSIGNED = "adviser_assigned"
    ADVICE_GIVEN = "advice_given"  # an advice call held: its confirmation letter is due
    FOLLOW_UP_SCHEDULED = "follow_up_scheduled"
    ASSESSMENT_REQUESTED = "assessment_requested"  # waiting on the ICG and both consents
    ASSESSING = "assessing"
    ASSESSMENT_REPORTED = "assessment_reported"
    CLOSURE_AGREED = "closure_agreed"
    CLOSED = "closed"


class AssignAdviser(RequestBody):
    adviser: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._@-]+$")


class HoldAdviceCall(RequestBody):
    held_on: date


class ScheduleFollowUp(RequestBody):
    """The episode's confirmation letter, with the next contact it sets."""

    letter_sent_on: date
    follow_up_on: date


class AgreeClosure(RequestBody):
    """The episode's confirmation letter, recording that the case can close."""

    letter_sent_on: date


class AssessmentType(StrEnum):
    CLINICAL_PERFORMANCE = "clinical_performance"
    BEHAVIOURAL = "behavioural"
    FULL = "full"


class RequestAssessment(RequestBody):
    assessment_type: AssessmentType
    requested_on: date


class IcgDecision(RequestBody):
    decided_on: date


class DeclineAssessment(IcgDecision):
    follow_up_on: date = Field(description="the next advice contact, now the assessment will not run")


class ConsentParty(StrEnum):
    ORGANISATION = "organisation"
    PRACTITIONER = "practitioner"


class RecordConsent(RequestBody):
    party: ConsentParty
    given_on: date


class WithdrawConsent(RequestBody):
    """A party withdraws the consent it gave: the assessment cannot go on, and advice continues
    with the next contact (as when the ICG declines)."""

    party: ConsentParty
    withdrawn_on: date
    follow_up_on: date = Field(description="the next advice contact, now the assessment will not run")


class StartAssessment(RequestBody):
    started_on: date


class IssueAssessmentReport(RequestBody):
    issued_on: date


class InterventionType(StrEnum):
    ASSISTED_MEDIATION = "assisted_mediation"
    TEAM_REVIEW = "team_review"
    PSR_ACTION_PLAN = "psr_action_plan"  # professional support and remediation


class StartIntervention(RequestBody):
    intervention: InterventionType
    agreed_on: date


class ExclusionType(StrEnum):
    IMMEDIATE = "immediate"
    FORMAL = "formal"


class RecordExclusion(RequestBody):
    """The organisation has excluded the practitioner (MHPS Part II); the exclusion runs as its
    own case, a child of this one."""

    exclusion: ExclusionType
    excluded_on: date
    advice_consulted_on: date | None = Field(
        None, description="when the advice service was consulted: required before a formal exclusion"
    )


class CloseAdvice(RequestBody):
    closed_on: date


class AlertIssuer(StrEnum):
    """Who issued the alert notice. In England NHS Resolution runs the HPAN system under the
    Healthcare Professional Alert Notices Directions (amended December 2019); which bodies issue
    Wales's and Northern Ireland's alert letters is unconfirmed."""

    NHS_RESOLUTION = "nhs_resolution"
    WELSH_GOVERNMENT = "welsh_government"
    DEPARTMENT_OF_HEALTH_NI = "department_of_health_ni"


class AlertReason(StrEnum):
    """Why an alert notice was issued: the grounds the HPAN scheme names (NCAS, "Alert notices")."""

    UNSAFE_CLINICAL_PRACTICE = "unsafe_clinical_practice"  # risk of harm from inadequate practice
    INAPPROPRIATE_BEHAVIOUR = "inappropriate_behaviour"
    TEAM_FUNCTION_COMPROMISED = "team_function_compromised"  # conduct compromises a team or service
    BOGUS_PRACTITIONER = "bogus_practitioner"


class IssueAlertNotice(RequestBody):
    """A Healthcare Professional Alert Notice issued about the practitioner: NHS bodies are told
    of a risk of harm while the regulator considers the concerns."""

    issued_on: date
    issuing_body: AlertIssuer
    reason: AlertReason
    review_on: date = Field(
        description="its first review: after it is issued, and no further ahead than the policy's "
        "interval between reviews (hpan_review_due, unconfirmed)"
    )


class ReviewAlertNotice(RequestBody):
    """The notice in force reviewed and kept in force until its next review."""

    reviewed_on: date
    next_review_on: date


class RevokeAlertNotice(RequestBody):
    revoked_on: date
    # Usually once the regulator has restricted the practitioner's practice on an interim basis.
    reason: Literal["regulator_restricted_practice", "risk_no_longer_significant", "issued_in_error"]


# --- advice case: state ---------------------------------------------------------------------


class Episode(BaseModel):
    """One episode of advice: the call, then its confirmation letter and what it agreed."""

    number: int
    call_held_on: date
    letter_sent_on: date | None = None
    follow_up_on: date | None = None
    closure_agreed: bool = False


class Assessment(BaseModel):
    assessment_type: AssessmentType
    requested_on: date
    icg_approved_on: date | None = None
    icg_declined_on: date | None = None
    organisation_consented_on: date | None = None
    practitioner_consented_on: date | None = None
    started_on: date | None = None
    report_issued_on: date | None = None
    consent_withdrawn_by: ConsentParty | None = None  # the assessment ended: advice went on
    consent_withdrawn_on: date | None = None

    def consented_on(self, party: ConsentParty) -> date | None:
        return getattr(self, f"{party.value}_consented_on")

    def missing(self) -> list[str]:
        """What still stands between the request and the assessment starting."""
        gaps = []
        if self.icg_approved_on is None:
            gaps.append("Intervention Consideration Group approval")
        if self.organisation_consented_on is None:
            gaps.append("the organisation's consent")
        if self.practitioner_consented_on is None:
            gaps.append("the practitioner's consent")
        return gaps


class AlertNotice(BaseModel):
    """A Healthcare Professional Alert Notice as the case keeps it: in force until revoked."""

    number: int
    issued_on: date
    issuing_body: AlertIssuer
    reason: AlertReason
    review_on: date | None = Field(description="its next review; none once revoked")
    reviews: list[date] = []
    revoked_on: date | None = None
    revocation_reason: str | None = None

    @property
    def in_force(self) -> bool:
        return self.revoked_on is None


class ChildRecord(BaseModel):
    """An intervention or exclusion started from the case, as the case keeps it."""

    ref: str
    kind: CaseKind
    type: str
    workflow_id: str
    started_on: date
    ended_at: datetime | None = None
    outcome: str | None = None

    @property
    def running(self) -> bool:
        return self.ended_at is None


class AdviceState(CaseState):
    organisation_ods_code: str
    practitioner: PractitionerRef
    profession: Profession
    concerns: list[ConcernType]
    referred_on: date
    adviser: str | None = None
    episodes: list[Episode] = []
    assessments: list[Assessment] = []
    interventions: list[ChildRecord] = []
    exclusions: list[ChildRecord] = []
    alert_notices: list[AlertNotice] = []

    @property
    def assessment(self) -> Assessment | None:
        return self.assessments[-1] if self.assessments else None

    @property
    def alert_notice(self) -> AlertNotice | None:
        """The alert notice in force, if any: one at a time."""
        return next((n for n in self.alert_notices if n.in_force), None)

    def running_children(self) -> list[ChildRecord]:
        return [c for c in self.interventions + self.exclusions if c.running]


class ChildEnded(BaseModel):
    """An intervention or exclusion tells its advice case it has ended."""

    ref: str
    kind: CaseKind
    outcome: str | None
    ended_at: datetime


# --- the policy -----------------------------------------------------------------------------

DAY = 86_400.0
# Periods DOMAIN.md marks unconfirmed, as named values.
CONFIRMATION_LETTER_WORKING_DAYS = 5  # unconfirmed: no published target for the letter
INTERVENTION_REPORT_WEEKS = 4  # unconfirmed: no published target for an intervention's report
ADVICE_RECONSULTATION_PERIODS = 3  # MHPS 2014 update: contact the advice service after 3 periods
BOARD_RETURN_MONTHS = 1  # MHPS Part II para 38: a monthly return while the exclusion runs
# Unconfirmed: NHS Resolution reviews an alert notice "at regular intervals"; this is the longest
# a review date may be set ahead, and the policy keeps it as the hpan_review_due rule's period.
HPAN_REVIEW_MONTHS = 6

ADVICE_CONTACTS = {
    ADVICE_TEAM: EscalationContacts(supervisor="avery.advice-supervisor", head_of_service="hollis.ppa-head")
}


def _rule(
    name: str,
    title: str,
    basis: str,
    period: Period | None,
    warn_days: float,
    hos_days: float,
    kind=DeadlineKind.SERVICE,
):
    return DeadlineRule(
        name=name,
        title=title,
        kind=kind,
        basis=basis,
        # A date entered by the adviser (a follow-up) has no period: a nominal one keeps the
        # rule valid, and the book places the entered date instead.
        period=period or Period(amount=0, unit="days"),
        ladder=Ladder(warn_before_seconds=warn_days * DAY, head_of_service_after_seconds=hos_days * DAY),
    )


ADVICE_RULES = [
    _rule(
        "advice_call_due",
        "First advice call",
        "PPA case services: every case starts with an advice call, usually within a day of first contact",
        Period(amount=1, unit="working_days"),
        0.25,
        1,
    ),
    _rule(
        "confirmation_letter_due",
        "Confirmation letter after an episode of advice",
        "PPA case services: a confirmation letter follows each episode of advice "
        f"(unconfirmed period: {CONFIRMATION_LETTER_WORKING_DAYS} working days)",
        Period(amount=CONFIRMATION_LETTER_WORKING_DAYS, unit="working_days"),
        1,
        3,
    ),
    _rule(
        "follow_up_due",
        "Scheduled follow-up contact",
        "PPA case services: a further contact is scheduled unless closure is agreed (the adviser sets it)",
        None,
        2,
        5,
    ),
    _rule(
        "intervention_report_due",
        "Intervention report",
        f"PPA interventions: report after the intervention (unconfirmed: {INTERVENTION_REPORT_WEEKS} weeks)",
        Period(amount=INTERVENTION_REPORT_WEEKS, unit="weeks"),
        7,
        7,
    ),
    _rule(
        "psr_follow_up_due",
        "Action plan follow-up",
        "PSR action plan: follow-up date agreed in the plan",
        None,
        3,
        7,
    ),
    _rule(
        "hpan_review_due",
        "Review of a Healthcare Professional Alert Notice",
        "HPAN Directions (amended December 2019): NHS Resolution reviews an alert notice at regular "
        f"intervals (unconfirmed: at most {HPAN_REVIEW_MONTHS} months apart); the adviser sets each date",
        Period(amount=HPAN_REVIEW_MONTHS, unit="months"),
        14,
        7,
        DeadlineKind.PROTOCOL,
    ),
    _rule(
        "immediate_exclusion_ends",
        "Immediate exclusion ends",
        "MHPS Part II: an immediate exclusion lasts no more than 2 weeks",
        Period(amount=2, unit="weeks"),
        3,
        1,
        DeadlineKind.PROTOCOL,
    ),
    _rule(
        "exclusion_review_due",
        "Exclusion review before renewal",
        "MHPS Part II: formal exclusion for no more than 4 weeks at a time, reviewed before each renewal; "
        "without a review the practitioner has a right to return to work",
        Period(amount=4, unit="weeks"),
        7,
        1,
        DeadlineKind.PROTOCOL,
    ),
    _rule(
        "advice_reconsultation_due",
        "Advice service contacted after three exclusion periods",
        "MHPS (2014 update): after 3 periods of 4 weeks the advice service must be contacted",
        Period(amount=4, unit="weeks"),
        7,
        2,
        DeadlineKind.PROTOCOL,
    ),
    _rule(
        "board_return_due",
        "Monthly board return on the exclusion",
        "MHPS Part II para 38 (2014 update): while a practitioner is excluded the board's monthly return "
        "goes to the advice service (mandatory for non-foundation trusts); a calendar month from the "
        "exclusion, then from each return",
        Period(amount=BOARD_RETURN_MONTHS, unit="months"),
        5,
        7,
        DeadlineKind.PROTOCOL,
    ),
]

ADVICE_DEADLINES = publish(
    DeadlinePolicy(
        name="advice", version="2026-11", rules={r.name: r for r in ADVICE_RULES}, contacts=ADVICE_CONTACTS
    )
)


class AdvicePolicy(CasePolicy):
    """One policy for an advice case and every intervention and exclusion started from it."""

    version: str = "advice-2026-11"
    # The published object itself, never a copy: every case holds the one instance.
    deadlines: PolicyByReference = Field(default_factory=lambda: ADVICE_DEADLINES)


class AdviceInput(BaseModel):
    ref: str
    owner: str
    opening: Referral | None
    opened_by: ActionMeta | None
    parent: CaseLink | None = None
    policy: AdvicePolicy
    carried: CaseCarried[AdviceState] | None = None


# --- interventions --------------------------------------------------------------------------


class InterventionStage(StrEnum):
    AGREED = "agreed"
    MEDIATOR_APPOINTED = "mediator_appointed"  # assisted mediation
    MEDIATION_HELD = "mediation_held"
    TERMS_AGREED = "terms_agreed"  # team review
    REVIEW_HELD = "review_held"
    PLAN_AGREED = "plan_agreed"  # PSR action plan: follow-ups until every objective is met
    REPORTED = "reported"
    COMPLETED = "completed"
    ABANDONED = "abandoned"


class InterventionOpening(BaseModel):
    intervention: InterventionType
    advice_ref: str
    advice_workflow_id: str
    agreed_on: date
    owner: str
    team: str = ADVICE_TEAM


class AppointMediator(RequestBody):
    mediator: Reference = Field(description="the mediator's reference, not their name")
    appointed_on: date


class HoldMediation(RequestBody):
    held_on: date


class AgreeReviewTerms(RequestBody):
    agreed_on: date


class HoldTeamReview(RequestBody):
    held_on: date


class Objective(RequestBody):
    code: Reference = Field(description="the objective's reference in the plan document")
    follow_up_on: date


class AgreeActionPlan(RequestBody):
    agreed_on: date
    objectives: list[Objective] = Field(min_length=1, max_length=20)


class RecordFollowUp(RequestBody):
    objective: str = Field(min_length=1, max_length=60)
    held_on: date
    met: bool = Field(description="whether the objective is now met")
    next_follow_up_on: date | None = Field(None, description="required while the objective is not met")


class IssueInterventionReport(RequestBody):
    issued_on: date


class CompleteIntervention(RequestBody):
    completed_on: date


class AbandonIntervention(RequestBody):
    abandoned_on: date
    reason: Literal["consent_withdrawn", "practitioner_left", "no_longer_needed"]


class ObjectiveRecord(Objective):
    follow_ups: list[date] = []
    met: bool = False


class InterventionState(CaseState):
    intervention: InterventionType
    advice_ref: str
    agreed_on: date
    mediator: str | None = None
    objectives: list[ObjectiveRecord] = []
    report_issued_on: date | None = None

    def next_follow_up(self) -> ObjectiveRecord | None:
        """The unmet objective whose follow-up comes first: the book's follow-up deadline."""
        return min((o for o in self.objectives if not o.met), key=lambda o: o.follow_up_on, default=None)


class InterventionInput(BaseModel):
    ref: str
    owner: str
    opening: InterventionOpening | None
    opened_by: ActionMeta | None
    parent: CaseLink | None = None
    policy: AdvicePolicy
    carried: CaseCarried[InterventionState] | None = None


# --- MHPS exclusions ------------------------------------------------------------------------


class ExclusionStage(StrEnum):
    IMMEDIATELY_EXCLUDED = "immediately_excluded"
    FORMALLY_EXCLUDED = "formally_excluded"
    RETURNED_TO_WORK = "returned_to_work"
    ENDED = "ended"  # the exclusion ended another way (a hearing, a resignation)


class ExclusionOpening(BaseModel):
    exclusion: ExclusionType
    advice_ref: str
    advice_workflow_id: str
    excluded_on: date
    advice_consulted_on: date | None = None
    owner: str
    team: str = ADVICE_TEAM


class ConsultAdviceService(RequestBody):
    consulted_on: date


class FormallyExclude(RequestBody):
    excluded_on: date


class ReviewExclusion(RequestBody):
    reviewed_on: date


class RenewExclusion(RequestBody):
    renewed_on: date


class ReturnToWork(RequestBody):
    returned_on: date


class EndExclusion(RequestBody):
    ended_on: date
    reason: Literal["disciplinary_hearing", "resignation", "other_process"]


class RecordBoardReturn(RequestBody):
    """The board's monthly return on the exclusion (MHPS Part II para 38), as the advice service
    received it."""

    received_on: date
    summary: str = Field(
        min_length=1,
        max_length=500,
        description="what the return reports, in brief (no names, no clinical detail)",
    )


class BoardReturn(BaseModel):
    number: int
    received_on: date
    summary: str


class ExclusionPeriod(BaseModel):
    number: int
    started_on: date
    reviewed_on: date | None = None
    consulted_on: date | None = None  # the advice service consulted during this period


class ExclusionState(CaseState):
    exclusion: ExclusionType
    advice_ref: str
    excluded_on: date
    consultations: list[date] = []
    periods: list[ExclusionPeriod] = []  # formal exclusion periods of up to 4 weeks
    right_to_return: bool = False
    right_to_return_reason: str | None = None
    missed: list[str] = []  # the missed deadline revisions already flagged
    returned_on: date | None = None
    board_returns: list[BoardReturn] = []

    @property
    def last_board_return(self) -> BoardReturn | None:
        return self.board_returns[-1] if self.board_returns else None

    @property
    def period(self) -> ExclusionPeriod | None:
        return self.periods[-1] if self.periods else None


class ExclusionInput(BaseModel):
    ref: str
    owner: str
    opening: ExclusionOpening | None
    opened_by: ActionMeta | None
    parent: CaseLink | None = None
    policy: AdvicePolicy
    carried: CaseCarried[ExclusionState] | None = None
