"""Early neutral evaluation through the HTTP API against the real dev server."""

from __future__ import annotations

from temporalio.common import WorkflowIDConflictPolicy

from models.cases import CaseLink, CasePolicy
from models.claims import ClaimStage
from models.common import ActionMeta, Actor, CaseKind, Role
from models.early_neutral_evaluation import EvaluationInput, EvaluationOpening
from models.register import CaseRow, ClaimRow
from tests.claim_paths import SAMPLES
from tests.conftest import TEST_POLICY
from tests.helpers import assert_eventually, auth, key, ok, open_claim
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
from workflows.early_neutral_evaluation import EarlyNeutralEvaluationWorkflow

PREFIX = "/early-neutral-evaluations"

SETTLEMENT = {
    "agreed_on": "2026-11-20",
    "general_damages": "90000.00",
    "special_damages": "25000.00",
    "future_losses": "10000.00",
    "claimant_costs": "30000.00",
}
APPOINT = {
    "evaluator": "HHJ Retired",
    "standing": "retired_judge",
    "provider": "CEDR",
    "appointed_on": "2026-10-01",
    "form": "hearing",
    "evaluation_on": "2026-11-10",
}
TIMETABLE = {"position_papers_due_on": "2026-10-27", "bundle_due_on": "2026-11-03"}
GIST = {
    "breach": "likely to be found: CTG abnormalities missed for 40 minutes",
    "causation": "finely balanced on the timing of the hypoxic injury",
    "quantum": "general damages at the lower end of the bracket",
    "valuation": "125000.00",
}


async def to_evaluation_delivered(http, ref: str) -> dict:
    """Appointment, timetable, both position papers, bundle, evaluation: the steps before responses."""
    appointed = await route_ok(http, PREFIX, ref, "appoint_evaluator", APPOINT)
    assert appointed["state"]["deadlines"]["evaluation_due"]["due_on"] == "2026-11-10"
    timetabled = await route_ok(http, PREFIX, ref, "fix_evaluation_timetable", TIMETABLE)
    deadlines = timetabled["state"]["deadlines"]
    assert deadlines["evaluation_position_papers_due"]["due_on"] == "2026-10-27"
    assert deadlines["evaluation_bundle_due"]["due_on"] == "2026-11-03"
    assert timetabled["state"]["stage"] == "papers_due"
    early = await route_act(http, PREFIX, ref, "lodge_evaluation_bundle", {"lodged_on": "2026-11-01"})
    assert early.status_code == 409 and early.json()["code"] == "position_papers_outstanding"
    for side in ("claimant", "defendant"):
        served = await route_ok(
            http, PREFIX, ref, "serve_position_paper", {"served_on": "2026-10-26", "by": side}
        )
    assert served["state"]["deadlines"]["evaluation_position_papers_due"]["status"] == "met"
    lodged = await route_ok(http, PREFIX, ref, "lodge_evaluation_bundle", {"lodged_on": "2026-11-01"})
    assert lodged["state"]["stage"] == "papers_served"
    delivered = await route_ok(
        http, PREFIX, ref, "deliver_evaluation", {"delivered_on": "2026-11-10", "gist": GIST}
    )
    state = delivered["state"]
    assert state["stage"] == "evaluation_delivered"
    assert state["deadlines"]["evaluation_due"]["status"] == "met"
    assert state["deadlines"]["evaluation_response_due"]["status"] == "open"
    assert state["evaluation"]["gist"]["causation"] == GIST["causation"]
    return delivered


async def respond(http, ref: str, claimant_accepts: bool = True, defendant_accepts: bool = True) -> dict:
    await route_ok(
        http,
        PREFIX,
        ref,
        "record_evaluation_response",
        {"by": "claimant", "responded_on": "2026-11-14", "accepts": claimant_accepts},
    )
    return await route_ok(
        http,
        PREFIX,
        ref,
        "record_evaluation_response",
        {"by": "defendant", "responded_on": "2026-11-17", "accepts": defendant_accepts},
    )


# --- the route on its own, started as the claim starts it ----------------------------------


async def start_direct(fairway, claim: dict, ordered_by_court: bool = False) -> str:
    """Start an evaluation as the claim would, for tests of the route on its own."""
    claim_ref = claim["state"]["ref"]
    ref = f"{claim_ref}-ENE{int(key()[:4], 16) % 9000 + 100}"
    opening = EvaluationOpening(
        claim_ref=claim_ref,
        claim_workflow_id=f"claim-{claim_ref}",
        owner="hana.handler",
        claimant_firm_id="SRA-100200",
        agreed_on="2026-09-30",
        ordered_by_court=ordered_by_court,
        reason="the parties want a view on causation",
    )
    meta = ActionMeta(actor=Actor(id="hana.handler", role=Role.HANDLER), request_id=key())
    policy = CasePolicy(deadlines=TEST_POLICY.deadlines, projection_delay_seconds=0.2)
    await fairway.client.start_workflow(
        EarlyNeutralEvaluationWorkflow.run,
        EvaluationInput(
            ref=ref,
            owner="hana.handler",
            opening=opening,
            opened_by=meta,
            parent=CaseLink(kind=CaseKind.CLAIM, ref=claim_ref, workflow_id=f"claim-{claim_ref}"),
            policy=policy,
        ),
        id=f"early_neutral_evaluation-{ref}",
        task_queue=fairway.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
    )
    return ref


