"""The console's research extract pages, for analysts and admins only (models/access.py
`Learning.EXTRACTS`): the record of every extract, newest first; the form that asks for one; and
an extract's record with each table's files, served here to the signed-in browser. Extracts are
made, read and served through the API's own functions (api/research.py), from the register and
the extracts directory, never from Temporal.

The request form is generated from the API's `ExtractRequest`, its specialties and themes offered
from the taxonomy the app runs with, groups among them (a group stands for every code under it),
so the form offers nothing the API would refuse as unknown. It carries a fresh idempotency key,
so a double post makes one extract.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.console import learning
from api.console.auth import ConsoleActor, checked_form
from api.console.case_page import filled_form, payload_of
from api.console.forms import IDEMPOTENCY_FIELD, Choice
from api.console.templating import refused, render
from api.deps import SessionDep
from api.errors import ApiError
from api.learning import learning_reader
from api.listing import Page
from api.research import extract_download, extract_view, made_extract, recorded_extract
from fairway.research_extracts import extract_records
from models.access import Learning
from models.coding import CodeKind, Taxonomy
from models.common import Actor
from models.research_extracts import ExtractFormat, ExtractRecord, ExtractRequest, ExtractTable

PREFIX = f"{learning.PREFIX}/extracts"
router = APIRouter(prefix=PREFIX, include_in_schema=False)
PAGE_SIZE = 25
FILTERED_KINDS = (CodeKind.SPECIALTY, CodeKind.THEME)


@router.get("")
def extracts(
    request: Request,
    actor: ConsoleActor,
    session: SessionDep,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> HTMLResponse:
    try:
        learning_reader(Learning.EXTRACTS, actor)
    except ApiError as err:
        return refused(request, err)
    records, total = extract_records(session, PAGE_SIZE, offset)
    found = Page[ExtractRecord](items=records, total=total, limit=PAGE_SIZE, offset=offset)
    return render(request, "extracts.html", found=found)


@router.get("/new")
def request_form(request: Request, actor: ConsoleActor) -> HTMLResponse:
    return _request_page(request, actor)


@router.post("/new")
async def request_extract(request: Request, actor: ConsoleActor) -> Response:
    fields = await checked_form(request)
    key = (fields.pop(IDEMPOTENCY_FIELD, None) or [""])[0] or None
    try:
        learning_reader(Learning.EXTRACTS, actor)
        body = payload_of(ExtractRequest, fields)
        # Reading the register and writing the files blocks: off the event loop, as the API's route is.
        made = await run_in_threadpool(made_extract, request, body, actor, key)
    except ApiError as err:
        return _request_page(request, actor, err, fields)
    return RedirectResponse(f"{PREFIX}/{made.record.name}", status_code=303)


def _request_page(
    request: Request, actor: Actor, refusal: ApiError | None = None, values: dict | None = None
) -> HTMLResponse:
    try:
        learning_reader(Learning.EXTRACTS, actor)
    except ApiError as err:
        return refused(request, err)
    asking = filled_form(
        ExtractRequest,
        action="request_extract",
        title="Request a research extract",
        describe="",
        url=f"{PREFIX}/new",
        refusal=refusal,
        values=values,
        codes=filter_choices(request.app.state.taxonomy),
    )
    status = refusal.status if refusal else 200
    return render(request, "extract_request.html", status_code=status, asking=asking)


def filter_choices(taxonomy: Taxonomy) -> dict[str, list[Choice]]:
    """What an extract's filters offer for each kind: every code still in use, a group as well as
    its codes, shown under its group as the coding form shows codes."""

    def shown(code: str) -> str:
        return f"{taxonomy.by_code[code].label} (all)" if code in taxonomy.parents else taxonomy.shown(code)

    return {
        kind.value: [Choice(c.code, shown(c.code), c.code) for c in taxonomy.of_kind(kind) if not c.retired]
        for kind in FILTERED_KINDS
    }


@router.get("/{name}")
def extract_page(request: Request, actor: ConsoleActor, session: SessionDep, name: str) -> HTMLResponse:
    try:
        learning_reader(Learning.EXTRACTS, actor)
        extract = extract_view(request, recorded_extract(session, name), prefix=PREFIX)
    except ApiError as err:
        return refused(request, err)
    return render(request, "extract.html", extract=extract)


def _download_route(form: ExtractFormat) -> None:
    def download(
        request: Request, actor: ConsoleActor, session: SessionDep, name: str, table: str
    ) -> Response:
        try:
            learning_reader(Learning.EXTRACTS, actor)
            return extract_download(request, session, name, _table(table), form)
        except ApiError as err:
            return refused(request, err)

    router.add_api_route(f"/{{name}}/{{table}}.{form.value}", download, methods=["GET"])


def _table(table: str) -> ExtractTable:
    try:
        return ExtractTable(table)
    except ValueError:
        raise ApiError(404, "extract_table_not_found", f"an extract has no table {table[:40]!r}") from None


for _form in ExtractFormat:
    _download_route(_form)
