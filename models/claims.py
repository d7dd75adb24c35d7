"""The claim: what is opened, what each handler action carries, and the claim's state."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, Field, field_validator, model_validator

from models.cases import (  # the actions every kind has, the claim among them
    CaseCarried,
    CaseLink,
    CasePolicy,
    CaseProjection,
    CaseState,
)
from models.coding import Coding
from models.common import (
    ActionMeta,
    CaseKind,
    EventFloor,
    Money,
    OdsCode,
    Reference,
    RequestBody,
    age_on,
    broken_rule,
    case_workflow_id,
)
from models.disclosure import age_band
from models.litigation import ServiceMethod
from models.routes import RouteRecord


def claim_workflow_id(ref: str) -> str:
    return case_workflow_id(CaseKind.CLAIM, ref)


class Scheme(StrEnum):
    """NHS Resolution indemnity schemes (DOMAIN.md 2d)."""

    CNST = "CNST"
    CNSGP = "CNSGP"
    ELSGP = "ELSGP"
    CNSC = "CNSC"
    DHSC_CLINICAL = "DHSC_CLINICAL"
    ELS = "ELS"
    EX_RHAS = "EX_RHAS"
    LTPS = "LTPS"
    PES = "PES"
    DHSC_NON_CLINICAL = "DHSC_NON_CLINICAL"


class ClaimStage(StrEnum):
    NOTIFIED = "notified"
    LETTER_OF_NOTIFICATION_RECEIVED = "letter_of_notification_received"
    LETTER_OF_NOTIFICATION_ACKNOWLEDGED = "letter_of_notification_acknowledged"
    LETTER_OF_CLAIM_RECEIVED = "letter_of_claim_received"
    LETTER_OF_CLAIM_ACKNOWLEDGED = "letter_of_claim_acknowledged"
    INVESTIGATING = "investigating"
    LETTER_OF_RESPONSE_SENT = "letter_of_response_sent"
    NEGOTIATING = "negotiating"
    # A resolution route is running (models/routes.py); ADR during stayed litigation stays in_litigation.
    IN_MEDIATION = "in_mediation"
    IN_EARLY_NEUTRAL_EVALUATION = "in_early_neutral_evaluation"
    IN_RESOLUTION_SUMMIT = "in_resolution_summit"
    IN_LITIGATION = "in_litigation"
    PROCEEDINGS_CONCLUDED = "proceedings_concluded"  # discontinued, struck out or lost: to be closed
    OFFER_ACCEPTED = "offer_accepted"
    AWAITING_APPROVAL = "awaiting_approval"  # a child's or protected party's settlement (CPR 21.10)
    SETTLED = "settled"
    PAID = "paid"
    CLOSED = "closed"


class ClosureOutcome(StrEnum):
    SETTLED_WITH_DAMAGES = "settled_with_damages"
    CLOSED_WITHOUT_PAYMENT = "closed_without_payment"
    WITHDRAWN = "withdrawn"
    DISCONTINUED = "discontinued"
    STRUCK_OUT = "struck_out"
    JUDGMENT = "judgment"


class Defendant(RequestBody):
    kind: Literal["trust", "gp_practice"]
    code: OdsCode = Field(description="ODS code of the trust or practice, e.g. RX1")
    name: str = Field(min_length=1, max_length=200)


class Claimant(RequestBody):
    name: str = Field(min_length=1, max_length=200)
    date_of_birth: date
    protected_party: bool = Field(False, description="lacks capacity to conduct proceedings")


class ClaimantFirm(RequestBody):
    firm_id: Reference = Field(description="the firm's reference, e.g. its SRA number")
    name: str = Field(min_length=1, max_length=200)


class Death(RequestBody):
    """The injured person's death. The estate's claim then runs from it (Limitation Act 1980
    s.11(5)), and a claim for the dependants under the Fatal Accidents Act 1976 has its own
    limitation (s.12)."""

    died_on: date
    personal_representative_knowledge: date | None = Field(
        None, description="LA 1980 s.11(5)(b): when a personal representative first knew, if later"
    )
    fatal_accidents_claim: bool = Field(
        False, description="the dependants claim under the Fatal Accidents Act 1976 (LA 1980 s.12)"
    )
    dependants_knowledge: date | None = Field(
        None, description="LA 1980 s.12(2)(b), s.13: the earliest date a dependant knew, if later"
    )

    @model_validator(mode="after")
    def _dependants_claim(self) -> Death:
        if self.dependants_knowledge is not None and not self.fatal_accidents_claim:
            raise broken_rule(
                "no_dependants_claim", "a dependant's date of knowledge needs a Fatal Accidents Act claim"
            )
        return self


class ClaimOpening(RequestBody):
    scheme: Scheme
    defendant: Defendant
    specialty: str = Field(min_length=1, max_length=100)
    incident_date: date
    date_of_knowledge: date | None = None
    claimant: Claimant
    claimant_firm: ClaimantFirm | None = Field(None, description="None for a litigant in person")
    allegations: str = Field(min_length=1, max_length=10_000)
    handler: str = Field(min_length=1, max_length=100, description="actor id of the handler")
    team: str = Field("claims", min_length=1, max_length=60, description="whose supervisors are told")
    death: Death | None = Field(None, description="the claimant died: the claim is the estate's")

    @model_validator(mode="after")
    def _dates_in_order(self) -> ClaimOpening:
        if self.claimant.date_of_birth > self.incident_date:
            raise broken_rule("dates_out_of_order", "the claimant's date of birth is after the incident date")
        if self.date_of_knowledge and self.date_of_knowledge < self.incident_date:
            raise broken_rule("dates_out_of_order", "the date of knowledge is before the incident date")
        if self.death and self.death.died_on < self.incident_date:
            raise broken_rule("dates_out_of_order", "the claimant's death is before the incident date")
        return self


# --- handler action payloads -------------------------------------------------------------


class Reassign(RequestBody):
    handler: str = Field(min_length=1, max_length=100)
    reason: str = Field("", max_length=1_000)


class Close(RequestBody):
    outcome: ClosureOutcome
    summary: str = Field("", max_length=5_000)


class CodeClaim(Coding):
    """A claim's clinical coding against the current taxonomy (models/coding.py), with why: a
    first coding, or a correction of the last. The API checks the codes against the taxonomy."""

    reason: str = Field(min_length=1, max_length=2_000)


class ClaimCoding(Coding):
    """The coding a claim carries now; earlier ones are on its ledger and history."""

    reason: str
    coded_by: str
    coded_at: datetime


class Reopen(RequestBody):
    reason: str = Field(min_length=1, max_length=2_000)


class PutOnHold(RequestBody):
    reason: str = Field(min_length=1, max_length=2_000)
    review_on: date


class TakeOffHold(RequestBody):
    reason: str = Field("", max_length=2_000)


class RequestHealthRecords(RequestBody):
    requested_on: date


class SupplyHealthRecords(RequestBody):
    supplied_on: date


class ReceiveLetter(RequestBody):
    received_on: date
    copied_to_nhs_resolution: bool = True


class AcknowledgeLetter(RequestBody):
    sent_on: date


class ExpertInstruction(RequestBody):
    discipline: str = Field(min_length=1, max_length=100)
    issues: list[Literal["breach", "causation", "quantum"]] = Field(min_length=1)
    expert: str = Field("", max_length=200)


class OpenInvestigation(RequestBody):
    experts: list[ExpertInstruction] = Field(min_length=1)


class InstructExperts(RequestBody):
    experts: list[ExpertInstruction] = Field(min_length=1)


class LiabilityPosition(StrEnum):
    ADMITTED = "admitted"
    PARTIALLY_ADMITTED = "partially_admitted"
    DENIED = "denied"


class SendLetterOfResponse(RequestBody):
    sent_on: date
    liability: LiabilityPosition
    expert_disciplines_relied_on: list[str] = []
    apology_given: bool = False

    @model_validator(mode="after")
    def _denial_names_experts(self) -> SendLetterOfResponse:
        # PAP 3.25: a denial should say which expert evidence it relies on.
        if self.liability is LiabilityPosition.DENIED and not self.expert_disciplines_relied_on:
            raise broken_rule("denial_without_experts", "a denial must name the expert disciplines relied on")
        return self


class ExtendResponsePeriod(RequestBody):
    agreed_by: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=2_000)
    new_due_date: date


class RecordStandstill(RequestBody):
    agreed_on: date
    until: date
    terms: str = Field("", max_length=2_000)


class StocktakeOutcome(StrEnum):
    ACTION_AGREED = "action_agreed"
    ESCALATED = "escalated"
    SETTLED = "settled"


class HoldStocktake(RequestBody):
    held_on: date
    outcome: StocktakeOutcome
    notes: str = Field("", max_length=5_000)


class Side(StrEnum):
    CLAIMANT = "claimant"
    DEFENDANT = "defendant"


class MakeOffer(RequestBody):
    """An offer to settle, served on the other side. It is made when served (CPR 36.7), on the
    day CPR 6.26 deems it served: the case computes that day from when and how it was sent."""

    by: Side
    amount: Money
    heads_of_loss: list[str] = []
    part_36: bool = False
    # Aware, as every instant a request reports: the cut-off is 4.30pm London time.
    sent_at: AwareDatetime = Field(description="when posted, delivered or sent; the 4.30pm cut-off applies")
    method: ServiceMethod
    responds_to: int | None = Field(None, description="offer number this counters")
    relevant_period_days: int = Field(
        21, ge=1, le=3_650, description="Part 36 only: at least 21 days (CPR 36.5)"
    )


class WithdrawOffer(RequestBody):
    offer_no: int
    withdrawn_on: date


class ChangeOffer(RequestBody):
    """A Part 36 offer's terms changed by written notice (CPR 36.9)."""

    offer_no: int
    amount: Money
    changed_on: date
    relevant_period_days: int = Field(
        21, ge=1, le=3_650, description="the new relevant period, if the change is to better terms"
    )


