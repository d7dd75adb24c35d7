"""Record a workflow history for the replay tests: `python -m tests.histories.record NAME`.

Each scenario drives a case through the HTTP API against a fresh dev server and writes the
resulting event history to tests/histories/NAME.json. Recorded files are never rewritten by
the test suite: they are the shapes running workflows already have.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from fairway import db
from models.claims import ClaimStage
from tests.claim_paths import ROUTES, SAMPLES
from tests.conftest import running_fairway, start_dev_server
from tests.helpers import ok, open_claim

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


SCENARIOS = {
    "claim_foundation": claim_foundation,
    "claim_lifecycle": claim_lifecycle,
    "claim_continued": claim_continued,
}
SERVER_ARGS = {"claim_continued": ["--dynamic-config-value", "limit.historyCount.suggestContinueAsNew=60"]}


async def record(name: str) -> Path:
    env = await start_dev_server(*SERVER_ARGS.get(name, []))
    url = f"sqlite:////tmp/fairway-record-{name}.db"
    db.migrate(url)
    try:
        async with running_fairway(env.client, db.session_factory(db.make_engine(url))) as fairway:
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
