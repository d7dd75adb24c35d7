"""For operators and orchestrators: `/healthz` (the process lives) and `/readyz` (it can serve:
Temporal reachable, a worker polling the task queue, the register migrated and writable).
Neither needs a token: a load balancer asks them."""

from __future__ import annotations

import asyncio
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from fairway.readiness import register_problem, temporal_problem, worker_problem

router = APIRouter(tags=["ops"])


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready", "not_ready"]
    checks: dict[str, str]  # each dependency: "ok", or why not


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process lives (it may not be able to serve: see /readyz)."""
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
async def readyz(request: Request) -> JSONResponse:
    """Whether this API can serve: 200 when every dependency is, else 503 with each one's state."""
    state = request.app.state
    problems = await asyncio.gather(
        temporal_problem(state.client),
        worker_problem(state.client, state.settings.temporal_task_queue),
        register_problem(state.sessions),
    )
    names = ("temporal", "worker", "register")
    checks = {name: problem or "ok" for name, problem in zip(names, problems, strict=True)}
    ready = not any(problems)
    body = Readiness(status="ready" if ready else "not_ready", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)
