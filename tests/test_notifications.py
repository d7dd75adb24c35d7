"""The notifications outbox: each notification sent once, failures counted and retried, and
e-mail through a real (local, in-test) SMTP server. The relay is the only thing faked."""

from __future__ import annotations

import asyncio
import email
import re
import socket
import threading
import time
import uuid
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from structlog.testing import capture_logs

from activities.escalations import EscalationActivities
from activities.notifications import LogNotifier, OutboxDispatcher, SmtpNotifier, message_id, notifier_from
from fairway import db
from fairway.db import Sessions
from fairway.settings import Settings
from models.deadlines import Escalation, LadderStep
from models.register import NotificationRow
from tests.conftest import sessions_for

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import asyncore
    import smtpd

NOW = datetime.now(UTC)
EVERYTHING = 100_000  # the register is shared with other tests: reach our rows in one pass


class FakeRelay:
    """Stands in for the e-mail relay: records what it is given, refuses some recipients."""

    domain = "trust.example"

    def __init__(self, refuse: set[str] = frozenset(), delay: float = 0.0) -> None:
        self.sent: list[tuple[str, str, str]] = []
        self.attempts: list[tuple[str, str, str]] = []  # (recipient, subject, Message-ID), refused too
        self.refuse = set(refuse)
        self.delay = delay

    def send(self, recipient: str, subject: str, body: str, message_id: str) -> None:
        self.attempts.append((recipient, subject, message_id))
        time.sleep(self.delay)
        if recipient in self.refuse:
            raise ConnectionRefusedError(f"relay refused {recipient}")
        self.sent.append((recipient, subject, body))

    def of(self, ref: str) -> list[tuple[str, str]]:
        """(recipient, Message-ID) of every message about case `ref` it accepted, in order."""
        return [(r, mid) for r, subject, mid in self.attempts if ref in subject and r not in self.refuse]


def _escalate(
    sessions,
    ref: str,
    recipient: str,
    step: LadderStep = LadderStep.SUPERVISOR,
    deadline: str = "letter_of_claim_acknowledgment_due",
) -> None:
    """An escalation and its notification, as the escalate activity writes them."""
    EscalationActivities(sessions).escalate(
        Escalation(
            case_kind="claim",
            case_ref=ref,
            workflow_id=f"claim-{ref}",
            team="claims",
            deadline=deadline,
            deadline_title="Acknowledge the letter of claim",
            revision=1,
            step=step,
            due_at=NOW,
            recipient=recipient,
            message="Basis: Pre-Action Protocol para 3.18 (14 days).",
            at=NOW,
        )
    )


def _rows(sessions, ref: str) -> list[NotificationRow]:
    with sessions() as session:
        return list(
            session.scalars(
                select(NotificationRow).where(NotificationRow.case_ref == ref).order_by(NotificationRow.id)
            )
        )


def _ref() -> str:
    return f"CLM-{uuid.uuid4().hex[:12].upper()}"


def _register(path) -> Sessions:
    url = f"sqlite:///{path}"
    db.migrate(url)
    return sessions_for(url)


@pytest.fixture
def own_sessions(tmp_path):
    """A register of this test's own, for tests whose relay would touch other tests' rows."""
    sessions = _register(tmp_path / "outbox.db")
    yield sessions
    sessions.dispose()


def test_each_notification_is_sent_once(register_url):
    sessions = sessions_for(register_url)
    ref = _ref()
    for step, recipient in [
        (LadderStep.WARNING, "hana.handler"),
        (LadderStep.SUPERVISOR, "sam.supervisor"),
        (LadderStep.HEAD_OF_SERVICE, "hugo.head"),
    ]:
        _escalate(sessions, ref, recipient, step)
    relay = FakeRelay()
    dispatcher = OutboxDispatcher(sessions, relay)

    dispatcher.dispatch_once(EVERYTHING)
    dispatcher.dispatch_once(EVERYTHING)

    mine = [s for s in relay.sent if ref in s[1]]
    assert [recipient for recipient, _, _ in mine] == ["hana.handler", "sam.supervisor", "hugo.head"]
    assert len(relay.sent) == len(set(relay.sent)), "nothing is sent twice"
    rows = _rows(sessions, ref)
    assert all(r.sent_at is not None and r.attempts == 0 and r.last_error is None for r in rows)
    assert "Alex Example" not in "".join(body for _, _, body in mine)


