"""A browser's session: a Fairway token, signed in once, becomes a sealed session cookie.

The Temporal Web UI sends no token of its own unless it runs its own sign-in (OIDC), so a
supervisor signs in here once and the UI's codec requests carry the cookie (its Codec Server
setting "include cross-origin credentials"): the codec endpoint takes the cookie where it takes a
bearer token. The rest of the API takes bearer tokens only, so a cookie can never act on a case.

The cookie holds the token's SHA-256 and an expiry, sealed with AES-GCM under a key derived from
the key file's current key (fairway/keys.py): it cannot be read, forged or stretched and names no
token. It ends when it expires, when its token leaves the token file, or when its key leaves the
key file. It is HttpOnly, SameSite=Strict, and Secure over https. The sign-in page is the
console's (api/console/sign_in.py); its posts from another origin are refused here.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from fastapi import Request, Response

from api.errors import ApiError
from api.token_file import token_digest
from fairway.keys import KeyRing, derived_cipher
from models.common import Actor

COOKIE = "fairway_session"
PATH = "/session"
NONCE_BYTES = 12
MAX_COOKIE_CHARS = 400  # a sealed digest and expiry is about 150: anything longer is not ours


class SessionSeal:
    """Seals a token's digest and expiry into a cookie value, and opens one sealed by any key of
    the ring (so a key rotation signs nobody out; a key removed does)."""

    def __init__(self, keys: KeyRing) -> None:
        self.keys, self.current = keys, keys.current
        self._ciphers: dict[str, AESGCM] = {
            key_id: derived_cipher(key, "browser sessions") for key_id, key in keys.keys.items()
        }

    def seal(self, digest: str, expires: datetime) -> str:
        body = json.dumps({"digest": digest, "expires": int(expires.timestamp())}).encode()
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[self.current].encrypt(nonce, body, self.current.encode())
        return f"{self.current}.{base64.urlsafe_b64encode(nonce + sealed).decode().rstrip('=')}"

    def opened(self, value: str, now: datetime) -> Sealed | None:
        """What a cookie holds while it is ours and unexpired; None otherwise."""
        key_id, _, text = value.partition(".")
        cipher = self._ciphers.get(key_id)
        if cipher is None or len(value) > MAX_COOKIE_CHARS:
            return None
        try:
            raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
            body = json.loads(cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], key_id.encode()))
        except (binascii.Error, ValueError, InvalidTag):
            return None
        if not isinstance(body, dict) or not isinstance(body.get("expires"), int):
            return None
        if body["expires"] <= now.timestamp() or not isinstance(body.get("digest"), str):
            return None
        return Sealed(digest=body["digest"], expires=datetime.fromtimestamp(body["expires"], UTC))


@dataclass(frozen=True)
class Sealed:
    digest: str  # of the token signed in with
    expires: datetime


@dataclass(frozen=True)
class SignedIn:
    actor: Actor
    expires: datetime


def signed_in(request: Request) -> SignedIn | None:
    """Who the request's session cookie signs in, while it is live and its token still listed."""
    value = request.cookies.get(COOKIE)
    sealed = request.app.state.session_seal.opened(value, datetime.now(UTC)) if value else None
    actor = request.app.state.directory.actor_for_digest(sealed.digest) if sealed else None
    return SignedIn(actor, sealed.expires) if actor else None


def start_session(request: Request, response: Response, token: str) -> None:
    """Sign the browser in as the token's actor, for the settings' session hours."""
    hours = request.app.state.settings.session_hours
    expires = datetime.now(UTC) + timedelta(hours=hours)
    sealed = request.app.state.session_seal.seal(token_digest(token), expires)
    response.set_cookie(COOKIE, sealed, max_age=int(hours * 3600), **_cookie(request))


def end_session(request: Request, response: Response) -> None:
    response.delete_cookie(COOKIE, **_cookie(request))


def _cookie(request: Request) -> dict:
    return {"path": "/", "secure": request.url.scheme == "https", "httponly": True, "samesite": "strict"}


def refuse_other_origins(request: Request) -> None:
    """A form post must come from a page of this origin (browsers send Origin with every post);
    a client that sends no Origin is no browser, and so no cross-site request."""
    own = f"{request.url.scheme}://{request.url.netloc}"
    origin = request.headers.get("origin")
    if (origin is not None and origin != own) or request.headers.get("sec-fetch-site") == "cross-site":
        raise ApiError(403, "cross_origin", "forms are accepted from this site's own pages only")


async def read_form(request: Request) -> dict[str, list[str]]:
    """A posted form's fields, each with every value sent (a list of experts repeats a name)."""
    refuse_other_origins(request)
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise ApiError(415, "form_expected", "send the form as application/x-www-form-urlencoded")
    return parse_qs((await request.body()).decode(), keep_blank_values=True)
