"""The pharmacy appeal's rules as pure functions, and its pathway table row by row, without a
Temporal server: the 30 days with its source, what each stage allows and refuses, what each
step records, who may join whom, and how a joined appeal takes its lead's determination."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from models import pharmacy_appeal as m
from models.common import Actor, Role
from models.deadline_policies import short
from models.deadlines import Deadline, DeadlineKind
from models.pharmacy_appeal import Stage as S
from workflows.case_kit import Context
from workflows.pharmacy_appeal import (
    FINAL,
    PATHWAY,
    WITHDRAWABLE,
    joining_refusal,
    late_representation,
    representations_period,
    take_lead_outcome,
)

NOW = datetime(2026, 12, 15, 10, 0, tzinfo=UTC)
TODAY = date(2026, 12, 15)
LEAD, OTHER, THIRD = "PHA-AAAAAAAAAAAA", "PHA-BBBBBBBBBBBB", "PHA-CCCCCCCCCCCC"
HANDLER = Actor(id="hana.handler", role=Role.HANDLER)


def notice(**overrides) -> m.NoticeOfAppeal:
    body = {
        "subject": "market_entry",
        "application_reference": "APP-2026-0042",
        "decided_by": "Q71",
        "appellant": "Example Pharmacy Ltd",
        "notified_on": "2026-11-20",
        "received_on": "2026-12-01",
        "grounds": "The decision misread the pharmaceutical needs assessment.",
    }
    return m.NoticeOfAppeal.model_validate(body | overrides)


def appeal(stage: S = S.LODGED, ref: str = LEAD, **fields) -> m.PharmacyAppealState:
    n = notice()
    return m.PharmacyAppealState(
        ref=ref,
        stage=stage,
        owner="hana.handler",
        notice=n,
        window=m.appeal_window(n.notified_on, n.received_on),
        opened_at=NOW - timedelta(days=14),
        updated_at=NOW - timedelta(days=14),
        **fields,
    )


def ctx(actor: Actor = HANDLER, action: str = "") -> Context:
    return Context(actor=actor, now=NOW, today=TODAY, policy=m.PharmacyAppealPolicy(), action=action)


def refused(state, action: str, body: dict, actor: Actor = HANDLER) -> str | None:
    step = PATHWAY.steps[action]
    refusal = PATHWAY.refusal(state, step, step.payload.model_validate(body), ctx(actor, action))
    return refusal and refusal.code


def take(state, action: str, body: dict) -> m.PharmacyAppealState:
    step = PATHWAY.steps[action]
    payload = step.payload.model_validate(body)
    assert PATHWAY.refusal(state, step, payload, ctx(action=action)) is None
    PATHWAY.apply(state, step, payload, ctx(action=action))
    return state


# --- the 30 days (SI 2013/349 Sch 2 para 36) ------------------------------------------------------


def test_the_thirtieth_day_after_notification_is_the_last():
    window = m.appeal_window(date(2026, 11, 1), date(2026, 12, 1))
    assert (window.due_on, window.in_time) == (date(2026, 12, 1), True)
    late = m.appeal_window(date(2026, 11, 1), date(2026, 12, 2))
    assert (late.due_on, late.in_time) == (date(2026, 12, 1), False)
    assert m.appeal_window(date(2026, 11, 1), date(2026, 11, 1)).in_time  # the same day


def test_a_weekend_last_day_is_not_moved():
    # 30 days after Thu 5 Nov 2026 is Sat 5 Dec: the regulations roll no end forward.
    window = m.appeal_window(date(2026, 11, 5), date(2026, 12, 7))
    assert window.due_on == date(2026, 12, 5) and window.due_on.weekday() == 5
    assert not window.in_time


def test_the_window_cites_its_source_and_is_a_statutory_rule_of_the_policy():
    rule = m.PHARMACY_APPEAL_DEADLINES.rules[m.NOTICE_OF_APPEAL]
    assert rule.kind is DeadlineKind.STATUTORY and (rule.period.amount, rule.period.unit) == (30, "days")
    assert "SI 2013/349 Sch 2 para 36" in rule.basis
    assert m.appeal_window(date(2026, 1, 1), date(2026, 1, 2)).basis == rule.basis


def test_a_short_test_policy_never_makes_an_appeal_late():
    """The window is the statute's: a policy whose periods are seconds does not shorten it."""
    quick = short(base=m.PHARMACY_APPEAL_DEADLINES)
    assert quick.rules[m.NOTICE_OF_APPEAL].seconds is not None
    assert m.appeal_window(date(2026, 11, 1), date(2026, 11, 30)).in_time


