"""Primary care contract disputes through the HTTP API against the real dev server: a referral
to a determination flagged for judicial review; referrals out of time refused with the date they
were due, and nothing started; a representations period escalating under a short policy; who
sees the cases (an adviser sees none)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import partial

import pytest
from sqlalchemy import select
from temporalio.service import RPCError, RPCStatusCode

from activities.calendar import add_years
from api.cases import new_ref
from models.common import Actor, Role
from models.contract_dispute import CONTRACT_DISPUTE_DEADLINES, ContractDisputePolicy
from models.deadline_policies import short
from models.register import CaseRow, EscalationRow
from tests.helpers import act, assert_eventually, auth, key, ok
from workflows.clock import london_date

PREFIX = "/contract-disputes"
QUICK = ContractDisputePolicy(version="test", projection_delay_seconds=0.2)
SHORT = ContractDisputePolicy(
    version="test-short",
    projection_delay_seconds=0.2,
    deadlines=short(seconds=3, warn_before=1.5, head_of_service_after=1.5, base=CONTRACT_DISPUTE_DEADLINES),
)


def today() -> date:
    return london_date(datetime.now(UTC))


def days_ago(days: int) -> str:
    return (today() - timedelta(days=days)).isoformat()


def use_policy(fairway, policy: ContractDisputePolicy) -> None:
    """New contract disputes in this Fairway start under `policy` (api/contract_dispute.py reads it)."""
    fairway.http._transport.app.state.contract_dispute_policy = policy


@pytest.fixture
def disputes(fairway):
    use_policy(fairway, QUICK)
    return fairway


@pytest.fixture
def short_disputes(fairway):
    use_policy(fairway, SHORT)
    return fairway


def referral(**overrides) -> dict:
    body = {
        "contract_type": "gms",
        "subject": "payment",
        "contractor_ods_code": "Y01234",
        "commissioner_ods_code": "QWE",
        "referred_by": "contractor",
        "referred_on": days_ago(2),
        "matter_arose_on": days_ago(400),
        "local_resolution": {
            "attempted_from": days_ago(300),
            "ended_on": days_ago(10),
            "evidence": ["LETTER-2025-10-01", "MINUTES-2026-01-20"],
            "summary": "Two meetings with the ICB; no agreement on the premises rent review.",
        },
    }
    return body | overrides


async def refer(http, who: str = "handler", idempotency_key: str | None = None, **overrides):
    headers = auth(who) | {"Idempotency-Key": idempotency_key or key()}
    return await http.post(PREFIX, json=referral(**overrides), headers=headers)


async def referred(http, **overrides) -> dict:
    response = await refer(http, **overrides)
    assert response.status_code == 201, response.text
    return response.json()["state"]


dispute_act = partial(act, prefix=PREFIX)
dispute_ok = partial(ok, prefix=PREFIX)


def asked(days: int = 14) -> dict:
    return {"requested_on": today().isoformat(), "period_days": days}


def received(*parties: str) -> dict:
    return {"received_on": today().isoformat(), "parties": list(parties)}


DETERMINATION = {
    "result": "not_upheld",
    "reasons": "The rent review followed the Premises Costs Directions.",
}


async def to_consideration(http, ref: str) -> None:
    await dispute_ok(http, ref, "request_representations", asked(21))
    await dispute_ok(http, ref, "record_representations", received("contractor", "commissioner"))
    await dispute_ok(http, ref, "request_observations", asked(14))
    await dispute_ok(http, ref, "record_observations", received("commissioner"))


def determination() -> dict:
    return DETERMINATION | {"determined_on": today().isoformat(), "notice_sent_on": today().isoformat()}


def case_row(fairway, ref: str) -> CaseRow:
    with fairway.sessions() as session:
        row = session.get(CaseRow, ref)
        assert row is not None, f"{ref} not in the register yet"
        session.expunge(row)
        return row


async def test_a_referral_to_a_determination_flagged_for_judicial_review(disputes):
    http = disputes.http
    same_key = key()
    first = await refer(http, idempotency_key=same_key)
    assert first.status_code == 201, first.text
    state = first.json()["state"]
    ref = state["ref"]
    assert ref.startswith("PCD-") and (state["stage"], state["team"]) == ("referred", "primary_care_appeals")
    book = state["deadlines"]
    limit = book["dispute_referral_due"]
    arose = date.fromisoformat(referral()["matter_arose_on"])
    assert (limit["status"], limit["due_on"]) == ("met", add_years(arose, 3).isoformat())
    assert "Sch 6 para 99" in limit["basis"]
    request_due = book["representations_request_due"]
    assert (request_due["status"], request_due["due_on"]) == (
        "open",
        (today() + timedelta(days=5)).isoformat(),
    )
    retried = await refer(http, idempotency_key=same_key)
    assert retried.status_code == 200 and retried.json()["applied"]["duplicate"], retried.text

    acknowledged = await dispute_ok(http, ref, "acknowledge_referral", {"sent_on": today().isoformat()})
    assert acknowledged["state"]["stage"] == "acknowledged"
    too_long = await dispute_act(http, ref, "request_representations", asked(35))
    body = too_long.json()
    assert too_long.status_code == 409 and body["code"] == "period_out_of_range", too_long.text
    assert body["details"]["allowed_actions"][:2] == ["request_representations", "withdraw_referral"]
    requested = (await dispute_ok(http, ref, "request_representations", asked(21)))["state"]
    assert requested["deadlines"]["representations_request_due"]["status"] == "met"
    due = requested["deadlines"]["representations_due"]
    assert (due["status"], due["due_on"]) == ("open", (today() + timedelta(days=21)).isoformat())
    assert requested["representations"]["period_days"] == 21

    early = await dispute_act(http, ref, "issue_determination", determination())
    assert early.status_code == 409 and early.json()["code"] == "action_not_allowed"
    got = await dispute_ok(http, ref, "record_representations", received("contractor", "commissioner"))
    assert got["state"]["deadlines"]["representations_due"]["status"] == "met"
    observations = (await dispute_ok(http, ref, "request_observations", asked(14)))["state"]
    assert (
        observations["deadlines"]["observations_due"]["due_on"] == (today() + timedelta(days=14)).isoformat()
    )
    considered = (await dispute_ok(http, ref, "record_observations", received("commissioner")))["state"]
    assert considered["stage"] == "under_consideration"
    assert considered["deadlines"]["observations_due"]["status"] == "met"

    hearing_on = (today() + timedelta(days=10)).isoformat()
    arranged = await dispute_ok(
        http, ref, "arrange_hearing", {"arranged_on": today().isoformat(), "hearing_on": hearing_on}
    )
    assert arranged["state"]["deadlines"]["dispute_hearing"]["due_on"] == hearing_on
    held = await dispute_ok(http, ref, "record_hearing", {"held_on": today().isoformat()})
    assert held["state"]["deadlines"]["dispute_hearing"]["status"] == "met"
    determined = await dispute_ok(http, ref, "issue_determination", determination())
    assert determined["state"]["stage"] == "determined"
    assert determined["allowed_actions"][:2] == ["flag_judicial_review", "close_dispute"]
    flag = {"flagged_on": today().isoformat(), "sought_by": "contractor", "claim_number": "CO-1234-2026"}
    flagged = (await dispute_ok(http, ref, "flag_judicial_review", flag))["state"]
    assert flagged["stage"] == "judicial_review"
    assert flagged["judicial_reviews"][0]["claim_number"] == "CO-1234-2026"
    outcome = {"decided_on": today().isoformat(), "result": "dismissed"}
    closed = (await dispute_ok(http, ref, "record_judicial_review_outcome", outcome))["state"]
    assert (closed["stage"], closed["outcome"]) == ("closed", "determination_stands")
    assert not any(d["status"] in ("open", "missed") for d in closed["deadlines"].values())

    def projected():
        row = case_row(disputes, ref)
        assert (row.kind, row.stage, row.outcome) == ("contract_dispute", "closed", "determination_stands")
        return row

    row = await assert_eventually(projected)
    assert row.facts["judicial_review"] is True and row.facts["days_to_determination"] == 2
    assert (row.facts["contract_type"], row.facts["contractor_ods_code"]) == ("gms", "Y01234")

    async def ledgered():
        history = (await http.get(f"{PREFIX}/{ref}/history", headers=auth("auditor"))).json()
        assert [e["action"] for e in history["ledger"]] == [
            "refer",
            "acknowledge_referral",
            "request_representations",
            "record_representations",
            "request_observations",
            "record_observations",
            "arrange_hearing",
            "record_hearing",
            "issue_determination",
            "flag_judicial_review",
            "record_judicial_review_outcome",
        ]
        return history["ledger"]

    ledger = await assert_eventually(ledgered)
    assert (
        ledger[0]["summary"]["contractor_ods_code"] == "Y01234"
        and "local_resolution" not in ledger[0]["summary"]
    )
    listed = (await http.get(PREFIX, params={"stage": "closed"}, headers=auth("auditor"))).json()
    assert ref in [item["ref"] for item in listed["items"]]


async def test_judicial_review_is_not_recorded_for_a_dental_contract(disputes):
    http = disputes.http
    ref = (await referred(http, contract_type="gds", subject="breach_notice", referred_by="commissioner"))[
        "ref"
    ]
    await to_consideration(http, ref)
    determined = await dispute_ok(http, ref, "issue_determination", determination())
    assert "flag_judicial_review" not in determined["allowed_actions"]
    refused = await dispute_act(
        http, ref, "flag_judicial_review", {"flagged_on": today().isoformat(), "sought_by": "contractor"}
    )
    assert refused.status_code == 409 and refused.json()["code"] == "judicial_review_not_recorded"
    closed = await dispute_ok(http, ref, "close_dispute", {"closed_on": today().isoformat()})
    assert (closed["state"]["stage"], closed["state"]["outcome"]) == ("closed", "determined")


async def test_a_referral_out_of_time_is_refused_with_the_date_it_was_due(disputes):
    http, client = disputes.http, disputes.client
    late_key, arose = key(), add_years(today(), -3) - timedelta(days=1)
    now = {"referred_on": today().isoformat()}
    refused = await refer(http, idempotency_key=late_key, matter_arose_on=arose.isoformat(), **now)
    body = refused.json()
    assert refused.status_code == 409 and body["code"] == "referral_out_of_time", refused.text
    due = add_years(arose, 3)
    assert body["details"]["due_on"] == due.isoformat() == (today() - timedelta(days=1)).isoformat()
    assert body["details"]["limit_runs_from"] == arose.isoformat()
    assert "Sch 6 para 99" in body["details"]["basis"] and due.isoformat() in body["message"]
    never = new_ref("PCD", Actor(id="hana.handler", role=Role.HANDLER), late_key)
    with pytest.raises(RPCError) as raised:
        await client.get_workflow_handle(f"contract_dispute-{never}").describe()
    assert raised.value.status == RPCStatusCode.NOT_FOUND, "nothing was started"

    last_day = add_years(today(), -3).isoformat()  # exactly 3 years: in time
    assert (await refer(http, matter_arose_on=last_day, **now)).status_code == 201
    noticed_later = await refer(
        http, matter_arose_on=arose.isoformat(), matter_noticed_on=days_ago(500), **now
    )
    assert noticed_later.status_code == 201, "the 3 years run from when it should have been noticed"
    no_evidence = await refer(http, local_resolution=None)
    assert no_evidence.status_code == 422


async def test_an_unmet_representations_period_escalates_and_the_adjudicator_goes_on(short_disputes):
    http = short_disputes.http
    state = await referred(http, referred_on=today().isoformat())
    ref = state["ref"]
    assert state["deadlines"]["dispute_referral_due"]["status"] == "met"
    await dispute_ok(http, ref, "request_representations", asked(28))
    early = await dispute_act(
        http,
        ref,
        "proceed_without_representations",
        {"decided_on": today().isoformat(), "reason": "none came"},
    )
    assert early.status_code == 409 and early.json()["code"] == "period_not_passed"

    def escalated():
        with short_disputes.sessions() as session:
            rows = session.scalars(select(EscalationRow).where(EscalationRow.case_ref == ref)).all()
            steps = sorted((r.step, r.recipient) for r in rows if r.deadline == "representations_due")
        assert steps == [
            ("head_of_service", "hana.head"),
            ("supervisor", "pat.pca-supervisor"),
            ("warning", "hana.handler"),
        ]

    await assert_eventually(escalated, timeout=20)
    overdue = (await http.get(f"{PREFIX}/{ref}", headers=auth("handler"))).json()
    assert (
        overdue["state"]["overdue"]
        and overdue["state"]["deadlines"]["representations_due"]["status"] == "missed"
    )
    assert "proceed_without_representations" in overdue["allowed_actions"]
    went_on = await dispute_ok(
        http,
        ref,
        "proceed_without_representations",
        {"decided_on": today().isoformat(), "reason": "none came"},
    )
    state = went_on["state"]
    assert state["stage"] == "under_consideration" and not state["overdue"]
    assert state["deadlines"]["representations_due"]["status"] == "waived"
    assert state["representations"]["proceeded_without"] == "none came"


async def test_contract_disputes_are_claims_side_and_an_adviser_sees_none(disputes):
    http = disputes.http
    ref = (await referred(http))["ref"]
    for who in ("adviser", "advice_supervisor"):
        assert (await refer(http, who=who)).status_code == 403
        assert (await http.get(PREFIX, headers=auth(who))).status_code == 403
        assert (await http.get(f"{PREFIX}/{ref}", headers=auth(who))).status_code == 403
        assert (await http.get(f"{PREFIX}/{ref}/history", headers=auth(who))).status_code == 403
        assert (await http.get("/pathways/contract_dispute", headers=auth(who))).status_code == 403
        refused = await dispute_act(http, ref, "add_note", {"text": "advice"}, who=who)
        assert refused.status_code == 403
    assert (await refer(http, who="auditor")).status_code == 403
    assert (await http.get(f"{PREFIX}/{ref}", headers=auth("auditor"))).status_code == 200
    auditor_acts = await dispute_act(
        http, ref, "acknowledge_referral", {"sent_on": today().isoformat()}, "auditor"
    )
    assert auditor_acts.status_code == 403
    colleague = await dispute_ok(
        http, ref, "acknowledge_referral", {"sent_on": today().isoformat()}, "handler2"
    )
    assert colleague["state"]["stage"] == "acknowledged"
    unknown = await refer(http, handler="nobody.here")
    assert unknown.status_code == 409 and unknown.json()["code"] == "unknown_handler"