class AcceptOffer(RequestBody):
    offer_no: int
    accepted_on: date


class RequestOfferClarification(RequestBody):
    offer_no: int
    requested_on: date
    question: str = Field(min_length=1, max_length=5_000)


class ClarifyOffer(RequestBody):
    offer_no: int
    answer: str = Field(min_length=1, max_length=5_000)
    clarified_on: date


class PeriodicalPaymentOrder(RequestBody):
    """Future losses paid yearly for life (Damages Act 1996 s.2, CPR 41.4-41.10)."""

    annual_amount: Money = Field(gt=0)
    indexation: str = Field(min_length=1, max_length=60, description='the index, e.g. "ASHE 6115"')
    starts_on: date


class RecordSettlement(RequestBody):
    agreed_on: date
    general_damages: Money
    special_damages: Money
    future_losses: Money
    claimant_costs: Money
    lump_sum: Money | None = Field(None, description="the damages paid at once; None: all of them")
    periodical_payments: PeriodicalPaymentOrder | None = None

    @model_validator(mode="after")
    def _award_adds_up(self) -> RecordSettlement:
        damages = self.general_damages + self.special_damages + self.future_losses
        if self.lump_sum is not None and self.lump_sum > damages:
            raise broken_rule("lump_sum_over_damages", f"the lump sum is more than the damages of {damages}")
        if self.periodical_payments is not None and self.lump_sum is None:
            raise broken_rule(
                "lump_sum_missing", "give the lump sum paid alongside a periodical payment order"
            )
        return self


