"""/docs and /redoc load everything they need from this app: no CDN, no internet."""

from __future__ import annotations

import re

import httpx
import pytest

from api.app import create_app
from fairway.settings import Settings
from tests.conftest import directory

ASSET = re.compile(r"""<(?:script[^>]*\ssrc|link[^>]*\shref)\s*=\s*["']([^"']+)["']""")


@pytest.fixture
async def http():
    # The pages touch neither Temporal nor the register, and ASGITransport runs no lifespan.
    app = create_app(Settings(), client=object(), sessions=object(), directory=directory())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://fairway") as client:
        yield client


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_a_docs_page_loads_only_this_apps_assets(http, page):
    response = await http.get(page)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assets = ASSET.findall(response.text)
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".png") for a in assets)
    assert all(a.startswith("/docs-assets/") for a in assets), assets
    assert "http://" not in response.text and "https://" not in response.text and "cdn" not in response.text
    for asset in assets:
        served = await http.get(asset)
        assert served.status_code == 200 and len(served.content) > 4000, asset


async def test_swagger_ui_finds_the_schema_and_its_oauth2_redirect(http):
    page = (await http.get("/docs")).text
    assert "url: '/openapi.json'" in page and "'/docs/oauth2-redirect'" in page
    assert (await http.get("/docs/oauth2-redirect")).status_code == 200
    assert (await http.get("/openapi.json")).status_code == 200


async def test_the_docs_pages_stay_out_of_the_schema(http):
    paths = (await http.get("/openapi.json")).json()["paths"]
    assert not [p for p in paths if p.startswith(("/docs", "/redoc"))]
