"""A resolution summit (resolution meeting, global settlement meeting): one meeting with one
claimant firm about many of its claims. Its own case, not a child of a claim: it asks each claim
to join or leave (the claim may refuse) and tells each its outcome once every claim has one.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field, model_validator

from models.cases import CaseCarried, CaseLink, CasePolicy, CaseState
from models.common import ActionMeta, Actor, Money, Reference, RequestBody, broken_rule
from models.routes import SettlementTerms, SummitResult


class SummitStage(StrEnum):
    PLANNED = "planned"
    SCHEDULED = "scheduled"
    HELD = "held"  # outcomes are being recorded, claim by claim
    CONCLUDED = "concluded"  # every claim has its outcome and has been told it
    CANCELLED = "cancelled"


class SummitFormat(StrEnum):
    IN_PERSON = "in_person"
    REMOTE = "remote"


def valuation_deadline(claim_ref: str) -> str:
    """One pre-summit valuation deadline per claim, all under the rule `summit_valuation_due`."""
    return f"valuation_due_{claim_ref}"


# --- opening and actions --------------------------------------------------------------------


class SummitOpening(RequestBody):
    claimant_firm_id: Reference = Field(description="the firm's SRA id, as on its claims")
    claimant_firm_name: str = Field(min_length=1, max_length=200)
    proposed_on: date | None = Field(None, description="the date proposed for the summit, if any")
    format: SummitFormat = SummitFormat.REMOTE
    venue: str = Field("", max_length=300, description="empty for a remote summit")
    handler: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._@-]+$")
    team: str = Field("claims", min_length=1, max_length=60)


class ScheduleSummit(RequestBody):
    summit_on: date
    format: SummitFormat | None = None
    venue: str | None = Field(None, max_length=300)


class AddClaim(RequestBody):
    claim_ref: Reference


class RemoveClaim(RequestBody):
    claim_ref: Reference
    reason: str = Field(min_length=1, max_length=2_000)


class RecordValuation(RequestBody):
    """Our pre-summit valuation of one claim: what we would settle it for."""

    claim_ref: Reference
    valued_on: date
    damages: Money
    claimant_costs: Money | None = None
    notes: str = Field("", max_length=5_000)


class SummitHeld(RequestBody):
    held_on: date
    notes: str = Field("", max_length=5_000)


class RecordClaimOutcome(RequestBody):
    claim_ref: Reference
    result: SummitResult
    settlement: SettlementTerms | None = None
    notes: str = Field("", max_length=5_000)

    @model_validator(mode="after")
    def _terms_iff_settled(self) -> RecordClaimOutcome:
        if (self.result == SummitResult.SETTLED) != (self.settlement is not None):
            raise broken_rule("terms_mismatch", "settlement terms are given if and only if the claim settled")
        return self


class CancelSummit(RequestBody):
    reason: str = Field(min_length=1, max_length=2_000)


# --- state ----------------------------------------------------------------------------------


class Valuation(BaseModel):
    valued_on: date
    damages: Money
    claimant_costs: Money | None = None
    notes: str = ""
    by: str


class ClaimOutcome(BaseModel):
    result: SummitResult
    settlement: SettlementTerms | None = None
    notes: str = ""
    recorded_at: datetime
    by: str


class SummitClaim(BaseModel):
    """A claim brought to the summit; a removed one stays listed, with why it left."""

    ref: str
    workflow_id: str
    joined_at: datetime
    joined_by: str
    joins: int = 1  # times it joined: a claim removed and added again asks the claim afresh
    claim_stage: str | None = None  # the claim's stage when it last answered
    removed_at: datetime | None = None
    removal_reason: str | None = None
    valuation: Valuation | None = None
    outcome: ClaimOutcome | None = None
    told_at: datetime | None = None  # when the claim was signalled its outcome

    @property
    def in_summit(self) -> bool:
        return self.removed_at is None


class SummitState(CaseState):
    claimant_firm_id: str
    claimant_firm_name: str
    proposed_on: date | None = None
    format: SummitFormat = SummitFormat.REMOTE
    venue: str = ""
    summit_on: date | None = None
    held_on: date | None = None
    cancel_reason: str | None = None
    claims: list[SummitClaim] = []

    def claim(self, ref: str) -> SummitClaim | None:
        return next((c for c in self.claims if c.ref == ref), None)

    @property
    def in_summit(self) -> list[SummitClaim]:
        return [c for c in self.claims if c.in_summit]


class SummitInput(BaseModel):
    ref: str
    owner: str
    opening: SummitOpening | None = None
    opened_by: ActionMeta | None = None
    parent: CaseLink | None = None
    policy: CasePolicy = CasePolicy()
    carried: CaseCarried[SummitState] | None = None


# --- what the summit asks of a claim through its activities ---------------------------------


class ClaimRequest(BaseModel):
    """Ask one claim to join or leave: the update id comes from the summit, the claim and the
    join count, so a retried activity has one effect and a re-join is asked afresh."""

    summit_ref: str
    summit_workflow_id: str
    claim_ref: str
    claimant_firm_id: str
    summit_on: date | None = None
    joins: int = 1
    actor: Actor  # the summit's handler who asked: the claim's history shows them
    reason: str = ""


class ClaimAnswer(BaseModel):
    claim_ref: str
    stage: str | None = None
