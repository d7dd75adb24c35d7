"""Litigation of a claim under the CPR timetable: what each step carries and the route's state.

The claimant issues and serves; the trust (through NHS Resolution) acknowledges service and
defends; the court sets the rest by notice and order. Dates the CPR fixes are computed by the
calendar (claim form service CPR 7.5, particulars CPR 7.4, acknowledgment CPR 10.3, defence
CPR 15.4(1)(a) and (b)); dates the court sets are entered from its notice or order, an extension
of time for service of the claim form among them (CPR 7.6) (DOMAIN.md 1c).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from models.cases import CaseCarried, CaseLink, CasePolicy
from models.common import ActionMeta, RequestBody, broken_rule
from models.routes import RouteOpening, RouteState, SettlementTerms


class LitigationStage(StrEnum):
    ISSUED = "issued"
    CLAIM_FORM_SERVED = "claim_form_served"
    PARTICULARS_SERVED = "particulars_served"
    ACKNOWLEDGED = "acknowledged"
    DEFENCE_FILED = "defence_filed"
    DIRECTIONS_QUESTIONNAIRE_DUE = "directions_questionnaire_due"
    DIRECTIONS_QUESTIONNAIRE_FILED = "directions_questionnaire_filed"
    CMC_LISTED = "cmc_listed"
    DIRECTIONS_GIVEN = "directions_given"
    TRIAL_LISTED = "trial_listed"
    TRIAL_HELD = "trial_held"  # judgment reserved
    DEFAULT_JUDGMENT = "default_judgment"  # CPR 12: liability by default, damages still to decide
    SETTLED = "settled"
    DISCONTINUED = "discontinued"
    STRUCK_OUT = "struck_out"
    JUDGMENT_FOR_CLAIMANT = "judgment_for_claimant"
    JUDGMENT_FOR_DEFENDANT = "judgment_for_defendant"


class ServiceMethod(StrEnum):
    """CPR 6.3 methods; which one decides the deemed day of service of a document (CPR 6.26)."""

    FIRST_CLASS_POST = "first_class_post"
    DOCUMENT_EXCHANGE = "document_exchange"
    PERSONAL = "personal"
    EMAIL = "email"
    FAX = "fax"
    LEAVING_AT_ADDRESS = "leaving_at_address"


class CourtDate(StrEnum):
    """Dates a court order can set or move: each is a deadline of that name in the book."""

    CLAIM_FORM_SERVICE = "claim_form_service_due"  # CPR 7.6: the court extends time for service
    DEFENCE = "defence_due"  # an extension beyond the 28 days the parties may agree (CPR 15.5)
    DIRECTIONS_QUESTIONNAIRE = "directions_questionnaire_due"
    CASE_MANAGEMENT_CONFERENCE = "case_management_conference"
    DISCLOSURE = "disclosure_due"
    WITNESS_STATEMENTS = "witness_statements_due"
    EXPERT_REPORTS = "expert_reports_due"
    EXPERTS_JOINT_STATEMENT = "experts_joint_statement_due"
    PRE_TRIAL_REVIEW = "pre_trial_review"
    TRIAL_WINDOW = "trial_window_opens"
    TRIAL = "trial"


class LitigationOpening(RouteOpening):
    issued_on: date
    court: str
    claim_number: str
    reason: str = ""


# --- the steps' payloads ---------------------------------------------------------------


class ServeClaimForm(RequestBody):
    """The CPR 7.5 step (posting, delivering, emailing...) taken by the claimant."""

    step_taken_on: date
    method: ServiceMethod


class NoticeToServe(RequestBody):
    """CPR 7.7: our notice requiring the claimant to serve the claim form (or discontinue) by a
    date at least 14 days after the notice is served."""

    served_on: date
    serve_by: date

    @model_validator(mode="after")
    def _at_least_fourteen_days(self) -> NoticeToServe:
        if (self.serve_by - self.served_on).days < 14:
            raise broken_rule(
                "notice_too_short", "CPR 7.7(2): serve_by must be at least 14 days after the notice is served"
            )
        return self


class ServeParticulars(RequestBody):
    """Particulars served after the claim form (CPR 7.4): deemed served under CPR 6.26."""

    # Aware, as every instant a request reports: the cut-off is 4.30pm London time.
    sent_at: AwareDatetime = Field(description="when posted, delivered or sent; the 4.30pm cut-off applies")
    method: ServiceMethod


class FileAcknowledgment(RequestBody):
    filed_on: date
    intention: Literal["defend_all", "defend_part", "contest_jurisdiction"] = "defend_all"


class FileDefence(RequestBody):
    filed_on: date
    liability: Literal["denied", "admitted_in_part", "admitted"] = "denied"


class AllocationNotice(RequestBody):
    """The court's notice of proposed allocation (CPR 26.3): the questionnaire date is its own."""

    served_on: date
    questionnaire_due_on: date
    proposed_track: Literal["small_claims", "fast", "intermediate", "multi"] = "multi"


