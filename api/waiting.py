"""How long the API waits for a worker: an action or a read that needs one answers 503 no_worker
after `FAIRWAY_WORKER_WAIT_SECONDS`, rather than hanging while no worker polls.

An action that timed out may still be applied once a worker returns (Temporal keeps it): the
client retries with the same Idempotency-Key and gets its answer, applied once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import structlog
from temporalio.client import RPCTimeoutOrCancelledError

from api.errors import ApiError

log = structlog.get_logger(__name__)

RETRY_AFTER_SECONDS = 5


@asynccontextmanager
async def worker_answer(app_state: Any) -> AsyncIterator[None]:
    seconds = app_state.settings.worker_wait_seconds
    try:
        async with asyncio.timeout(seconds):
            yield
    except (TimeoutError, RPCTimeoutOrCancelledError) as err:
        log.warning("no worker answered", waited_s=seconds, task_queue=app_state.settings.temporal_task_queue)
        raise ApiError(
            503,
            "no_worker",
            f"no worker answered within {seconds:g} s; retry with the same Idempotency-Key",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        ) from err
