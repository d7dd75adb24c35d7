"""The token file, read strictly: a mistake in it stops the API at start-up with a message naming
the entry, instead of quietly locking someone out or letting the last of an actor's two roles win.

The file is JSON: {"tokens": {"<token or sha256:<hex>>": {"actor": "id", "role": "handler"}}}.
No message quotes a plain token, since that is the secret itself: an entry is named by its
position, its actor and, for a hashed key, the first 8 hex digits of the digest.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from fairway.strict_json import NotJson, RepeatedKey, Unreadable, read_json_file
from models.common import PEOPLE_ROLES, Actor, Role

HASHED = "sha256:"
DIGEST = re.compile(r"[0-9a-f]{64}")
FIELDS = ("tokens", "actor", "role")


class TokenFileError(ValueError):
    """The token file cannot be used; the message says which entry and why."""


class TokenEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    actor: str
    role: Role

    @field_validator("role")
    @classmethod
    def _a_person(cls, role: Role) -> Role:
        if role not in PEOPLE_ROLES:
            raise ValueError(f"{role} is the case's own clock, not a role a person can hold")
        return role


def read_token_file(path: Path) -> dict[str, TokenEntry]:
    """The entries of the file at `path`, checked one by one and together."""
    try:
        numbered = enumerate(_tokens(path).items(), start=1)
        entries = {key: _entry(position, key, value) for position, (key, value) in numbered}
        actors_by_digest(entries)  # here too, so that its refusals name the file
        return entries
    except TokenFileError as err:
        raise TokenFileError(f"token file {path}: {err}") from None


def actors_by_digest(tokens: dict[str, TokenEntry]) -> dict[str, Actor]:
    """Each token's SHA-256 (hex) to its actor; refuses a token listed twice and an actor with two roles."""
    actors: dict[str, tuple[Actor, str]] = {}
    roles: dict[str, tuple[Role, str]] = {}
    for position, (key, entry) in enumerate(tokens.items(), start=1):
        where = _name(position, key, entry.actor)
        digest, actor = _digest_of(key, where), _actor(entry, where)
        if digest in actors:
            raise TokenFileError(f"{where}: the same token as {actors[digest][1]}")
        role, first = roles.setdefault(actor.id, (actor.role, where))
        if role != actor.role:
            raise TokenFileError(f"{where}: role {actor.role}, but {first} gives the same actor role {role}")
        actors[digest] = actor, where
    return {digest: actor for digest, (actor, _) in actors.items()}


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _digest_of(key: str, where: str) -> str:
    """The SHA-256 a key stands for: written out after `sha256:`, else that of the plain token."""
    if key[: len(HASHED)].lower() == HASHED and not key.startswith(HASHED):
        raise TokenFileError(f"{where}: write the prefix in lower case, 'sha256:'")
    if not key.startswith(HASHED):
        if not key or key != key.strip():
            # The API strips the bearer token it is sent, so this key could never match one.
            raise TokenFileError(f"{where}: a plain token must not be empty or begin or end with a space")
        return token_digest(key)
    digest = key.removeprefix(HASHED)
    if DIGEST.fullmatch(digest.lower()) and digest != digest.lower():
        raise TokenFileError(f"{where}: write the sha256 digest in lower case")
    if not DIGEST.fullmatch(digest):
        raise TokenFileError(f"{where}: a hashed key is 'sha256:' and 64 lower-case hex digits")
    return digest


def _tokens(path: Path) -> dict[str, Any]:
    try:
        found = read_json_file(path)
    except Unreadable as err:
        raise TokenFileError(f"cannot be read ({err})") from None
    except NotJson as err:
        raise TokenFileError(f"not valid JSON ({err})") from None
    except RepeatedKey as err:
        raise TokenFileError(f"{_key_shown(err.key)} appears twice in one object") from None
    # Checked by hand, not by a model, so that no message quotes a stray top-level key: a file
    # that forgot the "tokens" wrapper has tokens there.
    if not isinstance(found, dict) or found.keys() != {"tokens"} or not isinstance(found["tokens"], dict):
        raise TokenFileError('expected one JSON object, {"tokens": {...}}, and nothing else at the top')
    if not found["tokens"]:
        raise TokenFileError("lists no tokens, so nobody could sign in")
    return found["tokens"]


def _entry(position: int, key: str, value: Any) -> TokenEntry:
    try:
        return TokenEntry.model_validate(value)
    except ValidationError as err:
        actor = value.get("actor") if isinstance(value, dict) else None
        raise TokenFileError(f"{_name(position, key, actor)}: {_reasons(err)}") from None


def _actor(entry: TokenEntry, where: str) -> Actor:
    try:
        return Actor(id=entry.actor, role=entry.role)
    except ValidationError:
        raise TokenFileError(
            f"{where}: an actor id is 1 to 100 letters, digits and . _ @ - (the rule of models.common.Actor)"
        ) from None


def _name(position: int, key: str, actor: Any) -> str:
    """How a message names an entry, never quoting a plain key."""
    who = f"actor {actor[:60]!r}" if isinstance(actor, str) else "no actor"
    digest = key.removeprefix(HASHED)
    if not key.startswith(HASHED):
        return f"token entry {position} ({who}, plain token)"
    if DIGEST.fullmatch(digest.lower()):
        return f"token entry {position} ({who}, sha256:{digest[:8].lower()}…)"
    # A malformed hashed key may be a plain token pasted after the prefix: it is not repeated.
    return f"token entry {position} ({who}, malformed sha256 key)"


def _reasons(err: ValidationError) -> str:
    """Pydantic's errors, a clause each, without the values given (a value may be a token)."""
    return "; ".join(
        f"{'.'.join(map(str, e['loc']))}: {e['msg']}" if e["loc"] else e["msg"] for e in err.errors()
    )


def _key_shown(key: str) -> str:
    if key in FIELDS:
        return f"the key {key!r}"
    if key.startswith(HASHED) and DIGEST.fullmatch(key.removeprefix(HASHED).lower()):
        return f"the key sha256:{key.removeprefix(HASHED)[:8].lower()}…"
    return "a key (not shown: it may be a token)"