class RecordCourtApproval(RequestBody):
    """The court's decision on a child's or protected party's settlement (CPR 21.10)."""

    approved: bool
    decided_on: date
    court: str = Field(min_length=1, max_length=200)
    order_reference: Reference


class PaymentKind(StrEnum):
    INTERIM = "interim"
    LUMP_SUM = "lump_sum"
    PERIODICAL = "periodical"
    COSTS = "costs"


class RecordPayment(RequestBody):
    paid_on: date
    amount: Money = Field(gt=0)
    payee: Literal["claimant", "claimant_solicitors"]
    reference: Reference
    kind: PaymentKind = PaymentKind.LUMP_SUM
    court_approval_reference: Reference | None = Field(
        None, description="the order approving an interim payment to a child or protected party"
    )


class CorrectDate(RequestBody):
    """A date recorded for an earlier action was wrong: every deadline computed from it moves."""

    action: str = Field(min_length=1, max_length=80, description="the action whose date is corrected")
    corrected_date: date
    reason: str = Field(min_length=1, max_length=2_000)


# --- state -----------------------------------------------------------------------------


class OfferClarification(BaseModel):
    question: str
    requested_on: date
    answer: str | None = None
    clarified_on: date | None = None


class OfferChange(BaseModel):
    """A notice changing a Part 36 offer's amount; `effective_on` is None while it waits for
    the relevant period to end (CPR 36.9(4))."""

    amount: Money
    previous_amount: Money
    notice_on: date
    effective_on: date | None
    more_advantageous: bool


OfferStatus = Literal[
    "open", "withdrawal_pending", "change_pending", "withdrawn", "accepted", "lapsed", "approval_refused"
]


