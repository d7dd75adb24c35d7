"""National statistics read from the register, never from Temporal: the claims closed in a span
of years by coded specialty, damages band and year (models/statistics.py).

One query reads each closed claim once, with its payments summed per claim in the database; the
names, bands, days and quartiles are worked out here, the same way on SQLite and PostgreSQL
(SQLite has no percentile function). Only the claim and payment tables are read, so advice cases
are never counted.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date
from decimal import Decimal

from sqlalchemy.orm import Session

from fairway.claim_figures import pounds, utc_day, with_paid, within
from models.coding import Taxonomy
from models.disclosure import DAMAGES_BANDS, damages_band
from models.register import ClaimRow
from models.statistics import Category, NationalFigures, TimeSummary, category

BAND_ORDER = {label: position for position, (_, label) in enumerate(DAMAGES_BANDS)}


def national_statistics(
    session: Session, taxonomy: Taxonomy, first_year: int, last_year: int
) -> list[NationalFigures]:
    """Claims closed from the start of `first_year` to the end of `last_year` (UTC), by year of
    closure, coded specialty (named in `taxonomy`; `not_coded` for a claim not yet coded) and band
    of damages paid; a claim closed without payment is in band nil."""
    names: dict[str | None, Category] = {}
    groups: dict[tuple[int, str, str], list] = defaultdict(list)
    for specialty, incident, opened_at, closed_at, damages, costs in session.execute(
        _closed_claims(first_year, last_year)
    ):
        if specialty not in names:
            names[specialty] = category(taxonomy, specialty)
        damages, costs = pounds(damages), pounds(costs)
        key = (closed_at.astimezone(UTC).year, names[specialty].code, damages_band(damages))
        groups[key].append((incident, utc_day(opened_at), utc_day(closed_at), damages, costs))
    named = {c.code: c for c in names.values()}
    return [
        _figures(year, named[specialty], band, claims)
        for (year, specialty, band), claims in sorted(
            groups.items(), key=lambda item: (item[0][0], item[0][1], BAND_ORDER[item[0][2]])
        )
    ]


def _closed_claims(first_year: int, last_year: int):
    return with_paid(
        ClaimRow.coded_specialty,
        ClaimRow.incident_date,
        ClaimRow.opened_at,
        ClaimRow.closed_at,
        where=within(ClaimRow.closed_at, date(first_year, 1, 1), date(last_year, 12, 31)),
    )


def _figures(year: int, specialty: Category, band: str, claims: list) -> NationalFigures:
    return NationalFigures(
        year=year,
        specialty=specialty,
        damages_band=band,
        claims=len(claims),
        damages_paid=sum((damages for *_, damages, _ in claims), Decimal(0)),
        costs_paid=sum((costs for *_, costs in claims), Decimal(0)),
        incident_to_notification=TimeSummary.of(
            [(opened - incident).days for incident, opened, *_ in claims]
        ),
        notification_to_resolution=TimeSummary.of(
            [(closed - opened).days for _, opened, closed, *_ in claims]
        ),
    )
