"""Hostile input: every malformed request gets a clear 4xx with a machine-readable code, never a
5xx, never an echo of what was sent, and never a change: the case's state, its ledger and its
Temporal history are what they were before. Run on both registers, since a value one of them
cannot store (NUL in PostgreSQL text) must never reach either.

The guard's and the date rule's pure functions are tested first, without a server."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from api.guard import (
    LINE_PATTERN,
    MAX_DEPTH,
    TEXT_PATTERN,
    Refused,
    check_body,
    check_query,
    document,
    nesting_depth,
)
from models.cases import ExtendDeadline
from models.claims import ClaimOpening
from models.common import EventFloor, date_refusal, reported_dates
from models.litigation import ServeParticulars
from models.register import ClaimRow
from tests.conftest import TEST_POLICY, running_fairway, sessions_for
from tests.helpers import assert_eventually, auth, key, ledgered, open_claim, opening

TODAY = date(2026, 12, 1)

# --- the rules, pure ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, floor, refused",
    [
        (date(2026, 12, 2), None, "date_in_future"),
        (date(9999, 12, 31), None, "date_in_future"),
        (date(1899, 12, 31), None, "date_implausible"),
        (date(2025, 2, 28), EventFloor(date(2025, 3, 1), "incident"), "date_before_incident"),
        (date(2025, 3, 1), EventFloor(date(2025, 3, 1), "incident"), None),
        (datetime(2026, 12, 1, 9, tzinfo=UTC), None, None),
        (TODAY, None, None),
        (None, None, None),
    ],
)
def test_a_reported_date_is_past_and_plausible(value, floor, refused):
    answer = date_refusal("received_on", value, TODAY, floor)
    assert (answer and answer[0]) == refused
    if answer:
        assert answer[1].startswith("received_on ")


@pytest.mark.parametrize("model", [ExtendDeadline, ServeParticulars])
def test_an_instant_a_request_reports_carries_its_zone(model):
    """A time without a zone is refused by the schema (422), not compared with the case's clock."""
    field = "new_due_at" if model is ExtendDeadline else "sent_at"
    required = (
        {"deadline": "defence_due", "reason": "r", "agreed_by": "a"}
        if model is ExtendDeadline
        else {"method": "first_class_post"}
    )
    with pytest.raises(ValidationError, match="timezone"):
        model.model_validate(required | {field: "2026-11-30T16:00:00"})
    assert getattr(model.model_validate(required | {field: "2026-11-30T16:00:00Z"}), field).tzinfo is not None


def test_every_date_of_an_opening_is_found_by_its_place():
    claim = ClaimOpening.model_validate(opening())
    assert dict(reported_dates(claim)) == {
        "incident_date": date(2025, 3, 1),
        "date_of_knowledge": date(2025, 6, 1),
        "claimant.date_of_birth": date(1990, 1, 1),
    }


def _refusal(call, *args) -> tuple[int, str] | None:
    try:
        call(*args)
    except Refused as refused:
        assert len(refused.message) < 200
        return refused.status, refused.code
    return None


@pytest.mark.parametrize(
    "body, refused",
    [
        (b'{"text": "a note"}', None),
        (b'{"text": "line one\\nline two\\ttabbed"}', None),
        (b'{"text": "\\u00e9\\ud83d\\ude00"}', None),  # an accent and an emoji (a surrogate pair)
        (b'{"text": "Trust\\u0000X"}', (422, "control_character")),
        (b'{"text": "bell\\u0007"}', (422, "control_character")),
        (b'{"text": "c1\\u0085"}', (422, "control_character")),
        (b'{"te\\u0000xt": "a"}', (422, "control_character")),
        (b'{"text": "lone \\ud800"}', (422, "invalid_text")),
        (b'{"notes": [{"text": ["\\u001b"]}]}', (422, "control_character")),
        (b'{"text": "\xff\xfe"}', (400, "body_not_utf8")),
        (b"{text: 1}", (400, "invalid_json")),
        (b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), (400, "body_too_deep")),
        (b"[" * 100_000, (400, "body_too_deep")),
        (b'{"text": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}', None),  # brackets in text
    ],
)
def test_the_guard_reads_a_body_once_and_names_what_is_wrong(body, refused):
    assert _refusal(check_body, body) == refused


