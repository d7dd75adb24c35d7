"""Mediation of a claim, in person or remote: what each step carries and the route's state."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field, model_validator

from models.cases import CaseCarried, CaseLink, CasePolicy
from models.claims import Side
from models.common import ActionMeta, RequestBody, broken_rule
from models.routes import RouteOpening, RouteState, SettlementTerms


class MediationStage(StrEnum):
    PROPOSED = "proposed"
    AGREED = "agreed"
    MEDIATOR_APPOINTED = "mediator_appointed"
    SCHEDULED = "scheduled"
    NOT_SETTLED_ON_DAY = "not_settled_on_day"  # checked again 28 days later
    SETTLED = "settled"
    NOT_SETTLED = "not_settled"
    DECLINED = "declined"


class MediationFormat(StrEnum):
    IN_PERSON = "in_person"
    REMOTE = "remote"


class MediationOpening(RouteOpening):
    proposed_by: Side
    proposed_on: date
    format: MediationFormat = MediationFormat.REMOTE
    reason: str = ""


class AcceptMediation(RequestBody):
    accepted_on: date
    accepted_by: Side


class RefuseMediation(RequestBody):
    """Courts weigh an unreasonable refusal of ADR when they decide costs: the reason is kept."""

    refused_on: date
    refused_by: Side
    reason: str = Field(min_length=1, max_length=2_000)


class AppointMediator(RequestBody):
    provider: str = Field(min_length=1, max_length=200, description="e.g. CEDR, Trust Mediation")
    mediator: str = Field(min_length=1, max_length=200)
    appointed_on: date
    format: MediationFormat | None = None


class FixMediationDate(RequestBody):
    mediation_on: date
    position_statements_due_on: date
    bundle_due_on: date
    venue: str = Field("", max_length=300, description="empty for a remote mediation")

    @model_validator(mode="after")
    def _papers_before_the_day(self) -> FixMediationDate:
        if not (
            self.position_statements_due_on <= self.mediation_on and self.bundle_due_on <= self.mediation_on
        ):
            raise broken_rule(
                "dates_out_of_order",
                "position statements and the bundle are due on or before the mediation date",
            )
        return self


class ServePaper(RequestBody):
    served_on: date
    by: Side


class MediationSettled(RequestBody):
    held_on: date
    settlement: SettlementTerms
    notes: str = Field("", max_length=5_000)


class MediationNotSettled(RequestBody):
    held_on: date
    notes: str = Field("", max_length=5_000)


class RecordLaterSettlement(RequestBody):
    settlement: SettlementTerms


class RecordNoSettlement(RequestBody):
    checked_on: date
    reason: str = Field(min_length=1, max_length=2_000)


class AbandonMediation(RequestBody):
    reason: str = Field(min_length=1, max_length=2_000)


class MediationDetails(BaseModel):
    proposed_by: Side
    proposed_on: date
    format: MediationFormat
    accepted_on: date | None = None
    refused_by: Side | None = None
    refusal_reason: str | None = None
    provider: str | None = None
    mediator: str | None = None
    mediation_on: date | None = None
    venue: str = ""
    held_on: date | None = None
    settled_on_day: bool | None = None
    settled_within_28_days: bool | None = None
    papers_served: list[str] = []


class MediationState(RouteState):
    mediation: MediationDetails


class MediationInput(BaseModel):
    ref: str
    owner: str
    opening: MediationOpening | None = None
    opened_by: ActionMeta | None = None
    parent: CaseLink | None = None
    policy: CasePolicy = CasePolicy()
    carried: CaseCarried[MediationState] | None = None