class FileQuestionnaire(RequestBody):
    filed_on: date


class ListConference(RequestBody):
    listed_for: date
    notified_on: date


class DirectionsOrder(RequestBody):
    """The order at the first CMC (Masters' Model Directions for Clinical Negligence Cases)."""

    made_on: date
    disclosure_on: date
    witness_statements_on: date
    expert_reports_on: date
    experts_joint_statement_on: date
    pre_trial_review_on: date
    trial_window_from: date
    trial_window_to: date
    track: Literal["fast", "intermediate", "multi"] = "multi"

    @model_validator(mode="after")
    def _window(self) -> DirectionsOrder:
        if self.trial_window_to < self.trial_window_from:
            raise broken_rule("dates_out_of_order", "the trial window must end on or after it opens")
        return self


class CourtOrder(RequestBody):
    """A later order setting or moving named dates (an extension, a new timetable, a trial date)."""

    made_on: date
    dates: dict[CourtDate, date] = Field(min_length=1)
    description: str = Field(min_length=1, max_length=2_000)


class ComplyWithDirection(RequestBody):
    """A direction a party complies with (the other court dates are hearings the court holds)."""

    direction: Literal[
        "disclosure_due",
        "witness_statements_due",
        "expert_reports_due",
        "experts_joint_statement_due",
        "pre_trial_review",
    ]
    complied_on: date


class ListTrial(RequestBody):
    trial_on: date
    notified_on: date


class ReceiveExpertsAgenda(RequestBody):
    """The claimant's draft agenda for the experts' discussion, served on us (Model Directions for
    Clinical Negligence Cases): we agree it or propose amendments within 21 days."""

    received_on: date
    discipline: str = Field(min_length=1, max_length=100, description="whose experts will discuss it")


class RespondToExpertsAgenda(RequestBody):
    """Our answer to the draft agenda: agreed as drafted, or amendments proposed, after which the
    parties have 7 days to agree it (Model Directions)."""

    sent_on: date
    amendments_proposed: bool


class AgreeExpertsAgenda(RequestBody):
    agreed_on: date


class TrialHeld(RequestBody):
    held_on: date
    notes: str = Field("", max_length=5_000)


class JudgmentForClaimant(RequestBody):
    """Damages awarded: the award is recorded as the claim's settlement terms (agreed_on is the
    date of judgment), and payment follows on the claim."""

    given_on: date
    award: SettlementTerms
    notes: str = Field("", max_length=5_000)

    @model_validator(mode="after")
    def _award_dated(self) -> JudgmentForClaimant:
        if self.award.agreed_on != self.given_on:
            raise broken_rule("award_not_judgment_date", "the award's agreed_on is the date of judgment")
        return self


class JudgmentForDefendant(RequestBody):
    given_on: date
    notes: str = Field("", max_length=5_000)


class ConsentOrder(RequestBody):
    """Settled: a consent (Tomlin) order records the terms; a child's settlement still needs
    the court's approval (CPR 21.10), which the claim sees to."""

    sealed_on: date
    settlement: SettlementTerms


class DefaultJudgment(RequestBody):
    """CPR 12: the claimant obtained judgment because no acknowledgment of service (CPR 12.3(1))
    or no defence (12.3(2)) was filed in time. Damages are still to be decided by the court."""

    entered_on: date
    notes: str = Field("", max_length=5_000)


