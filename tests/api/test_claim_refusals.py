"""Actions outside their stages are refused end to end, and each refusal leaves state, ledger and
history unchanged; a hold blocks progress but not notes; step-specific refusals reach the client.

Every row's refusal at every stage outside its stages is tried without a server, in milliseconds,
by tests/workflows/test_claim_pathway.py; here a few representative stages (the opening, a route
running, a settlement awaiting payment, closed) check the same through the API, the workflow's
validator and the register."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from models.claims import ClaimStage, ClaimState
from models.common import Role
from tests.claim_paths import OPENINGS, ROUTES, SAMPLES
from tests.helpers import act, assert_eventually, auth, ledgered, ok, open_claim
from workflows.claim_pathway import PATHWAY

# The opening, a route running (a child workflow started), a settlement awaiting payment, and the end.
REPRESENTATIVE = [ClaimStage.NOTIFIED, ClaimStage.IN_LITIGATION, ClaimStage.SETTLED, ClaimStage.CLOSED]


def test_samples_and_routes_cover_the_whole_table():
    assert set(SAMPLES) == set(PATHWAY.steps), "every pathway step needs a sample payload"
    assert set(ROUTES) == set(ClaimStage), "every stage needs a route"


async def _reach(fairway, stage: ClaimStage) -> str:
    http = fairway.http
    ref = (await open_claim(http, **OPENINGS.get(stage, {})))["state"]["ref"]
    for action in ROUTES[stage]:
        await ok(http, ref, action, SAMPLES[action])
    return ref


def _escalations_settled(claim: dict) -> None:
    """Deadlines already past (the samples are historic dates) escalate as soon as they are set;
    wait for that to finish so only the refusals could change the claim."""
    now = datetime.now(UTC)
    for deadline in claim["deadlines"].values():
        live = deadline["status"] in ("open", "extended", "missed") and deadline["due_at"]
        if live and datetime.fromisoformat(deadline["head_of_service_at"]) <= now:
            assert deadline["status"] == "missed" and len(deadline["steps_done"]) == 3, deadline["name"]


async def _snapshot(fairway, ref: str, seq: int) -> tuple:
    async def settled():
        history = (await fairway.http.get(f"/claims/{ref}/history", headers=auth("supervisor"))).json()
        assert len(history["ledger"]) == seq
        live = (await fairway.http.get(f"/claims/{ref}", headers=auth("supervisor"))).json()
        _escalations_settled(live["state"])
        return live, history

    live, history = await assert_eventually(settled)
    return live["state"], ledgered(history, ref), history["ledger"]


@pytest.mark.parametrize("stage", REPRESENTATIVE, ids=[s.value for s in REPRESENTATIVE])
async def test_actions_outside_their_stages_are_refused(fairway, stage):
    ref = await _reach(fairway, stage)
    seq = len(ROUTES[stage]) + 1
    before = await _snapshot(fairway, ref, seq)
    assert before[0]["stage"] == stage

    refused = [step for step in PATHWAY.steps.values() if stage not in step.from_stages and not step.internal]
    for step in refused:
        response = await act(fairway.http, ref, step.action, SAMPLES[step.action], who="supervisor")
        assert response.status_code == 409, (step.action, response.text)
        body = response.json()
        assert body["code"] == "action_not_allowed"
        assert stage.value in body["message"] and body["details"]["stage"] == stage.value
        live = ClaimState.model_validate(before[0])
        assert body["details"]["allowed_actions"] == PATHWAY.allowed_actions(live, Role.SUPERVISOR)
        assert all(stage in PATHWAY.steps[a].from_stages for a in body["details"]["allowed_actions"])

    assert await _snapshot(fairway, ref, seq) == before


async def test_hold_blocks_progress_but_not_notes(fairway):
    http = fairway.http
    ref = (await open_claim(http))["state"]["ref"]
    held = await ok(http, ref, "put_on_hold", SAMPLES["put_on_hold"])
    assert held["state"]["hold"]["reason"] == "awaiting inquest"
    # Proceedings are the claimant's act: a protective issue can come while we hold the claim.
    assert set(held["allowed_actions"]) == {
        "add_note",
        "take_off_hold",
        "extend_deadline",
        "correct_date",
        "record_proceedings_issued",
        "code_claim",
    }
    blocked = await act(http, ref, "receive_letter_of_claim", SAMPLES["receive_letter_of_claim"])
    assert blocked.status_code == 409 and blocked.json()["code"] == "on_hold"
    again = await act(http, ref, "put_on_hold", SAMPLES["put_on_hold"])
    assert again.status_code == 409 and again.json()["code"] == "on_hold"
    await ok(http, ref, "add_note", {"text": "chased the coroner"})
    await ok(http, ref, "reassign", {"handler": "harry.handler"}, who="supervisor")
    resumed = await ok(http, ref, "take_off_hold", SAMPLES["take_off_hold"])
    assert resumed["state"]["hold"] is None
    off = await act(http, ref, "take_off_hold", SAMPLES["take_off_hold"])
    assert off.status_code == 409 and off.json()["code"] == "not_on_hold"
    await ok(http, ref, "receive_letter_of_claim", SAMPLES["receive_letter_of_claim"])


async def test_step_specific_refusals(fairway):
    http = fairway.http
    ref = await _reach(fairway, ClaimStage.NEGOTIATING)
    future = await act(
        http, ref, "make_offer", SAMPLES["make_offer"] | {"sent_at": "2099-01-01T10:00:00+00:00"}
    )
    assert future.status_code == 409 and future.json()["code"] == "date_in_future"
    unknown = await act(http, ref, "accept_offer", {"offer_no": 9, "accepted_on": "2026-08-25"})
    assert unknown.status_code == 409 and unknown.json()["code"] == "unknown_offer"
    await ok(http, ref, "withdraw_offer", SAMPLES["withdraw_offer"])
    withdrawn = await act(http, ref, "accept_offer", SAMPLES["accept_offer"])
    assert withdrawn.status_code == 409 and withdrawn.json()["code"] == "offer_not_open"
    own = await act(http, ref, "make_offer", SAMPLES["make_offer"] | {"responds_to": 1})
    assert own.status_code == 409 and own.json()["code"] == "offer_not_open"
    denial = await act(http, ref, "send_letter_of_response", {"sent_on": "2026-07-15", "liability": "denied"})
    assert (denial.status_code, denial.json()["code"]) == (409, "denial_without_experts"), denial.text
    early_close = await act(http, ref, "close", {"outcome": "settled_with_damages"})
    assert early_close.status_code == 409 and early_close.json()["code"] == "no_payment_recorded"
