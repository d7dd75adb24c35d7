"""Record a workflow history for the replay tests: `python -m tests.histories.record NAME`.

Each scenario drives a case through the HTTP API against a fresh dev server and writes the
resulting event history to tests/histories/NAME.json: one baseline per workflow type, plus the
shapes that matter (continue-as-new, a reopen, a route, a summit). Nothing is released yet, so
a change to workflow code re-records them (`python -m tests.histories.record`); from the first
tagged release on, recorded files are never rewritten: they are the shapes running workflows
have, and changes go behind `workflow.patched` or worker versioning.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from temporalio.api.enums.v1 import EventType

from activities import calendar
from fairway import db
from models.claims import ClaimStage
from tests.claim_paths import ROUTES, SAMPLES
from tests.conftest import TEST_POLICY, running_fairway, start_dev_server
from tests.helpers import assert_eventually, ok, open_claim
from tests.histories import advice as advice_histories
from tests.histories import contract_dispute as contract_dispute_histories
from tests.histories import duty_of_candour as candour_histories
from tests.histories import early_notification as en_histories
from tests.histories import pharmacy_appeal as pharmacy_histories
from tests.histories import significant_concern as concern_histories
from tests.histories import summit as summit_histories
from tests.route_helpers import claim_at, read_route, route_ok
from tests.workflows.test_deadlines import SHORT

HERE = Path(__file__).parent


async def claim_lifecycle(fairway) -> str:
    http = fairway.http
    ref = (await open_claim(http))["state"]["ref"]
    for action in ROUTES[ClaimStage.PAID]:
        if action == "send_letter_of_response":  # the claimant died: the estate and dependants go on
            await ok(http, ref, "record_death", SAMPLES["record_death"])
        await ok(http, ref, action, SAMPLES[action])
    await ok(http, ref, "put_on_hold", SAMPLES["put_on_hold"])
    await ok(http, ref, "take_off_hold", SAMPLES["take_off_hold"])
    await ok(http, ref, "code_claim", SAMPLES["code_claim"])
    await ok(http, ref, "close", {"outcome": "settled_with_damages"})
    await ok(http, ref, "reopen", SAMPLES["reopen"], who="supervisor")
    return ref


async def claim_continued(fairway) -> str:
    """The run after a continue-as-new: it starts from carried state and takes actions."""
    http = fairway.http
    ref = (await open_claim(http))["state"]["ref"]
    handle = fairway.client.get_workflow_handle(f"claim-{ref}")
    first_run = (await handle.describe()).run_id
    await asyncio.gather(*(ok(http, ref, "add_note", {"text": f"note {i}"}) for i in range(30)))
    await ok(http, ref, "receive_letter_of_claim", SAMPLES["receive_letter_of_claim"])

    async def continued():
        assert (await handle.describe()).run_id != first_run

    await assert_eventually(continued)
    await ok(http, ref, "acknowledge_letter_of_claim", SAMPLES["acknowledge_letter_of_claim"])
    await ok(http, ref, "add_note", {"text": "in the continued run"})
    return ref


async def claim_deadlines(fairway) -> str:
    """The deadline book at work: escalations, extension, hold, correction, acknowledgment, waiver."""
    http = fairway.http
    ref = (await open_claim(http))["state"]["ref"]
    await asyncio.sleep(5)  # the first review's whole ladder fires under the short policy
    await ok(http, ref, "receive_letter_of_claim", {"received_on": "2026-03-31"})
    correction = {"action": "receive_letter_of_claim", "corrected_date": "2026-03-30", "reason": "misread"}
    await ok(http, ref, "correct_date", correction)
    ack = {"deadline": "case_review_due", "revision": 1, "step": "supervisor", "comment": "chasing"}
    await ok(http, ref, "acknowledge_escalation", ack, who="supervisor")
    await ok(http, ref, "put_on_hold", {"reason": "inquest", "review_on": "2027-01-01"})
    await ok(http, ref, "take_off_hold", {})
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    body = {
        "deadline": "letter_of_response_due",
        "new_due_at": later,
        "reason": "experts",
        "agreed_by": "firm",
    }
    await ok(http, ref, "extend_deadline", body)
    await ok(
        http, ref, "waive_deadline", {"deadline": "letter_of_response_due", "reason": "x"}, who="supervisor"
    )
    await ok(http, ref, "acknowledge_letter_of_claim", {"sent_on": "2026-04-01"})
    return ref


async def claim_book_closed_and_reopened(fairway) -> str:
    """The deadline book with every change since it landed: escalations moving visibility with
    the projection, a correction that keeps agreed dates, closure, and a reopen that restores
    limitation."""
    http = fairway.http
    ref = await claim_deadlines(fairway)
    await ok(http, ref, "close", {"outcome": "withdrawn"})
    await ok(http, ref, "reopen", {"reason": "claimant came back"}, who="supervisor")
    await ok(http, ref, "add_note", {"text": "after reopening"})
    return ref


async def claim_offers_and_settlement(fairway) -> str:
    """Part 36 offers (a relevant period expiring, a pending withdrawal, better and worse
    terms, clarification), a stock-take, a child's settlement refused and then approved by the
    court, and each kind of payment written to the register."""
    http = fairway.http
    child = {"name": "Sam Young", "date_of_birth": "2015-06-01", "protected_party": False}
    ref = (await open_claim(http, claimant=child))["state"]["ref"]
    for action in ROUTES[ClaimStage.LETTER_OF_RESPONSE_SENT]:
        await ok(http, ref, action, SAMPLES[action])
    interim = {"paid_on": "2026-07-20", "amount": "20000.00", "payee": "claimant_solicitors"}
    interim |= {"reference": "INT-1", "kind": "interim", "court_approval_reference": "K00CL1-IP"}
    await ok(http, ref, "record_payment", interim)
    await ok(http, ref, "hold_stocktake", SAMPLES["hold_stocktake"])
    today = datetime.now(UTC).date().isoformat()
    sent_on = datetime.now(UTC).date()
    while not calendar.is_business_day(sent_on):  # so the offer is made (deemed served) by today
        sent_on -= timedelta(days=1)
    # As the day began in London: never in the future, whatever the hour it is recorded.
    sent_at = datetime.combine(sent_on, time(0, 0), tzinfo=ZoneInfo("Europe/London")).isoformat()
    offer = {"by": "defendant", "amount": "150000.00", "part_36": True, "sent_at": sent_at, "method": "email"}
    await ok(http, ref, "make_offer", offer)
    await ok(http, ref, "make_offer", offer | {"by": "claimant", "amount": "260000.00", "responds_to": 1})
    clarification = {"offer_no": 1, "requested_on": today, "question": "Is interest included?"}
    await ok(http, ref, "request_offer_clarification", clarification)
    await ok(http, ref, "clarify_offer", {"offer_no": 1, "answer": "Yes.", "clarified_on": today})
    await ok(http, ref, "change_offer", {"offer_no": 1, "amount": "160000.00", "changed_on": today})
    await ok(http, ref, "change_offer", {"offer_no": 1, "amount": "155000.00", "changed_on": today})
    await ok(http, ref, "withdraw_offer", {"offer_no": 2, "withdrawn_on": today})
    await asyncio.sleep(5)  # both relevant periods end under the short policy
    await ok(http, ref, "accept_offer", {"offer_no": 1, "accepted_on": today})
    settlement = {
        "agreed_on": today,
        "general_damages": "100000.00",
        "special_damages": "20000.00",
        "future_losses": "35000.00",
        "claimant_costs": "30000.00",
        "lump_sum": "125000.00",
        "periodical_payments": {"annual_amount": "5000.00", "indexation": "ASHE 6115", "starts_on": today},
    }
    await ok(http, ref, "record_settlement", settlement)
    decision = {"decided_on": today, "court": "County Court at Central London", "order_reference": "K00CL1"}
    await ok(http, ref, "record_court_approval", decision | {"approved": False})
    await ok(http, ref, "record_settlement", settlement)
    await ok(http, ref, "record_court_approval", decision | {"approved": True})
    payment = {"paid_on": today, "payee": "claimant", "amount": "105000.00", "reference": "PAY-1"}
    await ok(http, ref, "record_payment", payment)
    await ok(
        http, ref, "record_payment", payment | {"amount": "30000.00", "reference": "PAY-2", "kind": "costs"}
    )
    await ok(
        http,
        ref,
        "record_payment",
        payment | {"amount": "5000.00", "reference": "PPO-1", "kind": "periodical"},
    )
    await ok(http, ref, "code_claim", SAMPLES["code_claim"])
    await ok(http, ref, "close", {"outcome": "settled_with_damages"})
    return ref


async def mediation_settled_after_the_day(fairway) -> str:
    """A mediation not settled on the day, then settled within 28 days (its own history)."""
    from tests.api import test_mediation as med

    http = fairway.http
    claim_ref = await claim_at(http, ClaimStage.LETTER_OF_RESPONSE_SENT)
    ref = await med.propose(http, claim_ref)
    await read_route(http, med.PREFIX, ref)
    await med.to_scheduled(http, ref)
    served = {"served_on": "2026-11-02", "by": "claimant"}
    await route_ok(http, med.PREFIX, ref, "serve_position_statement", served)
    await route_ok(http, med.PREFIX, ref, "add_note", {"text": "gap of £20k on care"})
    await route_ok(http, med.PREFIX, ref, "record_mediation_not_settled", {"held_on": "2026-11-10"})
    await route_ok(http, med.PREFIX, ref, "record_settlement_after_mediation", {"settlement": med.SETTLEMENT})
    return ref


async def early_neutral_evaluation_settled(fairway) -> str:
    """An evaluation from agreement to settlement on it (its own history)."""
    from tests.api import test_early_neutral_evaluation as ene

    http = fairway.http
    claim_ref = await claim_at(http, ClaimStage.LETTER_OF_RESPONSE_SENT)
    _, ref = await ene.agree_evaluation(http, claim_ref)
    await read_route(http, ene.PREFIX, ref)
    await ene.to_evaluation_delivered(http, ref)
    await ene.respond(http, ref)
    await route_ok(http, ene.PREFIX, ref, "settle_on_evaluation", {"settlement": ene.SETTLEMENT})
    return ref


async def litigation_judgment_for_claimant(fairway) -> str:
    """Proceedings from issue to judgment for the claimant, with an agreed extension, the experts'
    agenda, a stay for ADR and a later order moving directions (its own history)."""
    from tests.api import test_litigation as lit

    http = fairway.http
    claim_ref = (await open_claim(http))["state"]["ref"]
    _, ref = await lit.issue(http, claim_ref)
    await read_route(http, lit.PREFIX, ref)
    await lit.to_defence(http, ref)
    await lit.to_directions(http, ref)
    await lit.agree_experts_agenda(http, ref)
    stay = {"stayed_on": "2026-08-20", "reason": "for ADR", "until": "2026-10-01"}
    await route_ok(http, lit.PREFIX, ref, "stay_proceedings", stay)
    await route_ok(http, lit.PREFIX, ref, "lift_stay", {"lifted_on": "2026-09-10", "reason": "ADR failed"})
    order = {"made_on": "2026-09-11", "dates": {"pre_trial_review": "2026-10-20"}, "description": "varied"}
    await route_ok(http, lit.PREFIX, ref, "record_court_order", order)
    listing = {"trial_on": "2026-11-09", "notified_on": "2026-10-20"}
    await route_ok(http, lit.PREFIX, ref, "list_trial", listing)
    judgment = {"given_on": "2026-11-20", "award": lit.AWARD}
    await route_ok(http, lit.PREFIX, ref, "record_judgment_for_claimant", judgment)
    return ref


SCENARIOS = {
    "litigation_judgment_for_claimant": litigation_judgment_for_claimant,
    # A claim to payment, closed and reopened; one continued-as-new; one whose deadline book
    # escalates, is corrected, extended, waived, then closed and reopened; offers and settlement.
    "claim_lifecycle": claim_lifecycle,
    "claim_continued": claim_continued,
    "claim_book_closed_and_reopened": claim_book_closed_and_reopened,
    "claim_offers_and_settlement": claim_offers_and_settlement,
    "mediation_settled_after_the_day": mediation_settled_after_the_day,
    "early_neutral_evaluation_settled": early_neutral_evaluation_settled,
    **advice_histories.SCENARIOS,
    **summit_histories.SCENARIOS,
    **en_histories.SCENARIOS,
    **contract_dispute_histories.SCENARIOS,
    **pharmacy_histories.SCENARIOS,
    **candour_histories.SCENARIOS,
    **concern_histories.SCENARIOS,
}
# Scenarios that record a route's history rather than its claim's: the workflow id's prefix.
WORKFLOW_KINDS = {
    "litigation_judgment_for_claimant": "litigation",
    "mediation_settled_after_the_day": "mediation",
    "early_neutral_evaluation_settled": "early_neutral_evaluation",
    **advice_histories.WORKFLOW_KINDS,
    **summit_histories.WORKFLOW_KINDS,
    **en_histories.WORKFLOW_KINDS,
    **contract_dispute_histories.WORKFLOW_KINDS,
    **pharmacy_histories.WORKFLOW_KINDS,
    **candour_histories.WORKFLOW_KINDS,
    **concern_histories.WORKFLOW_KINDS,
}
POLICIES = {
    "claim_book_closed_and_reopened": SHORT,
    "claim_offers_and_settlement": SHORT,
}
SERVER_ARGS = {"claim_continued": ["--dynamic-config-value", "limit.historyCount.suggestContinueAsNew=60"]}


async def settled_history(client, workflow_id: str):
    """The latest run's history once its workers have caught up: a run just continued-as-new
    has only its start event, which is no history to replay."""
    for _ in range(50):
        history = await client.get_workflow_handle(workflow_id).fetch_history()
        last = history.events[-1].event_type
        if len(history.events) > 3 and last == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
            return history
        if last in (
            EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
            EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
        ):
            return history
        await asyncio.sleep(0.2)
    return history


async def record(name: str) -> Path:
    env = await start_dev_server(*SERVER_ARGS.get(name, []))
    url = f"sqlite:////tmp/fairway-record-{name}.db"
    db.migrate(url)
    try:
        sessions = db.session_factory(db.make_engine(url))
        async with running_fairway(env.client, sessions, policy=POLICIES.get(name, TEST_POLICY)) as fairway:
            ref = await SCENARIOS[name](fairway)
            await asyncio.sleep(1)  # let the last projection finish so the history is complete
            workflow_id = f"{WORKFLOW_KINDS.get(name, 'claim')}-{ref}"
            history = await settled_history(env.client, workflow_id)
        out = HERE / f"{name}.json"
        out.write_text(history.to_json())
        return out
    finally:
        await env.shutdown()


if __name__ == "__main__":
    for scenario in sys.argv[1:] or list(SCENARIOS):
        print(asyncio.run(record(scenario)))
