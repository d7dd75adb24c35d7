"""Maternity Early Notification through the HTTP API against the real dev server: a notification
to a no-liability closure; an admission that opens a linked claim which then settles; refusals
under two versions of the entry criteria; the family's consent window expiring; an overdue MNSI
report escalating; a traditional claim instead."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from activities.calendar import add_business_days
from models.deadline_policies import short
from models.duty_of_candour import candour_ref_for
from models.early_notification import EN_DEADLINES, EarlyNotificationPolicy, claim_ref_for, en_ref_for
from models.register import CaseRow, EarlyNotificationRow, EscalationRow, PaymentRow
from tests.claim_paths import SAMPLES
from tests.helpers import act, assert_eventually, auth, key, ok, open_claim
from tests.route_helpers import code_and_close
from workflows.clock import london_date

PREFIX = "/early-notifications"
QUICK = EarlyNotificationPolicy(version="test", projection_delay_seconds=0.2)
SHORT = EarlyNotificationPolicy(
    version="test-short",
    projection_delay_seconds=0.2,
    deadlines=short(seconds=3, warn_before=1.5, head_of_service_after=1.5, base=EN_DEADLINES),
)


def today() -> str:
    return london_date(datetime.now(UTC)).isoformat()


def use_policy(fairway, policy: EarlyNotificationPolicy) -> None:
    """New EN cases in this Fairway start under `policy` (api/early_notification.py reads it)."""
    fairway.http._transport.app.state.early_notification_policy = policy


@pytest.fixture
def en(fairway):
    use_policy(fairway, QUICK)
    return fairway


@pytest.fixture
def short_en(fairway):
    use_policy(fairway, SHORT)
    return fairway


def notification(**overrides) -> dict:
    body = {
        "mnsi_reference": f"MNSI-{key()[:8]}",
        "trust_code": "RX1",
        "trust_name": "Example Hospitals NHS Trust",
        "date_of_birth": "2024-02-01",
        "gestation_weeks": 39,
        "birth": "following_labour",
        "mri_confirmed": True,
        "actively_cooled": True,
        "encephalopathy": {"altered_consciousness": True, "hypotonia": True},
    }
    return body | overrides


async def notify(http, who: str = "handler", idempotency_key: str | None = None, **overrides):
    headers = auth(who) | {"Idempotency-Key": idempotency_key or key()}
    return await http.post(PREFIX, json=notification(**overrides), headers=headers)


async def notified(http, **overrides) -> str:
    response = await notify(http, **overrides)
    assert response.status_code == 201, response.text
    return response.json()["state"]["ref"]


async def en_act(http, ref: str, action: str, body: dict, who: str = "handler"):
    headers = auth(who) | {"Idempotency-Key": key()}
    return await http.post(f"{PREFIX}/{ref}/{action.replace('_', '-')}", json=body, headers=headers)


async def en_ok(http, ref: str, action: str, body: dict, who: str = "handler") -> dict:
    response = await en_act(http, ref, action, body, who)
    assert response.status_code == 200, response.text
    return response.json()


def review(**extra) -> dict:
    return {"reviewed_on": today(), "reviewer": "dr.neo", "reasons": "reviewed the evidence"} | extra


def finding(found: bool) -> dict:
    return {"found": found, "reasons": "expert opinion", "reviewer": "lee.lawyer", "found_on": today()}


async def to_family_letter(http, ref: str) -> None:
    await en_ok(http, ref, "acknowledge_notification", {"sent_on": today()})
    await en_ok(http, ref, "receive_mnsi_report", {"received_on": today()})
    await en_ok(http, ref, "mri_criteria_met", review())
    await en_ok(http, ref, "initial_review_concern", review())


def register_row(fairway, table, ref: str):
    with fairway.sessions() as session:
        row = session.get(table, ref)
        assert row is not None, f"{ref} not in {table.__tablename__} yet"
        session.expunge(row)
        return row


def escalations_of(fairway, ref: str) -> list[tuple[str, str, str]]:
    with fairway.sessions() as session:
        rows = session.scalars(select(EscalationRow).where(EscalationRow.case_ref == ref)).all()
        return sorted((r.deadline, r.step, r.recipient) for r in rows)


async def ledger(http, ref: str, entries: int, *, at_least: bool = False) -> list[dict]:
    """The case's ledger once the register holds `entries` of it (at least that many where the
    case goes on taking entries of its own, as one following its claim does)."""

    async def complete():
        body = (await http.get(f"{PREFIX}/{ref}/history", headers=auth("supervisor"))).json()
        got = len(body["ledger"])
        assert got >= entries if at_least else got == entries, [e["action"] for e in body["ledger"]]
        return body["ledger"]

    return await assert_eventually(complete)


async def test_an_eligible_notification_to_a_no_liability_closure(en):
    http = en.http
    born = "2023-05-01"  # before 1 Oct 2023: no consent step
    same_key, mnsi = key(), f"MNSI-{key()[:8]}"
    first = await notify(http, idempotency_key=same_key, date_of_birth=born, mnsi_reference=mnsi)
    assert first.status_code == 201, first.text
    state = first.json()["state"]
    ref = state["ref"]
    assert ref.startswith("EN-") and state["stage"] == "notified"
    assert (state["criteria_version"], state["family_consent_required"]) == ("en-2022-04", False)
    assert state["team"] == "early_notification"
    due = state["deadlines"]
    assert set(due) == {"mnsi_report_due", "liability_decision_due"}
    candour_ref = candour_ref_for(ref)  # the trust's duty of candour, a case of its own
    assert (state["candour_ref"], [link["ref"] for link in state["links"]]) == (candour_ref, [candour_ref])
    notified_on = date.fromisoformat(state["notified_on"])
    assert due["liability_decision_due"]["due_on"] > f"{notified_on.year + 1}"  # about 18 months
    retried = await notify(http, idempotency_key=same_key, date_of_birth=born, mnsi_reference=mnsi)
    assert retried.status_code == 200 and retried.json()["applied"]["duplicate"], retried.text
    assert retried.json()["state"]["ref"] == ref, "the same Idempotency-Key finds the same case"
    other = await notify(
        http, idempotency_key=same_key, date_of_birth=born, mnsi_reference=mnsi, gestation_weeks=38
    )
    assert other.status_code == 409 and other.json()["code"] == "request_id_reused", other.text
    # The key again, for another investigation: the case's reference comes from its MNSI
    # reference, not the key, so it is the ledger that knows the key opened this case.
    elsewhere = f"MNSI-{key()[:8]}"
    reused = await notify(http, idempotency_key=same_key, date_of_birth=born, mnsi_reference=elsewhere)
    assert reused.status_code == 409 and reused.json()["code"] == "request_id_reused", reused.text
    assert reused.json()["details"]["existing_ref"] == ref
    unopened = await http.get(f"{PREFIX}/{en_ref_for(elsewhere)}", headers=auth("handler"))
    assert unopened.status_code == 404, unopened.text
    another_actor = await notify(http, "supervisor", idempotency_key=same_key, mnsi_reference=elsewhere)
    assert another_actor.status_code == 201, "a key is the actor's own: another's may be the same"

    await to_family_letter(http, ref)
    wrong_letter = await en_act(http, ref, "send_family_letter_seeking_consent", {"sent_on": today()})
    assert wrong_letter.status_code == 409 and wrong_letter.json()["code"] == "family_consent_not_required"
    told = await en_ok(http, ref, "send_family_letter", {"sent_on": today()})
    assert told["state"]["stage"] == "legal_investigation"

    contact = {
        "contacted_on": today(),
        "contact_with": "mother",
        "method": "phone",
        "language_needs": "Polish",
        "interpreter_used": True,
        "agreed": "monthly calls from the family liaison officer",
    }
    await en_ok(http, ref, "assign_family_liaison", {"officer": "fay.liaison"})
    logged = await en_ok(http, ref, "record_family_contact", contact)
    entry = logged["state"]["family_contacts"][0]
    assert (entry["language_needs"], entry["recorded_by"]) == ("Polish", "hana.handler")
    gone = await en_act(http, ref, "record_candour_follow_up", {"sent_on": today()})
    assert gone.status_code == 404, "candour is recorded on its own case (tests/api/test_duty_of_candour.py)"

    premature = await en_act(http, ref, "decide_no_liability", {})
    assert premature.status_code == 422
    decision = {"decided_on": today(), "reasons": "no causation", "outcome_letter_sent_on": today()}
    unfounded = await en_act(http, ref, "decide_no_liability", decision)
    assert unfounded.status_code == 409 and unfounded.json()["code"] == "findings_outstanding"
    await en_ok(http, ref, "record_breach_finding", finding(True))
    await en_ok(http, ref, "record_causation_finding", finding(False))
    admission = await en_act(http, ref, "admit_liability", {"decided_on": today(), "reasons": "x"})
    assert admission.status_code == 409 and admission.json()["code"] == "findings_do_not_support_admission"
    closed = await en_ok(http, ref, "decide_no_liability", decision)
    state = closed["state"]
    assert (state["stage"], state["outcome"]) == ("closed", "no_liability")
    assert state["liability"]["admitted"] is False and state["causation"]["reviewer"] == "lee.lawyer"
    assert state["letters"][-1]["purpose"] == "outcome: no liability"
    assert state["deadlines"]["liability_decision_due"]["status"] == "met"
    assert "record_family_contact" not in closed["allowed_actions"]

    entries = await ledger(http, ref, 11)
    logged = [e for e in entries if e["action"] == "record_family_contact"]
    assert logged[0]["summary"]["agreed"] == "monthly calls from the family liaison officer"
    assert entries[0]["action"] == "notify" and "date_of_birth" not in entries[0]["summary"]
    assert entries[0]["summary"]["candour_ref"] == candour_ref

    def decided():
        row = register_row(en, EarlyNotificationRow, ref)
        assert (row.stage, row.outcome, row.liability_admitted) == ("closed", "no_liability", False)
        return row

    row = await assert_eventually(decided)
    assert row.days_to_liability_decision == 0
    assert row.days_from_birth_to_liability_decision == (date.fromisoformat(today()) - date(2023, 5, 1)).days

    def projected():
        case = register_row(en, CaseRow, ref)
        assert case.facts["days_to_liability_decision"] == 0 and "date_of_birth" not in case.facts

    await assert_eventually(projected)
    listed = (await http.get(PREFIX, params={"stage": "closed"}, headers=auth("auditor"))).json()
    assert ref in [item["ref"] for item in listed["items"]]


async def test_an_admission_opens_a_linked_claim_which_then_settles(en):
    http = en.http
    ref = await notified(http)  # born 1 Feb 2024: the family's consent first
    await to_family_letter(http, ref)
    wrong_letter = await en_act(http, ref, "send_family_letter", {"sent_on": today()})
    assert wrong_letter.status_code == 409 and wrong_letter.json()["code"] == "family_consent_required"
    asked = await en_ok(http, ref, "send_family_letter_seeking_consent", {"sent_on": today()})
    assert asked["state"]["deadlines"]["family_decision_due"]["status"] == "open"
    consented = await en_ok(http, ref, "record_family_consent", {"decided_on": today()})
    assert consented["state"]["deadlines"]["family_decision_due"]["status"] == "met"
    await en_ok(http, ref, "record_breach_finding", finding(True))
    await en_ok(http, ref, "record_causation_finding", finding(True))
    admitted = await en_ok(http, ref, "admit_liability", {"decided_on": today(), "reasons": "both found"})
    assert admitted["state"]["stage"] == "liability_admitted"

    claimant = {"claimant_name": "Baby Example", "claimant_firm": {"firm_id": "SRA-1", "name": "Firm LLP"}}
    no_apology = await en_act(http, ref, "open_claim", claimant)
    assert no_apology.status_code == 409 and no_apology.json()["code"] == "apology_outstanding"
    await en_ok(http, ref, "record_apology", {"given_on": today(), "by": "trust", "method": "meeting"})
    interim = {"paid_on": today(), "amount": "50000.00", "reference": "EN-INT-1"}
    await en_ok(http, ref, "record_interim_payment", interim)
    again = await en_act(http, ref, "record_interim_payment", interim)
    assert again.status_code == 409 and again.json()["code"] == "duplicate_payment_reference"
    opened = await en_ok(http, ref, "open_claim", claimant)
    state = opened["state"]
    claim_ref = claim_ref_for(ref)
    assert (state["stage"], state["outcome"], state["claim_ref"]) == (
        "claim_open",
        "liability_admitted",
        claim_ref,
    )
    candour_ref = candour_ref_for(ref)
    assert [(link["kind"], link["ref"], link["workflow_id"]) for link in state["links"]] == [
        ("duty_of_candour", candour_ref, f"duty_of_candour-{candour_ref}"),
        ("claim", claim_ref, f"claim-{claim_ref}"),
    ]

    claim = (await http.get(f"/claims/{claim_ref}", headers=auth("handler"))).json()["state"]
    assert (claim["stage"], claim["opening"]["scheme"]) == ("notified", "CNST")
    assert claim["opening"]["defendant"]["code"] == "RX1"
    assert claim["opening"]["claimant"]["date_of_birth"] == "2024-02-01"
    assert ref in claim["opening"]["allegations"]
    assert any(ref in note["text"] for note in claim["notes"]), "the claim links back to the EN case"
    assert [(link["kind"], link["ref"]) for link in claim["links"]] == [("early_notification", ref)]
    # The EN interim payment is among the claim's own from its start, interim and once.
    assert claim["payments"] == [
        {
            "paid_on": today(),
            "amount": "50000.00",
            "payee": "claimant",
            "reference": "EN-INT-1",
            "kind": "interim",
            "court_approval_reference": None,
        }
    ]

    def in_the_payment_table():
        with en.sessions() as session:
            rows = session.scalars(select(PaymentRow).where(PaymentRow.claim_ref == claim_ref)).all()
            assert [(r.reference, r.kind, r.amount) for r in rows] == [
                ("EN-INT-1", "interim", Decimal("50000.00"))
            ]

    await assert_eventually(in_the_payment_table)

    entries = await ledger(http, ref, 13, at_least=True)
    claim_entry = next(e for e in entries if e["action"] == "open_claim")
    assert "claimant_name" not in claim_entry["summary"], "the name goes to the claim only"

    def admitted():
        row = register_row(en, EarlyNotificationRow, ref)
        assert (row.claim_ref, row.liability_admitted, row.days_to_liability_decision) == (claim_ref, True, 0)

    await assert_eventually(admitted)

    for action in ("receive_letter_of_claim", "acknowledge_letter_of_claim", "open_investigation"):
        await ok(http, claim_ref, action, SAMPLES[action])
    await ok(http, claim_ref, "send_letter_of_response", SAMPLES["send_letter_of_response"])
    settled = await ok(http, claim_ref, "record_settlement", SAMPLES["record_settlement"])
    if settled["state"]["stage"] == "awaiting_approval":  # the claimant is a child (CPR 21.10)
        settled = await ok(http, claim_ref, "record_court_approval", SAMPLES["record_court_approval"])
    assert settled["state"]["stage"] == "settled"
    # 285,000 agreed (damages and costs), of which the EN interim payment was 50,000.
    whole = await act(http, claim_ref, "record_payment", SAMPLES["record_payment"])
    assert (whole.status_code, whole.json()["code"]) == (409, "overpayment"), whole.text
    again = await act(
        http, claim_ref, "record_payment", SAMPLES["record_payment"] | {"reference": "EN-INT-1"}
    )
    assert (again.status_code, again.json()["code"]) == (409, "duplicate_payment_reference"), again.text
    balance = SAMPLES["record_payment"] | {"amount": "235000.00"}
    paid = await ok(http, claim_ref, "record_payment", balance)
    assert [p["reference"] for p in paid["state"]["payments"]] == ["EN-INT-1", "PAY-1"]
    closed = await code_and_close(http, claim_ref, {"outcome": "settled_with_damages"})
    assert (closed["state"]["stage"], closed["state"]["outcome"]) == ("closed", "settled_with_damages")

    # The EN case followed the claim, one entry per new stage, and closed with it.
    async def followed_to_its_close():
        en_case = (await http.get(f"{PREFIX}/{ref}", headers=auth("handler"))).json()["state"]
        assert (en_case["stage"], en_case["outcome"], en_case["claim_stage"]) == (
            "closed",
            "liability_admitted",
            "closed",
        )
        story = (await http.get(f"{PREFIX}/{ref}/history", headers=auth("supervisor"))).json()
        entries = [e for e in story["ledger"] if "claim_stage" in e["summary"]]
        told = [(e["action"], e["summary"]["claim_stage"]) for e in entries]
        assert told[0] == ("claim_progress", "notified") and told[-1] == ("claim_closed", "closed"), told
        assert ("claim_progress", "settled") in told and len(told) == len(set(told)), told
        assert all(e["actor_id"] == "system" for e in story["ledger"] if e["action"].startswith("claim_"))

    await assert_eventually(followed_to_its_close, timeout=30)


async def test_ineligible_notifications_are_refused_with_every_failed_criterion(en):
    http = en.http
    born_2018 = {
        "date_of_birth": "2018-06-01",
        "gestation_weeks": 36,
        "birth": "elective_caesarean",
        "actively_cooled": False,
        "hie_grade": 2,
        "encephalopathy": {"altered_consciousness": True, "hypotonia": True},
        "injury_diagnosed_on": "2018-06-10",
    }
    refused = await notify(http, **born_2018)
    assert refused.status_code == 409 and refused.json()["code"] == "not_eligible"
    details = refused.json()["details"]
    assert details["criteria_version"] == "en-2017-04"
    assert [f["criterion"] for f in details["failed"]] == [
        "term",
        "born_following_labour",
        "severe_brain_injury_2017",
        "diagnosed_in_first_week",
    ]
    assert "36 completed weeks" in refused.json()["message"]

    born_2024 = {"mri_confirmed": False, "died_in_first_week": True, "family_declined_mnsi": True}
    refused = await notify(http, **born_2024)
    assert refused.status_code == 409
    details = refused.json()["details"]
    assert (details["criteria_version"], details["family_consent_required"]) == ("en-2023-10", True)
    assert [f["criterion"] for f in details["failed"]] == [
        "mri_confirmed",
        "survived_first_week",
        "family_did_not_decline_mnsi",
    ]
    check = await http.post(f"{PREFIX}/eligibility", json=notification(**born_2024), headers=auth("handler"))
    assert check.status_code == 200 and check.json()["failed"] == details["failed"]

    declined = await notify(http, family_declined_mnsi=True)
    assert declined.status_code == 409
    assert [f["criterion"] for f in declined.json()["details"]["failed"]] == ["family_did_not_decline_mnsi"]
    asked = await notify(http, family_declined_mnsi=True, family_asked_for_investigation=True)
    assert asked.status_code == 201, "a family that declined MNSI may still ask for an investigation"
    before_scheme = await notify(http, date_of_birth="2016-12-01")
    assert [f["criterion"] for f in before_scheme.json()["details"]["failed"]] == ["born_within_scheme"]
    unborn = await notify(http, date_of_birth="2999-01-01")
    assert unborn.status_code == 409 and unborn.json()["code"] == "date_in_future"
    auditor = await notify(http, who="auditor")
    assert auditor.status_code == 403


async def test_a_second_notification_of_the_same_mnsi_investigation_is_refused(en):
    """The case's reference follows from the MNSI reference, so a second notification finds the
    first case under the same workflow id and is refused by it, while it runs and once it has
    ended (Temporal never starts the id again); the first notification's retry is answered."""
    http = en.http
    mnsi = f"MNSI-{key()[:8]}"
    retry_key = key()
    first = await notify(http, idempotency_key=retry_key, mnsi_reference=mnsi)
    assert first.status_code == 201, first.text
    ref = first.json()["state"]["ref"]
    assert ref == en_ref_for(mnsi)

    def refused_naming_the_case(response) -> None:
        assert response.status_code == 409, response.text
        body = response.json()
        assert body["code"] == "already_notified" and ref in body["message"]
        assert (body["details"]["existing_ref"], body["details"]["mnsi_reference"]) == (ref, mnsi)

    # Another handler, at once: no register read in between, nothing for a race to slip through.
    refused_naming_the_case(await notify(http, who="handler2", mnsi_reference=mnsi))
    refused_naming_the_case(await notify(http, mnsi_reference=mnsi.lower()))  # typed another way
    headers = auth("handler")  # and with no Idempotency-Key at all
    refused_naming_the_case(await http.post(PREFIX, json=notification(mnsi_reference=mnsi), headers=headers))
    read = (await http.get(f"{PREFIX}/{ref}", headers=auth("handler"))).json()["state"]
    assert read["seq"] == 1, "a refused notification leaves the case it found as it was"

    retried = await notify(http, idempotency_key=retry_key, mnsi_reference=mnsi)
    assert retried.status_code == 200 and retried.json()["applied"]["duplicate"], retried.text
    assert retried.json()["state"]["ref"] == ref
    other = await notify(http, mnsi_reference=f"{mnsi}-2")
    assert other.status_code == 201, other.text

    # Closed, and its run ended: Temporal refuses to start the id again, and the case answers.
    await en_ok(http, ref, "acknowledge_notification", {"sent_on": today()})
    await en_ok(http, ref, "receive_mnsi_report", {"received_on": today()})
    await en_ok(http, ref, "mri_criteria_not_met", review(letters_sent_on=today()))

    async def ended():
        described = await en.client.get_workflow_handle(f"early_notification-{ref}").describe()
        assert described.status is not None and described.status.name == "COMPLETED"

    await assert_eventually(ended)
    refused_naming_the_case(await notify(http, who="handler2", mnsi_reference=mnsi))
    again = await notify(http, idempotency_key=retry_key, mnsi_reference=mnsi)
    assert again.status_code == 200, "the first notification's retry is answered from the ended case"
    assert (again.json()["state"]["ref"], again.json()["state"]["stage"]) == (ref, "closed")
    with en.sessions() as session:
        same = select(EarlyNotificationRow.ref).where(EarlyNotificationRow.mnsi_reference == mnsi)
        assert session.scalars(same).all() == [ref], "nothing was started for the duplicates"


