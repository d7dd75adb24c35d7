"""Significant concerns through the HTTP API against the real dev server: raised from a claim (the
claim records the link) and walked to closed through a referral invited and a regulator; raised
on its own; raised from an advice case on the advice tier; sources refused without saying
whether they exist; and who sees which concern, both ways (lists, reads, histories)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from models.cases import CasePolicy
from tests.advice_paths import CASES as ADVICE_CASES
from tests.advice_paths import referral as advice_referral
from tests.helpers import assert_eventually, auth, key, ok, open_claim
from workflows.clock import london_date

PREFIX, ADVICE_PREFIX = "/significant-concerns", "/advice-concerns"
QUICK = CasePolicy(version="test", projection_delay_seconds=0.2)


def today() -> str:
    return london_date(datetime.now(UTC)).isoformat()


def use_policy(fairway, policy: CasePolicy) -> None:
    """New concerns in this Fairway start under `policy` (api/significant_concerns.py reads it)."""
    fairway.http._transport.app.state.concern_policy = policy


@pytest.fixture
def concerns(fairway):
    use_policy(fairway, QUICK)
    return fairway


def raising(source: tuple[str, str] | None = None, **overrides) -> dict:
    body = {
        "raised_on": today(),
        "provider_ods_code": "RXX",
        "description": "Three claims describe the same unsafe discharge practice on one ward.",
    }
    if source is not None:
        body["source"] = {"kind": source[0], "ref": source[1]}
    return body | overrides


async def raise_concern(http, source=None, who: str = "handler", prefix: str = PREFIX, **overrides):
    headers = auth(who) | {"Idempotency-Key": key()}
    return await http.post(prefix, json=raising(source, **overrides), headers=headers)


async def raised(http, source=None, who: str = "handler", prefix: str = PREFIX) -> dict:
    response = await raise_concern(http, source, who, prefix)
    assert response.status_code == 201, response.text
    return response.json()["state"]


async def walk_to_closed(http, ref: str, who: str = "handler", prefix: str = PREFIX) -> dict:
    """Assessed, provider contacted, referral invited and answered, shared with a regulator, closed."""
    on = today()
    assessment = {"assessed_on": on, "finding": "significant_harm", "reasons": "harm in three claims"}
    for action, body in (
        ("assess_concern", assessment),
        ("contact_provider", {"contacted_on": on, "method": "letter"}),
        ("invite_referral", {"invited_on": on, "refer_to": "GMC"}),
        ("record_provider_response", {"received_on": on, "referral_made": True}),
        ("share_with_regulator", {"shared_on": on, "regulator": "cqc", "regulator_reference": "CQC-1"}),
        ("close_concern", {"closed_on": on, "reason": "shared with the CQC"}),
    ):
        answer = await ok(http, ref, action, body, who, prefix)
    return answer["state"]


async def links_of(http, path: str, who: str) -> list[dict]:
    response = await http.get(path, headers=auth(who))
    assert response.status_code == 200, response.text
    return response.json()["state"]["links"]


async def test_raised_from_a_claim_linked_both_ways_and_walked_to_closed(concerns):
    http = concerns.http
    claim = (await open_claim(http))["state"]["ref"]
    concern = await raised(http, ("claim", claim))
    ref = concern["ref"]
    assert ref.startswith("SCN-") and concern["kind"] == "significant_concern"
    assert concern["source"]["ref"] == claim and concern["links"][0]["ref"] == claim
    assert concern["stage"] == "raised" and concern["deadlines"] == {}

    async def linked_back():
        links = await links_of(http, f"/claims/{claim}", "handler")
        assert [(x["kind"], x["ref"]) for x in links] == [("significant_concern", ref)]
        state = (await http.get(f"{PREFIX}/{ref}", headers=auth("handler"))).json()["state"]
        assert state["source_linked"] is True

    await assert_eventually(linked_back)
    state = await walk_to_closed(http, ref)
    assert state["stage"] == "closed" and state["outcome"] == "shared_with_regulator"
    assert state["sharings"][0]["regulator"] == "cqc" and state["onward"]["referral_made"] is True

    async def listed():
        page = (await http.get(PREFIX, headers=auth("supervisor"))).json()
        row = next(item for item in page["items"] if item["ref"] == ref)
        assert row["stage"] == "closed" and row["team"] == "safety_and_learning"

    await assert_eventually(listed)

    async def ledger():
        history = (await http.get(f"{PREFIX}/{ref}/history", headers=auth("auditor"))).json()
        actions = [entry["action"] for entry in history["ledger"]]
        assert actions[0] == "raise" and actions[-1] == "close_concern"
        assert "unsafe discharge" not in str(history["ledger"]), "the description stays out of the ledger"

    await assert_eventually(ledger)


async def test_raised_on_its_own_and_closed_below_the_threshold(concerns):
    http = concerns.http
    concern = await raised(http, who="supervisor")
    assert concern["source"] is None and concern["links"] == [] and concern["source_linked"] is None
    below = {"assessed_on": today(), "finding": "threshold_not_met", "reasons": "a single remedied lapse"}
    state = (await ok(http, concern["ref"], "assess_concern", below, prefix=PREFIX))["state"]
    assert state["stage"] == "closed" and state["outcome"] == "threshold_not_met"


async def test_raised_from_an_advice_case_only_advice_roles_see_it(concerns):
    http = concerns.http
    headers = auth("adviser") | {"Idempotency-Key": key()}
    advice = (await http.post(ADVICE_CASES, json=advice_referral(), headers=headers)).json()["state"]["ref"]
    concern = await raised(http, ("advice", advice), who="adviser", prefix=ADVICE_PREFIX)
    ref = concern["ref"]
    assert ref.startswith("ACN-") and concern["kind"] == "advice_concern" and concern["team"] == "advice"

    async def linked_back():
        links = await links_of(http, f"{ADVICE_CASES}/{advice}", "adviser")
        assert ("advice_concern", ref) in [(x["kind"], x["ref"]) for x in links]

    await assert_eventually(linked_back)
    state = await walk_to_closed(http, ref, "adviser", ADVICE_PREFIX)
    assert state["outcome"] == "shared_with_regulator"

    async def listed():
        page = (await http.get(ADVICE_PREFIX, headers=auth("advice_supervisor"))).json()
        assert ref in [item["ref"] for item in page["items"]]

    await assert_eventually(listed)
    for who in ("handler", "supervisor"):
        assert (await http.get(ADVICE_PREFIX, headers=auth(who))).status_code == 403
        assert (await http.get(f"{ADVICE_PREFIX}/{ref}", headers=auth(who))).status_code == 403
        assert (await http.get(f"{ADVICE_PREFIX}/{ref}/history", headers=auth(who))).status_code == 403
        assert (await http.get(f"{PREFIX}/{ref}", headers=auth(who))).status_code == 404
        listed_there = (await http.get(PREFIX, headers=auth(who))).json()["items"]
        assert ref not in [item["ref"] for item in listed_there]
    assert (await http.get(f"{ADVICE_PREFIX}/{ref}", headers=auth("auditor"))).status_code == 200


async def test_an_adviser_cannot_see_a_concern_raised_from_a_claim(concerns):
    http = concerns.http
    claim = (await open_claim(http))["state"]["ref"]
    ref = (await raised(http, ("claim", claim)))["ref"]
    for who in ("adviser", "advice_supervisor"):
        assert (await http.get(PREFIX, headers=auth(who))).status_code == 403
        assert (await http.get(f"{PREFIX}/{ref}", headers=auth(who))).status_code == 403
        assert (await http.get(f"{PREFIX}/{ref}/history", headers=auth(who))).status_code == 403
        assert (await http.get(f"{ADVICE_PREFIX}/{ref}", headers=auth(who))).status_code == 404
        assert (await http.get("/pathways/significant_concern", headers=auth(who))).status_code == 403
        assert (await raise_concern(http, who=who)).status_code == 403
        page = (await http.get(ADVICE_PREFIX, headers=auth(who))).json()
        assert ref not in [item["ref"] for item in page["items"]]


async def test_a_source_is_refused_without_saying_whether_it_exists(concerns):
    http = concerns.http
    claim = (await open_claim(http))["state"]["ref"]
    headers = auth("adviser") | {"Idempotency-Key": key()}
    advice = (await http.post(ADVICE_CASES, json=advice_referral(), headers=headers)).json()["state"]["ref"]
    unknown_claim = "CLM-AAAAAAAAAAAA"
    refusals = [
        # An adviser naming a claim, real or not: the same 404.
        (await raise_concern(http, ("claim", claim), "adviser", ADVICE_PREFIX)),
        (await raise_concern(http, ("claim", unknown_claim), "adviser", ADVICE_PREFIX)),
        # A handler naming an advice case, real or not.
        (await raise_concern(http, ("advice", advice), "handler")),
        (await raise_concern(http, ("advice", "PPA-AAAAAAAAAAAA"), "handler")),
        # A handler naming a claim that does not exist, or not of a claim's shape.
        (await raise_concern(http, ("claim", unknown_claim), "handler")),
        (await raise_concern(http, ("claim", advice), "handler")),
    ]
    for response in refusals:
        assert response.status_code == 404, response.text
        assert response.json()["code"] == "source_not_found"
        assert claim not in response.text and advice not in response.text
    # An admin reads both tiers: a concern goes to the route of its source's tier.
    crossed = await raise_concern(http, ("advice", advice), "admin", PREFIX)
    assert crossed.status_code == 409 and crossed.json()["code"] == "source_in_other_tier"
    assert ADVICE_PREFIX in crossed.json()["message"]


async def test_raised_from_an_early_notification_case(concerns):
    from tests.access_cases import notification

    http = concerns.http
    headers = auth("handler") | {"Idempotency-Key": key()}
    response = await http.post("/early-notifications", json=notification(), headers=headers)
    assert response.status_code == 201, response.text
    en = response.json()["state"]["ref"]
    ref = (await raised(http, ("early_notification", en)))["ref"]

    async def linked_back():
        links = await links_of(http, f"/early-notifications/{en}", "handler")
        assert ("significant_concern", ref) in [(x["kind"], x["ref"]) for x in links]

    await assert_eventually(linked_back)
