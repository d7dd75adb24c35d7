"""The supervisor queue: escalated deadlines, who was told, and acknowledging them.

Reads come from the register. Acknowledging is a handler action like any other: it goes to
the case's workflow as an Update, and the workflow's activity writes the register.
"""

import functools
import operator
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from api.cases import SPECS, CaseRequest, act
from api.deps import CurrentActor, IdempotencyKey, SessionDep, require
from api.errors import ApiError, not_found
from api.listing import Page, Paging
from models.access import kinds_visible_to
from models.cases import AcknowledgeEscalation
from models.common import CaseKind, RequestBody, Role
from models.deadlines import LadderStep
from models.register import CLOSED_BY, EscalationRow, NotificationRow, ladder_step_filter
from worker import WORKFLOWS

router = APIRouter(prefix="/escalations", tags=["escalations"])

# The register's id column is a 32-bit integer on PostgreSQL.
EscalationId = Annotated[int, Path(ge=1, le=2**31 - 1)]
CHOICE = {"true": True, "false": False, "all": None}
QUEUE_READERS = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR, Role.ADVICE_SUPERVISOR})
# Each case's own step says who may acknowledge; a queue reader sees only its tiers' escalations.
ACKNOWLEDGERS = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.ADVICE_SUPERVISOR})
MAX_AGE_HOURS = 24 * 365 * 100  # the queue's age filter: a century is "all of them"


class EscalationSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    case_kind: str
    case_ref: str
    workflow_id: str
    team: str
    deadline: str
    deadline_title: str
    revision: int
    step: LadderStep
    recipient: str
    message: str
    due_at: datetime | None
    created_at: datetime = Field(description="when the ladder step was raised")
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    acknowledgment_comment: str | None
    deadline_status: str | None = Field(description="the deadline as it stands now: open, missed, met, …")
    deadline_due_on: date | None = Field(description="its date now (an extension moves it)")
    resolved_at: datetime | None = Field(description="when meeting, waiving or extending it resolved this")
    resolution: str | None = Field(description="e.g. resolved by send_letter_of_response at …")


class NotificationView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    recipient: str
    channel: str
    subject: str
    created_at: datetime
    sent_at: datetime | None
    attempts: int = Field(description="failed delivery attempts so far")
    last_error: str | None


class EscalationDetail(EscalationSummary):
    notifications: list[NotificationView]


# The answer is the escalated case's view, whatever its kind, as any action on that case answers.
AcknowledgedCase = functools.reduce(operator.or_, (w.view_type for w in WORKFLOWS))


class Acknowledgment(RequestBody):
    comment: str = Field(min_length=1, max_length=2_000)


def escalation_query(
    *,
    level: LadderStep | str | None = None,
    team: str | None = None,
    case_kind: str | None = None,
    min_age_seconds: float | None = None,
    acknowledged: bool | None = False,
    resolved: bool | None = None,
    now: datetime,
) -> Select:
    """The queue's filters: `acknowledged` False (open ones), True (acknowledged) or None (both);
    `resolved` likewise for those a deadline's moving on resolved;
    `min_age_seconds`: raised at least that long before `now`."""
    filters = []
    if level is not None:
        filters.append(EscalationRow.step == LadderStep(level).value)
    if team is not None:
        filters.append(EscalationRow.team == team)
    if case_kind is not None:
        filters.append(EscalationRow.case_kind == case_kind)
    if min_age_seconds is not None:
        filters.append(EscalationRow.created_at <= now - timedelta(seconds=min_age_seconds))
    if acknowledged is True:
        filters.append(EscalationRow.acknowledged_at.is_not(None))
    elif acknowledged is False:
        filters.append(EscalationRow.acknowledged_at.is_(None))
    if resolved is not None:
        filters.append(
            EscalationRow.resolved_at.is_not(None) if resolved else EscalationRow.resolved_at.is_(None)
        )
    return select(EscalationRow).where(*filters)


def escalation_rows(session: Session, query: Select, paging: Paging) -> tuple[list[EscalationRow], int]:
    """One page of escalations, newest first, and how many match in all."""
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(
        query.order_by(EscalationRow.created_at.desc(), EscalationRow.id.desc())
        .limit(paging.limit)
        .offset(paging.offset)
    ).all()
    return list(rows), total or 0


