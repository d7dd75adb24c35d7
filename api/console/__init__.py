"""The console: the pages handlers and supervisors work in, served by the API itself.

Server-rendered (Jinja2 templates, htmx for the parts that refresh), styled with the NHS.UK
frontend, and built on the API's own functions and pathway tables, so a page can never allow
what the API refuses nor show what the API would hide. Its front-end packages come from the
npm registry (package.json and its lockfile at the top of the repository); `make` builds them
into static/build/ (console.css from styles/, the scripts and images beside it), and the app
serves them at /console/assets. Nothing is loaded from a CDN.

Signing in is /session (api/browser_session.py): the console takes the session cookie, and
every form it serves carries a CSRF token bound to that session (api/console/auth.py).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

BUILD = Path(__file__).parent / "static" / "build"
ASSETS = "/console/assets"


def install(app: FastAPI) -> None:
    from api.console import auth, pages, sign_in

    # check_dir=False: an API started without the built assets still serves (unstyled) pages;
    # `make run` and `make test` build them first.
    app.mount(ASSETS, StaticFiles(directory=BUILD, check_dir=False), name="console-assets")
    app.add_exception_handler(auth.SignInRequired, auth.sign_in_redirect)
    for router in (sign_in.router, *pages.routers()):
        app.include_router(router)
