"""Early neutral evaluation of a claim: an independent evaluator (a retired judge, a KC or senior
counsel) gives a non-binding view of the likely outcome on breach, causation and quantum.

Agreed by the parties or ordered by the court without their consent (CPR 3.1(2)(m), Lomax v
Lomax [2019] EWCA Civ 1467). No periods are fixed by rule (DOMAIN.md 1c): the dates are agreed
or ordered and entered by the handler.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from models.cases import CaseCarried, CaseLink, CasePolicy
from models.claims import Side
from models.common import ActionMeta, Money, RequestBody, broken_rule
from models.routes import RouteOpening, RouteState, SettlementTerms


class EvaluationStage(StrEnum):
    AGREED = "agreed"
    EVALUATOR_APPOINTED = "evaluator_appointed"
    PAPERS_DUE = "papers_due"
    PAPERS_SERVED = "papers_served"
    EVALUATION_DELIVERED = "evaluation_delivered"
    SETTLED = "settled"
    NARROWED = "narrowed"
    NOT_RESOLVED = "not_resolved"
    ABANDONED = "abandoned"


class EvaluatorStanding(StrEnum):
    RETIRED_JUDGE = "retired_judge"
    KC = "kc"
    SENIOR_COUNSEL = "senior_counsel"
    OTHER = "other"


class EvaluationForm(StrEnum):
    HEARING = "hearing"  # the evaluator hears both sides
    PAPER = "paper"  # the evaluator reads the bundle and writes


class EvaluationOpening(RouteOpening):
    agreed_on: date
    ordered_by_court: bool = False
    reason: str = ""


class AppointEvaluator(RequestBody):
    evaluator: str = Field(min_length=1, max_length=200)
    standing: EvaluatorStanding
    provider: str = Field("", max_length=200, description="e.g. CEDR, Trust Mediation")
    appointed_on: date
    form: EvaluationForm
    evaluation_on: date = Field(description="the hearing, or the date the paper evaluation is due")


class FixEvaluationTimetable(RequestBody):
    """Dates agreed or ordered for the papers; may move the evaluation date too."""

    position_papers_due_on: date
    bundle_due_on: date
    evaluation_on: date | None = Field(None, description="a moved evaluation date; none keeps it")


class ServePositionPaper(RequestBody):
    served_on: date
    by: Side


class LodgeEvaluationBundle(RequestBody):
    lodged_on: date


class EvaluationGist(RequestBody):
    """The evaluator's view in brief; the full evaluation is a document, not case data."""

    breach: str = Field(min_length=1, max_length=2_000)
    causation: str = Field(min_length=1, max_length=2_000)
    quantum: str = Field(min_length=1, max_length=2_000)
    valuation: Money | None = Field(None, description="the evaluator's figure for the claim, if given")


class DeliverEvaluation(RequestBody):
    delivered_on: date
    gist: EvaluationGist


class RecordEvaluationResponse(RequestBody):
    by: Side
    responded_on: date
    accepts: bool = Field(description="whether this party accepts the evaluation as a basis to settle")
    comments: str = Field("", max_length=2_000)


class SettleOnEvaluation(RequestBody):
    settlement: SettlementTerms
    notes: str = Field("", max_length=5_000)


Issue = Annotated[str, Field(min_length=1, max_length=500)]


class RecordIssuesNarrowed(RequestBody):
    """Not resolved, but the parties agree some issues: the claim chooses its next route."""

    issues_agreed: list[Issue] = Field(min_length=1, max_length=50)
    issues_remaining: list[Issue] = Field(default_factory=list, max_length=50)
    notes: str = Field("", max_length=5_000)

    @model_validator(mode="after")
    def _issues_named(self) -> RecordIssuesNarrowed:
        if any(not issue.strip() for issue in self.issues_agreed + self.issues_remaining):
            raise broken_rule("blank_issue", "each issue is a phrase, not blank")
        return self


class RecordNotResolved(RequestBody):
    reason: str = Field(min_length=1, max_length=2_000)


class AbandonEvaluation(RequestBody):
    reason: str = Field(min_length=1, max_length=2_000)
    court_order_varied_on: date | None = Field(
        None, description="a court-ordered evaluation ends early only if the court varies its order"
    )


class EvaluationDetails(BaseModel):
    agreed_on: date
    ordered_by_court: bool = False
    evaluator: str | None = None
    standing: EvaluatorStanding | None = None
    provider: str = ""
    appointed_on: date | None = None
    form: EvaluationForm | None = None
    evaluation_on: date | None = None
    position_papers_served: dict[Side, date] = {}
    bundle_lodged_on: date | None = None
    delivered_on: date | None = None
    gist: EvaluationGist | None = None
    responses: dict[Side, RecordEvaluationResponse] = {}
    issues_agreed: list[str] = []
    issues_remaining: list[str] = []


class EvaluationState(RouteState):
    evaluation: EvaluationDetails


class EvaluationInput(BaseModel):
    ref: str
    owner: str
    opening: EvaluationOpening | None = None
    opened_by: ActionMeta | None = None
    parent: CaseLink | None = None
    policy: CasePolicy = CasePolicy()
    carried: CaseCarried[EvaluationState] | None = None
