"""The console in Debian's Chromium, as its people use it: a handler opens a claim and takes
three steps through the generated forms, a refusal explained beside its form; a supervisor
acknowledges an escalation from the queue and reads the claim's story; each role sees only
what it may; a double click acts once; every page passes axe."""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.async_api import Page, expect

from models import deadline_policies
from tests.advice_paths import CASES, referral
from tests.conftest import TEST_POLICY, running_fairway
from tests.console.conftest import axe_check, serving, sign_in
from tests.helpers import assert_eventually, auth, key, open_claim


async def choose(page: Page, scope: str, name: str, value: str) -> None:
    """Answer a choice field, whichever control the form generator gave it."""
    select = page.locator(f'{scope} select[name="{name}"]')
    if await select.count():
        await select.select_option(value)
    else:
        await page.locator(f'{scope} input[name="{name}"][value="{value}"]').check()


async def open_action(page: Page, action: str) -> str:
    """Open an action's form on the case page; its scope for locators."""
    scope = f"#action-{action}"
    if not await page.locator(scope).evaluate("details => details.open"):  # a refused one is open
        await page.locator(f"{scope} summary").click()
    return scope


async def submit(page: Page, scope: str) -> None:
    async with page.expect_navigation():
        await page.locator(f'{scope} button[type="submit"]').click()


async def open_a_claim_in_the_form(page: Page, base_url: str) -> str:
    await page.goto(f"{base_url}/console/cases/claim/new")
    await axe_check(page)
    form = "#action-open"
    for name, value in {
        "defendant.code": "RX1",
        "defendant.name": "Example Hospitals NHS Trust",
        "specialty": "obstetrics",
        "incident_date": "2025-03-01",
        "date_of_knowledge": "2025-06-01",
        "claimant.name": "Alex Example",
        "claimant.date_of_birth": "1990-01-01",
        "claimant_firm.firm_id": "SRA-100200",
        "claimant_firm.name": "Example & Co LLP",
        "allegations": "Delay in recognising fetal distress.",
        "handler": "hana.handler",
    }.items():
        await page.locator(f'{form} [name="{name}"]').fill(value)
    await choose(page, form, "scheme", "CNST")
    await choose(page, form, "defendant.kind", "trust")
    await choose(page, form, "claimant.protected_party", "no")
    await submit(page, form)
    assert re.search(r"/console/cases/claim/CLM-[A-Z2-7]{12}$", page.url), page.url
    return page.url.rsplit("/", 1)[1]


async def test_a_handler_opens_a_claim_takes_three_steps_and_reads_a_refusal(live_fairway, page: Page):
    base = live_fairway.base_url
    await sign_in(page, base, "handler")
    await axe_check(page)  # the dashboard
    ref = await open_a_claim_in_the_form(page, base)
    await axe_check(page)
    stage = page.locator("#stage")
    await expect(stage).to_have_text("notified")

    # A refusal, explained beside its form: a letter received tomorrow has not been received.
    scope = await open_action(page, "receive_letter_of_claim")
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    await page.locator(f'{scope} [name="received_on"]').fill(tomorrow)
    await submit(page, scope)
    summary = page.locator("#action-receive_letter_of_claim .nhsuk-error-summary")
    await expect(summary).to_contain_text("future")
    await expect(stage).to_have_text("notified")
    await axe_check(page)

    scope = await open_action(page, "receive_letter_of_claim")
    await page.locator(f'{scope} [name="received_on"]').fill((date.today() - timedelta(days=2)).isoformat())
    await submit(page, scope)
    await expect(stage).to_have_text("letter of claim received")
    await expect(page.locator("#deadline-letter_of_response_due")).to_contain_text("Due")
    await expect(page.locator("#deadline-letter_of_claim_acknowledgment_due")).to_be_visible()

    scope = await open_action(page, "acknowledge_letter_of_claim")
    await page.locator(f'{scope} [name="sent_on"]').fill((date.today() - timedelta(days=1)).isoformat())
    await submit(page, scope)
    await expect(stage).to_have_text("letter of claim acknowledged")
    await expect(page.locator("#deadline-letter_of_claim_acknowledgment_due")).to_contain_text("met")

    scope = await open_action(page, "open_investigation")
    await page.locator(f'{scope} [name="experts.0.discipline"]').fill("Obstetrics")
    await page.locator(f'{scope} [name="experts.0.issues"][value="breach"]').check()
    await submit(page, scope)
    await expect(stage).to_have_text("investigating")
    await axe_check(page)
    story = (await live_fairway.fairway.http.get(f"/claims/{ref}/history", headers=auth("handler"))).json()
    assert [e["action"] for e in story["ledger"]][-3:] == [
        "receive_letter_of_claim",
        "acknowledge_letter_of_claim",
        "open_investigation",
    ]