@pytest.mark.parametrize(
    "query, refused",
    [
        (b"stage=notified&limit=5", None),
        (b"stage=a%00b", (422, "control_character")),
        (b"ref=x%0D%0Ay", (422, "control_character")),
        (b"stage=%FF", (400, "invalid_query")),
        (b"caf%C3%A9=1", None),
    ],
)
def test_the_guard_reads_the_query(query, refused):
    assert _refusal(check_query, query) == refused


def test_nesting_is_counted_outside_strings():
    assert nesting_depth('{"a": [1, {"b": "]]]["}]}') == 3


def test_the_document_states_the_text_rule_where_nothing_narrower_does():
    schema = {
        "components": {
            "schemas": {
                "Note": {
                    "type": "object",
                    "properties": {
                        "text": {"type": "string", "maxLength": 10},
                        "on": {"type": "string", "format": "date"},
                        "code": {"type": "string", "pattern": "^[A-Z]+$"},
                        "side": {"type": "string", "enum": ["claimant"]},
                    },
                }
            }
        },
        "paths": {"/x": {"get": {"parameters": [{"name": "stage", "schema": {"type": "string"}}]}}},
    }
    properties = document(schema)["components"]["schemas"]["Note"]["properties"]
    assert properties["text"]["pattern"] == TEXT_PATTERN
    assert "pattern" not in properties["on"] and properties["code"]["pattern"] == "^[A-Z]+$"
    assert "pattern" not in properties["side"]
    assert schema["paths"]["/x"]["get"]["parameters"][0]["schema"]["pattern"] == LINE_PATTERN


# --- the API, end to end on each register -----------------------------------------------------------

HANDLER = auth("handler")
FUTURE = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()


def note(text: str = "a note", **extra) -> dict:
    return {"text": text, **extra}


