"""The sign-in page: a Fairway token in, a session cookie out (api/browser_session.py).

The same session serves the console and the Temporal Web UI's codec requests. After signing in
the browser goes back to the console page that sent it here (`next`, a path of this site only).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.browser_session import PATH, end_session, read_form, signed_in, start_session
from api.console.auth import checked_form
from api.console.templating import render

router = APIRouter(prefix=PATH, include_in_schema=False)
NEXT = Query(max_length=300, pattern=r"^/[^/\\]")  # a path here: never another site


@router.get("")
async def session_page(request: Request, next: Annotated[str | None, NEXT] = None) -> HTMLResponse:
    session = signed_in(request)
    if session is not None and next:
        return RedirectResponse(next, status_code=303)
    return _page(request, next=next)


@router.post("")
async def sign_in(request: Request, next: Annotated[str | None, NEXT] = None) -> Response:
    token = ((await read_form(request)).get("token") or [""])[0].strip()
    actor = request.app.state.directory.actor_for(token) if token else None
    if actor is None:
        problem = (
            ("token_not_recognised", "That token is not recognised")
            if token
            else (
                "token_required",
                "Enter your Fairway token",
            )
        )
        return _page(request, next=next, problem=problem, status_code=401 if token else 422)
    response = RedirectResponse(next or "/console", status_code=303)
    start_session(request, response, token)
    return response


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    await checked_form(request)
    response = RedirectResponse(PATH, status_code=303)
    end_session(request, response)
    return response


def _page(request: Request, next: str | None, problem=None, status_code: int = 200) -> HTMLResponse:
    return render(
        request,
        "session.html",
        status_code=status_code,
        session=signed_in(request),
        next=next,
        problem=problem,
        web_ui=request.app.state.settings.codec_cors_origin,
    )