class Offer(BaseModel):
    no: int
    by: Side
    amount: Money
    heads_of_loss: list[str]
    part_36: bool
    # Made when served (CPR 36.7): the day CPR 6.26 deems it served, once computed from when and
    # how it was sent (the day it was sent until then, within the step that makes it).
    made_on: date
    sent_at: datetime | None = None
    method: ServiceMethod | None = None
    responds_to: int | None
    status: OfferStatus = "open"
    closed_on: date | None = None  # the last day it was open for acceptance
    relevant_period_days: int | None = None  # Part 36 only
    relevant_period_ends_on: date | None = None
    relevant_period_expired: bool = False  # still open to acceptance after, with costs consequences
    withdrawal_notice_on: date | None = None
    changes: list[OfferChange] = []
    clarifications: list[OfferClarification] = []


class OfferOnDate(BaseModel):
    offer: Offer
    open: bool = Field(description="open for acceptance at some time on the date asked about")


class OffersOnDate(BaseModel):
    ref: str
    on: date
    open_offers: list[int]
    offers: list[OfferOnDate]


class CourtApproval(BaseModel):
    approved: bool
    decided_on: date
    court: str
    order_reference: str


class Settlement(BaseModel):
    agreed_on: date
    general_damages: Money
    special_damages: Money
    future_losses: Money
    claimant_costs: Money
    lump_sum: Money | None = None
    periodical_payments: PeriodicalPaymentOrder | None = None
    approval: CourtApproval | None = None  # a child's or protected party's (CPR 21.10)

    @property
    def damages(self):
        return self.general_damages + self.special_damages + self.future_losses

    @property
    def paid_at_once(self):
        """Damages and costs paid as money now: all but what a periodical order pays yearly."""
        return (self.damages if self.lump_sum is None else self.lump_sum) + self.claimant_costs


class ProtocolDeparture(BaseModel):
    """A possible breach of the Pre-Action Protocol, flagged for the handler to record: the court
    weighs departures on costs (Practice Direction Pre-Action Conduct)."""

    code: str
    basis: str
    on: date
    explanation: str


class Stocktake(BaseModel):
    held_on: date
    outcome: str  # a StocktakeOutcome; free text in claims recorded before the outcomes were typed
    notes: str = ""


class Payment(BaseModel):
    paid_on: date
    amount: Money
    payee: str
    reference: str
    kind: PaymentKind = PaymentKind.LUMP_SUM
    court_approval_reference: str | None = None


class PaymentRecord(BaseModel):
    """What the payments activity writes to the register: one row per claim and reference."""

    claim_ref: str
    payment: Payment
    recorded_by: str
    recorded_at: datetime


ADULT_AGE = 18


class ClaimState(CaseState):
    """Everything the business knows about one claim: the live state a query returns."""

    kind: CaseKind = CaseKind.CLAIM
    stage: ClaimStage
    opening: ClaimOpening
    outcome: ClosureOutcome | None = None
    stage_before_closure: ClaimStage | None = None
    experts: list[ExpertInstruction] = []
    liability: LiabilityPosition | None = None
    apology_given: bool | None = None
    standstill_until: date | None = None
    death: Death | None = None  # the injured person's, from the opening or recorded later
    stocktakes: list[Stocktake] = []
    offers: list[Offer] = []
    settlement: Settlement | None = None
    refused_settlements: list[Settlement] = []  # not approved by the court (CPR 21.10)
    payments: list[Payment] = []
    routes: list[RouteRecord] = []  # every resolution route tried, running or ended, and why
    protocol_departures: list[ProtocolDeparture] = []  # possible breaches to record (PAP)
    coding: ClaimCoding | None = None  # clinical coding, for learning from claims

    @property
    def damages_paid(self) -> bool:
        """Whether any payment of damages (interim or final, costs apart) has been made."""
        return any(p.kind is not PaymentKind.COSTS for p in self.payments)

    def event_floor(self) -> EventFloor:
        return EventFloor(self.opening.incident_date, "incident")

    def needs_approval(self, on: date) -> bool:
        """A child or protected party's settlement or payment is valid only once the court has
        approved it (CPR 21.10)."""
        claimant = self.opening.claimant
        return claimant.protected_party or age_on(claimant.date_of_birth, on) < ADULT_AGE


class ClaimPolicy(CasePolicy):
    """The versioned policy a claim runs under, fixed at the claim's start."""

    reopen_window_seconds: int = 90 * 24 * 3600
    projection_delay_seconds: float = 3.0
    book_projection_delay_seconds: float | None = 10.0  # after an escalation, already recorded
    # Stages whose arrival sets a stocktake_due deadline (PAP section 6).
    stocktake_stages: list[ClaimStage] = [ClaimStage.LETTER_OF_RESPONSE_SENT]