async def test_evaluation_refuses_an_outcome_before_both_responses(fairway):
    http = fairway.http
    ref = await start_direct(fairway, await open_claim(http))
    await to_evaluation_delivered(http, ref)
    await route_ok(
        http,
        PREFIX,
        ref,
        "record_evaluation_response",
        {"by": "claimant", "responded_on": "2026-11-14", "accepts": True},
    )
    twice = await route_act(
        http,
        PREFIX,
        ref,
        "record_evaluation_response",
        {"by": "claimant", "responded_on": "2026-11-15", "accepts": False},
    )
    assert twice.status_code == 409 and twice.json()["code"] == "already_responded"
    early = await route_act(http, PREFIX, ref, "settle_on_evaluation", {"settlement": SETTLEMENT})
    assert early.status_code == 409
    assert early.json()["code"] == "responses_outstanding" and "defendant" in early.json()["message"]
    responded = await route_ok(
        http,
        PREFIX,
        ref,
        "record_evaluation_response",
        {"by": "defendant", "responded_on": "2026-11-17", "accepts": False},
    )
    assert responded["state"]["deadlines"]["evaluation_response_due"]["status"] == "met"
    ended = await route_ok(
        http, PREFIX, ref, "record_not_resolved", {"reason": "defendant maintains causation defence"}
    )
    state = ended["state"]
    assert (state["stage"], state["outcome"]) == ("not_resolved", "not_resolved")
    assert state["route_outcome"] == {
        "result": "not_settled",
        "reason": "defendant maintains causation defence",
        "settlement": None,
    }


async def test_a_court_ordered_evaluation_ends_early_only_if_the_order_is_varied(fairway):
    http = fairway.http
    ref = await start_direct(fairway, await open_claim(http), ordered_by_court=True)
    read = (await http.get(f"{PREFIX}/{ref}", headers=auth("auditor"))).json()
    assert read["state"]["evaluation"]["ordered_by_court"] is True
    assert read["state"]["stage"] == "agreed"
    refused = await route_act(http, PREFIX, ref, "abandon_evaluation", {"reason": "claimant unwilling"})
    assert refused.status_code == 409 and refused.json()["code"] == "ordered_by_court"
    appointed = await route_ok(http, PREFIX, ref, "appoint_evaluator", APPOINT)
    assert appointed["state"]["stage"] == "evaluator_appointed"
    late = await route_act(
        http, PREFIX, ref, "fix_evaluation_timetable", TIMETABLE | {"bundle_due_on": "2026-11-11"}
    )
    assert late.status_code == 409 and late.json()["code"] == "papers_after_evaluation"
    abandoned = await route_ok(
        http,
        PREFIX,
        ref,
        "abandon_evaluation",
        {"reason": "order varied on application", "court_order_varied_on": "2026-10-05"},
    )
    state = abandoned["state"]
    assert (state["stage"], state["route_outcome"]["result"]) == ("abandoned", "declined")
    assert state["deadlines"]["evaluation_due"]["status"] == "waived"

    async def projected():
        rows = (
            await http.get(PREFIX, params={"parent_ref": state["claim_ref"]}, headers=auth("auditor"))
        ).json()
        [row] = [r for r in rows["items"] if r["ref"] == ref]
        assert (row["stage"], row["outcome"]) == ("abandoned", "abandoned")
        assert row["facts"]["ordered_by_court"] is True and row["facts"]["result"] == "declined"

    await assert_eventually(projected)


# --- from the claim's opening to closure ---------------------------------------------------


async def agree_evaluation(http, claim_ref: str, **overrides) -> tuple[dict, str]:
    body = {"agreed_on": "2026-09-30", "reason": "a view on causation before experts meet"} | overrides
    claim = (await ok(http, claim_ref, "agree_early_neutral_evaluation", body))["state"]
    route = claim["routes"][-1]
    assert (route["kind"], route["ended_at"]) == ("early_neutral_evaluation", None)
    return claim, route["ref"]


