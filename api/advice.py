"""Practitioner Performance Advice: advice cases, their interventions and MHPS exclusions.

All three are confidential (models/access.py): only advisers, advice supervisors, auditors and
admins see them; anyone else gets 403 on every route of theirs. Interventions and exclusions are started by
their advice case's actions (`start-intervention`, `record-exclusion`), so they have no open
route of their own; they are driven through `/advice-interventions/{ref}/...` and
`/advice-exclusions/{ref}/...`.

New cases start under `app.state.advice_policy` when it is set (tests set a short one), else
the advice policy in force.
"""

from __future__ import annotations

from typing import Any

from api.cases import CaseApi, case_router
from models.advice import AdviceInput, AdvicePolicy, Referral
from models.common import ActionMeta, CaseKind
from workflows.advice import AdviceCaseWorkflow
from workflows.exclusion import ExclusionWorkflow
from workflows.intervention import InterventionWorkflow


def advice_policy(app_state: Any) -> AdvicePolicy:
    return getattr(app_state, "advice_policy", None) or AdvicePolicy()


def _start(ref: str, referral: Referral, meta: ActionMeta, policy: AdvicePolicy) -> AdviceInput:
    return AdviceInput(ref=ref, owner=meta.actor.id, opening=referral, opened_by=meta, policy=policy)


ADVICE_CASES = CaseApi(
    kind=CaseKind.ADVICE,
    prefix="/advice-cases",
    workflow=AdviceCaseWorkflow,
    ref_pattern=r"PPA-[A-Z2-7]{12}",
    ref_prefix="PPA",
    opening=Referral,
    start_input=_start,
    policy=advice_policy,
)
INTERVENTIONS = CaseApi(
    kind=CaseKind.INTERVENTION,
    prefix="/advice-interventions",
    workflow=InterventionWorkflow,
    ref_pattern=r"PPA-[A-Z2-7]{12}-I[0-9]{1,4}",
)
EXCLUSIONS = CaseApi(
    kind=CaseKind.EXCLUSION,
    prefix="/advice-exclusions",
    workflow=ExclusionWorkflow,
    ref_pattern=r"PPA-[A-Z2-7]{12}-X[0-9]{1,4}",
)

routers = [case_router(spec) for spec in (ADVICE_CASES, INTERVENTIONS, EXCLUSIONS)]