class SetAsideDefaultJudgment(RequestBody):
    """CPR 13: the court set the default judgment aside; its order gives the date by which the
    defence must now be filed."""

    set_aside_on: date
    defence_due_on: date
    reason: str = Field(min_length=1, max_length=2_000)

    @model_validator(mode="after")
    def _defence_after_order(self) -> SetAsideDefaultJudgment:
        if self.defence_due_on < self.set_aside_on:
            raise broken_rule(
                "dates_out_of_order", "defence_due_on cannot be before the order setting the judgment aside"
            )
        return self


class Discontinuance(RequestBody):
    """CPR 38: the claimant serves a notice of discontinuance."""

    served_on: date
    reason: str = Field(min_length=1, max_length=2_000)


class StrikeOut(RequestBody):
    struck_out_on: date
    reason: str = Field(min_length=1, max_length=2_000)


class StayProceedings(RequestBody):
    """A stay (e.g. for ADR, CPR 3.1(2)(f) / 26.5): the claim may then try ADR meanwhile."""

    stayed_on: date
    reason: str = Field(min_length=1, max_length=2_000)
    until: date | None = Field(None, description="the date the stay ends, if the order gives one")


class LiftStay(RequestBody):
    lifted_on: date
    reason: str = Field(min_length=1, max_length=2_000)


# --- the route's state -------------------------------------------------------------------


class CourtOrderRecord(BaseModel):
    made_on: date
    dates: dict[str, date]
    description: str


class StayRecord(BaseModel):
    stayed_on: date
    reason: str
    until: date | None = None
    lifted_on: date | None = None
    lift_reason: str | None = None


class ExpertsAgenda(BaseModel):
    """One agenda for an experts' discussion, from the claimant's draft to its agreement."""

    discipline: str
    received_on: date
    responded_on: date | None = None
    amendments_proposed: bool | None = None
    agreed_on: date | None = None


class LitigationDetails(BaseModel):
    issued_on: date
    court: str
    claim_number: str
    claim_form_served_by: ServiceMethod | None = None
    claim_form_step_taken_on: date | None = None
    claim_form_deemed_served_on: date | None = Field(None, description="CPR 6.14")
    notice_to_serve_on: date | None = Field(None, description="our CPR 7.7 notice, served on")
    service_required_by: date | None = Field(None, description="the date our CPR 7.7 notice gives")
    particulars_served_by: ServiceMethod | None = None
    particulars_deemed_served_on: date | None = Field(None, description="CPR 6.26, or with the claim form")
    acknowledged_on: date | None = None
    defence_filed_on: date | None = None
    liability: str | None = None
    proposed_track: str | None = None
    track: str | None = None
    questionnaire_filed_on: date | None = None
    cmc_on: date | None = None
    directions_made_on: date | None = None
    trial_window_from: date | None = None
    trial_window_to: date | None = None
    trial_on: date | None = None
    trial_held_on: date | None = None
    judgment_on: date | None = None
    default_judgment_on: date | None = None
    default_judgment_set_aside_on: date | None = None
    complied: dict[str, date] = {}
    experts_agendas: list[ExpertsAgenda] = []  # the latest is the one in hand
    orders: list[CourtOrderRecord] = []
    stays: list[StayRecord] = []


class LitigationState(RouteState):
    litigation: LitigationDetails


class LitigationInput(BaseModel):
    ref: str
    owner: str
    opening: LitigationOpening | None = None
    opened_by: ActionMeta | None = None
    parent: CaseLink | None = None
    policy: CasePolicy = CasePolicy()
    carried: CaseCarried[LitigationState] | None = None


# --- deemed service, computed by an activity (activities/court_service.py) ---------------


class DeemedServiceRequest(BaseModel):
    document: Literal["claim_form", "other"]
    method: ServiceMethod
    step_taken_on: date | None = Field(None, description="claim form: the CPR 7.5 step")
    sent_at: datetime | None = Field(None, description="other documents: when sent (CPR 6.26)")

    @model_validator(mode="after")
    def _one_time(self) -> DeemedServiceRequest:
        if (self.step_taken_on is None) == (self.sent_at is None):
            raise ValueError("give step_taken_on for a claim form, sent_at for another document")
        return self


class DeemedService(BaseModel):
    deemed_served_on: date
    basis: str
