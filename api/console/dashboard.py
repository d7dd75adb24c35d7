"""The console's home: what is open, what is overdue, who is waiting, and how cases move.

Every figure is one aggregate query on the register (GROUP BY, never every row), and only
over the case kinds the signed-in role may see (models/access.py): a confidential kind is in
no count, list or chart of anyone outside its tier, so adding or removing its cases leaves
their page exactly as it was. Escalations follow the API's own rule: queue readers see every
escalation of the kinds they may see, anyone else those addressed to them (api/work.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import ColumnElement, Select, case, extract, func, literal, or_, select
from sqlalchemy.orm import Session

from api.cases import SPECS
from api.console import charts
from api.console.auth import ConsoleActor, caseless_home
from api.console.templating import refused, render
from api.deps import SessionDep
from api.errors import ApiError
from api.escalations import QUEUE_READERS, escalation_query
from models.access import kinds_visible_to
from models.common import Actor
from models.deadlines import LadderStep
from models.register import CaseRow, EscalationRow

router = APIRouter(prefix="/console", include_in_schema=False)

MONTHS = 12
OVERDUE_SHOWN = 10
# Time from opening to closing: each bucket's upper bound in days (None: no bound).
RESOLUTION_BUCKETS: tuple[tuple[int | None, str], ...] = (
    (90, "Under 90 days"),
    (180, "90 to 179 days"),
    (365, "180 to 364 days"),
    (730, "1 to 2 years"),
    (None, "2 years or more"),
)
# How long an escalation has waited, longest first: each bucket holds those raised before
# `now - bound` and since the previous bucket's (None: the rest, up to now).
AGE_BUCKETS: tuple[tuple[timedelta | None, str], ...] = (
    (timedelta(days=7), "Over 7 days"),
    (timedelta(days=1), "1 to 7 days"),
    (None, "Under 1 day"),
)
STEP_NAMES = {
    LadderStep.WARNING: "Warning to the owner",
    LadderStep.SUPERVISOR: "Supervisor",
    LadderStep.HEAD_OF_SERVICE: "Head of service",
}


def clock() -> datetime:
    return datetime.now(UTC)


Now = Annotated[datetime, Depends(clock)]


# --- what the page shows ----------------------------------------------------------------------


@dataclass(frozen=True)
class KindCounts:
    kind: str
    name: str
    stages: list[tuple[str, int]]  # (stage name, open cases), in the pathway's order

    @property
    def total(self) -> int:
        return sum(count for _, count in self.stages)


@dataclass(frozen=True)
class OverdueCase:
    kind: str
    ref: str
    stage: str
    owner: str
    due_at: datetime | None
    days_overdue: int | None

    @property
    def kind_name(self) -> str:
        return words(self.kind)

    @property
    def href(self) -> str:
        return f"/console/cases/{quote(self.kind, safe='')}/{quote(self.ref, safe='')}"


@dataclass(frozen=True)
class Overdue:
    count: int
    oldest: list[OverdueCase]


@dataclass(frozen=True)
class WaitingEscalations:
    ages: tuple[str, ...]
    steps: list[tuple[str, tuple[int, ...]]]  # (ladder step's name, count in each age bucket)

    @property
    def total(self) -> int:
        return sum(sum(counts) for _, counts in self.steps)


# --- the page ---------------------------------------------------------------------------------


@router.get("")
def dashboard(
    request: Request,
    actor: ConsoleActor,
    session: SessionDep,
    now: Now,
    kind: Annotated[str | None, Query(max_length=40, description="one case kind only")] = None,
) -> Response:
    """The console's home, over every kind the actor may see or the one kind asked for."""
    if (elsewhere := caseless_home(actor)) is not None:
        return elsewhere
    visible = kinds_visible_to(actor.role)
    if kind and kind not in visible:
        # The same answer for a kind that does not exist and one the role may not see.
        return refused(request, ApiError(404, "case_kind_not_found", "no case kind by that name"))
    kinds = [kind] if kind else visible
    months = month_starts(now, MONTHS)
    recipient = _recipient(actor)
    return render(
        request,
        "dashboard.html",
        kind_choices=[(k, words(k)) for k in visible],
        chosen_kind=kind or "",
        chosen_kind_name=words(kind or ""),
        open_cases=open_cases(session, kinds),
        overdue=overdue(session, kinds, now),
        escalations=waiting_escalations(session, kinds, now, recipient),
        escalations_for_all=recipient is None,
        opened_closed=charts.opened_and_closed(
            [f"{m:%b %Y}" for m in months], *opened_and_closed(session, kinds, months, now)
        ),
        resolution=charts.resolution_times(
            [name for _, name in RESOLUTION_BUCKETS],
            resolution_times(session, kinds, months[0], now),
            period=f"since 1 {months[0]:%B %Y}",
        ),
    )


def _recipient(actor: Actor) -> str | None:
    """Whose escalations: everyone's for a queue reader, otherwise the actor's own."""
    return None if actor.role in QUEUE_READERS else actor.id


# --- the register's figures -------------------------------------------------------------------


def open_cases(session: Session, kinds: Sequence[str]) -> list[KindCounts]:
    rows = session.execute(
        select(CaseRow.kind, CaseRow.stage, func.count())
        .where(CaseRow.kind.in_(kinds), CaseRow.closed_at.is_(None))
        .group_by(CaseRow.kind, CaseRow.stage)
    ).all()
    by_kind: dict[str, dict[str, int]] = {}
    for kind, stage, count in rows:
        by_kind.setdefault(kind, {})[stage] = count
    return [
        KindCounts(kind, words(kind), [(words(s), counts[s]) for s in stage_order(kind, counts)])
        for kind in kinds
        if (counts := by_kind.get(kind))
    ]


