"""Opening is the same for every kind opened through the API: update-with-start answers with the
new case and its first deadlines; the same Idempotency-Key and body answers 200 with that case;
another body under the key is 409; whoever the case is given to must be in the directory in a
role that can own it. And a key belongs to its actor."""

from __future__ import annotations

import pytest

from tests.advice_paths import CASES, referral
from tests.helpers import auth, key, opening

NOTIFICATION = {
    "trust_code": "RX1",
    "trust_name": "Example Hospitals NHS Trust",
    "date_of_birth": "2024-02-01",
    "gestation_weeks": 39,
    "birth": "following_labour",
    "mri_confirmed": True,
    "actively_cooled": True,
    "encephalopathy": {"altered_consciousness": True, "hypotonia": True},
}
SUMMIT = {
    "claimant_firm_id": "SRA-100200",
    "claimant_firm_name": "Example & Co LLP",
    "proposed_on": "2026-11-01",
    "format": "remote",
    "handler": "hana.handler",
}


def _claim(**changes):
    return opening(**changes)


def _summit(**changes):
    return SUMMIT | changes


def _notification(**changes):
    return NOTIFICATION | {"mnsi_reference": f"MNSI-{key()[:8]}"} | changes


def _referral(**changes):
    return referral(**changes)


# (route, who opens, a valid body, a change that makes another body, first deadlines expected)
KINDS = {
    "claim": ("/claims", "handler", _claim, {"specialty": "neonatology"}, True),
    "resolution_summit": ("/resolution-summits", "handler", _summit, {"format": "in_person"}, False),
    "early_notification": ("/early-notifications", "handler", _notification, {"gestation_weeks": 38}, True),
    "advice": (CASES, "adviser", _referral, {"concerns": ["health"]}, False),
}


@pytest.mark.parametrize("kind", list(KINDS))
async def test_an_opening_answers_once_and_a_retry_finds_the_same_case(fairway, kind):
    route, who, body_of, change, has_deadlines = KINDS[kind]
    http, same_key, body = fairway.http, key(), body_of()
    headers = auth(who) | {"Idempotency-Key": same_key}
    first = await http.post(route, json=body, headers=headers)
    assert first.status_code == 201, first.text
    opened = first.json()
    ref = opened["state"]["ref"]
    assert opened["applied"]["seq"] == 1 and opened["applied"]["duplicate"] is False
    if has_deadlines:
        assert opened["state"]["deadlines"], "the answer carries the case's first deadlines"

    again = await http.post(route, json=body, headers=headers)
    assert again.status_code == 200, again.text
    assert again.json()["state"]["ref"] == ref and again.json()["applied"]["duplicate"] is True

    other = await http.post(route, json=body | change, headers=headers)
    assert (other.status_code, other.json()["code"]) == (409, "request_id_reused"), other.text
    read = (await http.get(f"{route}/{ref}", headers=auth(who))).json()["state"]
    assert read["seq"] == 1, "a refused opening changes nothing"


@pytest.mark.parametrize(
    ("kind", "assignee"),
    [
        ("claim", "nobody.at.all"),
        ("claim", "ava.adviser"),  # an adviser cannot own a claim
        ("resolution_summit", "0"),
        ("resolution_summit", "nobody.at.all"),
        ("resolution_summit", "ada.auditor"),
        ("early_notification", "nobody.at.all"),
    ],
)
async def test_an_opening_names_an_owner_from_the_directory(fairway, kind, assignee):
    route, who, body_of, _, _ = KINDS[kind]
    response = await fairway.http.post(
        route, json=body_of(handler=assignee), headers=auth(who) | {"Idempotency-Key": key()}
    )
    assert (response.status_code, response.json()["code"]) == (409, "unknown_handler"), response.text


async def test_an_adviser_is_assigned_from_the_directory(fairway):
    http = fairway.http
    opened = await http.post(CASES, json=referral(), headers=auth("adviser") | {"Idempotency-Key": key()})
    ref = opened.json()["state"]["ref"]
    for who in ("hana.handler", "nobody.at.all"):
        response = await http.post(
            f"{CASES}/{ref}/assign-adviser",
            json={"adviser": who},
            headers=auth("adviser") | {"Idempotency-Key": key()},
        )
        assert (response.status_code, response.json()["code"]) == (409, "unknown_handler"), response.text
    state = (await http.get(f"{CASES}/{ref}", headers=auth("adviser"))).json()["state"]
    assert state["seq"] == 1


async def test_a_key_belongs_to_its_actor(fairway):
    http = fairway.http
    ref = (
        await http.post("/claims", json=opening(), headers=auth("handler") | {"Idempotency-Key": key()})
    ).json()["state"]["ref"]
    shared = key()
    mine = await http.post(
        f"/claims/{ref}/add-note",
        json={"text": "mine"},
        headers=auth("handler") | {"Idempotency-Key": shared},
    )
    assert mine.status_code == 200, mine.text
    theirs = await http.post(
        f"/claims/{ref}/add-note",
        json={"text": "mine"},
        headers=auth("handler2") | {"Idempotency-Key": shared},
    )
    assert (theirs.status_code, theirs.json()["code"]) == (409, "request_id_reused"), theirs.text
    again = await http.post(
        f"/claims/{ref}/add-note",
        json={"text": "mine"},
        headers=auth("handler") | {"Idempotency-Key": shared},
    )
    assert again.status_code == 200 and again.json()["applied"]["duplicate"] is True
    notes = (await http.get(f"/claims/{ref}", headers=auth("auditor"))).json()["state"]["notes"]
    assert [(n["text"], n["author"]) for n in notes] == [("mine", "hana.handler")]
