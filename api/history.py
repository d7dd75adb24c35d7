"""A case's timeline from the Temporal event history, across every continue-as-new run."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHistory

from models.common import ActionMeta


class TimelineEntry(BaseModel):
    seq: int | None
    action: str
    actor_id: str
    actor_role: str
    request_id: str
    at: datetime
    payload: dict[str, Any]


async def _runs_newest_first(client: Client, workflow_id: str) -> list[WorkflowHistory]:
    histories, run_id = [], None
    while True:
        history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
        histories.append(history)
        started = history.events[0].workflow_execution_started_event_attributes
        run_id = started.continued_execution_run_id
        if not run_id:
            return histories


def _decode(client: Client, payloads, types: list[type]) -> list[Any]:
    return client.data_converter.payload_converter.from_payloads(list(payloads), types)


def _run_entries(client: Client, history: WorkflowHistory) -> list[TimelineEntry]:
    entries: list[TimelineEntry] = []
    accepted: dict[str, TimelineEntry] = {}
    for event in history.events:
        at = event.event_time.ToDatetime(tzinfo=UTC)
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
            entry = _opening(client, event, at)
            if entry is not None:
                entries.append(entry)
        elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
            request = event.workflow_execution_update_accepted_event_attributes.accepted_request
            meta, payload = _decode(client, request.input.args.payloads, [ActionMeta, dict])
            accepted[request.meta.update_id] = TimelineEntry(
                seq=None,
                action=request.input.name,
                actor_id=meta.actor.id,
                actor_role=meta.actor.role,
                request_id=meta.request_id,
                at=at,
                payload=payload,
            )
        elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
            attrs = event.workflow_execution_update_completed_event_attributes
            entry = accepted.pop(attrs.meta.update_id, None)
            if entry is None or not attrs.outcome.HasField("success"):
                continue
            (result,) = _decode(client, attrs.outcome.success.payloads, [dict])
            applied = result.get("applied", {})
            if applied.get("duplicate"):
                continue  # a retry that changed nothing is not a step in the timeline
            entries.append(entry.model_copy(update={"seq": applied.get("seq")}))
    return entries


def _opening(client: Client, event, at: datetime) -> TimelineEntry | None:
    attrs = event.workflow_execution_started_event_attributes
    if attrs.continued_execution_run_id:
        return None
    (start,) = _decode(client, attrs.input.payloads, [dict])
    meta = ActionMeta.model_validate(start["opened_by"])
    return TimelineEntry(
        seq=1,
        action="open_claim",
        actor_id=meta.actor.id,
        actor_role=meta.actor.role,
        request_id=meta.request_id,
        at=at,
        payload=start.get("opening") or {},
    )


async def timeline(client: Client, workflow_id: str) -> list[TimelineEntry]:
    """Every accepted action, in order, with actor, time and payload."""
    entries: list[TimelineEntry] = []
    for history in reversed(await _runs_newest_first(client, workflow_id)):
        entries.extend(_run_entries(client, history))
    return entries