def test_unconfirmed_periods_are_named_policy_values():
    rules = m.PHARMACY_APPEAL_DEADLINES.rules
    assert rules[m.REPRESENTATIONS].period.amount == m.REPRESENTATIONS_DAYS
    assert "unconfirmed" in rules[m.REPRESENTATIONS].basis and "Sch 3" in rules[m.REPRESENTATIONS].basis
    assert rules[m.VALIDITY_CHECK].period.amount == m.VALIDITY_CHECK_DAYS
    assert "unconfirmed" in rules[m.VALIDITY_CHECK].basis
    assert m.PharmacyAppealPolicy().deadlines is m.PHARMACY_APPEAL_DEADLINES


def test_a_notice_received_before_the_decision_was_notified_is_refused():
    with pytest.raises(ValidationError, match="received before the decision was notified"):
        notice(received_on="2026-11-19")


# --- the table: what each stage allows --------------------------------------------------------------


def test_the_pathway_runs_from_lodging_to_publication():
    state = appeal()
    for action, body, stage in [
        ("record_valid", {"checked_on": "2026-12-02"}, S.VALID),
        ("notify_parties", {"sent_on": "2026-12-03", "parties": ["NHS England", "Another Pharmacy"]}, None),
        ("invite_representations", {"invited_on": "2026-12-03", "period_days": 21}, S.REPRESENTATIONS),
        ("record_representations", {"party": "NHS England", "received_on": "2026-12-10"}, S.REPRESENTATIONS),
        ("close_representations", {"closed_on": "2026-12-14"}, S.CONSIDERATION),
        ("list_hearing", {"hearing_on": "2026-12-15"}, S.HEARING_LISTED),
        ("record_hearing_held", {"held_on": "2026-12-15"}, S.HEARD),
    ]:
        take(state, action, body)
        assert state.stage == (stage or S.PARTIES_NOTIFIED), action
    decision = {"determined_on": "2026-12-15", "decision": "quashed_and_redetermined", "reasons": "r"}
    take(state, "determine", decision | {"redetermination": "The application is granted."})
    assert (state.stage, state.outcome) == (S.DETERMINED, "quashed_and_redetermined")
    assert state.determination.appeals == [LEAD] and state.determination.lead_ref == LEAD
    assert state.invitation.period_days == 21 and state.hearing.held_on == TODAY
    take(state, "publish_determination", {"published_on": "2026-12-15", "publication_reference": "PCA-1"})
    assert (
        state.stage == S.PUBLISHED and state.closed_at == NOW and state.stage_before_closure == S.DETERMINED
    )


@pytest.mark.parametrize(
    ("stage", "allowed"),
    [
        (S.LODGED, {"record_valid", "dismiss_misconceived", "withdraw_appeal"}),
        (S.PARTIES_NOTIFIED, {"invite_representations", "withdraw_appeal"}),
        (S.REPRESENTATIONS, {"record_representations", "close_representations", "withdraw_appeal"}),
        (S.CONSIDERATION, {"list_hearing", "join_appeal", "determine", "withdraw_appeal"}),
        (S.HEARING_LISTED, {"list_hearing", "record_hearing_held", "join_appeal", "withdraw_appeal"}),
        (S.HEARD, {"determine", "withdraw_appeal"}),
        (S.JOINED, set()),
        (S.DETERMINED, {"publish_determination"}),
        (S.PUBLISHED, set()),
    ],
)
def test_each_stage_offers_its_own_steps(stage, allowed):
    common = {"add_note", "extend_deadline"} if stage not in FINAL else {"add_note"}
    assert set(PATHWAY.allowed_actions(appeal(stage), Role.HANDLER)) == allowed | common


def test_a_step_outside_its_stage_is_refused_with_what_is_allowed():
    step = PATHWAY.steps["determine"]
    payload = step.payload.model_validate(
        {"determined_on": "2026-12-15", "decision": "confirmed", "reasons": "r"}
    )
    refusal = PATHWAY.refusal(appeal(S.REPRESENTATIONS), step, payload, ctx(action="determine"))
    assert refusal.code == "action_not_allowed" and refusal.stage == S.REPRESENTATIONS
    assert "close_representations" in refusal.allowed_actions and "determine" not in refusal.allowed_actions


def test_the_internal_join_is_never_offered_and_auditors_act_on_nothing():
    assert "join_lead_appeal" not in {s.action for s in PATHWAY.public_steps}
    assert PATHWAY.allowed_actions(appeal(S.CONSIDERATION), Role.AUDITOR) == []
    auditor = Actor(id="ada.auditor", role=Role.AUDITOR)
    assert refused(appeal(), "record_valid", {"checked_on": "2026-12-02"}, auditor) == "forbidden_for_role"