def test_failures_are_recorded_and_retried_after_a_backoff(register_url):
    sessions = sessions_for(register_url)
    ref, bouncing = _ref(), f"bounce-{uuid.uuid4().hex[:8]}"
    _escalate(sessions, ref, "sam.supervisor", LadderStep.SUPERVISOR)
    _escalate(sessions, ref, bouncing, LadderStep.HEAD_OF_SERVICE)
    relay = FakeRelay(refuse={bouncing})
    dispatcher = OutboxDispatcher(sessions, relay, retry_after=60)

    dispatcher.dispatch_once(EVERYTHING)
    good, bad = _rows(sessions, ref)
    assert good.sent_at is not None, "one bad row does not stop the others"
    assert (bad.sent_at, bad.attempts) == (None, 1)
    assert bad.last_error == f"ConnectionRefusedError: relay refused {bouncing}"
    assert bad.next_attempt_at > NOW

    dispatcher.dispatch_once(EVERYTHING)  # within the back-off: not tried again
    assert _rows(sessions, ref)[1].attempts == 1

    dispatcher.dispatch_once(EVERYTHING, now=datetime.now(UTC) + timedelta(minutes=2))  # fails again
    bad = _rows(sessions, ref)[1]
    assert (bad.sent_at, bad.attempts) == (None, 2)
    assert bad.next_attempt_at - datetime.now(UTC) > timedelta(seconds=90), "the back-off doubles"

    relay.refuse.clear()  # the relay recovers
    dispatcher.dispatch_once(EVERYTHING, now=datetime.now(UTC) + timedelta(minutes=5))
    bad = _rows(sessions, ref)[1]
    assert bad.sent_at is not None and bad.attempts == 2 and bad.next_attempt_at is None
    assert sum(1 for r, subject, _ in relay.sent if ref in subject) == 2


async def test_run_dispatches_until_stopped(own_sessions):
    ref = _ref()
    _escalate(own_sessions, ref, "sam.supervisor")
    relay = FakeRelay()
    stop = asyncio.Event()
    task = asyncio.create_task(OutboxDispatcher(own_sessions, relay).run(stop, interval=0.05))
    for _ in range(100):
        if any(ref in subject for _, subject, _ in relay.sent):
            break
        await asyncio.sleep(0.05)
    _escalate(own_sessions, ref, "hugo.head", LadderStep.HEAD_OF_SERVICE)  # picked up by a later pass
    for _ in range(100):
        if sum(ref in subject for _, subject, _ in relay.sent) == 2:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    assert [r for r, subject, _ in relay.sent if ref in subject] == ["sam.supervisor", "hugo.head"]


# --- e-mail through a real SMTP server -------------------------------------------------------


class CapturingSmtpServer(smtpd.SMTPServer):
    def __init__(self) -> None:
        self.map: dict = {}
        super().__init__(("127.0.0.1", 0), None, map=self.map, decode_data=True)
        self.port = self.socket.getsockname()[1]
        self.received: list[tuple[str, list[str], email.message.Message]] = []

    def handle_accepted(self, conn, addr) -> None:
        smtpd.SMTPChannel(self, conn, addr, map=self.map, decode_data=True)

    def process_message(self, peer, mailfrom, rcpttos, data, **kwargs) -> None:
        self.received.append((mailfrom, rcpttos, email.message_from_string(data)))


@pytest.fixture
def smtp_server() -> Iterator[CapturingSmtpServer]:
    server = CapturingSmtpServer()
    thread = threading.Thread(target=asyncore.loop, kwargs={"timeout": 0.05, "map": server.map}, daemon=True)
    thread.start()
    yield server
    asyncore.close_all(map=server.map)
    thread.join(timeout=2)


def test_smtp_notifier_sends_an_email(smtp_server):
    notifier = SmtpNotifier("127.0.0.1", smtp_server.port, "fairway@trust.example", domain="trust.example")
    first, second = "<a@trust.example>", "<b@trust.example>"
    notifier.send("sam.supervisor", "[Fairway] Deadline escalated", "Case: CLM-AAAA\nDue: soon", first)
    notifier.send("hugo@elsewhere.example", "[Fairway] Head of service", "Case: CLM-BBBB", second)

    (sender, to, message), (_, to2, _) = smtp_server.received
    assert (sender, to, to2) == (
        "fairway@trust.example",
        ["sam.supervisor@trust.example"],
        ["hugo@elsewhere.example"],
    )
    assert message["Subject"] == "[Fairway] Deadline escalated"
    assert message["To"] == "sam.supervisor@trust.example"
    assert message["Message-ID"] == "<a@trust.example>"
    assert message.get_payload().strip() == "Case: CLM-AAAA\nDue: soon"


