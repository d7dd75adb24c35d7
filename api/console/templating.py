"""One Jinja2 environment for every console page: autoescaped, strict about undefined names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from api.console import ASSETS
from api.errors import ApiError

TEMPLATES = Path(__file__).parent / "templates"

environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.globals["assets"] = ASSETS


def refused(request: Request, err: ApiError) -> HTMLResponse:
    """An API refusal as a page: its reason and code, in the API's words, and its status."""
    return render(request, "refused.html", status_code=err.status, error=err)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page: the template with the request's signed-in person and CSRF token beside `context`."""
    from api.console.auth import page_context

    html = environment.get_template(template).render(**page_context(request), **context)
    return HTMLResponse(html, status_code=status_code)
