"""The console's pages, each a thin reading of the API's own functions (see api/console/__init__.py):
my work, the supervisor queue, the case lists and the case page with its action forms. The
dashboard and learning's pages (api/console/learning.py, extracts.py) have modules of their own.

A refusal from those functions (an ApiError) is shown as a page with its reason and status,
never as the API's JSON; access and confidentiality are the API's, checked by the same calls.
"""

# No `from __future__ import annotations`: each kind's list route takes its own filter class,
# which FastAPI must see as a class, not as a name it cannot resolve.
import inspect
import json
import re
import uuid
from dataclasses import dataclass
from typing import Annotated, Any, get_args, get_type_hints

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from temporalio.service import RPCError

from api import work
from api.cases import SPECS, CaseApi, CaseRequest, act, case_story, may_read, open_case_of, read_view
from api.console import dashboard, extracts, learning
from api.console.auth import ConsoleActor, caseless_home, checked_form
from api.console.case_page import case_context, opening_form, payload_of
from api.console.templating import refused, render
from api.deps import SessionDep
from api.errors import ApiError, forbidden
from api.escalations import (
    ACKNOWLEDGERS,
    MAX_AGE_HOURS,
    QUEUE_READERS,
    Acknowledgment,
    EscalationId,
    acknowledge_escalation,
    list_escalations,
)
from api.history import TimelineFilter
from api.listing import Paging, page
from api.waiting import worker_answer
from models.access import kinds_visible_to
from models.common import CaseKind
from models.deadlines import LadderStep

PAGE_SIZE = 25
QUEUE_PAGE = re.compile(r"/console/queue(\?[^\\]*)?")
router = APIRouter(prefix="/console", include_in_schema=False)


def routers() -> list[APIRouter]:
    """Every page router of the console, in the order their paths are matched."""
    return [
        dashboard.router,
        router,
        learning.router,
        extracts.router,
        *(_kind_router(spec) for spec in SPECS.values()),
    ]


# --- my work and the queue ---------------------------------------------------------------------


@router.get("/work")
def my_work(
    request: Request,
    actor: ConsoleActor,
    session: SessionDep,
    handler: Annotated[str | None, Query(max_length=100)] = None,
    team: Annotated[str | None, Query(max_length=60)] = None,
) -> Response:
    if (elsewhere := caseless_home(actor)) is not None:
        return elsewhere
    try:
        mine = work.my_work(
            actor, session, handler=handler or None, team=team or None, within_days=14, limit=100
        )
    except ApiError as err:
        return refused(request, err)
    return render(
        request,
        "work.html",
        work=mine,
        may_choose=actor.role in QUEUE_READERS,
        handler=handler or "",
        team=team or "",
    )


@dataclass(frozen=True)
class QueueFilters:
    level: str = ""
    case_kind: str = ""
    team: str = ""
    min_age_hours: str = ""


