"""A history a supervisor can read in the Temporal Web UI: the workflow's static summary and
current details, and summaries on its timers, activities and children, in the domain's words
(references only, never a claimant's name). Read back from describe, the built-in metadata
query, and the history itself."""

from __future__ import annotations

from temporalio.api.enums.v1 import EventType
from temporalio.api.sdk.v1 import WorkflowMetadata

from models.claims import ClaimStage
from tests.claim_paths import ROUTES, SAMPLES
from tests.helpers import assert_eventually, ok, open_claim


async def _summaries(client, handle) -> dict[str, list[str]]:
    """Each kind of event's summaries, decoded as the Web UI decodes them (through the codec)."""
    found: dict[str, list[str]] = {}
    async for event in handle.fetch_history_events():
        if event.user_metadata.HasField("summary"):
            (text,) = await client.data_converter.decode([event.user_metadata.summary], [str])
            name = EventType.Name(event.event_type).removeprefix("EVENT_TYPE_")
            found.setdefault(name, []).append(text)
    return found


async def test_a_claim_reads_in_the_domain_s_words(fairway):
    claim = await open_claim(fairway.http)
    ref = claim["state"]["ref"]
    handle = fairway.client.get_workflow_handle(f"claim-{ref}")
    await ok(fairway.http, ref, "add_note", {"text": "called the claimant's solicitor"})

    description = await handle.describe()
    assert await description.static_summary() == f"claim {ref}"

    async def details():
        metadata = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
        text = metadata.current_details
        assert f"**claim {ref}**" in text and "stage: notified" in text and "handler: hana.handler" in text
        assert "next deadline: 20" in text

    await assert_eventually(details)

    async def summarised():
        found = await _summaries(fairway.client, handle)
        # An activity's, or a local activity's marker when the write was made inside a task.
        writes = found.get("ACTIVITY_TASK_SCHEDULED", []) + found.get("MARKER_RECORDED", [])
        assert f"register: project {ref} (seq 2)" in writes
        assert any(s.startswith("case_review_due: ") for s in found.get("TIMER_STARTED", [])), found
        return found

    found = await assert_eventually(summarised)
    assert not any("Alex Example" in s for texts in found.values() for s in texts)
    assert claim["state"]["opening"]["claimant"]["name"] == "Alex Example"


async def test_a_route_started_by_its_claim_names_itself_and_its_claim(fairway):
    ref = (await open_claim(fairway.http))["state"]["ref"]
    for action in ROUTES[ClaimStage.IN_MEDIATION]:
        answer = await ok(fairway.http, ref, action, SAMPLES[action])
    route = answer["state"]["routes"][-1]
    child = fairway.client.get_workflow_handle(route["workflow_id"])

    async def described():
        summary = await (await child.describe()).static_summary()
        assert summary == f"mediation {route['ref']} of claim {ref}"

    await assert_eventually(described)
