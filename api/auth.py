"""Bearer tokens map to an actor and a role, from a token file named in the settings.

The file is JSON: {"tokens": {"<token or sha256:<hex>>": {"actor": "id", "role": "handler"}}}.
There are no default tokens: `fairway dev` writes a development file, production names its own.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pydantic import BaseModel

from models.common import Actor, Role


class TokenEntry(BaseModel):
    actor: str
    role: Role


class TokenFile(BaseModel):
    tokens: dict[str, TokenEntry]


class Directory:
    """Who may call the API, and the actors a claim may be assigned to."""

    def __init__(self, tokens: dict[str, TokenEntry]) -> None:
        self._by_token = {}
        self._actors: dict[str, Actor] = {}
        for token, entry in tokens.items():
            actor = Actor(id=entry.actor, role=entry.role)
            key = token.removeprefix("sha256:") if token.startswith("sha256:") else _digest(token)
            self._by_token[key] = actor
            self._actors[actor.id] = actor

    @classmethod
    def load(cls, path: Path) -> Directory:
        return cls(TokenFile.model_validate(json.loads(path.read_text())).tokens)

    def actor_for(self, token: str) -> Actor | None:
        return self._by_token.get(_digest(token))

    def actor(self, actor_id: str) -> Actor | None:
        return self._actors.get(actor_id)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


DEV_TOKENS = {
    "dev-handler": {"actor": "hana.handler", "role": "handler"},
    "dev-handler-2": {"actor": "harry.handler", "role": "handler"},
    "dev-supervisor": {"actor": "sam.supervisor", "role": "supervisor"},
    "dev-auditor": {"actor": "ada.auditor", "role": "auditor"},
    "dev-admin": {"actor": "alex.admin", "role": "admin"},
    "dev-adviser": {"actor": "ava.adviser", "role": "adviser"},
    "dev-advice-supervisor": {"actor": "abe.advicelead", "role": "advice_supervisor"},
}


def write_dev_tokens(path: Path) -> Path:
    """The development token file `fairway dev` uses; never used unless asked for."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(json.dumps({"tokens": DEV_TOKENS}, indent=2) + "\n")
    return path