def test_dispatcher_sends_through_smtp_and_records_a_dead_relay(own_sessions, smtp_server):
    ref = _ref()
    _escalate(own_sessions, ref, "sam.supervisor")
    settings = Settings(
        smtp_host="127.0.0.1", smtp_port=smtp_server.port, smtp_sender="fairway@trust.example"
    )
    notifier = notifier_from(settings)
    assert isinstance(notifier, SmtpNotifier) and notifier.domain == "trust.example"

    OutboxDispatcher(own_sessions, notifier).dispatch_once(EVERYTHING)
    [(_, to, message)] = [m for m in smtp_server.received if ref in m[2]["Subject"]]
    assert to == ["sam.supervisor@trust.example"]
    assert message["Subject"].startswith("[Fairway] Deadline escalated to supervisor: Acknowledge the letter")
    assert "Pre-Action Protocol para 3.18" in message.get_payload()
    [row] = _rows(own_sessions, ref)
    assert row.sent_at is not None
    assert message["Message-ID"] == message_id(row, "trust.example")

    # A relay nobody listens on: the failure is recorded, not raised.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    ref = _ref()
    _escalate(own_sessions, ref, "sam.supervisor")
    dead = SmtpNotifier("127.0.0.1", dead_port, "fairway@trust.example", timeout=2)
    OutboxDispatcher(own_sessions, dead).dispatch_once(EVERYTHING)
    [row] = _rows(own_sessions, ref)
    assert (row.sent_at, row.attempts) == (None, 1)
    assert row.last_error.startswith("ConnectionRefusedError")


def test_notifications_are_only_logged_without_smtp():
    assert isinstance(notifier_from(Settings(smtp_host=None)), LogNotifier)


def test_a_leased_notification_is_not_sent_twice(own_sessions):
    """Two dispatchers: what one has leased, the other leaves until the lease runs out."""
    ref = _ref()
    _escalate(own_sessions, ref, "sam.supervisor")
    first, second = FakeRelay(), FakeRelay()
    leased = OutboxDispatcher(own_sessions, first)._lease(10, datetime.now(UTC))
    assert [r.recipient for r in leased] == ["sam.supervisor"]
    assert OutboxDispatcher(own_sessions, second).dispatch_once() == 0
    later = datetime.now(UTC) + timedelta(minutes=6)  # the first dispatcher died holding it
    assert OutboxDispatcher(own_sessions, second).dispatch_once(now=later) == 1
    assert [m[0] for m in second.sent] == ["sam.supervisor"] and first.sent == []


# --- a dispatcher that dies, and one that is slow -------------------------------------------

FIVE = ["ann.handler", "bob.handler", "cat.supervisor", "dan.supervisor", "eve.head"]


class Killed(BaseException):
    """The worker killed mid-pass: not an Exception, so nothing in the dispatcher catches it."""


class DyingRelay(FakeRelay):
    """Accepts `lives` messages about case `ref`, then the worker dies: after the relay took
    the last one, before its answer reached the dispatcher (so that one was delivered too)."""

    def __init__(self, ref: str, lives: int) -> None:
        super().__init__()
        self.ref, self.lives = ref, lives

    def send(self, recipient: str, subject: str, body: str, message_id: str) -> None:
        super().send(recipient, subject, body, message_id)
        if self.ref in subject:
            self.lives -= 1
            if self.lives == 0:
                raise Killed


def _five(sessions) -> str:
    """Five notifications of one case, each its own ladder step's (a step's first recording
    stands, recipient and all, so one step cannot be sent to five people)."""
    ref = _ref()
    for i, recipient in enumerate(FIVE):
        _escalate(sessions, ref, recipient, deadline=f"deadline_{i}")
    return ref


def _sent_once_each(sessions, ref: str) -> None:
    """The register after the retries: every row sent, none counted as failed, none leased."""
    rows = _rows(sessions, ref)
    assert [r.recipient for r in rows] == FIVE
    assert all(r.sent_at and r.attempts == 0 and r.last_error is None for r in rows)
    assert all(r.next_attempt_at is None for r in rows)


def test_a_dead_dispatchers_notifications_go_to_another_when_its_lease_runs_out(register_url):
    sessions = sessions_for(register_url)
    ref = _five(sessions)
    lease = timedelta(seconds=1)  # 30 s in a worker; the rule is the same
    dying = DyingRelay(ref, lives=3)
    dead = OutboxDispatcher(sessions, dying, lease=lease, checkpoint_every=timedelta(days=1))
    with pytest.raises(Killed):
        dead.dispatch_once(EVERYTHING)
    assert all(r.sent_at is None for r in _rows(sessions, ref)), "it died before recording anything"

    relay = FakeRelay()
    other = OutboxDispatcher(sessions, relay, lease=lease)
    other.dispatch_once(EVERYTHING)
    assert relay.of(ref) == [], "the dead dispatcher's rows are held while its lease lasts"
    time.sleep(lease.total_seconds())
    other.dispatch_once(EVERYTHING)

    _sent_once_each(sessions, ref)
    assert [r for r, _ in relay.of(ref)] == FIVE, "every notification is sent"
    # At least once: the three the dead dispatcher had delivered go again, each as the same message.
    assert dying.of(ref) == relay.of(ref)[:3]
    ids = {row.recipient: message_id(row, FakeRelay.domain) for row in _rows(sessions, ref)}
    assert relay.of(ref) == list(ids.items()) and len(set(ids.values())) == 5


