"""Heartbeats for activities that wait on another case, so a dead worker is noticed in seconds.

Such an activity (an Update on a claim, a claim started) may rightly wait a while: the other
case may be busy, or on a worker that is itself restarting. Its start-to-close stays long, and
it heartbeats while it waits; Temporal hears nothing from a worker that has died and, once the
activity's heartbeat timeout passes, retries it on another (workflows/activity_options.py).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from temporalio import activity


@contextlib.asynccontextmanager
async def heartbeating() -> AsyncIterator[None]:
    """Heartbeat while the block runs: three times per heartbeat timeout (the SDK sends no
    more often than it needs to), and not at all for an activity scheduled without one."""
    timeout = activity.info().heartbeat_timeout
    if not timeout:
        yield
        return
    beats = asyncio.create_task(_beat(timeout.total_seconds() / 3))
    try:
        yield
    finally:
        beats.cancel()


async def _beat(every: float) -> None:
    while True:
        activity.heartbeat()
        await asyncio.sleep(every)
