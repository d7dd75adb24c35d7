"""Dependencies, as Annotated aliases so route signatures read as plain English."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import structlog
from fastapi import Depends, Header, HTTPException, Request
from sqlalchemy.orm import Session

from api.browser_session import signed_in
from api.errors import forbidden
from models.common import Actor, Role


def _session(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as session:
        yield session


async def _actor(request: Request, authorization: Annotated[str | None, Header()] = None) -> Actor:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"})
    actor = request.app.state.directory.actor_for(token.strip())
    if actor is None:
        raise HTTPException(401, "the bearer token is not recognised", headers={"WWW-Authenticate": "Bearer"})
    structlog.contextvars.bind_contextvars(actor=actor.id)
    return actor


async def _signed_in(request: Request, authorization: Annotated[str | None, Header()] = None) -> Actor:
    """A bearer token, or failing one a browser's session cookie (api/browser_session.py)."""
    if authorization is None and (session := signed_in(request)) is not None:
        structlog.contextvars.bind_contextvars(actor=session.actor.id)
        return session.actor
    return await _actor(request, authorization)


SessionDep = Annotated[Session, Depends(_session)]
CurrentActor = Annotated[Actor, Depends(_actor)]
# Only the codec endpoint takes a session cookie: no cookie can act on a case.
SignedInActor = Annotated[Actor, Depends(_signed_in)]
# A key is the caller's own: the same key from another actor is refused, never answered.
IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=1, max_length=200, pattern=r"^[\x21-\x7E]+$"),
]


def require(roles: frozenset[Role], actor: Actor, what: str) -> None:
    if actor.role not in roles:
        raise forbidden(f"{what} needs one of: {', '.join(sorted(roles))}; you are {actor.role}")
