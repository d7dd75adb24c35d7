"""Dependencies, as Annotated aliases so route signatures read as plain English."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import structlog
from fastapi import Depends, Header, HTTPException, Request
from sqlalchemy.orm import Session
from temporalio.client import Client

from api.auth import Directory
from api.errors import forbidden
from fairway.settings import Settings
from models.claims import ClaimPolicy
from models.common import Actor, Role


async def _client(request: Request) -> Client:
    return request.app.state.client


async def _settings(request: Request) -> Settings:
    return request.app.state.settings


async def _policy(request: Request) -> ClaimPolicy:
    return request.app.state.policy


async def _directory(request: Request) -> Directory:
    return request.app.state.directory


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


ClientDep = Annotated[Client, Depends(_client)]
SettingsDep = Annotated[Settings, Depends(_settings)]
PolicyDep = Annotated[ClaimPolicy, Depends(_policy)]
DirectoryDep = Annotated[Directory, Depends(_directory)]
SessionDep = Annotated[Session, Depends(_session)]
CurrentActor = Annotated[Actor, Depends(_actor)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]


def require(roles: frozenset[Role], actor: Actor, what: str) -> None:
    if actor.role not in roles:
        raise forbidden(f"{what} needs one of: {', '.join(sorted(roles))}; you are {actor.role}")
