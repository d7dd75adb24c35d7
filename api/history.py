"""A case's whole story: its timeline from the Temporal event history, across every
continue-as-new run, with what the clock did (warnings, escalations, misses) beside what people
did, and for a claim its routes' own entries; and the register's ledger, which outlives it.

Every entry says its kind (`action`: a person's; `clock`: a deadline's ladder; `route`: a
route's ending told to its claim; `system`: the case itself, continuing as new) and who: the
clock and the case itself are `system`, never a person's role."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHistory
from temporalio.service import RPCError, RPCStatusCode

from api.errors import not_found
from models.common import SYSTEM_ACTOR, ActionMeta, CaseKind, LedgerEntry
from models.register import LedgerRow

EntryKind = Literal["action", "clock", "route", "system"]
SYSTEM = "system"  # who the clock and the case itself are, in a timeline
LEDGERED = ("action", "route")  # the kinds the case numbers and its ledger keeps


class TimelineEntry(BaseModel):
    seq: int | None
    kind: EntryKind = "action"
    case_ref: str | None = None  # whose entry: a claim's timeline holds its routes' too
    action: str
    actor_id: str
    actor_role: str
    request_id: str
    at: datetime
    payload: dict[str, Any]


def system_entry(kind: EntryKind, action: str, request_id: str, at: datetime, payload: dict) -> TimelineEntry:
    return TimelineEntry(
        seq=None,
        kind=kind,
        action=action,
        actor_id=SYSTEM,
        actor_role=SYSTEM,
        request_id=request_id,
        at=at,
        payload=payload,
    )


async def _runs_newest_first(client: Client, workflow_id: str) -> list[WorkflowHistory]:
    """Every run of the case, newest first: back along continue-as-new links, and, for a run
    started again after an earlier one ended (a late reopen), to that earlier run."""
    run_id = (await client.get_workflow_handle(workflow_id).describe()).run_id
    histories: list[WorkflowHistory] = []
    while run_id:
        history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
        histories.append(history)
        started = history.events[0].workflow_execution_started_event_attributes
        previous = started.continued_execution_run_id
        if not previous and await _is_resumed(client, started):
            previous = await _run_before(client, workflow_id, run_id)
        run_id = previous
    return histories


async def _is_resumed(client: Client, started) -> bool:
    (start,) = await _decode(client, started.input.payloads, [dict])
    return not start.get("opened_by")


async def _run_before(client: Client, workflow_id: str, run_id: str) -> str | None:
    runs = sorted(
        [w async for w in client.list_workflows(f"WorkflowId = '{workflow_id}'")], key=lambda w: w.start_time
    )
    ids = [w.run_id for w in runs]
    position = ids.index(run_id) if run_id in ids else len(ids)
    return ids[position - 1] if position > 0 else None


async def _decode(client: Client, payloads, types: list[type]) -> list[Any]:
    """Payloads as the client's converter reads them, its codec (encryption, compression) undone first."""
    return await client.data_converter.decode(list(payloads), types)


async def _run_entries(client: Client, history: WorkflowHistory, opening_action: str) -> list[TimelineEntry]:
    entries: list[TimelineEntry] = []
    accepted: dict[str, TimelineEntry] = {}
    for event in history.events:
        at = event.event_time.ToDatetime(tzinfo=UTC)
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
            entry = await _opening(client, event, at, opening_action)
            if entry is not None:
                entries.append(entry)
            elif previous := event.workflow_execution_started_event_attributes.continued_execution_run_id:
                # The case's own doing: a long run continues as new, its state carried whole.
                entries.append(system_entry("system", "continued_as_new", previous, at, {}))
        elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
            request = event.workflow_execution_update_accepted_event_attributes.accepted_request
            if request.input.name == "opened" or len(request.input.args.payloads) != 2:
                continue  # the answer to an opening, not an action
            meta, payload = await _decode(client, request.input.args.payloads, [ActionMeta, dict])
            accepted[request.meta.update_id] = TimelineEntry(
                seq=None,
                action=request.input.name,
                actor_id=meta.actor.id,
                actor_role=meta.actor.role,
                request_id=meta.request_id,
                at=at,
                payload=payload,
            )
        elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
            entry = await _route_ended(client, event, at)
            if entry is not None:
                entries.append(entry)
        elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
            attrs = event.workflow_execution_update_completed_event_attributes
            entry = accepted.pop(attrs.meta.update_id, None)
            if entry is None or not attrs.outcome.HasField("success"):
                continue
            (result,) = await _decode(client, attrs.outcome.success.payloads, [dict])
            if result.get("seq") is None or result.get("duplicate"):
                continue  # a retry that changed nothing is not a step in the timeline
            entries.append(entry.model_copy(update={"seq": result["seq"]}))
    return entries


async def _route_ended(client: Client, event, at: datetime) -> TimelineEntry | None:
    """A route's or summit's last word to its claim, which the claim records as `route_ended`
    (workflows/claim.py; the request id is the claim's own)."""
    attrs = event.workflow_execution_signaled_event_attributes
    if attrs.signal_name not in ("route_progress", "summit_outcome"):
        return None
    (news,) = await _decode(client, attrs.input.payloads, [dict])
    if attrs.signal_name == "route_progress":
        if not news.get("ended"):
            return None
        request_id = f"{news['ref']}:ended"
    else:
        request_id = f"{news['summit_ref']}:outcome"
    return system_entry("route", "route_ended", request_id, at, news)


