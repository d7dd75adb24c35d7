"""The one router factory: every case kind's routes (open, list, read, act, history) are generated
from its pathway table and its access declaration (models/access.py).

A dependency loads the case named in the path and enforces access before anything is read: a
ref that is not of the route's kind is 404 for everyone, and a role outside the kind's tier is
403. Roles for each action come from its pathway row. A kind opened by another case (a
mediation by its claim) has no open route; its parent starts it.
"""

import asyncio
import contextlib
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowFailureError,
    WorkflowHandle,
    WorkflowQueryFailedError,
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

from api import history
from api.deps import CurrentActor, IdempotencyKey, SessionDep
from api.errors import ApiError, forbidden, not_found
from api.listing import CASES, Listing, Page, Paging, page
from api.metrics import noting_action, noting_receipt
from api.refusals import passthrough, update_refusal
from api.waiting import worker_answer
from models import search_attributes as sa
from models.access import ACCESS, Access
from models.cases import ActionReceipt, CasePolicy
from models.common import (
    ActionMeta,
    Actor,
    CaseKind,
    Refusal,
    case_workflow_id,
    date_refusal,
    derived_ref,
    payload_digest,
    reported_dates,
)
from models.register import LedgerRow
from workflows.case_kit import PREVIOUS, CaseWorkflow, Step
from workflows.clock import london_date

log = structlog.get_logger(__name__)

REF_BODY = "[A-Z2-7]{12}"


@dataclass(frozen=True)
class CaseApi:
    kind: CaseKind
    prefix: str  # e.g. "/mediations"
    workflow: type[CaseWorkflow]
    ref_pattern: str  # a ref of this kind, e.g. CLM-…-MED1; anything else is 404 before any read
    ref_prefix: str | None = None  # kinds opened here: new refs look like PREFIX-ABCDEFGHIJKL
    # A kind whose opening names what the case is about (an EN case's MNSI investigation): its
    # ref follows from the opening, so a second opening of the same thing finds the first case,
    # and is refused by it (or by Temporal, if it has ended) unless it is that opening's retry.
    ref_from_opening: Callable[[Any], str] | None = None
    opening: type[BaseModel] | None = None  # None: opened by another case, not through the API
    # Builds the workflow's start input from the request: (ref, opening, meta, policy) -> input.
    start_input: Callable[[str, Any, ActionMeta, CasePolicy], BaseModel] | None = None
    # The policy a new case starts under (tests give short ones), from the app's state.
    policy: Callable[[Any], CasePolicy] = field(default=lambda app_state: CasePolicy())
    # Checks the API makes before starting a case (e.g. against the register); raise ApiError.
    # Given the app's state, the opening, the actor and the ref the case would get.
    vet_opening: Callable[[Any, Any, Actor, str], None] | None = None
    # The opening's field naming who will own the case: checked against the directory.
    opening_assignee: str | None = None
    listing: Listing = CASES
    # More routes of this kind beside the generated ones (a claim's offers).
    extra_routes: Callable[[APIRouter, "CaseApi"], None] | None = None

    def workflow_id(self, ref: str) -> str:
        return case_workflow_id(self.kind, ref)

    @property
    def noun(self) -> str:
        return self.kind.value

    @property
    def access(self) -> Access:
        return ACCESS[self.kind]


def new_ref(prefix: str, actor: Actor, key: str | None) -> str:
    """A case reference; the same actor retrying with the same key gets the same one."""
    return derived_ref(prefix, prefix, actor.id, key) if key else derived_ref(prefix, uuid.uuid4().hex)


def opening_ref(spec: CaseApi, opening: BaseModel, actor: Actor, key: str | None) -> str:
    """The reference a new case of the kind gets: the one its opening names what it is about
    (an EN case's MNSI investigation), or else one for this actor's key."""
    if spec.ref_from_opening is not None:
        return spec.ref_from_opening(opening)
    return new_ref(spec.ref_prefix, actor, key)


def _bind(spec: CaseApi, ref: str) -> None:
    structlog.contextvars.bind_contextvars(case_id=ref, workflow_id=spec.workflow_id(ref))


