"""Long-lived claims continue-as-new when Temporal suggests it, losing nothing in flight.

A dev server of its own suggests continue-as-new after a few dozen events, so a claim does it
several times within one test.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import running_fairway, start_dev_server
from tests.helpers import act, assert_eventually, auth, key, ok, open_claim

THRESHOLD = 60


@pytest.fixture(scope="module")
async def eager_server():
    env = await start_dev_server(
        "--dynamic-config-value", f"limit.historyCount.suggestContinueAsNew={THRESHOLD}"
    )
    yield env
    await env.shutdown()


async def _runs(client, workflow_id: str) -> int:
    return len([w async for w in client.list_workflows(f"WorkflowId = '{workflow_id}'")])


async def test_continue_as_new_with_updates_in_flight(eager_server, sqlite_sessions):
    client = eager_server.client
    async with running_fairway(client, sqlite_sessions) as fairway:
        http = fairway.http
        ref = (await open_claim(http))["claim"]["ref"]
        first_key = key()
        first = await act(http, ref, "add_note", {"text": "note 0"}, idempotency_key=first_key)
        assert first.status_code == 200

        texts = [f"note {i}" for i in range(1, 41)]
        responses = await asyncio.gather(*(act(http, ref, "add_note", {"text": t}) for t in texts))
        assert [r.status_code for r in responses] == [200] * len(texts), [
            r.text for r in responses if r.status_code != 200
        ]

        async def continued():
            assert await _runs(client, f"claim-{ref}") > 1

        await assert_eventually(continued)

        # A retry of a request from an earlier run is still recognised in the new run.
        retried = await act(http, ref, "add_note", {"text": "note 0"}, idempotency_key=first_key)
        assert retried.status_code == 200 and retried.json()["applied"] == first.json()["applied"] | {
            "duplicate": True
        }

        live = (await http.get(f"/claims/{ref}", headers=auth("supervisor"))).json()
        notes = [n["text"] for n in live["claim"]["notes"]]
        assert sorted(notes) == sorted(["note 0", *texts]) and len(notes) == 41
        assert live["claim"]["seq"] == 42

        async def complete():
            history = (await http.get(f"/claims/{ref}/history", headers=auth("supervisor"))).json()
            assert len(history["ledger"]) == 42
            return history

        history = await assert_eventually(complete)
        assert [e["seq"] for e in history["ledger"]] == list(range(1, 43))
        temporal = [(e["seq"], e["request_id"]) for e in history["temporal"]]
        assert temporal == [(e["seq"], e["request_id"]) for e in history["ledger"]]
        moved = await ok(http, ref, "reassign", {"handler": "harry.handler"}, who="supervisor")
        assert moved["claim"]["seq"] == 43
