"""How a claim and its resolution routes talk: what a route is started with, what it tells its
claim as it goes, and what a resolution summit asks of and tells each claim in it.

A route (mediation, early neutral evaluation, litigation) is a child workflow of its claim,
started by a claim action. It signals the claim `route_progress` at every change of stage and
once more when it ends, with its outcome. A resolution summit spans claims: it asks each
claim to join or leave by Update (so the claim can refuse) and tells each its outcome by
signal. Either way the claim moves on by itself.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from models.cases import CaseState
from models.common import CaseKind, Money, RequestBody


class RouteKind(StrEnum):
    MEDIATION = "mediation"
    EARLY_NEUTRAL_EVALUATION = "early_neutral_evaluation"
    LITIGATION = "litigation"
    RESOLUTION_SUMMIT = "resolution_summit"


ADR_ROUTES = frozenset({RouteKind.MEDIATION, RouteKind.EARLY_NEUTRAL_EVALUATION, RouteKind.RESOLUTION_SUMMIT})


class SettlementTerms(RequestBody):
    """Damages and costs agreed on a route; the claim records them as its settlement."""

    agreed_on: date
    general_damages: Money
    special_damages: Money
    future_losses: Money
    claimant_costs: Money


class RouteResult(StrEnum):
    SETTLED = "settled"  # the claim moves to settlement (or court approval for a child)
    NOT_SETTLED = "not_settled"  # the claim can choose another route
    NARROWED = "narrowed"  # issues narrowed, not resolved: the claim chooses again
    DECLINED = "declined"  # the route was refused or abandoned before it ran
    DISCONTINUED = "discontinued"  # the claimant discontinued proceedings (CPR 38)
    STRUCK_OUT = "struck_out"  # the court struck the claim out
    JUDGMENT_FOR_CLAIMANT = "judgment_for_claimant"  # damages awarded: payment follows
    JUDGMENT_FOR_DEFENDANT = "judgment_for_defendant"


class RouteOutcome(BaseModel):
    result: RouteResult
    reason: str = Field("", max_length=2_000)
    settlement: SettlementTerms | None = None


class RouteProgress(BaseModel):
    """A route tells its claim its stage, and at the end its outcome."""

    ref: str
    kind: RouteKind
    stage: str
    ended: bool = False
    outcome: RouteOutcome | None = None
    stayed: bool | None = Field(None, description="litigation only: whether proceedings are stayed")
    at: datetime


class RouteRecord(BaseModel):
    """A route tried on a claim, as the claim keeps it: the history shows every one and why it ended."""

    ref: str
    kind: RouteKind
    workflow_id: str
    started_at: datetime
    started_by: str
    reason: str = ""
    stage: str
    ended_at: datetime | None = None
    outcome: RouteOutcome | None = None
    stayed: bool = False
    return_to: str | None = Field(None, description="the claim's stage to go back to if it fails")

    @property
    def active(self) -> bool:
        return self.ended_at is None


class RouteState(CaseState):
    """The part of every route's state the route machinery reads (workflows/route.py)."""

    route: RouteKind
    claim_ref: str
    claimant_firm_id: str | None = None
    child_or_protected_party: bool = False
    route_outcome: RouteOutcome | None = None
    stayed: bool = False  # litigation only: proceedings stayed (ADR may run meanwhile)


class RouteOpening(BaseModel):
    """What every route child starts with besides its own details."""

    claim_ref: str
    claim_workflow_id: str
    owner: str
    team: str = "claims"
    claimant_firm_id: str | None = None
    child_or_protected_party: bool = False


class JoinSummit(BaseModel):
    summit_ref: str
    summit_workflow_id: str
    claimant_firm_id: str
    held_on: date | None = None


class LeaveSummit(BaseModel):
    summit_ref: str
    reason: str = Field(min_length=1, max_length=2_000)


class SummitResult(StrEnum):
    SETTLED = "settled"
    ACTION_AGREED = "action_agreed"
    ESCALATED = "escalated"
    NOT_SETTLED = "not_settled"


class SummitOutcome(BaseModel):
    """What a summit tells each claim once it is held (by signal `summit_outcome`)."""

    summit_ref: str
    result: SummitResult
    settlement: SettlementTerms | None = None
    notes: str = Field("", max_length=5_000)
    at: datetime


# Started by name: the claim needs no import of the route workflows.
ROUTE_WORKFLOW_TYPES = {
    RouteKind.MEDIATION: "MediationWorkflow",
    RouteKind.EARLY_NEUTRAL_EVALUATION: "EarlyNeutralEvaluationWorkflow",
    RouteKind.LITIGATION: "LitigationWorkflow",
}

ROUTE_CASE_KINDS = {
    RouteKind.MEDIATION: CaseKind.MEDIATION,
    RouteKind.EARLY_NEUTRAL_EVALUATION: CaseKind.EARLY_NEUTRAL_EVALUATION,
    RouteKind.LITIGATION: CaseKind.LITIGATION,
    RouteKind.RESOLUTION_SUMMIT: CaseKind.RESOLUTION_SUMMIT,
}


# --- claim actions that start a route (their payloads; the route's opening adds RouteOpening) --


class ProposeMediation(RequestBody):
    proposed_by: Literal["claimant", "defendant"]
    proposed_on: date
    format: Literal["in_person", "remote"] = "remote"
    reason: str = Field("", max_length=2_000)


class AgreeEvaluation(RequestBody):
    """Early neutral evaluation, by agreement or by court order (CPR 3.1(2)(m), Lomax v Lomax)."""

    agreed_on: date
    ordered_by_court: bool = False
    reason: str = Field("", max_length=2_000)


class RecordProceedingsIssued(RequestBody):
    """The claimant has issued a claim form: litigation under the CPR timetable begins."""

    issued_on: date
    court: str = Field(min_length=1, max_length=200)
    claim_number: str = Field(min_length=1, max_length=60)
    reason: str = Field("", max_length=2_000)
