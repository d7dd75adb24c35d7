"""Research extracts: what an analyst may ask for, and the three tables an extract holds, made
safe from claims as the register holds them. Pure: fairway/research_extracts.py reads the
register, writes the files (fairway/extracts.py) and records the extract.

An extract is of the claims notified (opened) in a span of years and coded against the current
taxonomy, narrowed to some specialties or learning themes, a group standing for every code under
it. Its tables:
  * claims: one row a claim, every reference a pseudonym, dates as months, amounts as bands;
  * codes: each claim's injuries and themes, a row each, by the same pseudonym;
  * summary: claims by year of notification and specialty, small counts suppressed along with
    enough others that none can be worked back from the totals.
The pseudonyms' key is made for one extract and discarded, so two extracts of the same claims
cannot be joined. Rows are in order of notification month and pseudonym: the order of the
register, which follows exact dates, would say more than the months do.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from models.claims import ClosureOutcome, Scheme
from models.coding import TAXONOMY_MARK, CodeId, CodeKind, Taxonomy, code_refusal
from models.common import RequestBody, broken_rule
from models.disclosure import damages_band, month_of, pseudonym, suppress_small_counts
from models.extracts import FIRST_YEAR, LAST_YEAR, ExtractColumn
from models.routes import RouteKind

MOST_FILTER_CODES = 50
# `extract-20261207-k3xq7a2mfd`: the day it was asked for and ten base32 letters, which follow
# from who asked and their Idempotency-Key (so a retry finds it) or are random.
NAME_TAIL_LETTERS = 10
EXTRACT_NAME = re.compile(rf"extract-[0-9]{{8}}-[a-z2-7]{{{NAME_TAIL_LETTERS}}}")
EXTRACT_NAME_PATTERN = f"^{EXTRACT_NAME.pattern}$"


class ExtractTable(StrEnum):
    CLAIMS = "claims"
    CODES = "codes"
    SUMMARY = "summary"


class ExtractFormat(StrEnum):
    """Each table's files, by how their names end (fairway/extracts.py write_extract)."""

    CSV = "csv"
    PARQUET = "parquet"
    DICTIONARY = "dictionary.md"


class ExtractFilters(RequestBody):
    """Which claims an extract holds: those notified in the years, of any of the specialties (none
    given: every one) and with any of the themes (none given: whatever their themes)."""

    # `x-taxonomy`: the console offers the taxonomy's codes of the kind (api/console/extracts.py).
    specialties: list[CodeId] = Field(
        [],
        max_length=MOST_FILTER_CODES,
        description="coded specialties; a group stands for every code under it",
        json_schema_extra={TAXONOMY_MARK: CodeKind.SPECIALTY.value},
    )
    themes: list[CodeId] = Field(
        [],
        max_length=MOST_FILTER_CODES,
        description="learning themes, e.g. theme.monitoring_and_escalation",
        json_schema_extra={TAXONOMY_MARK: CodeKind.THEME.value},
    )
    first_year: int = Field(ge=FIRST_YEAR, le=LAST_YEAR, description="of notification, from 1 January")
    last_year: int = Field(ge=FIRST_YEAR, le=LAST_YEAR, description="of notification, to 31 December")

    @field_validator("specialties", "themes")
    @classmethod
    def _a_set(cls, codes: list[str]) -> list[str]:
        # Sets, kept sorted: the same filters however they are written, so a retry matches.
        return sorted(set(codes))

    @model_validator(mode="after")
    def _years_in_order(self) -> ExtractFilters:
        if self.first_year > self.last_year:
            raise broken_rule(
                "years_out_of_order", f"first_year {self.first_year} is after last_year {self.last_year}"
            )
        return self

    def described(self) -> str:
        """The filters as the data dictionary states them."""
        specialties = ", ".join(self.specialties) or "every specialty"
        themes = ", ".join(self.themes) or "any"
        return (
            f"notified {self.first_year} to {self.last_year}; specialties: {specialties}; themes: {themes} "
            "(a group stands for every code under it)"
        )


class ExtractRequest(RequestBody):
    filters: ExtractFilters
    purpose: str = Field(
        min_length=10,
        max_length=2_000,
        description="what the extract is for and for whom: kept in its record, never in its files",
    )


def filter_refusal(filters: ExtractFilters, taxonomy: Taxonomy) -> tuple[str, str] | None:
    """Why the filters cannot be read against the taxonomy, as (code, message), or None: a code
    unknown, of the wrong kind, or retired (no claim coded against this version has it)."""
    for field, kind, codes in (
        ("specialties", CodeKind.SPECIALTY, filters.specialties),
        ("themes", CodeKind.THEME, filters.themes),
    ):
        for code in codes:
            if refused := code_refusal(taxonomy, field, kind, code):
                return refused
    return None