def hostile_requests(ref: str) -> list[tuple[str, str, str, dict, int, str]]:
    """(what, method, path, request kwargs, status, code): each must be refused, changing nothing."""
    add_note = f"/claims/{ref}/add-note"
    return [
        (
            "offset beyond any integer",
            "GET",
            "/claims?offset=9223372036854775808",
            {},
            422,
            "invalid_request",
        ),
        (
            "escalation id beyond any integer",
            "GET",
            "/escalations/9223372036854775808",
            {},
            422,
            "invalid_request",
        ),
        ("min_age_hours 1e10", "GET", "/escalations?min_age_hours=1e10", {}, 422, "invalid_request"),
        ("min_age_hours inf", "GET", "/escalations?min_age_hours=inf", {}, 422, "invalid_request"),
        ("min_age_hours nan", "GET", "/escalations?min_age_hours=nan", {}, 422, "invalid_request"),
        ("NUL in a filter", "GET", "/claims?stage=a%00b", {}, 422, "control_character"),
        ("unknown pathway kind", "GET", "/pathways/nonsense", {}, 422, "invalid_request"),
        ("a body of 2 MB", "POST", add_note, {"json": note(pad="x" * 2_000_000)}, 413, "body_too_large"),
        ("a misspelt field", "POST", add_note, {"json": note(txet="typo")}, 422, "invalid_request"),
        ("NUL in text", "POST", add_note, {"json": note("Trust\u0000X")}, 422, "control_character"),
        ("a bell in text", "POST", add_note, {"json": note("ding\u0007")}, 422, "control_character"),
        ("a lone surrogate", "POST", add_note, {"content": b'{"text": "\\ud800"}'}, 422, "invalid_text"),
        ("bad UTF-8", "POST", add_note, {"content": b'{"text": "\xc3\x28"}'}, 400, "body_not_utf8"),
        ("not JSON", "POST", add_note, {"content": b"text=hello"}, 400, "invalid_json"),
        (
            "nested deep",
            "POST",
            add_note,
            {"content": b'{"text": ' + b"[" * 500 + b"]" * 500 + b"}"},
            400,
            "body_too_deep",
        ),
        (
            "an empty key",
            "POST",
            add_note,
            {"json": note(), "headers": HANDLER | {"Idempotency-Key": ""}},
            422,
            "invalid_request",
        ),
        ("a ref of 5,000 characters", "GET", "/claims/" + "A" * 5_000, {}, 422, "invalid_request"),
        ("NUL in a ref", "GET", "/claims/CLM-AAAA%00", {}, 422, "control_character"),
        ("CR LF in a ref", "GET", "/claims/CLM-AA%0D%0ASet-Cookie:x", {}, 422, "control_character"),
        ("not a claim's ref", "GET", "/claims/NOT-A-CLAIM-REF", {}, 404, "claim_not_found"),
        (
            "an incident in 2030",
            "POST",
            "/claims",
            {"json": opening(incident_date=FUTURE, date_of_knowledge=None)},
            409,
            "date_in_future",
        ),
        (
            "an incident on 9999-12-31",
            "POST",
            "/claims",
            {"json": opening(incident_date="9999-12-31", date_of_knowledge=None)},
            409,
            "date_in_future",
        ),
        (
            "a claimant born in the future, as the incident",
            "POST",
            "/claims",
            {
                "json": opening(
                    incident_date=FUTURE,
                    date_of_knowledge=None,
                    claimant={"name": "A", "date_of_birth": FUTURE},
                )
            },
            409,
            "date_in_future",
        ),
        (
            "born after the incident",
            "POST",
            "/claims",
            {"json": opening(claimant={"name": "A", "date_of_birth": "2025-04-01"})},
            409,
            "dates_out_of_order",
        ),
        (
            "an incident in 1850",
            "POST",
            "/claims",
            {
                "json": opening(
                    incident_date="1850-01-01",
                    date_of_knowledge=None,
                    claimant={"name": "A", "date_of_birth": "1849-01-01"},
                )
            },
            409,
            "date_implausible",
        ),
        (
            "NUL in the defendant's name",
            "POST",
            "/claims",
            {"json": opening(defendant={"kind": "trust", "code": "RX1", "name": "Trust\u0000X"})},
            422,
            "control_character",
        ),
        (
            "a deadline moved to 9999-12-31",
            "POST",
            f"/claims/{ref}/extend-deadline",
            {
                "json": {
                    "deadline": "case_review_due",
                    "new_due_on": "9999-12-31",
                    "reason": "x",
                    "agreed_by": "x",
                },
                "headers": auth("supervisor") | {"Idempotency-Key": key()},
            },
            409,
            "date_implausible",
        ),
        (
            "a case given to no one in the directory",
            "POST",
            f"/claims/{ref}/reassign",
            {
                "json": {"handler": "nobody.here", "reason": "x"},
                "headers": auth("supervisor") | {"Idempotency-Key": key()},
            },
            409,
            "unknown_handler",
        ),
        (
            "a letter of claim from 1900",
            "POST",
            f"/claims/{ref}/receive-letter-of-claim",
            {"json": {"received_on": "1900-01-01", "copied_to_nhs_resolution": True}},
            409,
            "date_before_incident",
        ),
        (
            "a letter of claim before the incident",
            "POST",
            f"/claims/{ref}/receive-letter-of-claim",
            {"json": {"received_on": "2025-02-28", "copied_to_nhs_resolution": True}},
            409,
            "date_before_incident",
        ),
    ]


async def _snapshot(fairway, ref: str) -> tuple:
    live = (await fairway.http.get(f"/claims/{ref}", headers=auth("supervisor"))).json()
    history = (await fairway.http.get(f"/claims/{ref}/history", headers=auth("supervisor"))).json()
    return live["state"], ledgered(history, ref), history["ledger"], _register_row(fairway, ref)


def _register_row(fairway, ref: str) -> dict:
    with fairway.sessions() as session:
        row = session.get(ClaimRow, ref)
        return {c.name: getattr(row, c.name) for c in ClaimRow.__table__.columns} if row else {}


async def _settled(fairway, ref: str, seq: int) -> tuple:
    async def projected():
        snapshot = await _snapshot(fairway, ref)
        assert len(snapshot[2]) == seq and snapshot[3].get("seq") == seq
        assert snapshot[3].get("version") == snapshot[0]["version"]  # the register has the latest
        return snapshot

    # A projection the case still owes (its opening deadlines, set just after it opened) lands
    # within the policy's book delay: "before" is the case once nothing more comes.
    quiet = TEST_POLICY.book_projection_delay_seconds + 0.5
    snapshot = await assert_eventually(projected)
    for _ in range(5):
        await asyncio.sleep(quiet)
        again = await assert_eventually(projected)
        if again == snapshot:
            return snapshot
        snapshot = again
    raise AssertionError("the case kept changing with nothing sent to it")