@router.get("/queue")
def queue(
    request: Request,
    actor: ConsoleActor,
    session: SessionDep,
    level: Annotated[str, Query(max_length=20)] = "",
    case_kind: Annotated[str, Query(max_length=40)] = "",
    team: Annotated[str, Query(max_length=60)] = "",
    min_age_hours: Annotated[str, Query(max_length=10)] = "",
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> HTMLResponse:
    chosen = QueueFilters(level, case_kind, team, min_age_hours)
    try:
        filters = _queue_filters(chosen)
        waiting = list_escalations(actor, session, Paging(PAGE_SIZE, offset), **filters, acknowledged="false")
        resolved = list_escalations(
            actor, session, Paging(10, 0), **filters, acknowledged="all", resolved="true"
        )
    except ApiError as err:
        return refused(request, err)
    return render(
        request,
        "queue.html",
        waiting=waiting,
        resolved=resolved,
        chosen=chosen,
        levels=[step.value for step in LadderStep],
        kinds=sorted(kinds_visible_to(actor.role)),
        may_acknowledge=actor.role in ACKNOWLEDGERS,
        idempotency_key=uuid.uuid4().hex,
        return_to=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    )


def _queue_filters(chosen: QueueFilters) -> dict[str, Any]:
    """The queue's filters as the API takes them: a bad one is the API's own 422, in words."""
    try:
        hours = float(chosen.min_age_hours) if chosen.min_age_hours else None
        if hours is not None and not 0 <= hours <= MAX_AGE_HOURS:  # NaN fails this too
            raise ValueError(hours)
        return {
            "level": LadderStep(chosen.level) if chosen.level else None,
            "case_kind": CaseKind(chosen.case_kind) if chosen.case_kind else None,
            "team": chosen.team or None,
            "min_age_hours": hours,
        }
    except ValueError:
        raise ApiError(422, "invalid_request", "a filter is not one the queue offers") from None


@router.post("/queue/{escalation_id}/acknowledge")
async def acknowledge(
    request: Request, escalation_id: EscalationId, actor: ConsoleActor, session: SessionDep
) -> Response:
    fields = await checked_form(request)
    comment = (fields.get("comment") or [""])[0].strip()
    key = (fields.get("idempotency_key") or [""])[0] or None
    back = (fields.get("return_to") or [""])[0]
    if not comment:
        return refused(
            request, ApiError(422, "comment_required", "Enter a comment saying what you have done")
        )
    try:
        await acknowledge_escalation(
            escalation_id, Acknowledgment(comment=comment), actor, session, request, key
        )
    except ApiError as err:
        return refused(request, err)
    # Back to the queue as it was filtered; only ever to the queue itself.
    return RedirectResponse(back if QUEUE_PAGE.fullmatch(back) else "/console/queue", status_code=303)


# --- the case lists -----------------------------------------------------------------------------


@router.get("/cases")
def case_kinds(request: Request, actor: ConsoleActor) -> HTMLResponse:
    visible = [spec for spec in SPECS.values() if spec.access.may_read(actor.role)]
    return render(request, "case_kinds.html", specs=visible)


@dataclass(frozen=True)
class FilterField:
    name: str
    label: str
    choices: list[str] | None  # None: free text
    value: str


def _filter_fields(filters_type: type, query: dict[str, str]) -> list[FilterField]:
    """The list's filters as the API declares them: its filter class's parameters."""
    hints = get_type_hints(filters_type.__init__)
    names = [n for n in inspect.signature(filters_type.__init__).parameters if n != "self"]
    return [FilterField(n, n.replace("_", " "), _choices(hints[n]), query.get(n, "")) for n in names]


def _choices(annotation: Any) -> list[str] | None:
    """Choices for a filter: yes/no for a flag, an enum's values; None for free text."""
    for arg in (annotation, *get_args(annotation)):
        if arg is bool:
            return ["true", "false"]
        if inspect.isclass(arg) and issubclass(arg, str) and hasattr(arg, "__members__"):
            return [member.value for member in arg]
    return None


def _kind_router(spec: CaseApi) -> APIRouter:
    """A kind's list, case page, action forms and opening form, on the API's functions."""
    kind_router = APIRouter(prefix=f"/console/cases/{spec.kind.value}", include_in_schema=False)
    view = spec.listing

    def list_cases(
        request: Request,
        actor: ConsoleActor,
        session: SessionDep,
        filters: Annotated[view.filters, Depends()],
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> HTMLResponse:
        try:
            may_read(spec, actor)
        except ApiError as err:
            return refused(request, err)
        conditions = [*view.kind_condition(spec.kind), *filters.conditions(view.table)]
        found = page(session, view.table, conditions, view.summary, Paging(PAGE_SIZE, offset))
        query = {k: v for k, v in request.query_params.items() if k != "offset"}
        return render(
            request,
            "case_list.html",
            spec=spec,
            found=found,
            filters=_filter_fields(view.filters, query),
            query=query,
            columns=_columns(view.summary),
            may_open=spec.opening is not None and actor.role in spec.access.openers,
        )

    async def case_page(request: Request, actor: ConsoleActor, ref: str) -> HTMLResponse:
        return await _case_page(request, spec, ref, actor)

    async def timeline(
        request: Request,
        actor: ConsoleActor,
        session: SessionDep,
        ref: str,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> HTMLResponse:
        try:
            case = _case(spec, ref, actor)
            story = await case_story(
                request.app.state, session, case, TimelineFilter(limit=100, offset=offset)
            )
        except ApiError as err:
            return refused(request, err)
        return render(request, "timeline.html", spec=spec, ref=ref, story=story, offset=offset)

    kind_router.add_api_route("", list_cases, methods=["GET"])
    if spec.opening is not None:
        kind_router.add_api_route("/new", _opening_page(spec), methods=["GET"])
        kind_router.add_api_route("/new", _opening_handler(spec), methods=["POST"])
    kind_router.add_api_route("/{ref}", case_page, methods=["GET"])
    kind_router.add_api_route("/{ref}/timeline", timeline, methods=["GET"])
    kind_router.add_api_route("/{ref}/actions/{action}", _action_handler(spec), methods=["POST"])
    return kind_router


def _columns(summary: type) -> list[str]:
    """The list's columns: the summary's fields a person reads (no internal ids or facts)."""
    hidden = {"facts", "kind", "workflow_id", "parent_ref"}
    return [name for name in summary.model_fields if name not in hidden]


# --- the case page and its actions --------------------------------------------------------------


async def _case_page(
    request: Request,
    spec: CaseApi,
    ref: str,
    actor,
    refusal: ApiError | None = None,
    refused_action: str | None = None,
    values: dict | None = None,
) -> HTMLResponse:
    try:
        case = _case(spec, ref, actor)
        async with worker_answer(request.app.state):
            view = await read_view(request.app.state.client, spec, case.ref, actor)
    except ApiError as err:
        return refused(request, err)
    except RPCError as err:
        return refused(request, ApiError(503, "temporal_unavailable", str(err)))
    context = case_context(request, spec, view, actor, refusal, refused_action, values)
    status = refusal.status if refusal is not None else 200
    return render(request, "case.html", status_code=status, **context)


def _case(spec: CaseApi, ref: str, actor) -> CaseRequest:
    if not re.fullmatch(spec.ref_pattern, ref):
        raise ApiError(404, f"{spec.noun}_not_found", f"no {spec.noun} has that reference")
    may_read(spec, actor)
    return CaseRequest(spec, ref, actor)


def _action_handler(spec: CaseApi):
    async def take_action(request: Request, actor: ConsoleActor, ref: str, action: str) -> Response:
        fields = await checked_form(request)
        step = spec.workflow.pathway.steps.get(action)
        if step is None or step.action not in {s.action for s in spec.workflow.pathway.public_steps}:
            return refused(
                request, ApiError(404, "action_not_found", f"a {spec.noun} case has no action {action}")
            )
        key = (fields.pop("idempotency_key", None) or [""])[0] or None
        try:
            case = _case(spec, ref, actor)
            payload = payload_of(step.payload, fields)
            await act(request.app.state, case, step, payload, key)
        except ApiError as err:
            return await _case_page(request, spec, ref, actor, err, action, fields)
        return RedirectResponse(f"/console/cases/{spec.kind.value}/{ref}", status_code=303)

    return take_action


# --- opening a case -----------------------------------------------------------------------------


def _opening_page(spec: CaseApi):
    async def opening_form(request: Request, actor: ConsoleActor) -> HTMLResponse:
        return _render_opening(request, spec, actor)

    return opening_form


def _render_opening(request: Request, spec: CaseApi, actor, refusal: ApiError | None = None, values=None):
    if actor.role not in spec.access.openers:
        return refused(
            request,
            forbidden(f"opening a {spec.noun} case needs one of: {', '.join(sorted(spec.access.openers))}"),
        )
    opening = opening_form(spec, refusal, values)
    return render(
        request, "opening.html", status_code=refusal.status if refusal else 200, spec=spec, opening=opening
    )


def _opening_handler(spec: CaseApi):
    async def open_case(request: Request, actor: ConsoleActor) -> Response:
        fields = await checked_form(request)
        key = (fields.pop("idempotency_key", None) or [""])[0] or None
        try:
            opening = payload_of(spec.opening, fields)
            answer = await open_case_of(request.app.state, spec, opening, actor, key)
        except ApiError as err:
            return _render_opening(request, spec, actor, err, fields)
        ref = json.loads(answer.body)["state"]["ref"]
        return RedirectResponse(f"/console/cases/{spec.kind.value}/{ref}", status_code=303)

    return open_case