async def test_the_reporting_before_the_notification_is_checked_at_opening(en):
    """The notification's reporting dates, each a deadline set through the calendar activity under
    the EN policy and met at once: the book shows each period, its due date and how late it was
    met (EN report form: 14 days to the legal team; MNSI: 1 working day; the 2017 scheme: 30 days
    to NHS Resolution, met by the notification itself)."""
    http = en.http
    reported = {
        "legal_team_told_on": "2024-02-20",  # born Thu 1 Feb 2024: due Thu 15 Feb, 5 days late
        "reported_to_mnsi_on": "2024-03-28",  # the Thursday before Good Friday
        "mnsi_contacted_trust_on": "2024-04-02",  # the Tuesday after Easter Monday: in time
    }
    opened = await notify(http, **reported)
    assert opened.status_code == 201, opened.text
    book = opened.json()["state"]["deadlines"]
    told, called = book["legal_team_told_due"], book["mnsi_first_contact_due"]
    assert (told["status"], told["trigger_date"], told["due_on"], told["met_on"], told["days_late"]) == (
        "met",
        "2024-02-01",
        "2024-02-15",
        "2024-02-20",
        5,
    )
    assert told["basis"].startswith("EN report form")
    assert (called["status"], called["due_on"], called["days_late"]) == ("met", "2024-04-02", 0)
    assert "working day" in called["explanation"] and "CPR" not in called["explanation"]
    assert "legacy_report_to_nhsr_due" not in book, "born in 2024: reported through MNSI, not the 2017 way"
    assert book["mnsi_report_due"]["days_late"] is None

    legacy = {
        "date_of_birth": "2018-06-10",
        "hie_grade": 3,
        "injury_diagnosed_on": "2018-06-11",
        "encephalopathy": {"coma": True, "hypotonia": True, "clinical_seizures": True},
    }
    old = await notify(http, **legacy)
    assert old.status_code == 201, old.text
    state = old.json()["state"]
    assert state["criteria_version"] == "en-2017-04"
    report = state["deadlines"]["legacy_report_to_nhsr_due"]
    late = (date.fromisoformat(state["notified_on"]) - date(2018, 7, 10)).days
    assert (report["status"], report["due_on"], report["met_on"], report["days_late"]) == (
        "met",
        "2018-07-10",
        state["notified_on"],
        late,
    )

    missing = await notify(http, mnsi_contacted_trust_on="2024-04-02")
    assert (missing.status_code, missing.json()["code"]) == (409, "mnsi_report_date_missing"), missing.text
    backwards = await notify(http, reported_to_mnsi_on="2024-04-02", mnsi_contacted_trust_on="2024-03-28")
    assert (backwards.status_code, backwards.json()["code"]) == (409, "dates_out_of_order")
    future = await notify(http, legal_team_told_on="2999-01-01")
    assert (future.status_code, future.json()["code"]) == (409, "date_in_future")


