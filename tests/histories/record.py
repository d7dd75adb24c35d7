"""Record a workflow history for the replay tests: `python -m tests.histories.record NAME`.

Each scenario drives a case through the HTTP API against a fresh dev server and writes the
resulting event history to tests/histories/NAME.json. Recorded files are never rewritten by
the test suite: they are the shapes running workflows already have.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fairway import db
from models.claims import ClaimStage
from tests.claim_paths import ROUTES, SAMPLES
from tests.conftest import TEST_POLICY, running_fairway, start_dev_server
from tests.helpers import ok, open_claim
from tests.workflows.test_deadlines import SHORT

HERE = Path(__file__).parent


async def claim_foundation(fairway) -> str:
    http = fairway.http
    ref = (await open_claim(http))["claim"]["ref"]
    await ok(http, ref, "add_note", {"text": "Records requested from the trust."})
    await ok(http, ref, "reassign", {"handler": "harry.handler", "reason": "caseload"}, who="supervisor")
    await ok(http, ref, "close", {"outcome": "withdrawn", "summary": "claimant withdrew"}, who="handler2")
    return ref


async def claim_lifecycle(fairway) -> str:
    http = fairway.http
    ref = (await open_claim(http))["claim"]["ref"]
    for action in ROUTES[ClaimStage.PAID]:
        await ok(http, ref, action, SAMPLES[action])
    await ok(http, ref, "put_on_hold", SAMPLES["put_on_hold"])
    await ok(http, ref, "take_off_hold", SAMPLES["take_off_hold"])
    await ok(http, ref, "close", {"outcome": "settled_with_damages"})
    await ok(http, ref, "reopen", SAMPLES["reopen"], who="supervisor")
    return ref


async def claim_continued(fairway) -> str:
    """The run after a continue-as-new: it starts from carried state."""
    http = fairway.http
    ref = (await open_claim(http))["claim"]["ref"]
    await asyncio.gather(*(ok(http, ref, "add_note", {"text": f"note {i}"}) for i in range(30)))
    await ok(http, ref, "receive_letter_of_claim", SAMPLES["receive_letter_of_claim"])
    return ref


async def claim_deadlines(fairway) -> str:
    """The deadline book at work: escalations, extension, hold, correction, acknowledgment, waiver."""
    http = fairway.http
    ref = (await open_claim(http))["claim"]["ref"]
    await asyncio.sleep(5)  # the first review's whole ladder fires under the short policy
    await ok(http, ref, "receive_letter_of_claim", {"received_on": "2026-03-31"})
    correction = {"action": "receive_letter_of_claim", "corrected_date": "2026-03-30", "reason": "misread"}
    await ok(http, ref, "correct_date", correction)
    ack = {"deadline": "case_review_due", "revision": 1, "step": "supervisor", "comment": "chasing"}
    await ok(http, ref, "acknowledge_escalation", ack, who="supervisor")
    await ok(http, ref, "put_on_hold", {"reason": "inquest", "review_on": "2027-01-01"})
    await ok(http, ref, "take_off_hold", {})
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    body = {
        "deadline": "letter_of_response_due",
        "new_due_at": later,
        "reason": "experts",
        "agreed_by": "firm",
    }
    await ok(http, ref, "extend_deadline", body)
    await ok(
        http, ref, "waive_deadline", {"deadline": "letter_of_response_due", "reason": "x"}, who="supervisor"
    )
    await ok(http, ref, "acknowledge_letter_of_claim", {"sent_on": "2026-04-01"})
    return ref


async def claim_book_closed_and_reopened(fairway) -> str:
    """The deadline book with every change since it landed: escalations moving visibility with
    the projection, a correction that keeps agreed dates, closure, and a reopen that restores
    limitation."""
    http = fairway.http
    ref = await claim_deadlines(fairway)
    await ok(http, ref, "close", {"outcome": "withdrawn"})
    await ok(http, ref, "reopen", {"reason": "claimant came back"}, who="supervisor")
    await ok(http, ref, "add_note", {"text": "after reopening"})
    return ref


SCENARIOS = {
    "claim_foundation": claim_foundation,
    "claim_lifecycle": claim_lifecycle,
    "claim_continued": claim_continued,
    "claim_deadlines": claim_deadlines,
    "claim_book_closed_and_reopened": claim_book_closed_and_reopened,
}
POLICIES = {"claim_deadlines": SHORT, "claim_book_closed_and_reopened": SHORT}
SERVER_ARGS = {"claim_continued": ["--dynamic-config-value", "limit.historyCount.suggestContinueAsNew=60"]}


async def record(name: str) -> Path:
    env = await start_dev_server(*SERVER_ARGS.get(name, []))
    url = f"sqlite:////tmp/fairway-record-{name}.db"
    db.migrate(url)
    try:
        sessions = db.session_factory(db.make_engine(url))
        async with running_fairway(env.client, sessions, policy=POLICIES.get(name, TEST_POLICY)) as fairway:
            ref = await SCENARIOS[name](fairway)
            await asyncio.sleep(1)  # let the last projection finish so the history is complete
            history = await env.client.get_workflow_handle(f"claim-{ref}").fetch_history()
        out = HERE / f"{name}.json"
        out.write_text(history.to_json())
        return out
    finally:
        await env.shutdown()


if __name__ == "__main__":
    for scenario in sys.argv[1:] or list(SCENARIOS):
        print(asyncio.run(record(scenario)))
