"""Litigation under the CPR timetable through the HTTP API against the real dev server.

The claim runs under its standard deadline policy (real periods), so every CPR date the route
computes can be checked against the rule. Proceedings here are a protective issue on a newly
notified claim (PAP 1.6), so the whole timetable can lie in the past.
"""

from __future__ import annotations

from datetime import date, timedelta

from activities import calendar
from models.register import CaseRow, ClaimRow
from tests.claim_paths import SAMPLES
from tests.helpers import act as claim_act
from tests.helpers import assert_eventually, auth, ok, open_claim
from tests.route_helpers import (
    claim_ledger,
    code_and_close,
    read_claim,
    read_route,
    route_act,
    route_history,
    route_ok,
)

PREFIX = "/litigation"

ISSUE = {
    "issued_on": "2025-07-31",
    "court": "King's Bench Division, Royal Courts of Justice",
    "claim_number": "KB-2025-001234",
    "reason": "protective issue: limitation",
}
AWARD = {
    "agreed_on": "2026-11-20",
    "general_damages": "180000.00",
    "special_damages": "45000.00",
    "future_losses": "75000.00",
    "claimant_costs": "60000.00",
}
DIRECTIONS = {
    "made_on": "2026-02-20",
    "disclosure_on": "2026-04-17",
    "witness_statements_on": "2026-06-12",
    "expert_reports_on": "2026-08-14",
    "experts_joint_statement_on": "2026-09-18",
    "pre_trial_review_on": "2026-10-16",
    "trial_window_from": "2026-11-02",
    "trial_window_to": "2026-11-27",
}


async def issue(http, claim_ref: str, **overrides) -> tuple[dict, str]:
    claim = (await ok(http, claim_ref, "record_proceedings_issued", ISSUE | overrides))["state"]
    route = claim["routes"][-1]
    assert (route["kind"], route["ended_at"]) == ("litigation", None)
    return claim, route["ref"]


def due(state: dict, name: str) -> str:
    return state["deadlines"][name]["due_on"]


async def to_defence(http, ref: str) -> dict:
    """Service, particulars, acknowledgment; the defence with an agreed extension (CPR 15.5)."""
    served = await route_ok(
        http, PREFIX, ref, "serve_claim_form", {"step_taken_on": "2025-08-21", "method": "first_class_post"}
    )
    state = served["state"]
    # CPR 6.14: the second business day after the step; Mon 25 Aug 2025 is a bank holiday.
    assert state["litigation"]["claim_form_deemed_served_on"] == "2025-08-26"
    assert state["deadlines"]["claim_form_service_due"]["status"] == "met"
    assert due(state, "particulars_of_claim_due") == "2025-09-09"  # CPR 7.4: 14 days after service

    # Emailed after 4.30pm on a Friday: deemed served on the Monday (CPR 6.26).
    particulars = {"sent_at": "2025-09-05T17:00:00+01:00", "method": "email"}
    state = (await route_ok(http, PREFIX, ref, "serve_particulars_of_claim", particulars))["state"]
    assert state["stage"] == "particulars_served"
    assert state["litigation"]["particulars_deemed_served_on"] == "2025-09-08"
    assert state["deadlines"]["particulars_of_claim_due"]["status"] == "met"
    assert due(state, "acknowledgment_of_service_due") == "2025-09-22"  # CPR 10.3: 14 days
    # CPR 15.4(1)(a): unless service is acknowledged, the defence is due the same 14 days after.
    without = state["deadlines"]["defence_due_without_acknowledgment"]
    assert (without["due_on"], without["kind"], without["trigger_date"]) == (
        "2025-09-22",
        "court",
        "2025-09-08",
    )

    acknowledged = await route_ok(
        http, PREFIX, ref, "file_acknowledgment_of_service", {"filed_on": "2025-09-19"}
    )
    state = acknowledged["state"]
    assert state["stage"] == "acknowledged"
    assert state["deadlines"]["acknowledgment_of_service_due"]["status"] == "met"
    assert state["deadlines"]["defence_due_without_acknowledgment"]["status"] == "waived"
    defence = state["deadlines"]["defence_due"]
    assert defence["due_on"] == "2025-10-06"  # CPR 15.4: 28 days after the particulars' service
    assert (defence["kind"], defence["trigger_date"]) == ("court", "2025-09-08")
    assert defence["extendable_to"] == "2025-11-03"  # CPR 15.5: 28 days from the end of that period

    extension = {"deadline": "defence_due", "reason": "expert evidence", "agreed_by": "Example & Co LLP"}
    too_long = await route_act(http, PREFIX, ref, "extend_deadline", extension | {"new_due_on": "2025-11-04"})
    assert too_long.status_code == 409 and too_long.json()["code"] == "extension_too_long"
    assert "28 days" in too_long.json()["message"]
    extended = await route_ok(http, PREFIX, ref, "extend_deadline", extension | {"new_due_on": "2025-11-03"})
    assert extended["deadline_changes"] == [
        {"name": "defence_due", "previous_due_on": "2025-10-06", "due_on": "2025-11-03"}
    ]
    assert extended["state"]["deadlines"]["defence_due"]["status"] == "extended"

    defended = await route_ok(
        http, PREFIX, ref, "file_defence", {"filed_on": "2025-10-31", "liability": "denied"}
    )
    assert defended["state"]["deadlines"]["defence_due"]["status"] == "met"
    return defended


