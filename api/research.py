"""Research extracts: made, listed, read and downloaded by analysts and admins only
(models/access.py `Learning.EXTRACTS`). Everything comes from the register and the extracts
directory, never from Temporal (fairway/research_extracts.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from api.deps import CurrentActor, IdempotencyKey, SessionDep, require
from api.errors import ApiError, not_found
from api.listing import Page, Paging
from fairway.research_extracts import (
    ExtractRefused,
    extract_file,
    extract_record,
    extract_records,
    make_research_extract,
    table_rows,
)
from models.access import LEARNING_READERS, Learning
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
    require(LEARNING_READERS[Learning.EXTRACTS], actor, "research extracts")
    return actor


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


def _view(request: Request, record: ExtractRecord) -> ResearchExtract:
    rows = table_rows(request.app.state.settings.extracts_dir, record.name)
    base = f"{PREFIX}/{record.name}"
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
    state = request.app.state
    settings = state.settings
    try:
        made = make_research_extract(
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
    response.status_code = 201 if made.made else 200
    response.headers["Location"] = f"{PREFIX}/{made.record.name}"
    return _view(request, made.record)


@router.get("", response_model=Page[ResearchExtract], summary="List research extracts")
def list_extracts(
    actor: ExtractsReader, session: SessionDep, paging: Annotated[Paging, Depends()], request: Request
) -> Page[ResearchExtract]:
    """Every extract's record, newest first."""
    records, total = extract_records(session, paging.limit, paging.offset)
    items = [_view(request, record) for record in records]
    return Page[ResearchExtract](items=items, total=total, limit=paging.limit, offset=paging.offset)


@router.get("/{name}", response_model=ResearchExtract, summary="Read a research extract's record")
def read_extract(
    name: ExtractName, actor: ExtractsReader, session: SessionDep, request: Request
) -> ResearchExtract:
    """Who asked for the extract, when, why, with which filters and taxonomy version, its row
    counts and the links to its files."""
    return _view(request, _recorded(session, name))


def _recorded(session, name: str) -> ExtractRecord:
    record = extract_record(session, name)
    if record is None:
        raise not_found("research_extract", name)
    return record


def _download_route(form: ExtractFormat) -> None:
    def download(
        name: ExtractName, table: ExtractTable, actor: ExtractsReader, session: SessionDep, request: Request
    ) -> FileResponse:
        # Only a recorded extract's files are served: a directory left by a failed write never is.
        _recorded(session, name)
        path = extract_file(request.app.state.settings.extracts_dir, name, table, form)
        if path is None:
            raise ApiError(404, "extract_file_not_found", f"the files of extract {name} are no longer kept")
        return FileResponse(path, media_type=MEDIA_TYPES[form], filename=f"{name}-{table.value}.{form.value}")

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


for _form in ExtractFormat:
    _download_route(_form)
