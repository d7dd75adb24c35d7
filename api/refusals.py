"""A workflow's refusal, and its answer, as the API sends them: one shape for every case kind."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import Response
from temporalio.client import WorkflowUpdateFailedError
from temporalio.common import RawValue
from temporalio.exceptions import ApplicationError

from api.errors import ApiError

log = structlog.get_logger(__name__)


def update_refusal(err: WorkflowUpdateFailedError) -> ApiError:
    """A pathway's refusal is a 409 (403 for a role) with its code; anything else is a fault."""
    cause = err.cause
    if not isinstance(cause, ApplicationError):
        return ApiError(409, "action_failed", str(cause or err))
    details: dict[str, Any] = cause.details[0] if cause.details else {}
    if not isinstance(details, dict) or details.get("code") != cause.type:
        # Not a refusal from the pathway but a fault in the workflow: say so, don't blame the caller.
        log.error("case action failed", error=cause.message, error_type=cause.type)
        return ApiError(500, "internal_error", "the action failed unexpectedly; it has been logged")
    status = 403 if cause.type == "forbidden_for_role" else 409
    return ApiError(status, cause.type, cause.message, details)


def passthrough(result: RawValue, status_code: int = 200) -> Response:
    """The workflow's answer is already the response body (a CaseView): send its JSON as is,
    rather than decoding and re-encoding the whole case on every action."""
    if result.payload.metadata.get("encoding") != b"json/plain":
        raise ApiError(500, "internal_error", "unexpected payload encoding from the workflow")
    return Response(content=result.payload.data, media_type="application/json", status_code=status_code)
