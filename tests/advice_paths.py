"""Driving advice cases, interventions and exclusions through the HTTP API, for the tests and
for recording histories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from models.advice import ADVICE_DEADLINES, AdvicePolicy
from models.deadline_policies import short
from tests import helpers
from tests.helpers import assert_eventually, auth, key

CASES, INTERVENTIONS, EXCLUSIONS = "/advice-cases", "/advice-interventions", "/advice-exclusions"

# Every period a few seconds, so reviews come due and escalate while a test watches.
SHORT_ADVICE = AdvicePolicy(
    version="advice-short",
    deadlines=short(seconds=4, warn_before=2, head_of_service_after=2, base=ADVICE_DEADLINES),
    projection_delay_seconds=0.2,
)
QUICK_ADVICE = AdvicePolicy(version="advice-test", projection_delay_seconds=0.2)


def use_policy(fairway, policy: AdvicePolicy) -> None:
    """New advice cases in this Fairway start under `policy` (api/advice.py reads it)."""
    fairway.http._transport.app.state.advice_policy = policy


def today(days: int = 0) -> str:
    return (datetime.now(UTC).date() + timedelta(days=days)).isoformat()


def referral(**overrides: Any) -> dict[str, Any]:
    body = {
        "organisation_ods_code": "RX1",
        "practitioner": {"regulator": "GMC", "number": "7654321"},
        "profession": "doctor",
        "concerns": ["clinical", "behaviour"],
        "referred_on": today(),
    }
    return body | overrides


async def refer(http, who: str = "adviser", **overrides: Any) -> dict[str, Any]:
    response = await http.post(
        CASES, json=referral(**overrides), headers=auth(who) | {"Idempotency-Key": key()}
    )
    assert response.status_code == 201, response.text
    return response.json()


async def act(http, prefix: str, ref: str, action: str, body: dict, who: str = "adviser"):
    """tests/helpers.py's, as an adviser by default, the kind's prefix first."""
    return await helpers.act(http, ref, action, body, who, prefix=prefix)


async def ok(http, prefix: str, ref: str, action: str, body: dict, who: str = "adviser") -> dict[str, Any]:
    return await helpers.ok(http, ref, action, body, who, prefix=prefix)


async def refused(http, prefix: str, ref: str, action: str, body: dict, code: str) -> dict[str, Any]:
    response = await act(http, prefix, ref, action, body)
    assert response.status_code == 409, response.text
    assert response.json()["code"] == code, response.text
    return response.json()


async def read(http, prefix: str, ref: str, who: str = "adviser") -> dict[str, Any]:
    response = await http.get(f"{prefix}/{ref}", headers=auth(who))
    assert response.status_code == 200, response.text
    return response.json()


async def started(http, prefix: str, ref: str) -> dict[str, Any]:
    """A child case, once its parent has started it."""
    return await assert_eventually(lambda: read(http, prefix, ref))


async def advised(http, who: str = "adviser") -> str:
    """A referral with an adviser and a first episode of advice, a follow-up scheduled."""
    ref = (await refer(http, who))["state"]["ref"]
    await ok(http, CASES, ref, "assign_adviser", {"adviser": "ava.adviser"})
    await ok(http, CASES, ref, "hold_advice_call", {"held_on": today()})
    await ok(http, CASES, ref, "schedule_follow_up", {"letter_sent_on": today(), "follow_up_on": today(14)})
    return ref


async def consented(http, ref: str) -> dict[str, Any]:
    """An assessment requested, approved by the ICG and consented to by both parties."""
    await ok(http, CASES, ref, "request_assessment", {"assessment_type": "full", "requested_on": today()})
    await ok(http, CASES, ref, "approve_assessment", {"decided_on": today()})
    for party in ("organisation", "practitioner"):
        case = await ok(http, CASES, ref, "record_consent", {"party": party, "given_on": today()})
    return case


async def assessed(http, ref: str) -> None:
    await consented(http, ref)
    await ok(http, CASES, ref, "start_assessment", {"started_on": today()})
    await ok(http, CASES, ref, "issue_assessment_report", {"issued_on": today()})


async def mediation(http, ref: str) -> None:
    """An assisted mediation from agreement to completion."""
    await started(http, INTERVENTIONS, ref)
    await ok(http, INTERVENTIONS, ref, "appoint_mediator", {"mediator": "MED-7", "appointed_on": today()})
    await ok(http, INTERVENTIONS, ref, "hold_mediation", {"held_on": today()})
    await ok(http, INTERVENTIONS, ref, "issue_report", {"issued_on": today()})
    await ok(http, INTERVENTIONS, ref, "complete", {"completed_on": today()})


async def action_plan(http, ref: str) -> dict[str, Any]:
    """A PSR action plan: two objectives, one met at its first follow-up, one at its second."""
    await started(http, INTERVENTIONS, ref)
    objectives = [{"code": "OBJ-1", "follow_up_on": today(30)}, {"code": "OBJ-2", "follow_up_on": today(60)}]
    plan = await ok(
        http, INTERVENTIONS, ref, "agree_action_plan", {"agreed_on": today(), "objectives": objectives}
    )
    assert plan["state"]["deadlines"]["psr_follow_up_due"]["due_on"] == today(30)
    await ok(
        http, INTERVENTIONS, ref, "record_follow_up", {"objective": "OBJ-1", "held_on": today(), "met": True}
    )
    later = {"objective": "OBJ-2", "held_on": today(), "met": False, "next_follow_up_on": today(45)}
    moved = await ok(http, INTERVENTIONS, ref, "record_follow_up", later)
    assert moved["state"]["deadlines"]["psr_follow_up_due"]["due_on"] == today(45)
    await ok(
        http, INTERVENTIONS, ref, "record_follow_up", {"objective": "OBJ-2", "held_on": today(), "met": True}
    )
    await ok(http, INTERVENTIONS, ref, "issue_report", {"issued_on": today()})
    return await ok(http, INTERVENTIONS, ref, "complete", {"completed_on": today()})


async def formal_exclusion(http, ref: str) -> str:
    """An immediate exclusion made formal after consulting the advice service: its ref."""
    case = await ok(http, CASES, ref, "record_exclusion", {"exclusion": "immediate", "excluded_on": today()})
    exclusion = case["state"]["exclusions"][-1]["ref"]
    await started(http, EXCLUSIONS, exclusion)
    await refused(
        http, EXCLUSIONS, exclusion, "formally_exclude", {"excluded_on": today()}, "advice_not_consulted"
    )
    await ok(http, EXCLUSIONS, exclusion, "consult_advice_service", {"consulted_on": today()})
    await ok(http, EXCLUSIONS, exclusion, "formally_exclude", {"excluded_on": today()})
    return exclusion
