"""Open, note, reassign and close a claim through HTTP; every refusal changes nothing."""

from __future__ import annotations

from sqlalchemy import select

from models import search_attributes
from models.register import ClaimRow, LedgerRow
from tests.helpers import act, assert_eventually, auth, key, ledgered, ok, open_claim, opening


def _row(fairway, ref: str) -> ClaimRow | None:
    with fairway.sessions() as session:
        return session.get(ClaimRow, ref)


def _ledger(fairway, ref: str) -> list[LedgerRow]:
    with fairway.sessions() as session:
        return list(
            session.scalars(select(LedgerRow).where(LedgerRow.case_ref == ref).order_by(LedgerRow.seq))
        )


async def test_open_note_reassign_close(fairway):
    http = fairway.http
    opened = await open_claim(http)
    ref = opened["state"]["ref"]
    assert ref.startswith("CLM-")
    assert opened["state"]["stage"] == "notified"
    assert "add_note" in opened["allowed_actions"] and "reassign" not in opened["allowed_actions"]

    noted = await ok(http, ref, "add_note", {"text": "Records requested from the trust."})
    assert noted["state"]["notes"][0]["text"] == "Records requested from the trust."
    assert noted["state"]["notes"][0]["author"] == "hana.handler"
    applied = {k: v for k, v in noted["applied"].items() if k not in ("payload_digest", "actor_id")}
    assert applied == {
        "seq": 2,
        "action": "add_note",
        "request_id": noted["applied"]["request_id"],
        "stage_before": "notified",
        "stage_after": "notified",
        "duplicate": False,
    }

    moved = await ok(
        http, ref, "reassign", {"handler": "harry.handler", "reason": "caseload"}, who="supervisor"
    )
    assert moved["state"]["owner"] == "harry.handler"
    assert "reassign" in moved["allowed_actions"]

    closed = await ok(
        http, ref, "close", {"outcome": "withdrawn", "summary": "claimant withdrew"}, who="handler2"
    )
    assert closed["state"]["stage"] == "closed" and closed["state"]["outcome"] == "withdrawn"

    live = (await http.get(f"/claims/{ref}", headers=auth("auditor"))).json()
    for deadline in live["state"]["deadlines"].values():
        assert deadline["changes"], "a read carries each deadline's history"
        deadline["changes"] = []  # an action's answer leaves the logs out
    for state in (live["state"], closed["state"]):
        state.pop("version")  # counts register writes, which may have happened since
    assert live["state"] == closed["state"] and closed["notes_total"] == 1
    assert live["allowed_actions"] == []  # an auditor only reads

    def projected():
        row = _row(fairway, ref)
        assert row is not None and row.seq == 4
        return row

    row = await assert_eventually(projected)
    assert (row.stage, row.handler, row.outcome, row.claimant_firm_id) == (
        "closed",
        "harry.handler",
        "withdrawn",
        "SRA-100200",
    )
    assert row.closed_at is not None and row.closed_at.tzinfo is not None

    timeline = (await http.get(f"/claims/{ref}/history", headers=auth("supervisor"))).json()
    own = ledgered(timeline, ref)
    actions = [(e["seq"], e["action"], e["actor_id"]) for e in own]
    assert actions == [
        (1, "open_claim", "hana.handler"),
        (2, "add_note", "hana.handler"),
        (3, "reassign", "sam.supervisor"),
        (4, "close", "harry.handler"),
    ]
    assert own[2]["payload"] == {"handler": "harry.handler", "reason": "caseload"}
    ledger = [(e["seq"], e["action"], e["actor_id"]) for e in timeline["ledger"]]
    assert ledger == actions, "the ledger and Temporal's history agree"
    assert [e["request_id"] for e in timeline["ledger"]] == [e["request_id"] for e in own]
    assert (
        timeline["ledger"][3]["stage_before"] == "notified"
        and timeline["ledger"][3]["stage_after"] == "closed"
    )


