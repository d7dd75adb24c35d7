"""Recorded-history scenarios for the pharmacy appeal workflow (tests/histories/record.py runs
them): a lead appeal that joins another, is heard, determined and published; and the appeal
joined to it, which takes the lead's determination and publication by signal."""

from __future__ import annotations

from tests.api.test_pharmacy_appeal import (
    PREFIX,
    QUICK,
    appeal_ok,
    day,
    determination,
    lodged,
    to_consideration,
    use_policy,
)
from tests.helpers import assert_eventually, auth


async def _joint_appeals(fairway) -> tuple[str, str]:
    """Two appeals heard together: the lead's determination decides both. Returns (lead, joined)."""
    http = fairway.http
    use_policy(fairway, QUICK)
    lead, other = await lodged(http), await lodged(http)
    for ref in (lead, other):
        await to_consideration(http, ref)
    await appeal_ok(http, other, "list_hearing", {"hearing_on": day()})  # superseded by the lead's
    await appeal_ok(http, lead, "join_appeal", {"appeal_ref": other})
    await appeal_ok(http, lead, "list_hearing", {"hearing_on": day()})
    await appeal_ok(http, lead, "record_hearing_held", {"held_on": day()})
    redetermined = determination("quashed_and_redetermined", redetermination="The application is granted.")
    await appeal_ok(http, lead, "determine", redetermined)
    publication = {"published_on": day(), "publication_reference": "PCA-2026-0051"}
    await appeal_ok(http, lead, "publish_determination", publication)

    async def published():
        state = (await http.get(f"{PREFIX}/{other}", headers=auth("handler"))).json()["state"]
        assert state["stage"] == "published"

    await assert_eventually(published)
    return lead, other


async def pharmacy_appeal_lead(fairway) -> str:
    return (await _joint_appeals(fairway))[0]


async def pharmacy_appeal_joined(fairway) -> str:
    return (await _joint_appeals(fairway))[1]


WORKFLOW_KINDS = {
    "pharmacy_appeal_lead": "pharmacy_appeal",
    "pharmacy_appeal_joined": "pharmacy_appeal",
}
SCENARIOS = {
    "pharmacy_appeal_lead": pharmacy_appeal_lead,
    "pharmacy_appeal_joined": pharmacy_appeal_joined,
}