def test_dates_are_past_and_after_the_appeal_arrived():
    assert refused(appeal(), "record_valid", {"checked_on": "2026-12-16"}) == "date_in_future"
    assert refused(appeal(), "record_valid", {"checked_on": "2026-11-30"}) == "date_before_appeal"
    hearing = appeal(S.CONSIDERATION)
    assert refused(hearing, "list_hearing", {"hearing_on": "2026-12-14"}) == "date_in_past"
    listed = take(hearing, "list_hearing", {"hearing_on": "2026-12-15"})
    assert refused(listed, "record_hearing_held", {"held_on": "2026-12-16"}) == "date_in_future"
    invited = appeal(
        S.REPRESENTATIONS, invitation=m.Invitation(invited_on=date(2026, 12, 10), period_days=30)
    )
    assert refused(invited, "close_representations", {"closed_on": "2026-12-09"}) == "date_before_invitation"


def test_a_misconceived_appeal_is_dismissed_at_the_validity_check():
    state = take(
        appeal(), "dismiss_misconceived", {"dismissed_on": "2026-12-02", "reasons": "not appealable"}
    )
    assert (state.stage, state.outcome) == (S.DISMISSED, "dismissed_as_misconceived")
    assert state.parties_notified is None and state.dismissal.by == "hana.handler"
    step = PATHWAY.steps["dismiss_misconceived"]
    assert step.meets == (m.VALIDITY_CHECK,) and "Sch 3 para 2" in step.describe
    assert refused(
        appeal(S.VALID), "dismiss_misconceived", {"dismissed_on": "2026-12-02", "reasons": "x"}
    ) == ("action_not_allowed")


def test_the_representations_period_is_the_invitations_own():
    assert representations_period(m.InviteRepresentations(invited_on=TODAY, period_days=14)) == 14
    assert representations_period(m.InviteRepresentations(invited_on=TODAY)) == m.REPRESENTATIONS_DAYS
    with pytest.raises(ValidationError):
        m.InviteRepresentations(invited_on=TODAY, period_days=m.REPRESENTATIONS_MOST_DAYS + 1)
    assert PATHWAY.steps["close_representations"].meets == (m.REPRESENTATIONS,)


def test_representations_after_the_period_are_marked_late():
    rule = m.PHARMACY_APPEAL_DEADLINES.rules[m.REPRESENTATIONS]
    due = Deadline(
        name=rule.name,
        title=rule.title,
        kind=rule.kind,
        basis=rule.basis,
        trigger="invite_representations",
        trigger_date=date(2026, 12, 1),
        due_on=date(2026, 12, 11),
        due_at=None,
        owner="hana.handler",
    )
    state = appeal(S.REPRESENTATIONS, deadlines={m.REPRESENTATIONS: due})
    assert not late_representation(state, date(2026, 12, 11)) and late_representation(
        state, date(2026, 12, 12)
    )
    take(state, "record_representations", {"party": "Another Pharmacy", "received_on": "2026-12-14"})
    assert state.representations[-1].late and state.stage == S.REPRESENTATIONS


def test_a_determination_gives_a_redetermination_only_when_it_quashes():
    base = {"determined_on": "2026-12-15", "reasons": "r"}
    for body in (
        base | {"decision": "quashed_and_redetermined"},
        base | {"decision": "confirmed", "redetermination": "x"},
    ):
        with pytest.raises(ValidationError, match="redetermination"):
            m.Determine.model_validate(body)
    assert m.Determine.model_validate(base | {"decision": "confirmed"}).redetermination is None


# --- joining ----------------------------------------------------------------------------------------


def test_who_may_be_joined_to_whom():
    assert joining_refusal(appeal(S.CONSIDERATION, OTHER), LEAD) is None
    assert joining_refusal(appeal(S.HEARING_LISTED, OTHER), LEAD) is None
    assert joining_refusal(appeal(S.CONSIDERATION, LEAD), LEAD)[0] == "cannot_join_itself"
    assert joining_refusal(appeal(S.REPRESENTATIONS, OTHER), LEAD)[0] == "appeal_not_joinable"
    assert joining_refusal(appeal(S.HEARD, OTHER), LEAD)[0] == "appeal_not_joinable"
    assert joining_refusal(appeal(S.PUBLISHED, OTHER), LEAD)[0] == "appeal_not_joinable"
    joined = take(appeal(S.CONSIDERATION, OTHER), "join_lead_appeal", lead(LEAD))
    assert joining_refusal(joined, THIRD)[0] == "already_joined"
    leading = take(appeal(S.CONSIDERATION, OTHER), "join_appeal", {"appeal_ref": THIRD})
    assert joining_refusal(leading, LEAD)[0] == "appeal_leads_others", "no chains of leads"


def lead(ref: str) -> dict:
    return {"lead_ref": ref, "lead_workflow_id": f"pharmacy_appeal-{ref}"}


