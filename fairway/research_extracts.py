"""Research extracts from the register, never from Temporal: the claims an analyst's filters
select, made safe (models/research_extracts.py), written as files (fairway/extracts.py) under
`<extracts_dir>/<name>/`, and recorded (models/register.py ResearchExtractRow).

Only the claim's own tables are read (claim, claim_code, claim_route, payment), so advice cases
are never in an extract; and only coded claims whose codes read in the current taxonomy's terms
(coded against it, or against the version it maps), since the filters and the columns are in
those terms: a code the previous version had is written as its successor.

An extract is all or nothing. Its record is inserted first and committed last, so nobody sees it
before its files are whole, and a second request for the same name waits on that insert (the
unique name on PostgreSQL, the one writer on SQLite) rather than writing files beside it. The
files are written into a hidden directory and renamed into place at once; if anything fails, the
directory goes and the record is rolled back.
"""

from __future__ import annotations

import secrets
import shutil
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fairway.claim_figures import pounds, with_paid
from fairway.db import Sessions
from fairway.extracts import new_extract_key, write_extract
from fairway.private_files import private_dir
from models.coding import Taxonomy
from models.common import Actor
from models.register import ClaimCodeRow, ClaimRouteRow, ClaimRow, ResearchExtractRow
from models.research_extracts import (
    CODED_FIELDS,
    EXTRACT_NAME,
    ExtractFormat,
    ExtractRecord,
    ExtractRequest,
    ExtractTable,
    RegisteredClaim,
    SafeTable,
    codes_under,
    extract_facts,
    extract_name,
    extract_tables,
    filter_refusal,
    name_tail,
)
from models.statistics import current_code, readable_versions, stored_codes


