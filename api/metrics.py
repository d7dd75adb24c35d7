"""The API's figures: every request by route template and status, every opening and action by
case kind and outcome, and `GET /metrics` serving them to Prometheus.

`/metrics` asks for no token, as Prometheus scrapes expect: it tells request counts, routes,
refusal codes and the process's own figures, never a case reference or anyone's name. Keep
the API's port off public networks or filter the path at the proxy if that matters.

Counting is plain ASGI around the whole app, so guard refusals and unhandled errors are
counted too. A case action's outcome is known only where its answer is: the route's status
says refused or failed and its error body the code; an opening's status says applied (201) or
duplicate (200); an action's duplicate flag is in the case's receipt, which `act` notes here.
"""

from __future__ import annotations

import contextvars
import json
import re
import time
from dataclasses import dataclass

from fastapi import FastAPI, Request, Response
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder
from starlette.routing import compile_path

from fairway.metrics import CASE_ACTIONS, HTTP_DURATION, HTTP_REQUESTS, api_registry
from models.cases import ActionReceipt
from models.common import CaseKind

METRICS_PATH = "/metrics"  # deploy/prometheus/prometheus.yml scrapes it
UNROUTED = "unrouted"  # a path no route matched: its text is never a label
MAX_ERROR_BODY = 65_536  # an error body is read for its code; larger ones are not errors of ours
# Labels hold only what the server chose: a client inventing methods must not invent series.
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
CODE = re.compile(r"[a-z][a-z0-9_]{0,59}")


@dataclass
class ActionNote:
    """What the route and the case said about one request's action, filled in as it is answered."""

    kind: str | None = None
    action: str | None = None
    duplicate: bool = False


_note: contextvars.ContextVar[ActionNote | None] = contextvars.ContextVar("fairway_action", default=None)


def noting_action(kind: CaseKind, action: str) -> None:
    """Called by the API as it sends an action: a route (the escalation queue's) may act on a
    case whose kind its path does not name."""
    if (note := _note.get()) is not None:
        note.kind, note.action = kind.value, action


def noting_receipt(receipt: ActionReceipt) -> None:
    if (note := _note.get()) is not None:
        note.duplicate = receipt.duplicate


@dataclass(frozen=True)
class ActionRoute:
    kind: str
    action: str
    opening: bool = False


def action_routes(specs: dict) -> dict[tuple[str, str], ActionRoute]:
    """(method, route template) -> its case kind and action, for every opening and pathway
    route, so an action refused before it reaches `act` (its ref, the caller's role) counts too."""
    routes = {}
    for spec in specs.values():
        kind, pathway = spec.kind.value, spec.workflow.pathway
        if spec.opening is not None:
            routes["POST", spec.prefix] = ActionRoute(kind, pathway.opening_action, opening=True)
        for step in pathway.public_steps:  # the path api/cases.py and api/pathways.py give it
            routes["POST", f"{spec.prefix}/{{ref}}/{step.action.replace('_', '-')}"] = ActionRoute(
                kind, step.action
            )
    return routes


class RouteTemplates:
    """The route template of a request answered before routing (the guard refuses a body or a
    path before the router has matched it), from the paths the OpenAPI document lists."""

    def __init__(self) -> None:
        self._paths: list[tuple[re.Pattern, str, set[str]]] | None = None

    def _compiled(self, app) -> list[tuple[re.Pattern, str, set[str]]]:
        if self._paths is None:  # once, on the first such request
            paths = app.openapi()["paths"] if app is not None else {}
            self._paths = [(compile_path(t)[0], t, {m.upper() for m in ops}) for t, ops in paths.items()]
        return self._paths

    def template(self, scope: dict) -> str | None:
        for regex, template, methods in self._compiled(scope.get("app")):
            if scope["method"] in methods and regex.match(scope["path"]):
                return template
        return None


def route_template(scope: dict, templates: RouteTemplates) -> str:
    """The matched route's path template, or `unrouted`: never the path itself."""
    route = scope.get("route")
    found = getattr(route, "path_format", None) if route is not None else templates.template(scope)
    return found or UNROUTED


def error_code(body: bytes) -> str:
    try:
        code = json.loads(body).get("code")
    except (ValueError, AttributeError):
        return "unknown"
    return code if isinstance(code, str) and CODE.fullmatch(code) else "unknown"


def outcome(status: int, route: ActionRoute, note: ActionNote) -> str:
    if status >= 500:
        return "failed"
    if status >= 400:
        return "refused"
    if route.opening:  # an opening's status says it: a retried one is answered 200
        return "applied" if status == 201 else "duplicate"
    return "duplicate" if note.duplicate else "applied"


class CountRequests:
    """ASGI middleware counting every HTTP request and, on action routes, its action."""

    def __init__(self, app, actions: dict[tuple[str, str], ActionRoute]) -> None:
        self.app, self.actions, self.templates = app, actions, RouteTemplates()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        note, answer = ActionNote(), _Answer()
        token = _note.set(note)
        try:
            await self.app(scope, receive, answer.watching(send))
        finally:
            _note.reset(token)
            self._count(scope, note, answer, time.perf_counter() - started)

    def _count(self, scope: dict, note: ActionNote, answer: _Answer, seconds: float) -> None:
        method = scope["method"] if scope["method"] in METHODS else "other"
        template = route_template(scope, self.templates)
        HTTP_REQUESTS.labels(method, template, str(answer.status)).inc()
        HTTP_DURATION.labels(method, template).observe(seconds)
        route = self.actions.get((method, template))
        if note.kind is not None:  # what `act` says beats what the path suggests
            route = ActionRoute(note.kind, note.action, opening=False)
        if route is None:
            return
        code = error_code(bytes(answer.body)) if answer.status >= 400 else ""
        CASE_ACTIONS.labels(route.kind, route.action, outcome(answer.status, route, note), code).inc()


class _Answer:
    """The response's status as it is sent, and an error response's body (for its code)."""

    def __init__(self) -> None:
        self.status = 500  # nothing sent: an unhandled error, answered 500 outside this middleware
        self.body = bytearray()

    def has_room(self) -> bool:
        return len(self.body) < MAX_ERROR_BODY

    def watching(self, send):
        async def watched(message) -> None:
            if message["type"] == "http.response.start":
                self.status = message["status"]
            elif message["type"] == "http.response.body" and self.status >= 400 and self.has_room():
                self.body += message.get("body", b"")
            await send(message)

        return watched


def metrics_route(registry: CollectorRegistry):
    async def metrics(request: Request) -> Response:
        encode, content_type = choose_encoder(request.headers.get("accept", ""))
        return Response(encode(registry), media_type=content_type)

    return metrics


def install(app: FastAPI, specs: dict) -> None:
    """Count every request (outermost, so the guard's refusals too) and serve `GET /metrics`,
    which the OpenAPI document leaves out: it is for Prometheus, not for API clients. `specs`:
    every case kind's routes, as the routers were built (api/cases.py SPECS)."""
    app.add_middleware(CountRequests, actions=action_routes(specs))
    app.add_api_route(METRICS_PATH, metrics_route(api_registry()), methods=["GET"], include_in_schema=False)