def notifications_for(session: Session, row: EscalationRow) -> list[NotificationRow]:
    """Who was told about this escalation, what, and when."""
    key = ladder_step_filter(NotificationRow, row.case_ref, row.deadline, row.revision, row.step)
    return list(session.scalars(select(NotificationRow).where(*key).order_by(NotificationRow.id)).all())


def _visible(actor, case_kind: str) -> bool:
    """An escalation shows its case's reference: only those who may see the case see it."""
    return case_kind in kinds_visible_to(actor.role)


def _row(session, escalation_id: int, actor) -> EscalationRow:
    row = session.get(EscalationRow, escalation_id)
    if row is None or not _visible(actor, row.case_kind):
        raise not_found("escalation", str(escalation_id))
    return row


@router.get("", response_model=Page[EscalationSummary], summary="List escalations (the supervisor queue)")
def list_escalations(
    actor: CurrentActor,
    session: SessionDep,
    paging: Annotated[Paging, Depends()],
    level: LadderStep | None = None,
    team: Annotated[str | None, Query(max_length=60)] = None,
    case_kind: Annotated[CaseKind | None, Query(description="e.g. claim")] = None,
    min_age_hours: Annotated[
        float | None, Query(ge=0, le=MAX_AGE_HOURS, description="raised at least this long ago")
    ] = None,
    acknowledged: Literal["true", "false", "all"] = "false",
    resolved: Annotated[
        Literal["true", "false", "all"] | None,
        Query(
            description="true: resolved by their deadline moving on; unset: false for the open "
            "queue (waiting for a person), all once `acknowledged` asks for acknowledged ones"
        ),
    ] = None,
) -> Page[EscalationSummary]:
    """Escalations of the cases you may see, newest first: those waiting for a person (neither
    acknowledged nor resolved by their deadline being met, waived or extended) unless
    `acknowledged` or `resolved` say otherwise."""
    require(QUEUE_READERS, actor, "the escalation queue")
    query = escalation_query(
        level=level,
        team=team,
        case_kind=case_kind.value if case_kind else None,
        min_age_seconds=min_age_hours * 3600 if min_age_hours is not None else None,
        acknowledged=CHOICE[acknowledged],
        resolved=CHOICE[resolved] if resolved else (False if acknowledged == "false" else None),
        now=datetime.now(UTC),
    ).where(EscalationRow.case_kind.in_(kinds_visible_to(actor.role)))
    rows, total = escalation_rows(session, query, paging)
    items = [EscalationSummary.model_validate(row) for row in rows]
    return Page[EscalationSummary](items=items, total=total, limit=paging.limit, offset=paging.offset)


@router.get("/{escalation_id}", response_model=EscalationDetail, summary="Read an escalation")
def read_escalation(
    escalation_id: EscalationId, actor: CurrentActor, session: SessionDep
) -> EscalationDetail:
    """One escalation and who was told what and when: its notifications and their delivery."""
    require(QUEUE_READERS, actor, "the escalation queue")
    row = _row(session, escalation_id, actor)
    notifications = [NotificationView.model_validate(n) for n in notifications_for(session, row)]
    return EscalationDetail(**EscalationSummary.model_validate(row).model_dump(), notifications=notifications)


@router.post(
    "/{escalation_id}/acknowledge", response_model=AcknowledgedCase, summary="Acknowledge an escalation"
)
async def acknowledge_escalation(
    escalation_id: EscalationId,
    body: Acknowledgment,
    actor: CurrentActor,
    session: SessionDep,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Acknowledge an escalation with a comment. The case's workflow records it (an Update) and
    answers with the case's new state, like any other action. An escalation of a case that has
    ended was closed with it, and says so."""
    require(ACKNOWLEDGERS, actor, "acknowledging an escalation")
    row = _row(session, escalation_id, actor)
    if row.acknowledged_by == CLOSED_BY:
        raise ApiError(
            409,
            "already_acknowledged",
            f"escalation {escalation_id} was closed when its case ended",
            {"acknowledged_by": row.acknowledged_by, "comment": row.acknowledgment_comment},
        )
    spec = SPECS[row.case_kind]
    payload = AcknowledgeEscalation(
        deadline=row.deadline, revision=row.revision, step=row.step, comment=body.comment
    )
    case = CaseRequest(spec, row.case_ref, actor)
    step = spec.workflow.pathway.steps["acknowledge_escalation"]
    session.close()  # no read transaction held open across the workflow round trip
    return await act(request.app.state, case, step, payload, idempotency_key)
