"""Payments on claims: one register row per claim and payment reference, whatever retries.

The claim workflow records a payment in its own state and then calls `record_payment`; the
row is keyed on (claim reference, payment reference) with ON CONFLICT DO NOTHING, so a retried
activity, or a workflow replayed after a crash, writes it once. Finance reads this table.
"""

from __future__ import annotations

import structlog
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from fairway.db import GroupCommit, dialect_insert
from models.claims import PaymentRecord
from models.register import PaymentRow

log = structlog.get_logger(__name__)

PAYMENT_KEY = ["claim_ref", "reference"]


def payment_row(record: PaymentRecord) -> dict:
    payment = record.payment
    return {
        "claim_ref": record.claim_ref,
        "reference": payment.reference,
        "kind": payment.kind.value,
        "amount": payment.amount,
        "payee": payment.payee,
        "paid_on": payment.paid_on,
        "court_approval_reference": payment.court_approval_reference,
        "recorded_by": record.recorded_by,
        "recorded_at": record.recorded_at,
    }


def insert_payment(session: Session, row: dict) -> None:
    stmt = dialect_insert(session, PaymentRow).values(**row)
    session.execute(stmt.on_conflict_do_nothing(index_elements=PAYMENT_KEY))


class PaymentActivities:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self.writer = GroupCommit(sessions)

    @activity.defn
    def record_payment(self, record: PaymentRecord) -> None:
        row = payment_row(record)
        self.writer.run(lambda session: insert_payment(session, row))
        log.info(
            "payment recorded",
            case_id=record.claim_ref,
            reference=record.payment.reference,
            kind=record.payment.kind.value,
            actor=record.recorded_by,
        )
