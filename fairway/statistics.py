"""National statistics read from the register, never from Temporal: the claims closed in a span
of years by specialty, damages band and year (models/statistics.py).

One query reads each closed claim once, with its payments summed per claim in the database; the
bands, days and quartiles are worked out here, the same way on SQLite and PostgreSQL (SQLite has
no percentile function). Only the claim table is read, so advice cases are never counted.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from models.claims import PaymentKind
from models.disclosure import DAMAGES_BANDS, damages_band
from models.register import ClaimRow, PaymentRow
from models.statistics import NationalFigures, TimeSummary

PENNY = Decimal("0.01")
BAND_ORDER = {label: position for position, (_, label) in enumerate(DAMAGES_BANDS)}


def national_statistics(session: Session, first_year: int, last_year: int) -> list[NationalFigures]:
    """Claims closed from the start of `first_year` to the end of `last_year` (UTC), by year of
    closure, specialty and band of damages paid; a claim closed without payment is in band nil."""
    groups: dict[tuple[int, str, str], list] = defaultdict(list)
    for specialty, incident, opened_at, closed_at, damages, costs in session.execute(
        _closed_claims(first_year, last_year)
    ):
        damages, costs = _pounds(damages), _pounds(costs)
        key = (closed_at.astimezone(UTC).year, specialty, damages_band(damages))
        groups[key].append((incident, _day(opened_at), _day(closed_at), damages, costs))
    return [
        _figures(year, specialty, band, claims)
        for (year, specialty, band), claims in sorted(
            groups.items(), key=lambda item: (item[0][0], item[0][1], BAND_ORDER[item[0][2]])
        )
    ]


def _closed_claims(first_year: int, last_year: int):
    not_costs = PaymentRow.kind != PaymentKind.COSTS.value
    paid = (
        select(
            PaymentRow.claim_ref,
            func.sum(case((not_costs, PaymentRow.amount), else_=0)).label("damages"),
            func.sum(case((not_costs, 0), else_=PaymentRow.amount)).label("costs"),
        )
        .group_by(PaymentRow.claim_ref)
        .subquery()
    )
    return (
        select(
            ClaimRow.specialty,
            ClaimRow.incident_date,
            ClaimRow.opened_at,
            ClaimRow.closed_at,
            paid.c.damages,
            paid.c.costs,
        )
        .outerjoin(paid, paid.c.claim_ref == ClaimRow.ref)
        .where(
            ClaimRow.closed_at >= datetime(first_year, 1, 1, tzinfo=UTC),
            ClaimRow.closed_at < datetime(last_year + 1, 1, 1, tzinfo=UTC),
        )
    )


def _figures(year: int, specialty: str, band: str, claims: list) -> NationalFigures:
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


def _pounds(amount) -> Decimal:
    """A sum as the database gives it (SQLite: a float or an int) to pounds and pence; none is 0."""
    return Decimal(str(amount or 0)).quantize(PENNY)


def _day(at: datetime) -> date:
    return at.astimezone(UTC).date()