class ClaimInput(BaseModel):
    """Start input; on continue-as-new (or a reopen after the run ended) `carried` holds the
    whole state of the previous run."""

    ref: str
    owner: str
    opening: ClaimOpening | None = None
    opened_by: ActionMeta | None = None
    # Paid before the claim was opened (an Early Notification case's interim payments): the
    # claim holds them from its first event, each once by its reference. Not for the API's
    # openings, which have no payments yet.
    earlier_payments: list[Payment] = []
    parent: CaseLink | None = None
    policy: ClaimPolicy = ClaimPolicy()
    carried: CaseCarried[ClaimState] | None = None

    @field_validator("earlier_payments")
    @classmethod
    def _once_each(cls, payments: list[Payment]) -> list[Payment]:
        return list({p.reference: p for p in payments}.values())


class ClaimRegisterRow(BaseModel):
    """The claim's row in the register: the fields lists, dashboards and reports filter on."""

    ref: str
    workflow_id: str
    stage: str
    handler: str
    scheme: str
    claimant_firm_id: str | None
    claimant_firm_name: str | None
    defendant_code: str
    defendant_name: str
    specialty: str
    incident_date: date
    on_hold: bool
    team: str | None
    next_deadline_at: datetime | None
    overdue: bool
    active_routes: str | None
    outcome: str | None
    opened_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    seq: int
    version: int
    claimant_age_band: str | None = None
    taxonomy_version: str | None = None
    coded_specialty: str | None = None
    primary_cause: str | None = None

    @staticmethod
    def detail_of(claim: ClaimState) -> dict[str, Any]:
        """What only a claim's row holds, as its projection carries it; the rest of the row is
        the case row's (`of`), so a projection says each of those once."""
        opening = claim.opening
        firm = opening.claimant_firm
        return {
            "scheme": opening.scheme.value,
            "claimant_firm_id": firm.firm_id if firm else None,
            "claimant_firm_name": firm.name if firm else None,
            "defendant_code": opening.defendant.code,
            "defendant_name": opening.defendant.name,
            "specialty": opening.specialty,
            "incident_date": opening.incident_date.isoformat(),
            "on_hold": claim.hold is not None,
            "active_routes": ",".join(sorted(r.kind.value for r in claim.routes if r.active)) or None,
            "claimant_age_band": claimant_age_band(opening),
            **coding_detail(claim.coding),
            # Not columns of the claim's row: its rows in claim_code and claim_route.
            "routes": [route_detail(r) for r in claim.routes],
        }

    @classmethod
    def of(cls, p: CaseProjection) -> ClaimRegisterRow:
        common = {
            "ref": p.ref,
            "workflow_id": p.workflow_id,
            "stage": p.stage,
            "handler": p.owner,
            "team": p.team,
            "next_deadline_at": p.next_deadline_at,
            "overdue": p.overdue,
            "outcome": p.outcome,
            "opened_at": p.opened_at,
            "updated_at": p.updated_at,
            "closed_at": p.closed_at,
            "seq": p.seq,
            "version": p.version,
        }
        return cls.model_validate(common | (p.detail or {}))


def claimant_age_band(opening: ClaimOpening) -> str:
    """The claimant's age at the incident, as a band: the register keeps no date of birth. An
    injury before birth is counted at birth."""
    born = opening.claimant.date_of_birth
    return age_band(born, max(born, opening.incident_date))


def coding_detail(coding: Coding | None) -> dict[str, Any]:
    """A claim's coding as its projection carries it; an uncoded claim carries no codes, so the
    register leaves its claim_code rows alone (a coding is replaced, never taken away)."""
    if coding is None:
        return {}
    return {
        "taxonomy_version": coding.taxonomy_version,
        "coded_specialty": coding.specialty,
        "primary_cause": coding.primary_cause,
        "codes": [{"field": field, "code": code} for field, _, code in coding.coded()],
    }


def route_detail(route: RouteRecord) -> dict[str, Any]:
    return {
        "route_ref": route.ref,
        "kind": route.kind.value,
        "started_at": route.started_at.isoformat(),
        "ended_at": route.ended_at.isoformat() if route.ended_at else None,
        "result": route.outcome.result.value if route.outcome else None,
    }
