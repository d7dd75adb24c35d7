"""Primary care contract disputes: the router generated from the pathway table, plus the 3-year
referral limit checked before a case starts.

A referral made after the last day of the 3 years from the matter (GMS (Wales) Regs 2004 Sch 6
para 99) is refused with 409 `referral_out_of_time`, giving the date it was due; nothing is
started. The date is counted by the same calendar activity the case's deadline book uses, so the
refusal and the book agree.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from activities.deadlines import due_for
from api.cases import CaseApi, case_router
from api.errors import ApiError
from models.common import Actor, CaseKind
from models.contract_dispute import (
    CONTRACT_DISPUTE_DEADLINES,
    REFERRAL,
    ContractDisputeInput,
    ContractDisputePolicy,
    Referral,
    limit_runs_from,
    referred_too_late,
)
from models.deadlines import DeadlineRule, DueRequest, DueResult
from workflows.contract_dispute import ContractDisputeWorkflow


def policy(app_state: Any) -> ContractDisputePolicy:
    """Tests set `app.state.contract_dispute_policy` (short periods); otherwise the standard one."""
    return getattr(app_state, "contract_dispute_policy", None) or ContractDisputePolicy()


def referral_rule(chosen: ContractDisputePolicy) -> DeadlineRule:
    """The 3-year rule of the policy a new case would start under. A short test policy times only
    its ladders in seconds: the limit a referral is held to is still the legal one."""
    rule = chosen.deadlines.rules[REFERRAL]
    return rule if rule.period is not None else CONTRACT_DISPUTE_DEADLINES.rules[REFERRAL]


def referral_limit(referral: Referral, rule: DeadlineRule) -> DueResult:
    """The last day for the referral, counted from the matter as the deadline book counts it."""
    start = limit_runs_from(referral)
    request = DueRequest(rule=rule, trigger_date=start, trigger_at=datetime.combine(start, time(), UTC))
    return due_for(request)


def vet(app_state: Any, referral: Referral, actor: Actor, ref: str) -> None:
    """Before a case starts (its dates are checked as every opening's are): within the 3 years."""
    rule = referral_rule(policy(app_state))
    limit = referral_limit(referral, rule)
    if referred_too_late(referral, limit.due_on):
        late = f"referred on {referral.referred_on}, out of time: it was due by {limit.due_on}"
        raise ApiError(
            409,
            "referral_out_of_time",
            f"{late} ({rule.basis})",
            {
                "due_on": limit.due_on.isoformat(),
                "limit_runs_from": limit_runs_from(referral).isoformat(),
                "referred_on": referral.referred_on.isoformat(),
                "basis": rule.basis,
                "explanation": limit.explanation,
            },
        )


SPEC = CaseApi(
    kind=CaseKind.CONTRACT_DISPUTE,
    prefix="/contract-disputes",
    workflow=ContractDisputeWorkflow,
    ref_pattern=r"PCD-[A-Z2-7]{12}",
    ref_prefix="PCD",
    opening=Referral,
    start_input=lambda ref, opening, meta, policy: ContractDisputeInput(
        ref=ref, owner=opening.handler or meta.actor.id, opening=opening, opened_by=meta, policy=policy
    ),
    policy=policy,
    vet_opening=vet,
    opening_assignee="handler",
)
router = case_router(SPEC)
