"""The floor with the HTTP hop in it: one FastAPI route, a bearer-token check, one bare Update.

What every HTTP API over Temporal pays and nothing more: uvicorn serves a FastAPI app exactly as
`fairway api` serves Fairway's (one process, `uvicorn.run(app, host, port, log_config=None,
access_log=False)`, so uvloop and httptools alike); the route checks the bearer token as
Fairway's `_actor` does (sha256 of the token looked up in a dict, 401 otherwise) and sends the
bare floor's Update (`FloorUpdates.act` with the request id) to the caller's minimal workflow,
answering with its result as JSON. No middleware, no log line, no body model, no projection.

The token check is written out here rather than imported from `api.auth`, so that the floor
stays the same while Fairway's own code changes under it.

Run: `python -m bench.http_floor PORT`. The Temporal address comes from FAIRWAY_TEMPORAL_ADDRESS
and the tokens from FAIRWAY_TOKEN_FILE (Fairway's format: {"tokens": {"<token>": {...}}}). The
workflows it updates are served by the floor worker, `python -m bench.floor TASK_QUEUE`.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Header, HTTPException, Request
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from bench.floor import FloorUpdates


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def load_tokens(path: Path) -> dict[str, str]:
    """sha256 of each token (or the `sha256:` digest given) -> the actor's id."""
    tokens = json.loads(path.read_text())["tokens"]
    return {
        token.removeprefix("sha256:") if token.startswith("sha256:") else _digest(token): entry["actor"]
        for token, entry in tokens.items()
    }


async def _actor(request: Request, authorization: Annotated[str | None, Header()] = None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"})
    actor = request.app.state.tokens.get(_digest(token.strip()))
    if actor is None:
        raise HTTPException(401, "the bearer token is not recognised", headers={"WWW-Authenticate": "Bearer"})
    return actor


def create_app(address: str, tokens: dict[str, str]) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.client = await Client.connect(address, data_converter=pydantic_data_converter)
        yield

    app = FastAPI(title="Fairway bench: HTTP floor", lifespan=lifespan)
    app.state.tokens = tokens

    @app.post("/floor/{workflow_id}/act")
    async def act(
        workflow_id: str,
        request: Request,
        actor: Annotated[str, Depends(_actor)],
        idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
    ) -> dict:
        client: Client = request.app.state.client
        count = await client.get_workflow_handle(workflow_id).execute_update(
            FloorUpdates.act, idempotency_key or os.urandom(16).hex()
        )
        return {"count": count}

    return app


def main(port: int) -> None:
    import uvicorn

    from fairway.logging import configure_logging

    configure_logging()  # as `fairway api` does; nothing is logged per request either way
    app = create_app(
        os.environ["FAIRWAY_TEMPORAL_ADDRESS"], load_tokens(Path(os.environ["FAIRWAY_TOKEN_FILE"]))
    )
    uvicorn.run(app, host="127.0.0.1", port=port, log_config=None, access_log=False)


if __name__ == "__main__":
    main(int(sys.argv[1]))
