"""Learning from claims: a member's scorecard and the national statistics, each as JSON and as a
CSV file of the same figures, and the clinical coding taxonomy claims are coded against.

Figures over many claims, read from the register and never from Temporal; who may read each is
declared once (models/access.py LEARNING_READERS), so the analyst, who reads no case, reads these.
A request its schema allows but a rule refuses (a period reversed, too long, in the future) is
answered 409 with the rule's code, as every such refusal in the API is (models.common.broken_rule).
The console's learning pages (api/console/learning.py) read the figures through the same functions.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from api.deps import CurrentActor, SessionDep, require
from api.errors import ApiError
from fairway.scorecards import member_scorecard
from fairway.statistics import national_statistics
from models.access import LEARNING_READERS, Learning
from models.coding import Taxonomy
from models.common import EARLIEST_PLAUSIBLE_DATE, LATEST_PLAUSIBLE_DATE, Actor
from models.scorecards import (
    DEFENDANT_CODE_PATTERN,
    SCORECARD_COLUMNS,
    ReportingPeriod,
    Scorecard,
    period_refusal,
    scorecard_rows,
)
from models.statistics import STATISTICS_COLUMNS, NationalStatistics, statistics_rows, years_refusal

router = APIRouter(prefix="/learning", tags=["learning"])


def learning_reader(what: Learning, actor: Actor) -> Actor:
    """The actor, if their role may read this part of learning: the API's dependencies and the
    console's pages ask this one question (403 forbidden otherwise)."""
    require(LEARNING_READERS[what], actor, f"learning's {what}")
    return actor


def _reader_of(what: Learning):
    def reader(actor: CurrentActor) -> Actor:
        return learning_reader(what, actor)

    return Depends(reader)


# Declared first among a route's parameters: a role that may not read is refused before its
# request is looked at.
ScorecardReader = Annotated[Actor, _reader_of(Learning.SCORECARDS)]
StatisticsReader = Annotated[Actor, _reader_of(Learning.STATISTICS)]
DefendantCode = Annotated[
    str, Path(pattern=DEFENDANT_CODE_PATTERN, description="the trust's ODS code, e.g. RX1")
]
Year = Annotated[int, Query(ge=EARLIEST_PLAUSIBLE_DATE.year, le=LATEST_PLAUSIBLE_DATE.year)]


def _taxonomy(request: Request) -> Taxonomy:
    return request.app.state.taxonomy


CurrentTaxonomy = Annotated[Taxonomy, Depends(_taxonomy)]


def reporting_period(first_day: date, last_day: date) -> ReportingPeriod:
    """The period asked for, or its refusal as a 409 with the rule's code."""
    if refusal := period_refusal(first_day, last_day, datetime.now(UTC).date()):
        raise ApiError(409, *refusal)
    return ReportingPeriod(first_day=first_day, last_day=last_day)


def _period(
    first_day: Annotated[date, Query(alias="from", description="the first day (UTC), included")],
    last_day: Annotated[date, Query(alias="to", description="the last day (UTC), included")],
) -> ReportingPeriod:
    return reporting_period(first_day, last_day)


Period = Annotated[ReportingPeriod, Depends(_period)]


def statistics_years(first_year: int, last_year: int) -> tuple[int, int]:
    """The span of years asked for, or its refusal as a 409 with the rule's code."""
    if refusal := years_refusal(first_year, last_year, datetime.now(UTC).year):
        raise ApiError(409, *refusal)
    return first_year, last_year


def _years(first_year: Year, last_year: Year) -> tuple[int, int]:
    return statistics_years(first_year, last_year)


Years = Annotated[tuple[int, int], Depends(_years)]


class CsvFile(Response):
    media_type = "text/csv"


@router.get(
    "/scorecards/{defendant_code}.csv", response_class=CsvFile, summary="A member's scorecard, as CSV"
)
def scorecard_csv(
    _: ScorecardReader,
    defendant_code: DefendantCode,
    period: Period,
    session: SessionDep,
    taxonomy: CurrentTaxonomy,
) -> CsvFile:
    """The scorecard's figures one a row: section, key, label, group, group_label, measure, value."""
    return scorecard_file(scorecard_of(session, taxonomy, defendant_code, period))


def scorecard_file(card: Scorecard) -> CsvFile:
    name = f"scorecard-{card.defendant_code}-{card.period.first_day}-to-{card.period.last_day}.csv"
    return _csv(SCORECARD_COLUMNS, scorecard_rows(card), name)


@router.get("/scorecards/{defendant_code}", response_model=Scorecard, summary="A member's scorecard")
def scorecard(
    _: ScorecardReader,
    defendant_code: DefendantCode,
    period: Period,
    session: SessionDep,
    taxonomy: CurrentTaxonomy,
) -> Scorecard:
    """One trust's claims over a period of whole UTC days (`from` and `to` included, at most ten
    years): notified and closed by specialty and cause, paid by damages band, times, routes, open
    and overdue now, and its top learning themes beside their national share."""
    return scorecard_of(session, taxonomy, defendant_code, period)


def scorecard_of(session, taxonomy: Taxonomy, defendant_code: str, period: ReportingPeriod) -> Scorecard:
    """The trust's scorecard, or 404 trust_not_found when the register holds no claim against it."""
    card = member_scorecard(session, taxonomy, defendant_code, period)
    if card is None:
        raise ApiError(404, "trust_not_found", f"no claim against trust {defendant_code}")
    return card


@router.get("/statistics.csv", response_class=CsvFile, summary="National statistics, as CSV")
def statistics_csv(
    _: StatisticsReader, years: Years, session: SessionDep, taxonomy: CurrentTaxonomy
) -> CsvFile:
    """One row per year, specialty and damages band, its figures across."""
    return statistics_file(statistics_of(session, taxonomy, *years))


def statistics_file(statistics: NationalStatistics) -> CsvFile:
    name = f"national-statistics-{statistics.first_year}-to-{statistics.last_year}.csv"
    return _csv(STATISTICS_COLUMNS, statistics_rows(statistics.figures), name)


@router.get("/statistics", response_model=NationalStatistics, summary="National statistics")
def statistics(
    _: StatisticsReader, years: Years, session: SessionDep, taxonomy: CurrentTaxonomy
) -> NationalStatistics:
    """Claims closed from `first_year` to `last_year` (at most 30 years), by year, coded specialty
    and damages band: how many, what was paid, and how long they took."""
    return statistics_of(session, taxonomy, *years)


def statistics_of(session, taxonomy: Taxonomy, first_year: int, last_year: int) -> NationalStatistics:
    figures = national_statistics(session, taxonomy, first_year, last_year)
    return NationalStatistics(
        first_year=first_year, last_year=last_year, taxonomy_version=taxonomy.version, figures=figures
    )


@router.get("/taxonomy", response_model=Taxonomy, summary="The clinical coding taxonomy")
def coding_taxonomy(_: CurrentActor, current: CurrentTaxonomy) -> Taxonomy:
    """The codes a claim is coded with now: every signed-in role may read them."""
    return current


def _csv(columns: Sequence[str], rows: Iterable[Sequence], filename: str) -> CsvFile:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows([_cell(value) for value in row] for row in rows)
    return CsvFile(out.getvalue(), headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _cell(value) -> str:
    """A value as the file shows it; text a spreadsheet would take for a formula is quoted so it
    stays text (a taxonomy label is the operator's, but a file outlives who checked it)."""
    if value is None:
        return ""
    if isinstance(value, date):  # a datetime too
        return value.isoformat()
    text = str(value)
    return f"'{text}" if isinstance(value, str) and text[:1] in ("=", "+", "-", "@") else text
