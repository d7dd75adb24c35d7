"""Small helpers used everywhere in the tests."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

TOKENS = {
    "handler": "test-handler",
    "handler2": "test-handler-2",
    "supervisor": "test-supervisor",
    "auditor": "test-auditor",
    "admin": "test-admin",
    "adviser": "test-adviser",
    "advice_supervisor": "test-advice-supervisor",
    "analyst": "test-analyst",
}
ACTORS = {
    "test-handler": {"actor": "hana.handler", "role": "handler"},
    "test-handler-2": {"actor": "harry.handler", "role": "handler"},
    "test-supervisor": {"actor": "sam.supervisor", "role": "supervisor"},
    "test-auditor": {"actor": "ada.auditor", "role": "auditor"},
    "test-admin": {"actor": "alex.admin", "role": "admin"},
    "test-adviser": {"actor": "ava.adviser", "role": "adviser"},
    "test-advice-supervisor": {"actor": "avery.advice-supervisor", "role": "advice_supervisor"},
    "test-analyst": {"actor": "nia.analyst", "role": "analyst"},
}

# Each role's test actor, as the tokens above name them (a role's first, where it has two).
ACTOR_IDS = {entry["role"]: entry["actor"] for entry in reversed(ACTORS.values())}


def auth(who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[who]}"}


def key() -> str:
    return uuid.uuid4().hex


def opening(**overrides: Any) -> dict[str, Any]:
    body = {
        "scheme": "CNST",
        "defendant": {"kind": "trust", "code": "RX1", "name": "Example Hospitals NHS Trust"},
        "specialty": "obstetrics",
        # Limitation (3 years from knowledge) warns 180 days ahead: far enough that no test's
        # ladder meets a limitation warning before mid-2027.
        "incident_date": "2025-03-01",
        "date_of_knowledge": "2025-06-01",
        "claimant": {"name": "Alex Example", "date_of_birth": "1990-01-01", "protected_party": False},
        "claimant_firm": {"firm_id": "SRA-100200", "name": "Example & Co LLP"},
        "allegations": "Delay in recognising fetal distress.",
        "handler": "hana.handler",
    }
    body.update(overrides)
    return body


def local_activity_type(event) -> str | None:
    """The activity type a history event's local-activity marker records; None for any other event."""
    if not event.HasField("marker_recorded_event_attributes"):
        return None
    data = event.marker_recorded_event_attributes.details["data"].payloads[0].data
    return json.loads(data).get("activity_type")


async def register_writes(handle) -> list[tuple[str, bool]]:
    """The register writes in a case's history, in order: each one's activity type and whether it
    was written from inside a workflow task (a local activity's marker) or left to an activity
    (scheduled, whether or not it has run yet)."""
    writes = []
    async for event in handle.fetch_history_events():
        if name := event.activity_task_scheduled_event_attributes.activity_type.name:
            writes.append((name, False))
        elif name := local_activity_type(event):
            writes.append((name, True))
    return writes


async def at_most(n: int, awaitables: Iterable[Awaitable[T]]) -> list[T]:
    """Every one awaited, in order of the answers, with no more than n in flight at once."""
    gate = asyncio.Semaphore(n)

    async def one(awaitable: Awaitable[T]) -> T:
        async with gate:
            return await awaitable

    return await asyncio.gather(*(one(a) for a in awaitables))


def read_only_url(url: str) -> str:
    """The same SQLite file opened read-only (the tests run as root, which file modes don't stop)."""
    path = Path(url.removeprefix("sqlite:///")).resolve()
    return f"sqlite:///file:{path}?mode=ro&uri=true"


async def assert_eventually(
    check: Callable[[], Awaitable[T]] | Callable[[], T], timeout: float = 15.0, interval: float = 0.1
) -> T:
    """Retry `check` until it stops raising AssertionError, for eventually consistent reads."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
            if asyncio.iscoroutine(result):
                result = await result
            return result
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(interval)


async def open_claim(http, who: str = "handler", **overrides: Any) -> dict[str, Any]:
    response = await http.post(
        "/claims", json=opening(**overrides), headers=auth(who) | {"Idempotency-Key": key()}
    )
    assert response.status_code == 201, response.text
    return response.json()


async def act(
    http,
    ref: str,
    action: str,
    body: dict,
    who: str = "handler",
    idempotency_key: str | None = None,
    prefix: str = "/claims",
):
    """One action on a case of the kind whose routes are under `prefix` (`functools.partial` it
    for another kind's)."""
    headers = auth(who) | {"Idempotency-Key": idempotency_key or key()}
    return await http.post(f"{prefix}/{ref}/{action.replace('_', '-')}", json=body, headers=headers)


async def ok(
    http, ref: str, action: str, body: dict, who: str = "handler", prefix: str = "/claims"
) -> dict[str, Any]:
    response = await act(http, ref, action, body, who, prefix=prefix)
    assert response.status_code == 200, response.text
    return response.json()


def ledgered(history: dict, ref: str) -> list[dict]:
    """A case history's timeline entries its ledger keeps too: its own actions and recorded route
    endings, not the clock's entries, its runs, or its routes' entries."""
    return [e for e in history["temporal"] if e["kind"] in ("action", "route") and e["case_ref"] == ref]
