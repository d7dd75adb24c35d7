"""An activity that waits on another case heartbeats while it waits, and only then."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

from temporalio.testing import ActivityEnvironment

from activities.heartbeats import heartbeating


async def heartbeats_while_waiting(heartbeat_timeout: timedelta | None) -> tuple[int, int]:
    """Heartbeats sent while an activity waits half a second, and in all (it rests after)."""
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, heartbeat_timeout=heartbeat_timeout)
    beats: list[tuple] = []
    env.on_heartbeat = lambda *details: beats.append(details)

    async def waits_then_rests() -> int:
        async with heartbeating():
            await asyncio.sleep(0.5)
        while_waiting = len(beats)
        await asyncio.sleep(0.3)
        return while_waiting

    while_waiting = await env.run(waits_then_rests)
    return while_waiting, len(beats)


async def test_it_heartbeats_three_times_a_timeout_while_it_waits_and_stops_after():
    while_waiting, in_all = await heartbeats_while_waiting(timedelta(seconds=0.3))
    assert 4 <= while_waiting <= 6  # one at once, then one every 0.1 s
    assert in_all == while_waiting, "none once the wait is over"


async def test_an_activity_scheduled_without_a_heartbeat_timeout_does_not_heartbeat():
    assert await heartbeats_while_waiting(None) == (0, 0)
