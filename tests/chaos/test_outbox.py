"""A worker killed while it sends a batch of notifications: the next worker sends what it held
within the lease, and what goes twice goes as the same message (its Message-ID)."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import select

from activities.notifications import message_id
from models.register import EscalationRow
from tests.chaos.conftest import DOMAIN, LEASE_SECONDS
from tests.helpers import assert_eventually
from tests.test_notifications import _escalate, _rows

NOTIFICATIONS = 20
SLOW_RELAY = 0.3  # seconds to answer each message: the first worker's batch takes six
# The next worker's dispatcher looks every 2 s; the slack is for a loaded machine.
BOUND = LEASE_SECONDS + 2 + 4


async def test_notifications_held_by_a_killed_worker_are_sent_by_the_next_within_the_lease(workers, relay):
    ref = f"CLM-CHAOS{uuid.uuid4().hex[:7].upper()}"
    for i in range(NOTIFICATIONS):
        _escalate(workers.sessions, ref, f"supervisor{i:02}", deadline=f"deadline_{i:02}")
    relay.delay = SLOW_RELAY
    first = workers.start()

    async def sending():
        assert len(relay.about(ref)) >= 5

    await assert_eventually(sending, timeout=60, interval=0.05)
    killed = workers.kill(first)
    before_the_kill = {d.message_id for d in relay.about(ref)}
    held = [r for r in _rows(workers.sessions, ref) if r.sent_at is None]
    assert held and all(r.next_attempt_at > datetime.now(UTC) for r in held), "killed holding leased rows"

    relay.delay = 0.0
    workers.start()
    expected = {message_id(row, DOMAIN): row.recipient for row in _rows(workers.sessions, ref)}

    async def all_delivered():
        assert {d.message_id for d in relay.about(ref)} == set(expected)

    await assert_eventually(all_delivered, timeout=BOUND + 10, interval=0.1)
    after = time.monotonic() - killed
    resent = [d for d in relay.about(ref) if d.at > killed]
    first_resent = min(d.at for d in resent) - killed
    print(
        f"\nkilled after {len(before_the_kill)} of {NOTIFICATIONS} delivered, {len(held)} held unsent; "
        f"the next worker's first send {first_resent:.1f} s and its last {after:.1f} s after the kill "
        f"(lease {LEASE_SECONDS:g} s); {len(resent) + len(before_the_kill) - NOTIFICATIONS} sent twice"
    )
    assert after <= BOUND, f"all delivered {after:.1f} s after the kill (bound {BOUND} s)"

    # Every message went to its recipient; one sent twice went as itself, and only one the
    # killed worker had delivered without recording it.
    for delivery in relay.about(ref):
        assert delivery.to == (f"{expected[delivery.message_id]}@{DOMAIN}",)
    twice = {mid for mid, n in Counter(d.message_id for d in relay.about(ref)).items() if n > 1}
    assert twice <= before_the_kill
    assert all(n <= 2 for n in Counter(d.message_id for d in relay.about(ref)).values())

    # The register agrees (once the last pass has recorded what the relay took): every row sent,
    # none counted as failed, none still leased.
    async def recorded():
        rows = _rows(workers.sessions, ref)
        assert len(rows) == NOTIFICATIONS
        assert all(r.sent_at and r.attempts == 0 and r.last_error is None for r in rows)
        assert all(r.next_attempt_at is None for r in rows)

    await assert_eventually(recorded, timeout=5)
    with workers.sessions() as session:
        escalations = session.scalars(select(EscalationRow).where(EscalationRow.case_ref == ref)).all()
    assert len(escalations) == NOTIFICATIONS
