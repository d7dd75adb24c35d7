"""How learning's queries read the register's claims, shared by national statistics
(fairway/statistics.py) and member scorecards (fairway/scorecards.py): what was paid on each
claim, summed per claim in the database with costs apart from damages; a stored code in the
current taxonomy's terms; and the database's sums and times as pounds and UTC days.

Only claim-side tables are read here (claim, payment, claim_code, claim_route): advice cases live
in case_record and are never counted in any learning figure.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import Select, case, func, select
from sqlalchemy.sql.elements import ColumnElement

from models.claims import PaymentKind
from models.coding import Taxonomy
from models.register import ClaimRow, PaymentRow

PENNY = Decimal("0.01")


def with_paid(*columns, where: list[ColumnElement[bool]]) -> Select:
    """The `columns` of each claim matching `where`, then the damages (interim, lump sum and
    periodical) and the costs paid on it. Grouped by claim, so the database reads only the
    payments of the claims asked for; a claim with no payment has none of either."""
    not_costs = PaymentRow.kind != PaymentKind.COSTS.value
    return (
        select(
            *columns,
            func.sum(case((not_costs, PaymentRow.amount), else_=0)).label("damages"),
            func.sum(case((not_costs, 0), else_=PaymentRow.amount)).label("costs"),
        )
        .outerjoin(PaymentRow, PaymentRow.claim_ref == ClaimRow.ref)
        .where(*where)
        .group_by(ClaimRow.ref)  # the key: PostgreSQL lets the claim's other columns be selected
    )


def as_current(column, taxonomy: Taxonomy):
    """A stored code column read in the current taxonomy's terms, in SQL, as
    models.statistics.current_code reads one code: for counting claims once per code where a new
    version merged two old codes into one."""
    mapping = taxonomy.mapping.codes if taxonomy.mapping else {}
    return case(mapping, value=column, else_=column) if mapping else column


def pounds(amount) -> Decimal:
    """A sum as the database gives it (SQLite: a float or an int) to pounds and pence; none is 0."""
    return Decimal(str(amount or 0)).quantize(PENNY)


def utc_day(at: datetime) -> date:
    return at.astimezone(UTC).date()


def within(column, first_day: date, last_day: date) -> list[ColumnElement[bool]]:
    """A time column within whole UTC days, both ends included."""
    start = datetime.combine(first_day, time.min, UTC)
    end = datetime.combine(last_day + timedelta(days=1), time.min, UTC)
    return [column >= start, column < end]
