"""A member's scorecard read from the register, never from Temporal (models/scorecards.py).

A handful of queries, each on indexed columns of the claim-side tables: counts are grouped and
payments summed per claim in the database; only the day-differences the medians need come back
row by row, since SQLite has no percentile function. The national share of each theme is counted
in the same query as the trust's. Advice cases (case_record) are never read.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from fairway.claim_figures import as_current, pounds, utc_day, with_paid, within
from models.coding import Taxonomy
from models.register import ClaimCodeRow, ClaimRouteRow, ClaimRow
from models.scorecards import (
    Claims,
    OpenClaims,
    ReportingPeriod,
    Scorecard,
    claims_by_coding,
    learning_themes,
    paid_by_damages_band,
    resolution_routes,
)
from models.statistics import NOT_CODED, TimeSummary


def member_scorecard(
    session: Session, taxonomy: Taxonomy, defendant_code: str, period: ReportingPeriod
) -> Scorecard | None:
    """The trust's scorecard over the period, its codes named in `taxonomy`; None when the
    register holds no claim against the trust at all."""
    as_of = datetime.now(UTC)
    open_now = _open_now(session, defendant_code)
    if open_now is None:
        return None
    mine = ClaimRow.defendant_code == defendant_code
    notified = [mine, *within(ClaimRow.opened_at, period.first_day, period.last_day)]
    closed = [mine, *within(ClaimRow.closed_at, period.first_day, period.last_day)]
    notified_claims = _claims(session, taxonomy, notified)
    paid = session.execute(with_paid(ClaimRow.opened_at, ClaimRow.closed_at, where=closed)).all()
    return Scorecard(
        defendant_code=defendant_code,
        period=period,
        as_of=as_of,
        taxonomy_version=taxonomy.version,
        notified=notified_claims,
        closed=_claims(session, taxonomy, closed),
        paid_by_damages_band=paid_by_damages_band((pounds(c.damages), pounds(c.costs)) for c in paid),
        incident_to_notification=_incident_to_notification(session, notified),
        notification_to_resolution=_summary(
            [(utc_day(c.closed_at) - utc_day(c.opened_at)).days for c in paid]
        ),
        resolution_routes=resolution_routes(session.execute(_routes(defendant_code, period))),
        open_now=open_now,
        **_themes(session, taxonomy, defendant_code, period, notified_claims),
    )


def _open_now(session: Session, defendant_code: str) -> OpenClaims | None:
    """The trust's open claims and those overdue; None if the trust has no claim at all."""
    still_open = ClaimRow.closed_at.is_(None)
    claims, open_claims, overdue = session.execute(
        select(
            func.count(),
            func.count(case((still_open, 1))),
            func.count(case((and_(still_open, ClaimRow.overdue.is_(True)), 1))),
        )
        .select_from(ClaimRow)
        .where(ClaimRow.defendant_code == defendant_code)
    ).one()
    return OpenClaims(claims=open_claims, overdue=overdue) if claims else None


def _claims(session: Session, taxonomy: Taxonomy, where: list) -> Claims:
    counts = session.execute(
        select(ClaimRow.coded_specialty, ClaimRow.primary_cause, func.count())
        .where(*where)
        .group_by(ClaimRow.coded_specialty, ClaimRow.primary_cause)
    )
    return claims_by_coding(taxonomy, counts)


def _incident_to_notification(session: Session, notified: list) -> TimeSummary | None:
    claims = session.execute(select(ClaimRow.incident_date, ClaimRow.opened_at).where(*notified))
    return _summary([(utc_day(opened_at) - incident).days for incident, opened_at in claims])


def _summary(days: list[int]) -> TimeSummary | None:
    return TimeSummary.of(days) if days else None


def _routes(defendant_code: str, period: ReportingPeriod):
    """(kind, result, routes, of which ended) for the routes started in the period on the trust's claims."""
    return (
        select(ClaimRouteRow.kind, ClaimRouteRow.result, func.count(), func.count(ClaimRouteRow.ended_at))
        .join(ClaimRow, ClaimRow.ref == ClaimRouteRow.claim_ref)
        .where(
            ClaimRow.defendant_code == defendant_code,
            *within(ClaimRouteRow.started_at, period.first_day, period.last_day),
        )
        .group_by(ClaimRouteRow.kind, ClaimRouteRow.result)
    )


def _themes(
    session: Session, taxonomy: Taxonomy, defendant_code: str, period: ReportingPeriod, notified: Claims
) -> dict:
    """The learning themes of the claims notified in the period, the trust's beside all trusts',
    counted in one pass over every trust's coded claims of the period."""
    in_period = within(ClaimRow.opened_at, period.first_day, period.last_day)
    coded = ClaimRow.coded_specialty.is_not(None)
    national_coded = session.scalar(select(func.count()).select_from(ClaimRow).where(coded, *in_period))
    themes = (
        select(
            ClaimCodeRow.claim_ref,
            ClaimRow.defendant_code,
            as_current(ClaimCodeRow.code, taxonomy).label("theme"),
        )
        .join(ClaimRow, ClaimRow.ref == ClaimCodeRow.claim_ref)
        .where(ClaimCodeRow.field == "themes", coded, *in_period)
        .subquery()
    )
    mine = case((themes.c.defendant_code == defendant_code, themes.c.claim_ref))
    claims = themes.c.claim_ref
    if taxonomy.mapping:
        # Distinct claims: the new version may have merged two of one claim's themes into one.
        # Without a mapping a claim has each theme once (claim_code's key), and counting rows
        # spares the database sorting every theme of the period to find distinct claims.
        mine, claims = mine.distinct(), claims.distinct()
    counts = session.execute(
        select(themes.c.theme, func.count(mine), func.count(claims))
        .group_by(themes.c.theme)
        .having(func.count(mine) > 0)
    )
    trust_coded = sum(c.claims for c in notified.by_specialty if c.code != NOT_CODED)
    return {
        "coded_claims_notified": trust_coded,
        "national_coded_claims_notified": national_coded or 0,
        "learning_themes": learning_themes(taxonomy, counts, trust_coded, national_coded or 0),
    }
