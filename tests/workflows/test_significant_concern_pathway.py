"""The significant concern's rules, without a Temporal server: the pathway table walked from
raised to closed, the threshold not met closing at assessment, what each tier's roles are
offered, which source leads to which kind, and the link step the sources gained."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from models import significant_concern as m
from models.access import ACCESS, Tier
from models.cases import CasePolicy, LinkCase
from models.common import Actor, CaseKind, Role
from models.significant_concern import Stage
from workflows.advice import PATHWAY as ADVICE_CASE_PATHWAY
from workflows.case_kit import Context, Pathway
from workflows.early_notification import PATHWAY as EN_PATHWAY
from workflows.significant_concern import ADVICE_PATHWAY, CLAIMS_PATHWAY

TODAY = date(2026, 6, 15)
NOW = datetime(2026, 6, 15, 9, 30, tzinfo=UTC)
RAISED = date(2026, 6, 1)
ACTORS = {role: Actor(id=f"someone.{role.value}", role=role) for role in Role if role is not Role.SYSTEM}
HANDLER, ADVISER = ACTORS[Role.HANDLER], ACTORS[Role.ADVISER]


def case(stage: Stage = Stage.RAISED, kind: CaseKind = CaseKind.SIGNIFICANT_CONCERN, **fields: Any):
    return m.ConcernState(
        ref="SCN-AAAAAAAAAAAA",
        kind=kind,
        stage=stage,
        owner="hana.handler",
        raised_on=RAISED,
        provider_ods_code="RXX",
        description="A pattern of unsafe discharge in three claims.",
        opened_at=NOW,
        updated_at=NOW,
        **fields,
    )


def ctx(actor: Actor = HANDLER, action: str = "") -> Context:
    return Context(actor=actor, now=NOW, today=TODAY, policy=CasePolicy(), action=action)


def refusal(state, action: str, body: dict, actor: Actor = HANDLER, pathway: Pathway = CLAIMS_PATHWAY):
    step = pathway.steps[action]
    refused = pathway.refusal(state, step, step.payload.model_validate(body), ctx(actor, action))
    return refused and refused.code


def take(state, action: str, body: dict, actor: Actor = HANDLER, pathway: Pathway = CLAIMS_PATHWAY):
    assert refusal(state, action, body, actor, pathway) is None
    step = pathway.steps[action]
    pathway.apply(state, step, step.payload.model_validate(body), ctx(actor, action))
    return state


ASSESSED = {"assessed_on": "2026-06-03", "finding": "significant_risk", "reasons": "unsafe discharges"}
CONTACTED = {"contacted_on": "2026-06-04", "method": "letter"}


def contacted(**fields: Any) -> m.ConcernState:
    state = case()
    take(state, "assess_concern", ASSESSED)
    return take(state, "contact_provider", CONTACTED)


def test_raised_to_closed_through_a_referral_invited_and_a_regulator():
    state = contacted()
    take(state, "invite_referral", {"invited_on": "2026-06-05", "refer_to": "GMC"})
    assert state.stage == Stage.REFERRAL_INVITED and state.onward.how == "invited"
    take(state, "record_provider_response", {"received_on": "2026-06-08", "referral_made": True})
    assert state.stage == Stage.REFERRAL_INVITED and state.onward.referral_made is True
    assert "record_provider_response" not in CLAIMS_PATHWAY.allowed_actions(state, Role.HANDLER)
    take(state, "share_with_regulator", {"shared_on": "2026-06-09", "regulator": "gmc"})
    take(state, "share_with_regulator", {"shared_on": "2026-06-10", "regulator": "cqc"})
    assert state.stage == Stage.SHARED_WITH_REGULATOR
    assert [s.regulator for s in state.sharings] == [m.Regulator.GMC, m.Regulator.CQC]
    take(state, "close_concern", {"closed_on": "2026-06-12", "reason": "shared; nothing further"})
    assert state.stage == Stage.CLOSED and state.outcome == "shared_with_regulator"
    assert state.closed_at == NOW and state.stage_before_closure == Stage.SHARED_WITH_REGULATOR


def test_a_concern_below_both_thresholds_closes_at_assessment():
    state = case()
    body = {"assessed_on": "2026-06-02", "finding": "threshold_not_met", "reasons": "isolated, remedied"}
    take(state, "assess_concern", body)
    assert state.stage == Stage.CLOSED and state.outcome == "threshold_not_met"
    assert state.assessment.assessed_by == HANDLER.id


def test_assurance_answered_closes_without_sharing():
    state = contacted()
    take(state, "seek_assurance", {"sought_on": "2026-06-05", "referral_said_made_to": "NMC"})
    assert state.stage == Stage.ASSURANCE_SOUGHT
    closing = {"closed_on": "2026-06-10", "reason": "assured"}
    assert refusal(state, "close_concern", closing) == "provider_not_answered"
    assert "close_concern" not in CLAIMS_PATHWAY.allowed_actions(state, Role.HANDLER)
    take(state, "record_provider_response", {"received_on": "2026-06-09", "referral_made": True})
    take(state, "close_concern", closing)
    assert state.outcome == "provider_assured"


def test_steps_keep_their_order_and_dates():
    state = case()
    assert refusal(state, "contact_provider", CONTACTED) == "action_not_allowed"
    early = ASSESSED | {"assessed_on": "2026-05-30"}
    assert refusal(state, "assess_concern", early) == "date_before_concern"
    assert refusal(state, "assess_concern", ASSESSED | {"assessed_on": "2026-07-01"}) == "date_in_future"
    take(state, "assess_concern", ASSESSED)
    assert (
        refusal(state, "contact_provider", CONTACTED | {"contacted_on": "2026-06-02"}) == "dates_out_of_order"
    )
    take(state, "contact_provider", CONTACTED)
    assert refusal(state, "share_with_regulator", {"shared_on": "2026-06-05", "regulator": "gmc"}) == (
        "action_not_allowed"
    )
    assert set(CLAIMS_PATHWAY.allowed_actions(state, Role.HANDLER)) >= {"invite_referral", "seek_assurance"}


def test_each_tier_acts_on_its_own_kind_only():
    claims, advice = case(), case(kind=CaseKind.ADVICE_CONCERN)
    assert "assess_concern" in CLAIMS_PATHWAY.allowed_actions(claims, Role.HANDLER)
    assert CLAIMS_PATHWAY.allowed_actions(claims, Role.ADVISER) == []
    assert ADVICE_PATHWAY.allowed_actions(advice, Role.HANDLER) == []
    assert "assess_concern" in ADVICE_PATHWAY.allowed_actions(advice, Role.ADVISER)
    assert refusal(claims, "assess_concern", ASSESSED, ADVISER) == "forbidden_for_role"
    take(advice, "assess_concern", ASSESSED, ADVISER, ADVICE_PATHWAY)
    assert advice.stage == Stage.ASSESSED
    assert ACCESS[CaseKind.SIGNIFICANT_CONCERN].tier is Tier.CLAIMS
    assert ACCESS[CaseKind.ADVICE_CONCERN].tier is Tier.ADVICE
    assert [s.action for s in CLAIMS_PATHWAY.public_steps] == [s.action for s in ADVICE_PATHWAY.public_steps]


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        (CaseKind.CLAIM, CaseKind.SIGNIFICANT_CONCERN),
        (CaseKind.EARLY_NOTIFICATION, CaseKind.SIGNIFICANT_CONCERN),
        (CaseKind.ADVICE, CaseKind.ADVICE_CONCERN),
    ],
)
def test_a_concern_is_seen_by_exactly_those_who_see_its_source(source, kind):
    assert m.concern_kind_for(source) is kind
    assert ACCESS[kind].readers == ACCESS[source].readers


def test_a_concern_kind_must_be_a_concern():
    with pytest.raises(ValueError, match="not a concern kind"):
        case(kind=CaseKind.CLAIM)


@pytest.mark.parametrize(("pathway", "actor"), [(EN_PATHWAY, HANDLER), (ADVICE_CASE_PATHWAY, ADVISER)])
def test_a_source_records_a_link_once_at_any_stage_and_never_through_the_api(pathway, actor):
    step = pathway.steps["link_case"]
    assert (
        step.internal and step not in pathway.public_steps and step.from_stages == frozenset(pathway.stages)
    )

    class Source:
        links: list = []

    source = Source()
    link = LinkCase(kind=CaseKind.SIGNIFICANT_CONCERN, ref="SCN-A", workflow_id="w", relation=m.RAISED_FROM)
    step.apply(source, link, ctx(actor))
    step.apply(source, link, ctx(actor))
    assert [(x.ref, x.linked_at) for x in source.links] == [("SCN-A", NOW)]
    assert actor.role in step.roles
