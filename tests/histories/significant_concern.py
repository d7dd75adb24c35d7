"""Recorded-history scenarios for the significant concern workflows (tests/histories/record.py
runs them): one per workflow type, each raised from a case that records the link back and walked
to closed through a referral invited and a regulator."""

from __future__ import annotations

from tests.advice_paths import CASES as ADVICE_CASES
from tests.advice_paths import referral as advice_referral
from tests.api.test_significant_concern import ADVICE_PREFIX, QUICK, raised, use_policy, walk_to_closed
from tests.helpers import auth, key, open_claim


async def significant_concern_from_a_claim(fairway) -> str:
    http = fairway.http
    use_policy(fairway, QUICK)
    claim = (await open_claim(http))["state"]["ref"]
    ref = (await raised(http, ("claim", claim)))["ref"]
    await walk_to_closed(http, ref)
    return ref


async def advice_concern_from_an_advice_case(fairway) -> str:
    http = fairway.http
    use_policy(fairway, QUICK)
    headers = auth("adviser") | {"Idempotency-Key": key()}
    advice = (await http.post(ADVICE_CASES, json=advice_referral(), headers=headers)).json()["state"]["ref"]
    ref = (await raised(http, ("advice", advice), who="adviser", prefix=ADVICE_PREFIX))["ref"]
    await walk_to_closed(http, ref, "adviser", ADVICE_PREFIX)
    return ref


WORKFLOW_KINDS = {
    "significant_concern_from_a_claim": "significant_concern",
    "advice_concern_from_an_advice_case": "advice_concern",
}
SCENARIOS = {
    "significant_concern_from_a_claim": significant_concern_from_a_claim,
    "advice_concern_from_an_advice_case": advice_concern_from_an_advice_case,
}
