"""Who a console page is for, and the CSRF token every console form carries.

A console page needs a signed-in browser (api/browser_session.py); without one it sends the
browser to /session and back. Every form carries a CSRF token: an HMAC of the session cookie
under a key derived from the key that sealed it, so it is the session's own, changes with each
sign-in, and is checked on every post (403 csrf_token_invalid) before anything else is read.
SameSite=Strict already keeps other sites' posts from carrying the cookie; the token also keeps
out a page of the same site that is not the console's.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse

from api.browser_session import COOKIE, PATH, SessionSeal, read_form, signed_in
from api.errors import ApiError
from api.escalations import QUEUE_READERS
from fairway.keys import derived_key
from models.access import Learning, kinds_visible_to, may_read_learning
from models.common import Actor

CSRF_FIELD = "csrf_token"


class SignInRequired(Exception):
    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


def sign_in_redirect(_request: Request, exc: SignInRequired) -> RedirectResponse:
    return RedirectResponse(f"{PATH}?next={quote(exc.next_path, safe='/')}", status_code=303)


def _console_actor(request: Request) -> Actor:
    session = signed_in(request)
    if session is None:
        raise SignInRequired(request.url.path)
    return session.actor


ConsoleActor = Annotated[Actor, Depends(_console_actor)]


def csrf_token(request: Request) -> str:
    """The token this session's forms carry ('' with no session: no form is served then)."""
    cookie = request.cookies.get(COOKIE, "")
    seal: SessionSeal = request.app.state.session_seal
    key = seal.keys.keys.get(cookie.partition(".")[0])
    if not cookie or key is None:
        return ""
    return hmac.new(derived_key(key, "console csrf"), cookie.encode(), hashlib.sha256).hexdigest()


async def checked_form(request: Request) -> dict[str, list[str]]:
    """A console form's fields, once it comes from this site and its CSRF token is the session's own."""
    fields = await read_form(request)
    sent = (fields.pop(CSRF_FIELD, None) or [""])[0]
    expected = csrf_token(request)
    if not expected or not hmac.compare_digest(sent, expected):
        reason = "the form's security token is missing or out of date: reload the page"
        raise ApiError(403, "csrf_token_invalid", reason)
    return fields


def page_context(request: Request) -> dict[str, Any]:
    session = signed_in(request)
    actor = session.actor if session else None
    return {
        "actor": actor,
        "csrf_token": csrf_token(request) if session else "",
        "csrf_field": CSRF_FIELD,
        "path": request.url.path,
        "nav": navigation(actor, request.url.path) if actor else [],
    }


@dataclass(frozen=True)
class NavItem:
    text: str
    href: str
    current: bool


def caseless_home(actor: Actor) -> RedirectResponse | None:
    """Where a role that sees no case (the analyst) goes from a page of cases: every figure on
    the dashboard or in its work would be nought. Its work is learning's, where signing in lands
    it (and which refuses a role that reads none). None for a role that sees cases."""
    if kinds_visible_to(actor.role):
        return None
    return RedirectResponse("/console/learning", status_code=303)


def navigation(actor: Actor, path: str) -> list[NavItem]:
    """The header's links: only the pages the actor's role may use. A role that sees no case
    kind (the analyst) has no dashboard, work or cases to go to; learning's readers have it."""
    sees_cases = bool(kinds_visible_to(actor.role))
    items = [("Dashboard", "/console"), ("My work", "/console/work")] if sees_cases else []
    if actor.role in QUEUE_READERS:
        items.append(("Escalations", "/console/queue"))
    if sees_cases:
        items.append(("Cases", "/console/cases"))
    if any(may_read_learning(actor.role, what) for what in Learning):
        items.append(("Learning", "/console/learning"))
    here = [href for _, href in items if path == href or path.startswith(href + "/")]
    current = max(here, key=len, default=None)
    return [NavItem(text, href, href == current) for text, href in items]
