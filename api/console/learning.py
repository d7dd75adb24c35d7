"""The console's learning pages: a member's scorecard and the national statistics, each with its
charts and tables and the same figures as a CSV file, read from the register through the API's
own functions (api/learning.py), never from Temporal. Who may read each is declared once
(models/access.py LEARNING_READERS): the analyst reads these and no case, a handler none.

Asking for a scorecard or a span of years changes nothing, so the questions are GET forms: the
page can be bookmarked, and its CSV link carries the same question. Their fields are generated
from the models below like every console form (api/console/forms.py), so a bad answer is named
on its field, and the API's refusals (a period reversed, an unknown trust) come back in the
API's words and codes, in the NHS.UK error summary. The CSV files are served here, to the
signed-in browser, as the console serves every page: the API itself takes bearer tokens only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from api.console.auth import ConsoleActor
from api.console.case_page import ActionForm, filled_form, payload_of
from api.console.dashboard import Now
from api.console.learning_figures import scorecard_view, statistics_view
from api.console.templating import refused, render
from api.deps import SessionDep
from api.errors import ApiError, forbidden
from api.learning import (
    learning_reader,
    reporting_period,
    scorecard_file,
    scorecard_of,
    statistics_file,
    statistics_of,
    statistics_years,
)
from models.access import LEARNING_READERS, Learning, may_read_learning
from models.common import EARLIEST_PLAUSIBLE_DATE, LATEST_PLAUSIBLE_DATE
from models.scorecards import DEFENDANT_CODE_PATTERN, Scorecard
from models.statistics import NationalStatistics

PREFIX = "/console/learning"
router = APIRouter(prefix=PREFIX, include_in_schema=False)
DEFAULT_YEARS = 5  # what a form asks for until it is answered: the five years to today


@dataclass(frozen=True)
class LearningPage:
    what: Learning
    title: str
    href: str
    about: str


PAGES = (
    LearningPage(
        Learning.SCORECARDS,
        "Member scorecards",
        f"{PREFIX}/scorecards",
        "One trust's or practice's claims over a period: notified and closed by specialty and "
        "cause, paid by damages band, times, routes, what is open now, and its learning themes "
        "beside the national share.",
    ),
    LearningPage(
        Learning.STATISTICS,
        "National statistics",
        f"{PREFIX}/statistics",
        "Claims closed nationally, by year, specialty and damages band: how many, what was paid "
        "and how long they took.",
    ),
    LearningPage(
        Learning.EXTRACTS,
        "Research extracts",
        f"{PREFIX}/extracts",
        "Pseudonymised extracts of coded claims for thematic reviews and research partners, "
        "and the record of every extract made.",
    ),
)


class ScorecardAsked(BaseModel):
    """Whose claims, over which days."""

    defendant_code: str = Field(
        pattern=DEFENDANT_CODE_PATTERN,
        title="Trust code",
        description="The trust's or GP practice's ODS code, for example RX1",
    )
    first_day: date = Field(title="From", description="The first day of the period, included")
    last_day: date = Field(title="To", description="The last day of the period, included")


class StatisticsAsked(BaseModel):
    """Which years' closed claims."""

    first_year: int = Field(
        ge=EARLIEST_PLAUSIBLE_DATE.year,
        le=LATEST_PLAUSIBLE_DATE.year,
        title="From year",
        description="Claims closed from its 1 January",
    )
    last_year: int = Field(
        ge=EARLIEST_PLAUSIBLE_DATE.year,
        le=LATEST_PLAUSIBLE_DATE.year,
        title="To year",
        description="Claims closed up to its 31 December (this year: so far)",
    )


# --- the learning pages a role may read --------------------------------------------------------


@router.get("")
def learning(request: Request, actor: ConsoleActor) -> HTMLResponse:
    pages = [page for page in PAGES if may_read_learning(actor.role, page.what)]
    if not pages:
        readers = ", ".join(sorted(set().union(*LEARNING_READERS.values())))
        return refused(request, forbidden(f"learning needs one of: {readers}; you are {actor.role}"))
    return render(request, "learning.html", pages=pages)


# --- a member's scorecard ---------------------------------------------------------------------