async def test_claim_settles_on_the_evaluation_is_paid_and_closed(fairway):
    http = fairway.http
    claim_ref = await claim_at(http, ClaimStage.LETTER_OF_RESPONSE_SENT)
    claim, ref = await agree_evaluation(http, claim_ref)
    assert claim["stage"] == "in_early_neutral_evaluation"
    assert ref == f"{claim_ref}-ENE1"

    state = await read_route(http, PREFIX, ref)
    assert state["claim_ref"] == claim_ref
    assert (state["stage"], state["owner"], state["claimant_firm_id"]) == (
        "agreed",
        "hana.handler",
        "SRA-100200",
    )
    assert state["evaluation"]["agreed_on"] == "2026-09-30" and not state["evaluation"]["ordered_by_court"]

    await to_evaluation_delivered(http, ref)

    async def claim_sees_stage():
        route = (await read_claim(http, claim_ref))["routes"][-1]
        assert route["stage"] == "evaluation_delivered"

    await assert_eventually(claim_sees_stage)
    responded = await respond(http, ref)
    assert set(responded["state"]["evaluation"]["responses"]) == {"claimant", "defendant"}
    settled = await route_ok(http, PREFIX, ref, "settle_on_evaluation", {"settlement": SETTLEMENT})
    state = settled["state"]
    assert (state["stage"], state["outcome"]) == ("settled", "settled_on_evaluation")
    assert state["route_outcome"]["result"] == "settled"
    assert {d["name"]: d["status"] for d in state["deadlines"].values()} == {
        "evaluation_due": "met",
        "evaluation_position_papers_due": "met",
        "evaluation_bundle_due": "met",
        "evaluation_response_due": "met",
    }

    async def claim_settled():
        claim = await read_claim(http, claim_ref)
        assert claim["stage"] == "settled"
        return claim

    claim = await assert_eventually(claim_settled)
    assert claim["settlement"]["general_damages"] == "90000.00"
    [route] = claim["routes"]
    assert (route["ref"], route["stage"], route["outcome"]["result"]) == (ref, "settled", "settled")
    assert route["ended_at"] is not None

    await ok(
        http,
        claim_ref,
        "record_payment",
        SAMPLES["record_payment"] | {"amount": "155000.00", "paid_on": "2026-11-23"},
    )
    closed = await code_and_close(
        http, claim_ref, {"outcome": "settled_with_damages", "summary": "settled on ENE"}
    )
    assert (closed["state"]["stage"], closed["state"]["outcome"]) == ("closed", "settled_with_damages")

    assert await route_history(http, PREFIX, ref, 10) == [
        "agree_early_neutral_evaluation",
        "appoint_evaluator",
        "fix_evaluation_timetable",
        "serve_position_paper",
        "serve_position_paper",
        "lodge_evaluation_bundle",
        "deliver_evaluation",
        "record_evaluation_response",
        "record_evaluation_response",
        "settle_on_evaluation",
    ]
    claim_history = await claim_ledger(http, claim_ref, "close")
    actions = [e["action"] for e in claim_history]
    assert actions[-5:] == [
        "agree_early_neutral_evaluation",
        "route_ended",
        "record_payment",
        "code_claim",
        "close",
    ]
    route_ended = claim_history[-4]
    assert (route_ended["stage_before"], route_ended["stage_after"]) == (
        "in_early_neutral_evaluation",
        "settled",
    )
    assert route_ended["summary"]["route_ref"] == ref and route_ended["summary"]["result"] == "settled"

    def registered():
        with fairway.sessions() as session:
            row = session.get(CaseRow, ref)
            assert (row.kind, row.parent_ref, row.stage, row.outcome) == (
                "early_neutral_evaluation",
                claim_ref,
                "settled",
                "settled_on_evaluation",
            )
            assert row.facts == {
                "claim_ref": claim_ref,
                "route": "early_neutral_evaluation",
                "result": "settled",
                "stayed": False,
                "ordered_by_court": False,
                "form": "hearing",
                "valuation": "125000.00",
            }
            assert row.closed_at is not None and row.next_deadline_at is None
            claim_row = session.get(ClaimRow, claim_ref)
            assert (claim_row.stage, claim_row.outcome) == ("closed", "settled_with_damages")

    await assert_eventually(registered)


async def test_narrowed_issues_return_the_claim_to_choose_again(fairway):
    http = fairway.http
    claim_ref = await claim_at(http, ClaimStage.LETTER_OF_RESPONSE_SENT)
    _, ref = await agree_evaluation(http, claim_ref, ordered_by_court=True)
    assert (await read_route(http, PREFIX, ref))["evaluation"]["ordered_by_court"] is True
    await to_evaluation_delivered(http, ref)
    await respond(http, ref, claimant_accepts=False, defendant_accepts=True)
    narrowed = await route_ok(
        http,
        PREFIX,
        ref,
        "record_issues_narrowed",
        {"issues_agreed": ["breach admitted"], "issues_remaining": ["causation", "quantum"]},
    )
    state = narrowed["state"]
    assert (state["stage"], state["route_outcome"]["result"]) == ("narrowed", "narrowed")
    assert state["evaluation"]["issues_agreed"] == ["breach admitted"]

    async def back_to_choose():
        claim = await read_claim(http, claim_ref)
        assert claim["stage"] == "letter_of_response_sent"
        return claim

    claim = await assert_eventually(back_to_choose)
    [route] = claim["routes"]
    assert route["outcome"]["result"] == "narrowed" and "breach admitted" in route["outcome"]["reason"]
    assert "causation" in route["outcome"]["reason"]
    # Back where it can choose: a mediation may follow the evaluation.
    again = await ok(
        http, claim_ref, "propose_mediation", {"proposed_by": "defendant", "proposed_on": "2026-11-20"}
    )
    assert again["state"]["stage"] == "in_mediation"
    assert [r["kind"] for r in again["state"]["routes"]] == ["early_neutral_evaluation", "mediation"]