def test_a_lead_records_the_appeals_joined_to_it_and_keeps_them():
    state = take(appeal(S.CONSIDERATION), "join_appeal", {"appeal_ref": OTHER})
    assert [(j.ref, j.workflow_id) for j in state.joined] == [(OTHER, f"pharmacy_appeal-{OTHER}")]
    assert state.links[-1].ref == OTHER and state.stage == S.CONSIDERATION
    assert refused(state, "join_appeal", {"appeal_ref": OTHER}) == "already_joined"
    assert refused(state, "join_appeal", {"appeal_ref": LEAD}) == "cannot_join_itself"
    assert refused(state, "withdraw_appeal", {"withdrawn_on": "2026-12-15", "reason": "x"}) == (
        "appeal_leads_others"
    )
    assert PATHWAY.steps["join_appeal"].before is not None, "the other appeal is asked first"


def test_a_joined_appeal_waits_on_its_lead():
    state = take(appeal(S.HEARING_LISTED, OTHER), "join_lead_appeal", lead(LEAD))
    assert state.stage == S.JOINED and state.lead.ref == LEAD
    assert PATHWAY.steps["join_lead_appeal"].waives == (m.HEARING,), "heard at its lead's hearing"
    assert S.JOINED not in WITHDRAWABLE
    assert refused(state, "join_lead_appeal", lead(THIRD)) == "already_joined"


def test_the_leads_determination_decides_every_joined_appeal():
    leader = take(appeal(S.CONSIDERATION), "join_appeal", {"appeal_ref": OTHER})
    body = {"determined_on": "2026-12-15", "decision": "confirmed", "reasons": "needs met"}
    take(leader, "determine", body)
    assert leader.determination.appeals == [LEAD, OTHER]

    joined = take(appeal(S.CONSIDERATION, OTHER), "join_lead_appeal", lead(LEAD))
    told = m.LeadOutcome(lead_ref=LEAD, determination=leader.determination, at=NOW)
    assert take_lead_outcome(joined, told, NOW) == (
        "determined_with_lead",
        {"lead_ref": LEAD, "decision": "confirmed"},
    )
    assert (joined.stage, joined.outcome, joined.determination.lead_ref) == (S.DETERMINED, "confirmed", LEAD)
    assert take_lead_outcome(joined, told, NOW) is None, "told twice, taken once"
    assert PATHWAY.allowed_actions(joined, Role.HANDLER) == ["add_note", "extend_deadline"]
    step = PATHWAY.steps["publish_determination"]
    payload = step.payload.model_validate({"published_on": "2026-12-15", "publication_reference": "P-1"})
    assert PATHWAY.refusal(joined, step, payload, ctx()).code == "published_with_lead"

    publication = m.Publication(published_on=TODAY, publication_reference="P-1")
    published = told.model_copy(update={"publication": publication})
    assert take_lead_outcome(joined, published.model_copy(update={"lead_ref": THIRD}), NOW) is None
    assert take_lead_outcome(joined, published, NOW)[0] == "published_with_lead"
    assert (joined.stage, joined.closed_at, joined.publication.publication_reference) == (
        S.PUBLISHED,
        NOW,
        "P-1",
    )


def test_a_publication_reaching_a_still_joined_appeal_decides_and_publishes_it():
    leader = take(appeal(S.CONSIDERATION), "join_appeal", {"appeal_ref": OTHER})
    take(leader, "determine", {"determined_on": "2026-12-15", "decision": "confirmed", "reasons": "r"})
    take(leader, "publish_determination", {"published_on": "2026-12-15", "publication_reference": "P-2"})
    joined = take(appeal(S.CONSIDERATION, OTHER), "join_lead_appeal", lead(LEAD))
    told = m.LeadOutcome(
        lead_ref=LEAD, determination=leader.determination, publication=leader.publication, at=NOW
    )
    assert take_lead_outcome(joined, told, NOW)[0] == "determined_with_lead" and joined.stage == S.DETERMINED
    assert take_lead_outcome(joined, told, NOW)[0] == "published_with_lead" and joined.stage == S.PUBLISHED
    assert take_lead_outcome(joined, told, NOW) is None


def test_an_appeal_not_joined_ignores_a_leads_news():
    leader = take(
        appeal(S.CONSIDERATION),
        "determine",
        {"determined_on": "2026-12-15", "decision": "confirmed", "reasons": "r"},
    )
    stranger = appeal(S.CONSIDERATION, OTHER)
    told = m.LeadOutcome(lead_ref=LEAD, determination=leader.determination, at=NOW)
    assert take_lead_outcome(stranger, told, NOW) is None and stranger.stage == S.CONSIDERATION
