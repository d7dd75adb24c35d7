"""The supervisor queue: escalated deadlines, who was told, and acknowledging them.

Reads come from the register. Acknowledging is a handler action like any other: it goes to
the case's workflow as an Update, and the workflow's activity writes the register.
"""

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from activities.escalations import escalation_query, notifications_for
from api import cases
from api.claims import take_action
from api.deps import CurrentActor, IdempotencyKey, SessionDep, require
from api.errors import ApiError, not_found
from models.advice import ADVICE_READERS, CONFIDENTIAL_KINDS
from models.claims import AcknowledgeEscalation, ClaimView
from models.common import CaseKind, Role
from models.deadlines import LadderStep
from models.register import EscalationRow
from workflows import claim_pathway

router = APIRouter(prefix="/escalations", tags=["escalations"])

QUEUE_READERS = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR, Role.ADVICE_SUPERVISOR})
# An advice supervisor reaches only advice escalations (_visible); the case's step checks roles.
ACKNOWLEDGERS = frozenset({Role.SUPERVISOR, Role.ADMIN, Role.ADVICE_SUPERVISOR})


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


class EscalationPage(BaseModel):
    items: list[EscalationSummary]
    total: int
    limit: int
    offset: int


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


class Acknowledgment(BaseModel):
    comment: str = Field(min_length=1, max_length=2_000)


CONFIDENTIAL = [k.value for k in CONFIDENTIAL_KINDS]


def _visible(actor, case_kind: str) -> bool:
    """Advice cases are confidential: their escalations would show their references. An advice
    supervisor's queue is the advice service's own: claims' escalations are not theirs to act on."""
    if actor.role is Role.ADVICE_SUPERVISOR:
        return case_kind in CONFIDENTIAL
    return case_kind not in CONFIDENTIAL or actor.role in ADVICE_READERS


def _only_visible(query, actor):
    if actor.role is Role.ADVICE_SUPERVISOR:
        return query.where(EscalationRow.case_kind.in_(CONFIDENTIAL))
    if actor.role not in ADVICE_READERS:
        return query.where(EscalationRow.case_kind.not_in(CONFIDENTIAL))
    return query


def _row(session, escalation_id: int, actor) -> EscalationRow:
    row = session.get(EscalationRow, escalation_id)
    if row is None or not _visible(actor, row.case_kind):
        raise not_found("escalation", str(escalation_id))
    return row


@router.get("", response_model=EscalationPage, summary="List escalations (the supervisor queue)")
def list_escalations(
    actor: CurrentActor,
    session: SessionDep,
    level: LadderStep | None = None,
    team: Annotated[str | None, Query(max_length=60)] = None,
    case_kind: Annotated[str | None, Query(max_length=30, description="e.g. claim")] = None,
    min_age_hours: Annotated[float | None, Query(ge=0, description="raised at least this long ago")] = None,
    acknowledged: Literal["true", "false", "all"] = "false",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> EscalationPage:
    """Escalations, newest first: open ones unless `acknowledged` says otherwise."""
    require(QUEUE_READERS, actor, "the escalation queue")
    query = escalation_query(
        level=level,
        team=team,
        case_kind=case_kind,
        min_age_seconds=min_age_hours * 3600 if min_age_hours is not None else None,
        acknowledged={"true": True, "false": False, "all": None}[acknowledged],
        now=datetime.now(UTC),
    )
    query = _only_visible(query, actor)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(EscalationRow.created_at.desc(), EscalationRow.id.desc()).limit(limit).offset(offset)
    ).all()
    items = [EscalationSummary.model_validate(row) for row in rows]
    return EscalationPage(items=items, total=total, limit=limit, offset=offset)


@router.get("/{escalation_id}", response_model=EscalationDetail, summary="Read an escalation")
def read_escalation(escalation_id: int, actor: CurrentActor, session: SessionDep) -> EscalationDetail:
    """One escalation and who was told what and when: its notifications and their delivery."""
    require(QUEUE_READERS, actor, "the escalation queue")
    row = _row(session, escalation_id, actor)
    notifications = [NotificationView.model_validate(n) for n in notifications_for(session, row)]
    return EscalationDetail(**EscalationSummary.model_validate(row).model_dump(), notifications=notifications)


@router.post(
    "/{escalation_id}/acknowledge",
    response_model=ClaimView,
    summary="Acknowledge an escalation",
    responses={501: {"description": "acknowledging is not available in this version"}},
)
async def acknowledge_escalation(
    escalation_id: int,
    body: Acknowledgment,
    actor: CurrentActor,
    session: SessionDep,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Acknowledge an escalation with a comment. The case's workflow records it (an Update),
    and answers with the case's new state, like any other action."""
    require(ACKNOWLEDGERS, actor, "acknowledging an escalation")
    row = _row(session, escalation_id, actor)
    payload = AcknowledgeEscalation(
        deadline=row.deadline, revision=row.revision, step=row.step, comment=body.comment
    )
    if row.case_kind != CaseKind.CLAIM.value:
        spec = cases.SPECS.get(row.case_kind)
        if spec is None:
            raise ApiError(
                409,
                "unsupported_case_kind",
                f"escalations on {row.case_kind} cases cannot be acknowledged here",
                {"case_kind": row.case_kind},
            )
        cases.may_read(spec, actor)
        ref, kit_step = row.case_ref, spec.workflow.pathway.steps["acknowledge_escalation"]
        session.close()
        return await cases.act(request.app.state.client, spec, ref, kit_step, payload, actor, idempotency_key)
    step = claim_pathway.STEPS.get("acknowledge_escalation")
    if step is None:
        raise ApiError(501, "not_available", "acknowledging escalations is not available yet")
    session.close()  # no read transaction held open across the workflow round trip
    return await take_action(request.app.state, row.case_ref, step, payload, actor, idempotency_key)
