"""Clinical coding of a claim through the API: the worker's taxonomy judges the codes, a refusal
changes nothing, a retry is answered once, a new coding replaces the last in the register (its
codes too), and the ledger keeps every coding."""

from __future__ import annotations

from sqlalchemy import select

from models.register import ClaimCodeRow, ClaimRow
from tests.claim_paths import SAMPLES
from tests.helpers import act, assert_eventually, auth, key, ok, open_claim

CODING = SAMPLES["code_claim"]


async def _ledger(http, ref: str, entries: int) -> list[dict]:
    async def complete():
        body = (await http.get(f"/claims/{ref}/history", headers=auth("supervisor"))).json()
        assert len(body["ledger"]) == entries
        return body["ledger"]

    return await assert_eventually(complete)


def _registered(sessions, ref: str) -> tuple:
    with sessions() as session:
        row = session.get(ClaimRow, ref)
        codes = session.execute(
            select(ClaimCodeRow.field, ClaimCodeRow.code).where(ClaimCodeRow.claim_ref == ref)
        ).all()
    coded = (row.taxonomy_version, row.coded_specialty, row.primary_cause) if row else None
    return coded, sorted(codes)


async def test_a_claim_is_coded_and_coded_again_and_the_register_follows(fairway):
    http = fairway.http
    ref = (await open_claim(http))["state"]["ref"]
    assert (
        "code_claim" in (await http.get(f"/claims/{ref}", headers=auth("handler"))).json()["allowed_actions"]
    )

    retry = key()
    first = await act(http, ref, "code_claim", CODING, idempotency_key=retry)
    assert first.status_code == 200, first.text
    coded = first.json()
    coding = coded["state"]["coding"]
    assert (coding["specialty"], coding["themes"], coding["coded_by"]) == (
        "specialty.obstetrics",
        ["theme.ctg_misinterpreted", "theme.delay_in_escalation"],
        "hana.handler",
    )
    again = (await act(http, ref, "code_claim", CODING, idempotency_key=retry)).json()
    assert again["applied"]["duplicate"] and again["state"]["seq"] == coded["state"]["seq"]
    same = await act(http, ref, "code_claim", CODING)
    assert (same.status_code, same.json()["code"]) == (409, "same_coding"), same.text

    def first_coding():
        assert _registered(fairway.sessions, ref) == (
            ("2026.1", "specialty.obstetrics", "cause.fetal_monitoring"),
            [
                ("injuries", "injury.hypoxic_brain_injury"),
                ("primary_cause", "cause.fetal_monitoring"),
                ("specialty", "specialty.obstetrics"),
                ("themes", "theme.ctg_misinterpreted"),
                ("themes", "theme.delay_in_escalation"),
            ],
        )

    await assert_eventually(first_coding)

    recoded = CODING | {
        "primary_cause": "cause.delay_in_delivery",
        "themes": ["theme.handover"],
        "reason": "review",
    }
    await ok(http, ref, "code_claim", recoded, who="supervisor")

    def second_coding():
        coded, codes = _registered(fairway.sessions, ref)
        assert coded == ("2026.1", "specialty.obstetrics", "cause.delay_in_delivery")
        assert ("themes", "theme.handover") in codes and ("themes", "theme.ctg_misinterpreted") not in codes

    await assert_eventually(second_coding)
    ledger = await _ledger(http, ref, 3)
    assert [e["action"] for e in ledger] == ["open_claim", "code_claim", "code_claim"]
    assert ledger[1]["summary"]["themes"] == CODING["themes"] and ledger[2]["summary"]["reason"] == "review"


async def test_codes_the_taxonomy_refuses_change_nothing(fairway):
    http = fairway.http
    ref = (await open_claim(http))["state"]["ref"]
    refusals = {
        "unknown_code": {"primary_cause": "cause.not_a_cause"},
        "code_not_specific": {"themes": ["theme.monitoring_and_escalation"]},
        "wrong_kind_of_code": {"injuries": ["theme.handover"]},
        "taxonomy_version_stale": {"taxonomy_version": "2020.1"},
    }
    for code, change in refusals.items():
        refused = await act(http, ref, "code_claim", CODING | change)
        assert (refused.status_code, refused.json()["code"]) == (409, code), refused.text
        assert refused.json()["details"]["allowed_actions"]
    malformed = await act(http, ref, "code_claim", CODING | {"themes": []})
    assert malformed.status_code == 422, malformed.text
    state = (await http.get(f"/claims/{ref}", headers=auth("handler"))).json()["state"]
    assert state["coding"] is None and state["seq"] == 1
    await _ledger(http, ref, 1)


async def test_who_may_code(fairway):
    http = fairway.http
    ref = (await open_claim(http))["state"]["ref"]
    for who, status in (("auditor", 403), ("analyst", 403), ("adviser", 403)):
        refused = await act(http, ref, "code_claim", CODING, who=who)
        assert refused.status_code == status, (who, refused.text)


async def test_a_closed_claim_is_still_coded(fairway):
    http = fairway.http
    ref = (await open_claim(http))["state"]["ref"]
    await ok(http, ref, "close", {"outcome": "withdrawn"})
    coded = await ok(http, ref, "code_claim", CODING)
    assert (
        coded["state"]["stage"] == "closed"
        and coded["state"]["coding"]["primary_cause"] == CODING["primary_cause"]
    )
