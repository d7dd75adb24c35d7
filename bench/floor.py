"""The engine's own floor: a minimal workflow that takes bare Temporal Updates, for the deadline
benchmark one that only sleeps to an instant and runs one no-op activity, and for the scale
benchmark one that only stays open, as an open claim does.

Run as a worker: `python -m bench.floor TASK_QUEUE` (the address comes from FAIRWAY_TEMPORAL_ADDRESS).
Its worker is tuned as Fairway's is, from the same settings and functions (cases cached, the wait
for the worker caching a workflow, polls autoscaled, workflows run outside the SDK's sandbox), so
a comparison measures the workflows, not the tuning.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Worker


@workflow.defn
class FloorUpdates:
    def __init__(self) -> None:
        self.count = 0
        self.done = False

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self.done)
        return self.count

    @workflow.update
    def act(self, request_id: str) -> int:
        self.count += 1
        return self.count

    @act.validator
    def check(self, request_id: str) -> None:
        if not request_id:
            raise ValueError("a request id is required")

    @workflow.signal
    def finish(self) -> None:
        self.done = True


@workflow.defn
class FloorCase:
    """An open case and nothing else: started with a claim's search attributes, it waits until
    it is closed."""

    def __init__(self) -> None:
        self.closed = False

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: self.closed)

    @workflow.signal
    def close(self) -> None:
        self.closed = True


@activity.defn
def noop(due: str) -> str:
    """Does nothing but say when it ran, so the floor's lag behind the due time is measured."""
    return datetime.now(UTC).isoformat()


@workflow.defn
class FloorTimer:
    @workflow.run
    async def run(self, due_iso: str) -> str:
        due = datetime.fromisoformat(due_iso)
        await workflow.sleep(max(due - workflow.now(), timedelta(0)))
        return await workflow.execute_activity(noop, due_iso, start_to_close_timeout=timedelta(seconds=30))


async def main(task_queue: str) -> None:
    # Here, not at the top: the benches import this module for its workflows' names, and need
    # not load the worker's module (with everything it imports) for that.
    from fairway.settings import Settings
    from worker import caching, polling, workflow_runner

    client = await Client.connect(
        os.environ["FAIRWAY_TEMPORAL_ADDRESS"], data_converter=pydantic_data_converter
    )
    from concurrent.futures import ThreadPoolExecutor

    worker = Worker(
        client,
        task_queue=task_queue,
        workflows=[FloorUpdates, FloorTimer, FloorCase],
        activities=[noop],
        activity_executor=ThreadPoolExecutor(32),
        workflow_runner=workflow_runner(),
        **polling(),
        **caching(Settings()),
    )
    await worker.run()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
