"""Long-lived claims continue-as-new when Temporal suggests it, losing nothing in flight.

A dev server of its own suggests continue-as-new after a few dozen events, so a claim does it
several times within one test.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable
from typing import TypeVar

import pytest

from tests.conftest import TEST_POLICY, running_fairway, start_dev_server
from tests.helpers import act, assert_eventually, at_most, auth, key, ledgered, ok, open_claim

THRESHOLD = 60
T = TypeVar("T")


@pytest.fixture(scope="module")
async def eager_server():
    env = await start_dev_server(
        "--dynamic-config-value", f"limit.historyCount.suggestContinueAsNew={THRESHOLD}"
    )
    yield env
    await env.shutdown()


async def eight_at_a_time(requests: Iterable[Awaitable[T]]) -> list[T]:
    """Concurrent enough to meet a continue-as-new mid-burst, and within the Updates Temporal
    admits in flight on one workflow (10; one more is 503 case_busy by design, api/errors.py),
    so a loaded machine is no failure."""
    return await at_most(8, requests)


async def _runs(client, workflow_id: str) -> int:
    return len([w async for w in client.list_workflows(f"WorkflowId = '{workflow_id}'")])


async def test_continue_as_new_with_updates_in_flight(eager_server, sqlite_sessions):
    client = eager_server.client
    async with running_fairway(client, sqlite_sessions) as fairway:
        http = fairway.http
        ref = (await open_claim(http))["state"]["ref"]
        first_key = key()
        first = await act(http, ref, "add_note", {"text": "note 0"}, idempotency_key=first_key)
        assert first.status_code == 200

        texts = [f"note {i}" for i in range(1, 41)]
        responses = await eight_at_a_time(act(http, ref, "add_note", {"text": t}) for t in texts)
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
        notes = [n["text"] for n in live["state"]["notes"]]
        assert sorted(notes) == sorted(["note 0", *texts]) and len(notes) == 41
        assert live["state"]["seq"] == 42

        async def complete():
            history = (await http.get(f"/claims/{ref}/history", headers=auth("supervisor"))).json()
            assert len(history["ledger"]) == 42
            return history

        history = await assert_eventually(complete)
        assert [e["seq"] for e in history["ledger"]] == list(range(1, 43))
        temporal = [(e["seq"], e["request_id"]) for e in ledgered(history, ref)]
        assert temporal == [(e["seq"], e["request_id"]) for e in history["ledger"]]
        moved = await ok(http, ref, "reassign", {"handler": "harry.handler"}, who="supervisor")
        assert moved["state"]["seq"] == 43


async def test_a_kit_case_continues_as_new_with_its_state_and_request_ids(eager_server, sqlite_sessions):
    """The case kit carries a case's whole state, its recent request ids and its unprojected
    ledger entries across continue-as-new, as the claim does: a resolution summit here."""
    client = eager_server.client
    async with running_fairway(client, sqlite_sessions) as fairway:
        http = fairway.http
        body = {
            "claimant_firm_id": "SRA-100200",
            "claimant_firm_name": "Example & Co LLP",
            "proposed_on": "2026-11-01",
            "format": "remote",
            "handler": "hana.handler",
        }
        opened = await http.post(
            "/resolution-summits", json=body, headers=auth("handler") | {"Idempotency-Key": key()}
        )
        assert opened.status_code == 201, opened.text
        ref = opened.json()["state"]["ref"]

        async def note(text: str, idempotency_key: str | None = None):
            headers = auth("handler") | {"Idempotency-Key": idempotency_key or key()}
            return await http.post(
                f"/resolution-summits/{ref}/add-note", json={"text": text}, headers=headers
            )

        first_key = key()
        first = await note("note 0", first_key)
        assert first.status_code == 200, first.text
        texts = [f"note {i}" for i in range(1, 31)]
        responses = await eight_at_a_time(note(t) for t in texts)
        assert [r.status_code for r in responses] == [200] * len(texts), [
            r.text for r in responses if r.status_code != 200
        ]

        async def continued():
            assert await _runs(client, f"resolution_summit-{ref}") > 1

        await assert_eventually(continued)
        retried = await note("note 0", first_key)
        assert retried.status_code == 200
        assert retried.json()["applied"] == first.json()["applied"] | {"duplicate": True}

        live = (await http.get(f"/resolution-summits/{ref}", headers=auth("supervisor"))).json()["state"]
        assert sorted(n["text"] for n in live["notes"]) == sorted(["note 0", *texts])
        assert live["seq"] == 32 and live["stage"] == "planned"

        async def complete():
            history = (
                await http.get(f"/resolution-summits/{ref}/history", headers=auth("supervisor"))
            ).json()
            assert [e["seq"] for e in history["ledger"]] == list(range(1, 33))
            return history

        history = await assert_eventually(complete)
        temporal = [(e["seq"], e["request_id"]) for e in ledgered(history, ref)]
        assert temporal == [(e["seq"], e["request_id"]) for e in history["ledger"]]


async def test_a_long_run_continues_as_new_by_its_policy_once_handlers_pause(client, sqlite_sessions):
    """By the policy's run length, not Temporal's suggestion: the case waits for a quiet spell,
    so no action meets the moment it continues as new, then carries everything on."""
    policy = TEST_POLICY.model_copy(update={"events_per_run": 40, "quiet_before_continuing_seconds": 1.0})
    async with running_fairway(client, sqlite_sessions, policy=policy) as fairway:
        http = fairway.http
        ref = (await open_claim(http))["state"]["ref"]
        for i in range(15):  # about 5 events each: well past 40, with no pause of a second
            await ok(http, ref, "add_note", {"text": f"note {i}"})
        assert await _runs(client, f"claim-{ref}") == 1, "no continue-as-new while handlers act"

        async def continued():
            assert await _runs(client, f"claim-{ref}") > 1

        await assert_eventually(continued, timeout=15)
        live = (await http.get(f"/claims/{ref}", headers=auth("supervisor"))).json()["state"]
        assert len(live["notes"]) == 15 and live["seq"] == 16