def may_read(spec: CaseApi, actor: Actor) -> None:
    if not spec.access.may_read(actor.role):
        raise forbidden(f"{spec.noun} cases are not visible to the {actor.role} role")


def check_assignable(app_state: Any, spec: CaseApi, actor_id: str) -> None:
    """The actor a case is given to must be in the directory, in a role that can own it."""
    known = app_state.directory.actor(actor_id)
    if known is None or known.role not in spec.access.assignees:
        roles = " or ".join(sorted(spec.access.assignees))
        # 409, not 422: the request is well formed; the directory, which no schema states, refuses it.
        raise ApiError(409, "unknown_handler", f"no {roles} in the directory has that actor id")


@dataclass(frozen=True)
class CaseRequest:
    """The case a route's path names, once its kind and the caller's access are checked."""

    spec: CaseApi
    ref: str
    actor: Actor

    @property
    def workflow_id(self) -> str:
        return self.spec.workflow_id(self.ref)


def case_in_path(spec: CaseApi):
    """A dependency: the case named in the path, its kind and the caller's access checked
    before anything is read."""
    pattern = re.compile(spec.ref_pattern)

    async def load(ref: Annotated[str, Path(max_length=80)], actor: CurrentActor) -> CaseRequest:
        if not pattern.fullmatch(ref):
            # Not even the shape of this kind's reference: said without repeating what was sent.
            raise ApiError(404, f"{spec.noun}_not_found", f"no {spec.noun} has that reference")
        may_read(spec, actor)
        _bind(spec, ref)
        return CaseRequest(spec, ref, actor)

    return Depends(load)


async def read_state(client: Client, spec: CaseApi, ref: str):
    try:
        return await client.get_workflow_handle(spec.workflow_id(ref)).query(
            "state", result_type=spec.workflow.state_type
        )
    except RPCError as err:
        if err.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.INVALID_ARGUMENT):
            raise not_found(spec.noun, ref) from err
        raise


async def read_view(client: Client, spec: CaseApi, ref: str, actor: Actor):
    """The case as its workflow holds it now, whole, with the actions allowed to `actor`."""
    state = await read_state(client, spec, ref)
    allowed = spec.workflow.pathway.allowed_actions(state, actor.role)
    return spec.workflow.view_type(state=state, notes_total=len(state.notes), allowed_actions=allowed)


def case_summary(spec: CaseApi, ref: str) -> str:
    """The workflow's static summary in the Temporal Web UI: its kind and reference, no names."""
    return f"{spec.noun.replace('_', ' ')} {ref}"


def search_attributes(spec: CaseApi, stage: str, owner: str) -> TypedSearchAttributes:
    return TypedSearchAttributes(
        [
            SearchAttributePair(sa.CASE_KIND, spec.kind.value),
            SearchAttributePair(sa.STAGE, stage),
            SearchAttributePair(sa.HANDLER, owner),
        ]
    )


SPECS: dict[str, CaseApi] = {}  # every case kind with a router, by kind
ANSWER_ATTEMPTS = 8  # about 2.5 s in all
# A query is a read, safe to ask again: when the case's query buffer is full, the connection
# stumbled under a burst, or the case was busy continuing as new past the query's deadline.
ANSWER_RETRIED = (
    RPCStatusCode.RESOURCE_EXHAUSTED,
    RPCStatusCode.UNAVAILABLE,
    RPCStatusCode.DEADLINE_EXCEEDED,
)
UPDATE_ATTEMPTS = 3


def case_router(spec: CaseApi) -> APIRouter:
    SPECS[spec.kind.value] = spec
    router = APIRouter(prefix=spec.prefix, tags=[spec.noun])
    if spec.opening is not None:
        _open_route(router, spec)
    _list_route(router, spec)
    _read_routes(router, spec)
    if spec.extra_routes is not None:
        spec.extra_routes(router, spec)
    for step in spec.workflow.pathway.public_steps:
        router.add_api_route(
            f"/{{ref}}/{step.action.replace('_', '-')}",
            _action_route(spec, step),
            methods=["POST"],
            response_model=spec.workflow.view_type,
            summary=step.describe,
            name=f"{spec.noun}_{step.action}",
        )
    return router