async def to_directions(http, ref: str) -> dict:
    notice = {"served_on": "2025-11-14", "questionnaire_due_on": "2025-12-12", "proposed_track": "multi"}
    state = (await route_ok(http, PREFIX, ref, "record_allocation_notice", notice))["state"]
    assert state["stage"] == "directions_questionnaire_due"
    assert due(state, "directions_questionnaire_due") == "2025-12-12"  # from the notice
    await route_ok(http, PREFIX, ref, "file_directions_questionnaire", {"filed_on": "2025-12-10"})
    cmc = {"listed_for": "2026-02-20", "notified_on": "2025-12-20"}
    state = (await route_ok(http, PREFIX, ref, "list_case_management_conference", cmc))["state"]
    assert (state["stage"], due(state, "case_management_conference")) == ("cmc_listed", "2026-02-20")
    ordered = await route_ok(http, PREFIX, ref, "record_directions_order", DIRECTIONS)
    state = ordered["state"]
    assert state["stage"] == "directions_given"
    assert state["deadlines"]["case_management_conference"]["status"] == "met"
    assert {c["name"]: c["due_on"] for c in ordered["deadline_changes"]} == {
        "disclosure_due": "2026-04-17",
        "witness_statements_due": "2026-06-12",
        "expert_reports_due": "2026-08-14",
        "experts_joint_statement_due": "2026-09-18",
        "pre_trial_review": "2026-10-16",
        "trial_window_opens": "2026-11-02",
    }
    assert all(state["deadlines"][c["name"]]["kind"] == "court" for c in ordered["deadline_changes"])
    for direction, on in (
        ("disclosure_due", "2026-04-15"),
        ("witness_statements_due", "2026-06-10"),
        ("expert_reports_due", "2026-08-14"),
    ):
        complied = await route_ok(
            http, PREFIX, ref, "record_direction_complied", {"direction": direction, "complied_on": on}
        )
        assert complied["state"]["deadlines"][direction]["status"] == "met"
    return complied


