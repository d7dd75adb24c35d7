"""An opening writes its own projection from inside its workflow task (workflows/case_kit.py): the
register has the case when the opening is answered, and the opening's history holds no activity
task. A register that will not take it does not hold the opening up: the ordinary projection
takes over and writes it once the register will."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from models.common import CaseKind, case_workflow_id
from models.register import CaseRow, LedgerRow
from tests.api.test_opening import KINDS
from tests.conftest import api_alone, sessions_for
from tests.helpers import assert_eventually, auth, key, open_claim, read_only_url, register_writes
from worker import build_worker


def _row(sessions, ref: str) -> CaseRow | None:
    with sessions() as s:
        return s.get(CaseRow, ref)


def _ledger(sessions, ref: str) -> list[LedgerRow]:
    with sessions() as s:
        return list(s.scalars(select(LedgerRow).where(LedgerRow.case_ref == ref).order_by(LedgerRow.seq)))


@pytest.mark.parametrize("kind", list(KINDS))
async def test_an_answered_opening_is_already_in_the_register(fairway, kind):
    route, who, body_of, _, _ = KINDS[kind]
    response = await fairway.http.post(route, json=body_of(), headers=auth(who) | {"Idempotency-Key": key()})
    assert response.status_code == 201, response.text
    state = response.json()["state"]

    if kind == "early_notification":
        # Its opening starts its duty of candour case and writes its own register row first, in
        # tasks after the one that answers: its projection follows the answer.
        row = await assert_eventually(lambda: _present(fairway.sessions, state["ref"]))
    else:
        row = _row(fairway.sessions, state["ref"])  # read at once: no waiting for a projection
    assert row is not None and row.version == 1 and row.stage == state["stage"]
    opening = _ledger(fairway.sessions, state["ref"])
    assert [(e.seq, e.actor_id) for e in opening] == [(1, response.json()["applied"]["actor_id"])]

    handle = fairway.client.get_workflow_handle(row.workflow_id)
    started = (await handle.fetch_history()).events[0].event_time.ToDatetime()
    # The opening is dated by its start event, the same in any attempt of the task that wrote it.
    assert row.opened_at.replace(tzinfo=None) == opening[0].at.replace(tzinfo=None) == started
    projections = [write for write in await register_writes(handle) if write[0] == "project_case"]
    assert projections == [("project_case", True)], "inside the opening's task, no activity"


async def test_a_register_that_refuses_the_opening_does_not_hold_it_up(client, sqlite_url, sqlite_sessions):
    """The register read-only: the opening is still answered, its projection left to the
    activity, which writes it once a worker with a writable register takes its retry."""
    task_queue = f"opening-projection-{uuid.uuid4().hex[:8]}"
    read_only = sessions_for(read_only_url(sqlite_url))
    async with api_alone(client, sqlite_sessions, task_queue) as http:
        async with build_worker(client, task_queue, read_only):
            ref = (await open_claim(http))["state"]["ref"]
            assert _row(sqlite_sessions, ref) is None
            handle = client.get_workflow_handle(case_workflow_id(CaseKind.CLAIM, ref))

            async def left_to_the_activity() -> None:
                assert (await register_writes(handle)).count(("project_case", False)) == 1

            await assert_eventually(left_to_the_activity)

        async with build_worker(client, task_queue, sqlite_sessions):
            row = await assert_eventually(lambda: _present(sqlite_sessions, ref), timeout=90)
    assert row.version == 1 and [e.seq for e in _ledger(sqlite_sessions, ref)] == [1]


def _present(sessions, ref: str) -> CaseRow:
    row = _row(sessions, ref)
    assert row is not None
    return row
