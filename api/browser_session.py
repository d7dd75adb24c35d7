"""Signing in from a browser: a Fairway token becomes a session cookie.

The Temporal Web UI sends no token of its own unless it runs its own sign-in (OIDC), so a
supervisor signs in here once and the UI's codec requests carry the cookie (its Codec Server
setting "include cross-origin credentials"): the codec endpoint takes the cookie where it takes a
bearer token. The rest of the API takes bearer tokens only, so a cookie can never act on a case.

The cookie holds the token's SHA-256 and an expiry, sealed with AES-GCM under a key derived from
the key file's current key (fairway/keys.py): it cannot be read, forged or stretched and names no
token. It ends when it expires, when its token leaves the token file, or when its key leaves the
key file. It is HttpOnly, SameSite=Strict, and Secure over https. Signing in and out are form
posts, and a post from another origin is refused: with SameSite=Strict, the forms' CSRF defence.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

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
        self.current = keys.current
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


# --- the pages -------------------------------------------------------------------------------------

router = APIRouter(prefix=PATH, include_in_schema=False)


def _refuse_other_origins(request: Request) -> None:
    """A form post must come from a page of this origin (browsers send Origin with every post);
    a client that sends no Origin is no browser, and so no cross-site request."""
    own = f"{request.url.scheme}://{request.url.netloc}"
    origin = request.headers.get("origin")
    if (origin is not None and origin != own) or request.headers.get("sec-fetch-site") == "cross-site":
        raise ApiError(403, "cross_origin", "sign-in forms are accepted from this site's own pages only")


async def _form(request: Request) -> dict[str, str]:
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise ApiError(415, "form_expected", "send the form as application/x-www-form-urlencoded")
    return dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))


@router.get("")
async def session_page(request: Request) -> HTMLResponse:
    return HTMLResponse(_page(request, signed_in(request)))


@router.post("")
async def sign_in(request: Request) -> Response:
    _refuse_other_origins(request)
    token = (await _form(request)).get("token", "").strip()
    actor = request.app.state.directory.actor_for(token) if token else None
    if actor is None:
        problem = "Enter your Fairway token" if not token else "That token is not recognised"
        code = "token_required" if not token else "token_not_recognised"
        return HTMLResponse(_page(request, None, (code, problem)), status_code=401 if token else 422)
    hours = request.app.state.settings.session_hours
    expires = datetime.now(UTC) + timedelta(hours=hours)
    response = RedirectResponse(PATH, status_code=303)
    sealed = request.app.state.session_seal.seal(token_digest(token), expires)
    response.set_cookie(COOKIE, sealed, max_age=int(hours * 3600), **_cookie(request))
    return response


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    _refuse_other_origins(request)
    response = RedirectResponse(PATH, status_code=303)
    response.delete_cookie(COOKIE, **_cookie(request))
    return response


def _cookie(request: Request) -> dict:
    return {"path": "/", "secure": request.url.scheme == "https", "httponly": True, "samesite": "strict"}


def _page(request: Request, session: SignedIn | None, problem: tuple[str, str] | None = None) -> str:
    """The sign-in page, or who is signed in and until when; plain HTML, no script."""
    ui = html.escape(request.app.state.settings.codec_cors_origin)
    if session is not None:
        who = f"{html.escape(session.actor.id)} ({html.escape(session.actor.role)})"
        body = f"""
<p>Signed in as <strong>{who}</strong> until {session.expires:%Y-%m-%d %H:%M} UTC.</p>
<p>The <a href="{ui}">Temporal Web UI</a> shows payloads decoded for your role once its settings'
<em>Codec Server</em> panel has <em>Include cross-origin credentials</em> turned on.</p>
<form method="post" action="{PATH}/sign-out"><button type="submit">Sign out</button></form>"""
    else:
        summary = error = ""
        if problem is not None:
            code, message = problem
            summary = f"""
<div role="alert" aria-labelledby="problem" data-code="{code}">
<h2 id="problem">There is a problem</h2>
<ul><li><a href="#token">{html.escape(message)}</a></li></ul>
</div>"""
            error = f'<p id="token-error"><span>Error:</span> {html.escape(message)}</p>'
        described = ' aria-describedby="token-error"' if problem else ""
        body = f"""{summary}
<form method="post" action="{PATH}">
<label for="token">Your Fairway token</label>
{error}
<input id="token" name="token" type="password" autocomplete="current-password" required{described}>
<button type="submit">Sign in</button>
</form>"""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in to Fairway</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>Sign in to Fairway</h1>{body}
</main></body></html>
"""
