"""The FastAPI application factory."""

from __future__ import annotations

import uuid
from contextlib import asynccontextmanager

import structlog
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from api import (
    advice,
    claims,
    codec,
    console,
    contract_dispute,
    docs_pages,
    duty_of_candour,
    early_neutral_evaluation,
    early_notification,
    errors,
    escalations,
    guard,
    learning,
    litigation,
    mediation,
    metrics,
    ops,
    pathways,
    pharmacy_appeals,
    research,
    resolution_summits,
    significant_concerns,
    work,
)
from api.auth import Directory
from api.browser_session import SessionSeal
from api.cases import SPECS
from api.guard import RequestGuard
from api.token_file import TokenFileError
from fairway import db
from fairway.client import connect
from fairway.clinical_coding import current_taxonomy
from fairway.keys import key_ring
from fairway.policies import claim_policy
from fairway.settings import Settings
from models.claims import ClaimPolicy


class BindRequestContext:
    """Fresh log context per request (plain ASGI: BaseHTTPMiddleware costs a task per request)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            structlog.contextvars.clear_contextvars()
            structlog.contextvars.bind_contextvars(path=scope["path"], http_request_id=uuid.uuid4().hex)
        await self.app(scope, receive, send)


def _operation_id(route: APIRoute) -> str:
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def _document_guard(app: FastAPI) -> None:
    """The OpenAPI document states the guard's rules (api/guard.py) alongside the models', and
    that every error is the JSON error body (api/errors.py), whatever the route's success."""

    def openapi() -> dict:
        if app.openapi_schema is None:
            app.openapi_schema = guard.document(errors.document(FastAPI.openapi(app)))
        return app.openapi_schema

    app.openapi = openapi


def routers() -> list[APIRouter]:
    """Every router the API serves, each case kind's and the queue's and the pathways', and
    learning's figures over many claims."""
    return [
        claims.router,
        mediation.router,
        early_neutral_evaluation.router,
        resolution_summits.router,
        litigation.router,
        early_notification.router,
        contract_dispute.router,
        pharmacy_appeals.router,
        duty_of_candour.router,
        escalations.router,
        pathways.router,
        work.router,
        research.router,
        learning.router,
        *advice.routers,
        *significant_concerns.routers,
    ]


def create_app(
    settings: Settings,
    *,
    client: Client | None = None,
    sessions: sessionmaker[Session] | None = None,
    directory: Directory | None = None,
    policy: ClaimPolicy | None = None,
) -> FastAPI:
    """Build the API. Tests pass their own client, sessions and policy; `fairway api` passes none."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        engine = None
        if sessions is None:
            db.migrate(settings.database_url)
            engine = db.make_engine(settings.database_url)
            app.state.sessions = db.session_factory(engine)
        if client is None:
            app.state.client = await connect(settings)
        try:
            yield
        finally:
            if engine is not None:
                engine.dispose()

    if directory is None:
        if settings.token_file is None:
            raise TokenFileError("FAIRWAY_TOKEN_FILE is required: there are no default tokens")
        directory = Directory.load(settings.token_file)

    app = FastAPI(
        title="Fairway",
        summary="Clinical-negligence claims as durable workflows",
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.client = client
    app.state.sessions = sessions
    app.state.directory = directory
    keys = key_ring(settings)
    app.state.session_seal = session_seal = SessionSeal(keys)
    app.state.policy = policy or claim_policy(settings.policy)
    # The clinical coding taxonomy, for learning's labels and the console's coding form; the
    # worker reads the same file and judges each coding against it.
    app.state.taxonomy = current_taxonomy(settings)
    errors.install(app)
    docs_pages.install(app)
    for router in routers():
        # Every error a route can answer, declared here once for all of them (the OpenAPI
        # document is the contract: tests/api/test_openapi_contract.py).
        app.include_router(router, responses=errors.ERROR_RESPONSES)
    # Health and readiness take no token and name no case: only a body can be refused there.
    app.include_router(ops.router, responses=errors.BODY_REFUSALS)
    console.install(app)  # pages for people, not in the OpenAPI document
    app.mount(codec.PREFIX, codec.app(keys, directory, settings.codec_cors_origin, session_seal))

    app.add_middleware(RequestGuard, max_body_bytes=settings.max_request_body_bytes)
    app.add_middleware(BindRequestContext)
    metrics.install(app, SPECS)  # after the other middleware: it counts what they refuse too
    _document_guard(app)
    return app