async def test_a_deadline_met_at_opening_never_warns_or_escalates(short_en):
    """Under the short policy every deadline falls due 3 seconds after it is set and climbs its
    whole ladder 1.5 seconds later: the reporting deadlines, met at opening, never do; the MNSI
    report's, open, does."""
    http = short_en.http
    ref = await notified(
        http,
        legal_team_told_on="2024-02-20",
        reported_to_mnsi_on="2024-03-28",
        mnsi_contacted_trust_on="2024-04-02",
    )

    def escalated():
        deadlines = {d for d, _, _ in escalations_of(short_en, ref)}
        assert "mnsi_report_due" in deadlines
        return deadlines

    deadlines = await assert_eventually(escalated, timeout=20)
    assert not deadlines & {"legal_team_told_due", "mnsi_first_contact_due"}
    state = (await http.get(f"{PREFIX}/{ref}", headers=auth("handler"))).json()["state"]
    for name in ("legal_team_told_due", "mnsi_first_contact_due"):
        changes = [c["change"] for c in state["deadlines"][name]["changes"]]
        assert (state["deadlines"][name]["status"], changes) == ("met", ["set", "met"]), name


async def test_the_family_consent_window_expiring_closes_the_case(short_en):
    http = short_en.http
    ref = await notified(http)
    await to_family_letter(http, ref)
    await en_ok(http, ref, "send_family_letter_seeking_consent", {"sent_on": today()})

    async def expired():
        state = (await http.get(f"{PREFIX}/{ref}", headers=auth("handler"))).json()["state"]
        assert (state["stage"], state["outcome"]) == ("closed", "family_decision_expired")
        return state

    state = await assert_eventually(expired, timeout=20)
    assert state["family_decision"]["decision"] == "window_expired"
    window = state["deadlines"]["family_decision_due"]
    assert [c["change"] for c in window["changes"]][-2:] == ["missed", "waived"]
    assert not state["overdue"], "a closed case has nothing left to chase"
    entries = await ledger(http, ref, 7)
    assert (entries[-1]["action"], entries[-1]["actor_id"]) == ("family_decision_window_expired", "system")
    steps = [(s, r) for d, s, r in escalations_of(short_en, ref) if d == "family_decision_due"]
    assert ("warning", "hana.handler") in steps and ("supervisor", "erin.en-supervisor") in steps

    def expired_row():
        assert register_row(short_en, EarlyNotificationRow, ref).outcome == "family_decision_expired"

    await assert_eventually(expired_row)
    ended = await en_act(http, ref, "record_family_consent", {"decided_on": today()})
    assert ended.status_code == 409


