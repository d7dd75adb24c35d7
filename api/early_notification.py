"""Maternity Early Notification cases: the router generated from the pathway table, plus the
entry-criteria check a notification passes before its case starts.

A notification that fails the criteria in force for the baby's date of birth is refused with
409 `not_eligible`, naming every failed criterion; one the family declined MNSI's
investigation for (and did not ask for one) is refused the same way. Nothing is started.

A case's reference follows from the MNSI reference (`en_ref_for`), so a second notification
of the same investigation finds the first case, open or closed, under the same workflow id:
Temporal never starts that id again, and the case refuses any opening but its own retry with
409 `already_notified`, naming it (`existing_ref`). No read of the register decides it, so two
notifications at once cannot both open a case.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from api import duty_of_candour
from api.cases import CaseApi, case_router, may_read
from api.deps import CurrentActor
from api.errors import ApiError
from models.common import Actor, CaseKind
from models.early_notification import (
    EarlyNotificationInput,
    EarlyNotificationPolicy,
    FailedCriterion,
    Notification,
    check_eligibility,
    criteria_for,
    en_ref_for,
)
from workflows.early_notification import EarlyNotificationWorkflow


def policy(app_state: Any) -> EarlyNotificationPolicy:
    """Tests set `app.state.early_notification_policy` (short periods); otherwise the standard
    EN policy, with claims opened from admissions under the app's claim policy and candour cases
    under the app's candour policy."""
    chosen = getattr(app_state, "early_notification_policy", None)
    return chosen or EarlyNotificationPolicy(
        claim_policy=app_state.policy, candour_policy=duty_of_candour.policy(app_state)
    )


class Eligibility(BaseModel):
    eligible: bool
    criteria_version: str | None
    family_consent_required: bool
    failed: list[FailedCriterion]


def eligibility(notification: Notification) -> Eligibility:
    version = criteria_for(notification.date_of_birth)
    failed = check_eligibility(notification)
    return Eligibility(
        eligible=not failed,
        criteria_version=version.version if version else None,
        family_consent_required=bool(version and version.family_consent_required),
        failed=failed,
    )


def vet(app_state: Any, notification: Notification, actor: Actor, ref: str) -> None:
    """Before a case starts (its dates are checked as every opening's are): every criterion met.
    A case already opened for the same MNSI investigation refuses it itself (see above)."""
    answer = eligibility(notification)
    if not answer.eligible:
        reasons = "; ".join(f"{f.criterion}: {f.message}" for f in answer.failed)
        raise ApiError(
            409,
            "not_eligible",
            f"not eligible for Early Notification: {reasons}",
            answer.model_dump(mode="json"),
        )


SPEC = CaseApi(
    kind=CaseKind.EARLY_NOTIFICATION,
    prefix="/early-notifications",
    workflow=EarlyNotificationWorkflow,
    ref_pattern=r"EN-[A-Z2-7]{12}",
    ref_prefix="EN",
    ref_from_opening=lambda notification: en_ref_for(notification.mnsi_reference),
    opening=Notification,
    start_input=lambda ref, opening, meta, policy: EarlyNotificationInput(
        ref=ref, owner=opening.handler or meta.actor.id, opening=opening, opened_by=meta, policy=policy
    ),
    policy=policy,
    vet_opening=vet,
    opening_assignee="handler",
)
router = case_router(SPEC)


@router.post("/eligibility", response_model=Eligibility, summary="Check a notification against the criteria")
async def check_notification(notification: Notification, actor: CurrentActor) -> Eligibility:
    """The entry criteria for the baby's date of birth, each failed one named; nothing is opened.
    A route of the Early Notification kind: for its tier's readers only."""
    may_read(SPEC, actor)
    return eligibility(notification)
