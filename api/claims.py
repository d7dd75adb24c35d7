"""Claims: the claim kind on the one router factory, with its register list and its offers."""

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from api.cases import CaseApi, CaseRequest, case_in_path, case_router, read_state
from api.listing import Listing, equal
from api.waiting import worker_answer
from models.claims import ClaimInput, ClaimOpening, ClaimPolicy, ClaimStage, OffersOnDate
from models.common import ActionMeta, CaseKind
from models.register import ClaimRow
from workflows import claim_offers as offers
from workflows.claim import ClaimWorkflow
from workflows.clock import london_date


class ClaimSummary(BaseModel):
    ref: str
    stage: str
    handler: str
    scheme: str
    claimant_firm_id: str | None
    defendant_code: str
    specialty: str
    on_hold: bool
    outcome: str | None
    active_routes: str | None = None
    next_deadline_at: datetime | None = None
    overdue: bool = False
    opened_at: datetime
    updated_at: datetime


class ClaimFilters:
    def __init__(
        self,
        stage: ClaimStage | None = None,
        handler: Annotated[str | None, Query(max_length=100)] = None,
        scheme: Annotated[str | None, Query(max_length=30)] = None,
        claimant_firm: Annotated[str | None, Query(max_length=60)] = None,
        route: Annotated[
            str | None, Query(max_length=40, description="claims with this resolution route running")
        ] = None,
        overdue: bool | None = None,
    ) -> None:
        self.values = {
            "stage": stage and stage.value,
            "handler": handler,
            "scheme": scheme,
            "claimant_firm_id": claimant_firm,
            "overdue": overdue,
        }
        self.route = route

    def conditions(self, table) -> list:
        route = [table.active_routes.contains(self.route, autoescape=True)] if self.route else []
        return equal(table, **self.values) + route


def _start(ref: str, opening: ClaimOpening, meta: ActionMeta, policy: ClaimPolicy) -> ClaimInput:
    return ClaimInput(ref=ref, owner=opening.handler, opening=opening, opened_by=meta, policy=policy)


def _offer_routes(router: APIRouter, spec: CaseApi) -> None:
    @router.get("/{ref}/offers", response_model=OffersOnDate, summary="A claim's offers, open on a date")
    async def claim_offers(
        case: Annotated[CaseRequest, case_in_path(spec)], request: Request, on: date | None = None
    ) -> OffersOnDate:
        """Every offer on the claim, and which were open for acceptance on `on` (default today):
        made by then and not yet withdrawn, lapsed or accepted before it."""
        async with worker_answer(request.app.state):
            claim = await read_state(request.app.state.client, spec, case.ref)
        return offers.offers_on(claim, on or london_date(datetime.now(UTC)))


def _policy(app_state: Any) -> ClaimPolicy:
    return app_state.policy


SPEC = CaseApi(
    kind=CaseKind.CLAIM,
    prefix="/claims",
    workflow=ClaimWorkflow,
    ref_pattern=r"CLM-[A-Z2-7]{12}",
    ref_prefix="CLM",
    opening=ClaimOpening,
    start_input=_start,
    policy=_policy,
    opening_assignee="handler",
    listing=Listing(ClaimRow, ClaimSummary, ClaimFilters, by_kind=False),
    extra_routes=_offer_routes,
)
router = case_router(SPEC)
