"""How learning's figures name a code (models/statistics.py `category`), shares, and the spans of
years national statistics may be asked for: pure functions, worked examples."""

from __future__ import annotations

from decimal import Decimal

import pytest

from models.coding import Code, CodeKind, Taxonomy, VersionMapping
from models.statistics import (
    STATISTICS_COLUMNS,
    UNCODED,
    Category,
    NationalFigures,
    TimeSummary,
    category,
    share,
    statistics_rows,
    years_refusal,
)

THEME, SPECIALTY, CAUSE = CodeKind.THEME, CodeKind.SPECIALTY, CodeKind.CAUSE
# Version 2 retired "theme.old_handover" and dropped "theme.verbal_handover", both now
# "theme.handover", and dropped "cause.slip", now "cause.fall".
TAXONOMY = Taxonomy(
    version="2",
    codes=[
        Code(code="specialty.urology", kind=SPECIALTY, label="Urology"),
        Code(code="cause.care", kind=CAUSE, label="Care and monitoring"),
        Code(code="cause.fall", kind=CAUSE, label="Fall", parent="cause.care"),
        Code(code="theme.communication", kind=THEME, label="Communication"),
        Code(code="theme.handover", kind=THEME, label="At handover", parent="theme.communication"),
        Code(
            code="theme.old_handover",
            kind=THEME,
            label="Handover",
            parent="theme.communication",
            retired=True,
        ),
    ],
    mapping=VersionMapping(
        from_version="1",
        codes={
            "theme.old_handover": "theme.handover",
            "theme.verbal_handover": "theme.handover",
            "cause.slip": "cause.fall",
        },
    ),
)
HANDOVER = Category(
    code="theme.handover", label="At handover", group="theme.communication", group_label="Communication"
)


def test_a_code_is_named_with_the_group_it_rolls_up_to():
    assert category(TAXONOMY, "theme.handover") == HANDOVER
    assert category(TAXONOMY, "specialty.urology") == Category(
        code="specialty.urology", label="Urology", group="specialty.urology", group_label="Urology"
    )


def test_a_claim_not_yet_coded_is_not_coded():
    assert category(TAXONOMY, None) == UNCODED
    assert (UNCODED.code, UNCODED.group) == ("not_coded", "not_coded")


def test_a_retired_or_dropped_code_is_named_as_its_successor():
    assert category(TAXONOMY, "theme.old_handover") == HANDOVER
    assert category(TAXONOMY, "theme.verbal_handover") == HANDOVER


def test_a_code_this_version_neither_has_nor_maps_is_still_named():
    assert category(TAXONOMY, "theme.ancient") == Category(
        code="theme.ancient", label="theme.ancient", group="theme.ancient", group_label="theme.ancient"
    )


def test_a_share_is_to_four_places_and_nothing_of_nothing_is_0():
    assert (share(1, 3), share(2, 3), share(3, 3), share(0, 0)) == (0.3333, 0.6667, 1.0, 0.0)


@pytest.mark.parametrize(
    ("first", "last", "refusal"),
    [
        (2026, 2026, None),
        (1997, 2026, None),  # thirty years
        (1996, 2026, "period_too_long"),
        (2020, 2019, "dates_out_of_order"),
        (2020, 2027, "date_in_future"),
        (1899, 1920, "date_implausible"),
    ],
)
def test_the_years_national_statistics_may_span(first, last, refusal):
    found = years_refusal(first, last, this_year=2026)
    assert (found and found[0]) == refusal


def test_the_csv_file_has_one_row_per_figures_with_every_column():
    days = TimeSummary(claims=2, median=15, lower_quartile=12.5, upper_quartile=17.5)
    figures = NationalFigures(
        year=2025,
        specialty=HANDOVER,
        damages_band="nil",
        claims=2,
        damages_paid=Decimal("0.00"),
        costs_paid=Decimal("10.50"),
        incident_to_notification=days,
        notification_to_resolution=TimeSummary.of([100]),
    )
    (row,) = statistics_rows([figures])
    assert dict(zip(STATISTICS_COLUMNS, row, strict=True)) == {
        "year": 2025,
        "specialty": "theme.handover",
        "specialty_label": "At handover",
        "specialty_group": "theme.communication",
        "specialty_group_label": "Communication",
        "damages_band": "nil",
        "claims": 2,
        "damages_paid": Decimal("0.00"),
        "costs_paid": Decimal("10.50"),
        "incident_to_notification_median": 15,
        "incident_to_notification_lower_quartile": 12.5,
        "incident_to_notification_upper_quartile": 17.5,
        "notification_to_resolution_median": 100,
        "notification_to_resolution_lower_quartile": 100,
        "notification_to_resolution_upper_quartile": 100,
    }