@pytest.mark.parametrize("register", ["sqlite", "postgres"])
async def test_hostile_requests_are_refused_and_change_nothing(client, register, request):
    sessions = sessions_for(request.getfixturevalue(f"{register}_url"))
    async with running_fairway(client, sessions) as fairway:
        claim = await open_claim(fairway.http)
        ref = claim["state"]["ref"]
        first_key = key()
        first = await fairway.http.post(
            f"/claims/{ref}/add-note", json=note(), headers=HANDLER | {"Idempotency-Key": first_key}
        )
        assert first.status_code == 200 and first.json()["applied"]["duplicate"] is False
        before = await _settled(fairway, ref, 2)

        wrong = []
        for what, method, path, kwargs, status, code in hostile_requests(ref):
            kwargs = {"headers": HANDLER | {"Idempotency-Key": key()}} | kwargs
            if "escalations" in path:
                kwargs["headers"] = auth("supervisor")
            response = await fairway.http.request(method, path, **kwargs)
            body = response.json()
            if (response.status_code, body.get("code")) != (status, code):
                wrong.append(f"{what}: {response.status_code} {response.text[:300]}")
            elif "NOT-A-CLAIM" in body["message"] or "AAAAAAAAAA" in response.text or "\x00" in response.text:
                wrong.append(f"{what}: the answer repeats the input: {response.text[:200]}")
        assert not wrong, "\n".join(wrong)

        # Another actor's key, with the same body: refused, never the first actor's answer.
        stolen = await fairway.http.post(
            f"/claims/{ref}/add-note", json=note(), headers=auth("handler2") | {"Idempotency-Key": first_key}
        )
        assert stolen.status_code == 409 and stolen.json()["code"] == "request_id_reused", stolen.text
        assert await _settled(fairway, ref, 2) == before

        # The same actor's retry is answered as a replay.
        retry = await fairway.http.post(
            f"/claims/{ref}/add-note", json=note(), headers=HANDLER | {"Idempotency-Key": first_key}
        )
        assert retry.status_code == 200 and retry.json()["applied"]["duplicate"] is True, retry.text
        assert await _settled(fairway, ref, 2) == before


async def test_a_wildcard_in_a_filter_matches_itself(fairway):
    await open_claim(fairway.http)
    listed = await fairway.http.get("/claims?route=%25", headers=HANDLER)
    assert listed.status_code == 200 and listed.json()["total"] == 0


async def test_an_opening_retried_is_answered_as_a_replay(fairway):
    headers = HANDLER | {"Idempotency-Key": key()}
    first = await fairway.http.post("/claims", json=opening(), headers=headers)
    again = await fairway.http.post("/claims", json=opening(), headers=headers)
    assert first.status_code == 201 and again.status_code == 200, again.text
    assert again.json()["state"]["ref"] == first.json()["state"]["ref"]
    assert again.json()["applied"]["duplicate"] is True


@pytest.mark.parametrize("register", ["sqlite", "postgres"])
async def test_the_longest_values_an_opening_allows_reach_the_register(client, register, request):
    """Every text at its schema's maximum, in characters outside the BMP: each register stores it."""
    sessions = sessions_for(request.getfixturevalue(f"{register}_url"))
    wide = "\U0001f600"  # four bytes in UTF-8, two UTF-16 units
    async with running_fairway(client, sessions) as fairway:
        body = opening(
            defendant={"kind": "trust", "code": "R" * 10, "name": wide * 200},  # an ODS code at its longest
            specialty=wide * 100,
            claimant={"name": wide * 200, "date_of_birth": "1990-01-01"},
            claimant_firm={"firm_id": "F" * 60, "name": wide * 200},
            allegations=wide * 10_000,
            team="t" * 60,
        )
        response = await fairway.http.post("/claims", json=body, headers=HANDLER | {"Idempotency-Key": key()})
        assert response.status_code == 201, response.text
        ref = response.json()["state"]["ref"]

        def stored():
            row = _register_row(fairway, ref)
            assert row and row["defendant_name"] == wide * 200 and row["specialty"] == wide * 100
            return row

        row = await assert_eventually(stored)
        assert row["claimant_firm_name"] == wide * 200 and row["team"] == "t" * 60
