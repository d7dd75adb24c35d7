"""National statistics from the register (fairway/statistics.py) on SQLite and PostgreSQL: hand-
built claims and payments with known answers for counts, sums, bands, medians and quartiles, by
coded specialty (a claim not yet coded under not_coded, whatever its free-text specialty)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from fairway import db
from fairway.clinical_coding import read_taxonomy_file
from fairway.settings import SHIPPED_TAXONOMY_FILE
from fairway.statistics import national_statistics
from models.statistics import UNCODED, Category, NationalFigures, TimeSummary
from tests.learning_register import MID_1992, Register

TAXONOMY = read_taxonomy_file(SHIPPED_TAXONOMY_FILE)
OBSTETRICS = {"specialty": "specialty.obstetrics", "primary_cause": "cause.fetal_monitoring"}
OBSTETRICS_NAMED = Category(
    code="specialty.obstetrics", label="Obstetrics", group="specialty.obstetrics", group_label="Obstetrics"
)

# Years no other test closes a claim in: the register is shared within a session.
MID_1991 = datetime(1991, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def sessions(register_url):
    engine = db.make_engine(register_url)
    yield db.session_factory(engine)
    engine.dispose()


def test_closed_claims_by_year_specialty_and_damages_band_with_their_times(sessions):
    reg = Register()
    # Obstetrics, 1991, 1m to 5m: four claims, all kinds of damages payment, costs apart.
    reg.claim(
        "Obstetrics",
        MID_1991,
        10,
        100,
        coded=OBSTETRICS,
        lump_sum="2000000.00",
        interim="500000.00",
        costs="250000.50",
    )
    reg.claim("Obstetrics", MID_1991, 20, 200, coded=OBSTETRICS, lump_sum="1000000.01")
    reg.claim("Obstetrics", MID_1991, 30, 300, coded=OBSTETRICS, lump_sum="4999999.99", costs="100000.00")
    new_years_eve = datetime(1991, 12, 31, 23, 30, tzinfo=UTC)
    reg.claim("Obstetrics", new_years_eve, 40, 1000, coded=OBSTETRICS, periodical="1200000.00")
    # Obstetrics, 1991, nil: closed without damages, one with the claimant's costs paid.
    reg.claim("Obstetrics", MID_1991, 365, 730, coded=OBSTETRICS)
    reg.claim("Obstetrics", MID_1991, 100, 50, coded=OBSTETRICS, costs="5000.00")
    # Not yet coded, 1992: each side of a band's top.
    reg.claim("Emergency medicine", MID_1992, 7, 70, lump_sum="9999.99")
    reg.claim("Emergency medicine", MID_1992, 8, 80, lump_sum="10000.01")
    # Coded obstetrics, whatever the free text at opening said.
    reg.claim("Maternity", MID_1992, 9, 90, coded=OBSTETRICS)
    # Not counted: open, closed just after the last year, closed just before the first.
    reg.claim("Emergency medicine", None, 5, 50, interim="20000.00")
    reg.claim("Emergency medicine", datetime(1993, 1, 1, tzinfo=UTC), 5, 50, lump_sum="1.00")
    reg.claim("Emergency medicine", datetime(1990, 12, 31, 23, 59, 59, tzinfo=UTC), 5, 50)

    with reg.written(sessions), sessions() as session:
        found = national_statistics(session, TAXONOMY, 1991, 1992)

    def days(claims: int, median: float, lower: float, upper: float) -> TimeSummary:
        return TimeSummary(claims=claims, median=median, lower_quartile=lower, upper_quartile=upper)

    assert found == [
        NationalFigures(
            year=1991,
            specialty=OBSTETRICS_NAMED,
            damages_band="nil",
            claims=2,
            damages_paid=Decimal("0.00"),
            costs_paid=Decimal("5000.00"),
            incident_to_notification=days(2, 232.5, 166.25, 298.75),
            notification_to_resolution=days(2, 390, 220, 560),
        ),
        NationalFigures(
            year=1991,
            specialty=OBSTETRICS_NAMED,
            damages_band="1m to 5m",
            claims=4,
            damages_paid=Decimal("9700000.00"),
            costs_paid=Decimal("350000.50"),
            incident_to_notification=days(4, 25, 17.5, 32.5),
            notification_to_resolution=days(4, 250, 175, 475),
        ),
        NationalFigures(
            year=1992,
            specialty=UNCODED,
            damages_band="up to 10k",
            claims=1,
            damages_paid=Decimal("9999.99"),
            costs_paid=Decimal("0.00"),
            incident_to_notification=days(1, 7, 7, 7),
            notification_to_resolution=days(1, 70, 70, 70),
        ),
        NationalFigures(
            year=1992,
            specialty=UNCODED,
            damages_band="10k to 50k",
            claims=1,
            damages_paid=Decimal("10000.01"),
            costs_paid=Decimal("0.00"),
            incident_to_notification=days(1, 8, 8, 8),
            notification_to_resolution=days(1, 80, 80, 80),
        ),
        NationalFigures(
            year=1992,
            specialty=OBSTETRICS_NAMED,
            damages_band="nil",
            claims=1,
            damages_paid=Decimal("0.00"),
            costs_paid=Decimal("0.00"),
            incident_to_notification=days(1, 9, 9, 9),
            notification_to_resolution=days(1, 90, 90, 90),
        ),
    ]


def test_quartiles_interpolate_between_the_middle_values():
    assert TimeSummary.of([400, 100, 200]) == TimeSummary(
        claims=3, median=200, lower_quartile=150, upper_quartile=300
    )
    with pytest.raises(ValueError):
        TimeSummary.of([])
