"""Recorded-history scenario for the duty of candour workflow (tests/histories/record.py runs
it): under the short policy the written follow-up's whole ladder fires before the letter goes,
then the case runs from the harm assessment to the outcome shared."""

from __future__ import annotations

from tests.api.test_duty_of_candour import (
    PREFIX,
    SHORT,
    candour_ok,
    day,
    reported,
    to_notified,
    use_policy,
)
from tests.helpers import assert_eventually, auth


async def duty_of_candour_outcome_shared(fairway) -> str:
    http = fairway.http
    use_policy(fairway, SHORT)
    ref = await reported(http)

    async def missed():
        state = (await http.get(f"{PREFIX}/{ref}", headers=auth("handler"))).json()["state"]
        assert state["deadlines"]["written_follow_up_due"]["steps_done"] == [
            "warning",
            "supervisor",
            "head_of_service",
        ]

    await assert_eventually(missed, timeout=20)
    await to_notified(http, ref, harm="prolonged_psychological_harm")
    await candour_ok(http, ref, "send_written_follow_up", {"sent_on": day(-1), "enquiries": "a review"})
    await candour_ok(http, ref, "record_update", {"given_on": day(), "method": "video", "shared": "begun"})
    outcome = {"shared_on": day(), "method": "letter", "findings": "the review's findings"}
    await candour_ok(http, ref, "share_outcome", outcome)
    return ref


WORKFLOW_KINDS = {"duty_of_candour_outcome_shared": "duty_of_candour"}
SCENARIOS = {"duty_of_candour_outcome_shared": duty_of_candour_outcome_shared}