@router.get("/scorecards")
def scorecard_page(request: Request, actor: ConsoleActor, session: SessionDep, now: Now) -> HTMLResponse:
    try:
        learning_reader(Learning.SCORECARDS, actor)
    except ApiError as err:
        return refused(request, err)
    fields = asked(request, ScorecardAsked)
    card, refusal = None, None
    if fields:
        try:
            card = _scorecard(request, session, fields)
        except ApiError as err:
            refusal = err
    first_day, last_day = years_to(now.date(), DEFAULT_YEARS)
    question = _question(
        ScorecardAsked,
        "scorecard",
        "Show the scorecard",
        f"{PREFIX}/scorecards",
        refusal,
        fields or {"first_day": [first_day.isoformat()], "last_day": [last_day.isoformat()]},
    )
    return render(
        request,
        "scorecard.html",
        status_code=refusal.status if refusal else 200,
        question=question,
        view=scorecard_view(card) if card else None,
        csv_url=_scorecard_csv_url(card) if card else None,
    )


@router.get("/scorecards.csv")
def scorecard_csv(request: Request, actor: ConsoleActor, session: SessionDep) -> Response:
    try:
        learning_reader(Learning.SCORECARDS, actor)
        return scorecard_file(_scorecard(request, session, asked(request, ScorecardAsked)))
    except ApiError as err:
        return refused(request, err)


def _scorecard(request: Request, session, fields: dict[str, list[str]]) -> Scorecard:
    """The scorecard a question asks for, refused as the API refuses it."""
    question = payload_of(ScorecardAsked, fields)
    period = reporting_period(question.first_day, question.last_day)
    return scorecard_of(session, request.app.state.taxonomy, question.defendant_code, period)


def _scorecard_csv_url(card: Scorecard) -> str:
    query = {
        "defendant_code": card.defendant_code,
        "first_day": card.period.first_day.isoformat(),
        "last_day": card.period.last_day.isoformat(),
    }
    return f"{PREFIX}/scorecards.csv?{urlencode(query)}"


# --- the national statistics ------------------------------------------------------------------


@router.get("/statistics")
def statistics_page(request: Request, actor: ConsoleActor, session: SessionDep, now: Now) -> HTMLResponse:
    try:
        learning_reader(Learning.STATISTICS, actor)
    except ApiError as err:
        return refused(request, err)
    fields = asked(request, StatisticsAsked) or {
        "first_year": [str(now.year - DEFAULT_YEARS + 1)],
        "last_year": [str(now.year)],
    }
    statistics, refusal = None, None
    try:
        statistics = _statistics(request, session, fields)
    except ApiError as err:
        refusal = err
    question = _question(
        StatisticsAsked, "statistics", "Show the statistics", f"{PREFIX}/statistics", refusal, fields
    )
    return render(
        request,
        "statistics.html",
        status_code=refusal.status if refusal else 200,
        question=question,
        view=statistics_view(statistics) if statistics else None,
        csv_url=_statistics_csv_url(statistics) if statistics else None,
    )


@router.get("/statistics.csv")
def statistics_csv(request: Request, actor: ConsoleActor, session: SessionDep) -> Response:
    try:
        learning_reader(Learning.STATISTICS, actor)
        return statistics_file(_statistics(request, session, asked(request, StatisticsAsked)))
    except ApiError as err:
        return refused(request, err)


def _statistics(request: Request, session, fields: dict[str, list[str]]) -> NationalStatistics:
    question = payload_of(StatisticsAsked, fields)
    first_year, last_year = statistics_years(question.first_year, question.last_year)
    return statistics_of(session, request.app.state.taxonomy, first_year, last_year)


def _statistics_csv_url(statistics: NationalStatistics) -> str:
    query = {"first_year": statistics.first_year, "last_year": statistics.last_year}
    return f"{PREFIX}/statistics.csv?{urlencode(query)}"


# --- questions ----------------------------------------------------------------------------------


def asked(request: Request, model: type[BaseModel]) -> dict[str, list[str]]:
    """A GET form's answers, as a post's fields: only the question's own."""
    query = request.query_params
    return {name: query.getlist(name) for name in model.model_fields if name in query}


def _question(
    model: type[BaseModel], name: str, title: str, url: str, refusal: ApiError | None, values: dict
) -> ActionForm:
    """A question's form, with its answers, and the refusal of them if they were refused."""
    return filled_form(model, action=name, title=title, describe="", url=url, refusal=refusal, values=values)


def years_to(today: date, years: int) -> tuple[date, date]:
    """The `years` whole years that end today: from the day after this date that many years ago
    (28 February's, for 29 February)."""
    try:
        back = today.replace(year=today.year - years)
    except ValueError:
        back = today.replace(year=today.year - years, day=28)
    return back + timedelta(days=1), today
