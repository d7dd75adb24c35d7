"""Mediation through the HTTP API against the real dev server, from the claim that proposes it."""

from __future__ import annotations

from models.claims import ClaimStage
from models.register import CaseRow, ClaimRouteRow, ClaimRow
from tests.claim_paths import SAMPLES
from tests.helpers import act, assert_eventually, ok
from tests.route_helpers import (
    claim_at,
    claim_ledger,
    code_and_close,
    read_claim,
    read_route,
    route_act,
    route_history,
    route_ok,
)

PREFIX = "/mediations"

SETTLEMENT = {
    "agreed_on": "2026-11-12",
    "general_damages": "70000.00",
    "special_damages": "20000.00",
    "future_losses": "0.00",
    "claimant_costs": "25000.00",
}
APPOINT = {"provider": "CEDR", "mediator": "A. Mediator", "appointed_on": "2026-10-01", "format": "in_person"}
FIX_DATE = {
    "mediation_on": "2026-11-10",
    "position_statements_due_on": "2026-11-03",
    "bundle_due_on": "2026-11-05",
    "venue": "CEDR, London",
}


async def propose(http, claim_ref: str, proposed_by: str = "claimant") -> str:
    body = {
        "proposed_by": proposed_by,
        "proposed_on": "2026-09-25",
        "format": "remote",
        "reason": "quantum gap",
    }
    claim = (await ok(http, claim_ref, "propose_mediation", body))["state"]
    route = claim["routes"][-1]
    assert (route["kind"], route["ended_at"]) == ("mediation", None)
    return route["ref"]


async def to_scheduled(http, ref: str) -> dict:
    """Accepted, mediator appointed, date fixed: the papers' deadlines are in the book."""
    accepted = await route_ok(
        http, PREFIX, ref, "accept_mediation", {"accepted_on": "2026-09-29", "accepted_by": "defendant"}
    )
    assert accepted["state"]["deadlines"]["mediation_reply_due"]["status"] == "met"
    await route_ok(http, PREFIX, ref, "appoint_mediator", APPOINT)
    scheduled = await route_ok(http, PREFIX, ref, "fix_mediation_date", FIX_DATE)
    deadlines = scheduled["state"]["deadlines"]
    assert deadlines["position_statements_due"]["due_on"] == "2026-11-03"
    assert deadlines["mediation_bundle_due"]["due_on"] == "2026-11-05"
    assert scheduled["state"]["stage"] == "scheduled"
    return scheduled


async def claim_stage(http, claim_ref: str, stage: str) -> dict:
    async def moved():
        claim = await read_claim(http, claim_ref)
        assert claim["stage"] == stage, claim["stage"]
        return claim

    return await assert_eventually(moved)


async def pay_and_close(http, claim_ref: str, amount: str) -> dict:
    await ok(
        http,
        claim_ref,
        "record_payment",
        SAMPLES["record_payment"] | {"amount": amount, "paid_on": "2026-11-23"},
    )
    closed = await code_and_close(
        http, claim_ref, {"outcome": "settled_with_damages", "summary": "settled at mediation"}
    )
    assert (closed["state"]["stage"], closed["state"]["outcome"]) == ("closed", "settled_with_damages")
    return closed


async def test_claim_settles_on_the_day_is_paid_and_closed(fairway):
    http = fairway.http
    claim_ref = await claim_at(http, ClaimStage.LETTER_OF_RESPONSE_SENT)
    ref = await propose(http, claim_ref)
    assert ref == f"{claim_ref}-MED1"
    assert (await read_claim(http, claim_ref))["stage"] == "in_mediation"
    state = await read_route(http, PREFIX, ref)
    assert (state["stage"], state["claim_ref"], state["mediation"]["proposed_by"]) == (
        "proposed",
        claim_ref,
        "claimant",
    )
    reply = state["deadlines"]["mediation_reply_due"]
    # Dated in the past (the samples' dates), so missed as soon as its ladder has run.
    assert (reply["due_on"], reply["status"] in ("open", "missed")) == ("2026-10-23", True), (
        "our reply: 28 days from the proposal"
    )

    await to_scheduled(http, ref)
    await route_ok(
        http, PREFIX, ref, "serve_position_statement", {"served_on": "2026-11-02", "by": "defendant"}
    )
    lodged = await route_ok(http, PREFIX, ref, "lodge_bundle", {"served_on": "2026-11-04", "by": "defendant"})
    assert lodged["state"]["deadlines"]["mediation_bundle_due"]["met_on"] == "2026-11-04"
    early = await route_act(
        http, PREFIX, ref, "record_mediation_settled", {"held_on": "2026-11-09", "settlement": SETTLEMENT}
    )
    assert early.status_code == 409 and early.json()["code"] == "before_mediation_date"
    settled = await route_ok(
        http, PREFIX, ref, "record_mediation_settled", {"held_on": "2026-11-10", "settlement": SETTLEMENT}
    )
    state = settled["state"]
    assert (state["stage"], state["outcome"], state["mediation"]["settled_on_day"]) == (
        "settled",
        "settled_on_day",
        True,
    )
    assert state["route_outcome"]["settlement"]["general_damages"] == "70000.00"

    claim = await claim_stage(http, claim_ref, "settled")
    assert claim["settlement"]["claimant_costs"] == "25000.00"
    [route] = claim["routes"]
    assert (route["stage"], route["outcome"]["result"], route["outcome"]["reason"]) == (
        "settled",
        "settled",
        "settled_on_day",
    )
    await pay_and_close(http, claim_ref, "115000.00")

    assert await route_history(http, PREFIX, ref, 7) == [
        "propose_mediation",
        "accept_mediation",
        "appoint_mediator",
        "fix_mediation_date",
        "serve_position_statement",
        "lodge_bundle",
        "record_mediation_settled",
    ]
    ledger = await claim_ledger(http, claim_ref, "close")
    assert [e["action"] for e in ledger][-5:] == [
        "propose_mediation",
        "route_ended",
        "record_payment",
        "code_claim",
        "close",
    ]
    assert (ledger[-4]["stage_before"], ledger[-4]["stage_after"]) == ("in_mediation", "settled")

    def registered():
        with fairway.sessions() as session:
            row = session.get(CaseRow, ref)
            assert (row.kind, row.parent_ref, row.stage, row.outcome) == (
                "mediation",
                claim_ref,
                "settled",
                "settled_on_day",
            )
            assert row.facts["result"] == "settled" and row.next_deadline_at is None
            claim_row = session.get(ClaimRow, claim_ref)
            assert (claim_row.stage, claim_row.outcome) == ("closed", "settled_with_damages")
            # The claim's routes, for its trust's scorecard: the mediation and how it ended.
            route = session.get(ClaimRouteRow, (claim_ref, ref))
            assert (route.kind, route.result) == ("mediation", "settled") and route.ended_at is not None

    await assert_eventually(registered)