class ExtractRefused(Exception):
    """A request for an extract refused before anything was written: `code` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class MadeExtract:
    record: ExtractRecord
    made: bool  # False: a retry, answered with the extract its first request made


def make_research_extract(
    sessions: Sessions,
    extracts_dir: Path,
    taxonomy: Taxonomy,
    below: int,
    request: ExtractRequest,
    actor: Actor,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> MadeExtract:
    """Select, make safe, write and record one extract for `actor`, counts in its summary below
    `below` suppressed. The same actor's retry with the same Idempotency-Key is answered with the
    extract it made; the key reused for other filters or purpose is refused."""
    if refusal := filter_refusal(request.filters, taxonomy):
        raise ExtractRefused(*refusal)
    tail = name_tail(f"{actor.id}\x00{idempotency_key}" if idempotency_key else secrets.token_hex(16))
    with sessions() as session:
        if (earlier := _recorded(session, tail)) is not None:
            return MadeExtract(_retried(earlier, request), made=False)
        claims = selected_claims(session, request, taxonomy)
    if not claims:
        raise ExtractRefused(
            "no_claims_match", f"no claim coded against taxonomy {taxonomy.version} matches the filters"
        )
    now = now or datetime.now(UTC)
    name = extract_name(now.astimezone(UTC).date(), tail)
    # The pseudonyms' key lives only in this call: nothing can join this extract's pseudonyms to
    # references, or to another extract's, once it returns.
    tables = extract_tables(claims, new_extract_key(), request.filters, taxonomy, below)
    record = ResearchExtractRow(
        name=name,
        requested_by=actor.id,
        requested_at=now,
        purpose=request.purpose,
        filters=request.filters.model_dump(mode="json"),
        taxonomy_version=taxonomy.version,
        row_count=len(tables[ExtractTable.CLAIMS].rows),
    )
    facts = extract_facts(request.filters, taxonomy.version, now, below)
    try:
        recorded = _recorded_with_files(sessions, record, extracts_dir, tables, facts)
    except IntegrityError:
        # The same request, retried while this one ran, recorded it first.
        with sessions() as session:
            earlier = _recorded(session, tail)
        if earlier is None:
            raise
        return MadeExtract(_retried(earlier, request), made=False)
    return MadeExtract(recorded, made=True)


def _recorded(session: Session, tail: str) -> ExtractRecord | None:
    """The extract whose name ends so, made on whichever day."""
    row = session.scalars(
        select(ResearchExtractRow).where(ResearchExtractRow.name.like(f"extract-%-{tail}"))
    ).first()
    return ExtractRecord.model_validate(row) if row else None


def _retried(earlier: ExtractRecord, request: ExtractRequest) -> ExtractRecord:
    if earlier.filters != request.filters or earlier.purpose != request.purpose:
        raise ExtractRefused(
            "request_id_reused",
            f"this Idempotency-Key already made extract {earlier.name}, with other filters or purpose",
        )
    return earlier


def _recorded_with_files(
    sessions: Sessions,
    record: ResearchExtractRow,
    extracts_dir: Path,
    tables: dict[ExtractTable, SafeTable],
    facts: dict[str, str],
) -> ExtractRecord:
    written: Path | None = None
    try:
        with sessions.begin() as session:
            session.add(record)
            session.flush()  # the name is this request's from here until it commits or rolls back
            written = _write_files(extracts_dir, record.name, tables, facts)
            recorded = ExtractRecord.model_validate(record)
    except BaseException:
        if written is not None:
            shutil.rmtree(written, ignore_errors=True)
        raise
    return recorded


def _write_files(
    extracts_dir: Path, name: str, tables: dict[ExtractTable, SafeTable], facts: dict[str, str]
) -> Path:
    root = private_dir(extracts_dir)
    making = root / f".{name}.{secrets.token_hex(4)}"  # a dot: never a name the API serves
    making.mkdir(mode=0o700)
    try:
        for table, safe in tables.items():
            write_extract(
                making, table.value, safe.columns, safe.rows, {"extract": name, "table": table.value, **facts}
            )
        final = root / name
        if final.exists():
            # Left by a process that died between writing and committing: this request's insert
            # holds the name, so no other request's files can be there.
            shutil.rmtree(final)
        making.rename(final)
    except BaseException:
        shutil.rmtree(making, ignore_errors=True)
        raise
    return final


# --- selecting ----------------------------------------------------------------------------


def selected_claims(session: Session, request: ExtractRequest, taxonomy: Taxonomy) -> list[RegisteredClaim]:
    """The claims the filters select, with their damages paid, routes, injuries and themes."""
    chosen = _chosen(request, taxonomy)
    codes: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for ref, field, code in session.execute(
        select(ClaimCodeRow.claim_ref, ClaimCodeRow.field, ClaimCodeRow.code).where(
            ClaimCodeRow.claim_ref.in_(chosen), ClaimCodeRow.field.in_(CODED_FIELDS)
        )
    ):
        codes[ref].append((field, code))
    routes: dict[str, set[str]] = defaultdict(set)
    for ref, kind in session.execute(
        select(ClaimRouteRow.claim_ref, ClaimRouteRow.kind).where(ClaimRouteRow.claim_ref.in_(chosen))
    ):
        routes[ref].add(kind)
    found = session.execute(with_paid(ClaimRow, where=[ClaimRow.ref.in_(chosen)]))
    return [
        RegisteredClaim(
            ref=claim.ref,
            trust=claim.defendant_code,
            scheme=claim.scheme,
            specialty=current_code(taxonomy, claim.coded_specialty),
            primary_cause=current_code(taxonomy, claim.primary_cause),
            age_band=claim.claimant_age_band,
            incident_date=claim.incident_date,
            opened_at=claim.opened_at,
            closed_at=claim.closed_at,
            outcome=claim.outcome,
            damages=pounds(damages),
            routes=frozenset(routes[claim.ref]),
            codes=tuple(sorted({(field, current_code(taxonomy, code)) for field, code in codes[claim.ref]})),
        )
        for claim, damages, _costs in found
    ]


def _chosen(request: ExtractRequest, taxonomy: Taxonomy):
    """The references of the claims the filters select."""
    filters = request.filters
    conditions = [
        ClaimRow.taxonomy_version.in_(sorted(readable_versions(taxonomy))),
        ClaimRow.opened_at >= datetime(filters.first_year, 1, 1, tzinfo=UTC),
        ClaimRow.opened_at < datetime(filters.last_year + 1, 1, 1, tzinfo=UTC),
    ]
    if filters.specialties:
        specialties = stored_codes(taxonomy, codes_under(taxonomy, filters.specialties))
        conditions.append(ClaimRow.coded_specialty.in_(sorted(specialties)))
    if filters.themes:
        themed = select(ClaimCodeRow.claim_ref).where(
            ClaimCodeRow.field == "themes",
            ClaimCodeRow.code.in_(sorted(stored_codes(taxonomy, codes_under(taxonomy, filters.themes)))),
        )
        conditions.append(ClaimRow.ref.in_(themed))
    return select(ClaimRow.ref).where(*conditions)


# --- reading back -------------------------------------------------------------------------


def extract_records(session: Session, limit: int, offset: int) -> tuple[list[ExtractRecord], int]:
    """One page of extracts' records, newest first, and how many there are."""
    total = session.scalar(select(func.count()).select_from(ResearchExtractRow)) or 0
    rows = session.scalars(
        select(ResearchExtractRow)
        .order_by(ResearchExtractRow.requested_at.desc(), ResearchExtractRow.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [ExtractRecord.model_validate(row) for row in rows], total


def extract_record(session: Session, name: str) -> ExtractRecord | None:
    row = session.scalars(select(ResearchExtractRow).where(ResearchExtractRow.name == name)).first()
    return ExtractRecord.model_validate(row) if row else None


def extract_file(extracts_dir: Path, name: str, table: ExtractTable, form: ExtractFormat) -> Path | None:
    """One of an extract's files, if it is still kept. Only a name of the extracts' own shape
    is looked for, so no name reaches outside the extracts directory."""
    if not EXTRACT_NAME.fullmatch(name):
        return None
    path = extracts_dir / name / f"{ExtractTable(table).value}.{ExtractFormat(form).value}"
    return path if path.is_file() else None


def table_rows(extracts_dir: Path, name: str) -> dict[ExtractTable, int | None]:
    """How many rows each of an extract's tables holds, read from its Parquet file's footer;
    None for a table whose files are no longer kept."""
    rows: dict[ExtractTable, int | None] = {}
    for table in ExtractTable:
        path = extract_file(extracts_dir, name, table, ExtractFormat.PARQUET)
        rows[table] = pq.read_metadata(path).num_rows if path else None
    return rows