async def test_judgment_for_the_claimant_settles_the_claim_which_is_paid_and_closed(fairway):
    http = fairway.http
    claim_ref = (await open_claim(http))["state"]["ref"]
    claim, ref = await issue(http, claim_ref)
    assert (claim["stage"], ref) == ("in_litigation", f"{claim_ref}-LIT1")

    state = await read_route(http, PREFIX, ref)
    assert (state["stage"], state["claim_ref"], state["owner"]) == ("issued", claim_ref, "hana.handler")
    assert state["litigation"]["claim_number"] == "KB-2025-001234"
    service = state["deadlines"]["claim_form_service_due"]
    # CPR 7.5: midnight at the end of the calendar day 4 months after issue; 31 Jul + 4 months is
    # 30 Nov (the shorter month's last day), a Sunday: flagged, not moved.
    expected = calendar.claim_form_service_deadline(date(2025, 7, 31))
    assert service["due_on"] == expected.due_date.isoformat() == "2025-11-30"
    assert service["flags"] == ["ends_on_non_business_day"]
    assert service["due_at"].startswith("2025-11-30T23:59:59")
    assert service["basis"].startswith("CPR 7.5(1)")

    wrong = await route_act(http, PREFIX, ref, "file_defence", {"filed_on": "2025-08-01"})
    assert wrong.status_code == 409
    refusal = wrong.json()
    assert (refusal["code"], refusal["details"]["stage"]) == ("action_not_allowed", "issued")
    assert "serve_claim_form" in refusal["details"]["allowed_actions"]

    await to_defence(http, ref)
    await to_directions(http, ref)

    # ADR runs beside litigation only while it is stayed.
    proposal = {"proposed_by": "defendant", "proposed_on": "2026-08-21"}
    not_stayed = await claim_act(http, claim_ref, "propose_mediation", proposal)
    assert not_stayed.status_code == 409 and not_stayed.json()["code"] == "litigation_not_stayed"
    stay = {"stayed_on": "2026-08-20", "reason": "for ADR", "until": "2026-10-01"}
    stayed = (await route_ok(http, PREFIX, ref, "stay_proceedings", stay))["state"]
    assert stayed["stayed"] is True and due(stayed, "stay_ends") == "2026-10-01"
    # Court dates run on (dated in the past here, so missed once its ladder has run), never paused.
    assert stayed["deadlines"]["experts_joint_statement_due"]["status"] in ("open", "missed")
    halted = await route_act(
        http, PREFIX, ref, "list_trial", {"trial_on": "2026-11-09", "notified_on": "2026-08-21"}
    )
    assert halted.status_code == 409 and halted.json()["code"] == "proceedings_stayed"

    async def claim_sees_the_stay():
        assert (await read_claim(http, claim_ref))["routes"][0]["stayed"] is True

    await assert_eventually(claim_sees_the_stay)
    mediation = (await ok(http, claim_ref, "propose_mediation", proposal))["state"]
    assert mediation["stage"] == "in_litigation"
    mediation_ref = mediation["routes"][-1]["ref"]
    await read_route(http, "/mediations", mediation_ref)
    refusal = {"refused_on": "2026-08-28", "refused_by": "claimant", "reason": "positions too far apart"}
    await route_ok(http, "/mediations", mediation_ref, "refuse_mediation", refusal)

    lifted = (
        await route_ok(http, PREFIX, ref, "lift_stay", {"lifted_on": "2026-09-10", "reason": "ADR failed"})
    )["state"]
    assert lifted["stayed"] is False and lifted["deadlines"]["stay_ends"]["status"] == "met"
    assert lifted["litigation"]["stays"][0]["lifted_on"] == "2026-09-10"

    # A later order moves two directions.
    order = {
        "made_on": "2026-09-11",
        "dates": {"experts_joint_statement_due": "2026-09-30", "pre_trial_review": "2026-10-20"},
        "description": "experts' timetable varied by consent",
    }
    moved = await route_ok(http, PREFIX, ref, "record_court_order", order)
    assert {c["name"]: (c["previous_due_on"], c["due_on"]) for c in moved["deadline_changes"]} == {
        "experts_joint_statement_due": ("2026-09-18", "2026-09-30"),
        "pre_trial_review": ("2026-10-16", "2026-10-20"),
    }
    for direction, on in (("experts_joint_statement_due", "2026-09-29"), ("pre_trial_review", "2026-10-20")):
        await route_ok(
            http, PREFIX, ref, "record_direction_complied", {"direction": direction, "complied_on": on}
        )
    outside = await route_act(
        http, PREFIX, ref, "list_trial", {"trial_on": "2026-12-07", "notified_on": "2026-10-20"}
    )
    assert outside.status_code == 409 and outside.json()["code"] == "outside_trial_window"
    listed = (
        await route_ok(
            http, PREFIX, ref, "list_trial", {"trial_on": "2026-11-09", "notified_on": "2026-10-20"}
        )
    )["state"]
    assert (listed["stage"], due(listed, "trial")) == ("trial_listed", "2026-11-09")
    assert listed["deadlines"]["trial_window_opens"]["status"] == "met"
    held = await route_ok(http, PREFIX, ref, "record_trial_held", {"held_on": "2026-11-09"})
    assert held["state"]["stage"] == "trial_held"

    mismatch = await route_act(
        http, PREFIX, ref, "record_judgment_for_claimant", {"given_on": "2026-11-19", "award": AWARD}
    )
    assert (mismatch.status_code, mismatch.json()["code"]) == (409, "award_not_judgment_date")
    judged = await route_ok(
        http, PREFIX, ref, "record_judgment_for_claimant", {"given_on": "2026-11-20", "award": AWARD}
    )
    state = judged["state"]
    assert (state["stage"], state["outcome"]) == ("judgment_for_claimant", "judgment_for_claimant")
    assert state["route_outcome"]["result"] == "judgment_for_claimant"
    assert state["route_outcome"]["settlement"]["general_damages"] == "180000.00"
    assert state["closed_at"] is not None and state["next_deadline_at"] is None
    assert {n: d["status"] for n, d in state["deadlines"].items()} == {
        "claim_form_service_due": "met",
        "particulars_of_claim_due": "met",
        "acknowledgment_of_service_due": "met",
        "defence_due_without_acknowledgment": "waived",  # acknowledged: CPR 15.4(1)(b) instead
        "defence_due": "met",
        "directions_questionnaire_due": "met",
        "case_management_conference": "met",
        "disclosure_due": "met",
        "witness_statements_due": "met",
        "expert_reports_due": "met",
        "experts_joint_statement_due": "met",
        "pre_trial_review": "met",
        "trial_window_opens": "met",
        "trial": "met",
        "stay_ends": "met",
    }

    async def claim_settled():
        claim = await read_claim(http, claim_ref)
        assert claim["stage"] == "settled"
        return claim

    claim = await assert_eventually(claim_settled)
    assert claim["settlement"]["future_losses"] == "75000.00"
    litigation, mediation = claim["routes"]
    assert (litigation["ref"], litigation["stage"], litigation["outcome"]["result"]) == (
        ref,
        "judgment_for_claimant",
        "judgment_for_claimant",
    )
    assert litigation["ended_at"] is not None and litigation["stayed"] is False
    assert mediation["outcome"]["result"] == "declined"

    await ok(
        http,
        claim_ref,
        "record_payment",
        SAMPLES["record_payment"] | {"amount": "300000.00", "paid_on": "2026-11-23"},
    )
    closed = await code_and_close(
        http, claim_ref, {"outcome": "settled_with_damages", "summary": "judgment paid"}
    )
    assert (closed["state"]["stage"], closed["state"]["outcome"]) == ("closed", "settled_with_damages")

    assert await route_history(http, PREFIX, ref, 21) == [
        "record_proceedings_issued",
        "serve_claim_form",
        "serve_particulars_of_claim",
        "file_acknowledgment_of_service",
        "extend_deadline",
        "file_defence",
        "record_allocation_notice",
        "file_directions_questionnaire",
        "list_case_management_conference",
        "record_directions_order",
        "record_direction_complied",
        "record_direction_complied",
        "record_direction_complied",
        "stay_proceedings",
        "lift_stay",
        "record_court_order",
        "record_direction_complied",
        "record_direction_complied",
        "list_trial",
        "record_trial_held",
        "record_judgment_for_claimant",
    ]
    ledger = await claim_ledger(http, claim_ref, "close")
    actions = [e["action"] for e in ledger]
    assert actions[:2] == ["open_claim", "record_proceedings_issued"]
    assert actions[-4:] == ["route_ended", "record_payment", "code_claim", "close"]
    ended = ledger[-4]
    assert (ended["stage_before"], ended["stage_after"]) == ("in_litigation", "settled")
    assert (ended["summary"]["route_ref"], ended["summary"]["result"]) == (ref, "judgment_for_claimant")

    def registered():
        with fairway.sessions() as session:
            row = session.get(CaseRow, ref)
            assert (row.kind, row.parent_ref, row.stage, row.outcome) == (
                "litigation",
                claim_ref,
                "judgment_for_claimant",
                "judgment_for_claimant",
            )
            assert row.facts == {
                "claim_ref": claim_ref,
                "route": "litigation",
                "result": "judgment_for_claimant",
                "stayed": False,
                "claim_number": "KB-2025-001234",
                "court": ISSUE["court"],
                "issued_on": "2025-07-31",
                "trial_on": "2026-11-09",
            }
            assert row.closed_at is not None and row.next_deadline_at is None
            claim_row = session.get(ClaimRow, claim_ref)
            assert (claim_row.stage, claim_row.outcome) == ("closed", "settled_with_damages")

    await assert_eventually(registered)


