"""Research extracts: made, listed, read and downloaded by analysts and admins only
(models/access.py `Learning.EXTRACTS`). Everything comes from the register and the extracts
directory, never from Temporal (fairway/research_extracts.py). The console's extract pages
(api/console/extracts.py) make, read and serve extracts through the functions here."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from api.deps import CurrentActor, IdempotencyKey, SessionDep
from api.errors import ApiError, not_found
from api.learning import learning_reader
from api.listing import Page, Paging
from fairway.research_extracts import (
    ExtractRefused,
    MadeExtract,
    extract_file,
    extract_record,
    extract_records,
    make_research_extract,
    table_rows,
)
from models.access import Learning
from models.common import Actor
from models.research_extracts import (
    EXTRACT_NAME_PATTERN,
    ExtractFormat,
    ExtractRecord,
    ExtractRequest,
    ExtractTable,
)

PREFIX = "/learning/extracts"
router = APIRouter(prefix=PREFIX, tags=["learning"])

MEDIA_TYPES = {
    ExtractFormat.CSV: "text/csv; charset=utf-8",
    ExtractFormat.PARQUET: "application/vnd.apache.parquet",
    ExtractFormat.DICTIONARY: "text/markdown; charset=utf-8",
}
RETRIED = "a retry with the same Idempotency-Key and body: the extract it made"


def _extracts_reader(actor: CurrentActor) -> Actor:
    return learning_reader(Learning.EXTRACTS, actor)


# A dependency, so a role that may not read extracts is refused before its path is looked at.
ExtractsReader = Annotated[Actor, Depends(_extracts_reader)]
ExtractName = Annotated[
    str, Path(pattern=EXTRACT_NAME_PATTERN, max_length=100, description="e.g. extract-20261207-k3xq7a2mfd")
]


class ExtractTableFiles(BaseModel):
    table: ExtractTable
    rows: int | None = Field(description="rows in the table; empty once its files are no longer kept")
    csv: str = Field(description="link to the table as CSV")
    parquet: str = Field(description="link to the table as Parquet")
    dictionary: str = Field(description="link to the table's data dictionary (Markdown)")


class ResearchExtract(ExtractRecord):
    tables: list[ExtractTableFiles]


def extract_view(request: Request, record: ExtractRecord, prefix: str = PREFIX) -> ResearchExtract:
    """The record with each table's rows and the links to its files under `prefix` (the API's,
    or the console's, which serves them to a signed-in browser)."""
    rows = table_rows(request.app.state.settings.extracts_dir, record.name)
    base = f"{prefix}/{record.name}"
    tables = [
        ExtractTableFiles(
            table=table,
            rows=rows[table],
            **{form.name.lower(): f"{base}/{table.value}.{form.value}" for form in ExtractFormat},
        )
        for table in ExtractTable
    ]
    return ResearchExtract(**record.model_dump(), tables=tables)


@router.post(
    "",
    status_code=201,
    response_model=ResearchExtract,
    responses={200: {"model": ResearchExtract, "description": RETRIED}},
    summary="Make a research extract",
)
def make_extract(
    body: ExtractRequest,
    actor: ExtractsReader,
    request: Request,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> ResearchExtract:
    """Select the claims the filters name from the register, make them safe, write the three
    tables (claims, codes, summary) as CSV and Parquet with their dictionaries, and record who
    asked and why. Retrying with the same Idempotency-Key and body answers 200 with the same
    extract; another body under that key is 409 request_id_reused."""
    made = made_extract(request, body, actor, idempotency_key)
    response.status_code = 201 if made.made else 200
    response.headers["Location"] = f"{PREFIX}/{made.record.name}"
    return extract_view(request, made.record)


def made_extract(
    request: Request, body: ExtractRequest, actor: Actor, idempotency_key: str | None
) -> MadeExtract:
    """The extract the request asks for, made now or by an earlier request under the same key;
    a refusal is a 409 with its code."""
    state = request.app.state
    settings = state.settings
    try:
        return make_research_extract(
            state.sessions,
            settings.extracts_dir,
            state.taxonomy,
            settings.suppress_counts_below,
            body,
            actor,
            idempotency_key,
        )
    except ExtractRefused as refused:
        raise ApiError(409, refused.code, refused.message) from None


@router.get("", response_model=Page[ResearchExtract], summary="List research extracts")
def list_extracts(
    actor: ExtractsReader, session: SessionDep, paging: Annotated[Paging, Depends()], request: Request
) -> Page[ResearchExtract]:
    """Every extract's record, newest first."""
    records, total = extract_records(session, paging.limit, paging.offset)
    items = [extract_view(request, record) for record in records]
    return Page[ResearchExtract](items=items, total=total, limit=paging.limit, offset=paging.offset)


@router.get("/{name}", response_model=ResearchExtract, summary="Read a research extract's record")
def read_extract(
    name: ExtractName, actor: ExtractsReader, session: SessionDep, request: Request
) -> ResearchExtract:
    """Who asked for the extract, when, why, with which filters and taxonomy version, its row
    counts and the links to its files."""
    return extract_view(request, recorded_extract(session, name))


def recorded_extract(session, name: str) -> ExtractRecord:
    record = extract_record(session, name)
    if record is None:
        raise not_found("research_extract", name)
    return record


def _download_route(form: ExtractFormat) -> None:
    def download(
        name: ExtractName, table: ExtractTable, actor: ExtractsReader, session: SessionDep, request: Request
    ) -> FileResponse:
        return extract_download(request, session, name, table, form)

    download.__doc__ = f"One table of an extract, as {form.value}."
    router.add_api_route(
        f"/{{name}}/{{table}}.{form.value}",
        download,
        methods=["GET"],
        name=f"download_{form.name.lower()}",
        response_class=FileResponse,
        responses={
            200: {
                "description": f"the table as {form.value}",
                "content": {MEDIA_TYPES[form]: {"schema": {"type": "string", "format": "binary"}}},
            }
        },
        summary=f"Download a table of a research extract ({form.value})",
    )


def extract_download(
    request: Request, session, name: str, table: ExtractTable, form: ExtractFormat
) -> FileResponse:
    """One table of a recorded extract as a file, or 404 once its files are no longer kept."""
    # Only a recorded extract's files are served: a directory left by a failed write never is.
    recorded_extract(session, name)
    path = extract_file(request.app.state.settings.extracts_dir, name, table, form)
    if path is None:
        raise ApiError(404, "extract_file_not_found", f"the files of extract {name} are no longer kept")
    return FileResponse(path, media_type=MEDIA_TYPES[form], filename=f"{name}-{table.value}.{form.value}")


for _form in ExtractFormat:
    _download_route(_form)
