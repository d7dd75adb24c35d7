"""Figures about claims for learning, shared by national statistics and member scorecards
(models/scorecards.py). Pure: the register queries that feed them are fairway/statistics.py and
fairway/scorecards.py.

Every learning figure names a specialty, a cause or a theme the same way, as a `Category` of the
current clinical coding taxonomy: its code, label and the group it rolls up to. A claim not yet
coded counts under `not_coded`, never dropped; a code of the previous taxonomy version that the
current one retired or dropped counts under its successor, as `models.coding.translate` reads it.

Times are whole calendar days between two events: from the incident to the claim's
notification (the day it was opened), and from notification to resolution (the day it closed).
Medians and quartiles interpolate between the middle values (the "inclusive" method, as
PostgreSQL's percentile_cont and a spreadsheet's QUARTILE.INC), so three claims of 100, 200 and
400 days have a median of 200 and quartiles of 150 and 300.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, Field

from models.coding import Taxonomy
from models.common import EARLIEST_PLAUSIBLE_DATE, Money

NOT_CODED = "not_coded"
LONGEST_STATISTICS_YEARS = 30


class TimeSummary(BaseModel):
    """How long something took over a set of claims, in days."""

    claims: int = Field(description="how many claims the figures are over")
    median: float
    lower_quartile: float
    upper_quartile: float

    @classmethod
    def of(cls, days: Sequence[int]) -> TimeSummary:
        if not days:
            raise ValueError("no claims to summarise")
        if len(days) == 1:
            return cls(claims=1, median=days[0], lower_quartile=days[0], upper_quartile=days[0])
        lower, median, upper = statistics.quantiles(days, n=4, method="inclusive")
        return cls(claims=len(days), median=median, lower_quartile=lower, upper_quartile=upper)


class Category(BaseModel):
    """A specialty, cause or learning theme as learning's figures name it."""

    code: str = Field(description=f"its code in the current taxonomy; {NOT_CODED} for a claim not yet coded")
    label: str
    group: str = Field(description="the code it rolls up to (a code with no parent is its own group)")
    group_label: str


UNCODED = Category(code=NOT_CODED, label="Not yet coded", group=NOT_CODED, group_label="Not yet coded")


def current_code(taxonomy: Taxonomy, code: str) -> str:
    """A stored code in the current version's terms: one the previous version had and this one
    retired or dropped reads as its successor."""
    return taxonomy.mapping.codes.get(code, code) if taxonomy.mapping else code


def stored_codes(taxonomy: Taxonomy, codes: Iterable[str]) -> frozenset[str]:
    """The stored codes that read as `codes` in the current version: the codes themselves and the
    previous version's codes mapped to them (what a filter on current codes must match)."""
    wanted = frozenset(codes)
    mapped = taxonomy.mapping.codes.items() if taxonomy.mapping else ()
    return wanted | {old for old, new in mapped if new in wanted}


def readable_versions(taxonomy: Taxonomy) -> frozenset[str]:
    """The versions whose codings read in the current one's terms: itself and the one it maps."""
    previous = {taxonomy.mapping.from_version} if taxonomy.mapping else set()
    return frozenset({taxonomy.version, *previous})


def category(taxonomy: Taxonomy, code: str | None) -> Category:
    """How a claim's stored code (None: not yet coded) is named. A code this version neither has
    nor maps (coded two versions ago) is still counted, under its own code as its label."""
    if code is None:
        return UNCODED
    code = current_code(taxonomy, code)
    if code not in taxonomy.by_code:
        return Category(code=code, label=code, group=code, group_label=code)
    group = taxonomy.group(code)
    return Category(code=code, label=taxonomy.by_code[code].label, group=group.code, group_label=group.label)


def share(part: int, whole: int) -> float:
    """`part` as a fraction of `whole`, to four places (0 of nothing is 0)."""
    return round(part / whole, 4) if whole else 0.0


class NationalFigures(BaseModel):
    """The claims closed in one year, of one specialty, whose damages paid fall in one band."""

    year: int = Field(description="the year the claims closed")
    specialty: Category = Field(description="the coded specialty")
    damages_band: str = Field(
        description="models.disclosure.DAMAGES_BANDS, of the damages paid on each claim"
    )
    claims: int
    damages_paid: Money = Field(description="interim, lump sum and periodical payments, costs apart")
    costs_paid: Money
    incident_to_notification: TimeSummary
    notification_to_resolution: TimeSummary


class NationalStatistics(BaseModel):
    """The claims closed in a span of years, nationally, by year, specialty and damages band."""

    first_year: int
    last_year: int
    taxonomy_version: str = Field(description="the taxonomy the specialties are named in")
    figures: list[NationalFigures]


def years_refusal(first_year: int, last_year: int, this_year: int) -> tuple[str, str] | None:
    """Why a span of years cannot be asked for, as (code, message), or None: ending after this
    year, beginning before any case Fairway handles, out of order, or longer than
    LONGEST_STATISTICS_YEARS. This year may be asked for: its figures are those so far."""
    if last_year > this_year:
        return "date_in_future", f"last_year {last_year} is in the future"
    if first_year < EARLIEST_PLAUSIBLE_DATE.year:
        return "date_implausible", f"first_year {first_year} is before {EARLIEST_PLAUSIBLE_DATE.year}"
    if last_year < first_year:
        return "dates_out_of_order", f"last_year {last_year} is before first_year {first_year}"
    if last_year - first_year + 1 > LONGEST_STATISTICS_YEARS:
        return "period_too_long", f"at most {LONGEST_STATISTICS_YEARS} years at once"
    return None


# The national figures as a CSV file: one row per year, specialty and band, its figures across.
STATISTICS_COLUMNS = (
    "year",
    "specialty",
    "specialty_label",
    "specialty_group",
    "specialty_group_label",
    "damages_band",
    "claims",
    "damages_paid",
    "costs_paid",
    *(
        f"{time}_{measure}"
        for time in ("incident_to_notification", "notification_to_resolution")
        for measure in ("median", "lower_quartile", "upper_quartile")
    ),
)


def statistics_rows(figures: Sequence[NationalFigures]) -> list[tuple]:
    """The rows of the CSV file, in the order of STATISTICS_COLUMNS."""
    return [
        (
            f.year,
            f.specialty.code,
            f.specialty.label,
            f.specialty.group,
            f.specialty.group_label,
            f.damages_band,
            f.claims,
            f.damages_paid,
            f.costs_paid,
            *(
                getattr(time, measure)
                for time in (f.incident_to_notification, f.notification_to_resolution)
                for measure in ("median", "lower_quartile", "upper_quartile")
            ),
        )
        for f in figures
    ]