async def test_discontinuance_ends_the_route_and_the_claim_concludes(fairway):
    http = fairway.http
    claim_ref = (await open_claim(http))["state"]["ref"]
    _, ref = await issue(http, claim_ref)
    await read_route(http, PREFIX, ref)
    # Served late in the four months: particulars are due no later than the last day for serving
    # the claim form (CPR 7.4(2)), not 14 days after its deemed service on Mon 1 Dec.
    late = {"step_taken_on": "2025-11-27", "method": "personal"}
    served = (await route_ok(http, PREFIX, ref, "serve_claim_form", late))["state"]
    assert served["litigation"]["claim_form_deemed_served_on"] == "2025-12-01"
    assert calendar.deemed_service_claim_form(date(2025, 11, 27)) == date(2025, 12, 1)
    assert date(2025, 12, 1) + timedelta(days=14) > date(2025, 11, 30)
    assert due(served, "particulars_of_claim_due") == "2025-11-30"

    stay = {"stayed_on": "2025-12-02", "reason": "for ADR"}
    await route_ok(http, PREFIX, ref, "stay_proceedings", stay)
    again = await route_act(http, PREFIX, ref, "stay_proceedings", stay)
    assert again.status_code == 409 and again.json()["code"] == "proceedings_stayed"

    body = {"served_on": "2025-12-05", "reason": "claimant accepts causation cannot be proved"}
    ended = (await route_ok(http, PREFIX, ref, "record_discontinuance", body))["state"]
    assert (ended["stage"], ended["outcome"], ended["stayed"]) == ("discontinued", "discontinued", False)
    assert ended["route_outcome"]["result"] == "discontinued" and "CPR 38" in ended["route_outcome"]["reason"]
    assert ended["deadlines"]["particulars_of_claim_due"]["status"] == "waived"

    async def concluded():
        claim = await read_claim(http, claim_ref)
        assert claim["stage"] == "proceedings_concluded"
        return claim

    claim = await assert_eventually(concluded)
    [route] = claim["routes"]
    assert (route["outcome"]["result"], route["stage"]) == ("discontinued", "discontinued")
    closed = await ok(http, claim_ref, "close", {"outcome": "discontinued", "summary": "notice served"})
    assert closed["state"]["stage"] == "closed"

    async def listed():
        rows = (await http.get(PREFIX, params={"parent_ref": claim_ref}, headers=auth("auditor"))).json()
        [row] = rows["items"]
        assert (row["ref"], row["stage"], row["facts"]["result"]) == (ref, "discontinued", "discontinued")

    await assert_eventually(listed)
    assert (await route_history(http, PREFIX, ref, 4))[-1] == "record_discontinuance"