async def test_an_overdue_mnsi_report_escalates(short_en):
    http = short_en.http
    ref = await notified(http)
    await en_ok(http, ref, "acknowledge_notification", {"sent_on": today()})

    def escalated():
        steps = [(s, r) for d, s, r in escalations_of(short_en, ref) if d == "mnsi_report_due"]
        assert steps == [
            ("head_of_service", "hana.head"),
            ("supervisor", "erin.en-supervisor"),
            ("warning", "hana.handler"),
        ]

    await assert_eventually(escalated, timeout=20)
    state = (await http.get(f"{PREFIX}/{ref}", headers=auth("handler"))).json()["state"]
    assert state["overdue"] and state["deadlines"]["mnsi_report_due"]["status"] == "missed"
    case = await assert_eventually(lambda: _overdue_row(short_en, ref))
    assert case.kind == "early_notification"

    async def overdue_in_visibility():
        query = "CaseKind = 'early_notification' AND Overdue = true"
        found = [w.id async for w in short_en.client.list_workflows(query)]
        assert f"early_notification-{ref}" in found

    await assert_eventually(overdue_in_visibility)
    late = await en_ok(http, ref, "receive_mnsi_report", {"received_on": today()})
    assert late["state"]["deadlines"]["mnsi_report_due"]["status"] == "met"
    # Meeting the deadline resolved its escalation: it has left the queue of those waiting for a
    # person, listed apart; the supervisor may still acknowledge it, and the case records that.
    queue = await http.get(
        "/escalations",
        params={"case_kind": "early_notification", "resolved": "true"},
        headers=auth("supervisor"),
    )
    [mine] = [
        e
        for e in queue.json()["items"]
        if (e["case_ref"], e["deadline"], e["step"]) == (ref, "mnsi_report_due", "supervisor")
    ]
    assert mine["resolution"].startswith("resolved by receive_mnsi_report at ")
    assert mine["deadline_status"] == "met"
    acked = await http.post(
        f"/escalations/{mine['id']}/acknowledge", json={"comment": "chased MNSI"}, headers=auth("supervisor")
    )
    assert acked.status_code == 200, acked.text
    assert acked.json()["state"]["acknowledged_escalations"] == ["mnsi_report_due:1:supervisor"]


