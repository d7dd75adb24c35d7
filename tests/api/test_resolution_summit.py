"""Resolution summits through the HTTP API: one meeting with one claimant firm about many claims."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from models import deadline_policies
from models.claims import ClaimStage
from models.register import CaseRow, ClaimRow, EscalationRow
from tests.claim_paths import ROUTES, SAMPLES
from tests.conftest import TEST_POLICY, running_fairway
from tests.helpers import assert_eventually, auth, key, ledgered, ok, open_claim
from tests.route_helpers import code_and_close

FIRM = {"firm_id": "SRA-500600", "name": "Summit & Partners LLP"}
OTHER_FIRM = {"firm_id": "SRA-999000", "name": "Elsewhere Solicitors"}


def today() -> str:
    return datetime.now(ZoneInfo("Europe/London")).date().isoformat()


def terms(general: str) -> dict:
    return {
        "agreed_on": today(),
        "general_damages": general,
        "special_damages": "20000.00",
        "future_losses": "10000.00",
        "claimant_costs": "25000.00",
    }


async def summit_act(http, ref: str, action: str, body: dict, who: str = "handler"):
    headers = auth(who) | {"Idempotency-Key": key()}
    return await http.post(
        f"/resolution-summits/{ref}/{action.replace('_', '-')}", json=body, headers=headers
    )


async def summit_ok(http, ref: str, action: str, body: dict, who: str = "handler") -> dict:
    response = await summit_act(http, ref, action, body, who)
    assert response.status_code == 200, response.text
    return response.json()


async def open_summit(http, firm: dict = FIRM, **overrides) -> dict:
    body = {
        "claimant_firm_id": firm["firm_id"],
        "claimant_firm_name": firm["name"],
        "proposed_on": today(),
        "format": "remote",
        "handler": "hana.handler",
    } | overrides
    response = await http.post(
        "/resolution-summits", json=body, headers=auth("handler") | {"Idempotency-Key": key()}
    )
    assert response.status_code == 201, response.text
    return response.json()


async def claim_at(http, stage: ClaimStage, firm: dict = FIRM) -> str:
    ref = (await open_claim(http, claimant_firm=firm))["state"]["ref"]
    for action in ROUTES[stage]:
        await ok(http, ref, action, SAMPLES[action])
    return ref


async def read_claim(http, ref: str) -> dict:
    response = await http.get(f"/claims/{ref}", headers=auth("handler"))
    assert response.status_code == 200, response.text
    return response.json()


async def claim_reaches(http, ref: str, stage: str) -> dict:
    async def reached():
        claim = (await read_claim(http, ref))["state"]
        assert claim["stage"] == stage, claim["stage"]
        return claim

    return await assert_eventually(reached)


async def test_summit_settles_two_claims_and_returns_one(fairway):
    http = fairway.http
    a = await claim_at(http, ClaimStage.LETTER_OF_RESPONSE_SENT)
    b = await claim_at(http, ClaimStage.LETTER_OF_RESPONSE_SENT)
    c = await claim_at(http, ClaimStage.NEGOTIATING)
    d = await claim_at(http, ClaimStage.LETTER_OF_RESPONSE_SENT)
    elsewhere = await claim_at(http, ClaimStage.LETTER_OF_RESPONSE_SENT, firm=OTHER_FIRM)

    opened = await open_summit(http)
    ref = opened["state"]["ref"]
    assert ref.startswith("SUM-") and opened["state"]["stage"] == "planned"
    assert "add_claim" in opened["allowed_actions"]

    for claim_ref in (a, b, c, d):
        added = await summit_ok(http, ref, "add_claim", {"claim_ref": claim_ref})
    state = added["state"]
    assert [x["ref"] for x in state["claims"]] == [a, b, c, d]
    # A retried request (same Idempotency-Key) has one effect, here and on the claim.
    retry_key = key()
    for _ in range(2):
        headers = auth("handler") | {"Idempotency-Key": retry_key}
        note = await http.post(
            f"/resolution-summits/{ref}/add-note", json={"text": "firm agreed"}, headers=headers
        )
        assert note.status_code == 200, note.text
    retried = await http.post(
        f"/resolution-summits/{ref}/add-claim",
        json={"claim_ref": d},
        headers=auth("handler") | {"Idempotency-Key": retry_key},
    )
    assert retried.status_code == 409 and retried.json()["code"] == "request_id_reused"
    assert len((await read_claim(http, d))["state"]["routes"]) == 1
    due = state["deadlines"][f"valuation_due_{a}"]
    assert due["rule"] == "summit_valuation_due" and due["status"] == "open"
    expected = (datetime.fromisoformat(today()) + timedelta(days=14)).date().isoformat()
    assert due["due_on"] == expected and "unconfirmed" in due["basis"]
    joined = (await read_claim(http, a))["state"]
    assert joined["stage"] == "in_resolution_summit"
    assert [(r["ref"], r["kind"]) for r in joined["routes"]] == [(ref, "resolution_summit")]

    # A claim of another firm is refused with the claim's own reason, and nothing changes.
    refused = await summit_act(http, ref, "add_claim", {"claim_ref": elsewhere})
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "claimant_firm_mismatch"
    state = (await http.get(f"/resolution-summits/{ref}", headers=auth("handler"))).json()["state"]
    assert elsewhere not in [x["ref"] for x in state["claims"]]
    assert f"valuation_due_{elsewhere}" not in state["deadlines"]
    assert (await read_claim(http, elsewhere))["state"]["stage"] == "letter_of_response_sent"

    # A claim already in this summit, or in another one, is refused.
    again = await summit_act(http, ref, "add_claim", {"claim_ref": a})
    assert (again.status_code, again.json()["code"]) == (409, "claim_already_in_summit")
    other = (await open_summit(http))["state"]["ref"]
    taken = await summit_act(http, other, "add_claim", {"claim_ref": a})
    # The claim itself refuses, with its own reason.
    assert (taken.status_code, taken.json()["code"]) == (409, "already_in_summit")
    assert taken.json()["details"]["stage"] == "planned" and a in taken.json()["message"]

    await summit_ok(http, ref, "schedule_summit", {"summit_on": today(), "venue": ""})

    # One claim is taken out before the summit: it goes back where it was, free to join another.
    removed = await summit_ok(http, ref, "remove_claim", {"claim_ref": d, "reason": "liability disputed"})
    assert removed["state"]["deadlines"][f"valuation_due_{d}"]["status"] == "waived"
    await claim_reaches(http, d, "letter_of_response_sent")
    await summit_ok(http, other, "add_claim", {"claim_ref": d})
    await claim_reaches(http, d, "in_resolution_summit")
    cancelled = await summit_ok(http, other, "cancel_summit", {"reason": "firm asked to postpone"})
    assert cancelled["state"]["stage"] == "cancelled"
    await claim_reaches(http, d, "letter_of_response_sent")

    for claim_ref, damages in ((a, "80000.00"), (b, "120000.00"), (c, "60000.00")):
        valued = {"claim_ref": claim_ref, "valued_on": today(), "damages": damages}
        state = (await summit_ok(http, ref, "record_valuation", valued))["state"]
        assert state["deadlines"][f"valuation_due_{claim_ref}"]["status"] == "met"

    held = await summit_ok(http, ref, "record_summit_held", {"held_on": today()})
    assert held["state"]["stage"] == "held"
    late = await summit_act(http, ref, "remove_claim", {"claim_ref": a, "reason": "too late"})
    assert (late.status_code, late.json()["code"]) == (409, "action_not_allowed")
    no_terms = await summit_act(http, ref, "record_claim_outcome", {"claim_ref": a, "result": "settled"})
    assert (no_terms.status_code, no_terms.json()["code"]) == (409, "terms_mismatch")

    settled_a = {"claim_ref": a, "result": "settled", "settlement": terms("100000.00")}
    state = (await summit_ok(http, ref, "record_claim_outcome", settled_a))["state"]
    assert state["stage"] == "held", "the summit waits for every claim's outcome"
    assert (await read_claim(http, a))["state"]["stage"] == "in_resolution_summit"
    twice = await summit_act(http, ref, "record_claim_outcome", settled_a)
    assert (twice.status_code, twice.json()["code"]) == (409, "outcome_already_recorded")
    settled_b = {"claim_ref": b, "result": "settled", "settlement": terms("150000.00")}
    await summit_ok(http, ref, "record_claim_outcome", settled_b)
    not_settled = {"claim_ref": c, "result": "not_settled", "notes": "quantum too far apart"}
    concluded = await summit_ok(http, ref, "record_claim_outcome", not_settled)
    assert concluded["state"]["stage"] == "concluded"
    assert concluded["state"]["outcome"] == "settled_some"
    assert concluded["allowed_actions"] == ["add_note"]
    assert all(x["told_at"] for x in concluded["state"]["claims"] if x["removed_at"] is None)

    # Each claim moves on by itself: the settled ones to settlement, the other back to choose again.
    for claim_ref, general in ((a, "100000.00"), (b, "150000.00")):
        claim = await claim_reaches(http, claim_ref, "settled")
        assert claim["settlement"]["general_damages"] == general
        assert claim["routes"][-1]["outcome"]["result"] == "settled"
    returned = await claim_reaches(http, c, "negotiating")
    assert returned["routes"][-1]["outcome"]["result"] == "not_settled"
    assert "propose_mediation" in (await read_claim(http, c))["allowed_actions"]

    payment = {
        "paid_on": today(),
        "amount": "130000.00",
        "payee": "claimant_solicitors",
        "reference": "PAY-S1",
    }
    await ok(http, a, "record_payment", payment)
    closed = await code_and_close(http, a, {"outcome": "settled_with_damages"})
    assert closed["state"]["stage"] == "closed"

    def register():
        with fairway.sessions() as session:
            row = session.get(CaseRow, ref)
            assert row is not None and row.stage == "concluded" and row.kind == "resolution_summit"
            assert row.outcome == "settled_some" and row.closed_at is not None
            assert row.facts["claim_refs"] == [a, b, c] and row.facts["removed_refs"] == [d]
            assert row.facts["results"] == {a: "settled", b: "settled", c: "not_settled"}
            assert row.facts["claimant_firm_id"] == FIRM["firm_id"]
            claims = {
                r.ref: r for r in session.scalars(select(ClaimRow).where(ClaimRow.ref.in_([a, b, c, d])))
            }
            assert set(claims) == {a, b, c, d}, "every claim's row is in the register"
            assert (claims[a].stage, claims[a].outcome) == ("closed", "settled_with_damages")
            assert claims[b].stage == "settled"
            assert claims[c].stage == "negotiating"
            assert claims[d].stage == "letter_of_response_sent"
            assert session.get(CaseRow, other).stage == "cancelled"

    await assert_eventually(register)

    async def history():
        body = (await http.get(f"/resolution-summits/{ref}/history", headers=auth("supervisor"))).json()
        ledger = [e["action"] for e in body["ledger"]]
        assert ledger == [
            "open_summit",
            *["add_claim"] * 4,
            "add_note",
            "schedule_summit",
            "remove_claim",
            *["record_valuation"] * 3,
            "record_summit_held",
            *["record_claim_outcome"] * 3,
        ]
        assert [e["action"] for e in ledgered(body, ref)] == ledger
        assert body["ledger"][-1]["stage_after"] == "concluded"

    await assert_eventually(history)


async def test_summit_refusals_change_nothing(fairway):
    http = fairway.http
    ref = (await open_summit(http))["state"]["ref"]
    past = (datetime.fromisoformat(today()) - timedelta(days=1)).date().isoformat()
    early = await summit_act(http, ref, "schedule_summit", {"summit_on": past})
    assert (early.status_code, early.json()["code"]) == (409, "date_in_past")
    await summit_ok(http, ref, "schedule_summit", {"summit_on": today()})
    empty = await summit_act(http, ref, "record_summit_held", {"held_on": today()})
    assert (empty.status_code, empty.json()["code"]) == (409, "no_claims_in_summit")
    unknown = await summit_act(http, ref, "add_claim", {"claim_ref": "CLM-NOSUCHCLAIM"})
    assert (unknown.status_code, unknown.json()["code"]) == (409, "claim_not_found")
    notified = (await open_claim(http, claimant_firm=FIRM))["state"]["ref"]
    too_soon = await summit_act(http, ref, "add_claim", {"claim_ref": notified})
    assert too_soon.status_code == 409, too_soon.text
    absent = await summit_act(http, ref, "remove_claim", {"claim_ref": notified, "reason": "x"})
    assert (absent.status_code, absent.json()["code"]) == (409, "no_claims_in_summit")
    auditor = await summit_act(http, ref, "cancel_summit", {"reason": "x"}, who="auditor")
    assert auditor.status_code == 403
    state = (await http.get(f"/resolution-summits/{ref}", headers=auth("auditor"))).json()["state"]
    assert state["claims"] == [] and state["deadlines"] == {} and state["stage"] == "scheduled"


async def test_each_claims_valuation_has_its_own_deadline_and_ladder(client, sqlite_sessions):
    """Many deadlines share the one `summit_valuation_due` rule; an unmet one escalates alone."""
    short = TEST_POLICY.model_copy(update={"deadlines": deadline_policies.short(seconds=3, warn_before=1.5)})
    async with running_fairway(client, sqlite_sessions, policy=short) as fairway:
        http = fairway.http
        a = await claim_at(http, ClaimStage.LETTER_OF_RESPONSE_SENT)
        b = await claim_at(http, ClaimStage.LETTER_OF_RESPONSE_SENT)
        ref = (await open_summit(http))["state"]["ref"]
        await summit_ok(http, ref, "add_claim", {"claim_ref": a})
        await summit_ok(http, ref, "add_claim", {"claim_ref": b})
        valued = {"claim_ref": a, "valued_on": today(), "damages": "50000.00"}
        await summit_ok(http, ref, "record_valuation", valued)

        def escalated():
            with fairway.sessions() as session:
                rows = session.scalars(select(EscalationRow).where(EscalationRow.case_ref == ref)).all()
                assert sorted((r.deadline, r.step) for r in rows) == [
                    (f"valuation_due_{b}", "head_of_service"),
                    (f"valuation_due_{b}", "supervisor"),
                    (f"valuation_due_{b}", "warning"),
                ]
                row = session.get(CaseRow, ref)
                assert row.overdue and row.facts["valued"] == 1

        await assert_eventually(escalated)
        state = (await http.get(f"/resolution-summits/{ref}", headers=auth("handler"))).json()["state"]
        assert state["deadlines"][f"valuation_due_{a}"]["status"] == "met"
        assert state["deadlines"][f"valuation_due_{b}"]["status"] == "missed"


async def test_a_retried_opening_finds_the_same_summit_even_after_it_ended(fairway):
    http, idempotency_key = fairway.http, key()
    body = {
        "claimant_firm_id": FIRM["firm_id"],
        "claimant_firm_name": FIRM["name"],
        "proposed_on": today(),
        "format": "remote",
        "handler": "hana.handler",
    }
    headers = auth("handler") | {"Idempotency-Key": idempotency_key}
    first = await http.post("/resolution-summits", json=body, headers=headers)
    assert first.status_code == 201, first.text
    ref = first.json()["state"]["ref"]
    again = await http.post("/resolution-summits", json=body, headers=headers)
    assert (again.status_code, again.json()["state"]["ref"]) == (200, ref)
    await summit_ok(http, ref, "cancel_summit", {"reason": "the firm withdrew"})
    handle = fairway.client.get_workflow_handle(f"resolution_summit-{ref}")

    async def ended():
        assert (await handle.describe()).status.name == "COMPLETED"

    await assert_eventually(ended)
    late = await http.post("/resolution-summits", json=body, headers=headers)
    assert (late.status_code, late.json()["state"]["stage"]) == (200, "cancelled")
    runs = [w async for w in fairway.client.list_workflows(f"WorkflowId = 'resolution_summit-{ref}'")]
    assert len(runs) == 1, "an ended case is never started again under its reference"
