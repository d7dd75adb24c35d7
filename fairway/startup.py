"""Start-up: the API and the worker wait for Temporal and the register, and run once they are there.

A process started before its dependencies (a container that came up first, a database being
restarted) waits with backoff and says what it is waiting for on each attempt, rather than
exiting with a traceback and leaving a supervisor to restart it blindly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog
from temporalio.client import Client

from fairway import db
from fairway.client import connect
from fairway.settings import Settings

log = structlog.get_logger(__name__)
T = TypeVar("T")

FIRST_WAIT_SECONDS = 0.5
LONGEST_WAIT_SECONDS = 10.0


def backoff(attempt: int) -> float:
    """Seconds before attempt `attempt + 1`: doubling from half a second, at most ten."""
    return min(LONGEST_WAIT_SECONDS, FIRST_WAIT_SECONDS * 2**attempt)


async def until_ready(what: str, attempt_once: Callable[[], Awaitable[T]]) -> T:
    """`attempt_once()` until it succeeds, logging one line per failed attempt."""
    attempt = 0
    while True:
        try:
            return await attempt_once()
        except Exception as err:  # anything: a refused connection, a locked database, DNS
            wait = backoff(attempt)
            log.warning(f"waiting for {what}", error=_one_line(err), attempt=attempt + 1, retry_in_s=wait)
            attempt += 1
            await asyncio.sleep(wait)


async def temporal_when_ready(settings: Settings, **options) -> Client:
    """`options` go to `connect` (the worker's runtime and service name)."""
    return await until_ready(f"Temporal at {settings.temporal_address}", lambda: connect(settings, **options))


async def register_when_ready(url: str) -> None:
    """The register reachable and migrated to the latest schema."""
    await until_ready(f"the register at {db.shown_url(url)}", lambda: asyncio.to_thread(db.migrate, url))


def _one_line(err: Exception) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0] if text else ''}"[:300]
