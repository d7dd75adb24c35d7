"""One router per kit case kind, generated from its pathway table: open, list, read, act, history.

A kind opened by another case (a mediation by its claim) has no open route here; its parent
starts it. Confidential kinds name their readers: anyone else gets 403 on a case and an empty
list, never a row.
"""

import base64
import contextlib
import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from temporalio.client import Client, WithStartWorkflowOperation, WorkflowUpdateFailedError
from temporalio.common import (
    RawValue,
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from api import history, listing
from api.claims import passthrough, update_refusal
from api.deps import CurrentActor, IdempotencyKey, SessionDep
from api.errors import ApiError, not_found
from models import search_attributes as sa
from models.cases import CasePolicy
from models.common import ActionMeta, Actor, CaseKind, Role, case_workflow_id, payload_digest
from models.register import CaseRow
from workflows.case_kit import CaseWorkflow, Step

log = structlog.get_logger(__name__)

EVERYONE = frozenset(Role)
ACTING = frozenset({Role.HANDLER, Role.SUPERVISOR, Role.ADMIN})


@dataclass(frozen=True)
class CaseApi:
    kind: CaseKind
    prefix: str  # e.g. "/mediations"
    workflow: type[CaseWorkflow]
    ref_prefix: str  # e.g. "MED": refs look like MED-ABCDEFGHIJKL
    opening: type[BaseModel] | None = None  # None: opened by another case, not through the API
    openers: frozenset[Role] = ACTING
    readers: frozenset[Role] = EVERYONE
    # Builds the workflow's start input from the request: (ref, opening, meta, policy) -> input.
    start_input: Callable[[str, Any, ActionMeta, CasePolicy], BaseModel] | None = None
    # The policy a new case starts under (tests give short ones), from the app's state.
    policy: Callable[[Any], CasePolicy] = field(default=lambda app_state: CasePolicy())
    # Checks the API makes before starting a case (e.g. against the register); raise ApiError.
    # Given the app's state, the opening, the actor and the ref the case would get.
    vet_opening: Callable[[Any, Any, Actor, str], None] | None = None

    def workflow_id(self, ref: str) -> str:
        return case_workflow_id(self.kind, ref)

    @property
    def noun(self) -> str:
        return self.kind.value


def new_ref(prefix: str, actor: Actor, key: str | None) -> str:
    """A case reference; the same actor retrying with the same key gets the same one."""
    seed = f"{prefix}\x00{actor.id}\x00{key}".encode() if key else uuid.uuid4().bytes
    return f"{prefix}-" + base64.b32encode(hashlib.sha256(seed).digest()).decode()[:12]


class CaseSummary(BaseModel):
    ref: str
    kind: str
    parent_ref: str | None
    stage: str
    owner: str
    team: str
    outcome: str | None
    next_deadline_at: datetime | None
    overdue: bool
    opened_at: datetime
    updated_at: datetime
    facts: dict[str, Any]


class CasePage(BaseModel):
    items: list[CaseSummary]
    total: int
    limit: int
    offset: int


def _bind(spec: CaseApi, ref: str) -> None:
    structlog.contextvars.bind_contextvars(case_id=ref, workflow_id=spec.workflow_id(ref))


def may_read(spec: CaseApi, actor: Actor) -> None:
    if actor.role not in spec.readers:
        raise ApiError(403, "forbidden", f"{spec.noun} cases are not visible to the {actor.role} role")


async def read_state(client: Client, spec: CaseApi, ref: str):
    try:
        return await client.get_workflow_handle(spec.workflow_id(ref)).query(
            "state", result_type=spec.workflow.state_type
        )
    except RPCError as err:
        if err.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.INVALID_ARGUMENT):
            raise not_found(spec.noun, ref) from err
        raise


def search_attributes(spec: CaseApi, stage: str, owner: str) -> TypedSearchAttributes:
    return TypedSearchAttributes(
        [
            SearchAttributePair(sa.CASE_KIND, spec.kind.value),
            SearchAttributePair(sa.STAGE, stage),
            SearchAttributePair(sa.HANDLER, owner),
        ]
    )


SPECS: dict[str, CaseApi] = {}  # every kit case kind with a router, by kind


def case_router(spec: CaseApi) -> APIRouter:
    SPECS[spec.kind.value] = spec
    router = APIRouter(prefix=spec.prefix, tags=[spec.noun])
    if spec.opening is not None:
        _open_route(router, spec)
    _read_routes(router, spec)
    for step in spec.workflow.pathway.steps.values():
        router.add_api_route(
            f"/{{ref}}/{step.action.replace('_', '-')}",
            _action_route(spec, step),
            methods=["POST"],
            summary=step.describe,
            name=f"{spec.noun}_{step.action}",
        )
    return router


def _open_route(router: APIRouter, spec: CaseApi) -> None:
    opening_type = spec.opening

    async def open_case(
        opening: opening_type,
        actor: CurrentActor,
        request: Request,
        response: Response,
        idempotency_key: IdempotencyKey = None,
    ) -> Response:
        if actor.role not in spec.openers:
            raise ApiError(
                403, "forbidden", f"opening a {spec.noun} case needs one of: {sorted(spec.openers)}"
            )
        state = request.app.state
        ref = new_ref(spec.ref_prefix, actor, idempotency_key)
        if spec.vet_opening is not None:  # it may read the register: off the event loop
            await run_in_threadpool(spec.vet_opening, state, opening, actor, ref)
        _bind(spec, ref)
        meta = ActionMeta(actor=actor, request_id=idempotency_key or ref)
        start_input = spec.start_input(ref, opening, meta, spec.policy(state))
        started = await start_with_answer(state.client, spec, ref, start_input, meta, state.settings)
        log.info("case opened", kind=spec.noun)
        return started

    open_case.__name__ = f"open_{spec.noun}"
    router.add_api_route("", open_case, methods=["POST"], status_code=201, summary=f"Open a {spec.noun} case")