# --- open ------------------------------------------------------------------------------------


def refuse_implausible_dates(opening: BaseModel) -> None:
    """Every date an opening reports is past and plausible, as every action's are."""
    today = london_date(datetime.now(UTC))
    for place, value in reported_dates(opening):
        if refused := date_refusal(place, value, today):
            raise ApiError(409, *refused)


RETRIED_OPENING = "a retry with the same Idempotency-Key and body: the case it opened, as it stands"


def _open_route(router: APIRouter, spec: CaseApi) -> None:
    opening_type = spec.opening

    async def open_case(
        opening: opening_type,
        actor: CurrentActor,
        request: Request,
        idempotency_key: IdempotencyKey = None,
    ) -> Response:
        return await open_case_of(request.app.state, spec, opening, actor, idempotency_key)

    open_case.__name__ = f"open_{spec.noun}"
    open_case.__doc__ = (
        f"Open a {spec.noun} case and get its first deadlines. Retrying with the same "
        "Idempotency-Key and body answers 200 with the same case; another body under that key is "
        "409 request_id_reused."
    )
    router.add_api_route(
        "",
        open_case,
        methods=["POST"],
        status_code=201,
        response_model=spec.workflow.view_type,
        response_description="the case, opened, with its first deadlines",
        # A retry is answered from the case it opened, not by opening another.
        responses={200: {"model": spec.workflow.view_type, "description": RETRIED_OPENING}},
        summary=f"Open a {spec.noun} case",
    )


async def open_case_of(state: Any, spec: CaseApi, opening: BaseModel, actor: Actor, key: str | None):
    """Open a case of the kind (the API's route and the console's form both come here): its
    checks, its reference (the same for a retry with the same key) and its start with its answer."""
    if not spec.access.may_open(actor.role):
        raise forbidden(f"opening a {spec.noun} case needs one of: {', '.join(sorted(spec.access.openers))}")
    refuse_implausible_dates(opening)
    if spec.opening_assignee and (assignee := getattr(opening, spec.opening_assignee)) is not None:
        check_assignable(state, spec, assignee)
    ref = opening_ref(spec, opening, actor, key)
    if spec.vet_opening is not None:  # it may read the register: off the event loop
        await run_in_threadpool(spec.vet_opening, state, opening, actor, ref)
    if key and spec.ref_from_opening is not None:
        await run_in_threadpool(refuse_key_opening_another, state.sessions, spec, actor, key, ref)
    _bind(spec, ref)
    # Without a key, a request of its own: never the ref, which another opening may share.
    meta = ActionMeta(actor=actor, request_id=key or uuid.uuid4().hex)
    start_input = spec.start_input(ref, opening, meta, spec.policy(state))
    async with worker_answer(state):
        started = await start_with_answer(state.client, spec, ref, start_input, meta, state.settings)
    log.info("case opened", kind=spec.noun)
    return started


def refuse_key_opening_another(sessions, spec: CaseApi, actor: Actor, key: str, ref: str) -> None:
    """A kind whose reference follows from its opening (an EN case's, from its MNSI investigation)
    does not derive its workflow id from the Idempotency-Key, so the case would not find the
    key's earlier use itself: the ledger does. The same key with a body naming another case is
    refused rather than opening a second one. An opening is in the ledger once it is answered
    (its projection runs inside it), so only two requests racing with one key both get through."""
    with sessions() as session:
        earlier = session.scalar(
            select(LedgerRow.case_ref)
            .where(
                LedgerRow.case_kind == spec.kind.value,
                LedgerRow.actor_id == actor.id,
                LedgerRow.request_id == key,
                LedgerRow.action == spec.workflow.pathway.opening_action,
                LedgerRow.case_ref != ref,
            )
            .limit(1)
        )
    if earlier is not None:
        raise ApiError(
            409,
            "request_id_reused",
            f"request id {key} already opened {spec.noun} case {earlier} with another request",
            {"existing_ref": earlier},
        )


