"""Issue 18's Early Notification rules on the real workflow class, without a Temporal server: one
case per MNSI investigation, refused by the case itself (tests/api/test_early_notification.py
drives the same through the API and a dev server).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from api.cases import new_ref
from api.early_notification import SPEC
from models import early_notification as en
from models.common import ActionMeta, Actor, AppliedAction, Role, payload_digest
from models.duty_of_candour import candour_ref_for
from workflows.early_notification import EarlyNotificationWorkflow

NOW = datetime(2026, 6, 15, 9, 30, tzinfo=UTC)
HANDLER = Actor(id="hana.handler", role=Role.HANDLER)
OTHER_HANDLER = Actor(id="harry.handler", role=Role.HANDLER)
NOTIFICATION = en.Notification(
    mnsi_reference="MNSI-2024-001",
    trust_code="RX1",
    trust_name="Example Hospitals NHS Trust",
    date_of_birth=date(2024, 2, 1),
    gestation_weeks=39,
    birth=en.Birth.FOLLOWING_LABOUR,
    mri_confirmed=True,
    actively_cooled=True,
)


# --- one case per MNSI investigation ---------------------------------------------------------


def test_an_en_reference_follows_from_the_mnsi_investigation():
    ref = en.en_ref_for("MNSI-2024-001")
    assert ref == en.en_ref_for("MNSI-2024-001") == en.en_ref_for("mnsi-2024-001"), "typed either way"
    assert ref != en.en_ref_for("MNSI-2024-002")
    assert re.fullmatch(SPEC.ref_pattern, ref), "served at the kind's own routes"
    assert ref not in (en.claim_ref_for(ref), candour_ref_for(ref))
    assert SPEC.ref_from_opening(NOTIFICATION) == ref, "the API opens it under that reference"


def test_every_reference_comes_from_the_one_rule_and_keeps_the_values_it_had():
    """models/common.py derived_ref makes every reference: those made before it are unchanged."""
    assert new_ref("PHA", HANDLER, "k1") == "PHA-QA4K7CW4AHQM"
    assert en.claim_ref_for("EN-ABCDEFGHIJKL") == "CLM-YBIWZS5L26F4"
    assert candour_ref_for("EN-ABCDEFGHIJKL") == "DOC-X2QQ4MWMNDOG"
    assert new_ref("PHA", HANDLER, None) != new_ref("PHA", HANDLER, None), "no key: a new case each time"


def notified_case(request_id: str = "key-1") -> EarlyNotificationWorkflow:
    """An EN case as its start leaves it: the notification recorded under its request id."""
    opening = en.EarlyNotificationInput(
        ref=en.en_ref_for(NOTIFICATION.mnsi_reference),
        owner=HANDLER.id,
        opening=NOTIFICATION,
        opened_by=ActionMeta(actor=HANDLER, request_id=request_id),
    )
    case = object.__new__(EarlyNotificationWorkflow)
    case.state = case.open(opening, NOW)
    case.requests = {
        request_id: AppliedAction(
            seq=1,
            action="notify",
            request_id=request_id,
            stage_before=None,
            stage_after=case.state.stage,
            actor_id=HANDLER.id,
            payload_digest=payload_digest(NOTIFICATION),
        )
    }
    return case


def test_the_notifications_own_retry_is_answered():
    case = notified_case()
    assert (
        case.opening_refusal(ActionMeta(actor=HANDLER, request_id="key-1"), payload_digest(NOTIFICATION))
        is None
    )


@pytest.mark.parametrize(
    ("actor", "request_id", "body"),
    [
        (OTHER_HANDLER, "key-2", NOTIFICATION),  # another handler's notification
        (HANDLER, "key-2", NOTIFICATION),  # the same handler's, under another key
        (HANDLER, "key-2", NOTIFICATION.model_copy(update={"gestation_weeks": 38})),
    ],
)
def test_a_second_notification_of_the_investigation_is_refused_naming_the_case(actor, request_id, body):
    case = notified_case()
    refusal = case.opening_refusal(ActionMeta(actor=actor, request_id=request_id), payload_digest(body))
    ref = en.en_ref_for("MNSI-2024-001")
    assert refusal is not None and refusal.code == "already_notified"
    assert refusal.message == f"MNSI investigation MNSI-2024-001 was already notified as {ref}"
    details = refusal.model_dump(mode="json")
    assert (details["existing_ref"], details["mnsi_reference"], details["stage"]) == (
        ref,
        "MNSI-2024-001",
        "notified",
    )


def test_the_notifications_key_with_another_body_is_a_reused_key():
    case = notified_case()
    changed = NOTIFICATION.model_copy(update={"gestation_weeks": 38})
    refusal = case.opening_refusal(ActionMeta(actor=HANDLER, request_id="key-1"), payload_digest(changed))
    assert refusal is not None and refusal.code == "request_id_reused"
    stolen = case.opening_refusal(
        ActionMeta(actor=OTHER_HANDLER, request_id="key-1"), payload_digest(NOTIFICATION)
    )
    assert stolen is not None and stolen.code == "request_id_reused", "a key belongs to its actor"
