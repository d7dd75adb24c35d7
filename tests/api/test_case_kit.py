"""What the case kit gives every case kind, shown on a resolution summit (opened through the API):
one effect per Idempotency-Key under concurrent retries, a reused key refused, clear 4xx answers."""

from __future__ import annotations

import asyncio

from tests.helpers import assert_eventually, auth, key

PREFIX = "/resolution-summits"
OPENING = {
    "claimant_firm_id": "SRA-100200",
    "claimant_firm_name": "Example & Co LLP",
    "proposed_on": "2026-11-01",
    "format": "remote",
    "handler": "hana.handler",
}


async def _open(http) -> str:
    response = await http.post(PREFIX, json=OPENING, headers=auth("handler") | {"Idempotency-Key": key()})
    assert response.status_code == 201, response.text
    return response.json()["state"]["ref"]


async def test_the_same_key_sent_ten_times_at_once_has_one_effect(fairway):
    http = fairway.http
    ref = await _open(http)
    same = auth("handler") | {"Idempotency-Key": key()}
    responses = await asyncio.gather(
        *(http.post(f"{PREFIX}/{ref}/add-note", json={"text": "once"}, headers=same) for _ in range(10))
    )
    assert [r.status_code for r in responses] == [200] * 10
    assert {r.json()["applied"]["seq"] for r in responses} == {2}
    live = (await http.get(f"{PREFIX}/{ref}", headers=auth("supervisor"))).json()["state"]
    assert [n["text"] for n in live["notes"]] == ["once"] and live["seq"] == 2

    other_body = await http.post(f"{PREFIX}/{ref}/add-note", json={"text": "twice"}, headers=same)
    assert (other_body.status_code, other_body.json()["code"]) == (409, "request_id_reused")

    async def one_ledger_entry():
        history = (await http.get(f"{PREFIX}/{ref}/history", headers=auth("supervisor"))).json()
        assert [e["action"] for e in history["ledger"]] == ["open_summit", "add_note"]

    await assert_eventually(one_ledger_entry)


async def test_bad_requests_get_a_clear_4xx_and_change_nothing(fairway):
    http = fairway.http
    ref = await _open(http)
    headers = auth("handler") | {"Idempotency-Key": key()}
    unknown = await http.post(f"{PREFIX}/SUM-AAAAAAAAAAAA/add-note", json={"text": "x"}, headers=headers)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "resolution_summit_not_found")
    shapeless = await http.post(f"{PREFIX}/{ref}/add-note", json={"text": ""}, headers=headers)
    assert (shapeless.status_code, shapeless.json()["code"]) == (422, "invalid_request")
    waiver = {"deadline": "nothing_due", "reason": "x"}
    wrong_role = await http.post(f"{PREFIX}/{ref}/waive-deadline", json=waiver, headers=headers)
    assert (wrong_role.status_code, wrong_role.json()["code"]) == (403, "forbidden")
    refused = await http.post(
        f"{PREFIX}/{ref}/waive-deadline", json=waiver, headers=auth("supervisor") | {"Idempotency-Key": key()}
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "unknown_deadline")
    assert refused.json()["details"]["stage"] == "planned"
    live = (await http.get(f"{PREFIX}/{ref}", headers=auth("supervisor"))).json()["state"]
    assert live["seq"] == 1 and live["notes"] == []