def _overdue_conditions(kinds: Sequence[str], now: datetime) -> list:
    # Past its due time counts even before the case's next projection marks it missed: the
    # register's copy of the deadline book may trail the ladder by a little.
    return [
        CaseRow.kind.in_(kinds),
        CaseRow.closed_at.is_(None),
        or_(CaseRow.overdue.is_(True), CaseRow.next_deadline_at < now),
    ]


def overdue(session: Session, kinds: Sequence[str], now: datetime) -> Overdue:
    conditions = _overdue_conditions(kinds, now)
    count = session.scalar(select(func.count()).select_from(CaseRow).where(*conditions)) or 0
    rows = session.execute(
        select(CaseRow.kind, CaseRow.ref, CaseRow.stage, CaseRow.owner, CaseRow.next_deadline_at)
        .where(*conditions)
        # Nulls last on every backend (SQLite puts them first), then the longest overdue.
        .order_by(CaseRow.next_deadline_at.is_(None), CaseRow.next_deadline_at, CaseRow.ref)
        .limit(OVERDUE_SHOWN)
    ).all()
    oldest = [
        OverdueCase(kind, ref, words(stage), owner, due, (now - due).days if due else None)
        for kind, ref, stage, owner, due in rows
    ]
    return Overdue(count, oldest)


def waiting_escalations(
    session: Session, kinds: Sequence[str], now: datetime, recipient: str | None
) -> WaitingEscalations:
    """Escalations waiting for a person (neither acknowledged nor resolved), by ladder step and
    by how long they have waited."""
    query = escalation_query(acknowledged=False, resolved=False, now=now).where(
        EscalationRow.case_kind.in_(kinds)
    )
    if recipient is not None:
        query = query.where(EscalationRow.recipient == recipient)
    raised_before = [now - bound for bound, _ in AGE_BUCKETS if bound is not None]
    tally = _tally(session, query, EscalationRow.step, bucket(EscalationRow.created_at, raised_before))
    ages = range(len(AGE_BUCKETS))
    counts = [(STEP_NAMES[s], tuple(tally.get((s.value, age), 0) for age in ages)) for s in LadderStep]
    return WaitingEscalations(ages=tuple(name for _, name in AGE_BUCKETS), steps=counts)


def opened_and_closed(
    session: Session, kinds: Sequence[str], months: list[datetime], now: datetime
) -> tuple[list[int], list[int]]:
    """Cases opened, and cases closed, in each month from `months[0]` up to now."""
    counts = []
    for column in (CaseRow.opened_at, CaseRow.closed_at):
        query = select(CaseRow).where(CaseRow.kind.in_(kinds), column >= months[0], column <= now)
        tally = _tally(session, query, bucket(column, months[1:]))
        counts.append([tally.get((i,), 0) for i in range(len(months))])
    return counts[0], counts[1]


def resolution_times(session: Session, kinds: Sequence[str], since: datetime, now: datetime) -> list[int]:
    """Cases closed between `since` and now, by how long each took from opening."""
    query = select(CaseRow).where(
        CaseRow.kind.in_(kinds), CaseRow.closed_at >= since, CaseRow.closed_at <= now
    )
    took = days_between(session, CaseRow.opened_at, CaseRow.closed_at)
    tally = _tally(session, query, bucket(took, [days for days, _ in RESOLUTION_BUCKETS if days is not None]))
    return [tally.get((i,), 0) for i in range(len(RESOLUTION_BUCKETS))]


# --- query pieces -----------------------------------------------------------------------------


def bucket(value: ColumnElement, bounds: Sequence[Any]) -> ColumnElement[int]:
    """Which interval of the ascending `bounds` a value falls in: 0 below the first, 1 from the
    first up to the second, ..., len(bounds) from the last."""
    if not bounds:
        return literal(0)
    return case(*((value < bound, i) for i, bound in enumerate(bounds)), else_=len(bounds))


def _tally(session: Session, query: Select, *keys: ColumnElement) -> dict[tuple, int]:
    """How many rows of `query` fall under each value of `keys`. Counted over a subquery: a key
    built with bound parameters (a bucket) appears once, where PostgreSQL would not take the
    SELECT's and the GROUP BY's copies of it for the same expression."""
    keyed = query.with_only_columns(*(k.label(f"key{i}") for i, k in enumerate(keys))).subquery()
    columns = list(keyed.c)
    rows = session.execute(select(*columns, func.count()).group_by(*columns)).all()
    return {tuple(row[:-1]): row[-1] for row in rows}


def days_between(session: Session, start: ColumnElement, end: ColumnElement) -> ColumnElement[float]:
    """`end - start` in days, on the register's own backend."""
    if session.get_bind().dialect.name == "sqlite":
        return func.julianday(end) - func.julianday(start)
    return extract("epoch", end - start) / 86400


def month_starts(now: datetime, count: int) -> list[datetime]:
    """The first instants (UTC) of the `count` calendar months up to and including now's."""
    now = now.astimezone(UTC)
    current = now.year * 12 + now.month - 1  # months since year 0, so a year's turn is plain arithmetic
    return [datetime(m // 12, m % 12 + 1, 1, tzinfo=UTC) for m in range(current - count + 1, current + 1)]


# --- names ------------------------------------------------------------------------------------


def words(name: str) -> str:
    """A kind's or stage's name as a person reads it: letter_of_claim_received → Letter of claim received."""
    return name.replace("_", " ").capitalize()


def stage_order(kind: str, stages: dict[str, int]) -> list[str]:
    """The stages in the kind's pathway order; any the pathway no longer names, after them."""
    spec = SPECS.get(kind)
    pathway = [s.value for s in spec.workflow.pathway.stages] if spec else []
    known = [s for s in pathway if s in stages]
    return known + sorted(set(stages) - set(known))
