"""Signing in to the console in a real browser, by keyboard alone: the page is accessible, a wrong
token is an NHS error summary that leads to the field, and the right one lands on the console
with a session cookie scripts cannot read and other sites cannot send."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from playwright.async_api import Page, expect

from api.browser_session import COOKIE
from tests.console.conftest import LiveFairway, axe_check, sign_in, submit_token
from tests.helpers import TOKENS


def session_cookies(cookies: list[dict]) -> list[dict]:
    return [cookie for cookie in cookies if cookie["name"] == COOKIE]


async def test_the_sign_in_page_passes_axe(live_fairway: LiveFairway, page: Page):
    await page.goto(f"{live_fairway.base_url}/session")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Fairway")
    await axe_check(page)


@pytest.mark.parametrize(
    ("token", "status", "message"),
    [("not-a-token", 401, "That token is not recognised"), ("", 422, "Enter your Fairway token")],
)
async def test_a_wrong_token_is_an_error_summary_that_leads_to_the_field(
    live_fairway: LiveFairway, page: Page, token: str, status: int, message: str
):
    answer = await submit_token(page, live_fairway.base_url, token)
    assert answer.status == status
    summary = page.locator(".nhsuk-error-summary")
    # The NHS pattern: the summary takes the focus as the page loads, so a screen reader reads
    # it first, and its link is the next Tab stop.
    await expect(summary).to_be_focused()
    await expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    link = summary.get_by_role("link", name=message)
    await expect(link).to_have_attribute("href", "#token")
    await page.keyboard.press("Tab")
    await expect(link).to_be_focused()
    await page.keyboard.press("Enter")
    field = page.get_by_label("Your Fairway token")
    await expect(field).to_be_focused()
    await expect(page.locator("#token-error")).to_have_text(f"Error: {message}")
    await expect(field).to_have_accessible_description(re.compile(re.escape(message)))
    assert session_cookies(await page.context.cookies()) == []
    await axe_check(page)


async def test_the_right_token_lands_on_the_console(live_fairway: LiveFairway, page: Page):
    await sign_in(page, live_fairway.base_url, "handler")
    # The console's own page is another piece's: the path and the cookie are this one's.
    assert urlparse(page.url).path == "/console"
    assert len(session_cookies(await page.context.cookies())) == 1


async def test_the_session_cookie_is_http_only_and_strict_as_the_browser_keeps_it(
    live_fairway: LiveFairway, page: Page
):
    await sign_in(page, live_fairway.base_url, "supervisor")
    [cookie] = session_cookies(await page.context.cookies())
    assert (cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (True, "Strict", "/")
    assert cookie["secure"] is False  # plain http here; over https it is Secure (tests/api)
    assert cookie["domain"] == urlparse(live_fairway.base_url).hostname
    assert TOKENS["supervisor"] not in cookie["value"]
    # HttpOnly as the page's own scripts see it: the cookie is not in document.cookie.
    assert COOKIE not in await page.evaluate("() => document.cookie")
