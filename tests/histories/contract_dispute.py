"""Recorded-history scenarios for the primary care contract dispute workflow
(tests/histories/record.py runs them): a referral to a determination quashed on judicial review
and made again, and a representations period whose ladder escalates before the adjudicator goes
on without them."""

from __future__ import annotations

from datetime import timedelta

from tests.api.test_contract_dispute import (
    PREFIX,
    QUICK,
    SHORT,
    asked,
    determination,
    dispute_ok,
    referred,
    to_consideration,
    today,
    use_policy,
)
from tests.helpers import assert_eventually, auth


async def contract_dispute_judicial_review(fairway) -> str:
    """Referral, representations, observations, an expert and a hearing, a determination
    flagged for judicial review and quashed, made again, then closed."""
    http = fairway.http
    use_policy(fairway, QUICK)
    ref = (await referred(http))["ref"]
    on = today().isoformat()
    await dispute_ok(http, ref, "acknowledge_referral", {"sent_on": on})
    await to_consideration(http, ref)
    expert = {
        "instructed_on": on,
        "discipline": "valuer",
        "advice_due_on": (today() + timedelta(days=14)).isoformat(),
    }
    await dispute_ok(http, ref, "instruct_expert", expert)
    await dispute_ok(http, ref, "receive_expert_advice", {"received_on": on})
    hearing = {"arranged_on": on, "hearing_on": (today() + timedelta(days=7)).isoformat()}
    await dispute_ok(http, ref, "arrange_hearing", hearing)
    await dispute_ok(http, ref, "record_hearing", {"held_on": on})
    await dispute_ok(http, ref, "issue_determination", determination())
    await dispute_ok(http, ref, "flag_judicial_review", {"flagged_on": on, "sought_by": "contractor"})
    await dispute_ok(http, ref, "record_judicial_review_outcome", {"decided_on": on, "result": "quashed"})
    await dispute_ok(http, ref, "issue_determination", determination() | {"result": "partly_upheld"})
    await dispute_ok(http, ref, "close_dispute", {"closed_on": on})
    return ref


async def contract_dispute_representations_escalated(fairway) -> str:
    """Under the short policy: the representations period's ladder fires in full, the case is
    overdue, and the adjudicator goes on without them."""
    http = fairway.http
    use_policy(fairway, SHORT)
    ref = (await referred(http, referred_on=today().isoformat()))["ref"]
    await dispute_ok(http, ref, "request_representations", asked(14))

    async def missed():
        state = (await http.get(f"{PREFIX}/{ref}", headers=auth("handler"))).json()["state"]
        assert state["deadlines"]["representations_due"]["steps_done"] == [
            "warning",
            "supervisor",
            "head_of_service",
        ]

    await assert_eventually(missed, timeout=20)
    reason = {"decided_on": today().isoformat(), "reason": "no representations from either party"}
    await dispute_ok(http, ref, "proceed_without_representations", reason)
    await dispute_ok(
        http,
        ref,
        "withdraw_referral",
        {"withdrawn_on": today().isoformat(), "withdrawn_by": "contractor", "reason": "settled"},
    )
    return ref


WORKFLOW_KINDS = {
    "contract_dispute_judicial_review": "contract_dispute",
    "contract_dispute_representations_escalated": "contract_dispute",
}
SCENARIOS = {
    "contract_dispute_judicial_review": contract_dispute_judicial_review,
    "contract_dispute_representations_escalated": contract_dispute_representations_escalated,
}