def codes_under(taxonomy: Taxonomy, codes: Iterable[str]) -> frozenset[str]:
    """The codes and every code beneath them: what a filter naming a group matches."""
    wanted = set(codes)
    return frozenset(c.code for c in taxonomy.codes if any(a.code in wanted for a in taxonomy.path(c.code)))


def name_tail(seed: str) -> str:
    """The letters that end an extract's name, following from `seed`."""
    digest = hashlib.sha256(seed.encode()).digest()
    return base64.b32encode(digest).decode()[:NAME_TAIL_LETTERS].lower()


def extract_name(on: date, tail: str) -> str:
    return f"extract-{on:%Y%m%d}-{tail}"


# --- the claims, as read ----------------------------------------------------------------------


@dataclass(frozen=True)
class RegisteredClaim:
    """A coded claim as the register holds it (fairway/research_extracts.py reads it): direct
    identifiers and exact dates included, none of which leaves in an extract."""

    ref: str
    trust: str  # the defendant's code
    scheme: str
    specialty: str
    primary_cause: str
    age_band: str | None
    incident_date: date
    opened_at: datetime
    closed_at: datetime | None
    outcome: str | None
    damages: Decimal  # paid, costs apart
    routes: frozenset[str]  # the kinds of route it went to
    codes: tuple[tuple[str, str], ...]  # (field, code): its injuries and themes


CODED_FIELDS = ("injuries", "themes")


# --- the tables -------------------------------------------------------------------------------


def _codes(taxonomy: Taxonomy, *kinds: CodeKind) -> tuple[str, ...]:
    return tuple(c.code for kind in kinds for c in taxonomy.of_kind(kind))


def _route_column(kind: RouteKind) -> str:
    return f"route_{kind.value}"


def _column(name: str, type_: str, kind: str, description: str, **more: Any) -> ExtractColumn:
    return ExtractColumn(name=name, type=type_, made_safe_by=kind, description=description, **more)


WHILE_OPEN = "; empty while open"


def claims_columns(taxonomy: Taxonomy) -> list[ExtractColumn]:
    specialties, causes = _codes(taxonomy, CodeKind.SPECIALTY), _codes(taxonomy, CodeKind.CAUSE)
    return [
        _column("claim", "string", "pseudonym", "the claim"),
        _column("trust", "string", "pseudonym", "the defendant trust or practice"),
        _column("scheme", "string", "category", "the indemnity scheme", values=tuple(Scheme)),
        _column("specialty", "string", "code", "the coded specialty", values=specialties),
        _column("primary_cause", "string", "code", "the primary cause", values=causes),
        _column("age_band", "string", "age_band", "the claimant's age at the incident", nullable=True),
        _column("incident_month", "string", "month", "when the incident happened"),
        _column("notification_month", "string", "month", "when the claim was notified (opened)"),
        _column("resolution_month", "string", "month", "when the claim closed" + WHILE_OPEN, nullable=True),
        _column(
            "outcome", "string", "category", "how the claim closed" + WHILE_OPEN,
            values=tuple(ClosureOutcome), nullable=True,
        ),
        _column(
            "damages_band", "string", "damages_band",
            "damages paid on the claim, costs apart (nil if none)" + WHILE_OPEN, nullable=True,
        ),
        _column("days_to_notification", "integer", "days", "from the incident to notification"),
        _column(
            "days_to_resolution", "integer", "days", "from notification to closure" + WHILE_OPEN,
            nullable=True,
        ),
        *(
            _column(_route_column(kind), "boolean", "flag", f"whether it went to {kind.replace('_', ' ')}")
            for kind in RouteKind
        ),
    ]  # fmt: skip


def codes_columns(taxonomy: Taxonomy) -> list[ExtractColumn]:
    return [
        _column("claim", "string", "pseudonym", "the claim, as in the claims table"),
        _column("field", "string", "category", "what the code says of the claim", values=CODED_FIELDS),
        _column(
            "code", "string", "code", "an injury or a learning theme: a row each",
            values=_codes(taxonomy, CodeKind.INJURY, CodeKind.THEME),
        ),
    ]  # fmt: skip


def summary_columns(taxonomy: Taxonomy) -> list[ExtractColumn]:
    return [
        _column(
            "notification_year", "integer", "year", "the year the claims were notified; empty in the totals "
            "over every year", nullable=True,
        ),
        _column(
            "specialty", "string", "code", "the coded specialty; empty in the totals over every specialty",
            values=_codes(taxonomy, CodeKind.SPECIALTY), nullable=True,
        ),
        _column(
            "claims", "integer", "count", "claims notified in the year, of the specialty", suppressible=True
        ),
    ]  # fmt: skip