def _overdue_row(fairway, ref: str) -> CaseRow:
    row = register_row(fairway, CaseRow, ref)
    assert row.overdue
    return row


async def test_a_traditional_claim_instead_closes_the_case_linked_to_it(en):
    http = en.http
    ref = await notified(http)
    await to_family_letter(http, ref)
    await en_ok(http, ref, "send_family_letter_seeking_consent", {"sent_on": today()})
    waiting = await en_ok(http, ref, "family_chooses_traditional_claim", {"decided_on": today()})
    assert waiting["state"]["stage"] == "awaiting_letter_of_claim"
    unknown = await en_act(
        http, ref, "record_letter_of_claim", {"claim_ref": "CLM-AAAAAAAAAAAA", "received_on": today()}
    )
    assert unknown.status_code == 409 and unknown.json()["code"] == "unknown_claim"
    claim_ref = (await open_claim(http))["state"]["ref"]
    linked = await en_ok(
        http, ref, "record_letter_of_claim", {"claim_ref": claim_ref, "received_on": today()}
    )
    state = linked["state"]
    assert (state["stage"], state["outcome"], state["claim_ref"]) == (
        "claim_open",
        "traditional_claim",
        claim_ref,
    )
    assert [link["ref"] for link in state["links"]] == [candour_ref_for(ref), claim_ref]
    claim = (await http.get(f"/claims/{claim_ref}", headers=auth("handler"))).json()["state"]
    assert any(ref in note["text"] for note in claim["notes"])
    assert [(link["kind"], link["ref"]) for link in claim["links"]] == [("early_notification", ref)]
    refused_note = await act(http, claim_ref, "add_note", {"text": "still open"})
    assert refused_note.status_code == 200, "the claim itself carries on"


