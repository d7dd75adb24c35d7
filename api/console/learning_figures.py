"""What the learning pages show of a scorecard and of the national statistics: their figures as
charts (api/console/charts.py) and as the rows of their tables, named for a person to read.

Pure: the figures come in as the API answers them (models/scorecards.py, models/statistics.py),
so the page, the JSON and the CSV file can never disagree. Amounts keep their pence; shares are
shown as percentages of the coded claims they are shares of.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from api.console import charts
from api.console.charts import NHS_BLUE, NHS_PURPLE, PERCENT, POUNDS, BarChart, Series
from models.disclosure import DAMAGES_BANDS
from models.scorecards import CategoryClaims, Scorecard, ThemeFigures
from models.statistics import Category, NationalFigures, NationalStatistics, TimeSummary

ZERO = Decimal("0.00")


def named(category: Category) -> str:
    """A specialty, cause or theme as a person reads it: under its group when it has one, as the
    coding form offers it (models.coding.Taxonomy.shown)."""
    if category.group == category.code:
        return category.label
    return f"{category.group_label} › {category.label}"


def pounds(amount: Decimal) -> str:
    return POUNDS.shown(amount)


def days(value: float) -> str:
    """Days as a median or quartile gives them: whole, or with the quarter or half a day that
    interpolating between two claims gives (models/statistics.py TimeSummary), never rounded."""
    return f"{value:,.2f}".rstrip("0").rstrip(".")


# --- charts -----------------------------------------------------------------------------------


def notified_and_closed(
    id: str, title: str, x_label: str, notified: Sequence[CategoryClaims], closed: Sequence[CategoryClaims]
) -> BarChart:
    """Claims notified and closed in a period by a coded category (specialty or cause), side by
    side: most notified first, then most closed."""
    names = {c.code: named(c) for c in [*notified, *closed]}
    counts = [{c.code: c.claims for c in claims} for claims in (notified, closed)]
    order = sorted(names, key=lambda code: (-counts[0].get(code, 0), -counts[1].get(code, 0), names[code]))
    return charts.bar_chart(
        id=id,
        title=title,
        x_label=x_label,
        y_label="Claims",
        categories=[names[code] for code in order],
        series=(
            Series("Notified", tuple(counts[0].get(code, 0) for code in order), NHS_BLUE),
            Series("Closed", tuple(counts[1].get(code, 0) for code in order), NHS_PURPLE, outlined=True),
        ),
        unit="claims",
        empty="No claim was notified or closed in the period.",
        lying=True,
    )


@dataclass(frozen=True)
class Band:
    """What was paid on the claims whose damages fall in one band."""

    name: str
    claims: int
    damages_paid: Decimal
    costs_paid: Decimal


def paid_by_band(id: str, title: str, bands: Sequence[Band], empty: str) -> BarChart:
    """Damages and costs paid, by damages band, every band in order."""
    return charts.bar_chart(
        id=id,
        title=title,
        x_label="Damages band",
        y_label="Paid",
        categories=[band.name for band in bands],
        series=(
            Series("Damages", tuple(band.damages_paid for band in bands), NHS_BLUE),
            Series("Costs", tuple(band.costs_paid for band in bands), NHS_PURPLE, outlined=True),
        ),
        unit="paid",
        empty=empty,
        scale=POUNDS,
        lying=True,
    )


def themes_beside_national(id: str, themes: Sequence[ThemeFigures]) -> BarChart:
    """The trust's top learning themes: the share of its coded claims with each, beside the
    share of every trust's."""
    national = tuple(_percent(t.national_share) for t in themes)
    return charts.bar_chart(
        id=id,
        title="Top learning themes: share of the trust's coded claims, and of all trusts'",
        x_label="Learning theme",
        y_label="Share of coded claims notified in the period",
        categories=[named(theme) for theme in themes],
        series=(
            Series("This trust", tuple(_percent(t.share) for t in themes), NHS_BLUE),
            Series("All trusts", national, NHS_PURPLE, outlined=True),
        ),
        unit="",
        empty="No claim of the trust's notified in the period has been coded with a theme.",
        scale=PERCENT,
        lying=True,
    )


def _percent(share: float) -> float:
    return round(share * 100, 1)


# --- a scorecard --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Times:
    """How long claims took, over `claims` claims: None where there were none."""

    name: str
    summary: TimeSummary | None

    @property
    def cells(self) -> tuple[str, str, str, str]:
        """Claims, median, lower and upper quartile, as the table shows them."""
        if self.summary is None:
            return ("0", "None", "None", "None")
        s = self.summary
        return (f"{s.claims:,}", days(s.median), days(s.lower_quartile), days(s.upper_quartile))


@dataclass(frozen=True)
class ScorecardView:
    card: Scorecard
    by_specialty: BarChart
    by_cause: BarChart
    bands: list[Band]
    paid: BarChart
    times: list[Times]
    themes: BarChart

    @property
    def headline(self) -> list[tuple[str, str]]:
        """The scorecard's headline figures: what each counts, and how many or how much."""
        card = self.card
        return [
            ("Claims notified in the period", f"{card.notified.claims:,}"),
            ("Claims closed in the period", f"{card.closed.claims:,}"),
            ("Claims open now", f"{card.open_now.claims:,}"),
            ("Open with a deadline past due", f"{card.open_now.overdue:,}"),
            ("Damages paid on the claims closed", pounds(sum((b.damages_paid for b in self.bands), ZERO))),
            ("Costs paid on the claims closed", pounds(sum((b.costs_paid for b in self.bands), ZERO))),
        ]


