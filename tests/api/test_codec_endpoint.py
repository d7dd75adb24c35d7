"""The codec endpoint speaks Temporal's remote codec protocol to the Web UI: it decodes a case's
payloads for those who oversee its tier, hands others' payloads back unchanged, refuses anyone
who may decode nothing, and answers CORS for the Web UI's origin only."""

from __future__ import annotations

import base64
import json

from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads

from fairway.settings import Settings
from models.common import CaseKind, case_workflow_id
from tests.advice_paths import CASES, referral
from tests.api.test_payload_encryption import ours, payloads_in, raw_history
from tests.helpers import auth, key, open_claim

UI = Settings().codec_cors_origin
DECODE, ENCODE = "/codec/decode", "/codec/encode"


def as_json(payloads: list[Payload]) -> dict:
    """What the Web UI sends: protobuf's JSON form of a Payloads message."""
    return json.loads(json_format.MessageToJson(Payloads(payloads=payloads)))


def from_json(body: dict) -> list[Payload]:
    return list(json_format.ParseDict(body, Payloads()).payloads)


async def case_payloads(fairway, kind: CaseKind, ref: str) -> list[Payload]:
    history = await raw_history(fairway.client, case_workflow_id(kind, ref))
    return [p for event in history.events for path, p in payloads_in(event) if ours(path)]


async def a_claims_payloads(fairway) -> tuple[list[Payload], str]:
    name = f"Claimant {key()[:10]}"
    claimant = {"name": name, "date_of_birth": "1980-05-05", "protected_party": False}
    ref = (await open_claim(fairway.http, claimant=claimant))["state"]["ref"]
    return await case_payloads(fairway, CaseKind.CLAIM, ref), name


async def an_advice_cases_payloads(fairway) -> tuple[list[Payload], str]:
    number = str(1_000_000 + int(key()[:6], 16) % 8_999_999)
    body = referral(practitioner={"regulator": "GMC", "number": number})
    opened = await fairway.http.post(CASES, json=body, headers=auth("adviser") | {"Idempotency-Key": key()})
    assert opened.status_code == 201, opened.text
    return await case_payloads(fairway, CaseKind.ADVICE, opened.json()["state"]["ref"]), number


async def decode(fairway, payloads: list[Payload], who: str) -> list[Payload]:
    headers = auth(who) | {"Origin": UI, "X-Namespace": "default"}
    response = await fairway.http.post(
        f"{DECODE}?preserveStorageRefs=true", json=as_json(payloads), headers=headers
    )
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == UI
    return from_json(response.json())


def readable(payloads: list[Payload], text: str) -> bool:
    return any(text.encode() in p.data for p in payloads)


async def test_a_supervisor_auditor_and_admin_read_a_claims_payloads(fairway):
    payloads, name = await a_claims_payloads(fairway)
    assert not readable(payloads, name)
    for who in ("supervisor", "auditor", "admin"):
        decoded = await decode(fairway, payloads, who)
        assert readable(decoded, name), who
        assert all(b"encryption-key-id" not in p.SerializeToString() for p in decoded)


async def test_advice_payloads_decode_for_advice_roles_only(fairway):
    payloads, number = await an_advice_cases_payloads(fairway)
    for who in ("advice_supervisor", "auditor", "admin"):
        assert readable(await decode(fairway, payloads, who), number), who
    # A claims supervisor gets them back as they were: still ciphertext.
    assert await decode(fairway, payloads, "supervisor") == payloads


async def test_an_advice_supervisor_reads_no_claim_payload(fairway):
    payloads, name = await a_claims_payloads(fairway)
    assert await decode(fairway, payloads, "advice_supervisor") == payloads


async def test_a_handler_an_adviser_and_a_bad_token_are_refused(fairway):
    payloads, _ = await a_claims_payloads(fairway)
    body = as_json(payloads)
    for who in ("handler", "adviser"):
        response = await fairway.http.post(DECODE, json=body, headers=auth(who))
        assert response.status_code == 403, (who, response.text)
        assert response.json()["code"] == "forbidden"
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic dGVzdA=="}):
        response = await fairway.http.post(DECODE, json=body, headers=headers)
        assert response.status_code == 401, (headers, response.text)
        assert "Alex" not in response.text and "data" not in response.json()
    response = await fairway.http.post(ENCODE, json=body, headers=auth("handler"))
    assert response.status_code == 403


async def test_cors_answers_the_web_ui_origin_only(fairway):
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,x-namespace",
    }
    allowed = await fairway.http.options(DECODE, headers=preflight | {"Origin": UI})
    assert allowed.status_code == 200, allowed.text
    assert allowed.headers["access-control-allow-origin"] == UI
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()

    elsewhere = await fairway.http.options(DECODE, headers=preflight | {"Origin": "https://evil.example"})
    assert elsewhere.status_code == 400
    assert "access-control-allow-origin" not in elsewhere.headers
    # Without a preflight a browser still gets no CORS grant for another origin to read.
    payloads, _ = await a_claims_payloads(fairway)
    headers = auth("supervisor") | {"Origin": "https://evil.example"}
    response = await fairway.http.post(DECODE, json=as_json(payloads), headers=headers)
    assert "access-control-allow-origin" not in response.headers
    # The other routes answer no CORS at all.
    other = await fairway.http.options("/claims", headers=preflight | {"Origin": UI})
    assert "access-control-allow-origin" not in other.headers


async def test_encode_then_decode_round_trips_for_the_callers_tier(fairway):
    plain = Payload(metadata={"encoding": b"json/plain"}, data=b'{"note": "from the Web UI"}')
    for who, tier in (("supervisor", "claims"), ("advice_supervisor", "advice"), ("auditor", "advice")):
        response = await fairway.http.post(ENCODE, json=as_json([plain]), headers=auth(who))
        assert response.status_code == 200, response.text
        (sealed,) = from_json(response.json())
        assert sealed.metadata["encryption-key-id"].decode().startswith(f"{tier}/")
        assert b"from the Web UI" not in sealed.data
        assert await decode(fairway, [sealed], who) == [plain]


async def test_a_payload_not_encrypted_comes_back_as_it_is_and_garbage_is_refused(fairway):
    plain = Payload(metadata={"encoding": b"json/plain"}, data=b'"hello"')
    assert await decode(fairway, [plain], "supervisor") == [plain]
    response = await fairway.http.post(DECODE, json={"payloads": "nope"}, headers=auth("supervisor"))
    assert response.status_code == 400, response.text
    unknown = Payload(
        metadata={"encoding": b"binary/encrypted", "encryption-key-id": b"claims/gone"},
        data=base64.b64decode("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
    )
    response = await fairway.http.post(DECODE, json=as_json([unknown]), headers=auth("supervisor"))
    assert response.status_code == 422 and "claims/gone" in response.json()["message"], response.text
