"""Helpers for the resolution-route tests: drive a route through its own router, bring a claim
to a stage, and read histories once the register has caught up."""

from __future__ import annotations

from typing import Any

from models.claims import ClaimStage
from tests.claim_paths import ROUTES, SAMPLES
from tests.helpers import assert_eventually, auth, key, ledgered, ok, open_claim


async def route_act(http, prefix: str, ref: str, action: str, body: dict, who: str = "handler"):
    headers = auth(who) | {"Idempotency-Key": key()}
    return await http.post(f"{prefix}/{ref}/{action.replace('_', '-')}", json=body, headers=headers)


async def route_ok(
    http, prefix: str, ref: str, action: str, body: dict, who: str = "handler"
) -> dict[str, Any]:
    response = await route_act(http, prefix, ref, action, body, who)
    assert response.status_code == 200, response.text
    return response.json()


async def claim_at(http, stage: ClaimStage) -> str:
    """A new claim brought to `stage` by the shortest path (tests/claim_paths.py)."""
    ref = (await open_claim(http))["state"]["ref"]
    for action in ROUTES[stage]:
        await ok(http, ref, action, SAMPLES[action])
    return ref


async def read_claim(http, ref: str) -> dict[str, Any]:
    return (await http.get(f"/claims/{ref}", headers=auth("auditor"))).json()["state"]


async def read_route(http, prefix: str, ref: str) -> dict[str, Any]:
    """The route's state once its workflow has started (the claim starts it as a child)."""

    async def started():
        response = await http.get(f"{prefix}/{ref}", headers=auth("auditor"))
        assert response.status_code == 200, response.text
        return response.json()["state"]

    return await assert_eventually(started)


async def route_history(http, prefix: str, ref: str, entries: int) -> list[str]:
    """The route's ledger actions once it has `entries`; Temporal's timeline agrees with it."""

    async def complete():
        body = (await http.get(f"{prefix}/{ref}/history", headers=auth("supervisor"))).json()
        assert len(body["ledger"]) == entries, [e["action"] for e in body["ledger"]]
        return body

    body = await assert_eventually(complete)
    assert body["temporal_available"]
    fields = ("seq", "action", "actor_id", "request_id")
    assert [[e[f] for f in fields] for e in ledgered(body, ref)] == [
        [e[f] for f in fields] for e in body["ledger"]
    ]
    return [e["action"] for e in body["ledger"]]


async def claim_ledger(http, claim_ref: str, last: str) -> list[dict[str, Any]]:
    """The claim's ledger once its last entry is `last` (the register trails the workflow)."""

    async def complete():
        ledger = (await http.get(f"/claims/{claim_ref}/history", headers=auth("supervisor"))).json()["ledger"]
        assert ledger and ledger[-1]["action"] == last, [e["action"] for e in ledger]
        return ledger

    return await assert_eventually(complete)


async def code_and_close(http, claim_ref: str, close: dict) -> dict:
    """A claim that paid damages is clinically coded before it closes (code_claim, then close)."""
    await ok(http, claim_ref, "code_claim", SAMPLES["code_claim"])
    return await ok(http, claim_ref, "close", close)