async def test_list_filters_and_pages(fairway):
    http = fairway.http
    firm = f"SRA-{key()[:8]}"
    refs = []
    for scheme in ["CNST", "CNST", "CNSGP"]:
        body = await open_claim(http, scheme=scheme, claimant_firm={"firm_id": firm, "name": "Firm"})
        refs.append(body["state"]["ref"])
    await ok(http, refs[0], "reassign", {"handler": "harry.handler"}, who="supervisor")

    async def listed(**params):
        response = await http.get(
            "/claims", params={"claimant_firm": firm, **params}, headers=auth("supervisor")
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def all_projected():
        page = await listed()
        assert page["total"] == 3
        assert {i["handler"] for i in page["items"]} == {"hana.handler", "harry.handler"}

    await assert_eventually(all_projected)
    assert (await listed(scheme="CNSGP"))["total"] == 1
    assert [i["ref"] for i in (await listed(handler="harry.handler"))["items"]] == [refs[0]]
    assert (await listed(stage="notified"))["total"] == 3
    first, second = await listed(limit=2), await listed(limit=2, offset=2)
    assert len(first["items"]) == 2 and len(second["items"]) == 1
    assert {i["ref"] for i in first["items"] + second["items"]} == set(refs)
    bad = await http.get("/claims", params={"stage": "nowhere"}, headers=auth("supervisor"))
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_request"


async def _snapshot(fairway, ref: str) -> tuple:
    live = (await fairway.http.get(f"/claims/{ref}", headers=auth("supervisor"))).json()
    history = (await fairway.http.get(f"/claims/{ref}/history", headers=auth("supervisor"))).json()
    return live["state"], ledgered(history, ref)


async def test_refusals_change_nothing(fairway):
    http = fairway.http
    ref = (await open_claim(http))["state"]["ref"]
    await ok(http, ref, "add_note", {"text": "first"})

    async def projected():  # the note's projection (the case's second) is part of "before"
        snapshot = await _snapshot(fairway, ref)
        assert snapshot[0]["version"] == 2
        return snapshot

    before = await assert_eventually(projected)

    no_token = await http.post(f"/claims/{ref}/add-note", json={"text": "x"})
    assert no_token.status_code == 401 and no_token.json()["code"] == "unauthenticated"
    bad_token = await http.post(
        f"/claims/{ref}/add-note", json={"text": "x"}, headers={"Authorization": "Bearer nope"}
    )
    assert bad_token.status_code == 401

    auditor = await act(http, ref, "add_note", {"text": "x"}, who="auditor")
    assert auditor.status_code == 403 and auditor.json()["code"] == "forbidden"
    handler_reassigns = await act(http, ref, "reassign", {"handler": "harry.handler"}, who="handler")
    assert handler_reassigns.status_code == 403

    unknown = await act(http, "CLM-AAAAAAAAAAAA", "add_note", {"text": "x"})
    assert unknown.status_code == 404 and unknown.json()["code"] == "claim_not_found"
    unknown_read = await http.get("/claims/CLM-AAAAAAAAAAAA", headers=auth("handler"))
    assert unknown_read.status_code == 404

    wrong_stage = await act(http, ref, "reopen", {"reason": "x"}, who="supervisor")
    assert wrong_stage.status_code == 409
    body = wrong_stage.json()
    assert body["code"] == "action_not_allowed"
    assert body["details"]["stage"] == "notified" and "add_note" in body["details"]["allowed_actions"]
    same_handler = await act(http, ref, "reassign", {"handler": "hana.handler"}, who="supervisor")
    assert same_handler.status_code == 409 and same_handler.json()["code"] == "same_handler"

    malformed = await act(http, ref, "add_note", {"text": ""})
    assert malformed.status_code == 422 and malformed.json()["code"] == "invalid_request"
    not_json = await http.post(
        f"/claims/{ref}/add-note",
        content=b"{not json",
        headers=auth("handler") | {"Content-Type": "application/json"},
    )
    assert (not_json.status_code, not_json.json()["code"]) == (400, "invalid_json")
    bad_outcome = await act(http, ref, "close", {"outcome": "vanished"})
    assert bad_outcome.status_code == 422 and bad_outcome.json()["details"][0]["loc"][-1] == "outcome"

    assert await _snapshot(fairway, ref) == before


async def test_opening_refusals(fairway):
    http = fairway.http
    bad_dates = await http.post(
        "/claims",
        json=opening(incident_date="2024-03-01", date_of_knowledge="2023-01-01"),
        headers=auth("handler"),
    )
    assert bad_dates.status_code == 409 and bad_dates.json()["code"] == "dates_out_of_order"
    unknown_scheme = await http.post("/claims", json=opening(scheme="NOPE"), headers=auth("handler"))
    assert unknown_scheme.status_code == 422
    unknown_handler = await http.post("/claims", json=opening(handler="nobody"), headers=auth("handler"))
    assert unknown_handler.status_code == 409 and unknown_handler.json()["code"] == "unknown_handler"
    auditor = await http.post("/claims", json=opening(), headers=auth("auditor"))
    assert auditor.status_code == 403


async def test_open_is_idempotent(fairway):
    http = fairway.http
    headers = auth("handler") | {"Idempotency-Key": key()}
    first = await http.post("/claims", json=opening(), headers=headers)
    again = await http.post("/claims", json=opening(), headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["state"]["ref"] == again.json()["state"]["ref"]
    assert again.json()["applied"]["duplicate"] is True
    different = await http.post("/claims", json=opening(specialty="surgery"), headers=headers)
    assert different.status_code == 409 and different.json()["code"] == "request_id_reused"


async def test_search_attributes_carry_references_only(fairway):
    http = fairway.http
    ref = (await open_claim(http))["state"]["ref"]
    await ok(http, ref, "reassign", {"handler": "harry.handler"}, who="supervisor")
    handle = fairway.client.get_workflow_handle(f"claim-{ref}")

    async def upserted():
        described = await handle.describe()
        ours = {key.name for key in search_attributes.ALL}
        attrs = {p.key.name: p.value for p in described.typed_search_attributes if p.key.name in ours}
        assert attrs["Handler"] == "harry.handler"
        assert "NextDeadline" in attrs, "set with the claim's first projection"
        return attrs

    attrs = await assert_eventually(upserted)
    live = (await http.get(f"/claims/{ref}", headers=auth("supervisor"))).json()["state"]
    assert attrs.pop("NextDeadline").isoformat() == live["next_deadline_at"].replace("Z", "+00:00")
    assert attrs.pop("Overdue") is False
    assert attrs == {
        "CaseKind": "claim",
        "Stage": "notified",
        "Handler": "harry.handler",
        "Scheme": "CNST",
        "ClaimantFirm": "SRA-100200",
    }
    found = [
        w.id
        async for w in fairway.client.list_workflows(
            "ClaimantFirm = 'SRA-100200' AND Handler = 'harry.handler'"
        )
    ]
    assert f"claim-{ref}" in found
