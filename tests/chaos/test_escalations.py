"""A worker killed in the middle of a burst of escalations: each escalation it was recording is
retried on the next worker as soon as its attempt times out, and recorded exactly once."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from temporalio.api.enums.v1 import PendingActivityState
from temporalio.client import Client, WorkflowHandle

from activities.notifications import message_id
from models import deadline_policies
from models.claims import ClaimInput, ClaimOpening, ClaimState
from models.common import ActionMeta, Actor, CaseKind, Role, case_workflow_id
from models.register import EscalationRow, NotificationRow
from tests.chaos.conftest import DOMAIN
from tests.conftest import TEST_POLICY
from tests.helpers import assert_eventually, local_activity_type, opening
from workflows.activity_options import REGISTER_WRITE
from workflows.claim import ClaimWorkflow

CLAIMS = 4
HANDLER = Actor(id="hana.handler", role=Role.HANDLER)
# The first review falls due 6 s after a claim opens: its warning fires at once (a day ahead),
# its supervisor step at the due time (the burst), head of service an hour later.
POLICY = TEST_POLICY.model_copy(
    update={"deadlines": deadline_policies.short(seconds=6, warn_before=86_400, head_of_service_after=3_600)}
)
REVIEW = "case_review_due"
# A timed-out attempt is retried after the retry policy's first interval.
RETRY_AT = REGISTER_WRITE["start_to_close_timeout"] + REGISTER_WRITE["retry_policy"].initial_interval
SLACK = timedelta(seconds=4)  # for a loaded machine


@contextmanager
def register_locked(url: str) -> Iterator[None]:
    """Hold the SQLite register's write lock, so the worker's escalation writes wait on it: the
    kill then lands while they run, as it would on a slow disk."""
    connection = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        connection.execute("ROLLBACK")
        connection.close()


async def start_claim(client: Client, task_queue: str) -> WorkflowHandle:
    ref = f"CLM-CHAOS{uuid.uuid4().hex[:7].upper()}"
    return await client.start_workflow(
        ClaimWorkflow.run,
        ClaimInput(
            ref=ref,
            owner=HANDLER.id,
            opening=ClaimOpening.model_validate(opening()),
            opened_by=ActionMeta(actor=HANDLER, request_id=f"open-{ref}"),
            policy=POLICY,
        ),
        id=case_workflow_id(CaseKind.CLAIM, ref),
        task_queue=task_queue,
    )


def escalations(sessions, refs: list[str], step: str) -> list[EscalationRow]:
    with sessions() as session:
        query = select(EscalationRow).where(EscalationRow.case_ref.in_(refs), EscalationRow.step == step)
        return list(session.scalars(query))


async def waiting_for_its_supervisor_step(handle: WorkflowHandle) -> None:
    """The claim has recorded its warning and projected itself since (by an activity, or by a
    local activity in the task after the warning's): it writes nothing more before the
    supervisor step, so a lock on the register holds up that step alone."""
    activity_types, warned = {}, 0
    async for event in handle.fetch_history_events():
        if name := event.activity_task_scheduled_event_attributes.activity_type.name:
            activity_types[event.event_id] = name
        scheduled = event.activity_task_completed_event_attributes.scheduled_event_id
        if scheduled and activity_types[scheduled] == "escalate":
            warned = event.event_id
        elif warned and _projection(event, activity_types, warned):
            return
    raise AssertionError(f"{handle.id} has not projected its warning yet")


def _projection(event, activity_types: dict[int, str], warned: int) -> bool:
    """A projection's completion after the warning: an activity's, or a local activity's marker."""
    scheduled = event.activity_task_completed_event_attributes.scheduled_event_id
    if scheduled:
        return activity_types[scheduled] == "project_case" and warned < scheduled
    return local_activity_type(event) == "project_case"


async def escalating(handle: WorkflowHandle) -> datetime:
    """When the claim's escalate activity started, once it has."""
    described = await handle.describe()
    for pending in described.raw_description.pending_activities:
        if (
            pending.activity_type.name == "escalate"
            and pending.state == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
        ):
            return pending.last_started_time.ToDatetime(tzinfo=UTC)
    raise AssertionError(f"{handle.id} is not escalating yet")


async def escalate_attempts(handle: WorkflowHandle) -> list[int]:
    """The attempt on which each of the claim's escalate activities completed."""
    escalate, attempts = set(), []
    async for event in handle.fetch_history_events():
        if event.activity_task_scheduled_event_attributes.activity_type.name == "escalate":
            escalate.add(event.event_id)
        started = event.activity_task_started_event_attributes
        if started.scheduled_event_id in escalate:
            attempts.append(started.attempt)
    return attempts


async def escalated_once(handle: WorkflowHandle):
    """The claim's own record: its review escalated to the warning and the supervisor once each."""
    review = (await handle.query("state", result_type=ClaimState)).deadlines[REVIEW]
    assert review.steps_done == ["warning", "supervisor"]
    assert [c.change for c in review.changes].count("escalated") == 2
    return review


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC)  # SQLite gives back the UTC it was given, without its zone


