"""Practitioner Performance Advice through the HTTP API against the real dev server: a referral
to closure with two interventions, the assessment gate, an MHPS exclusion whose missed review
escalates and gives a right to return to work, and the cases' confidentiality."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select

from activities.escalations import EscalationActivities
from models.access import ACCESS, Tier
from models.deadlines import Escalation, LadderStep
from models.register import CaseRow, EscalationRow, LedgerRow
from tests.advice_paths import (
    CASES,
    EXCLUSIONS,
    INTERVENTIONS,
    action_plan,
    advised,
    assessed,
    formal_exclusion,
    mediation,
    ok,
    read,
    refer,
    referral,
    refused,
    started,
    today,
)
from tests.helpers import assert_eventually, auth, key, open_claim


def case_row(fairway, ref: str) -> CaseRow:
    with fairway.sessions() as session:
        row = session.get(CaseRow, ref)
        assert row is not None, f"{ref} not projected yet"
        session.expunge(row)
        return row


def escalations_of(fairway, ref: str) -> list[tuple[str, int, str]]:
    with fairway.sessions() as session:
        rows = session.scalars(select(EscalationRow).where(EscalationRow.case_ref == ref)).all()
        return sorted((r.deadline, r.revision, r.step) for r in rows)


async def test_referral_to_closure_with_two_interventions(advice):
    http = advice.http
    opened = await refer(http)
    ref = opened["state"]["ref"]
    assert opened["state"]["stage"] == "referred"
    assert opened["state"]["deadlines"]["advice_call_due"]["status"] == "open"

    await ok(http, CASES, ref, "assign_adviser", {"adviser": "ava.adviser"})
    call = await ok(http, CASES, ref, "hold_advice_call", {"held_on": today()})
    assert call["state"]["deadlines"]["advice_call_due"]["status"] == "met"
    assert call["state"]["deadlines"]["confirmation_letter_due"]["status"] == "open"
    letter = {"letter_sent_on": today(), "follow_up_on": today(14)}
    followed = await ok(http, CASES, ref, "schedule_follow_up", letter)
    assert followed["state"]["deadlines"]["confirmation_letter_due"]["status"] == "met"
    assert followed["state"]["deadlines"]["follow_up_due"]["due_on"] == today(14)

    # A second episode: its own letter is due again, and the follow-up is met by the call.
    again = await ok(http, CASES, ref, "hold_advice_call", {"held_on": today()})
    assert again["state"]["deadlines"]["follow_up_due"]["status"] == "met"
    assert again["state"]["deadlines"]["confirmation_letter_due"]["status"] == "open"
    assert again["state"]["deadlines"]["confirmation_letter_due"]["revision"] == 2
    await ok(http, CASES, ref, "schedule_follow_up", letter)

    await assessed(http, ref)
    for kind in ("psr_action_plan", "assisted_mediation"):
        await ok(http, CASES, ref, "start_intervention", {"intervention": kind, "agreed_on": today()})
    case = await read(http, CASES, ref)
    plan_ref, mediation_ref = (c["ref"] for c in case["state"]["interventions"])
    plan = await started(http, INTERVENTIONS, plan_ref)
    assert "agree_action_plan" in plan["allowed_actions"]
    assert "appoint_mediator" not in plan["allowed_actions"]
    await refused(
        http,
        INTERVENTIONS,
        plan_ref,
        "appoint_mediator",
        {"mediator": "M1", "appointed_on": today()},
        "wrong_intervention_type",
    )

    # The last episode agrees closure, but the case cannot close while its interventions run.
    await ok(http, CASES, ref, "hold_advice_call", {"held_on": today()})
    await ok(http, CASES, ref, "agree_closure", {"letter_sent_on": today()})
    blocked = await refused(http, CASES, ref, "close", {"closed_on": today()}, "children_running")
    assert plan_ref in blocked["message"] and mediation_ref in blocked["message"]

    await mediation(http, mediation_ref)
    done = await action_plan(http, plan_ref)
    assert done["state"]["stage"] == "completed"

    async def both_ended():
        interventions = (await read(http, CASES, ref))["state"]["interventions"]
        assert all(c["ended_at"] and c["outcome"] == "completed" for c in interventions)

    await assert_eventually(both_ended)
    closed = await ok(http, CASES, ref, "close", {"closed_on": today()})
    assert closed["state"]["stage"] == "closed"

    def projected():
        row = case_row(advice, ref)
        assert row.stage == "closed" and row.confidential
        assert row.facts["interventions"] == ["psr_action_plan", "assisted_mediation"]
        assert row.facts["practitioner"] == "GMC:7654321"
        child = case_row(advice, plan_ref)
        assert child.parent_ref == ref and child.confidential and child.stage == "completed"
        with advice.sessions() as session:
            actions = session.scalars(select(LedgerRow.action).where(LedgerRow.case_ref == ref)).all()
        assert actions.count("intervention_ended") == 2

    await assert_eventually(projected)


async def test_assessment_needs_icg_approval_and_both_consents(advice):
    http = advice.http
    ref = await advised(http)
    await ok(
        http, CASES, ref, "request_assessment", {"assessment_type": "behavioural", "requested_on": today()}
    )

    start = {"started_on": today()}
    none = await refused(http, CASES, ref, "start_assessment", start, "assessment_not_authorised")
    for missing in (
        "Intervention Consideration Group approval",
        "organisation's consent",
        "practitioner's consent",
    ):
        assert missing in none["message"]

    await ok(http, CASES, ref, "approve_assessment", {"decided_on": today()})
    await ok(http, CASES, ref, "record_consent", {"party": "organisation", "given_on": today()})
    one = await refused(http, CASES, ref, "start_assessment", start, "assessment_not_authorised")
    assert "practitioner's consent" in one["message"]
    assert "organisation" not in one["message"] and "Intervention Consideration" not in one["message"]
    assert one["details"]["stage"] == "assessment_requested"

    await ok(http, CASES, ref, "record_consent", {"party": "practitioner", "given_on": today()})
    begun = await ok(http, CASES, ref, "start_assessment", start)
    assert begun["state"]["stage"] == "assessing"


async def test_assessment_refused_without_icg_approval_even_with_both_consents(advice):
    http = advice.http
    ref = await advised(http)
    await ok(http, CASES, ref, "request_assessment", {"assessment_type": "full", "requested_on": today()})
    for party in ("organisation", "practitioner"):
        await ok(http, CASES, ref, "record_consent", {"party": party, "given_on": today()})
    refusal = await refused(
        http, CASES, ref, "start_assessment", {"started_on": today()}, "assessment_not_authorised"
    )
    assert refusal["message"].endswith("without Intervention Consideration Group approval")


async def test_missed_exclusion_review_escalates_and_gives_a_right_to_return(short_advice):
    http = short_advice.http
    ref = await advised(http)
    formal = {"exclusion": "formal", "excluded_on": today()}
    await refused(http, CASES, ref, "record_exclusion", formal, "advice_not_consulted")

    exclusion = await formal_exclusion(http, ref)
    await refused(http, EXCLUSIONS, exclusion, "renew_exclusion", {"renewed_on": today()}, "review_required")
    await ok(http, EXCLUSIONS, exclusion, "review_exclusion", {"reviewed_on": today()})
    renewed = await ok(http, EXCLUSIONS, exclusion, "renew_exclusion", {"renewed_on": today()})
    review = renewed["state"]["deadlines"]["exclusion_review_due"]
    assert (review["status"], review["revision"]) == ("open", 2)
    assert not renewed["state"]["right_to_return"]

    # The second period's review is never held: it escalates, and the practitioner may return.
    async def right_to_return():
        state = (await read(http, EXCLUSIONS, exclusion))["state"]
        assert state["right_to_return"] and state["deadlines"]["exclusion_review_due"]["status"] == "missed"

    await assert_eventually(right_to_return, timeout=20)

    def escalated():
        steps = escalations_of(short_advice, exclusion)
        assert ("exclusion_review_due", 2, "supervisor") in steps
        assert ("exclusion_review_due", 2, "head_of_service") in steps
        assert case_row(short_advice, exclusion).facts["right_to_return"] is True

    await assert_eventually(escalated, timeout=20)
    with short_advice.sessions() as session:
        row = session.scalars(
            select(EscalationRow).where(
                EscalationRow.case_ref == exclusion, EscalationRow.step == "supervisor"
            )
        ).first()
        assert row.recipient == "avery.advice-supervisor" and row.case_kind == "exclusion"

    returned = await ok(http, EXCLUSIONS, exclusion, "return_to_work", {"returned_on": today()})
    assert returned["state"]["stage"] == "returned_to_work"
    assert all(d["status"] in ("met", "waived") for d in returned["state"]["deadlines"].values())

    async def parent_told():
        record = (await read(http, CASES, ref))["state"]["exclusions"][0]
        assert record["ended_at"] and record["outcome"] == "returned_to_work"

    await assert_eventually(parent_told)
    before = escalations_of(short_advice, exclusion)
    await asyncio.sleep(6)  # longer than a whole ladder under the short policy
    assert escalations_of(short_advice, exclusion) == before
    await refused(http, EXCLUSIONS, exclusion, "review_exclusion", {"reviewed_on": today()}, "case_ended")


async def test_renewal_after_three_periods_needs_the_advice_service_again(advice):
    http = advice.http
    ref = await advised(http)
    exclusion = await formal_exclusion(http, ref)
    for _ in range(2):
        await ok(http, EXCLUSIONS, exclusion, "review_exclusion", {"reviewed_on": today()})
        state = (await ok(http, EXCLUSIONS, exclusion, "renew_exclusion", {"renewed_on": today()}))["state"]
    assert len(state["periods"]) == 3
    assert state["deadlines"]["advice_reconsultation_due"]["status"] == "open"
    await ok(http, EXCLUSIONS, exclusion, "review_exclusion", {"reviewed_on": today()})
    renew = {"renewed_on": today()}
    await refused(http, EXCLUSIONS, exclusion, "renew_exclusion", renew, "advice_consultation_required")
    consulted = await ok(http, EXCLUSIONS, exclusion, "consult_advice_service", {"consulted_on": today()})
    assert consulted["state"]["deadlines"]["advice_reconsultation_due"]["status"] == "met"
    fourth = await ok(http, EXCLUSIONS, exclusion, "renew_exclusion", renew)
    assert len(fourth["state"]["periods"]) == 4


async def test_a_claims_handler_cannot_see_an_advice_case_by_any_route(short_advice):
    http = short_advice.http
    ref = await advised(http)
    exclusion = await formal_exclusion(http, ref)
    claim_ref = (await open_claim(http))["state"]["ref"]
    # Under the short policy the exclusion's first review escalates within seconds.
    await assert_eventually(lambda: assert_has_escalations(short_advice, exclusion), timeout=20)

    for who in ("handler", "supervisor"):
        for path in (f"{CASES}/{ref}", f"{CASES}/{ref}/history", f"{EXCLUSIONS}/{exclusion}"):
            response = await http.get(path, headers=auth(who))
            assert response.status_code == 403, (who, path, response.text)
            assert ref not in response.text.replace(path, "")
        note = await http.post(
            f"{CASES}/{ref}/add-note", json={"text": "x"}, headers=auth(who) | {"Idempotency-Key": key()}
        )
        assert note.status_code == 403
        for prefix in (CASES, INTERVENTIONS, EXCLUSIONS):
            listed = await http.get(prefix, headers=auth(who), params={"limit": 500})
            assert listed.status_code == 403 and ref not in listed.text
    opened = await http.post(CASES, json=referral(), headers=auth("handler") | {"Idempotency-Key": key()})
    assert opened.status_code == 403

    # The supervisor queue: a claims supervisor sees no advice escalation, an advice supervisor does.
    for kind in ("advice", "exclusion"):
        queue = await http.get(
            "/escalations", headers=auth("supervisor"), params={"case_kind": kind, "acknowledged": "all"}
        )
        assert queue.status_code == 200 and queue.json()["total"] == 0
    queue = await http.get(
        "/escalations", headers=auth("supervisor"), params={"acknowledged": "all", "limit": 500}
    )
    assert not {ref, exclusion} & {e["case_ref"] for e in queue.json()["items"]}
    theirs = await http.get(
        "/escalations",
        headers=auth("advice_supervisor"),
        params={"case_kind": "exclusion", "acknowledged": "all", "limit": 500},
    )
    items = [e for e in theirs.json()["items"] if e["case_ref"] == exclusion]
    assert items
    hidden = await http.get(f"/escalations/{items[0]['id']}", headers=auth("supervisor"))
    assert hidden.status_code == 404
    seen = await http.get(f"/escalations/{items[0]['id']}", headers=auth("advice_supervisor"))
    assert seen.status_code == 200

    # An advice supervisor's queue is the advice service's own: no claim's escalations in it.
    claim_escalation = _claim_escalation(short_advice, claim_ref)
    everything = await http.get(
        "/escalations", headers=auth("advice_supervisor"), params={"acknowledged": "all", "limit": 500}
    )
    kinds = {e["case_kind"] for e in everything.json()["items"]}
    advice_tier = {kind.value for kind, access in ACCESS.items() if access.tier is Tier.ADVICE}
    assert kinds and kinds <= advice_tier, kinds
    assert (
        await http.get(f"/escalations/{claim_escalation}", headers=auth("advice_supervisor"))
    ).status_code == 404
    assert (await http.get(f"/escalations/{claim_escalation}", headers=auth("supervisor"))).status_code == 200
    acknowledged = await http.post(
        f"/escalations/{items[0]['id']}/acknowledge",
        json={"comment": "seen; reviewing the exclusion today"},
        headers=auth("advice_supervisor") | {"Idempotency-Key": key()},
    )
    assert acknowledged.status_code == 200, acknowledged.text

    # The claims list is the claims handler's as before.
    claims = await http.get("/claims", headers=auth("handler"), params={"limit": 500})
    assert claims.status_code == 200
    assert ref not in claims.text and exclusion not in claims.text
    assert (await http.get(f"/claims/{claim_ref}", headers=auth("handler"))).status_code == 200

    # Advisers and auditors do see it.
    for who in ("adviser", "advice_supervisor", "auditor"):
        assert (await read(http, CASES, ref, who))["state"]["ref"] == ref
    listed = await http.get(CASES, headers=auth("auditor"), params={"limit": 500})
    assert ref in {c["ref"] for c in listed.json()["items"]}


def _claim_escalation(fairway, claim_ref: str) -> int:
    """A claim's supervisor escalation in the register, as the escalate activity writes it."""
    now = datetime.now(UTC)
    escalation = Escalation(
        case_kind="claim",
        case_ref=claim_ref,
        workflow_id=f"claim-{claim_ref}",
        team="claims",
        deadline="case_review_due",
        deadline_title="First review of a new claim",
        revision=1,
        step=LadderStep.SUPERVISOR,
        due_at=now,
        recipient="sam.supervisor",
        message="First review of a new claim is due.",
        at=now,
    )
    EscalationActivities(fairway.sessions).escalate(escalation)
    with fairway.sessions() as session:
        return session.scalar(select(EscalationRow.id).where(EscalationRow.case_ref == claim_ref))


def assert_has_escalations(fairway, ref: str) -> None:
    assert escalations_of(fairway, ref)
