"""The console's pages over ASGI against the real Temporal dev server: a signed-in browser reads
its work, the lists and a case, acts through a generated form (its CSRF token checked, a double
submit acting once, a refusal shown with its reason), and sees only what its role may."""

from __future__ import annotations

import re

import httpx
import pytest

from api.cases import SPECS
from api.console.pages import QUEUE_PAGE
from tests.conftest import running_fairway
from tests.helpers import TOKENS, assert_eventually, auth, key, open_claim, opening


@pytest.fixture
async def fairway(client, sqlite_sessions):
    async with running_fairway(client, sqlite_sessions) as f:
        yield f


async def signed_in(http: httpx.AsyncClient, who: str) -> httpx.AsyncClient:
    http.cookies.clear()
    answer = await http.post("/session", data={"token": TOKENS[who]})
    assert answer.status_code == 303, answer.text
    return http


def csrf_of(page: httpx.Response) -> str:
    return re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text).group(1)


def idempotency_key_of(page: httpx.Response, action: str) -> str:
    form = re.search(rf'action="[^"]*/actions/{action}".*?</form>', page.text, re.DOTALL).group(0)
    return re.search(r'name="idempotency_key" value="([^"]+)"', form).group(1)


async def test_a_page_without_a_session_sends_the_browser_to_sign_in(fairway):
    answer = await fairway.http.get("/console/cases/claim")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/session?next=/console/cases/claim"


async def test_a_handler_reads_the_list_and_the_case_page(fairway):
    ref = (await open_claim(fairway.http))["state"]["ref"]
    http = await signed_in(fairway.http, "handler")

    async def listed() -> httpx.Response:  # once the register holds the claim's projection
        answer = await http.get("/console/cases/claim", params={"stage": "notified"})
        assert answer.status_code == 200, answer.text
        assert f'href="/console/cases/claim/{ref}"' in answer.text
        return answer

    found = await assert_eventually(listed)
    assert 'name="stage"' in found.text and '<option value="notified" selected>' in found.text

    page = await http.get(f"/console/cases/claim/{ref}")
    assert page.status_code == 200, page.text
    assert "notified" in page.text and 'aria-current="step"' in page.text
    assert "Limitation" in page.text or "limitation" in page.text  # a deadline with its explanation
    assert f"/workflows/claim-{ref}" in page.text  # the Temporal Web UI link
    # A form for each action the case allows now, and none for what it does not.
    assert 'action="/console/cases/claim/' + ref + '/actions/receive_letter_of_claim"' in page.text
    assert "/actions/send_letter_of_response" not in page.text
    ids = re.findall(r'\sid="([^"]+)"', page.text)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)  # many forms, one page


async def test_a_form_acts_once_however_often_it_is_sent(fairway):
    ref = (await open_claim(fairway.http))["state"]["ref"]
    http = await signed_in(fairway.http, "handler")
    page = await http.get(f"/console/cases/claim/{ref}")
    form = {
        "csrf_token": csrf_of(page),
        "idempotency_key": idempotency_key_of(page, "add_note"),
        "text": "Called the firm",
    }
    url = f"/console/cases/claim/{ref}/actions/add_note"
    first = await http.post(url, data=form)
    again = await http.post(url, data=form)
    assert (first.status_code, again.status_code) == (303, 303), (first.text, again.text)
    notes = (
        await http.get(f"/claims/{ref}", headers={"Authorization": f"Bearer {TOKENS['handler']}"})
    ).json()
    assert [n["text"] for n in notes["state"]["notes"]].count("Called the firm") == 1


async def test_a_form_without_its_csrf_token_is_refused(fairway):
    ref = (await open_claim(fairway.http))["state"]["ref"]
    http = await signed_in(fairway.http, "handler")
    answer = await http.post(f"/console/cases/claim/{ref}/actions/add_note", data={"text": "x"})
    assert (answer.status_code, answer.json()["code"]) == (403, "csrf_token_invalid")


