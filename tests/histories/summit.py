"""Recorded-history scenario for the resolution summit (tests/histories/record.py runs it)."""

from __future__ import annotations

from models.claims import ClaimStage
from tests.api import test_resolution_summit as summit


async def resolution_summit(fairway) -> str:
    """A summit of one firm's claims: one refused (another firm), one removed, one settled."""
    http = fairway.http
    kept, removed = [await summit.claim_at(http, ClaimStage.LETTER_OF_RESPONSE_SENT) for _ in range(2)]
    elsewhere = await summit.claim_at(http, ClaimStage.LETTER_OF_RESPONSE_SENT, firm=summit.OTHER_FIRM)
    ref = (await summit.open_summit(http))["state"]["ref"]
    for claim_ref in (kept, removed):
        await summit.summit_ok(http, ref, "add_claim", {"claim_ref": claim_ref})
    assert (await summit.summit_act(http, ref, "add_claim", {"claim_ref": elsewhere})).status_code == 409
    today = summit.today()
    await summit.summit_ok(http, ref, "schedule_summit", {"summit_on": today})
    await summit.summit_ok(http, ref, "remove_claim", {"claim_ref": removed, "reason": "liability disputed"})
    valuation = {"claim_ref": kept, "valued_on": today, "damages": "90000.00"}
    await summit.summit_ok(http, ref, "record_valuation", valuation)
    await summit.summit_ok(http, ref, "record_summit_held", {"held_on": today})
    settled = {"claim_ref": kept, "result": "settled", "settlement": summit.terms("100000.00")}
    await summit.summit_ok(http, ref, "record_claim_outcome", settled)
    return ref


WORKFLOW_KINDS = {"resolution_summit": "resolution_summit"}
SCENARIOS = {"resolution_summit": resolution_summit}
