"""National statistics from the register (fairway/statistics.py) on SQLite and PostgreSQL: hand-
built claims and payments with known answers for counts, sums, bands, medians and quartiles."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete

from fairway import db
from fairway.statistics import national_statistics
from models.register import ClaimRow, PaymentRow
from models.statistics import NationalFigures, TimeSummary

# Years no other test closes a claim in: the register is shared within a session.
MID_1991 = datetime(1991, 6, 1, 12, 0, tzinfo=UTC)
MID_1992 = datetime(1992, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def sessions(register_url):
    engine = db.make_engine(register_url)
    yield db.session_factory(engine)
    engine.dispose()


class Register:
    """Claims and payments written straight to the register, as the projection would leave them."""

    def __init__(self) -> None:
        self.run = uuid.uuid4().hex[:8].upper()
        self.claims: list[dict] = []
        self.payments: list[dict] = []

    def claim(self, specialty: str, closed: datetime | None, days_to_notify: int, days_to_close: int, **paid):
        """A claim notified `days_to_notify` after its incident and closed `days_to_close` later
        (or still open), with payments by kind, e.g. lump_sum="1000.00"."""
        ref = f"CLM-{self.run}-{len(self.claims) + 1:02d}"
        opened = (closed or MID_1992) - timedelta(days=days_to_close)
        self.claims.append(
            {
                "ref": ref,
                "workflow_id": f"claim-{ref}",
                "stage": "closed" if closed else "investigating",
                "handler": "hana.handler",
                "scheme": "CNST",
                "defendant_code": "RXX",
                "defendant_name": "A Hospitals NHS Trust",
                "specialty": specialty,
                "incident_date": opened.date() - timedelta(days=days_to_notify),
                "on_hold": False,
                "outcome": ("settled_with_damages" if paid else "closed_without_payment") if closed else None,
                "opened_at": opened,
                "updated_at": closed or opened,
                "closed_at": closed,
                "seq": 1,
            }
        )
        for n, (kind, amount) in enumerate(paid.items(), start=1):
            self.payments.append(
                {
                    "claim_ref": ref,
                    "reference": f"PAY-{n}",
                    "kind": kind,
                    "amount": Decimal(amount),
                    "payee": "claimant_solicitors",
                    "paid_on": date(1991, 1, 1),
                    "recorded_by": "hana.handler",
                    "recorded_at": opened,
                }
            )


def test_closed_claims_by_year_specialty_and_damages_band_with_their_times(sessions):
    reg = Register()
    # Obstetrics, 1991, 1m to 5m: four claims, all kinds of damages payment, costs apart.
    reg.claim("Obstetrics", MID_1991, 10, 100, lump_sum="2000000.00", interim="500000.00", costs="250000.50")
    reg.claim("Obstetrics", MID_1991, 20, 200, lump_sum="1000000.01")
    reg.claim("Obstetrics", MID_1991, 30, 300, lump_sum="4999999.99", costs="100000.00")
    reg.claim("Obstetrics", datetime(1991, 12, 31, 23, 30, tzinfo=UTC), 40, 1000, periodical="1200000.00")
    # Obstetrics, 1991, nil: closed without damages, one with the claimant's costs paid.
    reg.claim("Obstetrics", MID_1991, 365, 730)
    reg.claim("Obstetrics", MID_1991, 100, 50, costs="5000.00")
    # Emergency medicine, 1992: each side of a band's top.
    reg.claim("Emergency medicine", MID_1992, 7, 70, lump_sum="9999.99")
    reg.claim("Emergency medicine", MID_1992, 8, 80, lump_sum="10000.01")
    # Not counted: open, closed just after the last year, closed just before the first.
    reg.claim("Emergency medicine", None, 5, 50, interim="20000.00")
    reg.claim("Emergency medicine", datetime(1993, 1, 1, tzinfo=UTC), 5, 50, lump_sum="1.00")
    reg.claim("Emergency medicine", datetime(1990, 12, 31, 23, 59, 59, tzinfo=UTC), 5, 50)

    try:
        with sessions.begin() as session:
            session.execute(ClaimRow.__table__.insert(), reg.claims)
            session.execute(PaymentRow.__table__.insert(), reg.payments)
        with sessions() as session:
            found = national_statistics(session, 1991, 1992)
    finally:
        with sessions.begin() as session:
            session.execute(delete(PaymentRow).where(PaymentRow.claim_ref.like(f"CLM-{reg.run}-%")))
            session.execute(delete(ClaimRow).where(ClaimRow.ref.like(f"CLM-{reg.run}-%")))

    def days(claims: int, median: float, lower: float, upper: float) -> TimeSummary:
        return TimeSummary(claims=claims, median=median, lower_quartile=lower, upper_quartile=upper)

    assert found == [
        NationalFigures(
            year=1991,
            specialty="Obstetrics",
            damages_band="nil",
            claims=2,
            damages_paid=Decimal("0.00"),
            costs_paid=Decimal("5000.00"),
            incident_to_notification=days(2, 232.5, 166.25, 298.75),
            notification_to_resolution=days(2, 390, 220, 560),
        ),
        NationalFigures(
            year=1991,
            specialty="Obstetrics",
            damages_band="1m to 5m",
            claims=4,
            damages_paid=Decimal("9700000.00"),
            costs_paid=Decimal("350000.50"),
            incident_to_notification=days(4, 25, 17.5, 32.5),
            notification_to_resolution=days(4, 250, 175, 475),
        ),
        NationalFigures(
            year=1992,
            specialty="Emergency medicine",
            damages_band="up to 10k",
            claims=1,
            damages_paid=Decimal("9999.99"),
            costs_paid=Decimal("0.00"),
            incident_to_notification=days(1, 7, 7, 7),
            notification_to_resolution=days(1, 70, 70, 70),
        ),
        NationalFigures(
            year=1992,
            specialty="Emergency medicine",
            damages_band="10k to 50k",
            claims=1,
            damages_paid=Decimal("10000.01"),
            costs_paid=Decimal("0.00"),
            incident_to_notification=days(1, 8, 8, 8),
            notification_to_resolution=days(1, 80, 80, 80),
        ),
    ]


def test_quartiles_interpolate_between_the_middle_values():
    assert TimeSummary.of([400, 100, 200]) == TimeSummary(
        claims=3, median=200, lower_quartile=150, upper_quartile=300
    )
    with pytest.raises(ValueError):
        TimeSummary.of([])
