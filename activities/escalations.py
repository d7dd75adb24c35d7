"""Escalations: one record and one notification per ladder step, whatever retries happen.

The deadline book calls `escalate` once per ladder step (warning → supervisor → head of
service) of each revision of a deadline. It writes the escalation to the register (the
supervisor queue reads it) and a notification to the outbox (activities/notifications.py
sends it), both keyed on the step's natural key with ON CONFLICT DO NOTHING, so a retried
activity, or a workflow replayed after a crash, writes nothing twice. Extending a deadline
bumps its revision, which re-arms the ladder: a new revision gets new rows.

Who is told: the handler is warned; a supervisor or head of service is the team's as the
operator's contacts file names them when the step fires (fairway/escalation_contacts.py), else as
the deadline policy did. The first recording of a step stands: a retry after the file changed
tells nobody new, and the activity answers who was told, for the case to record.

Notifications carry references only (case reference, deadline name, due time, actor ids):
no claimant names, no clinical details. `Escalation.message` goes into the body, so whoever
composes it keeps to the same rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import structlog
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from fairway.db import GroupCommit, insert_if_new
from fairway.metrics import ESCALATIONS_RECORDED
from models.deadlines import (
    DeadlineMoved,
    Escalation,
    EscalationAcknowledgment,
    EscalationContacts,
    LadderStep,
)
from models.register import EscalationRow, NotificationRow, ladder_step_filter
from workflows.clock import london_date

log = structlog.get_logger(__name__)

ESCALATION_KEY = ["case_ref", "deadline", "revision", "step"]
NOTIFICATION_KEY = [*ESCALATION_KEY, "recipient"]

SUBJECTS = {
    LadderStep.WARNING: "Deadline warning",
    LadderStep.SUPERVISOR: "Deadline escalated to supervisor",
    LadderStep.HEAD_OF_SERVICE: "Deadline escalated to head of service",
}
WHY = {
    LadderStep.WARNING: "You own this deadline and it falls due soon.",
    LadderStep.SUPERVISOR: "The deadline has reached its due time without being met.",
    LadderStep.HEAD_OF_SERVICE: "The deadline is still unmet after its supervisor escalation.",
}


def when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC") if at else "not set (suspended)"


def subject(escalation: Escalation) -> str:
    return (
        f"[Fairway] {SUBJECTS[escalation.step]}: {escalation.deadline_title} on {escalation.case_ref} "
        f"due {when(escalation.due_at)}"
    )


def body(escalation: Escalation) -> str:
    e = escalation
    lines = [
        WHY[e.step],
        "",
        f"Case: {e.case_ref} ({e.case_kind})",
        f"Deadline: {e.deadline_title} [{e.deadline}], revision {e.revision}",
        f"Due: {when(e.due_at)}",
        f"Escalation step: {e.step.value}, raised {when(e.at)}",
        f"Sent to: {e.recipient} (team {e.team})",
    ]
    if e.message:
        lines += ["", e.message]
    lines += ["", "Acknowledge it in the Fairway escalation queue (/escalations)."]
    return "\n".join(lines)


def escalation_row(escalation: Escalation) -> dict:
    return {
        "case_kind": escalation.case_kind,
        "case_ref": escalation.case_ref,
        "workflow_id": escalation.workflow_id,
        "team": escalation.team,
        "deadline": escalation.deadline,
        "deadline_title": escalation.deadline_title,
        "revision": escalation.revision,
        "step": escalation.step.value,
        "recipient": escalation.recipient,
        "message": escalation.message,
        "due_at": escalation.due_at,
        "created_at": escalation.at,
        # As the deadline stands when the step is raised: missed once its due time has passed.
        "deadline_status": "missed" if escalation.due_at and escalation.at >= escalation.due_at else "open",
        "deadline_due_on": london_date(escalation.due_at) if escalation.due_at else None,
    }


def notification_row(escalation: Escalation) -> dict:
    return {
        "case_ref": escalation.case_ref,
        "deadline": escalation.deadline,
        "revision": escalation.revision,
        "step": escalation.step.value,
        "recipient": escalation.recipient,
        "channel": "email",
        "subject": subject(escalation),
        "body": body(escalation),
        "created_at": escalation.at,
        "attempts": 0,
    }


def recipient_for(escalation: Escalation, contacts: Mapping[str, EscalationContacts]) -> str:
    """The handler is warned; past the handler, the team's people as the contacts file names
    them, else as the policy named them (the recipient the case proposed)."""
    team = contacts.get(escalation.team)
    if team is None or escalation.step is LadderStep.WARNING:
        return escalation.recipient
    return team.supervisor if escalation.step is LadderStep.SUPERVISOR else team.head_of_service


def _record_escalation(session: Session, escalation: Escalation) -> tuple[Escalation, bool, bool]:
    """The escalation as recorded (a step recorded before keeps the recipient it had), and whether
    it and its notification were new."""
    escalations = insert_if_new(session, EscalationRow.__table__, ESCALATION_KEY)
    notifications = insert_if_new(session, NotificationRow.__table__, NOTIFICATION_KEY)
    row = {**escalation_row(escalation), "recorded_at": datetime.now(UTC)}
    recorded = session.execute(escalations, row).first()
    if recorded is None:
        e = escalation
        key = ladder_step_filter(EscalationRow, e.case_ref, e.deadline, e.revision, e.step.value)
        first = session.scalar(select(EscalationRow.recipient).where(*key))
        escalation = escalation.model_copy(update={"recipient": first or escalation.recipient})
    queued = session.execute(notifications, notification_row(escalation)).first()
    return escalation, recorded is not None, queued is not None


class EscalationActivities:
    def __init__(
        self, sessions: sessionmaker[Session], contacts: Mapping[str, EscalationContacts] | None = None
    ) -> None:
        self.sessions = sessions
        self.writer = GroupCommit(sessions)
        self.contacts = dict(contacts or {})  # by team, from the operator's contacts file

    @activity.defn
    def escalate(self, escalation: Escalation) -> str:
        """Record one ladder step and queue its notification; a retry writes nothing twice.
        Answers who was told."""
        proposed = escalation.model_copy(update={"recipient": recipient_for(escalation, self.contacts)})
        escalation, recorded, queued = self.writer.run(lambda session: _record_escalation(session, proposed))
        if recorded:  # a retry that found its row counts nothing twice
            ESCALATIONS_RECORDED.labels(step=escalation.step.value).inc()
        log.bind(
            case_id=escalation.case_ref, workflow_id=escalation.workflow_id, actor=escalation.recipient
        ).info(
            "escalation recorded",
            deadline=escalation.deadline,
            revision=escalation.revision,
            step=escalation.step.value,
            team=escalation.team,
            duplicate=not (recorded or queued),
        )
        return escalation.recipient

    @activity.defn
    def resolve(self, moved: DeadlineMoved) -> None:
        """A deadline met, waived or extended: its escalations show it as it stands, and those
        still waiting for a person are resolved by it (the first resolution stands)."""
        of_it = [
            EscalationRow.case_ref == moved.case_ref,
            EscalationRow.deadline == moved.deadline,
            EscalationRow.revision <= moved.revision,
        ]
        resolution = f"resolved by {moved.how} at {moved.at:%Y-%m-%d %H:%M} UTC"
        with self.sessions.begin() as session:
            session.execute(
                update(EscalationRow)
                .where(*of_it)
                .values(deadline_status=moved.status, deadline_due_on=moved.due_on)
            )
            waiting = [EscalationRow.acknowledged_at.is_(None), EscalationRow.resolved_at.is_(None)]
            resolved = session.execute(
                update(EscalationRow)
                .where(*of_it, *waiting)
                .values(resolved_at=moved.at, resolution=resolution)
            ).rowcount
        log.bind(case_id=moved.case_ref).info(
            "escalations resolved",
            deadline=moved.deadline,
            status=moved.status,
            by=moved.how,
            resolved=resolved,
        )

    @activity.defn
    def acknowledge(self, ack: EscalationAcknowledgment) -> None:
        """Mark an escalation acknowledged; the first acknowledgment stands, repeats change nothing."""
        key = ladder_step_filter(EscalationRow, ack.case_ref, ack.deadline, ack.revision, ack.step.value)
        with self.sessions.begin() as session:
            changed = session.execute(
                update(EscalationRow)
                .where(*key, EscalationRow.acknowledged_at.is_(None))
                .values(acknowledged_at=ack.at, acknowledged_by=ack.actor, acknowledgment_comment=ack.comment)
                .returning(EscalationRow.id)
            ).first()
            if changed is None and session.scalar(select(EscalationRow.id).where(*key)) is None:
                # The workflow only acknowledges steps it escalated, so the escalate activity
                # has written (or is still writing) the row: retry until it is there.
                raise ApplicationError(
                    f"no escalation recorded for {ack.case_ref} {ack.deadline} "
                    f"revision {ack.revision} step {ack.step.value}",
                    type="escalation_not_recorded",
                )
        log.bind(case_id=ack.case_ref, actor=ack.actor).info(
            "escalation acknowledged",
            deadline=ack.deadline,
            revision=ack.revision,
            step=ack.step.value,
            duplicate=changed is None,
        )
