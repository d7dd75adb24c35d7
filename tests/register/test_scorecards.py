"""A member's scorecard from the register (fairway/scorecards.py) on SQLite and PostgreSQL, against
hand-built claims of two trusts with known answers: claims notified and closed by specialty and
primary cause (not_coded among them), times with their quartiles, payments by damages band, routes
and their results, open and overdue claims, and learning themes beside their national share.

The period is 1984-85, which no other test's claims fall in, so the national share is of these
claims alone (the register is shared within a session)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import delete

from fairway import db
from fairway.clinical_coding import read_taxonomy_file
from fairway.scorecards import member_scorecard
from fairway.settings import SHIPPED_TAXONOMY_FILE
from fairway.statistics import national_statistics
from models.register import CaseRow
from models.routes import RouteKind, RouteResult
from models.scorecards import (
    BandFigures,
    CategoryClaims,
    OpenClaims,
    ReportingPeriod,
    RouteFigures,
    ThemeFigures,
)
from models.statistics import TimeSummary
from tests.learning_register import Register, day

TAXONOMY = read_taxonomy_file(SHIPPED_TAXONOMY_FILE)
PERIOD = ReportingPeriod(first_day=date(1984, 1, 1), last_day=date(1985, 12, 31))

CTG = {
    "specialty": "specialty.obstetrics",
    "primary_cause": "cause.fetal_monitoring",
    "themes": ["theme.ctg_misinterpreted", "theme.delay_in_escalation"],
}
DELIVERY = {
    "specialty": "specialty.obstetrics",
    "primary_cause": "cause.delay_in_delivery",
    "themes": ["theme.delay_in_escalation", "theme.staffing_shortfall"],
}
MISSED = {
    "specialty": "specialty.emergency_medicine",
    "primary_cause": "cause.failure_to_diagnose",
    "themes": ["theme.results_not_followed_up"],
}
SWAB = {
    "specialty": "specialty.general_surgery",
    "primary_cause": "cause.retained_foreign_object",
    "themes": ["theme.guideline_not_followed"],
}


@pytest.fixture
def sessions(register_url):
    engine = db.make_engine(register_url)
    yield db.session_factory(engine)
    engine.dispose()


def two_trusts() -> tuple[Register, str]:
    """The trust's claims, each marked with what it counts towards in 1984-85, and another trust's."""
    reg = Register()
    other = f"Q{reg.run[:4]}"
    # Notified and closed in the period: 1m to 5m; a mediation that settled.
    reg.claim(
        "x",
        day(1985, 3, 1),
        100,
        365,
        coded=CTG,
        routes={"mediation": "settled"},
        lump_sum="2000000.00",
        costs="150000.00",
    )
    # Notified and closed: 10k to 50k, interim and lump sum together; ENE not settled, litigating.
    reg.claim(
        "x",
        day(1985, 6, 1),
        200,
        365,
        coded=DELIVERY,
        routes={"early_neutral_evaluation": "not_settled", "litigation": None},
        interim="5000.00",
        lump_sum="40000.00",
        costs="8000.50",
    )
    # Notified in the period, open and overdue, litigating; its interim payment is not counted.
    litigating = {"litigation": None}
    reg.claim(
        "x",
        None,
        50,
        0,
        opened=day(1985, 1, 10),
        coded=MISSED,
        overdue=True,
        routes=litigating,
        interim="1000.00",
    )
    # Notified in the period, not coded, open; a mediation that did not settle.
    reg.claim("x", None, 30, 0, opened=day(1985, 5, 5), routes={"mediation": "not_settled"})
    # Notified before the period and closed in it, not coded: nil, costs only; its route before.
    reg.claim("x", day(1984, 9, 1), 10, 458, routes={"mediation": "declined"}, costs="2500.00")
    # Notified in the period, closed after it (its payment not counted); a summit that settled.
    reg.claim(
        "x", day(1986, 2, 1), 400, 92, coded=CTG, routes={"resolution_summit": "settled"}, lump_sum="500.00"
    )
    # Notified and closed before the period: in no figure but the trust's existence.
    reg.claim("x", day(1983, 1, 1), 20, 365, coded=CTG)
    # Notified at the first instant after the period, open and overdue.
    reg.claim("x", None, 5, 0, opened=datetime(1986, 1, 1, tzinfo=UTC), overdue=True, coded=CTG)
    # Notified in the last half hour of the period, open; its route starts after the period.
    reg.claim(
        "x",
        None,
        7,
        0,
        opened=datetime(1985, 12, 31, 23, 30, tzinfo=UTC),
        coded=MISSED,
        routes={"mediation": None},
    )
    # Closed at the first instant of the period, notified the day before: up to 10k, its top.
    reg.claim("x", datetime(1984, 1, 1, tzinfo=UTC), 3, 1, lump_sum="10000.00")
    # Another trust's: national figures only.
    reg.claim("x", None, 9, 0, opened=day(1984, 7, 1), trust=other, coded=CTG, routes={"mediation": None})
    reg.claim("x", None, 9, 0, opened=day(1985, 2, 1), trust=other, coded=SWAB)
    reg.claim("x", None, 9, 0, opened=day(1985, 3, 1), trust=other)
    reg.claim("x", None, 9, 0, opened=day(1986, 3, 1), trust=other, coded=CTG, overdue=True)
    return reg, other


def test_a_trusts_scorecard_over_a_period(sessions):
    reg, other = two_trusts()
    with reg.written(sessions), sessions() as session:
        card = member_scorecard(session, TAXONOMY, reg.trust, PERIOD)
        others = member_scorecard(session, TAXONOMY, other, PERIOD)

    assert (card.defendant_code, card.period, card.taxonomy_version) == (reg.trust, PERIOD, "2026.1")
    assert (datetime.now(UTC) - card.as_of).total_seconds() < 60

    assert card.notified.claims == 6
    assert [(c.code, c.claims) for c in card.notified.by_specialty] == [
        ("specialty.obstetrics", 3),
        ("specialty.emergency_medicine", 2),
        ("not_coded", 1),
    ]
    assert [(c.code, c.claims) for c in card.notified.by_primary_cause] == [
        ("cause.failure_to_diagnose", 2),
        ("cause.fetal_monitoring", 2),
        ("cause.delay_in_delivery", 1),
        ("not_coded", 1),
    ]
    assert card.notified.by_primary_cause[1] == CategoryClaims(
        code="cause.fetal_monitoring",
        label="Fetal heart rate monitoring",
        group="cause.maternity",
        group_label="Maternity management",
        claims=2,
    )
    assert card.notified.by_primary_cause[3] == CategoryClaims(
        code="not_coded", label="Not yet coded", group="not_coded", group_label="Not yet coded", claims=1
    )
    assert card.closed.claims == 4
    assert [(c.code, c.claims) for c in card.closed.by_specialty] == [
        ("not_coded", 2),
        ("specialty.obstetrics", 2),
    ]
    assert [(c.code, c.claims) for c in card.closed.by_primary_cause] == [
        ("not_coded", 2),
        ("cause.delay_in_delivery", 1),
        ("cause.fetal_monitoring", 1),
    ]

    # Days 7, 30, 50, 100, 200, 400; and 1, 365, 365, 458.
    assert card.incident_to_notification == TimeSummary(
        claims=6, median=75, lower_quartile=35, upper_quartile=175
    )
    assert card.notification_to_resolution == TimeSummary(
        claims=4, median=365, lower_quartile=274, upper_quartile=388.25
    )

    def band(name: str, claims: int = 0, damages: str = "0.00", costs: str = "0.00") -> BandFigures:
        return BandFigures(
            damages_band=name, claims=claims, damages_paid=Decimal(damages), costs_paid=Decimal(costs)
        )

    assert card.paid_by_damages_band == [
        band("nil", 1, costs="2500.00"),
        band("up to 10k", 1, "10000.00"),
        band("10k to 50k", 1, "45000.00", "8000.50"),
        band("50k to 250k"),
        band("250k to 1m"),
        band("1m to 5m", 1, "2000000.00", "150000.00"),
        band("over 5m"),
    ]

    def route(kind: RouteKind, started: int, running: int = 0, **results: int) -> RouteFigures:
        return RouteFigures(
            kind=kind,
            started=started,
            running=running,
            results={RouteResult(r): n for r, n in results.items()},
            ended_without_result=0,
        )

    assert card.resolution_routes == [
        route(RouteKind.MEDIATION, 2, settled=1, not_settled=1),
        route(RouteKind.EARLY_NEUTRAL_EVALUATION, 1, not_settled=1),
        route(RouteKind.LITIGATION, 2, running=2),
        route(RouteKind.RESOLUTION_SUMMIT, 1, settled=1),
    ]
    assert card.open_now == OpenClaims(claims=4, overdue=2)

    # The trust's five coded claims of the period beside all trusts' seven.
    assert (card.coded_claims_notified, card.national_coded_claims_notified) == (5, 7)
    assert [
        (t.code, t.claims, t.share, t.national_claims, t.national_share) for t in card.learning_themes
    ] == [
        ("theme.delay_in_escalation", 3, 0.6, 4, 0.5714),
        ("theme.ctg_misinterpreted", 2, 0.4, 3, 0.4286),
        ("theme.results_not_followed_up", 2, 0.4, 2, 0.2857),
        ("theme.staffing_shortfall", 1, 0.2, 1, 0.1429),
    ]
    assert card.learning_themes[0] == ThemeFigures(
        code="theme.delay_in_escalation",
        label="Delay in escalation",
        group="theme.monitoring_and_escalation",
        group_label="Monitoring and escalation",
        claims=3,
        share=0.6,
        national_claims=4,
        national_share=0.5714,
    )

    # The other trust's: its own claims, the same national denominators.
    assert (others.notified.claims, others.closed.claims, others.open_now) == (
        3,
        0,
        OpenClaims(claims=4, overdue=1),
    )
    assert (others.coded_claims_notified, others.national_coded_claims_notified) == (2, 7)
    assert [(t.code, t.claims, t.national_claims) for t in others.learning_themes] == [
        ("theme.ctg_misinterpreted", 1, 3),
        ("theme.delay_in_escalation", 1, 4),
        ("theme.guideline_not_followed", 1, 1),
    ]
    assert others.resolution_routes[0] == route(RouteKind.MEDIATION, 1, running=1)


def test_a_period_with_none_of_the_trusts_claims(sessions):
    reg, _ = two_trusts()
    empty = ReportingPeriod(first_day=date(1981, 1, 1), last_day=date(1981, 12, 31))
    with reg.written(sessions), sessions() as session:
        card = member_scorecard(session, TAXONOMY, reg.trust, empty)
    assert (card.notified.claims, card.notified.by_specialty, card.closed.claims) == (0, [], 0)
    assert card.incident_to_notification is None and card.notification_to_resolution is None
    assert {b.claims for b in card.paid_by_damages_band} == {0}
    assert {(r.started, r.running) for r in card.resolution_routes} == {(0, 0)}
    assert card.open_now == OpenClaims(claims=4, overdue=2)  # open now, whatever the period
    assert (card.coded_claims_notified, card.national_coded_claims_notified, card.learning_themes) == (
        0,
        0,
        [],
    )


def test_a_trust_with_no_claims_has_no_scorecard(sessions):
    with sessions() as session:
        assert member_scorecard(session, TAXONOMY, f"Z{uuid.uuid4().hex[:6].upper()}", PERIOD) is None


def test_an_advice_case_is_counted_nowhere(sessions):
    """Advice cases are confidential and never learning's: an advice case naming the trust, in
    the period, changes no figure, and a trust with only advice cases has no scorecard."""
    reg, _ = two_trusts()
    alone = f"V{reg.run[:4]}"
    with reg.written(sessions):
        with sessions() as session:
            before = member_scorecard(session, TAXONOMY, reg.trust, PERIOD)
            national = national_statistics(session, TAXONOMY, 1984, 1985)
        refs = [f"ADV-{reg.run}-{n}" for n in (1, 2)]
        with sessions.begin() as session:
            for ref, trust in zip(refs, (reg.trust, alone), strict=True):
                session.add(advice_case(ref, trust))
        try:
            with sessions() as session:
                after = member_scorecard(session, TAXONOMY, reg.trust, PERIOD)
                assert after.model_dump(exclude={"as_of"}) == before.model_dump(exclude={"as_of"})
                assert national_statistics(session, TAXONOMY, 1984, 1985) == national
                assert member_scorecard(session, TAXONOMY, alone, PERIOD) is None
        finally:
            with sessions.begin() as session:
                session.execute(delete(CaseRow).where(CaseRow.ref.in_(refs)))


def advice_case(ref: str, trust: str) -> CaseRow:
    """An advice case about a practitioner at the trust, opened and closed in the period, as its
    projection would leave it."""
    return CaseRow(
        ref=ref,
        kind="advice",
        workflow_id=f"advice-{ref}",
        stage="closed",
        owner="ava.adviser",
        team="advice",
        confidential=True,
        outcome="advice_given",
        opened_at=day(1984, 4, 1),
        updated_at=day(1984, 5, 1),
        closed_at=day(1984, 5, 1),
        facts={"defendant_code": trust, "trust_code": trust, "specialty": "specialty.obstetrics"},
        seq=1,
    )