def test_a_pass_records_what_it_has_sent_as_it_goes(register_url):
    """Checkpoints: a dispatcher that dies repeats only what it sent since its last one."""
    sessions = sessions_for(register_url)
    ref = _five(sessions)
    dying = DyingRelay(ref, lives=3)
    dead = OutboxDispatcher(sessions, dying, checkpoint_every=timedelta(0))  # one before every send
    with pytest.raises(Killed):
        dead.dispatch_once(EVERYTHING)
    rows = _rows(sessions, ref)
    assert [r.sent_at is not None for r in rows] == [True, True, False, False, False]
    leased = [r.next_attempt_at for r in rows[2:]]
    assert all(datetime.now(UTC) < until <= datetime.now(UTC) + dead.lease for until in leased)

    relay = FakeRelay()
    after_the_lease = datetime.now(UTC) + dead.lease + timedelta(seconds=1)
    assert OutboxDispatcher(sessions, relay).dispatch_once(EVERYTHING, now=after_the_lease) >= 3
    _sent_once_each(sessions, ref)
    assert [r for r, _ in relay.of(ref)] == FIVE[2:]
    assert relay.of(ref)[0] == dying.of(ref)[2], "only the message in flight goes twice, as itself"


def test_a_slow_pass_keeps_its_lease_until_it_is_done(register_url):
    """A relay slower than the lease: the pass renews it as it goes, so no other takes a row."""
    sessions = sessions_for(register_url)
    ref = _five(sessions)
    lease = timedelta(seconds=0.6)
    slow = FakeRelay(delay=0.25)  # five sends: twice the lease
    working = OutboxDispatcher(sessions, slow, lease=lease, checkpoint_every=timedelta(seconds=0.1))
    sending = threading.Thread(target=working.dispatch_once, args=(EVERYTHING,))
    sending.start()
    relay = FakeRelay()
    watching = OutboxDispatcher(sessions, relay, lease=lease)
    while sending.is_alive():
        watching.dispatch_once(EVERYTHING)
        time.sleep(0.05)
    sending.join()
    assert [r for r, _ in slow.of(ref)] == FIVE and relay.of(ref) == []
    _sent_once_each(sessions, ref)


def test_a_notification_keeps_its_message_id_on_every_attempt(own_sessions):
    ref = _ref()
    _escalate(own_sessions, ref, "sam.supervisor", LadderStep.SUPERVISOR)
    _escalate(own_sessions, ref, "hugo.head", LadderStep.HEAD_OF_SERVICE)
    relay = FakeRelay(refuse={"sam.supervisor"})
    dispatcher = OutboxDispatcher(own_sessions, relay)
    with capture_logs() as logs:
        dispatcher.dispatch_once(EVERYTHING)
        relay.refuse.clear()
        dispatcher.dispatch_once(EVERYTHING, now=datetime.now(UTC) + timedelta(minutes=1))
    supervisor, head = _rows(own_sessions, ref)
    first, second = message_id(supervisor, "trust.example"), message_id(head, "trust.example")
    attempts = [(recipient, mid) for recipient, subject, mid in relay.attempts if ref in subject]
    assert attempts == [("sam.supervisor", first), ("hugo.head", second), ("sam.supervisor", first)]
    assert re.fullmatch(r"<notification\.[0-9a-f]{32}@trust\.example>", first) and first != second
    logged = [(e["event"], e["message_id"]) for e in logs if e.get("case_id") == ref]
    assert logged == [
        ("notification failed", first),
        ("notification sent", second),
        ("notification sent", first),
    ]


def test_a_message_id_comes_from_the_notifications_natural_key_not_its_row_number(tmp_path):
    """Two registers sending through one relay number their rows alike: row 1 in each is a
    different notification with its own Message-ID, and the same notification has one."""
    live, staging = (_register(tmp_path / f"{name}.db") for name in ("live", "staging"))
    ref = _ref()
    _escalate(live, ref, "sam.supervisor")
    _escalate(staging, _ref(), "sam.supervisor")
    _escalate(staging, ref, "sam.supervisor")
    [live_1], [staging_2] = _rows(live, ref), _rows(staging, ref)
    with staging() as session:
        staging_1 = session.get(NotificationRow, 1)
    assert (live_1.id, staging_1.id, staging_2.id) == (1, 1, 2)

    def mid(row: NotificationRow) -> str:
        return message_id(row, "trust.example")

    assert mid(live_1) != mid(staging_1) and mid(live_1) == mid(staging_2)
    live.dispose()
    staging.dispose()