async def test_a_refusal_is_shown_with_its_reason_and_what_is_allowed(fairway):
    ref = (await open_claim(fairway.http))["state"]["ref"]
    http = await signed_in(fairway.http, "handler")
    page = await http.get(f"/console/cases/claim/{ref}")
    sent = {"csrf_token": csrf_of(page), "idempotency_key": "k-refused", "sent_on": "2026-04-10"}
    answer = await http.post(f"/console/cases/claim/{ref}/actions/acknowledge_letter_of_claim", data=sent)
    assert answer.status_code == 409, answer.text
    assert "was refused" in answer.text and "Allowed now:" in answer.text
    assert "receive letter of claim" in answer.text


async def test_a_form_with_a_bad_answer_links_the_error_to_its_field(fairway):
    ref = (await open_claim(fairway.http))["state"]["ref"]
    http = await signed_in(fairway.http, "handler")
    page = await http.get(f"/console/cases/claim/{ref}")
    sent = {"csrf_token": csrf_of(page), "idempotency_key": "k-bad", "received_on": "not a date"}
    answer = await http.post(f"/console/cases/claim/{ref}/actions/receive_letter_of_claim", data=sent)
    assert answer.status_code == 422, answer.text
    assert "nhsuk-error-summary" in answer.text
    assert re.search(r'<a href="#[^"]*received_on[^"]*">', answer.text)


def claim_form(page: httpx.Response, idempotency_key: str, **changes: str) -> dict[str, str]:
    """The opening form filled in as tests.helpers.opening() fills in the API's body."""
    return {
        "csrf_token": csrf_of(page),
        "idempotency_key": idempotency_key,
        "scheme": "CNST",
        "defendant.kind": "trust",
        "defendant.code": "RX1",
        "defendant.name": "Example Hospitals NHS Trust",
        "specialty": "obstetrics",
        "incident_date": "2025-03-01",
        "date_of_knowledge": "2025-06-01",
        "claimant.name": "Alex Example",
        "claimant.date_of_birth": "1990-01-01",
        "claimant.protected_party": "no",
        "claimant_firm.firm_id": "SRA-100200",
        "claimant_firm.name": "Example & Co LLP",
        "allegations": "Delay in recognising fetal distress.",
        "handler": "hana.handler",
    } | changes


async def test_a_handler_opens_a_claim_from_the_form(fairway):
    http = await signed_in(fairway.http, "handler")
    page = await http.get("/console/cases/claim/new")
    assert page.status_code == 200, page.text
    assert 'name="claimant.name"' in page.text
    form = claim_form(page, "open-1")
    opened = await http.post("/console/cases/claim/new", data=form)
    assert opened.status_code == 303, opened.text
    assert re.fullmatch(r"/console/cases/claim/CLM-[A-Z2-7]{12}", opened.headers["location"])
    again = await http.post("/console/cases/claim/new", data=form)
    assert again.headers["location"] == opened.headers["location"]  # a double submit opens one case


async def test_a_form_breaking_a_rule_is_refused_as_the_api_refuses_it(fairway):
    """A request its schema allows but a rule refuses is 409 with the rule's code, from the form
    as from the API."""
    http = await signed_in(fairway.http, "handler")
    page = await http.get("/console/cases/claim/new")
    form = claim_form(page, "open-out-of-order", date_of_knowledge="2025-01-01")
    answer = await http.post("/console/cases/claim/new", data=form)
    assert answer.status_code == 409, answer.text
    assert 'data-code="dates_out_of_order"' in answer.text
    assert "the date of knowledge is before the incident date" in answer.text
    sent = opening(date_of_knowledge="2025-01-01")
    headers = auth("handler") | {"Idempotency-Key": key()}
    by_api = await fairway.http.post("/claims", json=sent, headers=headers)
    assert (by_api.status_code, by_api.json()["code"]) == (409, "dates_out_of_order"), by_api.text


async def test_an_adviser_sees_advice_cases_and_no_claim(fairway):
    ref = (await open_claim(fairway.http))["state"]["ref"]
    http = await signed_in(fairway.http, "adviser")
    kinds = await http.get("/console/cases")
    assert "/console/cases/advice" in kinds.text and "/console/cases/claim" not in kinds.text
    assert (await http.get("/console/cases/claim")).status_code == 403
    assert (await http.get(f"/console/cases/claim/{ref}")).status_code == 403
    assert ref not in (await http.get("/console/work")).text


