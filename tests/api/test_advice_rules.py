"""The advice rules of issue 18 through the HTTP API against the real dev server: the monthly
board return while an exclusion runs (MHPS Part II para 38), Healthcare Professional Alert
Notices issued, reviewed and revoked on the advice case, and a withdrawal of consent ending an
assessment. Each refusal is the pathway table's, with its code; each action is in the ledger."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from activities.calendar import add_months
from models.register import CaseRow, EscalationRow, LedgerRow
from tests.advice_paths import (
    CASES,
    EXCLUSIONS,
    act,
    advised,
    consented,
    formal_exclusion,
    ok,
    read,
    refused,
    started,
    today,
)
from tests.helpers import assert_eventually

SUMMARY = "investigation under way; exclusion kept under review"
ALERT = {
    "issued_on": today(),
    "issuing_body": "nhs_resolution",
    "reason": "unsafe_clinical_practice",
    "review_on": today(90),
}


def months_on(day: str, months: int) -> str:
    return add_months(date.fromisoformat(day), months).isoformat()


def ledger(fairway, ref: str, action: str) -> list[dict]:
    with fairway.sessions() as session:
        rows = session.scalars(
            select(LedgerRow)
            .where(LedgerRow.case_ref == ref, LedgerRow.action == action)
            .order_by(LedgerRow.seq)
        ).all()
        return [row.summary for row in rows]


def facts(fairway, ref: str) -> dict:
    with fairway.sessions() as session:
        row = session.get(CaseRow, ref)
        assert row is not None, f"{ref} not projected yet"
        return dict(row.facts)


# --- the monthly board return (MHPS Part II para 38) --------------------------------------------


async def test_monthly_board_returns_fall_due_while_the_exclusion_runs_and_end_with_it(advice):
    http = advice.http
    ref = await advised(http)
    exclusion = await formal_exclusion(http, ref)

    opened = await read(http, EXCLUSIONS, exclusion)
    first = opened["state"]["deadlines"]["board_return_due"]
    assert (first["status"], first["revision"], first["trigger"]) == ("open", 1, "record_exclusion")
    assert first["due_on"] == months_on(today(), 1)  # a calendar month from the exclusion
    assert first["basis"].startswith("MHPS Part II para 38")
    assert "record_board_return" in opened["allowed_actions"]

    body = {"received_on": today(), "summary": SUMMARY}
    await refused(
        http, EXCLUSIONS, exclusion, "record_board_return", body | {"received_on": today(1)}, "date_in_future"
    )
    await refused(
        http,
        EXCLUSIONS,
        exclusion,
        "record_board_return",
        body | {"received_on": today(-1)},
        "board_return_before_exclusion",
    )
    blank = await act(http, EXCLUSIONS, exclusion, "record_board_return", body | {"summary": ""})
    assert blank.status_code == 422 and blank.json()["code"] == "invalid_request", blank.text

    received = await ok(http, EXCLUSIONS, exclusion, "record_board_return", body)
    assert received["state"]["board_returns"] == [{"number": 1, "received_on": today(), "summary": SUMMARY}]
    due = received["state"]["deadlines"]["board_return_due"]
    assert (due["status"], due["revision"], due["trigger"]) == ("open", 2, "record_board_return")
    assert due["due_on"] == months_on(today(), 1)  # a calendar month from the return received
    history = (await read(http, EXCLUSIONS, exclusion))["state"]["deadlines"]["board_return_due"]["changes"]
    assert [c["change"] for c in history] == ["set", "met", "set"]

    # The exclusion ends: no further return is due on it, and none can be recorded.
    returned = await ok(http, EXCLUSIONS, exclusion, "return_to_work", {"returned_on": today()})
    ended = (await read(http, EXCLUSIONS, exclusion))["state"]["deadlines"]["board_return_due"]
    assert returned["state"]["deadlines"]["board_return_due"]["status"] == "waived"
    assert ended["changes"][-1]["reason"] == "case reached returned_to_work"
    # Refused by the table while the ended case's run lasts, by the API once it has retired.
    late = await act(http, EXCLUSIONS, exclusion, "record_board_return", body)
    assert late.status_code == 409 and late.json()["code"] in ("action_not_allowed", "case_ended"), late.text

    def recorded():
        assert ledger(advice, exclusion, "record_board_return") == [body]
        assert facts(advice, exclusion)["board_returns"] == 1

    await assert_eventually(recorded)


async def test_an_immediate_exclusion_made_formal_keeps_its_monthly_return(advice):
    """The return is owed for the exclusion, not for each period: formal exclusion leaves it be."""
    http = advice.http
    ref = await advised(http)
    case = await ok(http, CASES, ref, "record_exclusion", {"exclusion": "immediate", "excluded_on": today()})
    exclusion = case["state"]["exclusions"][-1]["ref"]
    await started(http, EXCLUSIONS, exclusion)
    await ok(http, EXCLUSIONS, exclusion, "consult_advice_service", {"consulted_on": today()})
    formal = await ok(http, EXCLUSIONS, exclusion, "formally_exclude", {"excluded_on": today()})
    due = formal["state"]["deadlines"]["board_return_due"]
    assert (due["status"], due["revision"], due["trigger"]) == ("open", 1, "record_exclusion")


async def test_a_missed_board_return_escalates_and_the_late_one_meets_it(short_advice):
    http = short_advice.http
    ref = await advised(http)
    exclusion = await formal_exclusion(http, ref)

    def escalated():
        with short_advice.sessions() as session:
            rows = session.scalars(
                select(EscalationRow).where(
                    EscalationRow.case_ref == exclusion, EscalationRow.deadline == "board_return_due"
                )
            ).all()
        assert {(r.revision, r.step) for r in rows} >= {(1, "supervisor"), (1, "head_of_service")}
        assert all(r.recipient != "sam.supervisor" for r in rows)  # the advice service's own ladder

    await assert_eventually(escalated, timeout=20)
    missed = (await read(http, EXCLUSIONS, exclusion))["state"]["deadlines"]["board_return_due"]
    assert missed["status"] == "missed"
    late = await ok(
        http, EXCLUSIONS, exclusion, "record_board_return", {"received_on": today(), "summary": SUMMARY}
    )
    history = late["state"]["deadlines"]["board_return_due"]
    assert (history["revision"], history["status"], history["trigger"]) == (2, "open", "record_board_return")


# --- Healthcare Professional Alert Notices ---------------------------------------------------------


async def test_an_alert_notice_issued_reviewed_and_revoked_with_its_record(advice):
    http = advice.http
    ref = await advised(http)

    await refused(http, CASES, ref, "issue_alert_notice", ALERT | {"issued_on": today(1)}, "date_in_future")
    await refused(http, CASES, ref, "issue_alert_notice", ALERT | {"review_on": today()}, "review_not_ahead")
    too_far = date.fromordinal(date.fromisoformat(months_on(today(), 6)).toordinal() + 1).isoformat()
    refusal = await refused(
        http, CASES, ref, "issue_alert_notice", ALERT | {"review_on": too_far}, "review_too_far"
    )
    assert months_on(today(), 6) in refusal["message"]
    unknown = await act(http, CASES, ref, "issue_alert_notice", ALERT | {"reason": "rumour"})
    assert unknown.status_code == 422 and unknown.json()["code"] == "invalid_request", unknown.text

    issued = await ok(http, CASES, ref, "issue_alert_notice", ALERT)
    assert issued["state"]["alert_notices"] == [
        {
            "number": 1,
            "issued_on": today(),
            "issuing_body": "nhs_resolution",
            "reason": "unsafe_clinical_practice",
            "review_on": today(90),
            "reviews": [],
            "revoked_on": None,
            "revocation_reason": None,
        }
    ]
    review = issued["state"]["deadlines"]["hpan_review_due"]
    assert (review["status"], review["due_on"], review["trigger"]) == (
        "open",
        today(90),
        "issue_alert_notice",
    )
    assert "issue_alert_notice" not in issued["allowed_actions"]
    assert {"review_alert_notice", "revoke_alert_notice"} <= set(issued["allowed_actions"])
    await refused(http, CASES, ref, "issue_alert_notice", ALERT, "alert_notice_in_force")

    reviewed = await ok(
        http, CASES, ref, "review_alert_notice", {"reviewed_on": today(), "next_review_on": today(120)}
    )
    notice = reviewed["state"]["alert_notices"][0]
    assert (notice["reviews"], notice["review_on"]) == ([today()], today(120))
    review = reviewed["state"]["deadlines"]["hpan_review_due"]
    assert (review["status"], review["revision"], review["due_on"]) == ("open", 2, today(120))

    # The case cannot close while the notice is in force: its reviews would go with it.
    await ok(http, CASES, ref, "hold_advice_call", {"held_on": today()})
    await ok(http, CASES, ref, "agree_closure", {"letter_sent_on": today()})
    await refused(http, CASES, ref, "close", {"closed_on": today()}, "alert_notice_in_force")
    revoked = await ok(
        http,
        CASES,
        ref,
        "revoke_alert_notice",
        {"revoked_on": today(), "reason": "regulator_restricted_practice"},
    )
    notice = revoked["state"]["alert_notices"][0]
    assert (notice["revoked_on"], notice["revocation_reason"], notice["review_on"]) == (
        today(),
        "regulator_restricted_practice",
        None,
    )
    assert revoked["state"]["deadlines"]["hpan_review_due"]["status"] == "waived"
    await refused(
        http,
        CASES,
        ref,
        "review_alert_notice",
        {"reviewed_on": today(), "next_review_on": today(30)},
        "no_alert_notice",
    )
    closed = await ok(http, CASES, ref, "close", {"closed_on": today()})
    assert closed["state"]["stage"] == "closed"

    def recorded():
        assert ledger(advice, ref, "issue_alert_notice") == [ALERT]
        assert ledger(advice, ref, "review_alert_notice") == [
            {"reviewed_on": today(), "next_review_on": today(120)}
        ]
        assert ledger(advice, ref, "revoke_alert_notice") == [
            {"revoked_on": today(), "reason": "regulator_restricted_practice"}
        ]
        projected = facts(advice, ref)
        assert (projected["alert_notices"], projected["alert_notice_in_force"]) == (1, False)

    await assert_eventually(recorded)


# --- withdrawal of consent -------------------------------------------------------------------------


async def test_a_withdrawal_of_consent_ends_the_assessment_and_advice_continues(advice):
    http = advice.http
    ref = await advised(http)
    withdrawal = {"party": "practitioner", "withdrawn_on": today(), "follow_up_on": today(14)}
    await refused(http, CASES, ref, "withdraw_consent", withdrawal, "action_not_allowed")

    await consented(http, ref)
    assessing = await ok(http, CASES, ref, "start_assessment", {"started_on": today()})
    assert "withdraw_consent" in assessing["allowed_actions"]
    await refused(
        http, CASES, ref, "withdraw_consent", withdrawal | {"withdrawn_on": today(1)}, "date_in_future"
    )
    await refused(
        http,
        CASES,
        ref,
        "withdraw_consent",
        withdrawal | {"withdrawn_on": today(-1)},
        "withdrawal_before_consent",
    )
    await refused(
        http, CASES, ref, "withdraw_consent", withdrawal | {"follow_up_on": today()}, "follow_up_not_ahead"
    )
    nobody = await act(http, CASES, ref, "withdraw_consent", withdrawal | {"party": "regulator"})
    assert nobody.status_code == 422 and nobody.json()["code"] == "invalid_request", nobody.text

    withdrawn = await ok(http, CASES, ref, "withdraw_consent", withdrawal)
    state = withdrawn["state"]
    assert state["stage"] == "follow_up_scheduled"
    ended = state["assessments"][-1]
    assert (ended["consent_withdrawn_by"], ended["consent_withdrawn_on"]) == ("practitioner", today())
    assert ended["started_on"] == today() and ended["report_issued_on"] is None
    # Advice goes on: the contact the request set aside is due again on the adviser's date.
    follow_up = state["deadlines"]["follow_up_due"]
    assert (follow_up["status"], follow_up["due_on"], follow_up["trigger"]) == (
        "open",
        today(14),
        "withdraw_consent",
    )
    assert {"hold_advice_call", "request_assessment"} <= set(withdrawn["allowed_actions"])
    assert not {"issue_assessment_report", "withdraw_consent"} & set(withdrawn["allowed_actions"])

    # A new request starts afresh: no consent carried over, none to withdraw until one is given.
    again = await ok(
        http, CASES, ref, "request_assessment", {"assessment_type": "behavioural", "requested_on": today()}
    )
    assert len(again["state"]["assessments"]) == 2 and "withdraw_consent" not in again["allowed_actions"]
    await refused(http, CASES, ref, "withdraw_consent", withdrawal, "no_consent_given")
    await ok(http, CASES, ref, "record_consent", {"party": "organisation", "given_on": today()})
    await refused(http, CASES, ref, "withdraw_consent", withdrawal, "consent_not_given")
    before_start = await ok(http, CASES, ref, "withdraw_consent", withdrawal | {"party": "organisation"})
    assert before_start["state"]["stage"] == "follow_up_scheduled"
    assert before_start["state"]["assessments"][-1]["consent_withdrawn_by"] == "organisation"

    def recorded():
        assert ledger(advice, ref, "withdraw_consent") == [withdrawal, withdrawal | {"party": "organisation"}]
        assert facts(advice, ref)["assessment_consent_withdrawn"] is True

    await assert_eventually(recorded)