async def test_a_double_click_acts_once(live_fairway, page: Page):
    base = live_fairway.base_url
    ref = (await open_claim(live_fairway.fairway.http))["state"]["ref"]
    await sign_in(page, base, "handler")
    await page.goto(f"{base}/console/cases/claim/{ref}")
    scope = await open_action(page, "add_note")
    note = "Spoke to the claimant's solicitor"
    await page.locator(f'{scope} [name="text"]').fill(note)
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    await page.locator(f'{scope} button[type="submit"]').dblclick()
    http = live_fairway.fairway.http

    async def notes() -> list[str]:
        claim = (await http.get(f"/claims/{ref}", headers=auth("handler"))).json()
        return [n["text"] for n in claim["state"]["notes"] if n["text"] == note]

    # The browser may abort the first post's navigation when the second starts (a loaded
    # machine's timing), so the case is asked rather than one navigation awaited.
    async def noted() -> None:
        assert posts and await notes(), posts

    await assert_eventually(noted)
    await page.wait_for_load_state("networkidle")  # the second post answered too
    assert len(await notes()) == 1


SHORT = TEST_POLICY.model_copy(update={"deadlines": deadline_policies.short(seconds=3, warn_before=1.5)})


async def test_a_supervisor_acknowledges_an_escalation_and_reads_the_story(client, sqlite_sessions, page):
    short = running_fairway(client, sqlite_sessions, policy=SHORT)
    async with short as fairway, serving(fairway.app) as base:
        ref = (await open_claim(fairway.http))["state"]["ref"]

        async def escalated() -> None:
            queue = await fairway.http.get(
                "/escalations", params={"level": "supervisor"}, headers=auth("supervisor")
            )
            assert any(e["case_ref"] == ref for e in queue.json()["items"])

        await assert_eventually(escalated, timeout=30)
        await sign_in(page, base, "supervisor")
        await page.goto(f"{base}/console/queue?level=supervisor")
        await axe_check(page)
        card = page.locator("#waiting .nhsuk-card", has_text=ref).first
        card_id = await card.get_attribute("id")
        await card.locator("textarea").fill("Spoke to the handler: letter chased")
        await card.locator('button[type="submit"]').click()
        # htmx swaps the list in place: the card goes, the filtered queue stays.
        await expect(page.locator(f"#{card_id}")).to_have_count(0)
        assert page.url.endswith("/console/queue?level=supervisor")
        answer = await fairway.http.get(
            "/escalations", params={"acknowledged": "true", "case_kind": "claim"}, headers=auth("supervisor")
        )
        acknowledged = [e for e in answer.json()["items"] if e["case_ref"] == ref]
        assert acknowledged, answer.text
        assert acknowledged[0]["acknowledgment_comment"] == "Spoke to the handler: letter chased"
        assert acknowledged[0]["acknowledged_by"] == "sam.supervisor"

        await page.goto(f"{base}/console/cases/claim/{ref}/timeline")
        await axe_check(page)
        await expect(page.locator("tr[data-kind=clock]").first).to_be_visible()
        await expect(page.locator("body")).to_contain_text("acknowledge escalation")


async def test_each_role_sees_only_its_cases(live_fairway, page: Page):
    base = live_fairway.base_url
    http = live_fairway.fairway.http
    claim = (await open_claim(http))["state"]["ref"]
    await sign_in(page, base, "adviser")
    await page.goto(f"{base}/console/cases")
    await expect(page.locator("main")).to_contain_text("Advice cases")
    await expect(page.locator("main")).not_to_contain_text("Claim cases")
    await page.goto(f"{base}/console")
    await expect(page.locator("main")).not_to_contain_text(claim)
    response = await page.goto(f"{base}/console/cases/claim/{claim}")
    assert response.status == 403
    await axe_check(page)


async def an_advice_case(http) -> str:
    body = referral(practitioner={"regulator": "GMC", "number": "7654321"})
    opened = await http.post(CASES, json=body, headers=auth("adviser") | {"Idempotency-Key": key()})
    assert opened.status_code == 201, opened.text
    return opened.json()["state"]["ref"]


async def test_a_handler_sees_no_advice_case_anywhere(live_fairway, page: Page):
    base, http = live_fairway.base_url, live_fairway.fairway.http
    advice = await an_advice_case(http)
    claim = (await open_claim(http))["state"]["ref"]
    await sign_in(page, base, "handler")
    for path in ("/console", "/console/work", "/console/cases", "/console/cases/claim"):
        await page.goto(f"{base}{path}")
        await axe_check(page)
        text = (await page.locator("main").inner_text()).lower()
        assert advice.lower() not in text and "advice" not in text, path
    await expect(page.locator("main")).to_contain_text(claim)  # the list shows what the handler may see
    response = await page.goto(f"{base}/console/cases/advice/{advice}")
    assert response.status == 403
    await expect(page.locator("main")).not_to_contain_text(advice)


async def test_a_form_without_its_csrf_token_is_refused(live_fairway, page: Page):
    base = live_fairway.base_url
    ref = (await open_claim(live_fairway.fairway.http))["state"]["ref"]
    await sign_in(page, base, "handler")
    await page.goto(f"{base}/console/cases/claim/{ref}")
    scope = await open_action(page, "add_note")
    await page.locator(f"{scope} [name=csrf_token]").evaluate("input => input.remove()")
    await page.locator(f'{scope} [name="text"]').fill("Never recorded")
    async with page.expect_navigation() as navigated:
        await page.locator(f'{scope} button[type="submit"]').click()
    response = await navigated.value
    assert response.status == 403 and "csrf_token_invalid" in await response.text()
    claim = (await live_fairway.fairway.http.get(f"/claims/{ref}", headers=auth("handler"))).json()
    assert "Never recorded" not in [n["text"] for n in claim["state"]["notes"]]
