"""A member's scorecard: one trust's claims over a reporting period, read as of one moment. What
was notified and what closed in the period (by coded specialty and primary cause), what was paid
on the claims closed (by damages band), how long claims took, which resolution routes were tried
and how they ended, what is open now and overdue, and the learning themes that recur most among
the trust's claims beside their national share. Pure: fairway/scorecards.py reads the register.

Specialties, causes and themes are named as every learning figure names them
(models/statistics.py `Category`); a claim not yet coded counts under `not_coded`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from models.coding import Taxonomy
from models.common import ODS_CODE_PATTERN, Money, date_refusal
from models.disclosure import DAMAGES_BANDS, damages_band
from models.routes import RouteKind, RouteResult
from models.statistics import Category, TimeSummary, category, share

LONGEST_PERIOD_YEARS = 10
TOP_THEMES = 10
# A trust's code as ODS gives it (a trust "RX1", a GP practice "A81001"), and nothing else: the
# code is echoed in answers and file names.
DEFENDANT_CODE_PATTERN = ODS_CODE_PATTERN  # a claim's defendant is named by the same rule


class ReportingPeriod(BaseModel):
    """Whole days in UTC, both ends included."""

    first_day: date
    last_day: date


def period_refusal(first_day: date, last_day: date, today: date) -> tuple[str, str] | None:
    """Why a reporting period cannot be asked for, as (code, message), or None: a day in the
    future or before any case Fairway handles, the days out of order, or longer than
    LONGEST_PERIOD_YEARS (the last day is before the first day's anniversary that many years on)."""
    for name, day in (("from", first_day), ("to", last_day)):
        if refusal := date_refusal(name, day, today):
            return refusal
    if last_day < first_day:
        return "dates_out_of_order", f"to {last_day} is before from {first_day}"
    # Compared as (year, month, day) so that 29 February needs no anniversary of its own.
    anniversary = (first_day.year + LONGEST_PERIOD_YEARS, first_day.month, first_day.day)
    if (last_day.year, last_day.month, last_day.day) >= anniversary:
        return "period_too_long", f"a scorecard covers at most {LONGEST_PERIOD_YEARS} years"
    return None


# --- the figures -----------------------------------------------------------------------------


class CategoryClaims(Category):
    claims: int


class Claims(BaseModel):
    """Claims notified, or closed, in the period."""

    claims: int
    by_specialty: list[CategoryClaims] = Field(description="most claims first")
    by_primary_cause: list[CategoryClaims] = Field(description="most claims first")


class BandFigures(BaseModel):
    """Claims closed in the period whose damages paid fall in one band, and what was paid on them."""

    damages_band: str = Field(description="models.disclosure.DAMAGES_BANDS")
    claims: int
    damages_paid: Money = Field(description="interim, lump sum and periodical payments, costs apart")
    costs_paid: Money


class RouteFigures(BaseModel):
    """One kind of resolution route started in the period on the trust's claims: a summit counts
    once for each of the trust's claims it held, since each has its own result."""

    kind: RouteKind
    started: int
    running: int = Field(description="not ended yet")
    results: dict[RouteResult, int] = Field(description="those ended, by result")
    ended_without_result: int = Field(description="ended with no result recorded (abandoned)")


class OpenClaims(BaseModel):
    claims: int = Field(description="the trust's claims not closed, whenever notified")
    overdue: int = Field(description="of those, with a deadline past due")


class ThemeFigures(Category):
    """A learning theme among the trust's coded claims notified in the period, and nationally."""

    claims: int = Field(description="the trust's coded claims notified in the period with the theme")
    share: float = Field(description="of the trust's coded claims notified in the period")
    national_claims: int = Field(description="all trusts' coded claims notified in the period with it")
    national_share: float = Field(description="of all trusts' coded claims notified in the period")


class Scorecard(BaseModel):
    defendant_code: str
    period: ReportingPeriod
    as_of: datetime = Field(description="when the register was read: open claims are as of then")
    taxonomy_version: str = Field(description="the taxonomy specialties, causes and themes are named in")
    notified: Claims = Field(description="claims opened in the period")
    closed: Claims = Field(description="claims closed in the period")
    paid_by_damages_band: list[BandFigures] = Field(
        description="on the claims closed in the period, every band in order: a claim's band is "
        "that of all the damages paid on it"
    )
    incident_to_notification: TimeSummary | None = Field(
        description="days, over the claims notified in the period; none if there were none"
    )
    notification_to_resolution: TimeSummary | None = Field(
        description="days, over the claims closed in the period; none if there were none"
    )
    resolution_routes: list[RouteFigures] = Field(description="every kind of route, in order")
    open_now: OpenClaims
    coded_claims_notified: int = Field(description="the trust's claims notified in the period and coded")
    national_coded_claims_notified: int = Field(
        description="all trusts' claims notified in the period and coded"
    )
    learning_themes: list[ThemeFigures] = Field(description=f"at most {TOP_THEMES}, most claims first")


def claims_by_coding(taxonomy: Taxonomy, counts: Iterable[tuple[str | None, str | None, int]]) -> Claims:
    """Claims from (coded specialty, primary cause, how many claims) as the register groups them."""
    specialties: Counter[str] = Counter()
    causes: Counter[str] = Counter()
    named: dict[str, Category] = {}
    for specialty, cause, claims in counts:
        for counter, code in ((specialties, specialty), (causes, cause)):
            name = category(taxonomy, code)
            named[name.code] = name
            counter[name.code] += claims
    return Claims(
        claims=sum(specialties.values()),
        by_specialty=_ranked(specialties, named),
        by_primary_cause=_ranked(causes, named),
    )


def _ranked(counts: Counter[str], named: dict[str, Category]) -> list[CategoryClaims]:
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [CategoryClaims(**named[code].model_dump(), claims=claims) for code, claims in ranked]


def paid_by_damages_band(paid: Iterable[tuple[Decimal, Decimal]]) -> list[BandFigures]:
    """Every band, from each closed claim's (damages, costs) paid."""
    claims: Counter[str] = Counter()
    damages: dict[str, Decimal] = {label: Decimal("0.00") for _, label in DAMAGES_BANDS}
    costs = dict(damages)
    for claim_damages, claim_costs in paid:
        band = damages_band(claim_damages)
        claims[band] += 1
        damages[band] += claim_damages
        costs[band] += claim_costs
    return [
        BandFigures(
            damages_band=band, claims=claims[band], damages_paid=damages[band], costs_paid=costs[band]
        )
        for _, band in DAMAGES_BANDS
    ]


def resolution_routes(counts: Iterable[tuple[str, str | None, int, int]]) -> list[RouteFigures]:
    """Every kind of route, from (kind, result, routes, of which ended) as the register groups them."""
    figures = {
        kind: RouteFigures(kind=kind, started=0, running=0, results={}, ended_without_result=0)
        for kind in RouteKind
    }
    for kind, result, routes, ended in counts:
        route = figures[RouteKind(kind)]
        route.started += routes
        route.running += routes - ended
        if result is None:
            route.ended_without_result += ended
        elif ended:
            route.results[RouteResult(result)] = route.results.get(RouteResult(result), 0) + ended
    for route in figures.values():
        route.results = {result: route.results[result] for result in RouteResult if result in route.results}
    return list(figures.values())


def learning_themes(
    taxonomy: Taxonomy, counts: Iterable[tuple[str, int, int]], coded: int, national_coded: int
) -> list[ThemeFigures]:
    """The TOP_THEMES themes of most of the trust's claims, from (theme, the trust's claims,
    all trusts' claims) and the coded claims each count is a share of. Ties go by code."""
    mine = sorted(((-claims, code, national) for code, claims, national in counts if claims > 0))
    return [
        ThemeFigures(
            **category(taxonomy, code).model_dump(),
            claims=-negated,
            share=share(-negated, coded),
            national_claims=national,
            national_share=share(national, national_coded),
        )
        for negated, code, national in mine[:TOP_THEMES]
    ]


# --- the scorecard as a CSV file ---------------------------------------------------------------

# Long and tidy: one figure a row. `key` says which row of a section (a code, a band, a route's
# kind, "all"); `label`, `group` and `group_label` are filled for specialties, causes and themes.
SCORECARD_COLUMNS = ("section", "key", "label", "group", "group_label", "measure", "value")
TIME_MEASURES = ("claims", "median", "lower_quartile", "upper_quartile")


def scorecard_rows(card: Scorecard) -> list[tuple]:
    """The scorecard's figures, one a row, in the order of SCORECARD_COLUMNS."""
    rows = [
        _row("about", "defendant_code", "value", card.defendant_code),
        _row("about", "period", "first_day", card.period.first_day),
        _row("about", "period", "last_day", card.period.last_day),
        _row("about", "as_of", "value", card.as_of),
        _row("about", "taxonomy_version", "value", card.taxonomy_version),
    ]
    for section, claims in (("notified", card.notified), ("closed", card.closed)):
        rows.append(_row(section, "all", "claims", claims.claims))
        for by, counts in (("specialty", claims.by_specialty), ("primary_cause", claims.by_primary_cause)):
            rows += [(f"{section}_by_{by}", *_named(c), "claims", c.claims) for c in counts]
    for band in card.paid_by_damages_band:
        for measure in ("claims", "damages_paid", "costs_paid"):
            rows.append(_row("paid_by_damages_band", band.damages_band, measure, getattr(band, measure)))
    for section in ("incident_to_notification", "notification_to_resolution"):
        summary = getattr(card, section)
        measures = TIME_MEASURES if summary else ("claims",)
        rows += [_row(section, "all", m, getattr(summary, m) if summary else 0) for m in measures]
    for route in card.resolution_routes:
        counts = {"started": route.started, "running": route.running, **route.results}
        counts["ended_without_result"] = route.ended_without_result
        rows += [_row("resolution_routes", route.kind, measure, n) for measure, n in counts.items()]
    rows += [
        _row("open_now", "all", "claims", card.open_now.claims),
        _row("open_now", "all", "overdue", card.open_now.overdue),
        _row("coded_claims_notified", "trust", "claims", card.coded_claims_notified),
        _row("coded_claims_notified", "national", "claims", card.national_coded_claims_notified),
    ]
    for theme in card.learning_themes:
        for measure in ("claims", "share", "national_claims", "national_share"):
            rows.append(("learning_themes", *_named(theme), measure, getattr(theme, measure)))
    return rows


def _row(section: str, key: str, measure: str, value) -> tuple:
    """A figure that is not of a specialty, cause or theme: no label or group."""
    return (section, key, "", "", "", measure, value)


def _named(c: Category) -> tuple[str, str, str, str]:
    return c.code, c.label, c.group, c.group_label
