"""The notifications outbox and its dispatcher.

Activities never send e-mail themselves: `EscalationActivities.escalate` writes a row to the
`notification` table in the same transaction as the escalation, and the worker's
`OutboxDispatcher` sends unsent rows in the background. A failed send is counted, its error
kept, and retried after a back-off; one bad row never stops the others.

Delivery is at least once, within about 30 seconds of a worker's death. A dispatcher leases
the rows it is about to send for `LEASE`, and while a pass works through them it records what
it has sent and renews the lease on the rest every `CHECKPOINT_EVERY`: a living dispatcher
keeps its rows however slow the relay, and a dead one's are free to another when the lease
runs out. A crash repeats only what was sent since the last checkpoint (and the message in
flight), with the Message-ID it had the first time, so a resend is recognisably one.

On PostgreSQL the lease is taken with FOR UPDATE SKIP LOCKED, so several workers can dispatch
side by side without leasing a row twice; SQLite has no row locks, so run one dispatcher
against it (the `fairway dev` default).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import smtplib
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Protocol

import structlog
from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from activities.escalations import NOTIFICATION_KEY
from fairway.settings import Settings
from models.register import NotificationRow

log = structlog.get_logger(__name__)


class Notifier(Protocol):
    domain: str  # the sender's: actor ids become addresses in it, and Message-IDs are made in it

    def send(self, recipient: str, subject: str, body: str, message_id: str) -> None:
        """Deliver one message or raise; `recipient` is an actor id or an e-mail address."""


def message_id(row: NotificationRow, domain: str) -> str:
    """The notification's Message-ID, the same on every attempt: a message sent again after a
    crash is recognisably the one already delivered, and a relay or mail client can drop it.

    Made from the row's natural key (case, deadline, revision, step, recipient), not its id,
    which only numbers rows within one register: two registers sending through one relay (a
    staging and a live one) would otherwise give different notifications the same Message-ID.
    """
    key = "\x00".join(str(getattr(row, column)) for column in NOTIFICATION_KEY)
    return f"<notification.{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


class LogNotifier:
    """Writes notifications to the log instead of sending them (development, SMTP unset)."""

    def __init__(self, domain: str = "localhost") -> None:
        self.domain = domain

    def send(self, recipient: str, subject: str, body: str, message_id: str) -> None:
        log.info(
            "notification sent (log only)", actor=recipient, subject=subject, body=body, message_id=message_id
        )


# How long one send may wait on the relay for each step (connecting, each reply): a dead or
# stuck relay fails the send, which is retried later, rather than holding the pass.
SEND_TIMEOUT = 10.0


class SmtpNotifier:
    """Sends each notification as a plain-text e-mail through an SMTP relay."""

    def __init__(
        self, host: str, port: int, sender: str, *, domain: str = "localhost", timeout: float = SEND_TIMEOUT
    ) -> None:
        self.host, self.port, self.sender, self.domain, self.timeout = host, port, sender, domain, timeout

    def address(self, recipient: str) -> str:
        """An actor id is the local part of an address at `domain`; an address is used as is."""
        return recipient if "@" in recipient else f"{recipient}@{self.domain}"

    def send(self, recipient: str, subject: str, body: str, message_id: str) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = self.address(recipient)
        message["Subject"] = subject
        message["Message-ID"] = message_id
        message.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(message)


def notifier_from(settings: Settings) -> Notifier:
    """SMTP when FAIRWAY_SMTP_HOST is set; otherwise notifications are only logged.

    Actor ids become addresses at the sender's domain (FAIRWAY_SMTP_SENDER).
    """
    domain = settings.smtp_sender.rpartition("@")[2] or "localhost"
    if not settings.smtp_host:
        return LogNotifier(domain)
    return SmtpNotifier(settings.smtp_host, settings.smtp_port, settings.smtp_sender, domain=domain)


# How long rows a dispatcher has leased stay its own without word from it: a dead dispatcher's
# rows go to another this long after its last checkpoint, and so are sent within about 30 s of
# its death (another dispatcher looks every 2 s). A pass checkpoints before any send that starts
# a second or more after the last one, so every send has 24 s before its row could be taken:
# room for a relay that answers each step near SEND_TIMEOUT. (A relay slower still can have a
# message sent twice, with one Message-ID: the guarantee is at least once.)
LEASE = timedelta(seconds=25)
# How often a pass records what it has sent and renews its lease on the rest: at most this much
# sending is repeated after a crash, and a transaction a second is nothing beside the sends.
CHECKPOINT_EVERY = timedelta(seconds=1)
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


RENEW_LEASE = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id.in_(bindparam("row_ids", expanding=True)), _OUTBOX.c.sent_at.is_(None))
    .values(next_attempt_at=bindparam("leased_until"))
)


class OutboxDispatcher:
    """Sends unsent notifications: `dispatch_once` for one pass, `run` to keep going."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        notifier: Notifier,
        *,
        retry_after: float = 30.0,
        max_retry_after: float = 3600.0,
        lease: timedelta = LEASE,
        checkpoint_every: timedelta = CHECKPOINT_EVERY,
    ) -> None:
        self.sessions = sessions
        self.notifier = notifier
        self.retry_after = retry_after
        self.max_retry_after = max_retry_after
        self.lease = lease
        self.checkpoint_every = checkpoint_every

    def backoff(self, attempts: int) -> timedelta:
        """How long to wait after the `attempts`-th failure: doubling, capped."""
        return timedelta(seconds=min(self.retry_after * 2 ** (attempts - 1), self.max_retry_after))

    def dispatch_once(self, limit: int = 100, *, now: datetime | None = None) -> int:
        """One pass over the unsent notifications that are due; returns how many were sent.

        Rows are leased in one short transaction, sent with no transaction open, and recorded
        at checkpoints: a slow relay never holds the register's write lock, and a dispatcher
        that dies mid-pass leaves its rows to another once its lease runs out (at least once).
        `now` is when the pass starts (a test passes a later one); its clock runs on from it.
        """
        clock = _PassClock(now or datetime.now(UTC))
        rows = self._lease(limit, clock.now())
        sent, done, checkpointed = 0, [], clock.now()
        for i, row in enumerate(rows):
            if clock.now() - checkpointed >= self.checkpoint_every:
                checkpointed = clock.now()
                self._checkpoint(done, rows[i:], checkpointed)
                done = []
            sent += self._send(row)
            done.append(row)
        if done:
            self._checkpoint(done, [], clock.now())
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
                row.next_attempt_at = now + self.lease
        return list(rows)

    def _checkpoint(self, done: list[NotificationRow], pending: list[NotificationRow], now: datetime) -> None:
        """Record the outcomes of `done` and renew the lease on `pending`, in one transaction.

        One statement each, whatever the number of rows: after a burst of escalations this runs
        beside them, and a merge per row would read each one back before writing it.
        """
        with self.sessions.begin() as session:
            if done:
                session.execute(MARK_OUTCOME, [_outcome(row) for row in done])
            if pending:
                renewal = {"row_ids": [row.id for row in pending], "leased_until": now + self.lease}
                session.execute(RENEW_LEASE, renewal)

    def _send(self, row: NotificationRow) -> int:
        mid = message_id(row, self.notifier.domain)
        bound = log.bind(
            case_id=row.case_ref, actor=row.recipient, notification_id=row.id, step=row.step, message_id=mid
        )
        try:
            self.notifier.send(row.recipient, row.subject, row.body, message_id=mid)
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


class _PassClock:
    """A pass's time: from the instant it was given, moved on by the monotonic clock."""

    def __init__(self, start: datetime) -> None:
        self.start, self.ticks = start, time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.ticks)
