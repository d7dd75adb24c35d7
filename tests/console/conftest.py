"""The console in a real browser: the app served over HTTP by uvicorn (with the session's Temporal
dev server and a worker, as tests/conftest.py's `running_fairway` builds them), and Debian's
Chromium driven by Playwright. Nothing downloads a browser: without /usr/bin/chromium (the
Makefile installs it where it can) the browser tests skip and say why.

Every fixture and test here runs in the session's one event loop (pyproject.toml), the loop the
Temporal client, the worker, uvicorn and Playwright's driver all share.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlparse

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.async_api import Browser, Page, Response, async_playwright
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from tests.conftest import Fairway, running_fairway
from tests.helpers import TOKENS

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(__file__).parent / "screenshots"
BLOCKING = {"serious", "critical"}  # axe impacts a page may not have
MAX_TABS = 30  # more Tab presses than any console page needs to reach a field


# --- the app over HTTP -----------------------------------------------------------------------------


class LiveFairway(NamedTuple):
    base_url: str  # http://127.0.0.1:<port>, no trailing slash
    fairway: Fairway


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[str]:
    """Serve `app` with uvicorn on a free local port in this event loop; yields its base URL."""
    # The socket is bound here and handed to uvicorn, so no other process can take the port
    # between choosing it and listening on it.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    host, port = sock.getsockname()
    # log_config=None: uvicorn leaves the process's logging (structlog's) as it is.
    config = uvicorn.Config(
        app, log_config=None, access_log=False, lifespan="on", timeout_graceful_shutdown=5
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        await _started(server, task)
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


async def _started(server: uvicorn.Server, task: asyncio.Task) -> None:
    async with asyncio.timeout(30):
        while not server.started:
            if task.done():
                task.result()  # raises what stopped uvicorn starting
                raise RuntimeError("uvicorn stopped before it started serving")
            await asyncio.sleep(0.02)


@pytest.fixture
async def live_fairway(client: Client, sqlite_sessions: sessionmaker[Session]) -> AsyncIterator[LiveFairway]:
    async with running_fairway(client, sqlite_sessions) as fairway, serving(fairway.app) as base_url:
        yield LiveFairway(base_url, fairway)


# --- the browser -----------------------------------------------------------------------------------


def _launch_args() -> list[str]:
    # Chromium's sandbox refuses to run as root (CI runs as root); containers often have a small
    # /dev/shm, which crashes Chromium's renderers unless it writes shared memory to /tmp.
    args = ["--disable-dev-shm-usage"]
    if os.geteuid() == 0:
        args.append("--no-sandbox")
    return args


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    """One headless Debian Chromium for the session (launching it is the slow part)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: `make test` installs Debian's chromium when run as root")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=_launch_args()
        )
        yield launched
        await launched.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Keep each phase's report on the test (item.report_setup, _call, _teardown), so a fixture
    can tell in its teardown whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
async def page(browser: Browser, request: pytest.FixtureRequest) -> AsyncIterator[Page]:
    """A page in a fresh context (no cookies from other tests); its screenshot is saved as
    tests/console/screenshots/<test name>.png when the test fails."""
    context = await browser.new_context()
    try:
        opened = await context.new_page()
        yield opened
        call = getattr(request.node, "report_call", None)
        if call is not None and call.failed:
            await _screenshot(opened, request.node.name)
    finally:
        await context.close()


async def _screenshot(page: Page, test_name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', test_name)}.png"
    await page.screenshot(path=path, full_page=True)


# --- helpers for browser tests ---------------------------------------------------------------------


async def axe_check(page: Page) -> None:
    """Fail listing every serious or critical axe-core violation on the page as it is now."""
    # Evaluated rather than added as a <script>: a Content-Security-Policy would block an inline
    # script, and the page's own policy is not what this checks.
    await page.evaluate(AXE.read_text())
    results = await page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING]
    assert not blocking, f"axe found on {page.url}:\n" + "\n".join(_violation(v) for v in blocking)


def _violation(violation: dict) -> str:
    targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"])
    return f"- {violation['id']} ({violation['impact']}): {violation['help']}; at {targets}"


async def focused_id(page: Page) -> str:
    return await page.evaluate("() => document.activeElement ? document.activeElement.id : ''")


async def tab_to(page: Page, element_id: str) -> None:
    """Press Tab until the element with this id has the focus, as a keyboard user would."""
    for _ in range(MAX_TABS):
        if await focused_id(page) == element_id:
            return
        await page.keyboard.press("Tab")
    assert await focused_id(page) == element_id, f"Tab never reached #{element_id} on {page.url}"


async def submit_token(page: Page, base_url: str, token: str) -> Response:
    """Open the sign-in page and send `token` with the keyboard alone (Tab, type, Enter); the
    answer to the form's post."""
    await page.goto(f"{base_url}/session")
    await tab_to(page, "token")
    await page.keyboard.type(token)
    async with page.expect_response(_the_sign_in_post) as posted:
        await page.keyboard.press("Enter")
    return await posted.value


def _the_sign_in_post(response: Response) -> bool:
    return response.request.method == "POST" and urlparse(response.url).path == "/session"


async def sign_in(page: Page, base_url: str, who: str) -> None:
    """Sign the page's browser in as `who` (a role of tests/helpers.py TOKENS), keyboard only,
    and wait for the page it lands on."""
    answer = await submit_token(page, base_url, TOKENS[who])
    assert answer.status == 303, f"signing in as {who} answered {answer.status}, not a redirect"
    await page.wait_for_url(lambda url: urlparse(url).path != "/session")
