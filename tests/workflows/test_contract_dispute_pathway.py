"""The primary care contract dispute's rules, without a Temporal server: the 3-year referral limit
with its source, the bounds on the periods the adjudicator sets, and the pathway table (what
each role is offered at each stage, what refuses a step, and what a step changes)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from api.contract_dispute import referral_limit, referral_rule
from models import contract_dispute as m
from models.common import Actor, Role
from models.contract_dispute import DayRange, Stage
from models.deadline_policies import short
from models.deadlines import Deadline, DeadlineStatus
from workflows.case_kit import Context
from workflows.clock import end_of_london_day
from workflows.contract_dispute import PATHWAY

TODAY = date(2026, 6, 15)
NOW = datetime(2026, 6, 15, 9, 30, tzinfo=UTC)
REFERRED = date(2026, 6, 1)
POLICY = m.ContractDisputePolicy()
RULE = m.CONTRACT_DISPUTE_DEADLINES.rules[m.REFERRAL]
ACTORS = {role: Actor(id=f"someone.{role.value}", role=role) for role in Role if role is not Role.SYSTEM}
HANDLER = ACTORS[Role.HANDLER]


def referral(**overrides: Any) -> m.Referral:
    """A valid referral; local resolution runs from the matter to the referral unless given."""
    body = {
        "contract_type": "gms",
        "subject": "payment",
        "contractor_ods_code": "Y01234",
        "commissioner_ods_code": "QWE",
        "referred_by": "contractor",
        "referred_on": REFERRED.isoformat(),
        "matter_arose_on": "2025-09-01",
        "local_resolution": {
            "attempted_from": "2025-10-01",
            "ended_on": "2026-05-20",
            "evidence": ["LETTER-2025-10-01", "MINUTES-2026-05-20"],
            "summary": "Two meetings with the ICB; no agreement on the rent review.",
        },
    }
    body |= overrides
    if "local_resolution" not in overrides:
        body["local_resolution"] |= {
            "attempted_from": body["matter_arose_on"],
            "ended_on": body["referred_on"],
        }
    return m.Referral.model_validate(body)


def case(stage: Stage = Stage.REFERRED, **fields: Any) -> m.ContractDisputeState:
    fields.setdefault("referral", referral())
    return m.ContractDisputeState(
        ref="PCD-AAAAAAAAAAAA", stage=stage, owner="hana.handler", opened_at=NOW, updated_at=NOW, **fields
    )


def ctx(actor: Actor = HANDLER, policy: m.ContractDisputePolicy = POLICY, action: str = "") -> Context:
    return Context(actor=actor, now=NOW, today=TODAY, policy=policy, action=action)


def refusal(state: m.ContractDisputeState, action: str, body: dict, actor: Actor = HANDLER, **kw):
    step = PATHWAY.steps[action]
    refused = PATHWAY.refusal(state, step, step.payload.model_validate(body), ctx(actor, action=action, **kw))
    return refused and refused.code


def take(state: m.ContractDisputeState, action: str, body: dict) -> m.ContractDisputeState:
    """The step's checks pass, then its effect and stage change (the book is the workflow's)."""
    assert refusal(state, action, body) is None
    step = PATHWAY.steps[action]
    PATHWAY.apply(state, step, step.payload.model_validate(body), ctx(action=action))
    return state


def deadline(name: str, status: DeadlineStatus, due_on: date = TODAY - timedelta(days=1)) -> Deadline:
    rule = POLICY.deadlines.rules[name]
    return Deadline(
        name=name,
        title=rule.title,
        kind=rule.kind,
        basis=rule.basis,
        trigger="request_representations",
        trigger_date=due_on - timedelta(days=14),
        due_on=due_on,
        due_at=end_of_london_day(due_on),
        owner="hana.handler",
        status=status,
    )


# --- the 3-year referral limit ---------------------------------------------------------------


def test_the_referral_limit_is_three_years_from_the_matter_with_its_source():
    limit = referral_limit(referral(matter_arose_on="2023-03-15", referred_on="2026-03-15"), RULE)
    assert limit.due_on == date(2026, 3, 15)
    assert "GMS (Wales) Regs 2004 Sch 6 para 99(4),(6)" in RULE.basis
    assert "English GMS 2015 equivalent unconfirmed" in RULE.basis
    assert (RULE.period.amount, RULE.period.unit) == (m.REFERRAL_LIMIT_YEARS, "years") == (3, "years")
    assert "3 years after Wed 15 Mar 2023" in limit.explanation


def test_a_referral_on_the_last_day_is_in_time_and_the_day_after_is_not():
    on_time = referral(matter_arose_on="2023-06-01", referred_on="2026-06-01")
    late = referral(matter_arose_on="2023-06-01", referred_on="2026-06-02")
    due = referral_limit(on_time, RULE).due_on
    assert due == date(2026, 6, 1)
    assert not m.referred_too_late(on_time, due)
    assert m.referred_too_late(late, referral_limit(late, RULE).due_on)


def test_the_limit_runs_from_when_the_matter_should_have_been_noticed_if_later():
    noticed = referral(matter_arose_on="2022-01-10", matter_noticed_on="2023-07-01", referred_on="2026-06-01")
    assert m.limit_runs_from(noticed) == date(2023, 7, 1)
    assert referral_limit(noticed, RULE).due_on == date(2026, 7, 1)
    assert not m.referred_too_late(noticed, date(2026, 7, 1))
    assert m.limit_runs_from(referral()) == date(2025, 9, 1)


def test_a_matter_on_29_february_runs_to_28_february():
    leap = referral(matter_arose_on="2024-02-29", referred_on="2026-06-01")
    assert referral_limit(leap, RULE).due_on == date(2027, 2, 28)


def test_a_short_test_policy_still_holds_a_referral_to_the_legal_limit():
    quick = m.ContractDisputePolicy(deadlines=short(base=m.CONTRACT_DISPUTE_DEADLINES))
    assert quick.deadlines.rules[m.REFERRAL].period is None
    assert referral_rule(quick) == RULE
    assert referral_rule(POLICY) is RULE


LATE_LOCAL_RESOLUTION = {
    "attempted_from": "2026-05-01",
    "ended_on": "2026-06-05",  # after the referral on 1 June
    "evidence": ["EMAIL-1"],
    "summary": "still talking",
}


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"matter_noticed_on": "2025-08-01"}, "dates_out_of_order"),
        ({"local_resolution": LATE_LOCAL_RESOLUTION}, "local_resolution_not_ended"),
        ({"matter_arose_on": "2026-06-02"}, "dates_out_of_order"),
    ],
)
def test_a_referral_out_of_order_is_refused_by_its_own_rules(overrides, code):
    with pytest.raises(ValidationError) as raised:
        referral(**overrides)
    assert raised.value.errors()[0]["ctx"]["code"] == code


def test_a_referral_needs_evidence_of_local_resolution():
    with pytest.raises(ValidationError):
        referral(local_resolution=None)
    evidence = referral().local_resolution.model_dump(mode="json") | {"evidence": []}
    with pytest.raises(ValidationError):
        referral(local_resolution=evidence)


# --- the periods the adjudicator sets ----------------------------------------------------------


def test_the_policy_allows_two_to_four_weeks_for_representations_and_observations():
    assert POLICY.representations_days == POLICY.observations_days == DayRange(shortest=14, longest=28)
    assert m.TWO_TO_FOUR_WEEKS.refusal("representations", 14) is None
    assert m.TWO_TO_FOUR_WEEKS.refusal("representations", 28) is None
    code, message = m.TWO_TO_FOUR_WEEKS.refusal("representations", 29)
    assert code == "period_out_of_range" and message.startswith("the representations period must be 14 to 28")
    assert m.TWO_TO_FOUR_WEEKS.refusal("observations", 13)[0] == "period_out_of_range"
    with pytest.raises(ValidationError):
        DayRange(shortest=28, longest=14)


@pytest.mark.parametrize(("days", "code"), [(13, "period_out_of_range"), (14, None), (21, None), (28, None)])
def test_a_request_for_representations_sets_a_period_within_the_range(days, code):
    body = {"requested_on": TODAY.isoformat(), "period_days": days}
    assert refusal(case(), "request_representations", body) == code


def test_observations_are_held_to_their_own_range_from_the_policy():
    state = case(Stage.REPRESENTATIONS_RECEIVED)
    state.representations = m.Submissions(requested_on=REFERRED, period_days=14, received_on=REFERRED)
    body = {"requested_on": TODAY.isoformat(), "period_days": 35}
    assert refusal(state, "request_observations", body) == "period_out_of_range"
    wider = m.ContractDisputePolicy(observations_days=DayRange(shortest=7, longest=42))
    assert refusal(state, "request_observations", body, policy=wider) is None


# --- the pathway table ---------------------------------------------------------------------------


def test_every_stage_is_reached_and_every_open_stage_can_end():
    leads: dict[str, set[str]] = {}
    for step in PATHWAY.steps.values():
        targets = {d.to for d in step.diverts} | ({step.leads_to} - {None})
        for origin in step.from_stages:
            leads.setdefault(origin, set()).update(targets)

    def reachable(start: str) -> set[str]:
        seen, todo = {start}, [start]
        while todo:
            for nxt in leads.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    assert reachable(PATHWAY.initial) == {s.value for s in Stage}
    assert all(Stage.CLOSED in reachable(stage) for stage in PATHWAY.open_stages)
    assert PATHWAY.initial == Stage.REFERRED and PATHWAY.opening_action == "refer"


def test_what_a_handler_is_offered_at_each_stage():
    offered = {
        Stage.REFERRED: ["acknowledge_referral", "request_representations", "withdraw_referral"],
        Stage.ACKNOWLEDGED: ["request_representations", "withdraw_referral"],
        Stage.REPRESENTATIONS_REQUESTED: ["record_representations", "withdraw_referral"],
        Stage.REPRESENTATIONS_RECEIVED: ["request_observations", "withdraw_referral"],
        Stage.OBSERVATIONS_REQUESTED: ["record_observations", "withdraw_referral"],
        Stage.UNDER_CONSIDERATION: [
            "arrange_hearing",
            "instruct_expert",
            "issue_determination",
            "withdraw_referral",
        ],
        Stage.HEARING_ARRANGED: ["record_hearing", "withdraw_referral"],
        Stage.EXPERT_INSTRUCTED: ["receive_expert_advice", "withdraw_referral"],
        Stage.DETERMINED: ["flag_judicial_review", "close_dispute"],
        Stage.JUDICIAL_REVIEW: ["record_judicial_review_outcome"],
        Stage.CLOSED: [],
    }
    for stage, actions in offered.items():
        common = ["add_note", "extend_deadline"] if stage != Stage.CLOSED else ["add_note"]
        assert PATHWAY.allowed_actions(case(stage), Role.HANDLER) == actions + common, stage


def test_only_the_claims_side_acts_and_supervisors_waive():
    state = case()
    body = {"requested_on": TODAY.isoformat(), "period_days": 14}
    for role in (Role.AUDITOR, Role.ADVISER, Role.ADVICE_SUPERVISOR):
        assert refusal(state, "request_representations", body, ACTORS[role]) == "forbidden_for_role"
        assert PATHWAY.allowed_actions(state, role) == []
    for role in (Role.HANDLER, Role.SUPERVISOR, Role.ADMIN):
        assert refusal(state, "request_representations", body, ACTORS[role]) is None
    assert PATHWAY.steps["waive_deadline"].roles == {Role.SUPERVISOR, Role.ADMIN}


def test_a_step_out_of_its_stage_is_refused_naming_what_is_allowed():
    step = PATHWAY.steps["issue_determination"]
    body = {
        "determined_on": TODAY.isoformat(),
        "result": "upheld",
        "reasons": "the rent review was applied correctly",
        "notice_sent_on": TODAY.isoformat(),
    }
    refused = PATHWAY.refusal(case(), step, step.payload.model_validate(body), ctx())
    assert (refused.code, refused.stage) == ("action_not_allowed", "referred")
    assert "request_representations" in refused.allowed_actions
    assert "allowed now: acknowledge_referral, request_representations" in refused.message


def test_going_on_without_a_submission_waits_for_its_period_to_pass():
    state = case(Stage.REPRESENTATIONS_REQUESTED)
    state.representations = m.Submissions(requested_on=REFERRED, period_days=14)
    body = {"decided_on": TODAY.isoformat(), "reason": "no representations from the commissioner"}
    assert refusal(state, "proceed_without_representations", body) == "period_not_passed"
    state.deadlines[m.REPRESENTATIONS] = deadline(m.REPRESENTATIONS, DeadlineStatus.OPEN, TODAY)
    assert refusal(state, "proceed_without_representations", body) == "period_not_passed"
    state.deadlines[m.REPRESENTATIONS] = deadline(m.REPRESENTATIONS, DeadlineStatus.MISSED)
    assert "proceed_without_representations" in PATHWAY.allowed_actions(state, Role.HANDLER)
    take(state, "proceed_without_representations", body)
    assert state.stage == Stage.UNDER_CONSIDERATION
    assert state.representations.proceeded_without == body["reason"]
    assert PATHWAY.steps["proceed_without_representations"].waives == (m.REPRESENTATIONS,)


def test_judicial_review_is_recorded_for_gms_contracts_only():
    gms = case(Stage.DETERMINED)
    pms = case(Stage.DETERMINED, referral=referral(contract_type="pms"))
    body = {"flagged_on": TODAY.isoformat(), "sought_by": "contractor"}
    gms.determinations = pms.determinations = [determination(REFERRED)]
    assert "flag_judicial_review" in PATHWAY.allowed_actions(gms, Role.HANDLER)
    assert "flag_judicial_review" not in PATHWAY.allowed_actions(pms, Role.HANDLER)
    assert refusal(pms, "flag_judicial_review", body) == "judicial_review_not_recorded"
    assert refusal(gms, "flag_judicial_review", body) is None
    early = body | {"flagged_on": (REFERRED - timedelta(days=1)).isoformat()}
    assert refusal(gms, "flag_judicial_review", early) == "date_before_referral"


def determination(on: date) -> m.Determination:
    return m.Determination(
        determined_on=on,
        result="not_upheld",
        reasons="the notice was valid",
        notice_sent_on=on,
        determined_by="hana.handler",
    )


@pytest.mark.parametrize(
    ("action", "body", "code"),
    [
        ("acknowledge_referral", {"sent_on": (TODAY + timedelta(days=1)).isoformat()}, "date_in_future"),
        ("acknowledge_referral", {"sent_on": "2026-05-31"}, "date_before_referral"),
        (
            "request_representations",
            {"requested_on": "2026-05-01", "period_days": 14},
            "date_before_referral",
        ),
    ],
)
def test_dates_are_past_and_not_before_the_referral(action, body, code):
    assert refusal(case(), action, body) == code


def test_a_submission_cannot_arrive_before_it_was_asked_for():
    state = case(Stage.REPRESENTATIONS_REQUESTED)
    state.representations = m.Submissions(requested_on=date(2026, 6, 10), period_days=14)
    body = {"received_on": "2026-06-09", "parties": ["contractor"]}
    assert refusal(state, "record_representations", body) == "dates_out_of_order"
    with pytest.raises(ValidationError):
        m.RecordSubmissions.model_validate({"received_on": "2026-06-10", "parties": ["contractor"] * 2})


def test_a_dispute_walks_from_referral_to_a_quashed_determination_made_again():
    state = case()
    take(state, "acknowledge_referral", {"sent_on": "2026-06-02"})
    take(state, "request_representations", {"requested_on": "2026-06-03", "period_days": 21})
    assert state.representations == m.Submissions(requested_on=date(2026, 6, 3), period_days=21)
    take(
        state,
        "record_representations",
        {"received_on": "2026-06-08", "parties": ["contractor", "commissioner"]},
    )
    take(state, "request_observations", {"requested_on": "2026-06-09", "period_days": 14})
    take(state, "record_observations", {"received_on": "2026-06-10", "parties": ["commissioner"]})
    take(state, "arrange_hearing", {"arranged_on": "2026-06-10", "hearing_on": "2026-07-01"})
    assert state.stage == Stage.HEARING_ARRANGED
    take(state, "record_hearing", {"held_on": "2026-06-11"})
    take(
        state,
        "instruct_expert",
        {"instructed_on": "2026-06-11", "discipline": "valuer", "advice_due_on": "2026-06-30"},
    )
    take(state, "receive_expert_advice", {"received_on": "2026-06-12"})
    first = {
        "determined_on": "2026-06-12",
        "result": "partly_upheld",
        "reasons": "the rent was reviewed late",
        "notice_sent_on": "2026-06-12",
    }
    take(state, "issue_determination", first)
    assert (state.stage, state.determination.determined_by) == (Stage.DETERMINED, HANDLER.id)
    take(state, "flag_judicial_review", {"flagged_on": "2026-06-13", "sought_by": "commissioner"})
    take(state, "record_judicial_review_outcome", {"decided_on": "2026-06-14", "result": "quashed"})
    assert (state.stage, state.outcome, state.closed_at) == (Stage.UNDER_CONSIDERATION, None, None)
    take(
        state,
        "issue_determination",
        first | {"result": "upheld", "determined_on": "2026-06-15", "notice_sent_on": "2026-06-15"},
    )
    assert [d.result for d in state.determinations] == ["partly_upheld", "upheld"]
    take(state, "close_dispute", {"closed_on": "2026-06-15"})
    assert (state.stage, state.outcome, state.closed_at) == (Stage.CLOSED, "determined", NOW)


def test_a_judicial_review_dismissed_closes_the_case_on_the_determination():
    state = case(Stage.JUDICIAL_REVIEW)
    state.determinations = [determination(REFERRED)]
    state.judicial_reviews = [m.JudicialReview(flagged_on=REFERRED, sought_by="contractor")]
    take(state, "record_judicial_review_outcome", {"decided_on": "2026-06-14", "result": "dismissed"})
    assert (state.stage, state.outcome) == (Stage.CLOSED, "determination_stands")
    assert state.judicial_review.result == "dismissed"


def test_a_referral_withdrawn_before_the_determination_closes_the_case():
    withdrawal = {"withdrawn_on": "2026-06-10", "withdrawn_by": "contractor", "reason": "settled locally"}
    for stage in PATHWAY.steps["withdraw_referral"].from_stages:
        state = case(Stage(stage))
        take(state, "withdraw_referral", withdrawal)
        assert (state.stage, state.outcome) == (Stage.CLOSED, "withdrawn")
    assert refusal(case(Stage.DETERMINED), "withdraw_referral", withdrawal) == "action_not_allowed"


def test_every_deadline_the_table_names_is_a_policy_rule_with_a_basis():
    named = {name for step in PATHWAY.steps.values() for name in (*step.sets, *step.meets, *step.waives)}
    named |= {m.REFERRAL, m.REPRESENTATIONS, m.OBSERVATIONS, m.HEARING, m.EXPERT_ADVICE}
    rules = m.CONTRACT_DISPUTE_DEADLINES.rules
    assert named <= set(rules)
    assert all(rules[name].basis and rules[name].period is not None for name in named)
    request = rules[m.REPRESENTATIONS_REQUEST]
    assert (request.period.amount, request.period.unit) == (7, "days")
    assert "NHSLA directions" in request.basis