async def start_with_answer(
    client: Client, spec: CaseApi, ref: str, start_input: BaseModel, meta: ActionMeta, settings
) -> Response:
    """Start the case's workflow and get its opening answer in one round trip (update-with-start);
    a retry with the same Idempotency-Key finds the same case and is answered from it. Any other
    opening that finds the case (a kind whose ref follows from its opening) is refused by it."""
    start = WithStartWorkflowOperation(
        spec.workflow.run,
        start_input,
        id=spec.workflow_id(ref),
        task_queue=settings.temporal_task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        # A case that has ended is never started again under its reference (only a reopen does).
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        search_attributes=search_attributes(spec, spec.workflow.pathway.initial, start_input.owner),
        static_summary=case_summary(spec, ref),
    )
    digest = payload_digest(start_input.opening)
    try:
        opened = await client.execute_update_with_start_workflow(
            "opened",
            args=[meta, digest],
            start_workflow_operation=start,
            result_type=RawValue,
        )
    except WorkflowUpdateFailedError as err:
        raise update_refusal(err) from err
    except WorkflowAlreadyStartedError:
        # The case has ended, and Temporal never starts its id again: the retry of the request
        # that opened it is answered from the ended case; any other opening is refused by it.
        with contextlib.suppress(WorkflowAlreadyStartedError):
            await start.workflow_handle()  # the start's own copy of the refusal, so none is left unread
        await refuse_unless_its_opening(client, spec, ref, meta, digest)
        view = await read_view(client, spec, ref, meta.actor)
        return Response(view.model_dump_json(), media_type="application/json", status_code=200)
    duplicate = (json.loads(opened.payload.data).get("applied") or {}).get("duplicate")
    return passthrough(opened, status_code=200 if duplicate else 201)


async def refuse_unless_its_opening(
    client: Client, spec: CaseApi, ref: str, meta: ActionMeta, digest: str
) -> None:
    """An ended case takes no update: it answers by query whether this opening is its own retry,
    by the rule its `opened` update applies while it runs (workflows/case_kit.py)."""
    handle = client.get_workflow_handle(spec.workflow_id(ref))
    refusal = await handle.query("opening_refusal", args=[meta, digest], result_type=Refusal | None)
    if refusal is not None:
        raise ApiError(409, refusal.code, refusal.message, refusal.model_dump(mode="json"))


async def answer(handle: WorkflowHandle, meta: ActionMeta, receipt: ActionReceipt) -> Response:
    """The response to an action: the case as it stands after it, asked of the case by the
    action's receipt (the history keeps the receipt, not a copy of the case)."""
    for attempt in range(ANSWER_ATTEMPTS - 1):
        try:
            return await _ask_answer(handle, meta, receipt)
        except (RPCError, WorkflowQueryFailedError) as err:
            # The case's query buffer is full (handlers acting on it at once), or its run is
            # continuing as new: the action is applied, so its answer is worth a short wait.
            if isinstance(err, RPCError) and err.status not in ANSWER_RETRIED:
                raise
            log.info("answer retried", error=str(err), attempt=attempt)
            await asyncio.sleep(0.01 * 2**attempt)
    return await _ask_answer(handle, meta, receipt)


async def _ask_answer(handle: WorkflowHandle, meta: ActionMeta, receipt: ActionReceipt) -> Response:
    view = await handle.query("answer", args=[meta.actor, meta.request_id, receipt], result_type=RawValue)
    return passthrough(view)


# --- list, read, history ----------------------------------------------------------------------


def _list_route(router: APIRouter, spec: CaseApi) -> None:
    view = spec.listing

    def list_cases(
        actor: CurrentActor,
        session: SessionDep,
        filters: Annotated[view.filters, Depends()],
        paging: Annotated[Paging, Depends()],
    ):
        may_read(spec, actor)
        conditions = [*view.kind_condition(spec.kind), *filters.conditions(view.table)]
        return page(session, view.table, conditions, view.summary, paging)

    list_cases.__name__ = f"list_{spec.noun}"
    list_cases.__doc__ = f"{spec.noun} cases from the register, newest first."
    router.add_api_route(
        "",
        list_cases,
        methods=["GET"],
        response_model=Page[view.summary],
        summary=f"List {spec.noun} cases",
    )


