"""Duty of candour through the HTTP API against the real dev server: a case opened on its own
that closes below the harm thresholds; one from the in-person notification to the outcome
shared, its written follow-up met within the contract's 10 days; the case an Early
Notification case opens, linked both ways; an unsent follow-up escalating to the team that
holds the case; who may see and do what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

import pytest

from models.deadline_policies import short
from models.duty_of_candour import CANDOUR_DEADLINES, DutyOfCandourPolicy, candour_ref_for
from models.early_notification import EarlyNotificationPolicy
from models.register import CaseRow
from tests.api.test_early_notification import notified
from tests.api.test_early_notification import use_policy as use_en_policy
from tests.helpers import act, assert_eventually, auth, key, ok
from workflows.clock import london_date

PREFIX = "/candour-cases"
QUICK = DutyOfCandourPolicy(version="test", projection_delay_seconds=0.2)
SHORT = DutyOfCandourPolicy(
    version="test-short",
    projection_delay_seconds=0.2,
    deadlines=short(seconds=3, warn_before=1.5, head_of_service_after=1.5, base=CANDOUR_DEADLINES),
)


def day(offset: int = 0) -> str:
    return (london_date(datetime.now(UTC)) + timedelta(days=offset)).isoformat()


def use_policy(fairway, policy: DutyOfCandourPolicy) -> None:
    """New candour cases in this Fairway start under `policy` (api/duty_of_candour.py reads it)."""
    fairway.app.state.candour_policy = policy


@pytest.fixture
def candour(fairway):
    use_policy(fairway, QUICK)
    return fairway


def incident(**overrides) -> dict:
    body = {
        "provider_code": "RX1",
        "provider_name": "Example Hospitals NHS Trust",
        "incident_on": day(-5),
        "reported_on": day(-3),
        "incident_reference": f"INC-{key()[:8]}",
    }
    return body | overrides


async def report(http, who: str = "handler", idempotency_key: str | None = None, **overrides):
    headers = auth(who) | {"Idempotency-Key": idempotency_key or key()}
    return await http.post(PREFIX, json=incident(**overrides), headers=headers)


async def reported(http, **overrides) -> str:
    response = await report(http, **overrides)
    assert response.status_code == 201, response.text
    return response.json()["state"]["ref"]


candour_act = partial(act, prefix=PREFIX)
candour_ok = partial(ok, prefix=PREFIX)


def refused(response, code: str) -> None:
    assert response.status_code == 409 and response.json()["code"] == code, response.text


def assessment(harm: str) -> dict:
    return {"assessed_on": day(-2), "harm": harm, "reasons": "reviewed by the patient safety team"}


def in_person(on: str) -> dict:
    return {
        "notified_on": on,
        "relevant_person": "patient",
        "given_by": "consultant surgeon",
        "further_enquiries": "a patient safety incident investigation",
        "support_offered": "the patient advice and liaison service",
    }


def apology(on: str) -> dict:
    return {"given_on": on, "method": "in_person", "given_by": "consultant surgeon"}


async def to_notified(http, ref: str, harm: str = "moderate_harm", on: str | None = None) -> dict:
    """A notifiable incident, its relevant person told in person and given an apology."""
    await candour_ok(http, ref, "assess_harm", assessment(harm))
    await candour_ok(http, ref, "notify_in_person", in_person(on or day(-2)))
    return await candour_ok(http, ref, "record_apology", apology(on or day(-2)))


async def ledger(http, ref: str, entries: int) -> list[dict]:
    async def complete():
        body = (await http.get(f"{PREFIX}/{ref}/history", headers=auth("supervisor"))).json()
        assert len(body["ledger"]) == entries, [e["action"] for e in body["ledger"]]
        return body["ledger"]

    return await assert_eventually(complete)


def case_row(fairway, ref: str) -> CaseRow:
    with fairway.sessions() as session:
        row = session.get(CaseRow, ref)
        assert row is not None, f"{ref} not in the register yet"
        session.expunge(row)
        return row


async def test_an_incident_below_the_thresholds_is_not_notifiable_and_closes(candour):
    http = candour.http
    same_key = key()
    first = await report(http, idempotency_key=same_key)
    assert first.status_code == 201, first.text
    state = first.json()["state"]
    ref = state["ref"]
    assert ref.startswith("DOC-") and (state["stage"], state["team"], state["parent"]) == (
        "incident_reported",
        "claims",
        None,
    )
    follow_up = state["deadlines"]["written_follow_up_due"]
    assert (follow_up["trigger_date"], follow_up["due_on"]) == (day(-3), day(7)), "10 days from the report"
    assert first.json()["allowed_actions"][0] == "assess_harm"
    retried = await report(
        http, idempotency_key=same_key, incident_reference=state["incident"]["incident_reference"]
    )
    assert retried.status_code == 200 and retried.json()["applied"]["duplicate"], retried.text

    too_soon = await candour_act(http, ref, "notify_in_person", in_person(day(-2)))
    refused(too_soon, "action_not_allowed")
    closed = await candour_ok(http, ref, "assess_harm", assessment("low_harm"))
    state = closed["state"]
    assert (state["stage"], state["outcome"], state["harm"]["harm"]) == (
        "closed",
        "not_notifiable",
        "low_harm",
    )
    assert state["deadlines"]["written_follow_up_due"]["status"] == "waived"
    assert closed["allowed_actions"] == ["add_note"]
    refused(await candour_act(http, ref, "notify_in_person", in_person(day(-2))), "action_not_allowed")

    def projected():
        row = case_row(candour, ref)
        assert (row.kind, row.stage, row.outcome) == ("duty_of_candour", "closed", "not_notifiable")
        assert row.facts["harm"] == "low_harm" and row.facts["notifiable"] is False

    await assert_eventually(projected)

    refused(await report(http, reported_on=day(-6)), "dates_out_of_order")
    refused(await report(http, incident_on=day(1), reported_on=day(1)), "date_in_future")
    assert (await report(http, who="auditor")).status_code == 403


async def test_a_notifiable_incident_from_the_notification_to_the_outcome_shared(candour):
    http = candour.http
    ref = await reported(http)
    assessed = await candour_ok(http, ref, "assess_harm", assessment("moderate_harm"))
    assert assessed["state"]["stage"] == "notifiable"
    assert assessed["state"]["deadlines"]["written_follow_up_due"]["status"] == "open"
    told = await candour_ok(http, ref, "notify_in_person", in_person(day(-2)))
    assert told["state"]["stage"] == "notified_in_person"

    letter = {"sent_on": day(-1), "enquiries": "the investigation's terms of reference"}
    refused(await candour_act(http, ref, "send_written_follow_up", letter), "apology_outstanding")
    assert "send_written_follow_up" not in told["allowed_actions"]
    refused(await candour_act(http, ref, "record_apology", apology(day(-3))), "date_before_notification")
    await candour_ok(http, ref, "record_apology", apology(day(-2)))
    refused(await candour_act(http, ref, "record_apology", apology(day(-1))), "apology_already_recorded")

    sent = await candour_ok(http, ref, "send_written_follow_up", letter)
    state = sent["state"]
    follow_up = state["deadlines"]["written_follow_up_due"]
    assert (follow_up["status"], follow_up["met_on"], follow_up["due_on"]) == ("met", day(-1), day(7))
    assert state["stage"] == "written_follow_up_sent" and not state["overdue"]

    update = {"given_on": day(), "method": "phone", "shared": "the investigation has begun"}
    refused(
        await candour_act(http, ref, "record_update", update | {"given_on": day(-2)}), "date_before_follow_up"
    )
    await candour_ok(http, ref, "record_update", update)
    updating = await candour_ok(http, ref, "record_update", update | {"shared": "the report is drafted"})
    assert updating["state"]["stage"] == "updating" and len(updating["state"]["updates"]) == 2

    outcome = {"shared_on": day(), "method": "in_person", "findings": "a missed observation; actions agreed"}
    closed = await candour_ok(http, ref, "share_outcome", outcome)
    state = closed["state"]
    assert (state["stage"], state["outcome"]) == ("closed", "outcome_shared")
    assert state["outcome_shared"]["findings"] == outcome["findings"]

    entries = await ledger(http, ref, 8)
    assert [e["action"] for e in entries] == [
        "report_incident",
        "assess_harm",
        "notify_in_person",
        "record_apology",
        "send_written_follow_up",
        "record_update",
        "record_update",
        "share_outcome",
    ]
    assert entries[0]["summary"]["provider_code"] == "RX1" and "incident_on" not in entries[0]["summary"]

    def projected():
        facts = case_row(candour, ref).facts
        assert (facts["days_to_notification"], facts["days_to_written_follow_up"]) == (1, 2)
        assert facts["apology_recorded"] is True and facts["updates"] == 2

    await assert_eventually(projected)
    listed = (await http.get(PREFIX, params={"stage": "closed"}, headers=auth("auditor"))).json()
    assert ref in [item["ref"] for item in listed["items"]]


async def test_an_early_notification_case_opens_and_links_its_candour_case(candour):
    http = candour.http
    use_en_policy(candour, EarlyNotificationPolicy(version="test", projection_delay_seconds=0.2))
    en_ref = await notified(http, date_of_birth="2024-03-01")
    en = (await http.get(f"/early-notifications/{en_ref}", headers=auth("handler"))).json()["state"]
    ref = candour_ref_for(en_ref)
    assert en["candour_ref"] == ref
    assert [(link["kind"], link["ref"], link["workflow_id"]) for link in en["links"]] == [
        ("duty_of_candour", ref, f"duty_of_candour-{ref}")
    ]
    assert "written_follow_up_due" not in en["deadlines"], "the EN case no longer carries candour"

    async def opened():
        response = await http.get(f"{PREFIX}/{ref}", headers=auth("handler"))
        assert response.status_code == 200, response.text
        return response.json()

    case = await assert_eventually(opened)
    state = case["state"]
    assert (state["parent"]["kind"], state["parent"]["ref"], state["parent"]["workflow_id"]) == (
        "early_notification",
        en_ref,
        f"early_notification-{en_ref}",
    )
    assert (state["owner"], state["team"], state["stage"]) == (
        "hana.handler",
        "early_notification",
        "incident_reported",
    )
    incident_ = state["incident"]
    assert (incident_["provider_code"], incident_["incident_on"], incident_["reported_on"]) == (
        "RX1",
        "2024-03-01",
        en["notified_on"],
    )
    assert incident_["incident_reference"] == en["notification"]["mnsi_reference"]
    assert state["deadlines"]["written_follow_up_due"]["trigger_date"] == en["notified_on"]

    # The trust told the family before NHS Resolution heard of it: no date is refused for that.
    await to_notified(http, ref, harm="severe_harm", on=day(-1))
    letter = {"sent_on": day(), "enquiries": "MNSI's investigation, then the EN legal review"}
    sent = await candour_ok(http, ref, "send_written_follow_up", letter)
    assert sent["state"]["deadlines"]["written_follow_up_due"]["status"] == "met"

    async def listed_under_its_case():
        page = await http.get(PREFIX, params={"parent_ref": en_ref}, headers=auth("supervisor"))
        assert [item["ref"] for item in page.json()["items"]] == [ref]

    await assert_eventually(listed_under_its_case)
    history = (await http.get(f"{PREFIX}/{ref}/history", headers=auth("supervisor"))).json()
    opening = history["ledger"][0]
    assert (opening["action"], opening["actor_id"], opening["summary"]["opened_by_case"]) == (
        "report_incident",
        "hana.handler",
        en_ref,
    )


def escalations_of(fairway, ref: str) -> list[tuple[str, str, str]]:
    from sqlalchemy import select

    from models.register import EscalationRow

    with fairway.sessions() as session:
        rows = session.scalars(select(EscalationRow).where(EscalationRow.case_ref == ref)).all()
        return sorted((r.deadline, r.step, r.recipient) for r in rows)


async def test_an_unsent_written_follow_up_escalates_to_the_team_holding_the_case(fairway):
    http = fairway.http
    use_policy(fairway, SHORT)
    use_en_policy(
        fairway, EarlyNotificationPolicy(version="test", projection_delay_seconds=0.2, candour_policy=SHORT)
    )
    alone = await reported(http)
    from_en = candour_ref_for(await notified(http))
    await candour_ok(http, alone, "assess_harm", assessment("death"))

    def escalated(ref: str, supervisor: str):
        def check():
            assert escalations_of(fairway, ref) == [
                ("written_follow_up_due", "head_of_service", "hana.head"),
                ("written_follow_up_due", "supervisor", supervisor),
                ("written_follow_up_due", "warning", "hana.handler"),
            ]

        return check

    await assert_eventually(escalated(alone, "sam.supervisor"), timeout=20)
    await assert_eventually(escalated(from_en, "erin.en-supervisor"), timeout=20)
    state = (await http.get(f"{PREFIX}/{alone}", headers=auth("handler"))).json()["state"]
    assert state["overdue"] and state["deadlines"]["written_follow_up_due"]["status"] == "missed"


async def test_who_may_see_and_act_on_a_candour_case(candour):
    http = candour.http
    ref = await reported(http)
    adviser = auth("adviser")
    assert (await report(http, who="adviser")).status_code == 403
    assert (await http.get(f"{PREFIX}/{ref}", headers=adviser)).status_code == 403
    assert (await http.get(PREFIX, headers=adviser)).status_code == 403
    assert (await http.get(f"{PREFIX}/{ref}/history", headers=adviser)).status_code == 403
    assert (await http.get("/pathways/duty_of_candour", headers=adviser)).status_code == 403
    assert (
        await candour_act(http, ref, "assess_harm", assessment("death"), who="adviser")
    ).status_code == 403

    auditor = await http.get(f"{PREFIX}/{ref}", headers=auth("auditor"))
    assert auditor.status_code == 200 and auditor.json()["allowed_actions"] == []
    assert (
        await candour_act(http, ref, "assess_harm", assessment("death"), who="auditor")
    ).status_code == 403
    other_handler = await candour_ok(http, ref, "assess_harm", assessment("death"), who="handler2")
    assert other_handler["state"]["stage"] == "notifiable"
    waiver = {"deadline": "written_follow_up_due", "reason": "the family asked for no letter"}
    assert (await candour_act(http, ref, "waive_deadline", waiver)).status_code == 403
    await candour_ok(http, ref, "waive_deadline", waiver, who="supervisor")
    assert (await report(http, who="supervisor")).status_code == 201