async def test_a_handler_sees_no_advice_case_anywhere(fairway):
    http = await signed_in(fairway.http, "handler")
    kinds = await http.get("/console/cases")
    assert "/console/cases/advice" not in kinds.text
    assert (await http.get("/console/cases/advice")).status_code == 403
    queue = await http.get("/console/queue")
    assert queue.status_code == 403  # the queue is for supervisors


async def test_a_supervisor_reads_a_claims_timeline(fairway):
    ref = (await open_claim(fairway.http))["state"]["ref"]
    http = await signed_in(fairway.http, "supervisor")
    story = await http.get(f"/console/cases/claim/{ref}/timeline")
    assert story.status_code == 200, story.text
    opening = SPECS["claim"].workflow.pathway.opening_action.replace("_", " ")
    assert f"{opening} by hana.handler (handler)" in story.text  # the ledger
    assert f"<strong>{opening}</strong>" in story.text  # the timeline from Temporal


async def test_acknowledging_an_escalation_no_one_may_see_is_refused_as_not_found(fairway):
    http = await signed_in(fairway.http, "supervisor")
    queue = await http.get("/console/queue")
    assert queue.status_code == 200, queue.text
    sent = {"csrf_token": csrf_of(queue), "comment": "seen", "return_to": "/console/queue"}
    answer = await http.post("/console/queue/2147483000/acknowledge", data=sent)
    assert answer.status_code == 404 and 'data-code="escalation_not_found"' in answer.text
    blank = await http.post("/console/queue/2147483000/acknowledge", data=sent | {"comment": " "})
    assert blank.status_code == 422 and 'data-code="comment_required"' in blank.text


@pytest.mark.parametrize(
    ("back", "kept"),
    [
        ("/console/queue", True),
        ("/console/queue?level=supervisor&team=claims", True),
        ("https://evil.example/console/queue", False),
        ("//evil.example", False),
        ("/console/queueing", False),
        ("/console/cases", False),
    ],
)
def test_after_acknowledging_the_browser_goes_back_to_the_queue_only(back, kept):
    assert bool(QUEUE_PAGE.fullmatch(back)) is kept


async def test_a_bad_queue_filter_is_a_refusal_not_an_error(fairway):
    http = await signed_in(fairway.http, "supervisor")
    for query in ({"min_age_hours": "nan"}, {"min_age_hours": "-1"}, {"level": "boss"}, {"case_kind": "x"}):
        answer = await http.get("/console/queue", params=query)
        assert answer.status_code == 422 and 'data-code="invalid_request"' in answer.text, query


async def test_a_claim_is_coded_by_choosing_from_the_taxonomy(fairway):
    ref = (await open_claim(fairway.http))["state"]["ref"]
    http = await signed_in(fairway.http, "handler")
    page = await http.get(f"/console/cases/claim/{ref}")
    # Codes are offered, grouped as a person reads them, a box to tick for each of a list's;
    # groups and the version are not typed.
    assert re.search(
        r'name="themes" type="checkbox" value="theme.delay_in_escalation">\s*'
        r"<label [^>]*>Monitoring and escalation › Delay in escalation</label>",
        page.text,
    )
    assert 'value="theme.monitoring_and_escalation"' not in page.text, "a group is never coded"
    assert '<option value="2026.1" selected>' in page.text
    form = {
        "csrf_token": csrf_of(page),
        "idempotency_key": idempotency_key_of(page, "code_claim"),
        "taxonomy_version": "2026.1",
        "specialty": "specialty.obstetrics",
        "primary_cause": "cause.fetal_monitoring",
        "injuries": ["injury.hypoxic_brain_injury"],
        "themes": ["theme.ctg_misinterpreted", "theme.delay_in_escalation"],
        "reason": "coded from the console",
    }
    posted = await http.post(f"/console/cases/claim/{ref}/actions/code_claim", data=form)
    assert posted.status_code == 303, posted.text
    claim = await fairway.http.get(f"/claims/{ref}", headers={"Authorization": f"Bearer {TOKENS['handler']}"})
    coding = claim.json()["state"]["coding"]
    assert (coding["injuries"], coding["themes"]) == (
        ["injury.hypoxic_brain_injury"],
        ["theme.ctg_misinterpreted", "theme.delay_in_escalation"],
    )
