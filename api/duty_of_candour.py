"""Duty of candour cases: opened on their own here, or by an Early Notification case for its baby
(which links them both ways); driven at `/candour-cases/{ref}/…`.

New cases start under `app.state.candour_policy` when it is set (tests set a short one), else
the candour policy in force; an Early Notification case's start under the same.
"""

from __future__ import annotations

from typing import Any

from api.cases import CaseApi, case_router
from models.common import ActionMeta, CaseKind
from models.duty_of_candour import DutyOfCandourInput, DutyOfCandourPolicy, Incident
from workflows.duty_of_candour import DutyOfCandourWorkflow


def policy(app_state: Any) -> DutyOfCandourPolicy:
    return getattr(app_state, "candour_policy", None) or DutyOfCandourPolicy()


def _start(ref: str, incident: Incident, meta: ActionMeta, policy: DutyOfCandourPolicy) -> DutyOfCandourInput:
    owner = incident.handler or meta.actor.id
    return DutyOfCandourInput(ref=ref, owner=owner, opening=incident, opened_by=meta, policy=policy)


SPEC = CaseApi(
    kind=CaseKind.DUTY_OF_CANDOUR,
    prefix="/candour-cases",
    workflow=DutyOfCandourWorkflow,
    ref_pattern=r"DOC-[A-Z2-7]{12}",
    ref_prefix="DOC",
    opening=Incident,
    start_input=_start,
    policy=policy,
    opening_assignee="handler",
)
router = case_router(SPEC)