def _read_routes(router: APIRouter, spec: CaseApi) -> None:
    async def read_case(case: Annotated[CaseRequest, case_in_path(spec)], request: Request):
        async with worker_answer(request.app.state):
            return await read_view(request.app.state.client, spec, case.ref, case.actor)

    async def case_history(
        case: Annotated[CaseRequest, case_in_path(spec)],
        request: Request,
        session: SessionDep,
        chosen: Annotated[HistoryQuery, Depends()],
    ) -> history.CaseHistory:
        return await case_story(request.app.state, session, case, chosen.filter())

    read_case.__doc__ = f"The {spec.noun} case as its workflow holds it now, with the actions allowed to you."
    case_history.__doc__ = (
        "The whole story: the timeline from Temporal's event history while it exists (people's "
        "actions, the clock's warnings, escalations and misses, routes' endings, runs continued as "
        "new; a claim's routes' entries too), oldest first, filtered and paged; and the ledger always."
    )
    router.add_api_route(
        "/{ref}",
        read_case,
        methods=["GET"],
        response_model=spec.workflow.view_type,
        summary=f"Read a {spec.noun} case",
    )
    router.add_api_route(
        "/{ref}/history",
        case_history,
        methods=["GET"],
        response_model=history.CaseHistory,
        summary="Read its timeline",
    )
    for route, name in ((read_case, "read"), (case_history, "history")):
        route.__name__ = f"{name}_{spec.noun}"


async def case_story(app_state: Any, session, case: CaseRequest, chosen: history.TimelineFilter):
    """The case's whole story (the API's history route and the console's timeline page)."""
    spec = case.spec
    state = await _state_if_answered(app_state, spec, case.ref)
    return await history.case_history(
        app_state.client,
        session,
        spec.kind,
        case.ref,
        case.workflow_id,
        spec.workflow.pathway.opening_action,
        state=state,
        related=await _routes_of(app_state, state),
        chosen=chosen,
    )


