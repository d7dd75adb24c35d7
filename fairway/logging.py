"""structlog JSON logging with Temporal workflow and activity context bound automatically."""

from __future__ import annotations

import logging
import sys

import structlog
from temporalio import activity, workflow


def add_temporal_context(_logger, _method, event_dict: dict) -> dict:
    """Bind workflow or activity ids when running inside one.

    Safe in the workflow sandbox: it does no I/O, and drops events while a workflow is
    replaying so a log line is written once, not on every replay.
    """
    if activity.in_activity():
        info = activity.info()
        event_dict.setdefault("workflow_id", info.workflow_id)
        event_dict.setdefault("activity", info.activity_type)
        event_dict.setdefault("attempt", info.attempt)
    elif workflow.in_workflow():
        if workflow.unsafe.is_replaying():
            raise structlog.DropEvent
        info = workflow.info()
        event_dict.setdefault("workflow_id", info.workflow_id)
        event_dict.setdefault("run_id", info.run_id)
    return event_dict


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(format="%(message)s", stream=sys.stdout, level=level)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            add_temporal_context,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(),
        cache_logger_on_first_use=False,
    )
