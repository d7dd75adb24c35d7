"""Bearer tokens map to an actor and a role, from a token file named in the settings.

The file's rules are in api/token_file.py. There are no default tokens: `fairway dev` writes a
development file, production names its own.
"""

from __future__ import annotations

import json
from pathlib import Path

from api.token_file import TokenEntry, actors_by_digest, read_token_file, token_digest
from fairway.private_files import create_private_file, private_dir
from models.common import Actor


class Directory:
    """Who may call the API, and the actors a claim may be assigned to."""

    def __init__(self, tokens: dict[str, TokenEntry]) -> None:
        self._by_token = actors_by_digest(tokens)
        self._actors = {actor.id: actor for actor in self._by_token.values()}

    @classmethod
    def load(cls, path: Path) -> Directory:
        """The directory in the token file at `path`; raises TokenFileError naming what is wrong."""
        return cls(read_token_file(path))

    def actor_for(self, token: str) -> Actor | None:
        return self.actor_for_digest(token_digest(token))

    def actor_for_digest(self, digest: str) -> Actor | None:
        """The actor of the token with this SHA-256 (a signed-in session holds the digest only)."""
        return self._by_token.get(digest)

    def actor(self, actor_id: str) -> Actor | None:
        return self._actors.get(actor_id)


DEV_TOKENS = {
    "dev-handler": {"actor": "hana.handler", "role": "handler"},
    "dev-handler-2": {"actor": "harry.handler", "role": "handler"},
    "dev-supervisor": {"actor": "sam.supervisor", "role": "supervisor"},
    "dev-auditor": {"actor": "ada.auditor", "role": "auditor"},
    "dev-admin": {"actor": "alex.admin", "role": "admin"},
    "dev-adviser": {"actor": "ava.adviser", "role": "adviser"},
    "dev-advice-supervisor": {"actor": "abe.advicelead", "role": "advice_supervisor"},
    "dev-analyst": {"actor": "nia.analyst", "role": "analyst"},
}


def write_dev_tokens(path: Path) -> Path:
    """The development token file `fairway dev` uses; never used unless asked for. A file already
    there is kept, and a new one is readable by its owner only: it holds working tokens."""
    private_dir(path.parent)
    create_private_file(path, json.dumps({"tokens": DEV_TOKENS}, indent=2) + "\n")
    return path