async def test_default_judgment_only_once_time_ran_out_and_set_aside_reopens_the_defence(fairway):
    http = fairway.http
    claim_ref = (await open_claim(http))["state"]["ref"]
    _, ref = await issue(http, claim_ref)
    await route_ok(
        http, PREFIX, ref, "serve_claim_form", {"step_taken_on": "2025-08-21", "method": "first_class_post"}
    )
    particulars = {"sent_at": "2025-09-05T17:00:00+01:00", "method": "email"}
    await route_ok(http, PREFIX, ref, "serve_particulars_of_claim", particulars)

    # Before any acknowledgment, the time that counts is the acknowledgment's (CPR 12.3(1)).
    early = await route_act(http, PREFIX, ref, "record_default_judgment", {"entered_on": "2025-09-22"})
    assert early.status_code == 409 and early.json()["code"] == "time_not_expired", early.text
    assert "acknowledgment_of_service_due runs to 2025-09-22" in early.json()["message"]
    acknowledged = await route_ok(
        http, PREFIX, ref, "file_acknowledgment_of_service", {"filed_on": "2025-09-19"}
    )
    assert due(acknowledged["state"], "defence_due") == "2025-10-06"

    # After it, the defence's (CPR 12.3(2)); the day itself is still in time.
    early = await route_act(http, PREFIX, ref, "record_default_judgment", {"entered_on": "2025-10-06"})
    assert early.status_code == 409 and early.json()["code"] == "time_not_expired", early.text
    default = {"entered_on": "2025-10-08", "notes": "no defence filed"}
    judged = (await route_ok(http, PREFIX, ref, "record_default_judgment", default))["state"]
    assert (judged["stage"], judged["outcome"]) == ("default_judgment", None), "damages are still to decide"
    assert judged["litigation"]["default_judgment_on"] == "2025-10-08"
    late_defence = await route_act(http, PREFIX, ref, "file_defence", {"filed_on": "2025-10-09"})
    assert late_defence.status_code == 409 and late_defence.json()["code"] == "action_not_allowed"

    order = {
        "set_aside_on": "2025-11-03",
        "defence_due_on": "2025-11-17",
        "reason": "real prospect (CPR 13.3)",
    }
    backwards = await route_act(
        http, PREFIX, ref, "set_aside_default_judgment", order | {"defence_due_on": "2025-11-01"}
    )
    assert (backwards.status_code, backwards.json()["code"]) == (409, "dates_out_of_order")
    set_aside = await route_ok(http, PREFIX, ref, "set_aside_default_judgment", order)
    state = set_aside["state"]
    assert (state["stage"], state["litigation"]["default_judgment_set_aside_on"]) == (
        "acknowledged",
        "2025-11-03",
    )
    assert set_aside["deadline_changes"] == [
        {"name": "defence_due", "previous_due_on": "2025-10-06", "due_on": "2025-11-17"}
    ]
    assert (state["deadlines"]["defence_due"]["revision"], state["deadlines"]["defence_due"]["kind"]) == (
        2,
        "court",
    )

    defended = await route_ok(
        http, PREFIX, ref, "file_defence", {"filed_on": "2025-11-14", "liability": "denied"}
    )
    assert defended["state"]["stage"] == "defence_filed"
    assert defended["state"]["deadlines"]["defence_due"]["status"] == "met"
    actions = await route_history(http, PREFIX, ref, 7)
    assert actions[-3:] == ["record_default_judgment", "set_aside_default_judgment", "file_defence"]


