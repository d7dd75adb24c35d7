"""A browser signs in with a Fairway token and gets a session cookie that the codec endpoint
takes in place of a bearer token (so the Temporal Web UI can decode for a signed-in supervisor),
and nothing else does. The seal's rules first, as pure functions; then the pages over ASGI
(no Temporal needed: signing in and decoding a payload touch no workflow)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from temporalio.api.common.v1 import Payload

from api.app import create_app
from api.auth import Directory
from api.browser_session import COOKIE, SessionSeal
from api.token_file import TokenEntry, token_digest
from fairway.encryption import EncryptionCodec
from fairway.keys import KeyRing
from fairway.settings import Settings
from models.access import Tier
from tests.api.test_codec_endpoint import DECODE, ENCODE, as_json, from_json
from tests.conftest import ACTORS, TEST_KEYS, directory
from tests.helpers import TOKENS, auth

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
DIGEST = token_digest("a-token")
UI = Settings().codec_cors_origin
SECRET = "Claimant Zebedee Quill"


# --- the seal, as pure functions -----------------------------------------------------------------


def test_a_sealed_cookie_opens_to_its_digest_and_expiry_and_names_no_token():
    seal = SessionSeal(TEST_KEYS)
    value = seal.seal(DIGEST, NOW + timedelta(hours=8))
    opened = seal.opened(value, NOW)
    assert (opened.digest, opened.expires) == (DIGEST, NOW + timedelta(hours=8))
    assert DIGEST not in value and "a-token" not in value
    assert value.startswith(f"{TEST_KEYS.current}.")


def test_an_expired_cookie_opens_to_nothing():
    seal = SessionSeal(TEST_KEYS)
    value = seal.seal(DIGEST, NOW + timedelta(hours=1))
    assert seal.opened(value, NOW + timedelta(hours=1)) is None
    assert seal.opened(value, NOW + timedelta(minutes=59)) is not None


@pytest.mark.parametrize(
    "tamper",
    [
        lambda v: v[:-2] + ("AA" if not v.endswith("AA") else "BB"),  # the ciphertext altered
        lambda v: "other." + v.partition(".")[2],  # another key's id
        lambda v: v.partition(".")[0],  # no body
        lambda v: v + "!!!",  # not base64
        lambda v: v.partition(".")[0] + "." + "A" * 500,  # too long to be ours
        lambda v: "",
    ],
)
def test_an_altered_or_foreign_cookie_opens_to_nothing(tamper):
    seal = SessionSeal(TEST_KEYS)
    assert seal.opened(tamper(seal.seal(DIGEST, NOW + timedelta(hours=1))), NOW) is None


def test_a_key_rotation_keeps_sessions_and_removing_the_key_ends_them():
    before = SessionSeal(TEST_KEYS)
    value = before.seal(DIGEST, NOW + timedelta(hours=1))
    rotated = TEST_KEYS.rotated()
    assert SessionSeal(rotated).opened(value, NOW).digest == DIGEST
    assert SessionSeal(rotated).seal(DIGEST, NOW + timedelta(hours=1)).startswith(f"{rotated.current}.")
    without_old = KeyRing(current=rotated.current, keys={rotated.current: rotated.keys[rotated.current]})
    assert SessionSeal(without_old).opened(value, NOW) is None


# --- the pages and the codec endpoint --------------------------------------------------------------


def app_for(people: Directory, base_url: str = "http://fairway") -> httpx.AsyncClient:
    app = create_app(Settings(), client=None, sessions=None, directory=people)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)


@pytest.fixture
async def browser():
    async with app_for(directory()) as http:
        yield http


async def sign_in(http: httpx.AsyncClient, token: str, next: str | None = None, **headers: str):
    params = {"next": next} if next else None
    return await http.post("/session", params=params, data={"token": token}, headers=headers)


def claim_payload() -> Payload:
    plain = Payload(metadata={"encoding": b"json/plain"}, data=f'{{"name": "{SECRET}"}}'.encode())
    return EncryptionCodec(TEST_KEYS).for_tier(Tier.CLAIMS).encrypt(plain)


async def decode_with_cookie(http: httpx.AsyncClient) -> httpx.Response:
    return await http.post(DECODE, json=as_json([claim_payload()]), headers={"Origin": UI})


async def test_signing_in_sets_a_strict_http_only_cookie_and_the_page_says_who(browser):
    answer = await sign_in(browser, TOKENS["supervisor"])
    assert answer.status_code == 303 and answer.headers["location"] == "/console"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    for attribute in ("HttpOnly", "SameSite=strict", "Path=/", f"Max-Age={8 * 3600}"):
        assert attribute.lower() in cookie.lower(), attribute
    assert "secure" not in cookie.lower()  # plain http here; https gets Secure (below)
    assert TOKENS["supervisor"] not in cookie
    page = await browser.get("/session")
    assert page.status_code == 200
    assert "Signed in as <strong>sam.supervisor (supervisor)</strong>" in page.text
    assert 'action="/session/sign-out"' in page.text and 'name="csrf_token"' in page.text


async def test_over_https_the_cookie_is_secure():
    async with app_for(directory(), base_url="https://fairway") as http:
        answer = await sign_in(http, TOKENS["supervisor"])
        assert "secure" in answer.headers["set-cookie"].lower()


async def test_a_signed_in_supervisor_decodes_through_the_codec_with_the_cookie_alone(browser):
    before = await decode_with_cookie(browser)
    assert before.status_code == 401
    await sign_in(browser, TOKENS["supervisor"])
    decoded = await decode_with_cookie(browser)
    assert decoded.status_code == 200, decoded.text
    assert decoded.headers["access-control-allow-origin"] == UI
    assert decoded.headers["access-control-allow-credentials"] == "true"
    assert SECRET.encode() in from_json(decoded.json())[0].data
    encoded = await browser.post(ENCODE, json=as_json(from_json(decoded.json())), headers={"Origin": UI})
    assert encoded.status_code == 200 and SECRET.encode() not in from_json(encoded.json())[0].data


async def test_a_signed_in_handler_is_refused_by_the_codec(browser):
    await sign_in(browser, TOKENS["handler"])
    refused = await decode_with_cookie(browser)
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")


async def test_the_cookie_acts_on_no_case(browser):
    await sign_in(browser, TOKENS["supervisor"])
    for method, path in (("GET", "/claims"), ("GET", "/escalations"), ("GET", "/me/work")):
        answer = await browser.request(method, path)
        assert answer.status_code == 401, (path, answer.text)


async def test_a_bearer_token_wins_over_the_cookie(browser):
    await sign_in(browser, TOKENS["supervisor"])
    answer = await browser.post(DECODE, json=as_json([claim_payload()]), headers=auth("handler"))
    assert answer.status_code == 403


def csrf_of(page: httpx.Response) -> str:
    return re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text).group(1)


async def test_signing_out_ends_the_session(browser):
    await sign_in(browser, TOKENS["supervisor"])
    token = csrf_of(await browser.get("/session"))
    out = await browser.post("/session/sign-out", data={"csrf_token": token})
    assert out.status_code == 303
    assert f'{COOKIE}=""' in out.headers["set-cookie"] and "max-age=0" in out.headers["set-cookie"].lower()
    assert (await decode_with_cookie(browser)).status_code == 401
    assert "Sign in to Fairway" in (await browser.get("/session")).text


async def test_signing_out_needs_the_sessions_own_csrf_token(browser):
    await sign_in(browser, TOKENS["supervisor"])
    for sent in ({"note": "no token"}, {"csrf_token": ""}, {"csrf_token": "0" * 64}):
        refused = await browser.post("/session/sign-out", data=sent)
        assert (refused.status_code, refused.json()["code"]) == (403, "csrf_token_invalid")
    # Another session's token is not this one's.
    async with app_for(directory()) as other:
        await sign_in(other, TOKENS["auditor"])
        theirs = csrf_of(await other.get("/session"))
    refused = await browser.post("/session/sign-out", data={"csrf_token": theirs})
    assert refused.status_code == 403
    assert (await decode_with_cookie(browser)).status_code == 200  # still signed in


async def test_after_signing_in_the_browser_goes_back_where_it_was_sent_from(browser):
    answer = await browser.post("/session?next=/console/work", data={"token": TOKENS["handler"]})
    assert (answer.status_code, answer.headers["location"]) == (303, "/console/work")
    for elsewhere in ("//evil.example/x", "https://evil.example", "/\\evil.example"):
        refused = await sign_in(browser, TOKENS["handler"], next=elsewhere)
        assert refused.status_code == 422, elsewhere


async def test_a_session_ends_when_its_token_leaves_the_token_file(browser):
    await sign_in(browser, TOKENS["supervisor"])
    cookie = browser.cookies[COOKIE]
    kept = {t: TokenEntry(**e) for t, e in ACTORS.items() if t != TOKENS["supervisor"]}
    async with app_for(Directory(kept)) as after_reload:
        after_reload.cookies.set(COOKIE, cookie)
        assert (await decode_with_cookie(after_reload)).status_code == 401


async def test_a_forged_cookie_is_no_session(browser):
    browser.cookies.set(COOKIE, f"{TEST_KEYS.current}.{'A' * 80}")
    assert (await decode_with_cookie(browser)).status_code == 401
    assert "Sign in to Fairway" in (await browser.get("/session")).text


@pytest.mark.parametrize(
    ("token", "status", "code", "message"),
    [
        ("not-a-token", 401, "token_not_recognised", "That token is not recognised"),
        ("", 422, "token_required", "Enter your Fairway token"),
    ],
)
async def test_a_wrong_or_no_token_is_an_error_linked_to_its_field(browser, token, status, code, message):
    answer = await sign_in(browser, token)
    assert answer.status_code == status
    assert "set-cookie" not in answer.headers
    assert f'data-code="{code}"' in answer.text
    assert f'<a href="#token">{message}</a>' in answer.text
    assert re.search(r'<label [^>]*for="token"', answer.text)
    assert re.search(r'aria-describedby="[^"]*token-error', answer.text)
    assert token == "" or token not in answer.text


async def test_a_form_post_from_another_origin_is_refused(browser):
    for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        answer = await sign_in(browser, TOKENS["supervisor"], **headers)
        assert (answer.status_code, answer.json()["code"]) == (403, "cross_origin")
        assert "set-cookie" not in answer.headers
        out = await browser.post("/session/sign-out", headers=headers)
        assert (out.status_code, out.json()["code"]) == (403, "cross_origin")
    same = await sign_in(browser, TOKENS["supervisor"], Origin="http://fairway")
    assert same.status_code == 303


async def test_a_sign_in_that_is_not_a_form_is_refused(browser):
    answer = await browser.post("/session", json={"token": TOKENS["supervisor"]})
    assert (answer.status_code, answer.json()["code"]) == (415, "form_expected")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"token=a%00b", 422, "control_character"),
        (b"token=%ff", 400, "body_not_utf8"),
        (b"token=\xff", 400, "body_not_utf8"),
    ],
)
async def test_the_guard_checks_form_fields_as_it_checks_json(browser, body, status, code):
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    answer = await browser.post("/session", content=body, headers=headers)
    assert (answer.status_code, answer.json()["code"]) == (status, code)


async def test_a_form_body_sent_to_a_json_route_is_a_4xx_not_a_500(browser):
    headers = auth("handler") | {"Content-Type": "application/x-www-form-urlencoded", "Idempotency-Key": "k1"}
    answer = await browser.post("/claims", content=b"scheme=CNST", headers=headers)
    assert 400 <= answer.status_code < 500, answer.text


def test_a_token_for_the_session_is_the_one_in_the_directory():
    assert directory().actor_for_digest(token_digest(TOKENS["auditor"])).id == "ada.auditor"
    assert directory().actor_for_digest(DIGEST) is None
