"""The claim lifecycle under the Pre-Action Protocol, through the HTTP API."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from models.register import ClaimRow, LedgerRow
from tests.claim_paths import SAMPLES
from tests.conftest import TEST_POLICY, running_fairway
from tests.helpers import act, assert_eventually, auth, key, ledgered, ok, open_claim
from tests.route_helpers import code_and_close


async def _history(fairway, ref: str, entries: int) -> dict:
    async def complete():
        body = (await fairway.http.get(f"/claims/{ref}/history", headers=auth("supervisor"))).json()
        assert len(body["ledger"]) == entries
        return body

    return await assert_eventually(complete)


def _agree(history: dict) -> list[str]:
    own = ledgered(history, history["ref"])
    temporal = [(e["seq"], e["action"], e["actor_id"], e["request_id"]) for e in own]
    ledger = [(e["seq"], e["action"], e["actor_id"], e["request_id"]) for e in history["ledger"]]
    assert temporal == ledger
    return [e[1] for e in ledger]


async def test_protocol_path_to_settlement_payment_and_closure(fairway):
    http = fairway.http
    ref = (await open_claim(http))["state"]["ref"]

    records = await ok(http, ref, "request_health_records", {"requested_on": "2026-01-05"})
    due = records["state"]["deadlines"]["health_records_due"]
    assert due["due_on"] == "2026-02-14"  # PAP: 40 days
    assert due["flags"] == ["ends_on_non_business_day"], (
        "a protocol period ending on a Saturday is flagged, not moved"
    )
    assert "PAP" in due["basis"] and due["kind"] == "protocol"
    supplied = await ok(http, ref, "supply_health_records", {"supplied_on": "2026-02-10"})
    met = supplied["state"]["deadlines"]["health_records_due"]
    assert (met["status"], met["met_on"]) == ("met", "2026-02-10")

    lon = await ok(http, ref, "receive_letter_of_notification", {"received_on": "2026-02-20"})
    assert lon["state"]["deadlines"]["letter_of_notification_acknowledgment_due"]["due_on"] == "2026-03-06"
    await ok(http, ref, "acknowledge_letter_of_notification", {"sent_on": "2026-03-02"})

    loc = await ok(http, ref, "receive_letter_of_claim", {"received_on": "2026-03-31"})
    due = loc["state"]["deadlines"]
    assert due["letter_of_claim_acknowledgment_due"]["due_on"] == "2026-04-14"  # 14 days
    assert due["letter_of_response_due"]["due_on"] == "2026-07-31"  # 4 calendar months
    await ok(http, ref, "acknowledge_letter_of_claim", {"sent_on": "2026-04-10"})

    investigating = await ok(http, ref, "open_investigation", SAMPLES["open_investigation"])
    assert investigating["state"]["stage"] == "investigating"
    assert [e["discipline"] for e in investigating["state"]["experts"]] == ["obstetrics", "neonatology"]
    extended = await ok(http, ref, "extend_response_period", SAMPLES["extend_response_period"])
    assert extended["state"]["deadlines"]["letter_of_response_due"]["due_on"] == "2026-09-30"
    assert extended["state"]["deadlines"]["letter_of_response_due"]["status"] == "extended"
    assert extended["deadline_changes"] == [
        {"name": "letter_of_response_due", "previous_due_on": "2026-07-31", "due_on": "2026-09-30"}
    ]
    shorter = await act(
        http,
        ref,
        "extend_response_period",
        SAMPLES["extend_response_period"] | {"new_due_date": "2026-08-01"},
    )
    assert shorter.status_code == 409 and shorter.json()["code"] == "extension_not_later"
    standstill = await ok(http, ref, "record_standstill_agreement", SAMPLES["record_standstill_agreement"])
    assert standstill["state"]["standstill_until"] == "2027-12-31"

    response = await ok(
        http,
        ref,
        "send_letter_of_response",
        {"sent_on": "2026-07-15", "liability": "admitted", "apology_given": True},
    )
    claim = response["state"]
    assert (claim["stage"], claim["liability"], claim["apology_given"]) == (
        "letter_of_response_sent",
        "admitted",
        True,
    )
    assert claim["deadlines"]["letter_of_response_due"]["met_on"] == "2026-07-15"
    await ok(http, ref, "hold_stocktake", SAMPLES["hold_stocktake"])

    first = await ok(http, ref, "make_offer", SAMPLES["make_offer"])
    assert first["state"]["stage"] == "negotiating"
    counter = {
        "by": "defendant",
        "amount": "180000.00",
        "heads_of_loss": ["pain", "care"],
        "part_36": False,
        "sent_at": "2026-08-12T10:00:00+01:00",
        "method": "email",
        "responds_to": 1,
    }
    countered = await ok(http, ref, "make_offer", counter)
    offers = countered["state"]["offers"]
    assert offers[0]["status"] == "open", "a counter-offer does not reject a Part 36 offer"
    answer = {
        "by": "claimant",
        "amount": "220000.00",
        "part_36": False,
        "sent_at": "2026-08-14T12:00:00+01:00",  # a Friday, by post: made on Tuesday 18 August
        "method": "first_class_post",
        "responds_to": 2,
    }
    answered = await ok(http, ref, "make_offer", answer)
    assert answered["state"]["offers"][1]["status"] == "lapsed", "a counter-offer rejects an ordinary offer"
    accepted = await ok(http, ref, "accept_offer", {"offer_no": 3, "accepted_on": "2026-08-25"})
    assert [o["status"] for o in accepted["state"]["offers"]] == ["lapsed", "lapsed", "accepted"]
    assert accepted["state"]["stage"] == "offer_accepted"
    assert accepted["allowed_actions"] == [  # not close: the settlement is still to be paid
        "add_note",
        "extend_deadline",
        "put_on_hold",
        "record_settlement",
        "code_claim",
        "correct_date",
    ]

    mismatch = await act(http, ref, "record_settlement", SAMPLES["record_settlement"])
    assert mismatch.status_code == 409 and mismatch.json()["code"] == "settlement_differs_from_offer"
    settlement = {
        "agreed_on": "2026-08-25",
        "general_damages": "120000.00",
        "special_damages": "60000.00",
        "future_losses": "40000.00",
        "claimant_costs": "35000.00",
    }
    settled = await ok(http, ref, "record_settlement", settlement)
    assert settled["state"]["stage"] == "settled"
    too_much = await act(http, ref, "record_payment", SAMPLES["record_payment"] | {"amount": "255000.01"})
    assert too_much.status_code == 409 and too_much.json()["code"] == "overpayment"
    unpaid_close = await act(http, ref, "close", {"outcome": "settled_with_damages"})
    assert unpaid_close.status_code == 409 and unpaid_close.json()["code"] == "payment_outstanding"
    await ok(
        http, ref, "record_payment", SAMPLES["record_payment"] | {"amount": "220000.00", "payee": "claimant"}
    )
    paid = await ok(
        http, ref, "record_payment", SAMPLES["record_payment"] | {"amount": "35000.00", "reference": "PAY-2"}
    )
    assert paid["state"]["stage"] == "paid" and len(paid["state"]["payments"]) == 2
    wrong_outcome = await act(http, ref, "close", {"outcome": "withdrawn"})
    assert wrong_outcome.status_code == 409 and wrong_outcome.json()["code"] == "outcome_mismatch"
    uncoded = await act(http, ref, "close", {"outcome": "settled_with_damages"})
    assert (uncoded.status_code, uncoded.json()["code"]) == (409, "claim_not_coded"), uncoded.text
    closed = await code_and_close(
        http, ref, {"outcome": "settled_with_damages", "summary": "settled at £220k"}
    )
    assert (closed["state"]["stage"], closed["state"]["outcome"]) == ("closed", "settled_with_damages")

    history = await _history(fairway, ref, 21)
    assert _agree(history) == [
        "open_claim",
        "request_health_records",
        "supply_health_records",
        "receive_letter_of_notification",
        "acknowledge_letter_of_notification",
        "receive_letter_of_claim",
        "acknowledge_letter_of_claim",
        "open_investigation",
        "extend_response_period",
        "record_standstill_agreement",
        "send_letter_of_response",
        "hold_stocktake",
        "make_offer",
        "make_offer",
        "make_offer",
        "accept_offer",
        "record_settlement",
        "record_payment",
        "record_payment",
        "code_claim",
        "close",
    ]
    stages = [(e["action"], e["stage_before"], e["stage_after"]) for e in history["ledger"]]
    assert ("accept_offer", "negotiating", "offer_accepted") in stages
    assert ("close", "paid", "closed") in stages
    with fairway.sessions() as session:
        row = session.get(ClaimRow, ref)
        assert (row.stage, row.outcome) == ("closed", "settled_with_damages")


async def test_denied_claim_closed_after_the_claimant_withdraws(fairway):
    http = fairway.http
    ref = (await open_claim(http))["state"]["ref"]
    for action in ["receive_letter_of_claim", "acknowledge_letter_of_claim", "open_investigation"]:
        await ok(http, ref, action, SAMPLES[action])
    denied = await ok(
        http,
        ref,
        "send_letter_of_response",
        {
            "sent_on": "2026-07-15",
            "liability": "denied",
            "expert_disciplines_relied_on": ["obstetrics", "neonatology"],
        },
    )
    assert denied["state"]["liability"] == "denied"
    closed = await ok(
        http, ref, "close", {"outcome": "withdrawn", "summary": "claimant discontinued after the denial"}
    )
    assert closed["state"]["outcome"] == "withdrawn"
    history = await _history(fairway, ref, 6)
    assert _agree(history)[-2:] == ["send_letter_of_response", "close"]
    assert history["ledger"][-2]["summary"]["expert_disciplines_relied_on"] == ["obstetrics", "neonatology"]


async def test_a_closed_claim_is_reopened_by_a_supervisor(fairway):
    http = fairway.http
    ref = (await open_claim(http))["state"]["ref"]
    for action in ["receive_letter_of_claim", "acknowledge_letter_of_claim"]:
        await ok(http, ref, action, SAMPLES[action])
    await ok(http, ref, "close", {"outcome": "closed_without_payment"})
    by_handler = await act(http, ref, "reopen", SAMPLES["reopen"])
    assert by_handler.status_code == 403
    reopened = await ok(http, ref, "reopen", SAMPLES["reopen"], who="supervisor")
    claim = reopened["state"]
    assert (claim["stage"], claim["outcome"], claim["closed_at"]) == (
        "letter_of_claim_acknowledged",
        None,
        None,
    )
    assert "open_investigation" in reopened["allowed_actions"]
    await ok(http, ref, "open_investigation", SAMPLES["open_investigation"])


async def test_a_claim_closed_past_its_reopen_window_is_reopened_in_a_new_run(client, sqlite_sessions):
    short = TEST_POLICY.model_copy(update={"reopen_window_seconds": 1})
    async with running_fairway(client, sqlite_sessions, policy=short) as fairway:
        http = fairway.http
        ref = (await open_claim(http))["state"]["ref"]
        note_key = key()
        first = await act(http, ref, "add_note", {"text": "before closure"}, idempotency_key=note_key)
        await ok(http, ref, "close", {"outcome": "withdrawn"})
        handle = client.get_workflow_handle(f"claim-{ref}")
        await asyncio.wait_for(handle.result(), timeout=30)  # the run ends after the window

        late_note = await act(http, ref, "add_note", {"text": "too late"})
        assert late_note.status_code == 409 and late_note.json()["code"] == "case_ended"
        reopened = await ok(http, ref, "reopen", SAMPLES["reopen"], who="supervisor")
        assert reopened["state"]["stage"] == "notified"
        assert [n["text"] for n in reopened["state"]["notes"]] == ["before closure"]
        await ok(http, ref, "add_note", {"text": "after reopening"})
        # The new run carries the old one's recent requests: a late retry still has one effect.
        retried = await act(http, ref, "add_note", {"text": "before closure"}, idempotency_key=note_key)
        assert retried.json()["applied"] == first.json()["applied"] | {"duplicate": True}
        history = await _history(fairway, ref, 5)
        assert _agree(history) == ["open_claim", "add_note", "close", "reopen", "add_note"]


async def test_the_same_idempotency_key_ten_times_at_once_has_one_effect(fairway):
    http = fairway.http
    ref = (await open_claim(http))["state"]["ref"]
    same = key()
    responses = await asyncio.gather(
        *(act(http, ref, "add_note", {"text": "sent ten times"}, idempotency_key=same) for _ in range(10))
    )
    assert [r.status_code for r in responses] == [200] * 10, [r.text for r in responses]
    seqs = {r.json()["applied"]["seq"] for r in responses}
    assert seqs == {2}
    live = (await http.get(f"/claims/{ref}", headers=auth("handler"))).json()
    assert [n["text"] for n in live["state"]["notes"]] == ["sent ten times"]
    history = await _history(fairway, ref, 2)
    assert _agree(history) == ["open_claim", "add_note"]
    with fairway.sessions() as session:
        rows = session.scalars(select(LedgerRow).where(LedgerRow.case_ref == ref)).all()
        assert len(rows) == 2
    other_action = await act(http, ref, "put_on_hold", SAMPLES["put_on_hold"], idempotency_key=same)
    assert other_action.status_code == 409 and other_action.json()["code"] == "request_id_reused"
    other_body = await act(http, ref, "add_note", {"text": "a different note"}, idempotency_key=same)
    assert other_body.status_code == 409 and other_body.json()["code"] == "request_id_reused"
    reassign_to_auditor = await act(http, ref, "reassign", {"handler": "ada.auditor"}, who="supervisor")
    assert reassign_to_auditor.status_code == 409 and reassign_to_auditor.json()["code"] == "unknown_handler"
