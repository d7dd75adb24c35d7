"""Readiness: whether this process can serve, dependency by dependency.

`/healthz` says the process lives; `/readyz` asks each of these. Each check answers None when
its dependency is fine, or a short reason for an operator (the logs carry the detail).
"""

from __future__ import annotations

import asyncio
import functools
from datetime import UTC, datetime, timedelta

import structlog
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest, GetSystemInfoRequest
from temporalio.client import Client

from fairway import db

log = structlog.get_logger(__name__)

CHECK_TIMEOUT = timedelta(seconds=3)
# An idle worker's long poll lasts about a minute, after which it polls again: a poller seen
# longer ago than this has gone.
POLLER_SEEN_WITHIN = timedelta(seconds=90)


async def temporal_problem(client: Client) -> str | None:
    try:
        await client.workflow_service.get_system_info(GetSystemInfoRequest(), timeout=CHECK_TIMEOUT)
    except Exception as err:
        log.warning("readiness: Temporal unreachable", error=str(err))
        return "Temporal is not reachable"
    return None


async def worker_problem(client: Client, task_queue: str) -> str | None:
    request = DescribeTaskQueueRequest(
        namespace=client.namespace,
        task_queue=TaskQueue(name=task_queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    )
    try:
        answer = await client.workflow_service.describe_task_queue(request, timeout=CHECK_TIMEOUT)
    except Exception as err:
        log.warning("readiness: task queue not described", error=str(err))
        return "Temporal is not reachable"
    if not recent_pollers([p.last_access_time.ToDatetime(UTC) for p in answer.pollers], _now()):
        return f"no worker is polling task queue {task_queue}"
    return None


def recent_pollers(seen: list[datetime], now: datetime) -> list[datetime]:
    return [at for at in seen if now - at <= POLLER_SEEN_WITHIN]


def _now() -> datetime:
    return datetime.now(UTC)


async def register_problem(sessions: db.Sessions) -> str | None:
    return await asyncio.to_thread(_register_problem, sessions)


def _register_problem(sessions: db.Sessions) -> str | None:
    """Reachable, migrated to the latest schema, and writable (a write rolled back)."""
    try:
        with sessions.engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
            latest = latest_migration()
            if current != latest:
                return f"the register is at migration {current}, not {latest}: run fairway migrate"
            connection.rollback()
            # A write that changes nothing, rolled back: a read-only file or replica refuses it.
            connection.execute(text("UPDATE alembic_version SET version_num = version_num"))
            connection.rollback()
    except Exception as err:
        log.error("readiness: the register cannot be written", register=sessions.shown_url(), error=str(err))
        return "the register cannot be written"
    return None


@functools.cache
def latest_migration() -> str:
    return ScriptDirectory.from_config(db.alembic_config("sqlite://")).get_current_head()
