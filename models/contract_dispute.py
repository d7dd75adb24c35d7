"""Primary care contract disputes (DOMAIN.md 5): a GP, dental or pharmacy contract dispute
referred to NHS Resolution's Primary Care Appeals for determination, what the referral and each
step carry, the case's state and its deadline policy.

The referral comes after local resolution has been tried, and within 3 years of the matter (GMS
(Wales) Regs 2004 Sch 6 para 99). Within 7 days of it the adjudicator asks the parties for
written representations within a period it sets; representations are copied to the other party
for observations, again within a period the adjudicator sets; a hearing or an expert's advice
may follow; then a written determination, which a GMS contractor may take to judicial review.

Parties are organisations, named by their ODS codes: nothing here that reaches logs, search
attributes or the register's facts carries a person's name.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from models.cases import CaseCarried, CasePolicy, CaseState
from models.common import ActionMeta, CaseKind, EventFloor, Reference, RequestBody, broken_rule
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


# --- the referral --------------------------------------------------------------------------


class ContractType(StrEnum):
    GMS = "gms"  # General Medical Services contract
    PMS = "pms"  # Personal Medical Services agreement
    APMS = "apms"  # Alternative Provider Medical Services contract
    GDS = "gds"  # General Dental Services contract
    PDS = "pds"  # Personal Dental Services agreement
    PHARMACY = "pharmacy"  # community pharmacy terms of service


class DisputeSubject(StrEnum):
    """What the dispute is about, as Primary Care Appeals groups its work."""

    PAYMENT = "payment"  # including GP premises rent
    SUSPENSION_PAYMENT = "suspension_payment"
    BREACH_NOTICE = "breach_notice"
    REMEDIAL_NOTICE = "remedial_notice"
    VARIATION = "variation"
    TERMINATION = "termination"
    OTHER = "other"


Party = Literal["contractor", "commissioner"]


class LocalResolution(RequestBody):
    """The evidence that local resolution was tried first (the contract's local dispute
    resolution term; BDA guidance): when, and the documents that show it."""

    attempted_from: date
    ended_on: date
    evidence: list[Reference] = Field(
        min_length=1, max_length=20, description="references of the letters, minutes or notes that show it"
    )
    summary: str = Field(min_length=1, max_length=2_000, description="what was tried and why it failed")

    @model_validator(mode="after")
    def _in_order(self) -> LocalResolution:
        if self.ended_on < self.attempted_from:
            raise broken_rule("dates_out_of_order", "local resolution ended before it began")
        return self


class Referral(RequestBody):
    """A party's referral of the dispute for determination: the case's opening."""

    contract_type: ContractType
    subject: DisputeSubject
    contractor_ods_code: Reference = Field(
        description="ODS code of the practice, dental practice or pharmacy"
    )
    commissioner_ods_code: Reference = Field(description="ODS code of the commissioner (ICB, NHS England)")
    referred_by: Party
    referred_on: date = Field(description="when the referral reached NHS Resolution")
    matter_arose_on: date = Field(description="when the matter giving rise to the dispute happened")
    matter_noticed_on: date | None = Field(
        None,
        description="when it should reasonably have come to the referring party's attention, if later",
    )
    local_resolution: LocalResolution
    handler: str | None = Field(None, max_length=100, description="handler's actor id; default: you")

    @model_validator(mode="after")
    def _in_order(self) -> Referral:
        if self.matter_noticed_on is not None and self.matter_noticed_on < self.matter_arose_on:
            raise broken_rule("dates_out_of_order", "the matter cannot be noticed before it arose")
        if self.local_resolution.ended_on > self.referred_on:
            raise broken_rule("local_resolution_not_ended", "local resolution must end before the referral")
        if self.referred_on < self.matter_arose_on:
            raise broken_rule("dates_out_of_order", "the referral is before the matter arose")
        return self


def limit_runs_from(referral: Referral) -> date:
    """The day the 3 years run from: when the matter happened or, where later, when it should
    reasonably have come to the referring party's attention (para 99 names both; as with a date
    of knowledge, we read the later one as governing)."""
    return max(referral.matter_arose_on, referral.matter_noticed_on or referral.matter_arose_on)


def referred_too_late(referral: Referral, due_on: date) -> bool:
    """A referral after the last day of the 3 years is out of time (no discretion is given)."""
    return referral.referred_on > due_on


# --- the deadline policy -----------------------------------------------------------------

DAY = 86_400.0
REFERRAL = "dispute_referral_due"
REPRESENTATIONS_REQUEST = "representations_request_due"
REPRESENTATIONS = "representations_due"
OBSERVATIONS = "observations_due"
HEARING = "dispute_hearing"
EXPERT_ADVICE = "expert_advice_due"

REFERRAL_LIMIT_YEARS = 3  # GMS (Wales) Regs 2004 Sch 6 para 99
REPRESENTATIONS_REQUEST_DAYS = 7  # NHSLA directions; para 99 likewise
# NHSLA directions for GPSoC disputes: representations, then observations, each within 2 to 4
# weeks. DOMAIN.md has them as typical for contract disputes, not confirmed for each contract's
# regulations: the range is a policy value (ContractDisputePolicy), the default its longest.
SUBMISSION_DEFAULT_DAYS = 28

CONTACTS = {TEAM: EscalationContacts(supervisor="pat.pca-supervisor", head_of_service="hana.head")}


def _rule(name: str, title: str, kind: DeadlineKind, basis: str, period: Period, ladder: Ladder):
    return DeadlineRule(name=name, title=title, kind=kind, basis=basis, period=period, ladder=ladder)


def _entered(name: str, title: str, basis: str, warn_days: float) -> DeadlineRule:
    """A date the adjudicator fixes and the handler enters (a hearing, an expert's report)."""
    ladder = Ladder(warn_before_seconds=warn_days * DAY, head_of_service_after_seconds=2 * DAY)
    return _rule(name, title, DeadlineKind.PROTOCOL, basis, Period(amount=0, unit="days"), ladder)


CONTRACT_DISPUTE_RULES = [
    # Set at the referral and met by it: the book shows the date the referral was due.
    _rule(
        REFERRAL,
        "Referral for dispute resolution",
        DeadlineKind.STATUTORY,
        "GMS (Wales) Regs 2004 Sch 6 para 99(4),(6): within 3 years of the matter arising or coming "
        "to attention (English GMS 2015 equivalent unconfirmed)",
        Period(amount=REFERRAL_LIMIT_YEARS, unit="years"),
        Ladder(warn_before_seconds=30 * DAY, head_of_service_after_seconds=0),
    ),
    _rule(
        REPRESENTATIONS_REQUEST,
        "Written request to the parties for representations",
        DeadlineKind.STATUTORY,
        "NHSLA directions (GPSoC disputes); GMS (Wales) Regs 2004 Sch 6 para 99(6): within 7 days of "
        "the referral",
        Period(amount=REPRESENTATIONS_REQUEST_DAYS, unit="days"),
        Ladder(warn_before_seconds=2 * DAY, head_of_service_after_seconds=2 * DAY),
    ),
    _rule(
        REPRESENTATIONS,
        "Parties' written representations",
        DeadlineKind.PROTOCOL,
        "NHSLA directions (GPSoC disputes): within the period the adjudicator sets, 2 to 4 weeks "
        "(unconfirmed for other contracts)",
        Period(amount=SUBMISSION_DEFAULT_DAYS, unit="days"),
        Ladder(warn_before_seconds=3 * DAY, head_of_service_after_seconds=7 * DAY),
    ),
    _rule(
        OBSERVATIONS,
        "Observations on the other party's representations",
        DeadlineKind.PROTOCOL,
        "NHSLA directions (GPSoC disputes): within the period the adjudicator sets, 2 to 4 weeks "
        "(unconfirmed for other contracts)",
        Period(amount=SUBMISSION_DEFAULT_DAYS, unit="days"),
        Ladder(warn_before_seconds=3 * DAY, head_of_service_after_seconds=7 * DAY),
    ),
    _entered(
        HEARING, "Dispute hearing", "NHSLA directions: an oral hearing where the adjudicator holds one", 7
    ),
    _entered(
        EXPERT_ADVICE,
        "Expert's advice to the adjudicator",
        "NHSLA directions: expert input where the adjudicator seeks it; the date it sets",
        3,
    ),
]
CONTRACT_DISPUTE_DEADLINES = publish(
    DeadlinePolicy(
        name="contract-dispute",
        version="2026-11",
        rules={r.name: r for r in CONTRACT_DISPUTE_RULES},
        contacts=CONTACTS,
    )
)


class DayRange(BaseModel):
    """The shortest and longest period, in days, the adjudicator may set for a submission."""

    shortest: int = Field(ge=1)
    longest: int = Field(ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> DayRange:
        if self.longest < self.shortest:
            raise ValueError("the longest period is shorter than the shortest")
        return self

    def refusal(self, what: str, days: int) -> tuple[str, str] | None:
        if self.shortest <= days <= self.longest:
            return None
        return (
            "period_out_of_range",
            f"the {what} period must be {self.shortest} to {self.longest} days; {days} days given",
        )


TWO_TO_FOUR_WEEKS = DayRange(shortest=14, longest=28)  # NHSLA directions (unconfirmed beyond GPSoC)


class ContractDisputePolicy(CasePolicy):
    version: str = "contract-dispute-2026-11"
    # The published object itself, never a copy: every case holds the one instance.
    deadlines: PolicyByReference = Field(default_factory=lambda: CONTRACT_DISPUTE_DEADLINES)
    representations_days: DayRange = TWO_TO_FOUR_WEEKS
    observations_days: DayRange = TWO_TO_FOUR_WEEKS


# --- stages and what each step carries -----------------------------------------------------


class Stage(StrEnum):
    REFERRED = "referred"
    ACKNOWLEDGED = "acknowledged"
    REPRESENTATIONS_REQUESTED = "representations_requested"
    REPRESENTATIONS_RECEIVED = "representations_received"
    OBSERVATIONS_REQUESTED = "observations_requested"
    UNDER_CONSIDERATION = "under_consideration"
    HEARING_ARRANGED = "hearing_arranged"
    EXPERT_INSTRUCTED = "expert_instructed"
    DETERMINED = "determined"
    JUDICIAL_REVIEW = "judicial_review"
    CLOSED = "closed"


class Outcome(StrEnum):
    DETERMINED = "determined"  # determined, no judicial review
    DETERMINATION_STANDS = "determination_stands"  # judicial review dismissed or withdrawn
    WITHDRAWN = "withdrawn"


class AcknowledgeReferral(RequestBody):
    sent_on: date


class RequestSubmissions(RequestBody):
    """The adjudicator's written request to the parties, with the period it sets."""

    requested_on: date
    period_days: int = Field(ge=1, le=366, description="the period the adjudicator sets (2 to 4 weeks)")


class RecordSubmissions(RequestBody):
    """Representations or observations received, and from whom."""

    received_on: date
    parties: list[Party] = Field(min_length=1, max_length=2)

    @model_validator(mode="after")
    def _each_once(self) -> RecordSubmissions:
        if len(set(self.parties)) != len(self.parties):
            raise broken_rule("party_repeated", "each party once")
        return self


class ProceedWithout(RequestBody):
    """The period passed without the submission: the adjudicator goes on without it."""

    decided_on: date
    reason: str = Field(min_length=1, max_length=2_000)


class ArrangeHearing(RequestBody):
    arranged_on: date
    hearing_on: date

    @model_validator(mode="after")
    def _in_order(self) -> ArrangeHearing:
        if self.hearing_on < self.arranged_on:
            raise broken_rule("dates_out_of_order", "the hearing cannot be before it was arranged")
        return self


class RecordHearing(RequestBody):
    held_on: date


class InstructExpert(RequestBody):
    instructed_on: date
    discipline: str = Field(min_length=1, max_length=200, description="e.g. valuer; pharmacy contract expert")
    advice_due_on: date

    @model_validator(mode="after")
    def _in_order(self) -> InstructExpert:
        if self.advice_due_on < self.instructed_on:
            raise broken_rule("dates_out_of_order", "the advice cannot be due before the instruction")
        return self


class ReceiveExpertAdvice(RequestBody):
    received_on: date


class DeterminationResult(StrEnum):
    """The result for the referring party."""

    UPHELD = "upheld"
    PARTLY_UPHELD = "partly_upheld"
    NOT_UPHELD = "not_upheld"


class IssueDetermination(RequestBody):
    """The written notice of determination, with reasons, sent to both parties."""

    determined_on: date
    result: DeterminationResult
    reasons: str = Field(min_length=1, max_length=20_000)
    notice_sent_on: date

    @model_validator(mode="after")
    def _in_order(self) -> IssueDetermination:
        if self.notice_sent_on < self.determined_on:
            raise broken_rule("dates_out_of_order", "the notice cannot go before the determination")
        return self


class FlagJudicialReview(RequestBody):
    """A party has brought (or threatened) a claim for judicial review of the determination."""

    flagged_on: date
    sought_by: Party
    claim_number: Reference | None = Field(None, description="the Administrative Court's, once issued")


class JudicialReviewResult(StrEnum):
    DISMISSED = "dismissed"
    WITHDRAWN = "withdrawn"
    QUASHED = "quashed"  # the determination is made again


class RecordJudicialReviewOutcome(RequestBody):
    decided_on: date
    result: JudicialReviewResult


class CloseDispute(RequestBody):
    closed_on: date


class WithdrawReferral(RequestBody):
    withdrawn_on: date
    withdrawn_by: Party
    reason: str = Field(min_length=1, max_length=2_000)


# --- state ---------------------------------------------------------------------------------


class Submissions(BaseModel):
    """One round of submissions (representations or observations): asked, given, or gone without."""

    requested_on: date
    period_days: int
    received_on: date | None = None
    parties: list[Party] = []
    proceeded_without: str | None = None


class Hearing(BaseModel):
    arranged_on: date
    hearing_on: date
    held_on: date | None = None


class ExpertAdvice(BaseModel):
    instructed_on: date
    discipline: str
    advice_due_on: date
    received_on: date | None = None


class Determination(BaseModel):
    determined_on: date
    result: DeterminationResult
    reasons: str
    notice_sent_on: date
    determined_by: str


class JudicialReview(BaseModel):
    flagged_on: date
    sought_by: Party
    claim_number: str | None = None
    decided_on: date | None = None
    result: JudicialReviewResult | None = None


class ContractDisputeState(CaseState):
    kind: CaseKind = CaseKind.CONTRACT_DISPUTE
    team: str = TEAM
    referral: Referral
    acknowledged_on: date | None = None
    representations: Submissions | None = None
    observations: Submissions | None = None
    hearings: list[Hearing] = []
    expert_advice: list[ExpertAdvice] = []
    # Latest last: a determination quashed on judicial review is made again.
    determinations: list[Determination] = []
    judicial_reviews: list[JudicialReview] = []
    withdrawn: WithdrawReferral | None = None

    @property
    def determination(self) -> Determination | None:
        return self.determinations[-1] if self.determinations else None

    @property
    def judicial_review(self) -> JudicialReview | None:
        return self.judicial_reviews[-1] if self.judicial_reviews else None

    def event_floor(self) -> EventFloor:
        return EventFloor(self.referral.referred_on, "referral")


class ContractDisputeInput(BaseModel):
    ref: str
    owner: str
    opening: Referral | None = None
    opened_by: ActionMeta | None = None
    policy: ContractDisputePolicy = ContractDisputePolicy()
    carried: CaseCarried[ContractDisputeState] | None = None
