"""A worker killed in the middle of a burst of escalations: each escalation it was recording
(from inside the wake-up's workflow task, workflows/register_writes.py) is written again by the
next worker as soon as that task times out, and recorded exactly once."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from temporalio.api.enums.v1 import EventType, PendingWorkflowTaskState
from temporalio.client import Client, WorkflowHandle

from activities.notifications import message_id
from models import deadline_policies
from models.claims import ClaimInput, ClaimOpening, ClaimState
from models.common import ActionMeta, Actor, CaseKind, Role, case_workflow_id
from models.register import EscalationRow, NotificationRow
from tests.chaos.conftest import DOMAIN
from tests.conftest import TEST_POLICY
from tests.helpers import assert_eventually, opening, register_writes
from workflows.claim import ClaimWorkflow

CLAIMS = 4
HANDLER = Actor(id="hana.handler", role=Role.HANDLER)
# The first review falls due 6 s after a claim opens: its warning fires at once (a day ahead),
# its supervisor step at the due time (the burst), head of service an hour later.
POLICY = TEST_POLICY.model_copy(
    update={"deadlines": deadline_policies.short(seconds=6, warn_before=86_400, head_of_service_after=3_600)}
)
REVIEW = "case_review_due"
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


async def waiting_for_its_supervisor_step(handle: WorkflowHandle) -> datetime:
    """The claim has recorded its warning and projected itself since: it writes nothing more
    before the supervisor step, so a lock on the register holds up that step alone. Answers
    when that step falls due."""
    names = [name for name, _ in await register_writes(handle)]
    assert "escalate" in names and "project_case" in names[names.index("escalate") :], names
    return (await handle.query("state", result_type=ClaimState)).deadlines[REVIEW].due_at


async def escalating(handle: WorkflowHandle, due: datetime) -> tuple[datetime, timedelta]:
    """When the claim's wake-up for its supervisor step started, once it has (past the due time,
    a workflow task started and not done: its write waits on the locked register), and how long
    Temporal gives that task before handing it out again."""
    described = (await handle.describe()).raw_description
    task = described.pending_workflow_task
    assert task.state == PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_STARTED, task
    started = task.started_time.ToDatetime(tzinfo=UTC)
    assert started >= due, f"{handle.id}'s task started {started}, before the due time {due}"
    return started, described.execution_config.default_workflow_task_timeout.ToTimedelta()


async def tasks_timed_out(handle: WorkflowHandle) -> int:
    timed_out = EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT
    return len([event async for event in handle.fetch_history_events() if event.event_type == timed_out])


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
        return await asyncio.gather(*(waiting_for_its_supervisor_step(h) for h in handles))

    dues = await assert_eventually(opened, timeout=60, interval=0.1)
    assert len(escalations(workers.sessions, refs, "warning")) == CLAIMS

    with register_locked(workers.register_url):

        async def all_escalating():
            return await asyncio.gather(*(escalating(h, due) for h, due in zip(handles, dues, strict=True)))

        tasks = await assert_eventually(all_escalating, timeout=30, interval=0.1)
        started = [at for at, _ in tasks]
        await asyncio.sleep(0.2)
        workers.kill(first)
        killed_at = datetime.now(UTC)
    workers.start()

    async def recorded():
        assert len(escalations(workers.sessions, refs, "supervisor")) == CLAIMS

    # A task whose worker died is handed out again once its timeout has passed.
    handed_out_again = max(timeout for _, timeout in tasks)
    bound = max(started) + handed_out_again + SLACK
    await assert_eventually(recorded, timeout=(bound - datetime.now(UTC)).total_seconds() + 10)
    rows = {row.case_ref: row for row in escalations(workers.sessions, refs, "supervisor")}
    assert sorted(rows) == sorted(refs), "none lost"
    reviews = [await assert_eventually(lambda h=h: escalated_once(h), timeout=30) for h in handles]
    after_retry = [
        (_utc(rows[ref].recorded_at) - (at + handed_out_again)).total_seconds()
        for ref, at in zip(refs, started, strict=True)
    ]
    after_due = [
        (_utc(rows[ref].recorded_at) - review.due_at).total_seconds()
        for ref, review in zip(refs, reviews, strict=True)
    ]
    print(
        f"\nkilled {(killed_at - max(started)).total_seconds():.1f} s after the last escalation started; "
        f"recorded {', '.join(f'{s:+.1f}' for s in sorted(after_retry))} s from its retry "
        f"(start + {handed_out_again.total_seconds():g} s), {max(after_due):.1f} s after the due time at most"
    )
    assert all(s <= SLACK.total_seconds() for s in after_retry), after_retry
    assert all(s >= 0 for s in after_due), "none before the due time"
    for handle in handles:
        escalated = [in_task for name, in_task in await register_writes(handle) if name == "escalate"]
        assert escalated == [True, True], "each step written once, from inside its wake-up's task"
        assert await tasks_timed_out(handle) == 1, "the supervisor step's task, on the killed worker"

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