class HistoryQuery:
    def __init__(
        self,
        kind: Annotated[
            list[history.EntryKind] | None, Query(description="entries of these kinds only")
        ] = None,
        since: Annotated[datetime | None, Query(description="at or after this instant")] = None,
        until: Annotated[datetime | None, Query(description="before this instant")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 500,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> None:
        self.kind, self.since, self.until, self.limit, self.offset = kind, since, until, limit, offset

    def filter(self) -> history.TimelineFilter:
        return history.TimelineFilter(
            frozenset(self.kind or ()), _aware(self.since), _aware(self.until), self.limit, self.offset
        )


def _aware(at: datetime | None) -> datetime | None:
    return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at


async def _state_if_answered(app_state: Any, spec: CaseApi, ref: str) -> dict | None:
    """The case's state for its clock's entries, if a worker answers: the history is served from
    Temporal's events and the ledger without one."""
    try:
        async with worker_answer(app_state):
            state = await read_state(app_state.client, spec, ref)
    except (ApiError, RPCError):
        return None
    return state.model_dump(mode="json")


async def _routes_of(app_state: Any, state: dict | None) -> list[history.Related]:
    """A claim's routes, whose entries (their clock's too) join its timeline."""
    related = []
    for route in (state or {}).get("routes", []):
        route_spec = SPECS.get(route["kind"])
        if route_spec is not None:
            opening = route_spec.workflow.pathway.opening_action
            route_state = await _state_if_answered(app_state, route_spec, route["ref"])
            related.append(history.Related(route["ref"], route["workflow_id"], opening, route_state))
    return related


# --- actions ---------------------------------------------------------------------------------


async def act(app_state: Any, case: CaseRequest, step: Step, payload: BaseModel, key: str | None) -> Response:
    """Send one handler action to a case as an Update; its answer is the response body."""
    spec, actor = case.spec, case.actor
    noting_action(spec.kind, step.action)
    if not spec.access.may_act(actor.role, step.roles):
        raise forbidden(f"{step.action} needs one of: {', '.join(sorted(spec.access.acting(step.roles)))}")
    if step.assignee is not None and (assignee := getattr(payload, step.assignee)) is not None:
        check_assignable(app_state, spec, assignee)
    client: Client = app_state.client
    meta = ActionMeta(actor=actor, request_id=key or uuid.uuid4().hex)
    async with worker_answer(app_state):
        receipt = await _deliver(app_state, case, step, meta, payload)
        log.info("case action", action=step.action, request_id=meta.request_id)
        noting_receipt(receipt)
        return await answer(client.get_workflow_handle(case.workflow_id), meta, receipt)


async def _deliver(
    app_state: Any, case: CaseRequest, step: Step, meta: ActionMeta, payload: BaseModel
) -> ActionReceipt:
    """The action sent until a run takes it; its receipt."""
    for attempt in range(UPDATE_ATTEMPTS - 1):
        try:
            return await _send(app_state, case, step, meta, payload)
        except WorkflowUpdateFailedError as err:
            # A run that continued as new in the same task the action reached it: the action
            # was never applied, so it is sent again, to the new run.
            if not (isinstance(err.cause, ApplicationError) and err.cause.type == "UnprocessedUpdate"):
                raise update_refusal(err) from err
            log.info("action resent", reason=err.cause.message, attempt=attempt)
    try:
        return await _send(app_state, case, step, meta, payload)
    except WorkflowUpdateFailedError as err:
        raise update_refusal(err) from err


async def _send(
    app_state: Any, case: CaseRequest, step: Step, meta: ActionMeta, payload: BaseModel
) -> ActionReceipt:
    spec, client = case.spec, app_state.client
    # A fresh update id for every request: a retry reaches the case, which answers it from its own
    # record of the key as a duplicate (Temporal's own dedup would replay the first answer as if new).
    update_id = uuid.uuid4().hex
    try:
        return await client.get_workflow_handle(case.workflow_id).execute_update(
            step.action, args=[meta, payload], id=update_id, result_type=ActionReceipt
        )
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND:
            raise
        await read_state(client, spec, case.ref)  # an unknown case is a 404
        if step.leads_to != PREVIOUS:
            raise ApiError(
                409, "case_ended", f"{spec.noun} {case.ref} has ended; it takes no more actions"
            ) from err
        return await _reopen_ended_run(app_state, case, step, meta, payload, update_id)


async def _reopen_ended_run(
    app_state: Any, case: CaseRequest, step: Step, meta: ActionMeta, payload: BaseModel, update_id: str
) -> ActionReceipt:
    """Reopen a case whose run ended after its reopen window: a new run carries its final state.

    The run's history then ages out under the namespace's retention (the ledger keeps the
    timeline). Reopening starts the same workflow id again from the state the last run
    returned, with the reopen as its first update.
    """
    client: Client = app_state.client
    spec = case.spec
    ended = client.get_workflow_handle_for(spec.workflow.run, case.workflow_id)
    try:
        final = await ended.result()
    except (RPCError, WorkflowFailureError) as err:
        raise ApiError(
            409, "case_archived", f"{spec.noun} {case.ref}'s final state is no longer held by Temporal"
        ) from err
    state = final.carried.state
    start = WithStartWorkflowOperation(
        spec.workflow.run,
        final,  # the case's own policy and recent request ids, not today's defaults
        id=case.workflow_id,
        task_queue=app_state.settings.temporal_task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        search_attributes=search_attributes(spec, state.stage, state.owner),
        static_summary=case_summary(spec, case.ref),
    )
    return await client.execute_update_with_start_workflow(
        step.action,
        args=[meta, payload],
        start_workflow_operation=start,
        id=update_id,
        result_type=ActionReceipt,
    )


def _action_route(spec: CaseApi, step: Step):
    payload_type = step.payload

    async def route(
        case: Annotated[CaseRequest, case_in_path(spec)],
        payload: payload_type,
        request: Request,
        idempotency_key: IdempotencyKey = None,
    ) -> Response:
        return await act(request.app.state, case, step, payload, idempotency_key)

    route.__name__ = f"{spec.noun}_{step.action}"
    pathway = spec.workflow.pathway
    roles = ", ".join(sorted(spec.access.acting(step.roles)))
    route.__doc__ = (
        f"{step.describe}. Allowed at: {', '.join(pathway.order(step.from_stages))}. Roles: {roles}."
    )
    return route