async def test_our_notice_to_serve_brings_the_claim_form_date_forward_and_service_meets_it(fairway):
    http = fairway.http
    claim_ref = (await open_claim(http))["state"]["ref"]
    _, ref = await issue(http, claim_ref)  # issued 31 Jul 2025: CPR 7.5 date 30 Nov 2025

    too_soon = {"served_on": "2025-08-04", "serve_by": "2025-08-17"}
    refused = await route_act(http, PREFIX, ref, "serve_notice_to_serve_claim_form", too_soon)
    assert (refused.status_code, refused.json()["code"]) == (409, "notice_too_short")
    assert "CPR 7.7(2)" in refused.text
    too_late = {"served_on": "2025-08-04", "serve_by": "2025-11-30"}
    refused = await route_act(http, PREFIX, ref, "serve_notice_to_serve_claim_form", too_late)
    assert refused.status_code == 409 and refused.json()["code"] == "notice_changes_nothing", refused.text
    assert "2025-11-30" in refused.json()["message"]

    notice = {"served_on": "2025-08-04", "serve_by": "2025-08-18"}
    noticed = await route_ok(http, PREFIX, ref, "serve_notice_to_serve_claim_form", notice)
    state = noticed["state"]
    assert state["stage"] == "issued"
    assert (state["litigation"]["notice_to_serve_on"], state["litigation"]["service_required_by"]) == (
        "2025-08-04",
        "2025-08-18",
    )
    assert noticed["deadline_changes"] == [
        {"name": "claim_form_service_required_by_notice", "previous_due_on": None, "due_on": "2025-08-18"}
    ]
    required = state["deadlines"]["claim_form_service_required_by_notice"]
    assert (required["kind"], required["basis"].startswith("CPR 7.7")) == ("court", True)
    assert due(state, "claim_form_service_due") == "2025-11-30", "the CPR 7.5 date itself stands"

    served = await route_ok(
        http, PREFIX, ref, "serve_claim_form", {"step_taken_on": "2025-08-15", "method": "first_class_post"}
    )
    deadlines = served["state"]["deadlines"]
    assert deadlines["claim_form_service_required_by_notice"]["status"] == "met"
    assert deadlines["claim_form_service_due"]["status"] == "met"
    assert (await route_history(http, PREFIX, ref, 3))[-2:] == [
        "serve_notice_to_serve_claim_form",
        "serve_claim_form",
    ]