async def test_mnsi_s_contact_with_the_family_is_due_after_the_trust_s_initial_candour(en):
    """The trust's duty of candour case tells the EN case that opened it when the family was told
    in person; MNSI's first contact with the family is then due within 5 working days (MNSI
    investigation process), met when it is recorded, and never before the candour."""
    http = en.http
    ref = await notified(http)
    candour_ref = candour_ref_for(ref)
    london_today = date.fromisoformat(today())
    too_soon = {"contacted_on": (london_today - timedelta(days=30)).isoformat()}
    on = (london_today - timedelta(days=20)).isoformat()  # its 5 working days have passed
    candour = "/candour-cases"
    for action, body in (
        ("assess_harm", {"assessed_on": on, "harm": "severe_harm", "reasons": "HIE grade 3"}),
        (
            "notify_in_person",
            {
                "notified_on": on,
                "relevant_person": "mother",
                "given_by": "consultant obstetrician",
                "further_enquiries": "an MNSI investigation",
                "support_offered": "the family liaison officer",
            },
        ),
    ):
        await ok(http, candour_ref, action, body, prefix=candour)

    async def due_from_the_candour():
        state = (await http.get(f"{PREFIX}/{ref}", headers=auth("handler"))).json()["state"]
        deadline = state["deadlines"]["mnsi_family_contact_due"]
        assert (state["initial_candour_on"], deadline["trigger_date"]) == (on, on)
        assert deadline["due_on"] == add_business_days(date.fromisoformat(on), 5).isoformat()
        assert "5 working days" in deadline["explanation"] and deadline["status"] == "missed"
        return state

    await assert_eventually(due_from_the_candour, timeout=20)
    early = await en_act(http, ref, "record_mnsi_family_contact", too_soon)
    assert (early.status_code, early.json()["code"]) == (409, "date_before_initial_candour"), early.text
    met = await en_ok(http, ref, "record_mnsi_family_contact", {"contacted_on": today()})
    deadline = met["state"]["deadlines"]["mnsi_family_contact_due"]
    assert (deadline["status"], met["state"]["mnsi_family_contact_on"]) == ("met", today())
    assert "record_mnsi_family_contact" not in met["allowed_actions"]
