"""The console's pages, each a thin reading of the API's own functions (see api/console/__init__.py)."""

from __future__ import annotations

from fastapi import APIRouter

from api.console import dashboard


def routers() -> list[APIRouter]:
    """Every page router of the console, in the order their paths are matched."""
    return [dashboard.router]
