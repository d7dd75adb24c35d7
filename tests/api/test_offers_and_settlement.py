"""Part 36 offers, settlement approval for a child or protected party, payments and stock-takes,
through the HTTP API against the real dev server."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from activities import calendar
from activities.payments import PaymentActivities
from models.claims import PaymentRecord
from models.register import PaymentRow
from tests.claim_paths import SAMPLES
from tests.conftest import running_fairway
from tests.helpers import act, assert_eventually, auth, key, ok, open_claim
from tests.route_helpers import code_and_close
from tests.workflows.test_deadlines import SHORT
from workflows.clock import london_date

TO_RESPONSE = ["receive_letter_of_claim", "acknowledge_letter_of_claim", "open_investigation"]
CHILD = {"claimant": {"name": "Sam Young", "date_of_birth": "2015-06-01", "protected_party": False}}


def today() -> date:
    return london_date(datetime.now(UTC))


def business_day(on: date | None = None) -> date:
    """The latest business day on or before `on` (today): an offer emailed then is made that day."""
    on = on or today()
    while not calendar.is_business_day(on):
        on -= timedelta(days=1)
    return on


def offer(by: str, amount: str, sent_on: date | str, part_36: bool = True, **more) -> dict:
    """Emailed as `sent_on` began in London (so never in the future, whatever the hour the test
    runs): made that day if a business day (CPR 6.26, 36.7)."""
    day = date.fromisoformat(str(sent_on))
    sent_at = datetime.combine(day, time(0, 0), tzinfo=ZoneInfo("Europe/London")).isoformat()
    return {"by": by, "amount": amount, "part_36": part_36, "sent_at": sent_at, "method": "email"} | more


async def _responded(http, sent_on: date | str = "2026-07-15", **opening) -> str:
    ref = (await open_claim(http, **opening))["state"]["ref"]
    for action in TO_RESPONSE:
        await ok(http, ref, action, SAMPLES[action])
    await ok(
        http, ref, "send_letter_of_response", SAMPLES["send_letter_of_response"] | {"sent_on": str(sent_on)}
    )
    return ref


async def _claim(http, ref: str) -> dict:
    return (await http.get(f"/claims/{ref}", headers=auth("handler"))).json()["state"]


@pytest.fixture
async def short_fairway(client, sqlite_sessions):
    async with running_fairway(client, sqlite_sessions, policy=SHORT) as fairway:
        yield fairway


async def test_a_part_36_offer_expires_stays_open_and_once_accepted_settles(short_fairway):
    http = short_fairway.http
    ref = await _responded(http)
    short = await act(
        http, ref, "make_offer", offer("defendant", "150000.00", business_day(), relevant_period_days=14)
    )
    assert short.status_code == 409 and short.json()["code"] == "relevant_period_too_short"
    assert short.json()["details"]["stage"] == "letter_of_response_sent"

    made = await ok(http, ref, "make_offer", offer("defendant", "150000.00", business_day()))
    period = made["state"]["deadlines"]["part_36_relevant_period_offer_1"]
    assert (period["rule"], period["kind"], period["trigger"]) == (
        "part_36_relevant_period",
        "court",
        "make_offer",
    )
    assert "CPR 36.5" in period["basis"]
    assert made["state"]["offers"][0]["relevant_period_expired"] is False

    async def expired():  # three seconds under the short policy
        claim = await _claim(http, ref)
        assert claim["offers"][0]["relevant_period_expired"] is True
        return claim

    claim = await assert_eventually(expired)
    assert claim["offers"][0]["status"] == "open", "a Part 36 offer stays open after its period (CPR 36.11)"
    assert claim["deadlines"]["part_36_relevant_period_offer_1"]["status"] == "waived"

    accepted = await ok(http, ref, "accept_offer", {"offer_no": 1, "accepted_on": str(today())})
    assert accepted["state"]["stage"] == "offer_accepted"
    settlement = SAMPLES["record_settlement"] | {
        "agreed_on": str(today()),
        "general_damages": "100000.00",
        "special_damages": "30000.00",
        "future_losses": "20000.00",
    }
    settled = await ok(http, ref, "record_settlement", settlement)
    assert settled["state"]["stage"] == "settled"
    assert settled["state"]["settlement"]["approval"] is None, "an adult's settlement needs no approval"


async def test_withdrawal_waits_for_the_relevant_period_and_then_bars_acceptance(short_fairway):
    http = short_fairway.http
    ref = await _responded(http)
    await ok(http, ref, "make_offer", offer("claimant", "250000.00", business_day()))
    await ok(http, ref, "make_offer", offer("defendant", "120000.00", business_day(), responds_to=1))
    pending = await ok(http, ref, "withdraw_offer", {"offer_no": 2, "withdrawn_on": str(today())})
    assert pending["state"]["offers"][1]["status"] == "withdrawal_pending"
    twice = await act(http, ref, "withdraw_offer", {"offer_no": 2, "withdrawn_on": str(today())})
    assert twice.status_code == 409 and twice.json()["code"] == "offer_not_open"

    async def withdrawn():
        claim = await _claim(http, ref)
        assert claim["offers"][1]["status"] == "withdrawn" and claim["offers"][1]["relevant_period_expired"]
        return claim

    claim = await assert_eventually(withdrawn)
    assert claim["offers"][1]["closed_on"] == claim["offers"][1]["relevant_period_ends_on"]
    refused = await act(http, ref, "accept_offer", {"offer_no": 2, "accepted_on": str(today())})
    assert refused.status_code == 409 and refused.json()["code"] == "offer_not_open"
    assert "withdrawn" in refused.json()["message"]
    assert refused.json()["details"]["stage"] == "negotiating"


async def test_acceptance_within_the_relevant_period_beats_a_pending_withdrawal(fairway):
    http = fairway.http
    ref = await _responded(http)
    await ok(http, ref, "make_offer", offer("defendant", "120000.00", business_day()))
    period = (await _claim(http, ref))["deadlines"]["part_36_relevant_period_offer_1"]
    assert period["due_on"] == str(business_day() + timedelta(days=21))
    pending = await ok(http, ref, "withdraw_offer", {"offer_no": 1, "withdrawn_on": str(today())})
    assert pending["state"]["offers"][0]["status"] == "withdrawal_pending"
    assert pending["state"]["offers"][0]["withdrawal_notice_on"] == str(today())
    accepted = await ok(http, ref, "accept_offer", {"offer_no": 1, "accepted_on": str(today())})
    first = accepted["state"]["offers"][0]
    assert (first["status"], first["closed_on"]) == ("accepted", str(today()))
    assert accepted["state"]["deadlines"]["part_36_relevant_period_offer_1"]["status"] == "met"
    again = await act(http, ref, "withdraw_offer", {"offer_no": 1, "withdrawn_on": str(today())})
    assert again.status_code == 409, "an accepted offer cannot be withdrawn"


async def test_a_withdrawn_offer_cannot_be_accepted(fairway):
    http = fairway.http
    ref = await _responded(http)
    # Made long ago: its relevant period has run, so withdrawal takes effect at once.
    await ok(http, ref, "make_offer", offer("defendant", "120000.00", "2026-08-10"))
    await assert_eventually(lambda: _expired_first_offer(http, ref))
    withdrawn = await ok(http, ref, "withdraw_offer", {"offer_no": 1, "withdrawn_on": "2026-09-10"})
    assert withdrawn["state"]["offers"][0]["status"] == "withdrawn"
    refused = await act(http, ref, "accept_offer", {"offer_no": 1, "accepted_on": "2026-09-11"})
    assert refused.status_code == 409 and refused.json()["code"] == "offer_not_open"
    ordinary = await ok(http, ref, "make_offer", offer("claimant", "90000.00", "2026-09-12", part_36=False))
    assert ordinary["state"]["offers"][1]["relevant_period_days"] is None
    assert "part_36_relevant_period_offer_2" not in ordinary["state"]["deadlines"]


async def _expired_first_offer(http, ref: str) -> None:
    claim = await _claim(http, ref)
    assert claim["offers"][0]["relevant_period_expired"] is True


async def test_changes_and_clarification_follow_part_36(fairway):
    http = fairway.http
    ref = await _responded(http)
    made_on = business_day(today() - timedelta(days=2))
    await ok(http, ref, "make_offer", offer("defendant", "100000.00", made_on))
    await ok(http, ref, "make_offer", offer("claimant", "300000.00", made_on, part_36=False))

    asked = {"offer_no": 1, "requested_on": str(today()), "question": "Is interest included?"}
    requested = await ok(http, ref, "request_offer_clarification", asked)
    # CPR 36.8(2): the offeror has 7 days from the request to clarify its offer.
    assert requested["deadline_changes"] == [
        {
            "name": "part_36_clarification_due_offer_1",
            "previous_due_on": None,
            "due_on": str(today() + timedelta(days=7)),
        }
    ]
    awaited = requested["state"]["deadlines"]["part_36_clarification_due_offer_1"]
    assert (awaited["kind"], awaited["basis"].startswith("CPR 36.8(2)")) == ("court", True)
    late = await act(
        http, ref, "request_offer_clarification", asked | {"requested_on": str(made_on + timedelta(days=8))}
    )
    assert late.status_code == 409 and late.json()["code"] in ("clarification_too_late", "date_in_future")
    ordinary = await act(http, ref, "request_offer_clarification", asked | {"offer_no": 2})
    assert ordinary.status_code == 409 and ordinary.json()["code"] == "not_part_36"
    answer = {"offer_no": 1, "answer": "Yes.", "clarified_on": str(today())}
    clarified = await ok(http, ref, "clarify_offer", answer)
    assert clarified["state"]["offers"][0]["clarifications"][0]["answer"] == "Yes."
    assert clarified["state"]["deadlines"]["part_36_clarification_due_offer_1"]["status"] == "met"
    nothing_asked = await act(http, ref, "clarify_offer", answer)
    assert nothing_asked.status_code == 409 and nothing_asked.json()["code"] == "no_clarification_requested"

    better = await ok(
        http, ref, "change_offer", {"offer_no": 1, "amount": "110000.00", "changed_on": str(today())}
    )
    improved = better["state"]["offers"][0]
    assert (improved["amount"], improved["status"]) == ("110000.00", "open")
    period = better["state"]["deadlines"]["part_36_relevant_period_offer_1"]
    assert (period["revision"], period["trigger"], period["due_on"]) == (
        2,
        "change_offer",
        str(today() + timedelta(days=21)),
    ), "better terms start a new relevant period"
    worse = await ok(
        http, ref, "change_offer", {"offer_no": 1, "amount": "90000.00", "changed_on": str(today())}
    )
    assert worse["state"]["offers"][0]["status"] == "change_pending"
    assert worse["state"]["offers"][0]["amount"] == "110000.00", "worse terms wait for the period to end"
    same = await act(http, ref, "change_offer", {"offer_no": 2, "amount": "1.00", "changed_on": str(today())})
    assert same.status_code == 409 and same.json()["code"] == "not_part_36"

    accepted = await ok(http, ref, "accept_offer", {"offer_no": 1, "accepted_on": str(today())})
    first = accepted["state"]["offers"][0]
    assert (first["status"], first["amount"]) == ("accepted", "110000.00")
    changed = await act(
        http, ref, "change_offer", {"offer_no": 1, "amount": "1.00", "changed_on": str(today())}
    )
    assert changed.status_code == 409, "an accepted offer cannot be changed"


async def test_offers_open_on_a_date(fairway):
    http = fairway.http
    ref = await _responded(http)
    await ok(http, ref, "make_offer", offer("claimant", "250000.00", "2026-08-10", part_36=False))
    second = offer("defendant", "150000.00", "2026-08-15", part_36=False)  # emailed on a Saturday
    made = (await ok(http, ref, "make_offer", second))["state"]["offers"][1]
    assert (made["made_on"], made["method"]) == ("2026-08-17", "email"), "made when deemed served (CPR 6.26)"
    await ok(http, ref, "withdraw_offer", {"offer_no": 1, "withdrawn_on": "2026-08-20"})

    async def open_on(on: str) -> list[int]:
        response = await http.get(f"/claims/{ref}/offers", params={"on": on}, headers=auth("auditor"))
        assert response.status_code == 200, response.text
        return response.json()["open_offers"]

    assert await open_on("2026-08-01") == []
    assert await open_on("2026-08-12") == [1]
    assert await open_on("2026-08-20") == [1, 2]
    assert await open_on("2026-08-21") == [2]
    listed = (await http.get(f"/claims/{ref}/offers", headers=auth("handler"))).json()
    assert listed["on"] == str(today()) and [o["offer"]["status"] for o in listed["offers"]] == [
        "withdrawn",
        "open",
    ]
    bad = await http.get(f"/claims/{ref}/offers", params={"on": "not-a-date"}, headers=auth("handler"))
    assert bad.status_code == 422


def _payments(sessions, ref: str) -> list[tuple[str, str, str]]:
    with sessions() as session:
        rows = session.scalars(select(PaymentRow).where(PaymentRow.claim_ref == ref).order_by(PaymentRow.id))
        return [(r.reference, r.kind, f"{r.amount:.2f}") for r in rows]


async def test_a_childs_settlement_waits_for_the_court_then_pays_and_closes(fairway):
    http = fairway.http
    ref = await _responded(http, **CHILD)
    interim = {"paid_on": "2026-07-20", "amount": "20000.00", "payee": "claimant_solicitors"}
    interim |= {"reference": "INT-1", "kind": "interim"}
    unapproved = await act(http, ref, "record_payment", interim)
    assert unapproved.status_code == 409 and unapproved.json()["code"] == "court_approval_required"
    lump_sum_first = await act(http, ref, "record_payment", interim | {"kind": "lump_sum"})
    assert lump_sum_first.status_code == 409 and lump_sum_first.json()["code"] == "not_settled"
    paid_interim = await ok(http, ref, "record_payment", interim | {"court_approval_reference": "K00CL1-IP"})
    assert paid_interim["state"]["stage"] == "letter_of_response_sent", "an interim payment moves no stage"

    settlement = {
        "agreed_on": "2026-08-25",
        "general_damages": "100000.00",
        "special_damages": "20000.00",
        "future_losses": "80000.00",
        "claimant_costs": "30000.00",
        "lump_sum": "150000.00",
        "periodical_payments": {
            "annual_amount": "10000.00",
            "indexation": "ASHE 6115",
            "starts_on": "2027-01-01",
        },
    }
    no_lump_sum = await act(http, ref, "record_settlement", settlement | {"lump_sum": None})
    assert (no_lump_sum.status_code, no_lump_sum.json()["code"]) == (409, "lump_sum_missing")
    waiting = await ok(http, ref, "record_settlement", settlement)
    assert waiting["state"]["stage"] == "awaiting_approval"
    assert "record_payment" not in waiting["allowed_actions"]
    payment = {"paid_on": "2026-09-10", "amount": "130000.00", "payee": "claimant", "reference": "PAY-1"}
    early_payment = await act(http, ref, "record_payment", payment)
    assert early_payment.status_code == 409 and early_payment.json()["code"] == "action_not_allowed"
    assert "awaiting_approval" in early_payment.json()["message"]
    early_close = await act(http, ref, "close", {"outcome": "settled_with_damages"})
    assert early_close.status_code == 409 and early_close.json()["code"] == "awaiting_court_approval"
    assert early_close.json()["details"]["stage"] == "awaiting_approval"

    decision = {
        "decided_on": "2026-09-01",
        "court": "County Court at Central London",
        "order_reference": "K00CL1",
    }
    refused = await ok(http, ref, "record_court_approval", decision | {"approved": False})
    claim = refused["state"]
    assert (claim["stage"], claim["settlement"]) == ("negotiating", None)
    assert claim["refused_settlements"][0]["approval"]["approved"] is False
    await ok(http, ref, "record_settlement", settlement | {"agreed_on": "2026-09-05"})
    approved = await ok(
        http, ref, "record_court_approval", decision | {"approved": True, "decided_on": "2026-09-08"}
    )
    assert approved["state"]["stage"] == "settled"
    assert approved["state"]["settlement"]["approval"]["order_reference"] == "K00CL1"

    too_much = await act(http, ref, "record_payment", payment | {"amount": "160000.01"})
    assert too_much.status_code == 409 and too_much.json()["code"] == "overpayment"
    same_key = key()
    first = await act(http, ref, "record_payment", payment, idempotency_key=same_key)
    retried = await act(http, ref, "record_payment", payment, idempotency_key=same_key)
    assert first.status_code == retried.status_code == 200
    assert retried.json()["applied"]["seq"] == first.json()["applied"]["seq"]
    reused = await act(http, ref, "record_payment", payment | {"amount": "1.00"})
    assert reused.status_code == 409 and reused.json()["code"] == "duplicate_payment_reference"
    costs = {
        "paid_on": "2026-09-10",
        "amount": "30000.00",
        "payee": "claimant_solicitors",
        "reference": "PAY-2",
    }
    paid = await ok(http, ref, "record_payment", costs | {"kind": "costs"})
    assert paid["state"]["stage"] == "paid"
    yearly = {"paid_on": "2026-09-30", "amount": "10000.00", "payee": "claimant", "reference": "PPO-2027"}
    annual = await ok(http, ref, "record_payment", yearly | {"kind": "periodical"})
    assert annual["state"]["stage"] == "paid", "periodical payments run on outside the lump sum"
    closed = await code_and_close(http, ref, {"outcome": "settled_with_damages"})
    assert closed["state"]["stage"] == "closed"

    expected = [
        ("INT-1", "interim", "20000.00"),
        ("PAY-1", "lump_sum", "130000.00"),
        ("PAY-2", "costs", "30000.00"),
        ("PPO-2027", "periodical", "10000.00"),
    ]
    assert _payments(fairway.sessions, ref) == expected
    # A retried activity writes nothing twice: the row is keyed on claim and reference.
    record = PaymentRecord.model_validate(
        {
            "claim_ref": ref,
            "payment": paid["state"]["payments"][1],
            "recorded_by": "hana.handler",
            "recorded_at": datetime.now(UTC),
        }
    )
    PaymentActivities(fairway.sessions).record_payment(record)
    assert _payments(fairway.sessions, ref) == expected


async def test_a_periodical_payment_needs_an_order(fairway):
    http = fairway.http
    ref = await _responded(http)
    await ok(http, ref, "record_settlement", SAMPLES["record_settlement"])
    yearly = {"paid_on": "2026-09-10", "amount": "10000.00", "payee": "claimant", "reference": "PPO-1"}
    refused = await act(http, ref, "record_payment", yearly | {"kind": "periodical"})
    assert refused.status_code == 409 and refused.json()["code"] == "no_periodical_payment_order"
    wrong_kind = await act(http, ref, "record_payment", yearly | {"kind": "gift"})
    assert wrong_kind.status_code == 422


async def test_a_stocktake_is_due_on_reaching_a_stocktake_stage(fairway):
    http = fairway.http
    ref = await _responded(http, sent_on=today())
    due = (await _claim(http, ref))["deadlines"]["stocktake_due_letter_of_response_sent"]
    assert (due["rule"], due["kind"], due["status"]) == ("stocktake_due", "service", "open")
    assert "unconfirmed" in due["basis"]
    free_text = await act(http, ref, "hold_stocktake", {"held_on": str(today()), "outcome": "talked"})
    assert free_text.status_code == 422
    held = await ok(
        http,
        ref,
        "hold_stocktake",
        {"held_on": str(today()), "outcome": "escalated", "notes": "to panel counsel"},
    )
    assert held["state"]["stocktakes"] == [
        {"held_on": str(today()), "outcome": "escalated", "notes": "to panel counsel"}
    ]
    met = held["state"]["deadlines"]["stocktake_due_letter_of_response_sent"]
    assert (met["status"], met["met_on"]) == ("met", str(today()))


async def test_a_settlement_lapses_the_offers_still_open_and_stops_their_reminders(fairway):
    http = fairway.http
    ref = await _responded(http)
    await ok(http, ref, "make_offer", offer("claimant", "300000.00", business_day()))
    await ok(http, ref, "make_offer", offer("defendant", "200000.00", business_day()))
    settled = await ok(
        http, ref, "record_settlement", SAMPLES["record_settlement"] | {"agreed_on": str(today())}
    )
    claim = settled["state"]
    assert claim["stage"] == "settled"
    assert [(o["no"], o["status"], o["closed_on"]) for o in claim["offers"]] == [
        (1, "lapsed", str(today())),
        (2, "lapsed", str(today())),
    ]
    periods = [d for name, d in claim["deadlines"].items() if name.startswith("part_36_relevant_period")]
    assert len(periods) == 2 and {d["status"] for d in periods} == {"waived"}