async def test_escalations_a_killed_worker_was_recording_are_recorded_once_soon_after(client, workers, relay):
    first = workers.start()
    handles = await asyncio.gather(*(start_claim(client, workers.task_queue) for _ in range(CLAIMS)))
    refs = [h.id.removeprefix("claim-") for h in handles]

    async def opened():  # each has set its review, escalated its warning and projected it
        await asyncio.gather(*(waiting_for_its_supervisor_step(h) for h in handles))

    await assert_eventually(opened, timeout=60, interval=0.1)
    assert len(escalations(workers.sessions, refs, "warning")) == CLAIMS

    with register_locked(workers.register_url):

        async def all_escalating():
            return await asyncio.gather(*(escalating(h) for h in handles))

        started = await assert_eventually(all_escalating, timeout=30, interval=0.1)
        await asyncio.sleep(0.2)
        workers.kill(first)
        killed_at = datetime.now(UTC)
    workers.start()

    async def recorded():
        assert len(escalations(workers.sessions, refs, "supervisor")) == CLAIMS

    bound = max(started) + RETRY_AT + SLACK
    await assert_eventually(recorded, timeout=(bound - datetime.now(UTC)).total_seconds() + 10)
    rows = {row.case_ref: row for row in escalations(workers.sessions, refs, "supervisor")}
    assert sorted(rows) == sorted(refs), "none lost"
    reviews = [await assert_eventually(lambda h=h: escalated_once(h), timeout=30) for h in handles]
    after_retry = [
        (_utc(rows[ref].recorded_at) - (at + RETRY_AT)).total_seconds()
        for ref, at in zip(refs, started, strict=True)
    ]
    after_due = [
        (_utc(rows[ref].recorded_at) - review.due_at).total_seconds()
        for ref, review in zip(refs, reviews, strict=True)
    ]
    print(
        f"\nkilled {(killed_at - max(started)).total_seconds():.1f} s after the last escalation started; "
        f"recorded {', '.join(f'{s:+.1f}' for s in sorted(after_retry))} s from its retry "
        f"(start + {RETRY_AT.total_seconds():g} s), {max(after_due):.1f} s after the due time at most"
    )
    assert all(s <= SLACK.total_seconds() for s in after_retry), after_retry
    assert all(s >= 0 for s in after_due), "none before the due time"
    for handle in handles:
        assert await escalate_attempts(handle) == [1, 2], "the warning at once, the supervisor on its retry"

    # Each with its one notification, and that delivered.
    with workers.sessions() as session:
        supervisor = NotificationRow.step == "supervisor"
        notices = session.scalars(
            select(NotificationRow).where(NotificationRow.case_ref.in_(refs), supervisor)
        )
        ids = sorted((n.case_ref, message_id(n, DOMAIN)) for n in notices)
    assert [ref for ref, _ in ids] == sorted(refs)

    async def delivered():
        assert {mid for _, mid in ids} <= {d.message_id for d in relay.received}

    await assert_eventually(delivered, timeout=10)
    for handle in handles:
        await handle.terminate("chaos test over")
