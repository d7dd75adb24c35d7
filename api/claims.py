"""Claims: open, list, read, act, history. One route per pathway step, generated from the table."""

import asyncio
import base64
import hashlib
import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel
from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowFailureError,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.common import (
    RawValue,
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from api import history, listing
from api.deps import (
    ClientDep,
    CurrentActor,
    DirectoryDep,
    IdempotencyKey,
    PolicyDep,
    SessionDep,
    SettingsDep,
    require,
)
from api.errors import ApiError, not_found
from fairway.settings import Settings
from models import search_attributes as sa
from models.claims import (
    Claim,
    ClaimOpening,
    ClaimView,
    ClaimWorkflowInput,
    OffersOnDate,
    Reassign,
    claim_workflow_id,
)
from models.common import ActionMeta, Actor, AppliedAction, CaseKind, Role, payload_digest
from models.register import ClaimRow
from workflows import claim_offers as offers
from workflows import claim_pathway as pathway
from workflows.claim import ClaimWorkflow
from workflows.clock import london_date

log = structlog.get_logger(__name__)
router = APIRouter(prefix="/claims", tags=["claims"])

REF_PATTERN = r"^CLM-[A-Z2-7]{12}$"


def workflow_id(ref: str) -> str:
    return claim_workflow_id(ref)


def new_ref(actor: Actor, key: str | None) -> str:
    """A claim reference; the same actor retrying with the same key gets the same one."""
    seed = f"{actor.id}\x00{key}".encode() if key else uuid.uuid4().bytes
    return "CLM-" + base64.b32encode(hashlib.sha256(seed).digest()).decode()[:12]


def _view(claim: Claim, actor: Actor, applied: AppliedAction | None = None) -> ClaimView:
    return ClaimView(claim=claim, allowed_actions=pathway.allowed_actions(claim, actor.role), applied=applied)


def _bind(ref: str) -> None:
    structlog.contextvars.bind_contextvars(case_id=ref, workflow_id=workflow_id(ref))


def _handle(client: Client, ref: str) -> WorkflowHandle:
    return client.get_workflow_handle(workflow_id(ref))


async def _query_state(client: Client, ref: str) -> Claim:
    try:
        return await _handle(client, ref).query(ClaimWorkflow.state)
    except RPCError as err:
        if err.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.INVALID_ARGUMENT):
            raise not_found("claim", ref) from err
        raise


# --- open ----------------------------------------------------------------------------------