async def test_a_defence_without_an_acknowledgment_has_its_own_time_which_the_parties_may_extend(fairway):
    """CPR 15.4(1)(a): served with the particulars, no acknowledgment filed, the defence is due 14
    days after their service; CPR 15.5 lets the parties agree 28 days more, and while that runs
    no default judgment can be entered (CPR 12.3(1))."""
    http = fairway.http
    _, ref = await issue(http, (await open_claim(http))["state"]["ref"])
    service = {"step_taken_on": "2025-08-21", "method": "first_class_post"}
    state = (await route_ok(http, PREFIX, ref, "serve_claim_form_with_particulars", service))["state"]
    assert state["litigation"]["particulars_deemed_served_on"] == "2025-08-26"  # CPR 6.14
    defence = state["deadlines"]["defence_due_without_acknowledgment"]
    assert (defence["due_on"], defence["extendable_to"]) == ("2025-09-09", "2025-10-07")
    assert defence["basis"].startswith("CPR 15.4(1)(a)")

    extension = {
        "deadline": "defence_due_without_acknowledgment",
        "reason": "records",
        "agreed_by": "the firm",
    }
    too_long = await route_act(http, PREFIX, ref, "extend_deadline", extension | {"new_due_on": "2025-10-08"})
    assert (too_long.status_code, too_long.json()["code"]) == (409, "extension_too_long")
    await route_ok(http, PREFIX, ref, "extend_deadline", extension | {"new_due_on": "2025-10-07"})
    early = await route_act(http, PREFIX, ref, "record_default_judgment", {"entered_on": "2025-09-10"})
    assert (early.status_code, early.json()["code"]) == (409, "time_not_expired")
    assert "defence_due_without_acknowledgment runs to 2025-10-07" in early.json()["message"]

    filed = {"filed_on": "2025-10-06", "liability": "denied"}
    deadlines = (await route_ok(http, PREFIX, ref, "file_defence", filed))["state"]["deadlines"]
    assert deadlines["defence_due_without_acknowledgment"]["status"] == "met"
    assert "defence_due" not in deadlines


async def test_only_the_court_extends_time_to_serve_the_claim_form(fairway):
    """CPR 7.6: time for service of the claim form is extended by the court's order, a court date
    entered from it; no agreement moves it."""
    http = fairway.http
    _, ref = await issue(http, (await open_claim(http))["state"]["ref"])  # CPR 7.5 date 30 Nov 2025
    agreed = {"deadline": "claim_form_service_due", "new_due_on": "2025-12-31"}
    refused = await route_act(
        http,
        PREFIX,
        ref,
        "extend_deadline",
        agreed | {"reason": "expert delay", "agreed_by": "NHS Resolution"},
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "extension_too_long")
    assert "only a court order moves it" in refused.json()["message"]

    order = {
        "made_on": "2025-11-20",
        "dates": {"claim_form_service_due": "2026-01-30"},
        "description": "time for service extended on the claimant's application (CPR 7.6(2))",
    }
    ordered = await route_ok(http, PREFIX, ref, "record_court_order", order)
    assert ordered["deadline_changes"] == [
        {"name": "claim_form_service_due", "previous_due_on": "2025-11-30", "due_on": "2026-01-30"}
    ]
    extended = ordered["state"]["deadlines"]["claim_form_service_due"]
    assert (extended["kind"], extended["trigger"]) == ("court", "record_court_order")
    assert extended["status"] in ("open", "missed")  # the whole timetable lies in the past here
    # CPR 7.4(2): the particulars are capped by the last day for serving the claim form, now the order's.
    service = {"step_taken_on": "2026-01-26", "method": "personal"}
    served = (await route_ok(http, PREFIX, ref, "serve_claim_form", service))["state"]
    assert served["deadlines"]["claim_form_service_due"]["status"] == "met"
    assert due(served, "particulars_of_claim_due") == "2026-01-30"


