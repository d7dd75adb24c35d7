"""The notifications outbox and its dispatcher.

Activities never send e-mail themselves: `EscalationActivities.escalate` writes a row to the
`notification` table in the same transaction as the escalation, and the worker's
`OutboxDispatcher` sends unsent rows in the background. A failed send is counted, its error
kept, and retried after a back-off; one bad row never stops the others.

Delivery is at least once: a crash between the relay accepting a message and `sent_at` being
committed sends it again on the next pass. On PostgreSQL each row is locked while it is sent
(FOR UPDATE SKIP LOCKED), so several workers can dispatch side by side without sending a row
twice; SQLite has no row locks, so run one dispatcher against it (the `fairway dev` default).
"""

from __future__ import annotations

import asyncio
import contextlib
import smtplib
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Protocol

import structlog
from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from fairway.settings import Settings
from models.register import NotificationRow

log = structlog.get_logger(__name__)


class Notifier(Protocol):
    def send(self, recipient: str, subject: str, body: str) -> None:
        """Deliver one message or raise; `recipient` is an actor id or an e-mail address."""


class LogNotifier:
    """Writes notifications to the log instead of sending them (development, SMTP unset)."""

    def send(self, recipient: str, subject: str, body: str) -> None:
        log.info("notification sent (log only)", actor=recipient, subject=subject, body=body)


class SmtpNotifier:
    """Sends each notification as a plain-text e-mail through an SMTP relay."""

    def __init__(
        self, host: str, port: int, sender: str, *, domain: str = "localhost", timeout: float = 10.0
    ) -> None:
        self.host, self.port, self.sender, self.domain, self.timeout = host, port, sender, domain, timeout

    def address(self, recipient: str) -> str:
        """An actor id is the local part of an address at `domain`; an address is used as is."""
        return recipient if "@" in recipient else f"{recipient}@{self.domain}"

    def send(self, recipient: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = self.address(recipient)
        message["Subject"] = subject
        message.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(message)


def notifier_from(settings: Settings) -> Notifier:
    """SMTP when FAIRWAY_SMTP_HOST is set; otherwise notifications are only logged.

    Actor ids become addresses at the sender's domain (FAIRWAY_SMTP_SENDER).
    """
    if not settings.smtp_host:
        return LogNotifier()
    domain = settings.smtp_sender.rpartition("@")[2] or "localhost"
    return SmtpNotifier(settings.smtp_host, settings.smtp_port, settings.smtp_sender, domain=domain)


# How long a dispatcher may hold notifications it is sending before another may take them.
LEASE = timedelta(minutes=5)
_OUTBOX = NotificationRow.__table__
MARK_OUTCOME = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("row_id"))
    .values(
        sent_at=bindparam("outcome_sent_at"),
        next_attempt_at=bindparam("outcome_next_attempt_at"),
        attempts=bindparam("outcome_attempts"),
        last_error=bindparam("outcome_last_error"),
    )
)


def _outcome(row: NotificationRow) -> dict:
    return {
        "row_id": row.id,
        "outcome_sent_at": row.sent_at,
        "outcome_next_attempt_at": row.next_attempt_at,
        "outcome_attempts": row.attempts,
        "outcome_last_error": row.last_error,
    }


class OutboxDispatcher:
    """Sends unsent notifications: `dispatch_once` for one pass, `run` to keep going."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        notifier: Notifier,
        *,
        retry_after: float = 30.0,
        max_retry_after: float = 3600.0,
    ) -> None:
        self.sessions = sessions
        self.notifier = notifier
        self.retry_after = retry_after
        self.max_retry_after = max_retry_after

    def backoff(self, attempts: int) -> timedelta:
        """How long to wait after the `attempts`-th failure: doubling, capped."""
        return timedelta(seconds=min(self.retry_after * 2 ** (attempts - 1), self.max_retry_after))

    def dispatch_once(self, limit: int = 100, *, now: datetime | None = None) -> int:
        """One pass over the unsent notifications that are due; returns how many were sent.

        Rows are leased in one short transaction, sent with no transaction open, and marked in
        another: a slow relay never holds the register's write lock, and a dispatcher that
        dies mid-pass leaves its rows to be sent again once the lease runs out (at least once).
        """
        now = now or datetime.now(UTC)
        rows = self._lease(limit, now)
        sent = sum(self._send(row) for row in rows)
        if rows:
            # One statement for the pass: after a burst of escalations this runs beside them,
            # and a merge per row would read each one back before writing it.
            with self.sessions.begin() as session:
                session.execute(MARK_OUTCOME, [_outcome(row) for row in rows])
        return sent

    def _lease(self, limit: int, now: datetime) -> list[NotificationRow]:
        with self.sessions.begin() as session:
            rows = session.scalars(
                select(NotificationRow)
                .where(
                    NotificationRow.sent_at.is_(None),
                    or_(NotificationRow.next_attempt_at.is_(None), NotificationRow.next_attempt_at <= now),
                )
                .order_by(NotificationRow.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
            for row in rows:
                row.next_attempt_at = now + LEASE
        return list(rows)

    def _send(self, row: NotificationRow) -> int:
        bound = log.bind(case_id=row.case_ref, actor=row.recipient, notification_id=row.id, step=row.step)
        try:
            self.notifier.send(row.recipient, row.subject, row.body)
        except Exception as err:  # one bad row must not stop the others
            row.attempts += 1
            row.last_error = f"{type(err).__name__}: {err}"[:2000]
            row.next_attempt_at = datetime.now(UTC) + self.backoff(row.attempts)
            bound.warning("notification failed", attempts=row.attempts, error=row.last_error)
            return 0
        row.sent_at = datetime.now(UTC)
        row.next_attempt_at = None
        bound.info("notification sent", attempts=row.attempts + 1)
        return 1

    async def run(self, stop: asyncio.Event, interval: float = 2.0, batch: int = 100) -> None:
        """Dispatch every `interval` seconds (at once again after a full batch) until `stop`
        is set; a pass that fails (the database away, say) is logged and tried again later."""
        log.info("outbox dispatcher started", notifier=type(self.notifier).__name__)
        while not stop.is_set():
            sent = 0
            try:
                sent = await asyncio.to_thread(self.dispatch_once, batch)
            except Exception:
                log.exception("outbox dispatch failed")
            if sent >= batch:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
        log.info("outbox dispatcher stopped")
