"""A claim survives its worker stopping and the Temporal server restarting."""

from __future__ import annotations

import asyncio
import uuid

from fairway.devserver import free_port
from tests.conftest import api_alone, running_fairway, start_dev_server
from tests.helpers import act, auth, ok, open_claim
from worker import build_worker


async def test_claim_continues_when_its_worker_is_replaced(client, sqlite_sessions):
    task_queue = f"durability-{uuid.uuid4().hex[:8]}"
    async with api_alone(client, sqlite_sessions, task_queue) as http:
        async with build_worker(client, task_queue, sqlite_sessions):
            ref = (await open_claim(http))["state"]["ref"]
            await ok(http, ref, "add_note", {"text": "before the worker stopped"})

        # No worker now: the handler's request waits in Temporal rather than failing.
        pending = asyncio.create_task(act(http, ref, "add_note", {"text": "while no worker ran"}))
        await asyncio.sleep(1.5)
        assert not pending.done()

        async with build_worker(client, task_queue, sqlite_sessions):
            response = await asyncio.wait_for(pending, timeout=30)
            assert response.status_code == 200, response.text
            after = await ok(http, ref, "add_note", {"text": "after the new worker started"})
    assert [n["text"] for n in after["state"]["notes"]] == [
        "before the worker stopped",
        "while no worker ran",
        "after the new worker started",
    ]


async def test_open_claims_survive_a_server_restart(tmp_path, sqlite_sessions):
    db_file, port, task_queue = str(tmp_path / "temporal.db"), free_port(), f"restart-{uuid.uuid4().hex[:8]}"
    env = await start_dev_server(db_file=db_file, port=port)
    try:
        async with running_fairway(env.client, sqlite_sessions, task_queue=task_queue) as fairway:
            refs = [(await open_claim(fairway.http))["state"]["ref"] for _ in range(3)]
            for ref in refs:
                await ok(fairway.http, ref, "add_note", {"text": f"note on {ref}"})
            await ok(fairway.http, refs[0], "close", {"outcome": "withdrawn"})
    finally:
        await env.shutdown()

    env = await start_dev_server(db_file=db_file, port=port)
    try:
        async with running_fairway(env.client, sqlite_sessions, task_queue=task_queue) as fairway:
            for ref in refs:
                live = await fairway.http.get(f"/claims/{ref}", headers=auth("supervisor"))
                assert live.status_code == 200, live.text
                assert live.json()["state"]["notes"][0]["text"] == f"note on {ref}"
            assert live.json()["state"]["stage"] == "notified"
            reopened = await ok(fairway.http, refs[0], "reopen", {"reason": "new evidence"}, who="supervisor")
            assert reopened["state"]["stage"] == "notified"
            running = [
                w.id
                async for w in env.client.list_workflows("CaseKind = 'claim' AND ExecutionStatus = 'Running'")
            ]
            assert {f"claim-{r}" for r in refs} <= set(running)
    finally:
        await env.shutdown()