def claim_row(claim: RegisteredClaim, key: bytes) -> dict[str, Any]:
    closed = claim.closed_at
    return {
        "claim": pseudonym(claim.ref, key),
        "trust": pseudonym(claim.trust, key),
        "scheme": claim.scheme,
        "specialty": claim.specialty,
        "primary_cause": claim.primary_cause,
        "age_band": claim.age_band,
        "incident_month": month_of(claim.incident_date),
        "notification_month": month_of(claim.opened_at),
        "resolution_month": month_of(closed) if closed else None,
        # A reopened claim keeps its last outcome until it closes again: only a closed one has one.
        "outcome": claim.outcome if closed else None,
        "damages_band": damages_band(claim.damages) if closed else None,
        "days_to_notification": (_day(claim.opened_at) - claim.incident_date).days,
        "days_to_resolution": (_day(closed) - _day(claim.opened_at)).days if closed else None,
        **{_route_column(kind): kind.value in claim.routes for kind in RouteKind},
    }


def code_rows(claim: RegisteredClaim, key: bytes) -> list[dict[str, Any]]:
    return [
        {"claim": pseudonym(claim.ref, key), "field": field, "code": code}
        for field, code in claim.codes
        if field in CODED_FIELDS
    ]


def summary_rows(
    claims: Sequence[RegisteredClaim], filters: ExtractFilters, specialties: Sequence[str], below: int
) -> list[dict[str, Any]]:
    """Claims by year of notification (every year of the filters, a row each) and specialty (a
    column each), with the totals, as rows of (year, specialty, claims): a total's year or
    specialty is empty. Counts from 1 to `below` - 1 are suppressed, and enough others that none
    can be worked back (models/disclosure.py suppress_small_counts)."""
    years = list(range(filters.first_year, filters.last_year + 1))
    counted = Counter((_day(c.opened_at).year, c.specialty) for c in claims)
    table = suppress_small_counts([[counted[year, s] for s in specialties] for year in years], below)
    return [
        {"notification_year": year, "specialty": specialty, "claims": shown}
        for year, line in zip([*years, None], table.shown(), strict=True)
        for specialty, shown in zip([*specialties, None], line, strict=True)
    ]


def summary_specialties(
    claims: Sequence[RegisteredClaim], filters: ExtractFilters, taxonomy: Taxonomy
) -> list[str]:
    """The summary's columns: every specialty the filters name (those with no claims show a
    zero), or else those the claims have."""
    if filters.specialties:
        named = codes_under(taxonomy, filters.specialties) - taxonomy.parents
        return [c.code for c in taxonomy.of_kind(CodeKind.SPECIALTY) if c.code in named]
    return sorted({c.specialty for c in claims})


@dataclass(frozen=True)
class SafeTable:
    columns: list[ExtractColumn]
    rows: list[dict[str, Any]]


def extract_tables(
    claims: Sequence[RegisteredClaim], key: bytes, filters: ExtractFilters, taxonomy: Taxonomy, below: int
) -> dict[ExtractTable, SafeTable]:
    """The extract's three tables, made safe with the extract's own key."""
    if not claims:
        raise ValueError("an extract holds at least one claim")
    rows = sorted((claim_row(c, key) for c in claims), key=lambda r: (r["notification_month"], r["claim"]))
    codes = sorted(
        (row for c in claims for row in code_rows(c, key)), key=lambda r: (r["claim"], r["field"], r["code"])
    )
    summary = summary_rows(claims, filters, summary_specialties(claims, filters, taxonomy), below)
    return {
        ExtractTable.CLAIMS: SafeTable(claims_columns(taxonomy), rows),
        ExtractTable.CODES: SafeTable(codes_columns(taxonomy), codes),
        ExtractTable.SUMMARY: SafeTable(summary_columns(taxonomy), summary),
    }


def extract_facts(
    filters: ExtractFilters, taxonomy_version: str, made_at: datetime, below: int
) -> dict[str, str]:
    """What heads every table's data dictionary. Never the purpose: the requester's own words,
    which may name a case or a person, stay in the extract's record."""
    return {
        "taxonomy version": taxonomy_version,
        "filters": filters.described(),
        "claims": f"coded against taxonomy {taxonomy_version}; advice cases are never included",
        "made": made_at.astimezone(UTC).isoformat(timespec="seconds"),
        "suppression": f"in the summary, counts from 1 to {below - 1} are suppressed, and enough others "
        "that none can be worked back from the totals",
    }


class ExtractRecord(BaseModel):
    """An extract's record (models/register.py ResearchExtractRow): who asked, when, for what,
    with which filters and taxonomy version, and how many claims it held. Never its key."""

    model_config = ConfigDict(from_attributes=True)

    name: str
    requested_by: str
    requested_at: datetime
    purpose: str
    filters: ExtractFilters
    taxonomy_version: str
    row_count: int = Field(description="the claims in the extract: the rows of its claims table")


def _day(at: datetime) -> date:
    return at.astimezone(UTC).date()
