"""A member's scorecard, its pure parts (models/scorecards.py): the periods it may be asked for, and
its figures worked out from what the register's queries return, with worked examples. The
register's side is tests/register/test_scorecards.py."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from models.routes import RouteKind, RouteResult
from models.scorecards import (
    SCORECARD_COLUMNS,
    TOP_THEMES,
    OpenClaims,
    ReportingPeriod,
    RouteFigures,
    Scorecard,
    claims_by_coding,
    learning_themes,
    paid_by_damages_band,
    period_refusal,
    resolution_routes,
    scorecard_rows,
)
from models.statistics import TimeSummary
from tests.test_statistics import TAXONOMY as MAPPED

TODAY = date(2026, 12, 7)


@pytest.mark.parametrize(
    ("first", "last", "refusal"),
    [
        (TODAY, TODAY, None),
        (date(2016, 1, 1), date(2025, 12, 31), None),  # ten years to the day
        (date(2016, 1, 1), date(2026, 1, 1), "period_too_long"),
        (date(2016, 2, 29), date(2026, 2, 28), None),
        (date(2016, 2, 29), date(2026, 3, 1), "period_too_long"),
        (date(2020, 5, 2), date(2020, 5, 1), "dates_out_of_order"),
        (date(2026, 1, 1), date(2026, 12, 8), "date_in_future"),
        (date(2026, 12, 8), date(2026, 12, 9), "date_in_future"),
        (date(1899, 12, 31), date(1900, 6, 1), "date_implausible"),
    ],
)
def test_the_periods_a_scorecard_may_cover(first, last, refusal):
    found = period_refusal(first, last, TODAY)
    assert (found and found[0]) == refusal


def test_claims_are_counted_by_specialty_and_by_cause_with_an_old_code_under_its_successor():
    claims = claims_by_coding(
        MAPPED,
        [
            ("specialty.urology", "cause.fall", 2),
            (None, None, 1),
            ("specialty.urology", "cause.slip", 1),
        ],
    )
    assert claims.claims == 4
    assert [(c.code, c.claims) for c in claims.by_specialty] == [("specialty.urology", 3), ("not_coded", 1)]
    assert [(c.code, c.claims) for c in claims.by_primary_cause] == [("cause.fall", 3), ("not_coded", 1)]
    fall = claims.by_primary_cause[0]
    assert (fall.label, fall.group, fall.group_label) == ("Fall", "cause.care", "Care and monitoring")


def test_damages_bands_are_every_band_with_costs_apart():
    bands = paid_by_damages_band(
        [
            (Decimal("0.00"), Decimal("100.00")),
            (Decimal("10000.00"), Decimal("0.00")),
            (Decimal("10000.01"), Decimal("2.50")),
            (Decimal("5000000.01"), Decimal("0.00")),
            (Decimal("9.99"), Decimal("1.00")),
        ]
    )
    assert [(b.damages_band, b.claims, b.damages_paid, b.costs_paid) for b in bands] == [
        ("nil", 1, Decimal("0.00"), Decimal("100.00")),
        ("up to 10k", 2, Decimal("10009.99"), Decimal("1.00")),
        ("10k to 50k", 1, Decimal("10000.01"), Decimal("2.50")),
        ("50k to 250k", 0, Decimal("0.00"), Decimal("0.00")),
        ("250k to 1m", 0, Decimal("0.00"), Decimal("0.00")),
        ("1m to 5m", 0, Decimal("0.00"), Decimal("0.00")),
        ("over 5m", 1, Decimal("5000000.01"), Decimal("0.00")),
    ]


def test_routes_are_every_kind_with_results_in_order_running_and_ended_without_one():
    routes = resolution_routes(
        [
            ("litigation", "judgment_for_claimant", 1, 1),
            ("mediation", None, 5, 2),  # three running, two abandoned
            ("mediation", "not_settled", 1, 1),
            ("mediation", "settled", 3, 3),
        ]
    )
    assert routes == [
        RouteFigures(
            kind=RouteKind.MEDIATION,
            started=9,
            running=3,
            results={RouteResult.SETTLED: 3, RouteResult.NOT_SETTLED: 1},
            ended_without_result=2,
        ),
        RouteFigures(
            kind=RouteKind.EARLY_NEUTRAL_EVALUATION, started=0, running=0, results={}, ended_without_result=0
        ),
        RouteFigures(
            kind=RouteKind.LITIGATION,
            started=1,
            running=0,
            results={RouteResult.JUDGMENT_FOR_CLAIMANT: 1},
            ended_without_result=0,
        ),
        RouteFigures(
            kind=RouteKind.RESOLUTION_SUMMIT, started=0, running=0, results={}, ended_without_result=0
        ),
    ]
    assert list(routes[0].results) == [RouteResult.SETTLED, RouteResult.NOT_SETTLED]


def test_the_top_themes_are_the_trusts_most_frequent_ties_by_code():
    counts = [(f"theme.t{n:02d}", n % 4, 10) for n in range(1, 16)]  # 1, 2, 3, 0, 1, 2, 3, 0, ...
    counts.append(("theme.old_handover", 5, 50))
    themes = learning_themes(MAPPED, counts, coded=20, national_coded=200)
    assert len(themes) == TOP_THEMES
    assert [(t.code, t.claims) for t in themes] == [
        ("theme.handover", 5),
        ("theme.t03", 3),
        ("theme.t07", 3),
        ("theme.t11", 3),
        ("theme.t15", 3),
        ("theme.t02", 2),
        ("theme.t06", 2),
        ("theme.t10", 2),
        ("theme.t14", 2),
        ("theme.t01", 1),
    ]
    assert (themes[0].label, themes[0].share, themes[0].national_claims, themes[0].national_share) == (
        "At handover",
        0.25,
        50,
        0.25,
    )
    assert (themes[1].share, themes[1].national_share) == (0.15, 0.05)


def a_scorecard(**figures) -> Scorecard:
    empty = claims_by_coding(MAPPED, [])
    return Scorecard(
        defendant_code="RX1",
        period=ReportingPeriod(first_day=date(2024, 1, 1), last_day=date(2024, 12, 31)),
        as_of=datetime(2026, 12, 7, 9, 30, tzinfo=UTC),
        taxonomy_version="2",
        notified=empty,
        closed=empty,
        paid_by_damages_band=paid_by_damages_band([]),
        incident_to_notification=None,
        notification_to_resolution=None,
        resolution_routes=resolution_routes([]),
        open_now=OpenClaims(claims=0, overdue=0),
        coded_claims_notified=0,
        national_coded_claims_notified=0,
        learning_themes=[],
    ).model_copy(update=figures)


def test_the_csv_rows_hold_every_figure_once():
    card = a_scorecard(
        notified=claims_by_coding(MAPPED, [("specialty.urology", "cause.fall", 3), (None, None, 1)]),
        incident_to_notification=TimeSummary.of([10, 20, 40]),
        resolution_routes=resolution_routes([("mediation", "settled", 2, 2), ("litigation", None, 1, 0)]),
        open_now=OpenClaims(claims=7, overdue=2),
        coded_claims_notified=3,
        national_coded_claims_notified=30,
        learning_themes=learning_themes(MAPPED, [("theme.handover", 3, 6)], 3, 30),
    )
    rows = scorecard_rows(card)
    assert {len(row) for row in rows} == {len(SCORECARD_COLUMNS)}
    keys = [(section, key, measure) for section, key, *_, measure, _ in rows]
    assert len(keys) == len(set(keys)), "one figure, one row"
    value = {(section, key, measure): v for section, key, *_, measure, v in rows}
    named = {(section, key): tuple(names) for section, key, *names, _, _ in rows}
    assert value["about", "as_of", "value"] == card.as_of
    assert value["notified", "all", "claims"] == 4
    assert value["closed", "all", "claims"] == 0
    assert value["notified_by_specialty", "specialty.urology", "claims"] == 3
    assert named["notified_by_specialty", "specialty.urology"] == ("Urology", "specialty.urology", "Urology")
    assert value["notified_by_primary_cause", "not_coded", "claims"] == 1
    assert named["notified_by_primary_cause", "not_coded"] == ("Not yet coded", "not_coded", "Not yet coded")
    assert named["open_now", "all"] == ("", "", ""), "only codes have labels and groups"
    time = [value["incident_to_notification", "all", m] for m in ("claims", "median", "lower_quartile")]
    assert time == [3, 20, 15]
    # No claims closed: their time is told as none, not as zero days.
    closing = [k for k in keys if k[0] == "notification_to_resolution"]
    assert closing == [("notification_to_resolution", "all", "claims")]
    assert value["notification_to_resolution", "all", "claims"] == 0
    assert len([k for k in keys if k[0] == "paid_by_damages_band"]) == 7 * 3
    assert value["resolution_routes", "mediation", "settled"] == 2
    assert value["resolution_routes", "litigation", "running"] == 1
    assert ("resolution_routes", "litigation", "settled") not in value
    assert (value["open_now", "all", "claims"], value["open_now", "all", "overdue"]) == (7, 2)
    assert value["coded_claims_notified", "national", "claims"] == 30
    assert value["learning_themes", "theme.handover", "national_share"] == 0.2
    assert named["learning_themes", "theme.handover"] == (
        "At handover",
        "theme.communication",
        "Communication",
    )
