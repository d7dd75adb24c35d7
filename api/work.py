"""A handler's own queue: my cases whose next deadline is close or past, and the escalations
addressed to me, oldest first. A supervisor may ask for one handler's, or a whole team's.

Read from the register, like every list; confidential kinds only for the roles that may see them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from api.deps import CurrentActor, SessionDep, require
from api.escalations import QUEUE_READERS, EscalationSummary, escalation_query
from api.listing import CaseSummary
from models.access import kinds_visible_to
from models.register import CaseRow, EscalationRow

router = APIRouter(prefix="/me", tags=["work"])


class Work(BaseModel):
    """Whose work this is, what falls due, and who is waiting on them."""

    handler: str | None
    team: str | None
    due: list[CaseSummary]  # soonest (or longest overdue) first
    escalations: list[EscalationSummary]  # waiting longest first


@router.get("/work", response_model=Work, summary="My work: deadlines due soon and my escalations")
def my_work(
    actor: CurrentActor,
    session: SessionDep,
    handler: Annotated[
        str | None, Query(max_length=100, description="another handler's (supervisors)")
    ] = None,
    team: Annotated[str | None, Query(max_length=60, description="a whole team's (supervisors)")] = None,
    within_days: Annotated[int, Query(ge=0, le=365, description="due within this many days")] = 14,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Work:
    """Open cases of yours whose next deadline falls within `within_days` or has passed, and open
    escalations addressed to you. Supervisors may ask for `handler`'s or `team`'s instead."""
    if (handler is not None and handler != actor.id) or team is not None:
        require(QUEUE_READERS, actor, "another handler's or a team's work")
    whose = handler or (None if team else actor.id)
    kinds = kinds_visible_to(actor.role)
    now = datetime.now(UTC)
    return Work(
        handler=whose,
        team=team,
        due=_due(session, kinds, whose, team, now + timedelta(days=within_days), limit),
        escalations=_escalations(session, kinds, whose, team, now, limit),
    )


def _due(session: Session, kinds, whose, team, horizon: datetime, limit: int) -> list[CaseSummary]:
    query = select(CaseRow).where(
        CaseRow.kind.in_(kinds),
        CaseRow.closed_at.is_(None),
        or_(CaseRow.overdue.is_(True), CaseRow.next_deadline_at <= horizon),
        *([CaseRow.owner == whose] if whose else []),
        *([CaseRow.team == team] if team else []),
    )
    rows = session.scalars(query.order_by(CaseRow.next_deadline_at, CaseRow.ref).limit(limit))
    return [CaseSummary.model_validate(row, from_attributes=True) for row in rows]


def _escalations(session: Session, kinds, whose, team, now: datetime, limit: int) -> list[EscalationSummary]:
    query = escalation_query(team=team, resolved=False, now=now).where(EscalationRow.case_kind.in_(kinds))
    if whose:
        query = query.where(EscalationRow.recipient == whose)
    rows = session.scalars(query.order_by(EscalationRow.created_at, EscalationRow.id).limit(limit))
    return [EscalationSummary.model_validate(row) for row in rows]