def scorecard_view(card: Scorecard) -> ScorecardView:
    bands = [Band(b.damages_band, b.claims, b.damages_paid, b.costs_paid) for b in card.paid_by_damages_band]
    return ScorecardView(
        card=card,
        by_specialty=notified_and_closed(
            "chart-specialty",
            "Claims notified and closed by specialty",
            "Specialty",
            card.notified.by_specialty,
            card.closed.by_specialty,
        ),
        by_cause=notified_and_closed(
            "chart-cause",
            "Claims notified and closed by primary cause",
            "Primary cause",
            card.notified.by_primary_cause,
            card.closed.by_primary_cause,
        ),
        bands=bands,
        paid=paid_by_band(
            "chart-paid",
            "Damages and costs paid on the claims closed, by damages band",
            bands,
            empty="Nothing was paid on the claims closed in the period.",
        ),
        times=[
            Times("Incident to notification, claims notified in the period", card.incident_to_notification),
            Times("Notification to resolution, claims closed in the period", card.notification_to_resolution),
        ],
        themes=themes_beside_national("chart-themes", card.learning_themes),
    )


# --- the national statistics --------------------------------------------------------------------


@dataclass(frozen=True)
class StatisticsView:
    statistics: NationalStatistics
    by_year: BarChart
    by_specialty: BarChart
    bands: list[Band]
    paid: BarChart

    @property
    def rows(self) -> list[tuple[str, ...]]:
        """The figures' table: a row per year, specialty and damages band, as the CSV file has."""
        return [
            (
                str(f.year),
                named(f.specialty),
                f.damages_band,
                f"{f.claims:,}",
                pounds(f.damages_paid),
                pounds(f.costs_paid),
                time_cell(f.incident_to_notification),
                time_cell(f.notification_to_resolution),
            )
            for f in self.statistics.figures
        ]


def statistics_view(statistics: NationalStatistics) -> StatisticsView:
    first_year, last_year, figures = statistics.first_year, statistics.last_year, statistics.figures
    bands = national_bands(figures)
    span = f"{first_year} to {last_year}" if first_year != last_year else str(first_year)
    return StatisticsView(
        statistics=statistics,
        by_year=closed_each_year(first_year, last_year, figures),
        by_specialty=closed_by_specialty(figures, span),
        bands=bands,
        paid=paid_by_band(
            "chart-national-paid",
            f"Damages and costs paid on the claims closed {span}, by damages band",
            bands,
            empty=f"Nothing was paid on claims closed {span}.",
        ),
    )


def closed_each_year(first_year: int, last_year: int, figures: Sequence[NationalFigures]) -> BarChart:
    """Claims closed in each year of the span, every year shown."""
    closed = Counter[int]()
    for f in figures:
        closed[f.year] += f.claims
    years = range(first_year, last_year + 1)
    return charts.bar_chart(
        id="chart-national-years",
        title=f"Claims closed each year, {first_year} to {last_year}",
        x_label="Year closed",
        y_label="Claims closed",
        categories=[str(year) for year in years],
        series=(Series("Claims closed", tuple(closed[year] for year in years), NHS_BLUE),),
        unit="claims",
        empty="No claim closed in these years.",
    )


def closed_by_specialty(figures: Sequence[NationalFigures], span: str) -> BarChart:
    """Claims closed over the span by coded specialty, most first."""
    closed = Counter[str]()
    for f in figures:
        closed[named(f.specialty)] += f.claims
    ranked = sorted(closed.items(), key=lambda item: (-item[1], item[0]))
    return charts.bar_chart(
        id="chart-national-specialty",
        title=f"Claims closed {span} by specialty",
        x_label="Specialty",
        y_label="Claims closed",
        categories=[name for name, _ in ranked],
        series=(Series("Claims closed", tuple(claims for _, claims in ranked), NHS_BLUE),),
        unit="claims",
        empty="No claim closed in these years.",
        lying=True,
    )


def national_bands(figures: Sequence[NationalFigures]) -> list[Band]:
    """Every damages band in order, summed over the years and specialties."""
    claims = Counter[str]()
    damages = {name: ZERO for _, name in DAMAGES_BANDS}
    costs = dict(damages)
    for f in figures:
        claims[f.damages_band] += f.claims
        damages[f.damages_band] += f.damages_paid
        costs[f.damages_band] += f.costs_paid
    return [Band(name, claims[name], damages[name], costs[name]) for _, name in DAMAGES_BANDS]


def time_cell(summary: TimeSummary) -> str:
    """A median with its quartiles in one cell: `200 (150 to 300)`."""
    return f"{days(summary.median)} ({days(summary.lower_quartile)} to {days(summary.upper_quartile)})"