async def agree_experts_agenda(http, ref: str) -> dict:
    """The claimant's draft agenda, our amendments within 21 days, agreement within 7 more (Model
    Directions for Clinical Negligence Cases)."""
    draft = {"received_on": "2026-09-01", "discipline": "obstetrics"}
    received = (await route_ok(http, PREFIX, ref, "receive_experts_agenda", draft))["state"]
    answer = received["deadlines"]["experts_agenda_response_due"]
    assert (answer["due_on"], answer["kind"]) == ("2026-09-22", "court")
    assert answer["basis"].endswith(
        "within 21 days of receiving the claimant's draft agenda, agree it or propose amendments"
    )
    again = await route_act(http, PREFIX, ref, "receive_experts_agenda", draft)
    assert (again.status_code, again.json()["code"]) == (409, "agenda_in_hand")

    amended = {"sent_on": "2026-09-15", "amendments_proposed": True}
    answered = await route_ok(http, PREFIX, ref, "respond_to_experts_agenda", amended)
    assert answered["deadline_changes"] == [
        {"name": "experts_agenda_agreement_due", "previous_due_on": None, "due_on": "2026-09-22"}
    ]
    assert answered["state"]["deadlines"]["experts_agenda_response_due"]["status"] == "met"
    agreed = await route_ok(http, PREFIX, ref, "record_experts_agenda_agreed", {"agreed_on": "2026-09-21"})
    state = agreed["state"]
    assert state["deadlines"]["experts_agenda_agreement_due"]["status"] == "met"
    assert state["litigation"]["experts_agendas"] == [
        {
            "discipline": "obstetrics",
            "received_on": "2026-09-01",
            "responded_on": "2026-09-15",
            "amendments_proposed": True,
            "agreed_on": "2026-09-21",
        }
    ]
    return agreed


async def test_the_experts_agenda_is_answered_in_21_days_and_agreed_in_7_more(fairway):
    http = fairway.http
    _, ref = await issue(http, (await open_claim(http))["state"]["ref"])
    await to_defence(http, ref)
    early = await route_act(
        http, PREFIX, ref, "receive_experts_agenda", {"received_on": "2026-09-01", "discipline": "obstetrics"}
    )
    assert (early.status_code, early.json()["code"]) == (409, "action_not_allowed"), "directions first"
    await to_directions(http, ref)
    agreed = await agree_experts_agenda(http, ref)
    assert "receive_experts_agenda" in agreed["allowed_actions"], "the next discipline's agenda may follow"


async def test_proceedings_issued_within_the_protocols_4_months_are_flagged_on_the_claim(fairway):
    """PAP: no proceedings until 4 months after the letter of claim (unless limitation requires
    it, PAP 1.6): the issue is recorded and flagged as a possible breach, never refused."""
    http = fairway.http
    claim_ref = (await open_claim(http))["state"]["ref"]
    await claim_act(http, claim_ref, "receive_letter_of_claim", {"received_on": "2026-09-30"})
    claim, _ = await issue(http, claim_ref, issued_on="2026-11-02")

    assert claim["protocol_departures"] == [
        {
            "code": "issued_within_protocol_period",
            "basis": "PAP: proceedings should not be issued until 4 months after the letter of claim",
            "on": "2026-11-02",
            "explanation": "Proceedings were issued on 2026-11-02, within the 4 months from the letter of "
            "claim of 2026-09-30, which end on 2027-01-30: unless limitation required it (PAP 1.6), a "
            "possible breach of the protocol to record for costs; if it did, the parties should agree a "
            "stay while the investigation goes on.",
        }
    ]
    protective = (await open_claim(http))["state"]["ref"]
    claim, _ = await issue(http, protective)
    assert [d["code"] for d in claim["protocol_departures"]] == ["issued_without_letter_of_claim"]
