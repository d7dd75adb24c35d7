"""Pharmacy appeals through the HTTP API against the real dev server: an appeal lodged in time to
a quashed decision redetermined and published; a late one refused with the day it was due, and
nothing started; an appeal joined to a lead and decided by the lead's determination; the
representations period escalating on the book; and who may see them at all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from sqlalchemy import select

from api.cases import new_ref
from models.common import Actor, Role
from models.deadline_policies import short
from models.pharmacy_appeal import PHARMACY_APPEAL_DEADLINES, PharmacyAppealPolicy
from models.register import EscalationRow
from tests.helpers import act, assert_eventually, auth, key, ok
from workflows.clock import london_date

PREFIX = "/pharmacy-appeals"
QUICK = PharmacyAppealPolicy(version="test", projection_delay_seconds=0.2)
SHORT = PharmacyAppealPolicy(
    version="test-short",
    projection_delay_seconds=0.2,
    deadlines=short(seconds=3, warn_before=1.5, head_of_service_after=1.5, base=PHARMACY_APPEAL_DEADLINES),
)


def day(offset: int = 0) -> str:
    return (london_date(datetime.now(UTC)) + timedelta(days=offset)).isoformat()


def use_policy(fairway, policy: PharmacyAppealPolicy) -> None:
    """New appeals in this Fairway start under `policy` (api/pharmacy_appeals.py reads it)."""
    fairway.app.state.pharmacy_appeal_policy = policy


@pytest.fixture
def appeals(fairway):
    use_policy(fairway, QUICK)
    return fairway


@pytest.fixture
def short_appeals(fairway):
    use_policy(fairway, SHORT)
    return fairway


def notice(**overrides) -> dict:
    body = {
        "subject": "market_entry",
        "application_reference": f"APP-{key()[:8]}",
        "decided_by": "Q71",
        "appellant": "Example Pharmacy Ltd",
        "notified_on": day(-10),
        "received_on": day(),
        "grounds": "The decision misread the pharmaceutical needs assessment.",
    }
    return body | overrides


async def lodge(http, who: str = "handler", idempotency_key: str | None = None, **overrides):
    headers = auth(who) | {"Idempotency-Key": idempotency_key or key()}
    return await http.post(PREFIX, json=notice(**overrides), headers=headers)


async def lodged(http, **overrides) -> str:
    response = await lodge(http, **overrides)
    assert response.status_code == 201, response.text
    return response.json()["state"]["ref"]


appeal_act = partial(act, prefix=PREFIX)
appeal_ok = partial(ok, prefix=PREFIX)


async def read(http, ref: str, who: str = "handler") -> dict:
    response = await http.get(f"{PREFIX}/{ref}", headers=auth(who))
    assert response.status_code == 200, response.text
    return response.json()


PARTIES = {
    "sent_on": day(),
    "parties": ["NHS England", "Another Pharmacy Ltd", "Local Pharmaceutical Committee"],
}


async def to_representations(http, ref: str, period_days: int | None = 21) -> dict:
    await appeal_ok(http, ref, "record_valid", {"checked_on": day()})
    await appeal_ok(http, ref, "notify_parties", PARTIES | {"sent_on": day()})
    invitation = {"invited_on": day()} | ({"period_days": period_days} if period_days else {})
    return await appeal_ok(http, ref, "invite_representations", invitation)


async def to_consideration(http, ref: str) -> dict:
    await to_representations(http, ref)
    return await appeal_ok(http, ref, "close_representations", {"closed_on": day()})


def determination(decision: str = "confirmed", **extra) -> dict:
    return {"determined_on": day(), "decision": decision, "reasons": "the needs assessment"} | extra


async def ledger(http, ref: str, entries: int) -> list[dict]:
    async def complete():
        body = (await http.get(f"{PREFIX}/{ref}/history", headers=auth("supervisor"))).json()
        assert len(body["ledger"]) == entries, [e["action"] for e in body["ledger"]]
        return body["ledger"]

    return await assert_eventually(complete)


async def test_an_appeal_lodged_in_time_to_a_redetermination_published(appeals):
    http = appeals.http
    same_key = key()
    body = notice(notified_on=day(-30))  # the 30th day after notification is the last
    first = await http.post(PREFIX, json=body, headers=auth("handler") | {"Idempotency-Key": same_key})
    assert first.status_code == 201, first.text
    state = first.json()["state"]
    ref = state["ref"]
    assert ref.startswith("PHA-") and (state["stage"], state["team"]) == ("lodged", "primary_care_appeals")
    assert state["window"] | {"basis": ""} == {
        "notified_on": day(-30),
        "received_on": day(),
        "due_on": day(),
        "in_time": True,
        "basis": "",
    }
    window = state["deadlines"]["notice_of_appeal_due"]
    assert (window["status"], window["due_on"], window["met_on"]) == ("met", day(), day())
    assert "SI 2013/349 Sch 2 para 36" in window["basis"]
    check = state["deadlines"]["appeal_validity_check_due"]
    assert (check["status"], check["due_on"]) == ("open", day(14))
    assert set(first.json()["allowed_actions"]) >= {"record_valid", "dismiss_misconceived"}
    retried = await http.post(PREFIX, json=body, headers=auth("handler") | {"Idempotency-Key": same_key})
    assert retried.status_code == 200 and retried.json()["applied"]["duplicate"], retried.text

    early = await appeal_act(http, ref, "invite_representations", {"invited_on": day()})
    assert early.status_code == 409 and early.json()["code"] == "action_not_allowed"
    assert early.json()["details"]["allowed_actions"][:2] == ["record_valid", "dismiss_misconceived"]

    invited = await to_representations(http, ref, period_days=21)
    state = invited["state"]
    assert (state["stage"], state["invitation"]["period_days"]) == ("representations", 21)
    assert state["deadlines"]["appeal_validity_check_due"]["status"] == "met"
    due = state["deadlines"]["appeal_representations_due"]
    assert (due["status"], due["due_on"], due["trigger"]) == ("open", day(21), "invite_representations")
    assert invited["deadline_changes"] == [
        {"name": "appeal_representations_due", "previous_due_on": None, "due_on": day(21)}
    ]
    received = await appeal_ok(
        http, ref, "record_representations", {"party": "Another Pharmacy Ltd", "received_on": day()}
    )
    assert received["state"]["representations"][0]["late"] is False
    closed = await appeal_ok(http, ref, "close_representations", {"closed_on": day()})
    assert closed["state"]["stage"] == "consideration"
    assert closed["state"]["deadlines"]["appeal_representations_due"]["status"] == "met"

    listed = await appeal_ok(http, ref, "list_hearing", {"hearing_on": day(), "format": "in_person"})
    assert listed["state"]["deadlines"]["appeal_hearing"]["due_on"] == day()
    premature = await appeal_act(http, ref, "determine", determination())
    assert premature.status_code == 409 and premature.json()["code"] == "action_not_allowed"
    held = await appeal_ok(http, ref, "record_hearing_held", {"held_on": day()})
    assert (
        held["state"]["stage"] == "heard" and held["state"]["deadlines"]["appeal_hearing"]["status"] == "met"
    )

    unredetermined = await appeal_act(http, ref, "determine", determination("quashed_and_redetermined"))
    assert unredetermined.status_code == 409 and unredetermined.json()["code"] == "redetermination_mismatch"
    redetermined = determination("quashed_and_redetermined", redetermination="The application is granted.")
    state = (await appeal_ok(http, ref, "determine", redetermined))["state"]
    assert (state["stage"], state["outcome"]) == ("determined", "quashed_and_redetermined")
    assert state["determination"]["appeals"] == [ref]
    publication = {"published_on": day(), "publication_reference": "PCA-2026-0042"}
    published = await appeal_ok(http, ref, "publish_determination", publication)
    assert published["state"]["stage"] == "published" and published["allowed_actions"] == ["add_note"]

    entries = await ledger(http, ref, 10)
    assert entries[0]["action"] == "lodge_appeal" and "appellant" not in entries[0]["summary"]
    assert entries[-1]["action"] == "publish_determination"

    async def listed_as_published():
        page = (await http.get(PREFIX, headers=auth("auditor"), params={"stage": "published"})).json()
        row = next(item for item in page["items"] if item["ref"] == ref)
        assert row["facts"]["decision"] == "quashed_and_redetermined" and row["facts"]["days_to_lodge"] == 30
        assert row["kind"] == "pharmacy_appeal" and "appellant" not in row["facts"]

    await assert_eventually(listed_as_published)


async def test_a_late_appeal_is_refused_with_the_day_it_was_due_and_nothing_starts(appeals):
    http = appeals.http
    idempotency_key = key()
    late = await lodge(http, idempotency_key=idempotency_key, notified_on=day(-31))
    assert late.status_code == 409, late.text
    body = late.json()
    assert body["code"] == "appeal_out_of_time"
    assert body["details"]["due_on"] == day(-1) and body["details"]["in_time"] is False
    assert f"after {day(-1)}" in body["message"] and "Sch 2 para 36" in body["message"]
    would_be = new_ref("PHA", Actor(id="hana.handler", role=Role.HANDLER), idempotency_key)
    assert (await http.get(f"{PREFIX}/{would_be}", headers=auth("handler"))).status_code == 404
    backwards = await lodge(http, notified_on=day(), received_on=day(-1))
    assert backwards.status_code == 409 and backwards.json()["code"] == "dates_out_of_order"
    future = await lodge(http, received_on=day(1))
    assert future.status_code == 409 and future.json()["code"] == "date_in_future"


async def test_a_misconceived_appeal_is_dismissed_without_notifying_anyone(appeals):
    http = appeals.http
    ref = await lodged(http)
    body = {"dismissed_on": day(), "reasons": "the decision is not one that can be appealed"}
    state = (await appeal_ok(http, ref, "dismiss_misconceived", body))["state"]
    assert (state["stage"], state["outcome"]) == ("dismissed", "dismissed_as_misconceived")
    assert state["parties_notified"] is None
    assert state["deadlines"]["appeal_validity_check_due"]["status"] == "met"


async def test_a_joined_appeal_is_decided_by_its_leads_determination(appeals):
    http = appeals.http
    lead, other, unready = (await lodged(http)), (await lodged(http)), (await lodged(http))
    await to_consideration(http, lead)
    await to_consideration(http, other)
    await to_representations(http, unready)

    not_ready = await appeal_act(http, lead, "join_appeal", {"appeal_ref": unready})
    assert not_ready.status_code == 409 and not_ready.json()["code"] == "appeal_not_joinable", not_ready.text
    assert unready in not_ready.json()["message"]
    unknown = await appeal_act(http, lead, "join_appeal", {"appeal_ref": "PHA-ABCDEFGHIJKL"})
    assert unknown.status_code == 409 and unknown.json()["code"] == "appeal_not_found", unknown.text
    itself = await appeal_act(http, lead, "join_appeal", {"appeal_ref": lead})
    assert itself.status_code == 409 and itself.json()["code"] == "cannot_join_itself"

    joined = await appeal_ok(http, lead, "join_appeal", {"appeal_ref": other})
    assert [j["ref"] for j in joined["state"]["joined"]] == [other]
    waiting = await read(http, other)
    assert waiting["state"]["stage"] == "joined" and waiting["state"]["lead"]["ref"] == lead
    assert waiting["allowed_actions"] == ["add_note", "extend_deadline"]
    again = await appeal_act(http, other, "join_appeal", {"appeal_ref": lead})
    assert again.status_code == 409 and again.json()["code"] == "action_not_allowed"
    withdrawal = await appeal_act(http, lead, "withdraw_appeal", {"withdrawn_on": day(), "reason": "x"})
    assert withdrawal.status_code == 409 and withdrawal.json()["code"] == "appeal_leads_others"

    await appeal_ok(http, lead, "list_hearing", {"hearing_on": day()})
    await appeal_ok(http, lead, "record_hearing_held", {"held_on": day()})
    decided = (await appeal_ok(http, lead, "determine", determination()))["state"]
    assert decided["determination"]["appeals"] == [lead, other]
    assert decided["joined"][0]["told_determined_at"] is not None

    async def determined_with_lead():
        state = (await read(http, other))["state"]
        assert (state["stage"], state["outcome"]) == ("determined", "confirmed")
        assert state["determination"]["lead_ref"] == lead
        return state

    await assert_eventually(determined_with_lead)
    own = await appeal_act(
        http, other, "publish_determination", {"published_on": day(), "publication_reference": "P"}
    )
    assert own.status_code == 409 and own.json()["code"] == "published_with_lead"

    publication = {"published_on": day(), "publication_reference": "PCA-2026-0050"}
    await appeal_ok(http, lead, "publish_determination", publication)

    async def published_with_lead():
        state = (await read(http, other))["state"]
        assert (
            state["stage"] == "published" and state["publication"]["publication_reference"] == "PCA-2026-0050"
        )

    await assert_eventually(published_with_lead)
    entries = await ledger(http, other, 8)
    assert [e["action"] for e in entries[-3:]] == [
        "join_lead_appeal",
        "determined_with_lead",
        "published_with_lead",
    ]
    assert entries[-3]["actor_id"] == "hana.handler" and entries[-1]["actor_id"] == "system"


async def test_the_representations_period_climbs_its_ladder(short_appeals):
    http = short_appeals.http
    ref = await lodged(http)
    await to_representations(http, ref)

    def escalated():
        with short_appeals.sessions() as session:
            rows = session.scalars(select(EscalationRow).where(EscalationRow.case_ref == ref)).all()
            steps = sorted((r.step, r.recipient) for r in rows if r.deadline == "appeal_representations_due")
        assert steps == [
            ("head_of_service", "hana.head"),
            ("supervisor", "pat.pca-supervisor"),
            ("warning", "hana.handler"),
        ]

    await assert_eventually(escalated, timeout=20)
    state = (await read(http, ref))["state"]
    assert state["deadlines"]["appeal_representations_due"]["status"] == "missed" and state["overdue"]
    closed = await appeal_ok(http, ref, "close_representations", {"closed_on": day()})
    assert closed["state"]["deadlines"]["appeal_representations_due"]["status"] == "met"


async def test_an_adviser_sees_no_pharmacy_appeal(appeals):
    http = appeals.http
    ref = await lodged(http)
    for method, path, body in (
        ("GET", PREFIX, None),
        ("GET", f"{PREFIX}/{ref}", None),
        ("GET", f"{PREFIX}/{ref}/history", None),
        ("POST", PREFIX, notice()),
        ("POST", f"{PREFIX}/{ref}/add-note", {"text": "x"}),
        ("GET", "/pathways/pharmacy_appeal", None),
    ):
        response = await http.request(
            method, path, json=body, headers=auth("adviser") | {"Idempotency-Key": key()}
        )
        assert response.status_code == 403, (method, path, response.text)
    auditor = await appeal_act(http, ref, "record_valid", {"checked_on": day()}, who="auditor")
    assert auditor.status_code == 403
    assert (await read(http, ref, who="auditor"))["allowed_actions"] == []
    assert (await lodge(http, who="auditor")).status_code == 403

    async def in_the_list():
        page = (await http.get(PREFIX, headers=auth("supervisor"))).json()
        assert ref in {item["ref"] for item in page["items"]}

    await assert_eventually(in_the_list)
