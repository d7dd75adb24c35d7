"""Recorded-history scenarios for the advice workflows (tests/histories/record.py runs them).

Each returns the ref whose history is recorded (WORKFLOW_KINDS gives its kind): the advice
case (an assessment its practitioner's consent was withdrawn from, then one carried out, an alert
notice issued, reviewed and revoked), one of its interventions, or an exclusion whose missed
review gave a right to return, with a board return received late.
"""

from __future__ import annotations

import asyncio

from tests.advice_paths import (
    CASES,
    EXCLUSIONS,
    QUICK_ADVICE,
    SHORT_ADVICE,
    action_plan,
    advised,
    assessed,
    consented,
    formal_exclusion,
    ok,
    today,
    use_policy,
)
from tests.helpers import assert_eventually, auth


async def _through_closure(fairway) -> tuple[str, str]:
    http = fairway.http
    use_policy(fairway, QUICK_ADVICE)
    ref = await advised(http)
    await consented(http, ref)
    withdrawal = {"party": "practitioner", "withdrawn_on": today(), "follow_up_on": today(14)}
    await ok(http, CASES, ref, "withdraw_consent", withdrawal)
    await assessed(http, ref)
    alert = {
        "issued_on": today(),
        "issuing_body": "nhs_resolution",
        "reason": "inappropriate_behaviour",
        "review_on": today(90),
    }
    await ok(http, CASES, ref, "issue_alert_notice", alert)
    await ok(http, CASES, ref, "review_alert_notice", {"reviewed_on": today(), "next_review_on": today(120)})
    case = await ok(
        http, CASES, ref, "start_intervention", {"intervention": "psr_action_plan", "agreed_on": today()}
    )
    plan = case["state"]["interventions"][0]["ref"]
    exclusion = await formal_exclusion(http, ref)
    await ok(http, EXCLUSIONS, exclusion, "review_exclusion", {"reviewed_on": today()})
    await ok(http, EXCLUSIONS, exclusion, "return_to_work", {"returned_on": today()})
    await action_plan(http, plan)
    await ok(http, CASES, ref, "hold_advice_call", {"held_on": today()})
    await ok(http, CASES, ref, "agree_closure", {"letter_sent_on": today()})
    revocation = {"revoked_on": today(), "reason": "regulator_restricted_practice"}
    await ok(http, CASES, ref, "revoke_alert_notice", revocation)

    async def children_ended():
        response = await http.post(
            f"{CASES}/{ref}/close", json={"closed_on": today()}, headers=auth("adviser")
        )
        assert response.status_code == 200, response.text

    await assert_eventually(children_ended)
    return ref, plan


async def advice_case(fairway) -> str:
    ref, _ = await _through_closure(fairway)
    return ref


async def advice_intervention(fairway) -> str:
    _, plan = await _through_closure(fairway)
    return plan


async def advice_exclusion(fairway) -> str:
    """An exclusion under the short policy: a missed review, escalations, return to work."""
    http = fairway.http
    use_policy(fairway, SHORT_ADVICE)
    ref = await advised(http)
    exclusion = await formal_exclusion(http, ref)
    await ok(http, EXCLUSIONS, exclusion, "review_exclusion", {"reviewed_on": today()})
    await ok(http, EXCLUSIONS, exclusion, "renew_exclusion", {"renewed_on": today()})
    await asyncio.sleep(7)  # the second review is missed and its whole ladder fires
    late = {"received_on": today(), "summary": "investigation continuing"}
    await ok(http, EXCLUSIONS, exclusion, "record_board_return", late)  # its first return missed too
    await ok(http, EXCLUSIONS, exclusion, "return_to_work", {"returned_on": today()})
    return exclusion


WORKFLOW_KINDS = {
    "advice_case": "advice",
    "advice_intervention": "intervention",
    "advice_exclusion": "exclusion",
}
SCENARIOS = {
    "advice_case": advice_case,
    "advice_intervention": advice_intervention,
    "advice_exclusion": advice_exclusion,
}