async def test_a_refusal_is_kept_with_its_reason_and_the_claim_chooses_again(fairway):
    http = fairway.http
    claim_ref = await claim_at(http, ClaimStage.LETTER_OF_RESPONSE_SENT)
    ref = await propose(http, claim_ref, proposed_by="defendant")
    state = await read_route(http, PREFIX, ref)
    assert "mediation_reply_due" not in state["deadlines"], "our own proposal waits on the claimant"
    no_reason = await route_act(
        http,
        PREFIX,
        ref,
        "refuse_mediation",
        {"refused_on": "2026-10-01", "refused_by": "claimant", "reason": ""},
    )
    assert no_reason.status_code == 422
    refused = await route_ok(
        http,
        PREFIX,
        ref,
        "refuse_mediation",
        {"refused_on": "2026-10-01", "refused_by": "claimant", "reason": "liability must be decided first"},
    )
    state = refused["state"]
    assert (state["stage"], state["mediation"]["refusal_reason"]) == (
        "declined",
        "liability must be decided first",
    )
    assert state["route_outcome"]["result"] == "declined"

    claim = await claim_stage(http, claim_ref, "letter_of_response_sent")
    [route] = claim["routes"]
    assert route["outcome"] == {
        "result": "declined",
        "reason": "refused by claimant: liability must be decided first",
        "settlement": None,
    }
    assert route["ended_at"] is not None
    ledger = await claim_ledger(http, claim_ref, "route_ended")
    assert ledger[-1]["summary"]["reason"] == "refused by claimant: liability must be decided first"
    assert await route_history(http, PREFIX, ref, 2) == ["propose_mediation", "refuse_mediation"]


async def test_not_settled_on_the_day_then_settled_within_28_days(fairway):
    http = fairway.http
    claim_ref = await claim_at(http, ClaimStage.LETTER_OF_RESPONSE_SENT)
    ref = await propose(http, claim_ref)
    await read_route(http, PREFIX, ref)
    await to_scheduled(http, ref)
    held = await route_ok(
        http, PREFIX, ref, "record_mediation_not_settled", {"held_on": "2026-11-10", "notes": "gap of £20k"}
    )
    state = held["state"]
    assert (state["stage"], state["mediation"]["settled_on_day"]) == ("not_settled_on_day", False)
    check = state["deadlines"]["mediation_settlement_check_due"]
    assert (check["due_on"], check["status"]) == ("2026-12-08", "open"), "checked again 28 days later"
    assert state["deadlines"]["position_statements_due"]["status"] == "waived"
    assert (await claim_stage(http, claim_ref, "in_mediation"))["routes"][0]["stage"] == "not_settled_on_day"

    later = await route_ok(
        http,
        PREFIX,
        ref,
        "record_settlement_after_mediation",
        {"settlement": SETTLEMENT | {"agreed_on": "2026-11-20"}},
    )
    state = later["state"]
    assert (state["stage"], state["outcome"]) == ("settled", "settled_after_mediation")
    assert state["mediation"]["settled_within_28_days"] is True, "the measure the service reports"
    assert state["deadlines"]["mediation_settlement_check_due"]["status"] == "met"
    claim = await claim_stage(http, claim_ref, "settled")
    assert claim["settlement"]["agreed_on"] == "2026-11-20"
    await pay_and_close(http, claim_ref, "115000.00")


