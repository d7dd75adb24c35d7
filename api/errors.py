"""Every error the API returns has a machine-readable `code` and a human `message`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.service import RPCError, RPCStatusCode

from models.common import RULE_BROKEN

log = structlog.get_logger(__name__)


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, details: Any = None, headers: dict | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details
        self.headers = headers


def not_found(kind: str, ref: str) -> ApiError:
    return ApiError(404, f"{kind}_not_found", f"no {kind} {ref}")


def forbidden(message: str) -> ApiError:
    """The one 403: the caller's role may not do this, whatever the case."""
    return ApiError(403, "forbidden", message)


class ErrorBody(BaseModel):
    """Every refusal and error: a machine-readable code and a message for people."""

    code: str
    message: str
    details: Any = None


def _documented(*statuses: tuple[int, str]) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorBody, "description": description} for status, description in statuses}


# Refused in front of every route, before routing (the request-body middleware): what any request
# with a body can be answered, whichever route it names.
BODY_REFUSALS = _documented(
    (400, "the body is not JSON, not UTF-8, or nested too deeply"),
    (413, "the body is too large"),
)
# What every route of a case, the queue and the pathways can answer besides its own success:
# the app attaches it to each router it includes (api/app.py), so no router can miss one.
ERROR_RESPONSES = BODY_REFUSALS | _documented(
    (401, "no bearer token, or one not recognised"),
    (403, "the caller's role may not do this"),
    (404, "no such case, escalation or pathway (or a ref not of the route's kind)"),
    (409, "refused by the case's state, or a key reused for another request"),
    (422, "the request is not valid"),
    (503, "the workflow service could not answer; retry"),
)


def document(schema: dict) -> dict:
    """Every error in the document is the JSON error body, as it is on the wire, whatever the
    route's success is: FastAPI gives the errors a route declares its success's media type, which
    for a CSV file (api/learning.py) would be text/csv."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                if status[0] in "45" and len(content := response.get("content", {})) == 1:
                    response["content"] = {"application/json": next(iter(content.values()))}
    return schema


def _body(code: str, message: str, details: Any = None) -> dict:
    body = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return body


async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
    body = _body(exc.code, exc.message, exc.details)
    return JSONResponse(body, status_code=exc.status, headers=exc.headers)


async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
    return await _api_error(request, invalid(exc.errors()))


def invalid(errors: Sequence[Mapping[str, Any]], message: str | None = None) -> ApiError:
    """What a request its schema or its own rules refuse is answered, whether it came as JSON or
    from a console form: 409 with the rule's code when every error is a broken rule (the request
    matches its schema), else 422 `invalid_request`; each error's place, type and message in the
    details. `message` replaces the first error's own, where a page lists them all."""
    details = [
        {"loc": [_loc_part(p) for p in e.get("loc", ())], "type": e.get("type"), "msg": e.get("msg")}
        for e in errors
    ]
    first = details[0] if details else {"loc": [], "msg": "invalid request"}
    said = message or f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
    rules = [e for e in errors if e.get("type") == RULE_BROKEN]
    if rules and len(rules) == len(details):
        return ApiError(409, rules[0]["ctx"]["code"], said, details)
    return ApiError(422, "invalid_request", said, details)


def _loc_part(part: Any) -> Any:
    """A field's place, as given: a key the caller invented is named, never echoed at length."""
    return part[:60] if isinstance(part, str) else part


async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
    codes = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}
    code = codes.get(exc.status_code, "http_error")
    return JSONResponse(_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers)


async def _temporal(_request: Request, exc: RPCError) -> JSONResponse:
    # Reaching here means Temporal itself could not answer: not the caller's fault, and
    # usually passing (no worker polling yet, the server restarting, or one case taking more
    # actions at once than Temporal admits in flight: the action was not applied, so a retry is safe).
    if exc.status == RPCStatusCode.RESOURCE_EXHAUSTED:
        log.warning("case busy", error=exc.message)
        body = _body("case_busy", "the case is taking other actions just now; this one was not applied")
        return JSONResponse(body, status_code=503, headers={"Retry-After": "1"})
    log.warning("temporal unavailable", status=exc.status.name, error=exc.message)
    return JSONResponse(
        _body("temporal_unavailable", f"the workflow service could not answer: {exc.message}"),
        status_code=503,
        headers={"Retry-After": "5"},
    )


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error")
    return JSONResponse(_body("internal_error", "an unexpected error; it has been logged"), status_code=500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(RPCError, _temporal)
    app.add_exception_handler(Exception, _unexpected)