@router.post("", status_code=201, response_model=ClaimView, summary="Open a claim")
async def open_claim(
    opening: ClaimOpening,
    actor: CurrentActor,
    client: ClientDep,
    settings: SettingsDep,
    policy: PolicyDep,
    directory: DirectoryDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> ClaimView:
    """Open a claim and get its reference; retrying with the same Idempotency-Key opens one."""
    require(pathway.ACTING, actor, "opening a claim")
    _check_assignable(directory, opening.handler)
    ref = new_ref(actor, idempotency_key)
    _bind(ref)
    meta = ActionMeta(actor=actor, request_id=idempotency_key or ref)
    duplicate = False
    try:
        handle = await client.start_workflow(
            ClaimWorkflow.run,
            ClaimWorkflowInput(ref=ref, opening=opening, opened_by=meta, policy=policy),
            id=workflow_id(ref),
            task_queue=settings.temporal_task_queue,
            # Only a supervisor's reopen starts an ended claim again (_reopen_ended_run).
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            search_attributes=_search_attributes(opening, pathway.S.NOTIFIED, opening.handler),
        )
    except WorkflowAlreadyStartedError:
        handle, duplicate = _handle(client, ref), True
        response.status_code = 200
    claim = await _opened_state(handle)
    if duplicate and claim.opening != opening:
        raise ApiError(409, "request_id_reused", "this Idempotency-Key already opened a different claim")
    log.info("claim opened", duplicate=duplicate)
    applied = AppliedAction(
        seq=1,
        action="open_claim",
        request_id=meta.request_id,
        stage_before=None,
        stage_after=pathway.S.NOTIFIED,
        duplicate=duplicate,
    )
    return _view(claim, actor, applied)


async def _opened_state(handle: WorkflowHandle) -> Claim:
    """The new claim, once it has computed its opening deadlines (a moment after it starts)."""
    for _ in range(40):
        claim = await handle.query(ClaimWorkflow.state)
        if claim.deadlines:
            return claim
        await asyncio.sleep(0.05)
    return claim


def _search_attributes(opening: ClaimOpening, stage: pathway.S, handler: str) -> TypedSearchAttributes:
    pairs = [
        SearchAttributePair(sa.CASE_KIND, CaseKind.CLAIM.value),
        SearchAttributePair(sa.STAGE, stage.value),
        SearchAttributePair(sa.HANDLER, handler),
        SearchAttributePair(sa.SCHEME, opening.scheme.value),
    ]
    if opening.claimant_firm:
        pairs.append(SearchAttributePair(sa.CLAIMANT_FIRM, opening.claimant_firm.firm_id))
    return TypedSearchAttributes(pairs)


def _check_assignable(directory, handler: str) -> None:
    actor = directory.actor(handler)
    if actor is None or actor.role not in (Role.HANDLER, Role.SUPERVISOR):
        raise ApiError(422, "unknown_handler", f"{handler} is not a handler or supervisor")


# --- read ----------------------------------------------------------------------------------


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
    opened_at: datetime
    updated_at: datetime


class ClaimPage(BaseModel):
    items: list[ClaimSummary]
    total: int
    limit: int
    offset: int


@router.get("", response_model=ClaimPage, summary="List claims from the register")
def list_claims(
    actor: CurrentActor,
    session: SessionDep,
    stage: pathway.S | None = None,
    handler: str | None = None,
    scheme: str | None = None,
    claimant_firm: str | None = None,
    route: str | None = Query(None, description="claims with this resolution route running"),
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ClaimPage:
    """Claims filtered by stage, handler, scheme and claimant firm, newest first."""
    filters = []
    if stage:
        filters.append(ClaimRow.stage == stage.value)
    if handler:
        filters.append(ClaimRow.handler == handler)
    if scheme:
        filters.append(ClaimRow.scheme == scheme)
    if claimant_firm:
        filters.append(ClaimRow.claimant_firm_id == claimant_firm)
    if route:
        filters.append(ClaimRow.active_routes.contains(route))
    items, total = listing.page(session, ClaimRow, filters, ClaimSummary, limit, offset)
    return ClaimPage(items=items, total=total, limit=limit, offset=offset)


@router.get("/{ref}", response_model=ClaimView, summary="Read a claim's live state")
async def read_claim(ref: str, actor: CurrentActor, client: ClientDep) -> ClaimView:
    """The claim as its workflow holds it now, with the actions allowed to you."""
    _bind(ref)
    return _view(await _query_state(client, ref), actor)


@router.get("/{ref}/offers", response_model=OffersOnDate, summary="A claim's offers, open on a date")
async def claim_offers(
    ref: str, actor: CurrentActor, client: ClientDep, on: date | None = None
) -> OffersOnDate:
    """Every offer on the claim, and which were open for acceptance on `on` (default today):
    made by then and not yet withdrawn, lapsed or accepted before it."""
    _bind(ref)
    claim = await _query_state(client, ref)
    return offers.offers_on(claim, on or london_date(datetime.now(UTC)))


@router.get("/{ref}/history", response_model=history.CaseHistory, summary="Read a claim's timeline")
async def claim_history(
    ref: str, actor: CurrentActor, client: ClientDep, session: SessionDep
) -> history.CaseHistory:
    """The timeline from Temporal's event history while it exists, and the ledger always."""
    _bind(ref)
    return await history.case_history(client, session, ref, workflow_id(ref), "claim", "open_claim")


# --- actions -------------------------------------------------------------------------------


def update_refusal(err: WorkflowUpdateFailedError) -> ApiError:
    cause = err.cause
    if not isinstance(cause, ApplicationError):
        return ApiError(409, "action_failed", str(cause or err))
    details: dict[str, Any] = cause.details[0] if cause.details else {}
    if not isinstance(details, dict) or details.get("code") != cause.type:
        # Not a refusal from the pathway but a fault in the workflow: say so, don't blame the caller.
        log.error("claim action failed", error=cause.message, error_type=cause.type)
        return ApiError(500, "internal_error", "the action failed unexpectedly; it has been logged")
    status = 403 if cause.type == "forbidden_for_role" else 409
    return ApiError(status, cause.type, cause.message, details)


async def _update(client: Client, ref: str, step: pathway.Step, meta: ActionMeta, payload: BaseModel):
    return await _handle(client, ref).execute_update(
        step.action,
        args=[meta, payload],
        id=_update_id(step, meta, payload),
        result_type=RawValue,
    )


def _update_id(step: pathway.Step, meta: ActionMeta, payload: BaseModel) -> str:
    # The body's digest is part of the id: Temporal answers a retry of the same request from
    # its own record, and a different body under the same key reaches the validator, which
    # refuses it.
    return f"{step.action}:{meta.request_id}:{payload_digest(payload)}"


async def _reopen_ended_run(
    client: Client, ref: str, step: pathway.Step, meta: ActionMeta, payload: BaseModel, settings: Settings
) -> RawValue:
    """Reopen a claim whose run ended after closure: a new run carries its final state.

    A closed claim's run ends once its reopen window passes (its history then ages out under
    the namespace's retention; the ledger keeps the timeline). Reopening later starts the same
    workflow id again from the state the last run returned, with the reopen as its first update.
    """
    ended = client.get_workflow_handle_for(ClaimWorkflow.run, workflow_id(ref))
    try:
        final = await ended.result()
    except (RPCError, WorkflowFailureError) as err:
        raise ApiError(
            409, "claim_archived", f"claim {ref}'s final state is no longer held by Temporal"
        ) from err
    claim = final.carried.claim
    start = WithStartWorkflowOperation(
        ClaimWorkflow.run,
        final,  # the claim's own policy and recent request ids, not today's defaults
        id=workflow_id(ref),
        task_queue=settings.temporal_task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        search_attributes=_search_attributes(claim.opening, claim.stage, claim.handler),
    )
    return await client.execute_update_with_start_workflow(
        step.action,
        args=[meta, payload],
        start_workflow_operation=start,
        id=_update_id(step, meta, payload),
        result_type=RawValue,
    )


async def take_action(
    app_state, ref: str, step: pathway.Step, payload: BaseModel, actor: Actor, key: str | None
) -> Response:
    _bind(ref)
    require(step.roles, actor, step.action)
    if isinstance(payload, Reassign):
        _check_assignable(app_state.directory, payload.handler)
    client: Client = app_state.client
    meta = ActionMeta(actor=actor, request_id=key or uuid.uuid4().hex)
    try:
        try:
            result = await _update(client, ref, step, meta, payload)
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND:
                raise
            await _query_state(client, ref)  # an unknown claim is a 404
            if step.action != "reopen":
                raise ApiError(
                    409, "claim_run_ended", f"claim {ref} is closed; a supervisor can reopen it first"
                ) from err
            result = await _reopen_ended_run(client, ref, step, meta, payload, app_state.settings)
    except WorkflowUpdateFailedError as err:
        raise update_refusal(err) from err
    log.info("claim action", action=step.action, request_id=meta.request_id)
    return passthrough(result)


def passthrough(result: RawValue, status_code: int = 200) -> Response:
    """The workflow's answer is already the response body (a ClaimView): send its JSON as is,
    rather than decoding and re-encoding the whole claim on every action."""
    if result.payload.metadata.get("encoding") != b"json/plain":
        raise ApiError(500, "internal_error", "unexpected payload encoding from the workflow")
    return Response(content=result.payload.data, media_type="application/json", status_code=status_code)


def _action_route(step: pathway.Step):
    payload_type = step.payload

    async def route(
        ref: str,
        payload: payload_type,
        actor: CurrentActor,
        request: Request,
        idempotency_key: IdempotencyKey = None,
    ) -> Response:
        return await take_action(request.app.state, ref, step, payload, actor, idempotency_key)

    route.__name__ = step.action
    route.__doc__ = f"{step.describe}. Allowed at: {', '.join(sorted(step.from_stages))}."
    return route


for _step in pathway.STEPS.values():
    if _step.internal:
        continue  # sent by another case's workflow (a summit), never by a handler
    router.add_api_route(
        f"/{{ref}}/{_step.action.replace('_', '-')}",
        _action_route(_step),
        methods=["POST"],
        response_model=ClaimView,
        summary=_step.describe,
        name=_step.action,
    )