async def _opening(client: Client, event, at: datetime, opening_action: str) -> TimelineEntry | None:
    attrs = event.workflow_execution_started_event_attributes
    if attrs.continued_execution_run_id:
        return None
    (start,) = await _decode(client, attrs.input.payloads, [dict])
    if not start.get("opened_by"):
        return None  # a run resumed from an earlier one's final state
    meta = ActionMeta.model_validate(start["opened_by"])
    return TimelineEntry(
        seq=1,
        action=opening_action,
        actor_id=meta.actor.id,
        actor_role=meta.actor.role,
        request_id=meta.request_id,
        at=at,
        payload=start.get("opening") or {},
    )


async def timeline(
    client: Client, workflow_id: str, opening_action: str = "open_claim"
) -> list[TimelineEntry]:
    """Every accepted action, in order, with actor, time and payload."""
    entries: list[TimelineEntry] = []
    for history in reversed(await _runs_newest_first(client, workflow_id)):
        entries.extend(await _run_entries(client, history, opening_action))
    numbered = [e for e in entries if e.kind in LEDGERED]
    for previous, entry in zip(numbered, numbered[1:], strict=False):
        if entry.seq is None and previous.seq is not None:
            entry.seq = previous.seq + 1  # what the case numbered a signal it recorded
    return entries


def clock_entries(deadlines: dict[str, Any]) -> list[TimelineEntry]:
    """What the clock did to the case's deadlines (each deadline keeps its changes): warnings and
    escalations, misses, steps skipped for a date entered late."""
    return [
        system_entry(
            "clock",
            f"deadline_{change['change']}",
            f"{name}:{deadline.get('revision', 1)}:{change['change']}:{change['at']}",
            datetime.fromisoformat(change["at"]),
            {"deadline": name, **{k: v for k, v in change.items() if k not in ("at", "actor") and v}},
        )
        for name, deadline in deadlines.items()
        for change in deadline.get("changes", [])
        if change.get("actor") == SYSTEM_ACTOR.id
    ]


@dataclass(frozen=True)
class Related:
    """Another case whose entries belong in this one's timeline (a claim's route)."""

    ref: str
    workflow_id: str
    opening_action: str
    state: dict | None = None  # for its clock's entries, when it could be asked


@dataclass(frozen=True)
class TimelineFilter:
    kinds: frozenset[str] = frozenset()  # empty: every kind
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 500
    offset: int = 0

    def keeps(self, entry: TimelineEntry) -> bool:
        return (
            (not self.kinds or entry.kind in self.kinds)
            and (self.since is None or entry.at >= self.since)
            and (self.until is None or entry.at < self.until)
        )


class CaseHistory(BaseModel):
    ref: str
    temporal_available: bool
    temporal: list[TimelineEntry]
    temporal_total: int = 0  # entries matching the filter, before paging
    ledger: list[LedgerEntry]


async def case_history(
    client: Client,
    session: Session,
    kind: CaseKind,
    ref: str,
    workflow_id: str,
    opening_action: str,
    state: dict | None = None,
    related: list[Related] = (),
    chosen: TimelineFilter = TimelineFilter(),
) -> CaseHistory:
    """The timeline from Temporal's event history while it exists, and the ledger always: the
    ledger outlives the namespace's retention, so a case Temporal has forgotten still answers.
    Both are read by the case's kind and ref together: a ref is only ever its own kind's.
    `state`, when the case could be asked, gives the clock's entries; `related`, the cases whose
    entries join this one's (a claim's routes)."""
    rows = session.scalars(
        select(LedgerRow)
        .where(LedgerRow.case_kind == kind.value, LedgerRow.case_ref == ref)
        .order_by(LedgerRow.seq)
    ).all()
    ledger = [LedgerEntry.model_validate(row, from_attributes=True) for row in rows]
    try:
        temporal = [
            e.model_copy(update={"case_ref": ref})
            for e in await timeline(client, workflow_id, opening_action)
        ]
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND:
            raise
        if not ledger:
            raise not_found(kind.value, ref) from err
        temporal = []
    available = bool(temporal)
    if state is not None:
        temporal += [
            e.model_copy(update={"case_ref": ref}) for e in clock_entries(state.get("deadlines", {}))
        ]
    for other in related:
        with contextlib.suppress(RPCError):  # a route Temporal has forgotten keeps its own ledger
            entries = await timeline(client, other.workflow_id, other.opening_action)
            entries += clock_entries((other.state or {}).get("deadlines", {}))
            temporal += [e.model_copy(update={"case_ref": other.ref}) for e in entries]
    kept = sorted((e for e in temporal if chosen.keeps(e)), key=lambda e: e.at)
    page = kept[chosen.offset : chosen.offset + chosen.limit]
    return CaseHistory(
        ref=ref, temporal_available=available, temporal=page, temporal_total=len(kept), ledger=ledger
    )