async def test_a_second_concurrent_mediation_is_refused(fairway):
    http = fairway.http
    claim_ref = await claim_at(http, ClaimStage.LETTER_OF_RESPONSE_SENT)
    ref = await propose(http, claim_ref)
    second = await act(
        http, claim_ref, "propose_mediation", {"proposed_by": "defendant", "proposed_on": "2026-10-01"}
    )
    assert second.status_code == 409
    body = second.json()
    assert body["code"] in {"action_not_allowed", "route_already_active"}, body
    evaluation = await act(http, claim_ref, "agree_early_neutral_evaluation", {"agreed_on": "2026-10-01"})
    assert evaluation.status_code == 409, "one ADR route at a time"
    claim = await read_claim(http, claim_ref)
    assert [r["ref"] for r in claim["routes"]] == [ref]


LITIGATION = "/litigation"


async def test_mediation_fails_litigation_starts_then_a_second_mediation_settles_during_a_stay(fairway):
    http = fairway.http
    claim_ref = await claim_at(http, ClaimStage.LETTER_OF_RESPONSE_SENT)

    first = await propose(http, claim_ref)
    await read_route(http, PREFIX, first)
    await to_scheduled(http, first)
    await route_ok(http, PREFIX, first, "record_mediation_not_settled", {"held_on": "2026-11-10"})
    failed = await route_ok(
        http,
        PREFIX,
        first,
        "record_no_settlement",
        {"checked_on": "2026-11-12", "reason": "too far apart on care"},
    )
    assert failed["state"]["mediation"]["settled_within_28_days"] is False
    await claim_stage(http, claim_ref, "letter_of_response_sent")

    issued = {"issued_on": "2026-11-16", "court": "High Court, KBD", "claim_number": "KB-2026-001234"}
    claim = (await ok(http, claim_ref, "record_proceedings_issued", issued))["state"]
    assert claim["stage"] == "in_litigation"
    litigation = claim["routes"][-1]["ref"]
    assert litigation == f"{claim_ref}-LIT1"
    await read_route(http, LITIGATION, litigation)
    unstayed = await act(
        http, claim_ref, "propose_mediation", {"proposed_by": "defendant", "proposed_on": "2026-11-17"}
    )
    assert unstayed.status_code == 409 and unstayed.json()["code"] == "litigation_not_stayed"

    stay = {"stayed_on": "2026-11-18", "reason": "stayed for mediation (CPR 3.1(2)(f))"}
    stayed = await route_ok(http, LITIGATION, litigation, "stay_proceedings", stay)
    assert stayed["state"]["stayed"] is True

    async def claim_sees_the_stay():
        route = (await read_claim(http, claim_ref))["routes"][-1]
        assert (route["ref"], route["stayed"]) == (litigation, True)

    await assert_eventually(claim_sees_the_stay)
    second = await propose(http, claim_ref, proposed_by="defendant")
    assert second == f"{claim_ref}-MED2"
    assert (await read_claim(http, claim_ref))["stage"] == "in_litigation", (
        "ADR during a stay keeps the claim in litigation"
    )
    await read_route(http, PREFIX, second)
    await route_ok(
        http, PREFIX, second, "accept_mediation", {"accepted_on": "2026-11-19", "accepted_by": "claimant"}
    )
    await route_ok(http, PREFIX, second, "appoint_mediator", APPOINT | {"appointed_on": "2026-11-19"})
    day = {
        "mediation_on": "2026-11-23",
        "position_statements_due_on": "2026-11-20",
        "bundle_due_on": "2026-11-21",
    }
    await route_ok(http, PREFIX, second, "fix_mediation_date", day)
    terms = SETTLEMENT | {"agreed_on": "2026-11-23"}
    await route_ok(
        http, PREFIX, second, "record_mediation_settled", {"held_on": "2026-11-23", "settlement": terms}
    )

    claim = await claim_stage(http, claim_ref, "settled")
    assert claim["settlement"]["agreed_on"] == "2026-11-23"
    # The settled proceedings end by consent order; the claim only closes their record.
    ended = await route_ok(
        http, LITIGATION, litigation, "record_consent_order", {"sealed_on": "2026-11-24", "settlement": terms}
    )
    assert ended["state"]["stage"] == "settled"

    async def every_route_ended():
        claim = await read_claim(http, claim_ref)
        routes = [(r["ref"], r["kind"], r["outcome"] and r["outcome"]["result"]) for r in claim["routes"]]
        assert routes == [
            (first, "mediation", "not_settled"),
            (litigation, "litigation", "settled"),
            (second, "mediation", "settled"),
        ]
        assert claim["stage"] == "settled"

    await assert_eventually(every_route_ended)
    await pay_and_close(http, claim_ref, "115000.00")
    ledger = await claim_ledger(http, claim_ref, "close")
    ended_routes = [e["summary"]["route_ref"] for e in ledger if e["action"] == "route_ended"]
    assert ended_routes == [first, second, litigation]