async def start_with_answer(
    client: Client, spec: CaseApi, ref: str, start_input: BaseModel, meta: ActionMeta, settings
) -> Response:
    """Start the case's workflow and get its opening answer in one round trip (update-with-start);
    a retry with the same Idempotency-Key finds the same case and is answered from it."""
    start = WithStartWorkflowOperation(
        spec.workflow.run,
        start_input,
        id=spec.workflow_id(ref),
        task_queue=settings.temporal_task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        # A case that has ended is never started again under its reference.
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        search_attributes=search_attributes(spec, spec.workflow.pathway.initial, start_input.owner),
    )
    try:
        result = await client.execute_update_with_start_workflow(
            "opened",
            args=[meta, payload_digest(start_input.opening)],
            start_workflow_operation=start,
            result_type=RawValue,
        )
    except WorkflowUpdateFailedError as err:
        raise update_refusal(err) from err
    except WorkflowAlreadyStartedError:
        # The retry of a request whose case has since ended: answered from the ended case.
        with contextlib.suppress(WorkflowAlreadyStartedError):
            await start.workflow_handle()  # the start's own copy of the refusal, so none is left unread
        state = await read_state(client, spec, ref)
        allowed = spec.workflow.pathway.allowed_actions(state, meta.actor.role)
        view = spec.workflow.view_type(state=state, allowed_actions=allowed)
        return Response(view.model_dump_json(), media_type="application/json", status_code=200)
    duplicate = (json.loads(result.payload.data).get("applied") or {}).get("duplicate")
    return passthrough(result, status_code=200 if duplicate else 201)


def _read_routes(router: APIRouter, spec: CaseApi) -> None:
    async def list_cases(
        actor: CurrentActor,
        session: SessionDep,
        stage: str | None = None,
        owner: str | None = None,
        parent_ref: str | None = None,
        overdue: bool | None = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> CasePage:
        if actor.role not in spec.readers:
            return CasePage(items=[], total=0, limit=limit, offset=offset)
        filters = [CaseRow.kind == spec.kind.value]
        for column, value in (
            (CaseRow.stage, stage),
            (CaseRow.owner, owner),
            (CaseRow.parent_ref, parent_ref),
            (CaseRow.overdue, overdue),
        ):
            if value is not None:
                filters.append(column == value)
        items, total = listing.page(session, CaseRow, filters, CaseSummary, limit, offset)
        return CasePage(items=items, total=total, limit=limit, offset=offset)

    async def read_case(ref: str, actor: CurrentActor, request: Request):
        may_read(spec, actor)
        _bind(spec, ref)
        state = await read_state(request.app.state.client, spec, ref)
        allowed = spec.workflow.pathway.allowed_actions(state, actor.role)
        return spec.workflow.view_type(state=state, allowed_actions=allowed)

    async def case_history(
        ref: str, actor: CurrentActor, request: Request, session: SessionDep
    ) -> history.CaseHistory:
        may_read(spec, actor)
        _bind(spec, ref)
        workflow_id, opening = spec.workflow_id(ref), spec.workflow.opening_action
        return await history.case_history(
            request.app.state.client, session, ref, workflow_id, spec.noun, opening
        )

    router.add_api_route(
        "", list_cases, methods=["GET"], response_model=CasePage, summary=f"List {spec.noun} cases"
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
    for route, name in ((list_cases, "list"), (read_case, "read"), (case_history, "history")):
        route.__name__ = f"{name}_{spec.noun}"


async def act(client: Client, spec: CaseApi, ref: str, step: Step, payload: BaseModel, actor: Actor, key):
    """Send one handler action to a case as an Update; its answer is the response body."""
    if actor.role not in step.roles:
        raise ApiError(403, "forbidden", f"{step.action} needs one of: {', '.join(sorted(step.roles))}")
    meta = ActionMeta(actor=actor, request_id=key or uuid.uuid4().hex)
    handle = client.get_workflow_handle(spec.workflow_id(ref))
    try:
        result = await handle.execute_update(
            step.action,
            args=[meta, payload],
            id=f"{step.action}:{meta.request_id}:{payload_digest(payload)}",
            result_type=RawValue,
        )
    except WorkflowUpdateFailedError as err:
        raise update_refusal(err) from err
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND:
            raise
        await read_state(client, spec, ref)  # an unknown case is a 404
        raise ApiError(409, "case_ended", f"{spec.noun} {ref} has ended; it takes no more actions") from err
    log.info("case action", action=step.action, request_id=meta.request_id)
    return passthrough(result)


def _action_route(spec: CaseApi, step: Step):
    payload_type = step.payload

    async def route(
        ref: str,
        payload: payload_type,
        actor: CurrentActor,
        request: Request,
        idempotency_key: IdempotencyKey = None,
    ) -> Response:
        may_read(spec, actor)
        _bind(spec, ref)
        return await act(request.app.state.client, spec, ref, step, payload, actor, idempotency_key)

    route.__name__ = f"{spec.noun}_{step.action}"
    order = [s.value for s in spec.workflow.pathway.stages]
    route.__doc__ = f"{step.describe}. Allowed at: {', '.join(sorted(step.from_stages, key=order.index))}."
    return route
