"""Pharmacy appeals (Primary Care Appeals): the router generated from the pathway table, and the
30-day rule a notice of appeal passes before its case starts.

A notice received more than 30 days after the applicant was notified of the decision is
refused with 409 `appeal_out_of_time`, naming the day it was due and the rule (SI 2013/349
Sch 2 para 36); nothing is started.
"""

from __future__ import annotations

from typing import Any

from api.cases import CaseApi, case_router
from api.errors import ApiError
from models.common import ActionMeta, Actor, CaseKind
from models.pharmacy_appeal import NoticeOfAppeal, PharmacyAppealInput, PharmacyAppealPolicy, appeal_window
from workflows.pharmacy_appeal import PharmacyAppealWorkflow


def policy(app_state: Any) -> PharmacyAppealPolicy:
    """Tests set `app.state.pharmacy_appeal_policy` (short periods); otherwise the policy in force."""
    return getattr(app_state, "pharmacy_appeal_policy", None) or PharmacyAppealPolicy()


def vet(app_state: Any, notice: NoticeOfAppeal, actor: Actor, ref: str) -> None:
    """A late notice of appeal is not a valid one: no case is opened for it."""
    window = appeal_window(notice.notified_on, notice.received_on)
    if not window.in_time:
        raise ApiError(
            409,
            "appeal_out_of_time",
            f"the notice of appeal was received on {window.received_on}, after {window.due_on}, the last "
            f"day for it ({window.basis})",
            window.model_dump(mode="json"),
        )


def _start(ref: str, notice: NoticeOfAppeal, meta: ActionMeta, policy: PharmacyAppealPolicy):
    return PharmacyAppealInput(
        ref=ref, owner=notice.handler or meta.actor.id, opening=notice, opened_by=meta, policy=policy
    )


SPEC = CaseApi(
    kind=CaseKind.PHARMACY_APPEAL,
    prefix="/pharmacy-appeals",
    workflow=PharmacyAppealWorkflow,
    ref_pattern=r"PHA-[A-Z2-7]{12}",
    ref_prefix="PHA",
    opening=NoticeOfAppeal,
    start_input=_start,
    policy=policy,
    vet_opening=vet,
    opening_assignee="handler",
)
router = case_router(SPEC)
